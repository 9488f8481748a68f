"""From the database to the solver's problem (``routing.model.Problem``) and back.

Who is planned: the active technicians of a team (every active technician when no team is given),
with their working windows, breaks, skills and home base (``workforce.queries.resources``).

What is planned, for the local days ``first`` … ``last``:
- every work order being worked (ready, scheduled, paused) whose open visit is unscheduled or planned
  and not pinned — the optimiser may place or move it. A work order with no visit yet enters as
  ``w<work order id>``; a visit as ``v<visit id>``;
- pinned planned visits inside the horizon: kept on their technician and start (``Pin``);
- visits the technician already has (dispatched, en route, on site, paused) inside the horizon: locked
  (``Pin(locked=True)``): they occupy time and are never moved.
With a team, the movable work orders are those whose site is in the team's region, plus those already
planned for one of the team's technicians.

A visit's windows are the site's access hours intersected with the slot booked with the customer and
the work order's date window (preventive tolerance); its deadline is the SLA on-site deadline; its
earliest start, when the work order waits for spare parts, their expected arrival
(``workorders.parts.waiting``: the latest arrival of the transfers not yet received). A work
order whose site has no coordinates cannot be routed: it is reported with reason ``no_location``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q

from tournevis.core.errors import gettext_noop
from tournevis.dispatch.routing import model as rm
from tournevis.dispatch.routing import reasons
from tournevis.workforce.models import Team
from tournevis.workforce.queries import Resource, resources, utc_bounds
from tournevis.workorders import parts
from tournevis.workorders.domain import UNDER_WAY, Status, VisitStatus, access_windows
from tournevis.workorders.models import Visit, WorkOrder
from tournevis.workorders.services_visits import MOVABLE

MOVABLE_ORDERS = (Status.READY.value, Status.SCHEDULED.value, Status.PAUSED.value)
MOVABLE_VISITS = tuple(sorted(MOVABLE))
LOCKED_VISITS = tuple(sorted(UNDER_WAY))


# A reason of this module, beside the solver port's (routing.reasons): the site cannot be placed.
NO_LOCATION = "no_location"
NO_LOCATION_MESSAGE = gettext_noop("the site %(site)s has no coordinates: give it a latitude and a longitude")


def describe(reason: rm.Reason, gettext: Callable[[str], str]) -> str:
    if reason.code == NO_LOCATION:
        return gettext(NO_LOCATION_MESSAGE) % dict(reason.params)
    return reasons.describe(reason, gettext)


@dataclass
class Built:
    problem: rm.Problem
    resources: dict[str, Resource]  # "<technician id>" → resource
    orders: dict[str, WorkOrder]  # visit key → work order
    visits: dict[str, Visit | None]  # visit key → its open visit row (None: none yet)
    basis: dict[str, int | None]  # visit key → the visit's version at build time
    movable: set[str] = field(default_factory=set)
    unroutable: list[rm.Unassigned] = field(default_factory=list)


def _intersect(
    spans: Sequence[tuple[datetime, datetime]], low: datetime, high: datetime
) -> list[tuple[datetime, datetime]]:
    return [(max(a, low), min(b, high)) for a, b in spans if max(a, low) < min(b, high)]


def windows_of(order: WorkOrder, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """Access hours ∩ booked slot ∩ date window, UTC, within the horizon's local days."""
    site = order.site
    spans = access_windows(site.access_hours or {}, site.timezone, first, last)
    if order.slot_start is not None and order.slot_end is not None:
        spans = _intersect(spans, order.slot_start, order.slot_end)
    if order.window_start is not None or order.window_end is not None:
        days = access_windows({}, site.timezone, order.window_start or first, order.window_end or last)
        spans = _intersect(spans, days[0][0], days[0][1]) if days else []
    return spans


def technician_of(resource: Resource) -> rm.Technician:
    shifts = []
    for window in resource.windows:
        breaks: tuple[rm.Break, ...] = ()
        if window.break_minutes and window.break_earliest is not None and window.break_latest is not None:
            breaks = (rm.Break(window.break_earliest, window.break_latest, window.break_minutes),)
        shifts.append(rm.Shift(window.start, window.end, breaks))
    return rm.Technician(
        id=str(resource.id),
        home=rm.Location(resource.home_latitude, resource.home_longitude),
        shifts=tuple(shifts),
        skills=dict(resource.skills),
    )


