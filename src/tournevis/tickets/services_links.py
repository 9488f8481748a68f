"""Merge duplicates, split a thread, link related tickets (one transaction each, audited)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from tournevis.contracts import sla_services
from tournevis.contracts.models import SlaClock
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop
from tournevis.tickets import domain
from tournevis.tickets.models import Attachment, Link, Message, Ticket
from tournevis.tickets.services import SNAPSHOT, SUBJECT, event, lock_ticket, open_ticket, save_ticket


@transaction.atomic
def merge(actor: Actor, ticket_id: int, *, into_id: int, at: datetime | None = None) -> Ticket:
    """Move the duplicate's thread into ``into_id`` and close the duplicate (its clocks stop)."""
    at = at or clock.now()
    if ticket_id == into_id:
        raise InvalidInput(gettext_noop("A ticket cannot be merged into itself."), field="into_id")
    first, second = sorted((ticket_id, into_id))
    locked = {first: lock_ticket(first), second: lock_ticket(second)}  # lock in id order: no deadlock
    source, target = locked[ticket_id], locked[into_id]
    if source.customer_id != target.customer_id:
        raise InvalidInput(gettext_noop("Only tickets of the same customer can be merged."), field="into_id")
    before_s, before_t = audit.snapshot(source, SNAPSHOT), audit.snapshot(target, SNAPSHOT)
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    for row in SlaClock.objects.filter(subject_type=SUBJECT, subject_id=source.pk, stopped_at__isnull=True):
        sla_services.stop_clock(actor, SUBJECT, source.pk, row.kind, at=at)
    source.merged_into = target
    source.status = domain.Status.CLOSED.value
    source.closed_at = at
    event(source, "merged", actor, at, into=target.number, messages=moved)
    event(target, "merged_from", actor, at, source=source.number, messages=moved)
    save_ticket(actor, source, before_s, "ticket.merge", at)
    save_ticket(actor, target, before_t, "ticket.merge_into", at)
    return target


@transaction.atomic
def split(
    actor: Actor, ticket_id: int, *, message_ids: list[int], title: str, at: datetime | None = None
) -> Ticket:
    """A new ticket for the same customer and object, taking the given messages of the thread."""
    at = at or clock.now()
    source = lock_ticket(ticket_id)
    messages = list(Message.objects.filter(ticket=source, pk__in=message_ids).order_by("created_at", "id"))
    if not message_ids or len(messages) != len(set(message_ids)):
        raise InvalidInput(gettext_noop("Choose messages of this ticket to split off."), field="message_ids")
    if len(messages) == source.messages.count():
        raise InvalidInput(gettext_noop("At least one message must stay on the ticket."), field="message_ids")
    new = open_ticket(
        actor,
        title=title,
        channel=source.channel,
        description=messages[0].body,
        customer_id=source.customer_id,
        site_id=source.site_id,
        service_object_id=source.service_object_id,
        contact_id=source.contact_id,
        requester_email=source.requester_email,
        priority=source.priority,
        category=source.category,
        language=source.language,
        acknowledge=False,
        first_message=False,
        at=at,
    )
    new.split_from = source
    new.save(update_fields=["split_from"])
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(ticket=new)
    Attachment.objects.filter(message_id__in=[m.pk for m in messages]).update(ticket=new)
    event(source, "split", actor, at, into=new.number, messages=[m.pk for m in messages])
    return new


@transaction.atomic
def link(actor: Actor, ticket_id: int, *, target_id: int, kind: str, at: datetime | None = None) -> Ticket:
    at = at or clock.now()
    if kind not in {k for k, _label in Link.KINDS}:
        raise InvalidInput(gettext_noop("Unknown link kind %(kind)s."), field="kind", kind=kind)
    if ticket_id == target_id:
        raise InvalidInput(gettext_noop("A ticket cannot be linked to itself."), field="target_id")
    source = lock_ticket(ticket_id)
    target = Ticket.objects.get(pk=target_id)
    if Link.objects.filter(source=source, target=target, kind=kind).exists():
        raise Conflict(gettext_noop("These tickets are already linked."), field="target_id")
    row = Link.objects.create(source=source, target=target, kind=kind, created_at=at)
    event(source, "link", actor, at, target=target.number, relation=kind)
    event(target, "linked", actor, at, source=source.number, relation=kind)
    audit.record(actor, "ticket.link", row, after=audit.snapshot(row))
    return source
