"""What the customer is told, and when: acknowledgement, status changes, planned visit, resolution.

Messages go through the notifications outbox in the caller's transaction, in the contact's language
(the ticket's ``language``). An automatic message to an address goes at most once per ticket and day
(RFC 3834: ``AutoReply``), and never to an address whose mail was automatic, bulk or a bounce (the
e-mail intake does not call ``acknowledge`` for those).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.notifications import services as outbox
from tournevis.tickets.models import AutoReply, Message, Ticket

ACTOR = Actor.system("tickets")


def _address(ticket: Ticket) -> str:
    if ticket.contact is not None and ticket.contact.email and ticket.contact.notify_by_email:
        return str(ticket.contact.email)
    return ticket.requester_email


def _phone(ticket: Ticket) -> str:
    contact = ticket.contact
    return str(contact.phone) if contact is not None and contact.notify_by_sms and contact.phone else ""


def _texts(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    if kind == "ack":
        return (
            _("[%(number)s] We received your request: %(title)s") % params,
            _(
                "Hello,\n\nWe received your request and opened ticket %(number)s with priority %(priority)s."
                "\nReply to this e-mail to add information; keep the reference in the subject.\n"
            )
            % params,
        )
    if kind == "status":
        return (
            _("[%(number)s] Your request is now: %(status)s") % params,
            _("Hello,\n\nTicket %(number)s (%(title)s) is now: %(status)s.\n") % params,
        )
    if kind == "resolved":
        return (
            _("[%(number)s] Your request is resolved") % params,
            _(
                "Hello,\n\nTicket %(number)s (%(title)s) is resolved.\n"
                "If the problem is still there, reply to this e-mail and the ticket reopens.\n"
            )
            % params,
        )
    if kind == "visit":
        return (
            _("[%(number)s] A technician visit is planned") % params,
            _("Hello,\n\nFor ticket %(number)s a technician visit is planned on %(when)s.\n") % params,
        )
    if kind == "update":
        return (
            _("[%(number)s] Update on your request") % params,
            _("Hello,\n\nAn update on ticket %(number)s (%(title)s):\n\n%(text)s\n") % params,
        )
    if kind == "bug_fixed":
        return (
            _("[%(number)s] The fix for your problem is released") % params,
            _("Hello,\n\nThe software fix for ticket %(number)s (%(title)s) is released: %(link)s\n")
            % params,
        )
    raise ValueError(kind)


def _status_label(status: str) -> str:
    labels = {
        "new": _("new"),
        "triaged": _("triaged"),
        "assigned": _("assigned"),
        "in_progress": _("in progress"),
        "waiting_customer": _("waiting for you"),
        "waiting_parts": _("waiting for parts"),
        "resolved": _("resolved"),
        "closed": _("closed"),
        "reopened": _("reopened"),
    }
    return labels.get(status, status)


def customer(ticket: Ticket, kind: str, *, at: datetime, automatic: bool = False, **extra: Any) -> int:
    """Queue the ``kind`` message to the ticket's requester (e-mail, and SMS when the contact wants it).
    ``automatic`` messages are limited to one per ticket, address and day. Returns how many were queued."""
    address = _address(ticket)
    phone = _phone(ticket)
    if not address and not phone:
        return 0
    if automatic and address:
        try:
            with transaction.atomic():
                AutoReply.objects.create(ticket=ticket, address=address.lower(), day=at.date())
        except IntegrityError:
            return 0
    with translation.override(ticket.language or "en"):
        params = {
            "number": ticket.number,
            "title": ticket.title,
            "priority": ticket.priority,
            "status": _status_label(ticket.status),
            **extra,
        }
        subject, body = _texts(kind, params)
    ref = f"ticket:{ticket.pk}"
    headers = _thread_headers(ticket)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: nobody answers this automatically
    queued = 0
    if address:
        outbox.queue_email(
            ACTOR,
            to=address,
            subject=subject,
            body=body,
            purpose=f"ticket.{kind}",
            language=ticket.language,
            headers=headers,
            subject_ref=ref,
        )
        queued += 1
    if phone:
        outbox.queue_sms(ACTOR, to=phone, text=subject, purpose=f"ticket.{kind}", subject_ref=ref)
        queued += 1
    return queued


def _thread_headers(ticket: Ticket) -> dict[str, str]:
    """In-Reply-To / References to the customer's first e-mail, so their mail client threads our answers."""
    first = (
        Message.objects.filter(ticket=ticket, from_customer=True)
        .exclude(email_message_id="")
        .order_by("created_at", "id")
        .values_list("email_message_id", flat=True)
        .first()
    )
    if not first:
        return {}
    mid = first if first.startswith("<") else f"<{first}>"
    return {"In-Reply-To": mid, "References": mid}
