"""The only way web code gets a ticket.

Customer users see their own customer's tickets and only the public part of the thread; technicians
see the tickets assigned to them; the desk (admin, manager, dispatcher, agent) sees all. Anything
else is NotFound, never Forbidden.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
from tournevis.tickets.models import Attachment, Ticket


def visible_tickets(actor: Actor) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related("queue", "customer", "site", "service_object", "assignee")
    if actor.is_customer:
        return qs.filter(customer_id=actor.own_customer_id())
    if actor.role == "technician":
        return qs.filter(assignee_id=actor.user_id)
    return qs


def sees_internal(actor: Actor) -> bool:
    return not actor.is_customer


def access_ticket(actor: Actor, ticket_id: int) -> Ticket:
    ticket = visible_tickets(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("No ticket with id %(id)s.") % {"id": ticket_id})
    return ticket


def access_attachment(actor: Actor, ticket_id: int, attachment_id: int) -> Attachment:
    ticket = access_ticket(actor, ticket_id)
    rows = Attachment.objects.filter(pk=attachment_id, ticket=ticket)
    if not sees_internal(actor):
        rows = rows.filter(message__public=True)
    attachment = rows.first()
    if attachment is None:
        raise NotFound(_("No attachment with id %(id)s.") % {"id": attachment_id})
    return attachment
