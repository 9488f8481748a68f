"""Read side of the loaner pool: the pool by equipment model and depot, the loans out (who has which
loaner, since when, due back when, how many days overdue) and the loans due for a reminder.

Loaners and loans are staff data: a customer user sees none (``stock.access``). Days
(due back, overdue) are counted in the customer's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput, gettext_noop
from tournevis.stock.access import visible_loaners, visible_loans
from tournevis.stock.domain import LoanerStatus
from tournevis.stock.models import Loan, Loaner
from tournevis.stock.services_loaners import local_today

LOAN_STATES = ("open", "overdue", "returned", "uninspected", "all")


def reminder_days() -> int:
    return int(settings.STOCK_LOAN_REMINDER_DAYS)


# --- Loaners and the pool --------------------------------------------------------------------------


def list_loaners(
    actor: Actor,
    *,
    status: str | None = None,
    equipment_model_id: int | None = None,
    location_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Loaner]:
    rows = visible_loaners(actor)
    if status:
        if status not in {s.value for s in LoanerStatus}:
            raise InvalidInput(gettext_noop("Unknown status."), field="status")
        rows = rows.filter(status=status)
    if equipment_model_id is not None:
        rows = rows.filter(equipment_model_id=equipment_model_id)
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    if q:
        rows = rows.filter(serial__icontains=q.strip())
    return rows.order_by("equipment_model__manufacturer", "equipment_model__name", "serial", "id")


@dataclass(frozen=True)
class PoolRow:
    """How many loaners of a model a depot holds, by state."""

    equipment_model_id: int
    model: str
    location_id: int
    location_code: str
    location_name: str
    available: int
    lent: int
    inspection: int
    retired: int

    @property
    def total(self) -> int:
        return self.available + self.lent + self.inspection


def pool(*, equipment_model_id: int | None = None, location_id: int | None = None) -> list[PoolRow]:
    """The pool by equipment model and home depot (one query), ordered by model then depot code."""
    rows = Loaner.objects.all()
    if equipment_model_id is not None:
        rows = rows.filter(equipment_model_id=equipment_model_id)
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    counts = {s: Count("id", filter=Q(status=s.value)) for s in LoanerStatus}
    found = (
        rows.values(
            "equipment_model_id",
            "equipment_model__manufacturer",
            "equipment_model__name",
            "location_id",
            "location__code",
            "location__name",
        )
        .annotate(**{s.value: c for s, c in counts.items()})
        .order_by("equipment_model__manufacturer", "equipment_model__name", "location__code")
    )
    return [
        PoolRow(
            equipment_model_id=r["equipment_model_id"],
            model=f"{r['equipment_model__manufacturer']} {r['equipment_model__name']}",
            location_id=r["location_id"],
            location_code=r["location__code"],
            location_name=r["location__name"],
            available=r[LoanerStatus.AVAILABLE.value],
            lent=r[LoanerStatus.LENT.value],
            inspection=r[LoanerStatus.INSPECTION.value],
            retired=r[LoanerStatus.RETIRED.value],
        )
        for r in found
    ]


# --- Loans -----------------------------------------------------------------------------------------


def overdue_days(loan: Loan, now: datetime) -> int:
    """Whole days past ``due_back`` (in the customer's time zone) of an open loan; 0 otherwise."""
    if loan.returned_at is not None:
        return 0
    return max(0, (local_today(now, loan.customer.timezone) - loan.due_back).days)


def due_in_days(loan: Loan, now: datetime) -> int:
    """Days until ``due_back`` (negative once overdue), in the customer's time zone."""
    return (loan.due_back - local_today(now, loan.customer.timezone)).days


def list_loans(
    actor: Actor,
    now: datetime,
    *,
    state: str = "open",
    customer_id: int | None = None,
    loaner_id: int | None = None,
) -> QuerySet[Loan] | list[Loan]:
    """Loans: ``open`` (still out, soonest due first), ``overdue`` (out past their due day),
    ``returned``, ``uninspected`` (back, awaiting inspection) or ``all`` (latest first)."""
    if state not in LOAN_STATES:
        raise InvalidInput(gettext_noop("Unknown state."), field="state")
    rows = visible_loans(actor)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if loaner_id is not None:
        rows = rows.filter(loaner_id=loaner_id)
    if state == "returned":
        return rows.filter(returned_at__isnull=False).order_by("-returned_at", "-id")
    if state == "uninspected":
        return rows.filter(returned_at__isnull=False, inspection="").order_by("returned_at", "id")
    if state == "all":
        return rows.order_by("-lent_at", "-id")
    rows = rows.filter(returned_at__isnull=True).order_by("due_back", "lent_at", "id")
    if state == "overdue":
        # A day earlier than UTC's today at most anywhere: the exact day is the customer's.
        candidates = rows.filter(due_back__lt=now.date() + timedelta(days=1))
        return [loan for loan in candidates if overdue_days(loan, now) > 0]
    return rows


@dataclass(frozen=True)
class LoanRow:
    """A loan out, as the pages show it."""

    loan: Loan
    lent_on: date
    days_out: int
    due_in: int
    overdue: int


def loans_out(
    actor: Actor, now: datetime, *, overdue_only: bool = False, customer_id: int | None = None
) -> list[LoanRow]:
    """Every open loan (soonest due first) with its days out and days overdue."""
    loans = list_loans(actor, now, state="overdue" if overdue_only else "open", customer_id=customer_id)
    return [loan_row(loan, now) for loan in loans]


def loan_row(loan: Loan, now: datetime) -> LoanRow:
    """One loan's days out, days until due and days overdue at ``now`` (the customer's days)."""
    today = local_today(now, loan.customer.timezone)
    lent_on = local_today(loan.lent_at, loan.customer.timezone)
    return LoanRow(
        loan=loan,
        lent_on=lent_on,
        days_out=(today - lent_on).days,
        due_in=(loan.due_back - today).days,
        overdue=max(0, (today - loan.due_back).days) if loan.returned_at is None else 0,
    )


def needs_reminder(loan: Loan, now: datetime, days: int | None = None) -> bool:
    """An open loan due within ``days`` (``STOCK_LOAN_REMINDER_DAYS``) or overdue, whose customer was
    not reminded in the last ``days`` days: at most one reminder per loan per period."""
    period = reminder_days() if days is None else days
    if loan.returned_at is not None:
        return False
    if due_in_days(loan, now) > period:
        return False
    return loan.reminded_at is None or loan.reminded_at <= now - timedelta(days=period)


def loans_due_for_reminder(now: datetime, days: int | None = None) -> list[Loan]:
    """Open loans to remind the customer of (see ``needs_reminder``), soonest due first."""
    period = reminder_days() if days is None else days
    horizon = now.date() + timedelta(days=period + 1)  # the customer's today is within a day of UTC's
    candidates = (
        Loan.objects.select_related("loaner", "loaner__equipment_model", "customer", "site")
        .filter(returned_at__isnull=True, due_back__lte=horizon)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - timedelta(days=period)))
        .order_by("due_back", "id")
    )
    return [loan for loan in candidates if needs_reminder(loan, now, period)]
