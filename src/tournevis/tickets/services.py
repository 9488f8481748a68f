"""Ticket use cases, one transaction each: open, message, transition, assign, re-prioritise, move.

Merge, split and link: ``services_links.py``. Each change writes a timeline ``Event`` and an audit
event in the same transaction; SLA clocks (contracts.sla_services, subject "ticket") follow the
ticket: started on creation from the entitlement, paused in the waiting statuses and while resolved,
resumed on reopening, stopped on closing; the first public staff message meets the response clock and
each public staff message restarts the customer-update clock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from tournevis.contracts import sla_services
from tournevis.contracts.queries import category_of
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version, referenced_row
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.customers.models import Contact, Customer, Site
from tournevis.installed_base.models import ServiceObject
from tournevis.tickets import domain, notify, routing, sla
from tournevis.tickets.attachments import NewAttachment, prepare
from tournevis.tickets.events import event
from tournevis.tickets.models import (
    Attachment,
    IntakeCounter,
    Message,
    NumberSequence,
    Queue,
    Ticket,
)
from tournevis.tickets.sla import SUBJECT

logger = logging.getLogger(__name__)
SNAPSHOT = ("status", "priority", "category", "queue", "assignee", "contract", "bug_state", "version")
# Status changes the customer hears of (besides resolution, and work starting on the ticket)
TOLD_TO_CUSTOMER = frozenset(
    {domain.Status.WAITING_CUSTOMER, domain.Status.WAITING_PARTS, domain.Status.CLOSED}
)
# An assignment moves these to "assigned"; a ticket being worked keeps its status
UNASSIGNED_STATUSES = frozenset({domain.Status.NEW, domain.Status.TRIAGED, domain.Status.REOPENED})


def _next_number(at: datetime) -> str:
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(year=at.year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db()
    return domain.format_number(at.year, sequence.last)


def _choice(
    value: str | None, enum: type[domain.Priority] | type[domain.Channel] | type[domain.Category], field: str
) -> str | None:
    if value is None or value == "":
        return None
    try:
        return enum(value).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("%(value)s is not a valid %(name)s."), field=field, name=field, value=value
        ) from None


def _store_attachments(
    ticket: Ticket, message: Message, items: Sequence[NewAttachment], at: datetime
) -> None:
    for item in items:
        Attachment.objects.create(
            ticket=ticket,
            message=message,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.content),
            sha256=item.sha256,
            content=item.content,
            inline=item.inline,
            created_at=at,
        )


@transaction.atomic
def open_ticket(
    actor: Actor,
    *,
    title: str,
    channel: str,
    description: str = "",
    customer_id: int | None = None,
    site_id: int | None = None,
    service_object_id: int | None = None,
    contact_id: int | None = None,
    requester_email: str = "",
    requester_phone: str = "",
    priority: str | None = None,
    category: str | None = None,
    language: str | None = None,
    external_ref: str = "",
    body_html: str = "",
    attachments: Sequence[NewAttachment] = (),
    email_message_id: str = "",
    author_label: str | None = None,
    acknowledge: bool = True,
    first_message: bool = True,
    at: datetime | None = None,
) -> Ticket:
    """A new ticket: triaged, entitled, clocks started, first message stored, requester acknowledged.
    ``first_message=False``: the thread starts empty (a split moves existing messages in)."""
    at = at or clock.now()
    title = (title or "").strip()
    if not title:
        raise InvalidInput(gettext_noop("A ticket needs a title."), field="title")
    channel_value = _choice(channel, domain.Channel, "channel")
    assert channel_value is not None
    priority = _choice(priority, domain.Priority, "priority")
    category = _choice(category, domain.Category, "category")
    obj = referenced_row(ServiceObject, service_object_id, "service_object_id")
    site = referenced_row(Site, site_id, "site_id")
    contact = referenced_row(Contact, contact_id, "contact_id")
    customer = referenced_row(Customer, customer_id, "customer_id")
    if obj is not None:
        if site is not None and obj.site_id != site.pk:
            raise InvalidInput(gettext_noop("The service object is not at this site."), field="site_id")
        site = obj.site
    if site is not None:
        if customer is not None and site.customer_id != customer.pk:
            raise InvalidInput(gettext_noop("The site belongs to another customer."), field="site_id")
        customer = site.customer
    if contact is not None:
        if customer is not None and contact.customer_id != customer.pk:
            raise InvalidInput(gettext_noop("The contact belongs to another customer."), field="contact_id")
        customer = contact.customer
    if actor.is_customer and (customer is None or customer.pk != actor.own_customer_id()):
        raise InvalidInput(gettext_noop("No customer with id %(id)s."), field="customer_id", id=customer_id)
    prepared = [prepare(a) for a in attachments]

    decided = domain.triage(
        routing.rules(),
        domain.TriageInput(
            text=f"{title}\n{description}",
            channel=channel_value,
            category=category,
            object_category_id=category_of(obj) if obj is not None else None,
            customer_tier=customer.tier if customer is not None else None,
        ),
    )
    queue: Queue
    if customer is None:
        queue = routing.triage_queue()
    elif decided.queue_id is not None:
        queue = Queue.objects.get(pk=decided.queue_id)
    else:
        queue = routing.default_queue()
    ticket = Ticket(
        number=_next_number(at),
        title=title[:300],
        description=description,
        customer=customer,
        site=site,
        service_object=obj,
        contact=contact,
        requester_email=(requester_email or (contact.email if contact is not None else ""))[:254],
        requester_phone=requester_phone or (contact.phone if contact is not None else ""),
        language=language
        or (contact.language if contact is not None else None)
        or (customer.language if customer is not None else "en"),
        category=category or decided.category or domain.Category.OTHER.value,
        priority=priority or decided.priority or domain.Priority.P3.value,
        channel=channel_value,
        queue=queue,
        external_ref=external_ref[:200],
        created_at=at,
        updated_at=at,
    )
    found = sla.entitlement_of(ticket, at)
    sla.apply_entitlement(ticket, found)
    ticket.save()
    if first_message:
        first = Message.objects.create(
            ticket=ticket,
            public=True,
            author_label=(author_label or ticket.requester_email or actor.label)[:200],
            from_customer=True,
            channel=channel_value,
            body=description or title,
            body_html=body_html,
            email_message_id=email_message_id[:500],
            created_at=at,
        )
        _store_attachments(ticket, first, prepared, at)
    event(
        ticket,
        "created",
        actor,
        at,
        channel=channel_value,
        queue=queue.code,
        priority=ticket.priority,
        category=ticket.category,
        rules=list(decided.rule_ids),
        entitlement=found.basis if found is not None else "none",
        contract=found.contract_number if found is not None else None,
    )
    if found is not None and found.targets:
        targeted = found
        sla.run_safely(
            actor,
            ticket,
            at,
            lambda: sla_services.start_clocks(
                actor, SUBJECT, ticket.pk, at=at, priority=ticket.priority, entitlement=targeted
            ),
        )
    audit.record(actor, "ticket.open", ticket, after=audit.snapshot(ticket, SNAPSHOT))
    if customer is not None and not queue.is_triage:
        _auto_assign(actor, ticket, at)
    if acknowledge:
        notify.customer(ticket, "ack", at=at, automatic=True)
    return ticket


def lock_ticket(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "contact", "site", "service_object")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound(gettext_noop("No ticket with id %(id)s."), id=ticket_id)
    if ticket.merged_into_id is not None:
        raise Conflict(
            gettext_noop("Ticket %(number)s was merged into another ticket."),
            field="ticket",
            number=ticket.number,
        )
    return ticket


def save_ticket(actor: Actor, ticket: Ticket, before: dict[str, Any], action: str, at: datetime) -> Ticket:
    ticket.version += 1
    ticket.updated_at = at
    ticket.save()
    audit.record(actor, action, ticket, before=before, after=audit.snapshot(ticket, SNAPSHOT))
    return ticket


def _set_status(actor: Actor, ticket: Ticket, new: str, at: datetime, reason: str = "") -> None:
    old = ticket.status
    target = domain.check_transition(old, new)
    ticket.status = target.value
    if target == domain.Status.RESOLVED:
        ticket.resolved_at = at
    elif target == domain.Status.CLOSED:
        ticket.closed_at = at
    elif target == domain.Status.REOPENED:
        ticket.resolved_at = ticket.closed_at = None
    event(ticket, "status", actor, at, old=old, new=target.value, reason=reason[:300])
    sla.follow_status(actor, ticket, old, target.value, at)


@transaction.atomic
def transition(
    actor: Actor,
    ticket_id: int,
    status: str,
    *,
    expected_version: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Move the ticket along the transition table; the customer hears of resolution and waiting states."""
    at = at or clock.now()
    ticket = lock_ticket(ticket_id)
    check_version(ticket, expected_version)
    before = audit.snapshot(ticket, SNAPSHOT)
    _set_status(actor, ticket, status, at, reason)
    save_ticket(actor, ticket, before, "ticket.transition", at)
    if ticket.status == domain.Status.RESOLVED:
        notify.customer(ticket, "resolved", at=at)
    elif ticket.status in TOLD_TO_CUSTOMER or (
        ticket.status == domain.Status.IN_PROGRESS and before["status"] in UNASSIGNED_STATUSES | {"assigned"}
    ):
        notify.customer(ticket, "status", at=at)
    return ticket


