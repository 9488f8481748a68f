"""What every work-order and visit service shares: row locks, numbering, the status-change log, the open
visit, and the work order's status following that visit (``domain.follow_visit``).

Call these inside the caller's transaction. Locks are always taken work order first, then its visits,
so two services touching the same work order never deadlock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F

from tournevis.core import audit
from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound, gettext_noop
from tournevis.workorders import domain
from tournevis.workorders.domain import Status, VisitStatus
from tournevis.workorders.models import NumberSequence, StatusChange, Visit, WorkOrder

WORK_ORDER_SNAPSHOT = (
    "status",
    "kind",
    "title",
    "priority",
    "service_object",
    "contract",
    "contact",
    "estimated_minutes",
    "onsite_deadline",
    "slot_start",
    "slot_end",
    "parts_needed",
    "notes",
    "version",
)
VISIT_SNAPSHOT = (
    "status",
    "technician",
    "planned_start",
    "planned_end",
    "pinned",
    "fixed",
    "outcome",
    "version",
)


def lock_work_order(work_order_id: int) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("customer", "site", "ticket", "contact", "service_object")
        .filter(pk=work_order_id)
        .first()
    )
    if order is None:
        raise NotFound(gettext_noop("No work order with id %(id)s."), id=work_order_id)
    return order


def lock_visit(visit_id: int) -> tuple[WorkOrder, Visit]:
    """The visit and its work order, both locked (the work order first)."""
    work_order_id = Visit.objects.filter(pk=visit_id).values_list("work_order_id", flat=True).first()
    if work_order_id is None:
        raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit_id)
    order = lock_work_order(work_order_id)
    visit = Visit.objects.select_for_update(of=("self",)).select_related("technician").get(pk=visit_id)
    return order, visit


def next_number(at: datetime) -> str:
    """``WO-YYYY-NNNNNN``: the year's sequence row locked and incremented (it starts after the highest
    number already given that year, for work orders created before the sequence existed)."""
    if not NumberSequence.objects.filter(year=at.year).exists():
        prefix = domain.format_number(at.year, 0)[:-6]
        numbers = WorkOrder.objects.filter(number__startswith=prefix).values_list("number", flat=True)
        highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
        NumberSequence.objects.get_or_create(year=at.year, defaults={"last": highest})
    sequence = NumberSequence.objects.select_for_update().get(year=at.year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db()
    return domain.format_number(at.year, sequence.last)


def log_change(
    actor: Actor,
    order: WorkOrder,
    visit: Visit | None,
    old: str,
    new: str,
    at: datetime,
    reason: str = "",
) -> StatusChange:
    return StatusChange.objects.create(
        work_order=order,
        visit=visit,
        old=old,
        new=new,
        at=at,
        actor_label=actor.label[:200],
        actor_user_id=actor.user_id,
        reason=reason[:300],
    )


def open_visit(order: WorkOrder) -> Visit | None:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("technician")
        .filter(work_order=order, status__in=[s.value for s in domain.OPEN_VISIT])
        .first()
    )


def new_visit(actor: Actor, order: WorkOrder, at: datetime) -> Visit:
    """The next visit of the work order, unscheduled (numbered after every earlier one)."""
    last = Visit.objects.filter(work_order=order).order_by("-number").values_list("number", flat=True).first()
    visit = Visit.objects.create(
        work_order=order,
        number=(last or 0) + 1,
        status=VisitStatus.UNSCHEDULED.value,
        created_at=at,
        updated_at=at,
    )
    log_change(actor, order, visit, "", visit.status, at)
    audit.record(actor, "visit.create", visit, after=audit.snapshot(visit, VISIT_SNAPSHOT))
    return visit


def set_visit_status(
    actor: Actor, order: WorkOrder, visit: Visit, new: str, at: datetime, reason: str = ""
) -> None:
    """Move the visit along its table (409 naming ``status`` otherwise) and stamp the time."""
    old = visit.status
    target = domain.check_visit_transition(old, new)
    visit.status = target.value
    stamp = {
        VisitStatus.DISPATCHED: "dispatched_at",
        VisitStatus.EN_ROUTE: "en_route_at",
        VisitStatus.PAUSED: "paused_at",
        VisitStatus.COMPLETED: "completed_at",
        VisitStatus.CANCELLED: "cancelled_at",
    }.get(target)
    if stamp is not None:
        setattr(visit, stamp, at)
    if target == VisitStatus.ON_SITE and visit.on_site_at is None:
        visit.on_site_at = at  # the first arrival: what the on-site SLA measures
    log_change(actor, order, visit, old, target.value, at, reason)


def save_visit(actor: Actor, visit: Visit, before: dict[str, Any], action: str, at: datetime) -> Visit:
    visit.version += 1
    visit.updated_at = at
    visit.save()
    audit.record(actor, action, visit, before=before, after=audit.snapshot(visit, VISIT_SNAPSHOT))
    return visit


def set_status(actor: Actor, order: WorkOrder, new: Status, at: datetime, reason: str = "") -> bool:
    """Move the work order along its table (409 naming ``status`` otherwise); False when unchanged."""
    old = order.status
    if old == new:
        return False
    order.status = domain.check_transition(old, new).value
    log_change(actor, order, None, old, order.status, at, reason)
    return True


def follow(actor: Actor, order: WorkOrder, at: datetime, *, fixed: bool = False, reason: str = "") -> bool:
    """Set the work order's status from its open visit (creating the next unscheduled visit when a
    working work order has none left). True when the status changed."""
    current = None if fixed else open_visit(order)
    if current is None and not fixed:
        current = new_visit(actor, order, at)
    earlier = Visit.objects.filter(work_order=order, status=VisitStatus.COMPLETED.value).exists()
    target = domain.follow_visit(current.status if current is not None else None, earlier, fixed)
    return set_status(actor, order, target, at, reason)


def save_work_order(
    actor: Actor, order: WorkOrder, before: dict[str, Any], action: str, at: datetime
) -> WorkOrder:
    order.version += 1
    order.updated_at = at
    order.save()
    audit.record(actor, action, order, before=before, after=audit.snapshot(order, WORK_ORDER_SNAPSHOT))
    return order
