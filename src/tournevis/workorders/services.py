"""Work-order use cases, one transaction each: create (by hand or from a ticket), update, required skills,
status changes by hand, cancel, validate. Visits: ``services_visits.py`` (re-exported below, so callers
import every use case from here).

Every change writes a ``StatusChange`` row when a status moves, an audit event, and bumps ``version``
(``If-Match`` → ``expected_version``, 412 when stale). Bad input raises ``InvalidInput`` naming the
field before anything is written; a status the machine refuses raises ``Conflict`` naming ``status``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction

from tournevis.contracts.models import Contract, SlaClock
from tournevis.contracts.queries import entitlement
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version, referenced_row
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop
from tournevis.customers.models import Contact, Customer, Site
from tournevis.installed_base.models import ServiceObject
from tournevis.tickets import services as ticket_services
from tournevis.tickets.events import event as ticket_event
from tournevis.tickets.models import Ticket
from tournevis.workforce.models import Skill
from tournevis.workorders import domain, lifecycle, parts
from tournevis.workorders.domain import Kind, Status, VisitStatus
from tournevis.workorders.lifecycle import WORK_ORDER_SNAPSHOT
from tournevis.workorders.models import WorkOrder, WorkOrderSkill
from tournevis.workorders.services_visits import (
    cancel_visit,
    check_in,
    complete_visit,
    dispatch_visit,
    pause,
    plan_visit,
    start_travel,
    unschedule_visit,
)

__all__ = [
    "cancel",
    "cancel_visit",
    "check_in",
    "complete_visit",
    "create_from_ticket",
    "create_work_order",
    "dispatch_visit",
    "pause",
    "plan_visit",
    "set_required_skills",
    "start_travel",
    "transition",
    "unschedule_visit",
    "update_work_order",
    "validate",
]

TICKET_SUBJECT = "ticket"
ONSITE_CLOCK = "onsite"  # contracts.clocks.ClockKind.ONSITE
# Fields a work order takes at creation (besides the relations) and may change later.
EDITABLE = frozenset(
    {
        "kind",
        "title",
        "description",
        "priority",
        "estimated_minutes",
        "onsite_deadline",
        "slot_start",
        "slot_end",
        "parts_needed",
        "notes",
        "due_date",
        "contact_id",
        "service_object_id",
    }
)
CREATE_FIELDS = EDITABLE | {"customer_id", "site_id", "contract_id", "skills", "status"}
FROM_TICKET_FIELDS = EDITABLE | {"skills", "status"}


def _unknown(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(
            gettext_noop("The field %(name)s cannot be set here."), field=unknown[0], name=unknown[0]
        )


def _moment(value: Any, field: str) -> datetime | None:
    """A datetime given as such or in ISO 8601 with its offset; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                gettext_noop("Give a date and time with its offset, e.g. 2026-03-09T10:00:00+01:00."),
                field=field,
            ) from None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            gettext_noop("Give a date and time with its offset, e.g. 2026-03-09T10:00:00+01:00."),
            field=field,
        )
    return value.astimezone(UTC)