@transaction.atomic
def add_message(
    actor: Actor,
    ticket_id: int,
    *,
    body: str,
    public: bool = True,
    from_customer: bool = False,
    channel: str = "back_office",
    body_html: str = "",
    attachments: Sequence[NewAttachment] = (),
    email_message_id: str = "",
    author_label: str | None = None,
    at: datetime | None = None,
) -> Message:
    """A message on the thread. From the customer: a waiting ticket goes back to work, a resolved or
    closed one reopens. From staff and public: the first one meets the response clock, each restarts the
    update clock and is e-mailed to the customer."""
    at = at or clock.now()
    if not (body or "").strip() and not attachments:
        raise InvalidInput(gettext_noop("A message needs text or an attachment."), field="body")
    channel_value = _choice(channel, domain.Channel, "channel")
    assert channel_value is not None
    from_customer = from_customer or actor.is_customer
    if actor.is_customer and not public:
        raise InvalidInput(gettext_noop("Customers write public messages only."), field="public")
    prepared = [prepare(a) for a in attachments]
    ticket = lock_ticket(ticket_id)
    before = audit.snapshot(ticket, SNAPSHOT)
    message = Message.objects.create(
        ticket=ticket,
        public=public,
        author_id=actor.user_id,
        author_label=(author_label or actor.label)[:200],
        from_customer=from_customer,
        channel=channel_value,
        body=body,
        body_html=body_html,
        email_message_id=email_message_id[:500],
        created_at=at,
    )
    _store_attachments(ticket, message, prepared, at)
    event(ticket, "message", actor, at, message=message.pk, public=public, from_customer=from_customer)
    if from_customer:
        if ticket.status in (domain.Status.RESOLVED, domain.Status.CLOSED):
            _set_status(actor, ticket, domain.Status.REOPENED, at, "customer reply")
        elif ticket.status in domain.CUSTOMER_REPLY_RESUMES:
            _set_status(actor, ticket, domain.Status.IN_PROGRESS, at, "customer reply")
    elif public:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            sla.stop_if_open(actor, ticket, "response", at)
        ticket.last_public_update_at = at
        sla.restart_update_clock(actor, ticket, at)
        notify.customer(ticket, "update", at=at, text=body)
    save_ticket(actor, ticket, before, "ticket.message", at)
    return message


