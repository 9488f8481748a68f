"""Read side of tickets: lists with filters, the phone-caller lookup, attachment downloads."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse

from tournevis.core.actor import Actor
from tournevis.core.domain import clean_phone
from tournevis.customers.access import visible_contacts
from tournevis.tickets import domain
from tournevis.tickets.access import visible_tickets
from tournevis.tickets.models import Attachment, Ticket


def list_tickets(
    actor: Actor,
    *,
    status: str | None = None,
    open: bool | None = None,
    queue: str | None = None,
    priority: str | None = None,
    assignee_id: int | None = None,
    customer_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Ticket]:
    rows = visible_tickets(actor).filter(merged_into__isnull=True)
    if status:
        rows = rows.filter(status=status)
    if open is not None:
        rows = (
            rows.filter(status__in=domain.OPEN_STATUSES)
            if open
            else rows.exclude(status__in=domain.OPEN_STATUSES)
        )
    if queue:
        rows = rows.filter(queue__code=queue)
    if priority:
        rows = rows.filter(priority=priority)
    if assignee_id is not None:
        rows = rows.filter(assignee_id=assignee_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if q:
        text = q.strip()
        rows = rows.filter(
            Q(number__iexact=text) | Q(title__icontains=text) | Q(requester_email__iexact=text)
        )
    return rows.order_by("priority", "created_at", "id")


def caller(actor: Actor, phone: str) -> dict[str, Any]:
    """The contacts behind a calling number and their customers' open tickets (for a phone agent)."""
    number = clean_phone(phone, None, field="phone")
    contacts = list(
        visible_contacts(actor)
        .filter(phone=number)
        .select_related("customer", "site")
        .order_by("customer_id", "id")
    )
    customer_ids = {c.customer_id for c in contacts}
    open_tickets = list(
        visible_tickets(actor)
        .filter(Q(customer_id__in=customer_ids) | Q(requester_phone=number), status__in=domain.OPEN_STATUSES)
        .order_by("-created_at", "-id")[:20]
    )
    return {
        "phone": number,
        "contacts": [
            {
                "id": c.pk,
                "name": c.name,
                "customer_id": c.customer_id,
                "customer": c.customer.name,
                "site_id": c.site_id,
                "language": c.language,
            }
            for c in contacts
        ],
        "open_tickets": open_tickets,
    }


def download_response(item: Attachment) -> HttpResponse:
    """The file as a download: never rendered inline by the browser, never sniffed."""
    response = HttpResponse(bytes(item.content), content_type=item.content_type or "application/octet-stream")
    safe = item.filename.replace('"', "").replace("\r", "").replace("\n", "")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
