"""Loaner pool use cases, one transaction each, each writing the audit log: register a loaner, edit or
retire it, lend it to a customer, take it back, inspect it, and note that the customer was reminded.

The life of a loaner: ``available`` → (``lend``) ``lent`` → (``return_loaner``) ``inspection`` →
(``inspect``) ``available`` when the inspection passed, ``retired`` when it failed (out of the pool
until a manager puts it back with ``update_loaner(..., {"retired": False})`` once repaired). A retired
loaner may also be retired by hand (never while lent).

Bad input raises ``InvalidInput`` naming the field, a clash with the current state ``Conflict``
(409), before anything is written. ``lend`` locks the loaner row: of two lends of the same loaner
only one succeeds; the other is a ``Conflict`` (the database also holds one open loan per loaner).

Whether a customer is *entitled* to a loaner (its contract) and the reminder e-mails are decided
above this context (``workorders.loaners``): stock knows customers, not contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.customers.models import Customer, Site
from tournevis.stock.domain import Inspection, LoanerStatus, LocationKind
from tournevis.stock.ledger import as_id
from tournevis.stock.models import Loan, Loaner, Location

MAX_LOAN_DAYS = 366  # a due date further away is a typo
LOANER_FIELDS = frozenset({"equipment_model_id", "serial", "location_id", "notes"})
UPDATE_FIELDS = frozenset({"location_id", "notes", "retired"})
UNAVAILABLE = {
    LoanerStatus.AVAILABLE: "",
    LoanerStatus.LENT: gettext_noop("Loaner %(serial)s is already lent."),
    LoanerStatus.INSPECTION: gettext_noop("Loaner %(serial)s is back but not inspected yet."),
    LoanerStatus.RETIRED: gettext_noop("Loaner %(serial)s is retired."),
}


def local_today(now: datetime, timezone: str) -> date:
    """The calendar day at ``now`` in ``timezone`` (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def _unknown(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name in data:
        if name not in allowed:
            raise InvalidInput(gettext_noop("Unknown field."), field=str(name))


def _optional_id(value: Any, field: str) -> int | None:
    return None if value is None or value == "" else as_id(value, field)


def _depot(location_id: Any) -> Location:
    pk = as_id(location_id, "location_id")
    location = Location.objects.filter(pk=pk).first()
    if location is None:
        raise InvalidInput(gettext_noop("No stock location with id %(id)s."), field="location_id", id=pk)
    if location.kind != LocationKind.DEPOT or not location.active:
        raise InvalidInput(
            gettext_noop("Loaners are kept at an active depot; %(code)s is not one."),
            field="location_id",
            code=location.code,
        )
    return location


def _equipment_model(model_id: Any) -> Any:
    pk = as_id(model_id, "equipment_model_id")
    # installed_base is a sibling context: named through the app registry, never imported.
    model = apps.get_model("installed_base", "EquipmentModel")._default_manager.filter(pk=pk).first()
    if model is None:
        raise InvalidInput(
            gettext_noop("No equipment model with id %(id)s."), field="equipment_model_id", id=pk
        )
    return model


def _locked_loaner(loaner_id: int) -> Loaner:
    loaner = Loaner.objects.select_for_update().filter(pk=loaner_id).first()
    if loaner is None:
        raise NotFound(gettext_noop("No loaner with id %(id)s."), id=loaner_id)
    return loaner


def _locked_loan(loan_id: int) -> tuple[Loaner, Loan]:
    """The loan and its loaner, locked in that order (loaner first, as ``lend`` does)."""
    loaner_id = Loan.objects.filter(pk=loan_id).values_list("loaner_id", flat=True).first()
    if loaner_id is None:
        raise NotFound(gettext_noop("No loan with id %(id)s."), id=loan_id)
    loaner = _locked_loaner(loaner_id)
    loan = Loan.objects.select_for_update().get(pk=loan_id)
    return loaner, loan


def _save(actor: Actor, instance: Loaner | Loan, action: str, before: dict[str, Any], now: datetime) -> None:
    instance.version += 1
    if isinstance(instance, Loaner):
        instance.updated_at = now
    instance.save()
    audit.record(actor, action, instance, before=before, after=audit.snapshot(instance))


# --- The pool --------------------------------------------------------------------------------------


@transaction.atomic
def create_loaner(actor: Actor, fields: Mapping[str, Any]) -> Loaner:
    """A loaner of an equipment model (``equipment_model_id``), with a ``serial`` unique for that model,
    kept at a depot (``location_id``); ``notes`` optional. It starts available."""
    _unknown(fields, LOANER_FIELDS)
    serial = clean_text(fields.get("serial"), "serial", max_length=100, required=True)
    notes = clean_text(fields.get("notes"), "notes", max_length=2000)
    model = _equipment_model(fields.get("equipment_model_id"))
    location = _depot(fields.get("location_id"))
    if Loaner.objects.filter(equipment_model_id=model.pk, serial__iexact=serial).exists():
        raise Conflict(
            gettext_noop("A loaner of this model with serial number %(serial)s exists."),
            field="serial",
            serial=serial,
        )
    now = clock.now()
    loaner = Loaner.objects.create(
        equipment_model_id=model.pk,
        serial=serial,
        location=location,
        status=LoanerStatus.AVAILABLE.value,
        notes=notes,
        created_at=now,
        updated_at=now,
    )
    audit.record(actor, "stock.loaner.create", loaner, after=audit.snapshot(loaner))
    return loaner


@transaction.atomic
def update_loaner(
    actor: Actor, loaner_id: int, fields: Mapping[str, Any], expected_version: int | None = None
) -> Loaner:
    """Change a loaner's ``notes`` or home depot (``location_id``), or retire it (``retired``: True) —
    never while it is lent — or put a retired one back in the pool (``retired``: False → available)."""
    _unknown(fields, UPDATE_FIELDS)
    loaner = _locked_loaner(loaner_id)
    check_version(loaner, expected_version)
    changes: dict[str, Any] = {}
    if "notes" in fields:
        changes["notes"] = clean_text(fields["notes"], "notes", max_length=2000)
    if "location_id" in fields:
        changes["location_id"] = _depot(fields["location_id"]).pk
    if "retired" in fields:
        retired = fields["retired"]
        if not isinstance(retired, bool):
            raise InvalidInput(gettext_noop("Expected true or false."), field="retired")
        if retired and loaner.status == LoanerStatus.LENT:
            raise Conflict(
                gettext_noop("Loaner %(serial)s is lent: take it back before retiring it."),
                field="retired",
                serial=loaner.serial,
            )
        if retired:
            changes["status"] = LoanerStatus.RETIRED.value
        elif loaner.status == LoanerStatus.RETIRED:
            changes["status"] = LoanerStatus.AVAILABLE.value
    before = audit.snapshot(loaner)
    for name, value in changes.items():
        setattr(loaner, name, value)
    if audit.snapshot(loaner) == before:
        return loaner
    _save(actor, loaner, "stock.loaner.update", before, clock.now())
    return loaner


# --- Loans -----------------------------------------------------------------------------------------


def _due_back(value: Any, customer: Customer, now: datetime) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip()) if value not in (None, "") else None
        except ValueError:
            value = None
        if value is None:
            raise InvalidInput(gettext_noop("Give a date, e.g. 2026-03-02."), field="due_back")
    today = local_today(now, customer.timezone)
    if value < today:
        raise InvalidInput(gettext_noop("The loaner cannot be due back before today."), field="due_back")
    if value > today + timedelta(days=MAX_LOAN_DAYS):
        raise InvalidInput(
            gettext_noop("A loan lasts at most %(days)s days."), field="due_back", days=MAX_LOAN_DAYS
        )
    return value


@transaction.atomic
def lend(
    actor: Actor,
    loaner_id: int,
    *,
    customer_id: int,
    site_id: int | None = None,
    due_back: date,
    demand_type: str = "",
    demand_id: int | None = None,
    demand_label: str = "",
) -> Loan:
    """Lend an available loaner to a customer (at one of its sites) until ``due_back`` (a day in the
    customer's time zone, today or later), for a demand (e.g. ``workorder`` ``42`` ``WO-2026-000042``)."""
    now = clock.now()
    customer = Customer.objects.filter(pk=as_id(customer_id, "customer_id")).first()
    if customer is None:
        raise InvalidInput(gettext_noop("No customer with id %(id)s."), field="customer_id", id=customer_id)
    site = None
    if site_id is not None:
        site = Site.objects.filter(pk=as_id(site_id, "site_id")).first()
        if site is None:
            raise InvalidInput(gettext_noop("No site with id %(id)s."), field="site_id", id=site_id)
        if site.customer_id != customer.pk:
            raise InvalidInput(gettext_noop("The site belongs to another customer."), field="site_id")
    day = _due_back(due_back, customer, now)
    demand_type = clean_text(demand_type, "demand_type", max_length=20)
    demand_label = clean_text(demand_label, "demand_label", max_length=60)
    demand = _optional_id(demand_id, "demand_id")
    loaner = _locked_loaner(loaner_id)
    if loaner.status != LoanerStatus.AVAILABLE:
        raise Conflict(UNAVAILABLE[LoanerStatus(loaner.status)], field="loaner_id", serial=loaner.serial)
    before = audit.snapshot(loaner)
    loaner.status = LoanerStatus.LENT.value
    _save(actor, loaner, "stock.loaner.lend", before, now)
    loan = Loan.objects.create(
        loaner=loaner,
        customer=customer,
        site=site,
        demand_type=demand_type,
        demand_id=demand,
        demand_label=demand_label,
        lent_at=now,
        due_back=day,
        lent_by_label=actor.label[:200],
    )
    audit.record(actor, "stock.loan.create", loan, after=audit.snapshot(loan))
    return loan


@transaction.atomic
def return_loaner(
    actor: Actor, loan_id: int, *, at: datetime | None = None, expected_version: int | None = None
) -> Loan:
    """The loaner came back (``at``, default now: not before it was lent, not in the future); it waits
    for its inspection."""
    now = clock.now()
    loaner, loan = _locked_loan(loan_id)
    check_version(loan, expected_version)
    if loan.returned_at is not None:
        raise Conflict(gettext_noop("This loan was already returned."), field="loan_id")
    when = now if at is None else at
    if when.tzinfo is None:
        raise InvalidInput(gettext_noop("Give a time with its time zone."), field="at")
    if when < loan.lent_at:
        raise InvalidInput(gettext_noop("A loaner cannot come back before it was lent."), field="at")
    if when > now:
        raise InvalidInput(gettext_noop("A return cannot be in the future."), field="at")
    before = audit.snapshot(loan)
    loan.returned_at = when
    _save(actor, loan, "stock.loan.return", before, now)
    before = audit.snapshot(loaner)
    loaner.status = LoanerStatus.INSPECTION.value
    _save(actor, loaner, "stock.loaner.return", before, now)
    return loan


@transaction.atomic
def inspect(
    actor: Actor,
    loan_id: int,
    *,
    result: str,
    notes: str = "",
    expected_version: int | None = None,
) -> Loan:
    """Record the inspection of a returned loaner: ``passed`` → it is available again; ``failed``
    (``notes`` required: what is wrong) → it is retired until repaired and put back by a manager."""
    if result not in (Inspection.PASSED, Inspection.FAILED):
        raise InvalidInput(gettext_noop("The result is passed or failed."), field="result")
    notes = clean_text(notes, "notes", max_length=2000, required=result == Inspection.FAILED)
    now = clock.now()
    loaner, loan = _locked_loan(loan_id)
    check_version(loan, expected_version)
    if loan.returned_at is None:
        raise Conflict(gettext_noop("The loaner is still out: record its return first."), field="loan_id")
    if loan.inspection:
        raise Conflict(gettext_noop("This loan was already inspected."), field="loan_id")
    before = audit.snapshot(loan)
    loan.inspection = str(result)
    loan.inspection_notes = notes
    _save(actor, loan, "stock.loan.inspect", before, now)
    if loaner.status == LoanerStatus.INSPECTION:
        before = audit.snapshot(loaner)
        passed = result == Inspection.PASSED
        loaner.status = (LoanerStatus.AVAILABLE if passed else LoanerStatus.RETIRED).value
        _save(actor, loaner, "stock.loaner.inspect", before, now)
    return loan


@transaction.atomic
def mark_reminded(actor: Actor, loan_id: int, at: datetime) -> Loan:
    """Note that the customer was reminded (at ``at``) to bring the loaner back: an open loan only."""
    loan = Loan.objects.select_for_update().filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(gettext_noop("No loan with id %(id)s."), id=loan_id)
    if loan.returned_at is not None:
        raise Conflict(gettext_noop("This loan was already returned."), field="loan_id")
    if at.tzinfo is None:
        raise InvalidInput(gettext_noop("Give a time with its time zone."), field="at")
    before = audit.snapshot(loan)
    loan.reminded_at = at
    _save(actor, loan, "stock.loan.remind", before, clock.now())
    return loan