def _skills(order: WorkOrder) -> dict[str, int]:
    return {row.skill.code: row.level for row in order.required_skills.all()}


def _orders(team: Team | None, technician_ids: Iterable[int], first: date, last: date) -> list[WorkOrder]:
    rows = (
        WorkOrder.objects.filter(status__in=MOVABLE_ORDERS)
        .filter(Q(window_start__isnull=True) | Q(window_start__lte=last))
        .select_related("site", "customer")
        .prefetch_related("required_skills__skill", "visits")
    )
    if team is not None and team.region:
        rows = rows.filter(
            Q(site__region=team.region)
            | Q(visits__technician_id__in=list(technician_ids), visits__status__in=MOVABLE_VISITS)
        ).distinct()
    return list(rows.order_by("id"))


def _open_visit(order: WorkOrder) -> Visit | None:
    for visit in order.visits.all():
        if visit.status not in (VisitStatus.COMPLETED.value, VisitStatus.CANCELLED.value):
            return visit
    return None


def _pin_in_view(visit: Visit, people: dict[str, Resource], low: datetime, high: datetime) -> bool:
    """A pinned visit enters the problem only with its technician and inside the horizon."""
    start = visit.planned_start
    return str(visit.technician_id) in people and start is not None and low <= start < high


def build(team_id: int | None, first: date, last: date, travel: rm.Travel | None = None) -> Built:
    team = Team.objects.filter(pk=team_id).first() if team_id is not None else None
    ids = None
    if team is not None:
        ids = list(team.technicians.filter(active=True).values_list("pk", flat=True))
    people = {str(r.id): r for r in resources(ids, first, last)}
    low, high = utc_bounds(first, last)
    built = Built(rm.Problem((), ()), people, {}, {}, {})
    visits: list[rm.Visit] = []
    orders = _orders(team, [int(k) for k in people], first, last)
    arrivals = parts.waiting([order.pk for order in orders])  # one query: parts still on their way
    for order in orders:
        open_visit = _open_visit(order)
        if open_visit is not None and open_visit.status not in MOVABLE_VISITS:
            continue  # under way: added below as locked when it belongs to one of the technicians
        pinned = (
            open_visit is not None and open_visit.pinned and open_visit.status == VisitStatus.PLANNED.value
        )
        if pinned and not _pin_in_view(open_visit, people, low, high):  # type: ignore[arg-type]
            continue
        key = f"v{open_visit.pk}" if open_visit is not None else f"w{order.pk}"
        site = order.site
        built.orders[key] = order
        if site.latitude is None or site.longitude is None:
            built.unroutable.append(rm.Unassigned(key, rm.Reason(NO_LOCATION, {"site": site.name})))
            continue
        pin = None
        if pinned and open_visit is not None:
            pin = rm.Pin(str(open_visit.technician_id), open_visit.planned_start)
        else:
            built.movable.add(key)
        visits.append(
            rm.Visit(
                id=key,
                location=rm.Location(site.latitude, site.longitude),
                minutes=order.estimated_minutes,
                windows=tuple(windows_of(order, first, last)),
                skills=_skills(order),
                priority=order.priority,
                deadline=order.onsite_deadline,
                earliest=arrivals.get(order.pk) if pin is None else None,
                pin=pin,
            )
        )
        built.visits[key] = open_visit
        built.basis[key] = open_visit.version if open_visit is not None else None
    locked = Visit.objects.filter(
        status__in=LOCKED_VISITS,
        technician_id__in=[int(k) for k in people],
        planned_start__gte=low,
        planned_start__lt=high,
    ).select_related("work_order__site")
    for visit in locked:
        site = visit.work_order.site
        if site.latitude is None or site.longitude is None or visit.planned_end is None:
            continue
        key = f"v{visit.pk}"
        minutes = max(1, int((visit.planned_end - visit.planned_start).total_seconds() // 60))  # type: ignore[operator]
        visits.append(
            rm.Visit(
                id=key,
                location=rm.Location(site.latitude, site.longitude),
                minutes=minutes,
                pin=rm.Pin(str(visit.technician_id), visit.planned_start, locked=True),
            )
        )
        built.orders[key] = visit.work_order
        built.visits[key] = visit
        built.basis[key] = visit.version
    built.problem = rm.Problem(
        technicians=tuple(technician_of(r) for r in people.values()),
        visits=tuple(visits),
        travel=travel or rm.Travel(),
    )
    return built
