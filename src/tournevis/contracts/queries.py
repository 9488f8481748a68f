"""Read side of contracts: lists, the calendar that applies, the engine's calendar, entitlement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet

from tournevis.contracts import domain
from tournevis.contracts.access import visible_contracts
from tournevis.contracts.domain import Status
from tournevis.contracts.models import Calendar, CalendarAssignment, Contract, SlaTarget
from tournevis.contracts.services import terms_at
from tournevis.core import business_time
from tournevis.core.actor import Actor
from tournevis.customers.models import Customer, Site
from tournevis.installed_base.models import ServiceObject


def list_contracts(
    actor: Actor,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    type: str | None = None,
    number: str | None = None,
) -> QuerySet[Contract]:
    rows = visible_contracts(actor)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if status:
        rows = rows.filter(status=status)
    if type:
        rows = rows.filter(type=type)
    if number and number.strip():
        rows = rows.filter(number__icontains=number.strip())
    return rows.order_by("number", "id")


# --- Calendars -------------------------------------------------------------------------------------


def fallback_calendar() -> Calendar:
    """The unsaved 24/7 calendar used when no calendar applies (``settings.CONTRACTS_FALLBACK_TIMEZONE``)."""
    zone = settings.CONTRACTS_FALLBACK_TIMEZONE
    return Calendar(name=f"24/7 {zone}", timezone=zone, always_open=True)


def calendar_for(
    contract: Contract | None = None, site: Site | None = None, customer: Customer | None = None
) -> Calendar:
    """The most specific calendar: the contract's, the site's, the customer's (the one given, else the
    contract's or the site's customer), the company default, else the 24/7 fallback (unsaved, pk None)."""
    if contract is not None and contract.calendar_id is not None:
        return Calendar.objects.get(pk=contract.calendar_id)
    if site is not None:
        assigned = CalendarAssignment.objects.select_related("calendar").filter(site_id=site.pk).first()
        if assigned is not None:
            return assigned.calendar
    customer_id = (
        customer.pk
        if customer is not None
        else contract.customer_id
        if contract is not None
        else site.customer_id
        if site is not None
        else None
    )
    if customer_id is not None:
        assigned = (
            CalendarAssignment.objects.select_related("calendar").filter(customer_id=customer_id).first()
        )
        if assigned is not None:
            return assigned.calendar
    default = Calendar.objects.filter(is_default=True).first()
    return default if default is not None else fallback_calendar()


def _aware_range(start: str, end: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    if "T" in start:
        return datetime.fromisoformat(start), datetime.fromisoformat(end)
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return (
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone),
    )


def to_engine(row: Calendar, years: Iterable[int]) -> business_time.Calendar:
    """The engine's calendar for a stored row, with the public holidays of ``years``.

    A 24/7 row is open at every instant: no slots, holidays or closures apply to it.
    """
    if row.always_open:
        return business_time.Calendar.always_open(row.timezone)
    zone = ZoneInfo(row.timezone)
    holidays = (
        business_time.holiday_dates(row.holidays_country, row.holidays_subdivision or None, years)
        if row.holidays_country
        else frozenset()
    )
    return business_time.Calendar(
        timezone=row.timezone,
        slots={day: tuple((start, end) for start, end in slots) for day, slots in row.slots.items()},
        holidays=holidays,
        closures=tuple(_aware_range(start, end, zone) for start, end in row.closures),
        yearly_closures=domain.yearly_pairs(row.yearly_closures),
    )


# --- Entitlement -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entitlement:
    """What applies to an object or site at a moment: a contract and its targets, or time and materials."""

    covered: bool
    priority: str
    calendar_id: int | None
    calendar_name: str
    contract_id: int | None = None
    contract_number: str | None = None
    contract_type: str | None = None
    coverage: str | None = None  # "object", "site" or "category"
    sla_policy_id: int | None = None
    targets: dict[str, int] | None = None
    parts_included: bool = False
    labour_included: bool = False
    loaner_included: bool = False
    per_visit_price_minor: int | None = None
    currency: str | None = None

    @property
    def basis(self) -> str:
        return "contract" if self.covered else "time_and_materials"


def category_of(obj: ServiceObject) -> int | None:
    """The object's equipment category: its own, else its model's (None when it has neither)."""
    if obj.category_id is not None:
        return obj.category_id
    return obj.equipment_model.category_id if obj.equipment_model_id is not None else None  # type: ignore[union-attr]


def _match(terms: domain.Terms, obj: ServiceObject | None, site: Site, paths: dict[int, str]) -> str | None:
    """How a contract's terms cover the object (or the site alone), most specific first."""
    if obj is not None and any(obj.path.startswith(paths[i]) for i in terms.object_ids if i in paths):
        return "object"
    if site.pk in terms.site_ids:
        return "site"
    if obj is not None and category_of(obj) in terms.category_ids:
        return "category"
    return None


