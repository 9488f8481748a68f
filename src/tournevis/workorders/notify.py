"""What the customer is told about a visit: its window, when the visit is dispatched.

The e-mail goes through the notifications outbox in the caller's transaction, in each recipient's
language, with the times in the site's time zone. Recipients, first that applies:

1. the work order's contact, when it has an address and wants e-mail notices;
2. for a work order opened from a ticket: the ticket's contact (same conditions), else the ticket's
   requester address — in the ticket's language;
3. every contact of the customer at the work order's site who wants e-mail notices and has an address.

The subject carries the ticket's reference (``[T-2026-000042]``) when there is a ticket, so a reply
lands on the ticket's thread; else the work-order number. ``subject_ref`` is ``workorder:<id>``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.customers.models import Contact
from tournevis.notifications import services as outbox
from tournevis.tickets.domain import subject_with_reference
from tournevis.workorders.models import Visit, WorkOrder

ACTOR = Actor.system("workorders")
PURPOSE = "workorder.visit_window"


def recipients(order: WorkOrder) -> list[tuple[str, str]]:
    """(address, language) of who hears of the work order's visits (see the module docstring)."""
    contact = order.contact
    if contact is not None and contact.email and contact.notify_by_email:
        return [(str(contact.email), contact.language or "en")]
    ticket = order.ticket
    if ticket is not None:
        tc = ticket.contact
        if tc is not None and tc.email and tc.notify_by_email:
            return [(str(tc.email), ticket.language or tc.language or "en")]
        if ticket.requester_email:
            return [(ticket.requester_email, ticket.language or "en")]
    site_contacts = (
        Contact.objects.filter(customer_id=order.customer_id, site_id=order.site_id, notify_by_email=True)
        .exclude(email="")
        .order_by("name", "id")
    )
    return [(str(c.email), c.language or "en") for c in site_contacts]


def _window_texts(order: WorkOrder, visit: Visit, language: str) -> tuple[str, str]:
    assert visit.planned_start is not None and visit.planned_end is not None
    zone = ZoneInfo(order.site.timezone)
    start, end = visit.planned_start.astimezone(zone), visit.planned_end.astimezone(zone)
    with translation.override(language):
        params = {
            "number": order.number,
            "title": order.title,
            "site": order.site.name,
            "day": formats.date_format(start, "DATE_FORMAT"),
            "start": formats.time_format(start, "TIME_FORMAT"),
            "end": formats.time_format(end, "TIME_FORMAT"),
            "end_day": formats.date_format(end, "DATE_FORMAT"),
            "timezone": order.site.timezone,
            "technician": visit.technician.name if visit.technician is not None else "",
        }
        if start.date() == end.date():
            subject = _("Technician visit on %(day)s between %(start)s and %(end)s") % params
            window = _("on %(day)s between %(start)s and %(end)s (%(timezone)s time)") % params
        else:
            subject = _("Technician visit from %(day)s %(start)s to %(end_day)s %(end)s") % params
            window = _("from %(day)s %(start)s to %(end_day)s %(end)s (%(timezone)s time)") % params
        body = _(
            "Hello,\n\nA technician will come to %(site)s %(window)s for: %(title)s.\n"
            "Technician: %(technician)s\nWork order: %(number)s\n\n"
            "If this time does not suit you, please reply to this e-mail.\n"
        ) % {**params, "window": window}
    reference = order.ticket.number if order.ticket is not None else order.number
    return subject_with_reference(reference, subject), body


def visit_window(order: WorkOrder, visit: Visit) -> int:
    """Queue the visit-window e-mail to each recipient; how many were queued."""
    sent = 0
    for address, language in recipients(order):
        subject, body = _window_texts(order, visit, language)
        outbox.queue_email(
            ACTOR,
            to=address,
            subject=subject,
            body=body,
            purpose=PURPOSE,
            language=language,
            subject_ref=f"workorder:{order.pk}",
        )
        sent += 1
    return sent