def _day(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise InvalidInput(gettext_noop("Give a date, e.g. 2026-03-09."), field=field)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(gettext_noop("Give a date, e.g. 2026-03-09."), field=field) from None


def _clean_fields(data: dict[str, Any], current: WorkOrder | None = None) -> dict[str, Any]:
    """Model values for the editable fields present in ``data`` (the relations are checked apart)."""
    out: dict[str, Any] = {}
    if "kind" in data:
        out["kind"] = domain.clean_kind(data["kind"])
    if "title" in data:
        title = str(data["title"] or "").strip()
        if not title:
            raise InvalidInput(gettext_noop("A work order needs a title."), field="title")
        if len(title) > 300:
            raise InvalidInput(gettext_noop("At most %(max)s characters."), field="title", max=300)
        out["title"] = title
    for name in ("description", "notes"):
        if name in data:
            out[name] = str(data[name] or "").strip()
    if "priority" in data:
        out["priority"] = domain.clean_priority(data["priority"])
    if "estimated_minutes" in data:
        out["estimated_minutes"] = domain.clean_estimated_minutes(data["estimated_minutes"])
    if "onsite_deadline" in data:
        out["onsite_deadline"] = _moment(data["onsite_deadline"], "onsite_deadline")
    if "slot_start" in data or "slot_end" in data:
        start = (
            _moment(data["slot_start"], "slot_start")
            if "slot_start" in data
            else (current.slot_start if current is not None else None)
        )
        end = (
            _moment(data["slot_end"], "slot_end")
            if "slot_end" in data
            else (current.slot_end if current is not None else None)
        )
        out["slot_start"], out["slot_end"] = domain.clean_span(
            start, end, "slot_start", "slot_end", required=False
        )
    if "parts_needed" in data:
        out["parts_needed"] = domain.clean_parts(data["parts_needed"])
    if "due_date" in data:
        out["due_date"] = _day(data["due_date"], "due_date")
    return out


def _object_at(site: Site, object_id: Any) -> ServiceObject | None:
    obj = referenced_row(ServiceObject, object_id, "service_object_id")
    if obj is not None and obj.site_id != site.pk:
        raise InvalidInput(gettext_noop("The service object is not at this site."), field="service_object_id")
    return obj


def _contact_of(customer_id: int, contact_id: Any) -> Contact | None:
    contact = referenced_row(Contact, contact_id, "contact_id")
    if contact is not None and contact.customer_id != customer_id:
        raise InvalidInput(gettext_noop("The contact belongs to another customer."), field="contact_id")
    return contact


def _skills(value: Any) -> list[tuple[Skill, int]]:
    """Required skills by code (``domain.clean_skills``); an unknown code is refused, naming it."""
    wanted = domain.clean_skills(value)
    found = {s.code: s for s in Skill.objects.filter(code__in=list(wanted))}
    for code in wanted:
        if code not in found:
            raise InvalidInput(gettext_noop("No skill %(code)s."), field="skills", code=code)
    return [(found[code], level) for code, level in wanted.items()]


def _write_skills(order: WorkOrder, skills: list[tuple[Skill, int]]) -> None:
    WorkOrderSkill.objects.filter(work_order=order).delete()
    WorkOrderSkill.objects.bulk_create(
        [WorkOrderSkill(work_order=order, skill=skill, level=level) for skill, level in skills]
    )


def skills_of(order: WorkOrder) -> dict[str, int]:
    return dict(
        WorkOrderSkill.objects.filter(work_order=order)
        .order_by("skill__code")
        .values_list("skill__code", "level")
    )


def _initial_status(value: Any) -> Status:
    if value in (None, ""):
        return Status.READY
    if value not in (Status.DRAFT.value, Status.READY.value):
        raise InvalidInput(gettext_noop("A new work order is draft or ready."), field="status", value=value)
    return Status(value)


def _create(
    actor: Actor,
    at: datetime,
    *,
    customer: Customer,
    site: Site,
    fields: dict[str, Any],
    skills: list[tuple[Skill, int]],
    status: Status,
) -> WorkOrder:
    fields.setdefault("kind", Kind.CORRECTIVE.value)
    if not fields.get("title"):
        raise InvalidInput(gettext_noop("A work order needs a title."), field="title")
    order = WorkOrder.objects.create(
        number=lifecycle.next_number(at),
        status=status.value,
        customer=customer,
        site=site,
        created_at=at,
        updated_at=at,
        **fields,
    )
    _write_skills(order, skills)
    lifecycle.log_change(actor, order, None, "", order.status, at)
    if status == Status.READY:
        lifecycle.new_visit(actor, order, at)
    after = audit.snapshot(order, WORK_ORDER_SNAPSHOT) | {"skills": {s.code: n for s, n in skills}}
    audit.record(actor, "workorder.create", order, after=after)
    return order


@transaction.atomic
def create_work_order(actor: Actor, data: dict[str, Any], *, at: datetime | None = None) -> WorkOrder:
    """A work order by hand. ``site_id`` (or a ``service_object_id``, whose site it takes) is required;
    the site must belong to ``customer_id`` when given, the object stand at the site, the contact and the
    contract belong to the customer. Without ``contract_id`` the contract is the entitlement's (the one
    covering the object or site now, for the priority). Created ``ready`` (with visit 1, unscheduled)
    unless ``status`` is ``draft``."""
    at = at or clock.now()
    _unknown(data, CREATE_FIELDS)
    fields = _clean_fields(data)
    status = _initial_status(data.get("status"))
    obj = referenced_row(ServiceObject, data.get("service_object_id"), "service_object_id")
    site = referenced_row(Site, data.get("site_id"), "site_id")
    if site is None:
        if obj is None:
            raise InvalidInput(gettext_noop("This field is required."), field="site_id")
        site = obj.site
    obj = _object_at(site, obj.pk if obj is not None else None)
    customer = referenced_row(Customer, data.get("customer_id"), "customer_id")
    if customer is not None and site.customer_id != customer.pk:
        raise InvalidInput(gettext_noop("The site belongs to another customer."), field="site_id")
    customer = site.customer
    contact = _contact_of(customer.pk, data.get("contact_id"))
    contract = referenced_row(Contract, data.get("contract_id"), "contract_id")
    if contract is not None and contract.customer_id != customer.pk:
        raise InvalidInput(gettext_noop("The contract belongs to another customer."), field="contract_id")
    skills = _skills(data.get("skills"))
    if contract is None:
        found = entitlement(
            service_object=obj, site=site, at=at, priority=fields.get("priority", domain.Priority.P3.value)
        )
        contract_id = found.contract_id
    else:
        contract_id = contract.pk
    fields.update(service_object=obj, contact=contact, contract_id=contract_id)
    fields.pop("service_object_id", None)
    fields.pop("contact_id", None)
    return _create(actor, at, customer=customer, site=site, fields=fields, skills=skills, status=status)


def onsite_deadline_of(ticket: Ticket) -> datetime | None:
    """The due time of the ticket's open on-site SLA clock (None when it has none)."""
    return (
        SlaClock.objects.filter(
            subject_type=TICKET_SUBJECT, subject_id=ticket.pk, kind=ONSITE_CLOCK, stopped_at__isnull=True
        )
        .values_list("deadline", flat=True)
        .first()
    )


@transaction.atomic
def create_from_ticket(
    actor: Actor, ticket_id: int, data: dict[str, Any] | None = None, *, at: datetime | None = None
) -> WorkOrder:
    """A corrective work order for a ticket that needs someone on site: customer, site, object, contact,
    priority, title and description come from the ticket (``data`` may override all but the customer
    and site); the contract is the entitlement's; ``onsite_deadline`` the due time of the ticket's open
    on-site SLA clock. The ticket's timeline records it (event ``work_order``)."""
    at = at or clock.now()
    data = dict(data or {})
    _unknown(data, FROM_TICKET_FIELDS)
    ticket = ticket_services.lock_ticket(ticket_id)
    if ticket.site_id is None or ticket.customer_id is None:
        raise InvalidInput(
            gettext_noop("Ticket %(number)s has no site: set its equipment or site first."),
            field="ticket_id",
            number=ticket.number,
        )
    site = Site.objects.select_related("customer").get(pk=ticket.site_id)
    fields = _clean_fields(
        {
            "title": ticket.title,
            "description": ticket.description,
            "priority": ticket.priority,
            "onsite_deadline": onsite_deadline_of(ticket),
            **{k: v for k, v in data.items() if k in EDITABLE},
        }
    )
    obj = _object_at(site, data.get("service_object_id", ticket.service_object_id))
    contact = _contact_of(site.customer_id, data.get("contact_id", ticket.contact_id))
    status = _initial_status(data.get("status"))
    skills = _skills(data.get("skills"))
    found = entitlement(service_object=obj, site=site, at=at, priority=fields["priority"])
    fields.update(service_object=obj, contact=contact, contract_id=found.contract_id, ticket=ticket)
    fields.pop("service_object_id", None)
    fields.pop("contact_id", None)
    order = _create(actor, at, customer=site.customer, site=site, fields=fields, skills=skills, status=status)
    ticket_event(
        ticket, "work_order", actor, at, work_order=order.pk, number=order.number, status=order.status
    )
    return order


def _editable(order: WorkOrder) -> None:
    if order.status in domain.FINAL:
        raise Conflict(
            gettext_noop("A work order that is %(current)s cannot be changed."),
            field="status",
            current=order.status,
        )


@transaction.atomic
def update_work_order(
    actor: Actor,
    work_order_id: int,
    fields: dict[str, Any],
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> WorkOrder:
    """Change the editable fields given (title, priority, duration, deadline, slot, parts, notes, kind,
    contact, object at the same site...). Not once validated or cancelled."""
    at = at or clock.now()
    _unknown(fields, EDITABLE)
    order = lifecycle.lock_work_order(work_order_id)
    check_version(order, expected_version)
    _editable(order)
    before = audit.snapshot(order, WORK_ORDER_SNAPSHOT)
    changes = _clean_fields(fields, order)
    if "title" in fields and not changes.get("title"):
        raise InvalidInput(gettext_noop("A work order needs a title."), field="title")
    if "service_object_id" in fields:
        changes["service_object"] = _object_at(order.site, fields["service_object_id"])
    if "contact_id" in fields:
        changes["contact"] = _contact_of(order.customer_id, fields["contact_id"])
    for name, value in changes.items():
        setattr(order, name, value)
    if audit.snapshot(order, WORK_ORDER_SNAPSHOT) == before:
        return order
    return lifecycle.save_work_order(actor, order, before, "workorder.update", at)


@transaction.atomic
def set_required_skills(
    actor: Actor,
    work_order_id: int,
    skills: Any,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> WorkOrder:
    """Replace the required skills: ``[{"skill": "kiosk", "level": 2}, …]`` (codes of workforce skills)."""
    at = at or clock.now()
    order = lifecycle.lock_work_order(work_order_id)
    check_version(order, expected_version)
    _editable(order)
    wanted = _skills(skills)
    before = audit.snapshot(order, WORK_ORDER_SNAPSHOT) | {"skills": skills_of(order)}
    _write_skills(order, wanted)
    order.version += 1
    order.updated_at = at
    order.save()
    after = audit.snapshot(order, WORK_ORDER_SNAPSHOT) | {"skills": {s.code: n for s, n in wanted}}
    audit.record(actor, "workorder.skills", order, before=before, after=after)
    return order


def _cancel(actor: Actor, order: WorkOrder, reason: str, at: datetime) -> None:
    domain.check_cancellable(order.status)
    current = lifecycle.open_visit(order)
    if current is not None:
        visit_before = audit.snapshot(current, lifecycle.VISIT_SNAPSHOT)
        lifecycle.set_visit_status(actor, order, current, VisitStatus.CANCELLED.value, at, reason)
        lifecycle.save_visit(actor, current, visit_before, "visit.cancel", at)
    lifecycle.set_status(actor, order, Status.CANCELLED, at, reason)
    parts.release_all(actor, order, reason, at)  # its spare parts go back to stock
    if order.ticket_id is not None:
        ticket_event(
            Ticket.objects.get(pk=order.ticket_id),
            "work_order",
            actor,
            at,
            work_order=order.pk,
            number=order.number,
            status=order.status,
            reason=reason[:300],
        )


def _validate(actor: Actor, order: WorkOrder, at: datetime) -> None:
    lifecycle.set_status(actor, order, domain.check_transition(order.status, Status.VALIDATED), at)


@transaction.atomic
def transition(
    actor: Actor,
    work_order_id: int,
    status: str,
    *,
    expected_version: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> WorkOrder:
    """A status change by hand: draft ⇄ ready, completed → validated, → cancelled. The statuses from
    scheduled to completed follow the visits (409 naming ``status`` when asked for here)."""
    at = at or clock.now()
    order = lifecycle.lock_work_order(work_order_id)
    check_version(order, expected_version)
    before = audit.snapshot(order, WORK_ORDER_SNAPSHOT)
    if status == Status.CANCELLED.value:
        _cancel(actor, order, reason, at)
    elif status == Status.VALIDATED.value:
        _validate(actor, order, at)
    else:
        target = domain.check_manual(order.status, status)
        if target == Status.READY:
            lifecycle.set_status(actor, order, target, at, reason)
            lifecycle.new_visit(actor, order, at)
        else:  # back to draft: the unscheduled visit goes
            current = lifecycle.open_visit(order)
            if current is not None:
                visit_before = audit.snapshot(current, lifecycle.VISIT_SNAPSHOT)
                lifecycle.set_visit_status(actor, order, current, VisitStatus.CANCELLED.value, at, reason)
                lifecycle.save_visit(actor, current, visit_before, "visit.cancel", at)
            lifecycle.set_status(actor, order, target, at, reason)
    return lifecycle.save_work_order(actor, order, before, "workorder.transition", at)


@transaction.atomic
def cancel(
    actor: Actor,
    work_order_id: int,
    reason: str = "",
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> WorkOrder:
    """Cancel a work order not yet completed; its open visit is cancelled with it."""
    return transition(
        actor, work_order_id, Status.CANCELLED.value, expected_version=expected_version, reason=reason, at=at
    )


@transaction.atomic
def validate(
    actor: Actor, work_order_id: int, *, expected_version: int | None = None, at: datetime | None = None
) -> WorkOrder:
    """A manager accepts the completed work (completed → validated)."""
    return transition(actor, work_order_id, Status.VALIDATED.value, expected_version=expected_version, at=at)