def _targets(policy_id: int | None, priority: str, category_id: int | None) -> dict[str, int] | None:
    if policy_id is None:
        return None
    rows: list[dict[str, Any]] = list(
        SlaTarget.objects.filter(policy_id=policy_id).values("priority", "category_id", *domain.TARGET_FIELDS)
    )
    row = domain.pick_target(rows, priority, category_id)
    return {name: row[name] for name in domain.TARGET_FIELDS} if row is not None else None


def entitlement(
    *,
    service_object: ServiceObject | None = None,
    site: Site | None = None,
    at: datetime,
    priority: str = "P1",
    category_id: int | None = None,
) -> Entitlement:
    """Which active contract covers ``service_object`` (or ``site``) at ``at``, for ``priority``.

    The day is ``at`` in the site's time zone; a contract applies when it is active and the day lies in
    its term, with its coverage as amended by that day. Candidate customers: for an object, its owner,
    its manager and its site's customer; for a site, the site's customer. When several contracts cover,
    the choice is deterministic: the most specific coverage (object subtree, then site, then category),
    then the best targets (shortest on-site arrival; none counts as the worst), then the lowest id.
    Targets come from the tier's row for the priority and the object's category (``category_id``
    overrides it), else the priority's row without category.
    """
    if service_object is not None:
        site = service_object.site
        customers = {service_object.site.customer_id, service_object.owner_id, service_object.manager_id} - {
            None
        }
    elif site is not None:
        customers = {site.customer_id}
    else:
        raise ValueError("an object or a site is required")
    assert site is not None
    day = at.astimezone(ZoneInfo(site.timezone)).date()
    category = (
        category_id
        if category_id is not None
        else (category_of(service_object) if service_object is not None else None)
    )
    candidates = Contract.objects.filter(
        customer_id__in=customers, status=Status.ACTIVE, start_date__lte=day, end_date__gte=day
    ).order_by("id")
    found: list[tuple[tuple[int, float, int], Contract, str, domain.Terms, dict[str, int] | None]] = []
    for contract in candidates:
        terms = terms_at(contract, day)
        paths = dict(ServiceObject.objects.filter(pk__in=terms.object_ids).values_list("pk", "path"))
        how = _match(terms, service_object, site, paths)
        if how is None:
            continue
        targets = _targets(terms.sla_policy_id, priority, category)
        on_site = float(targets["on_site_minutes"]) if targets else float("inf")
        found.append(
            ((domain.COVERAGE_KINDS.index(how), on_site, contract.pk), contract, how, terms, targets)
        )
    if not found:
        calendar = calendar_for(site=site)
        return Entitlement(
            covered=False, priority=priority, calendar_id=calendar.pk, calendar_name=calendar.name
        )
    _key, contract, how, terms, targets = min(found, key=lambda item: item[0])
    calendar = calendar_for(contract=contract, site=site)
    return Entitlement(
        covered=True,
        priority=priority,
        calendar_id=calendar.pk,
        calendar_name=calendar.name,
        contract_id=contract.pk,
        contract_number=contract.number,
        contract_type=contract.type,
        coverage=how,
        sla_policy_id=terms.sla_policy_id,
        targets=targets,
        parts_included=contract.parts_included,
        labour_included=contract.labour_included,
        loaner_included=contract.loaner_included,
        per_visit_price_minor=contract.per_visit_price_minor,
        currency=contract.currency,
    )


def covered_objects(contract: Contract, day: date, category_id: int | None = None) -> list[ServiceObject]:
    """The objects the contract covers on ``day`` (its terms as amended by then): objects of its customer
    (owner, manager or site) in a covered subtree, at a covered site or of a covered category; only
    those of ``category_id`` when given (own category, else the equipment model's). Ordered by id."""
    terms = terms_at(contract, day)
    customer = contract.customer_id
    qs = ServiceObject.objects.select_related("site", "equipment_model").filter(
        Q(owner_id=customer) | Q(manager_id=customer) | Q(site__customer_id=customer)
    )
    if category_id is not None:
        qs = qs.filter(
            Q(category_id=category_id) | Q(category__isnull=True, equipment_model__category_id=category_id)
        )
    paths = dict(ServiceObject.objects.filter(pk__in=terms.object_ids).values_list("pk", "path"))
    return [obj for obj in qs.order_by("id") if _match(terms, obj, obj.site, paths) is not None]
