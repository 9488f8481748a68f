"""Use cases of contracts and amendments; each runs in one transaction and writes the audit log.

Calendars and SLA policies: ``services_tiers.py``; reminders and renewal: ``services_reminders.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tournevis.contracts import domain
from tournevis.contracts.domain import ContractType, Status
from tournevis.contracts.models import Amendment, Calendar, Contract, Coverage, SlaPolicy
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import (
    check_version,
    create_audited,
    delete_audited,
    referenced_row,
    require,
    update_audited,
)
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.customers.models import Customer, Site
from tournevis.identity.domain import STAFF
from tournevis.identity.models import User
from tournevis.installed_base.models import Category, ServiceObject

# Fields of the base that only a draft may change; an active contract changes them by amendment.
_AMEND_ONLY = ("price_minor", "sla_policy_id", "coverage")


def _locked_contract(contract_id: int) -> Contract:
    contract = Contract.objects.select_for_update().filter(pk=contract_id).first()
    if contract is None:
        raise NotFound(_("No contract with id %(id)s.") % {"id": contract_id})
    return contract


def _account_manager(pk: int | None) -> User | None:
    user = referenced_row(User, pk, "account_manager_id")
    if user is not None and (user.role not in STAFF or not user.is_active):
        raise InvalidInput(_("The account manager must be an active staff user."), field="account_manager_id")
    return user


def _ids(value: Any, field: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise InvalidInput(_("A list of ids is expected."), field=field)
    return sorted(set(value))


def belongs_to(obj: ServiceObject, customer_id: int) -> bool:
    """Coverage ownership rule: an object may be covered by a contract of its owner, of its manager
    (a dealer managing it) or of the customer of the site where it stands."""
    return customer_id in (obj.owner_id, obj.manager_id, obj.site.customer_id)


def coverage_targets(customer_id: int, spec: Any, field: str) -> dict[str, list[Any]]:
    """Resolve ``{"site_ids": [...], "object_ids": [...], "category_ids": [...]}``; a site or object of
    another customer is refused naming the field (e.g. ``coverage.object_ids``)."""
    if spec is None:
        spec = {}
    if not isinstance(spec, dict) or set(spec) - set(domain.COVERAGE_FIELDS):
        raise InvalidInput(_("Coverage lists site_ids, object_ids and category_ids."), field=field)
    site_ids = _ids(spec.get("site_ids"), f"{field}.site_ids")
    object_ids = _ids(spec.get("object_ids"), f"{field}.object_ids")
    category_ids = _ids(spec.get("category_ids"), f"{field}.category_ids")
    sites = list(Site.objects.filter(pk__in=site_ids))
    foreign = sorted(
        {s.pk for s in sites if s.customer_id != customer_id} | (set(site_ids) - {s.pk for s in sites})
    )
    if foreign:
        raise InvalidInput(
            _("Sites %(ids)s are not sites of this contract's customer.") % {"ids": foreign},
            field=f"{field}.site_ids",
        )
    objects = list(ServiceObject.objects.select_related("site").filter(pk__in=object_ids))
    foreign = sorted(
        {o.pk for o in objects if not belongs_to(o, customer_id)}
        | (set(object_ids) - {o.pk for o in objects})
    )
    if foreign:
        raise InvalidInput(
            _("Objects %(ids)s are neither owned nor managed by this contract's customer nor at its sites.")
            % {"ids": foreign},
            field=f"{field}.object_ids",
        )
    categories = list(Category.objects.filter(pk__in=category_ids))
    unknown = sorted(set(category_ids) - {c.pk for c in categories})
    if unknown:
        raise InvalidInput(
            _("No category with id %(id)s.") % {"id": unknown[0]}, field=f"{field}.category_ids"
        )
    return {"site": sites, "service_object": objects, "category": categories}


def _write_coverage(
    contract: Contract, targets: dict[str, list[Any]], amendment: Amendment | None, op: str
) -> None:
    Coverage.objects.bulk_create(
        Coverage(contract=contract, amendment=amendment, op=op, **{kind: item})
        for kind, items in targets.items()
        for item in items
    )


def coverage_snapshot(contract: Contract) -> dict[str, list[int]]:
    rows = Coverage.objects.filter(contract=contract, amendment__isnull=True)
    return {
        "site_ids": sorted(r.site_id for r in rows if r.site_id),
        "object_ids": sorted(r.service_object_id for r in rows if r.service_object_id),
        "category_ids": sorted(r.category_id for r in rows if r.category_id),
    }


def _next_number(year: int) -> str:
    prefix = f"C-{year:04d}-"
    numbers = Contract.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    last = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return domain.format_number(year, last + 1)


def _references(data: dict[str, Any], fields: dict[str, Any]) -> None:
    if "sla_policy_id" in data:
        fields["sla_policy"] = referenced_row(SlaPolicy, data["sla_policy_id"], "sla_policy_id")
    if "calendar_id" in data:
        fields["calendar"] = referenced_row(Calendar, data["calendar_id"], "calendar_id")
    if "account_manager_id" in data:
        fields["account_manager"] = _account_manager(data["account_manager_id"])


def _check_policy_required(contract_type: str, policy: SlaPolicy | None) -> None:
    if contract_type == ContractType.MAINTENANCE and policy is None:
        raise InvalidInput(_("A maintenance contract needs a tier (SLA policy)."), field="sla_policy_id")


@transaction.atomic
def create_contract(actor: Actor, customer_id: int, data: dict[str, Any]) -> Contract:
    """Create a contract (draft unless ``status`` says active) with its base coverage.

    Without a ``number``, the next ``C-<year>-NNNNN`` of the current year is given.
    """
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise InvalidInput(_("No customer with id %(id)s.") % {"id": customer_id}, field="customer_id")
    fields = domain.clean_contract(data)
    require(fields, "type", "currency")
    fields.setdefault("billing_cycle", domain.BillingCycle.ANNUAL.value)
    fields.setdefault("renewal", domain.Renewal.TACIT.value)
    fields.setdefault("price_minor", 0)
    for name in ("start_date", "end_date"):
        if not isinstance(data.get(name), date):
            raise InvalidInput(_("This field is required."), field=name)
        fields[name] = data[name]
    domain.check_term(fields["start_date"], fields["end_date"])
    fields["status"] = domain.check_transition(Status.DRAFT, data.get("status", Status.DRAFT))
    _references(data, fields)
    _check_policy_required(fields["type"], fields.get("sla_policy"))
    targets = coverage_targets(customer.pk, data.get("coverage"), "coverage")
    fields["customer"] = customer
    if fields.get("number"):
        if Contract.objects.filter(number=fields["number"]).exists():
            raise Conflict(_("A contract numbered “%(number)s” exists.") % fields, field="number")
    else:
        fields["number"] = _next_number(clock.now().year)
    try:
        with transaction.atomic():
            contract = create_audited(actor, Contract, "contract.create", fields)
    except IntegrityError:  # a concurrent creation took the number
        raise Conflict(_("A contract numbered “%(number)s” exists.") % fields, field="number") from None
    _write_coverage(contract, targets, None, Coverage.Op.ADD)
    audit.record(actor, "contract.coverage", contract, after=coverage_snapshot(contract))
    return contract


@transaction.atomic
def update_contract(
    actor: Actor, contract_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Contract:
    """Edit a contract's base. Price, tier and coverage change this way only while it is a draft;
    afterwards through an amendment (409 naming the field)."""
    contract = _locked_contract(contract_id)
    check_version(contract, expected_version)
    if contract.status != Status.DRAFT:
        for name in _AMEND_ONLY:
            if name in data:
                raise Conflict(_("Only a draft contract is edited directly; amend it instead."), field=name)
    fields = domain.clean_contract(data)
    if "number" in fields:
        require(fields, "number")
    if "status" in data:
        fields["status"] = domain.check_transition(contract.status, data["status"])
    for name in ("start_date", "end_date"):
        if name in data:
            if not isinstance(data[name], date):
                raise InvalidInput(_("This field is required."), field=name)
            fields[name] = data[name]
    start, end = fields.get("start_date", contract.start_date), fields.get("end_date", contract.end_date)
    domain.check_term(start, end)
    outside = contract.amendments.exclude(effective_date__range=(start, end)).first()
    if outside is not None:
        raise InvalidInput(
            _("Amendment %(sequence)s takes effect on %(date)s, outside this term.")
            % {"sequence": outside.sequence, "date": outside.effective_date.isoformat()},
            field="end_date" if outside.effective_date > end else "start_date",
        )
    _references(data, fields)
    _check_policy_required(fields.get("type", contract.type), fields.get("sla_policy", contract.sla_policy))
    if (
        "number" in fields
        and Contract.objects.filter(number=fields["number"]).exclude(pk=contract.pk).exists()
    ):
        raise Conflict(_("A contract numbered “%(number)s” exists.") % fields, field="number")
    coverage_before, version_before = coverage_snapshot(contract), contract.version
    if "coverage" in data:
        targets = coverage_targets(contract.customer_id, data["coverage"], "coverage")
    contract = update_audited(actor, contract, "contract.update", fields, None)
    if "coverage" in data:
        Coverage.objects.filter(contract=contract, amendment__isnull=True).delete()
        _write_coverage(contract, targets, None, Coverage.Op.ADD)
        after = coverage_snapshot(contract)
        if after != coverage_before:
            if contract.version == version_before:  # only the coverage changed: it is a new version too
                contract.version += 1
                contract.updated_at = clock.now()
                contract.save(update_fields=["version", "updated_at"])
            audit.record(actor, "contract.coverage", contract, before=coverage_before, after=after)
    return contract


@transaction.atomic
def delete_contract(actor: Actor, contract_id: int) -> None:
    """Only a draft is deleted; a signed contract is terminated instead (its history stays)."""
    contract = _locked_contract(contract_id)
    if contract.status != Status.DRAFT:
        raise Conflict(_("Only a draft contract can be deleted; terminate it instead."), field="status")
    Coverage.objects.filter(contract=contract).delete()
    delete_audited(actor, contract, "contract.delete")


# --- Amendments ------------------------------------------------------------------------------------


def change_of(amendment: Amendment) -> domain.Change:
    add: dict[str, set[int]] = {name: set() for name in domain.COVERAGE_FIELDS}
    remove: dict[str, set[int]] = {name: set() for name in domain.COVERAGE_FIELDS}
    for row in amendment.coverage.all():
        into = add if row.op == Coverage.Op.ADD else remove
        if row.site_id:
            into["site_ids"].add(row.site_id)
        elif row.service_object_id:
            into["object_ids"].add(row.service_object_id)
        elif row.category_id:
            into["category_ids"].add(row.category_id)
    return domain.Change(
        effective_date=amendment.effective_date,
        sequence=amendment.sequence,
        sla_policy_id=amendment.sla_policy_id,
        price_minor=amendment.price_minor,
        add={k: frozenset(v) for k, v in add.items()},
        remove={k: frozenset(v) for k, v in remove.items()},
    )


def base_terms(contract: Contract) -> domain.Terms:
    base_rows = Coverage.objects.filter(contract=contract, amendment__isnull=True)
    return domain.Terms(
        sla_policy_id=contract.sla_policy_id,
        price_minor=contract.price_minor,
        site_ids=frozenset(r.site_id for r in base_rows if r.site_id),
        object_ids=frozenset(r.service_object_id for r in base_rows if r.service_object_id),
        category_ids=frozenset(r.category_id for r in base_rows if r.category_id),
    )


def _changes(contract: Contract, until: date | None = None) -> list[domain.Change]:
    amendments = contract.amendments.prefetch_related("coverage")
    if until is not None:
        amendments = amendments.filter(effective_date__lte=until)
    return [change_of(a) for a in amendments]


def terms_at(contract: Contract, day: date) -> domain.Terms:
    """The contract's tier, price and coverage on ``day``: the base plus the amendments effective by then."""
    return domain.terms_at(base_terms(contract), _changes(contract, day), day)


