"""Visit use cases, one transaction each: plan or move, unschedule, dispatch (the customer is told the
window), travel, check in (the ticket's on-site SLA clock stops), pause, complete, cancel.

Each moves the visit along ``domain.VISIT_TRANSITIONS`` (409 naming ``status`` otherwise), stamps the
time, writes a ``StatusChange`` row and an audit event, bumps the visit's ``version`` (``If-Match``:
``expected_version``), and lets the work order's status follow (``lifecycle.follow``): a visit ending
unfixed or cancelled leaves the next visit, unscheduled, in its place.

Only basic checks are made here (end after start, the technician active, the work order being worked):
whether the technician has the skills, works then, is free and can reach the site in its access hours
is the planning board's question (``tournevis.dispatch``), asked before it calls ``plan_visit``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.installed_base.services import record_history
from tournevis.tickets import sla as ticket_sla
from tournevis.tickets.events import event as ticket_event
from tournevis.tickets.models import Ticket
from tournevis.workforce.models import Technician
from tournevis.workorders import domain, lifecycle, notify
from tournevis.workorders.domain import VisitStatus
from tournevis.workorders.lifecycle import VISIT_SNAPSHOT, WORK_ORDER_SNAPSHOT
from tournevis.workorders.models import Visit, WorkOrder

MOVABLE = frozenset({VisitStatus.UNSCHEDULED.value, VisitStatus.PLANNED.value})


def _finish(
    actor: Actor,
    order: WorkOrder,
    visit: Visit,
    visit_before: dict[str, object],
    action: str,
    at: datetime,
    *,
    fixed: bool = False,
) -> Visit:
    """Save the visit, let the work order follow, save the work order when its status moved."""
    order_before = audit.snapshot(order, WORK_ORDER_SNAPSHOT)
    lifecycle.save_visit(actor, visit, visit_before, action, at)
    if lifecycle.follow(actor, order, at, fixed=fixed):
        lifecycle.save_work_order(actor, order, order_before, "workorder.follow", at)
    return visit


def _technician(technician_id: int | None) -> Technician:
    found = (
        Technician.objects.filter(pk=technician_id, active=True).first()
        if technician_id is not None
        else None
    )
    if found is None:
        raise InvalidInput(
            gettext_noop("No active technician with id %(id)s."), field="technician_id", id=technician_id
        )
    return found


@transaction.atomic
def plan_visit(
    actor: Actor,
    work_order_id: int,
    technician_id: int,
    start: datetime,
    end: datetime,
    pinned: bool = False,
    visit_id: int | None = None,
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
) -> Visit:
    """Give the work order's open visit (or ``visit_id``, one of its visits) a technician and times.
    An unscheduled visit becomes planned (the work order scheduled); a planned one moves. A visit the
    technician already has (dispatched or later) is not moved: unschedule it first."""
    at = at or clock.now()
    domain.clean_span(start, end, "start", "end", required=True)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    order = lifecycle.lock_work_order(work_order_id)
    domain.check_visits_allowed(order.status)
    if visit_id is None:
        visit = lifecycle.open_visit(order)
        if visit is None:  # a working work order always has one (lifecycle.follow)
            visit = lifecycle.new_visit(actor, order, at)
    else:
        found = Visit.objects.select_for_update(of=("self",)).filter(pk=visit_id, work_order=order).first()
        if found is None:
            raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit_id)
        visit = found
    check_version(visit, expected_version)
    if visit.status not in MOVABLE:
        raise Conflict(
            gettext_noop("A visit that is %(current)s is not moved; unschedule it first."),
            field="status",
            current=visit.status,
        )
    technician = _technician(technician_id)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    visit.technician = technician
    visit.planned_start, visit.planned_end, visit.pinned = start, end, bool(pinned)
    if visit.status == VisitStatus.UNSCHEDULED:
        lifecycle.set_visit_status(actor, order, visit, VisitStatus.PLANNED.value, at)
        action = "visit.plan"
    else:
        if audit.snapshot(visit, VISIT_SNAPSHOT) == before:
            return visit
        action = "visit.move"
    return _finish(actor, order, visit, before, action, at)


def _locked(visit_id: int, expected_version: int | None) -> tuple[WorkOrder, Visit]:
    order, visit = lifecycle.lock_visit(visit_id)
    check_version(visit, expected_version)
    return order, visit


@transaction.atomic
def unschedule_visit(
    actor: Actor, visit_id: int, expected_version: int | None = None, *, at: datetime | None = None
) -> Visit:
    """A planned or dispatched visit goes back to the unscheduled list (technician and times removed)."""
    at = at or clock.now()
    order, visit = _locked(visit_id, expected_version)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.UNSCHEDULED.value, at)
    visit.technician = None
    visit.planned_start = visit.planned_end = visit.dispatched_at = None
    visit.pinned = False
    return _finish(actor, order, visit, before, "visit.unschedule", at)


@transaction.atomic
def dispatch_visit(
    actor: Actor, visit_id: int, expected_version: int | None = None, *, at: datetime | None = None
) -> Visit:
    """Give the planned visit to its technician; the customer is e-mailed the visit window
    (``notify.visit_window``) in the same transaction."""
    at = at or clock.now()
    order, visit = _locked(visit_id, expected_version)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.DISPATCHED.value, at)
    _finish(actor, order, visit, before, "visit.dispatch", at)
    notify.visit_window(order, visit)
    return visit


@transaction.atomic
def start_travel(
    actor: Actor, visit_id: int, expected_version: int | None = None, *, at: datetime | None = None
) -> Visit:
    at = at or clock.now()
    order, visit = _locked(visit_id, expected_version)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.EN_ROUTE.value, at)
    return _finish(actor, order, visit, before, "visit.travel", at)


@transaction.atomic
def check_in(
    actor: Actor, visit_id: int, expected_version: int | None = None, *, at: datetime | None = None
) -> Visit:
    """The technician is on site (from dispatched, en route, or back from a pause). On the work order's
    first arrival, the ticket's running on-site SLA clock stops at ``at`` and its timeline says so."""
    at = at or clock.now()
    order, visit = _locked(visit_id, expected_version)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    first = visit.on_site_at is None
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.ON_SITE.value, at)
    _finish(actor, order, visit, before, "visit.check_in", at)
    if first and order.ticket_id is not None:
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=order.ticket_id)
        stopped = ticket_sla.stop_if_open(actor, ticket, "onsite", at)
        ticket_event(
            ticket,
            "work_order",
            actor,
            at,
            work_order=order.pk,
            number=order.number,
            status=order.status,
            visit=visit.number,
            onsite_clock_stopped=stopped,
        )
    return visit


