"""Read side of work orders: list rows for pages and the API, the planning board's visits of a period,
the optimiser's open visits, and a work order's timeline. Each a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from tournevis.core.actor import Actor
from tournevis.workorders import domain
from tournevis.workorders.access import visible_visits, visible_work_orders
from tournevis.workorders.domain import Status, VisitStatus
from tournevis.workorders.models import StatusChange, Visit, WorkOrder, WorkOrderSkill

OPEN_STATUSES = tuple(s.value for s in Status if s not in {Status.COMPLETED, *domain.FINAL})


def list_work_orders(
    actor: Actor,
    *,
    status: str | None = None,
    open: bool | None = None,
    priority: str | None = None,
    kind: str | None = None,
    customer_id: int | None = None,
    site_id: int | None = None,
    ticket_id: int | None = None,
    technician_id: int | None = None,
    q: str | None = None,
) -> QuerySet[WorkOrder]:
    """Visible work orders (``access``), filtered; most urgent first (priority, deadline, number)."""
    rows = visible_work_orders(actor)
    if status:
        rows = rows.filter(status=status)
    if open is True:
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif open is False:
        rows = rows.exclude(status__in=OPEN_STATUSES)
    if priority:
        rows = rows.filter(priority=priority)
    if kind:
        rows = rows.filter(kind=kind)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if ticket_id is not None:
        rows = rows.filter(ticket_id=ticket_id)
    if technician_id is not None:
        rows = rows.filter(visits__technician_id=technician_id).distinct()
    if q and q.strip():
        text = q.strip()[:100]
        rows = rows.filter(Q(number__icontains=text) | Q(title__icontains=text))
    return rows.order_by("priority", F("onsite_deadline").asc(nulls_last=True), "number")


def skills_by_work_order(work_order_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{work_order_id: {"kiosk": 2, ...}}`` in one query."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for wo, code, level in (
        WorkOrderSkill.objects.filter(work_order_id__in=list(work_order_ids))
        .order_by("skill__code")
        .values_list("work_order_id", "skill__code", "level")
    ):
        out[wo][code] = level
    return dict(out)


def visits_of(actor: Actor, work_order: WorkOrder) -> list[Visit]:
    return list(visible_visits(actor).filter(work_order=work_order).order_by("number"))


def timeline(work_order: WorkOrder) -> list[StatusChange]:
    """Every status change of the work order and its visits, oldest first."""
    return list(
        StatusChange.objects.filter(work_order=work_order).select_related("visit").order_by("at", "id")
    )


# --- Planning board and optimiser --------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRow:
    """A visit with what the planning board and the optimiser need of its work order."""

    visit_id: int
    visit_number: int
    visit_version: int
    status: str
    technician_id: int | None
    planned_start: datetime | None
    planned_end: datetime | None
    pinned: bool
    locked: bool  # the technician has it (dispatched or later): never moved by the planner
    work_order_id: int
    work_order_number: str
    work_order_status: str
    kind: str
    title: str
    priority: str
    customer_id: int
    customer_name: str
    site_id: int
    site_name: str
    latitude: float | None
    longitude: float | None
    site_timezone: str
    access_hours: dict[str, list[list[str]]]
    duration_minutes: int  # the work order's estimated duration
    onsite_deadline: datetime | None
    slot_start: datetime | None
    slot_end: datetime | None
    due_date: date | None
    window_start: date | None  # a preventive work order's tolerance window (local dates)
    window_end: date | None
    required_skills: dict[str, int] = field(default_factory=dict)

    def access_windows(self, first: date, last: date) -> list[tuple[datetime, datetime]]:
        """The site's access windows from ``first`` to ``last`` (UTC; ``domain.access_windows``)."""
        return domain.access_windows(self.access_hours, self.site_timezone, first, last)


def _rows(visits: Sequence[Visit]) -> list[VisitRow]:
    skills = skills_by_work_order({v.work_order_id for v in visits})
    out = []
    for v in visits:
        wo = v.work_order
        site = wo.site
        out.append(
            VisitRow(
                visit_id=v.pk,
                visit_number=v.number,
                visit_version=v.version,
                status=v.status,
                technician_id=v.technician_id,
                planned_start=v.planned_start,
                planned_end=v.planned_end,
                pinned=v.pinned,
                locked=v.status in domain.UNDER_WAY,
                work_order_id=wo.pk,
                work_order_number=wo.number,
                work_order_status=wo.status,
                kind=wo.kind,
                title=wo.title,
                priority=wo.priority,
                customer_id=wo.customer_id,
                customer_name=wo.customer.name,
                site_id=site.pk,
                site_name=site.name,
                latitude=site.latitude,
                longitude=site.longitude,
                site_timezone=site.timezone,
                access_hours=site.access_hours or {},
                duration_minutes=wo.estimated_minutes,
                onsite_deadline=wo.onsite_deadline,
                slot_start=wo.slot_start,
                slot_end=wo.slot_end,
                due_date=wo.due_date,
                window_start=wo.window_start,
                window_end=wo.window_end,
                required_skills=skills.get(wo.pk, {}),
            )
        )
    return out


_WITH_ORDER = ("work_order", "work_order__customer", "work_order__site")


def visits_between(technician_ids: Iterable[int], start: datetime, end: datetime) -> list[VisitRow]:
    """The technicians' visits overlapping ``[start, end)`` (all but cancelled ones), by technician and
    start. Two queries whatever the number of technicians and visits."""
    visits = (
        Visit.objects.select_related(*_WITH_ORDER)
        .filter(
            technician_id__in=list(technician_ids),
            planned_start__lt=end,
            planned_end__gt=start,
        )
        .exclude(status=VisitStatus.CANCELLED.value)
        .order_by("technician_id", "planned_start", "id")
    )
    return _rows(list(visits))


DEFAULT_OPEN = (VisitStatus.UNSCHEDULED.value, VisitStatus.PLANNED.value)


def open_visits(
    *,
    statuses: Iterable[str] = DEFAULT_OPEN,
    site_ids: Iterable[int] | None = None,
    customer_ids: Iterable[int] | None = None,
    visit_ids: Iterable[int] | None = None,
    planned_before: datetime | None = None,
) -> list[VisitRow]:
    """Visits for the optimiser: by default the unscheduled and planned ones (pass ``statuses`` to add the
    ones under way, ``locked=True`` in the rows). ``planned_before``: planned visits starting after it
    are left out (unscheduled ones always come). Most urgent first (priority, deadline, id); two queries."""
    visits = Visit.objects.select_related(*_WITH_ORDER).filter(status__in=list(statuses))
    if site_ids is not None:
        visits = visits.filter(work_order__site_id__in=list(site_ids))
    if customer_ids is not None:
        visits = visits.filter(work_order__customer_id__in=list(customer_ids))
    if visit_ids is not None:
        visits = visits.filter(pk__in=list(visit_ids))
    if planned_before is not None:
        visits = visits.filter(Q(planned_start__isnull=True) | Q(planned_start__lt=planned_before))
    visits = visits.order_by(
        "work_order__priority", F("work_order__onsite_deadline").asc(nulls_last=True), "id"
    )
    return _rows(list(visits))


def visit_row(visit_id: int) -> VisitRow | None:
    found = Visit.objects.select_related(*_WITH_ORDER).filter(pk=visit_id).first()
    return _rows([found])[0] if found is not None else None


def counts_by_status(actor: Actor) -> dict[str, Any]:
    """``{status: count}`` of the visible work orders (one query)."""
    return {
        row["status"]: row["n"]
        for row in visible_work_orders(actor).order_by().values("status").annotate(n=Count("id"))
    }