def prorated_amount(contract: Contract, amendment: Amendment) -> int | None:
    """The amount of the billing period in which a price change takes effect (None without a price):
    the price in force before it (base and earlier amendments) until the day before, the new one after."""
    if amendment.price_minor is None:
        return None
    start, end = domain.billing_period(contract.start_date, contract.billing_cycle, amendment.effective_date)
    key = (amendment.effective_date, amendment.sequence)
    earlier = [c for c in _changes(contract) if (c.effective_date, c.sequence) < key]
    old = domain.terms_at(base_terms(contract), earlier, amendment.effective_date).price_minor
    return domain.prorate(old, amendment.price_minor, start, end, amendment.effective_date)


@transaction.atomic
def amend_contract(
    actor: Actor, contract_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Amendment:
    """Record a dated change (coverage added/removed, tier, price) of an active or suspended contract.

    The effective date must lie within the term (``effective_date`` named otherwise); removing what
    is not covered on that date is refused naming ``remove.<kind>``. The contract's version moves on.
    """
    contract = _locked_contract(contract_id)
    check_version(contract, expected_version)
    if contract.status in (Status.DRAFT, Status.TERMINATED, Status.EXPIRED):
        raise Conflict(
            _("A %(status)s contract is not amended.") % {"status": contract.status}, field="status"
        )
    effective = data.get("effective_date")
    if not isinstance(effective, date):
        raise InvalidInput(_("This field is required."), field="effective_date")
    domain.check_effective_date(effective, contract.start_date, contract.end_date)
    policy = referenced_row(SlaPolicy, data.get("sla_policy_id"), "sla_policy_id")
    price = data.get("price_minor")
    if price is not None:
        price = domain.clean_contract({"price_minor": price})["price_minor"]
    add = coverage_targets(contract.customer_id, data.get("add"), "add")
    remove = coverage_targets(contract.customer_id, data.get("remove"), "remove")
    if policy is None and price is None and not any(add.values()) and not any(remove.values()):
        raise InvalidInput(_("An amendment changes the coverage, the tier or the price."), field="body")
    current = terms_at(contract, effective)
    for kind, name in (("site", "site_ids"), ("service_object", "object_ids"), ("category", "category_ids")):
        missing = sorted({item.pk for item in remove[kind]} - getattr(current, name))
        if missing:
            raise InvalidInput(
                _("Ids %(ids)s are not covered on that date.") % {"ids": missing}, field=f"remove.{name}"
            )
    sequence = (contract.amendments.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    amendment = Amendment.objects.create(
        contract=contract,
        sequence=sequence,
        effective_date=effective,
        sla_policy=policy,
        price_minor=price,
        reason=clean_text(data.get("reason"), "reason", max_length=300),
        created_at=clock.now(),
        created_by=actor.label,
    )
    _write_coverage(contract, add, amendment, Coverage.Op.ADD)
    _write_coverage(contract, remove, amendment, Coverage.Op.REMOVE)
    before = {"version": contract.version}
    contract.version += 1
    contract.updated_at = clock.now()
    contract.save(update_fields=["version", "updated_at"])
    after = audit.snapshot(amendment)
    after["add"] = {kind: sorted(i.pk for i in items) for kind, items in add.items()}
    after["remove"] = {kind: sorted(i.pk for i in items) for kind, items in remove.items()}
    audit.record(
        actor, "contract.amend", contract, before=before, after={"version": contract.version, **after}
    )
    return amendment