@transaction.atomic
def pause(
    actor: Actor,
    visit_id: int,
    expected_version: int | None = None,
    reason: str = "",
    *,
    at: datetime | None = None,
) -> Visit:
    """Work stops for a while on site (``check_in`` resumes it)."""
    at = at or clock.now()
    order, visit = _locked(visit_id, expected_version)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.PAUSED.value, at, reason)
    return _finish(actor, order, visit, before, "visit.pause", at)


@transaction.atomic
def complete_visit(
    actor: Actor,
    visit_id: int,
    fixed: bool,
    outcome: str,
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
) -> Visit:
    """The visit ends. ``fixed``: the work order is completed. Otherwise it is paused, waiting for its next
    visit (created unscheduled). The equipment's history records the visit."""
    at = at or clock.now()
    outcome = (outcome or "").strip()
    if len(outcome) > 5000:
        raise InvalidInput(gettext_noop("At most %(max)s characters."), field="outcome", max=5000)
    order, visit = _locked(visit_id, expected_version)
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.COMPLETED.value, at)
    visit.fixed, visit.outcome = bool(fixed), outcome
    _finish(actor, order, visit, before, "visit.complete", at, fixed=bool(fixed))
    if order.service_object_id is not None:
        record_history(
            order.service_object_id,
            "visit",
            actor=actor,
            summary=f"{order.number} #{visit.number}: {outcome}"[:300],
            data={"work_order": order.number, "visit": visit.number, "fixed": bool(fixed)},
            ref_type="workorders.visit",
            ref_id=visit.pk,
            at=at,
        )
    if fixed and order.ticket_id is not None:
        ticket_event(
            Ticket.objects.get(pk=order.ticket_id),
            "work_order",
            actor,
            at,
            work_order=order.pk,
            number=order.number,
            status=order.status,
            visit=visit.number,
        )
    return visit


@transaction.atomic
def cancel_visit(
    actor: Actor,
    visit_id: int,
    reason: str = "",
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
) -> Visit:
    """The visit will not happen (or stops for good); the work order gets its next visit, unscheduled.
    An unscheduled visit is not cancelled alone: cancel the work order."""
    at = at or clock.now()
    order, visit = _locked(visit_id, expected_version)
    if visit.status == VisitStatus.UNSCHEDULED:
        raise Conflict(
            gettext_noop("An unscheduled visit is not cancelled on its own: cancel the work order."),
            field="status",
            current=visit.status,
        )
    before = audit.snapshot(visit, VISIT_SNAPSHOT)
    lifecycle.set_visit_status(actor, order, visit, VisitStatus.CANCELLED.value, at, reason)
    return _finish(actor, order, visit, before, "visit.cancel", at)