def _auto_assign(actor: Actor, ticket: Ticket, at: datetime) -> bool:
    """Give the ticket to the most qualified available agent; False (and a routing event) when none."""
    choice = domain.choose_agent(
        routing.candidates(ticket.queue, at), routing.required_skills(ticket, ticket.queue)
    )
    event(
        ticket,
        "routing",
        actor,
        at,
        agent=choice.user_id,
        reasons=list(choice.reasons),
        params=dict(choice.params),
    )
    if choice.user_id is None:
        return False
    ticket.assignee_id = choice.user_id
    if ticket.status in UNASSIGNED_STATUSES:
        _set_status(actor, ticket, domain.Status.ASSIGNED, at, "automatic assignment")
    ticket.save()
    return True


@transaction.atomic
def assign(
    actor: Actor,
    ticket_id: int,
    *,
    user_id: int | None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Assign to a staff user (None: the most qualified available agent of the ticket's queue)."""
    at = at or clock.now()
    ticket = lock_ticket(ticket_id)
    check_version(ticket, expected_version)
    before = audit.snapshot(ticket, SNAPSHOT)
    if user_id is None:
        if not _auto_assign(actor, ticket, at):
            raise Conflict(
                gettext_noop("No agent of the queue is on shift with the skills and capacity."),
                field="assignee_id",
            )
    else:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None or user.role == "customer":
            raise InvalidInput(gettext_noop("No staff user with id %(id)s."), field="assignee_id", id=user_id)
        ticket.assignee_id = user.pk
        event(ticket, "assigned", actor, at, user=user.pk, label=str(user))
        if ticket.status in UNASSIGNED_STATUSES:
            _set_status(actor, ticket, domain.Status.ASSIGNED, at, "assigned")
    return save_ticket(actor, ticket, before, "ticket.assign", at)


@transaction.atomic
def update(
    actor: Actor,
    ticket_id: int,
    fields: dict[str, Any],
    *,
    expected_version: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Change priority, category, queue, title, object or bug flag. A priority change re-targets the SLA
    clocks keeping consumed time; a new object or site re-reads the entitlement (contract change)."""
    at = at or clock.now()
    allowed = {"priority", "category", "queue", "title", "service_object_id", "is_bug"}
    unknown = set(fields) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(gettext_noop("The field %(name)s cannot be changed here."), field=name, name=name)
    ticket = lock_ticket(ticket_id)
    check_version(ticket, expected_version)
    before = audit.snapshot(ticket, SNAPSHOT)
    retarget = False
    if "priority" in fields:
        value = _choice(fields["priority"], domain.Priority, "priority")
        if value is not None and value != ticket.priority:
            event(ticket, "priority", actor, at, old=ticket.priority, new=value, reason=reason[:300])
            ticket.priority = value
            retarget = True
    if "category" in fields:
        value = _choice(fields["category"], domain.Category, "category")
        if value is not None and value != ticket.category:
            event(ticket, "category", actor, at, old=ticket.category, new=value)
            ticket.category = value
    if "queue" in fields:
        queue = Queue.objects.filter(code=fields["queue"]).first()
        if queue is None:
            raise InvalidInput(gettext_noop("No queue %(code)s."), field="queue", code=fields["queue"])
        if queue.pk != ticket.queue_id:
            event(ticket, "queue", actor, at, old=ticket.queue.code, new=queue.code, reason=reason[:300])
            ticket.queue = queue
    if "title" in fields:
        title = str(fields["title"] or "").strip()
        if not title:
            raise InvalidInput(gettext_noop("A ticket needs a title."), field="title")
        ticket.title = title[:300]
    if "is_bug" in fields:
        ticket.is_bug = bool(fields["is_bug"])
    if "service_object_id" in fields:
        obj = referenced_row(ServiceObject, fields["service_object_id"], "service_object_id")
        if obj is not None and ticket.customer_id is not None and obj.site.customer_id != ticket.customer_id:
            raise InvalidInput(
                gettext_noop("The service object belongs to another customer."), field="service_object_id"
            )
        ticket.service_object = obj
        if obj is not None:
            ticket.site = obj.site
            ticket.customer_id = obj.site.customer_id
        event(ticket, "object", actor, at, object=obj.pk if obj is not None else None)
        retarget = True
    if retarget:
        sla.retarget(actor, ticket, at, reason or "priority")
    return save_ticket(actor, ticket, before, "ticket.update", at)


def count_intake(channel: str, reason: str, detail: str = "", count: int = 1) -> None:
    """Count an intake outcome (unknown sender/agent/device, duplicate, malformed) and log one line."""
    now = clock.now()
    if count == 1:
        logger.warning("intake %s: %s %s", channel, reason, detail[:300])
    else:
        logger.warning("intake %s: %s x%s, last: %s", channel, reason, count, detail[:300])
    with transaction.atomic():
        row, created = IntakeCounter.objects.select_for_update().get_or_create(
            channel=channel,
            reason=reason,
            defaults={"count": count, "last_at": now, "last_detail": detail[:500]},
        )
        if not created:
            IntakeCounter.objects.filter(pk=row.pk).update(
                count=F("count") + count, last_at=now, last_detail=detail[:500]
            )
