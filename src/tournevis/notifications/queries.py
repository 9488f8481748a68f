"""Read side of the outbox: the delivery log of a subject, its outbox rows, delivered webhooks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tournevis.notifications.models import DeliveryAttempt, OutboundEmail, OutboundSms, OutboundWebhook


@dataclass(frozen=True)
class LogEntry:
    kind: str  # email, sms, webhook
    outbox_id: int
    attempt: int
    at: datetime
    outcome: str  # sent, failed, refused, interrupted
    error: str
    purpose: str
    recipient: str


@dataclass(frozen=True)
class OutboxItem:
    kind: str
    outbox_id: int
    purpose: str
    recipient: str
    status: str  # pending, sent, failed
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    key: str  # Message-ID or idempotency key


@dataclass(frozen=True)
class DeliveredWebhook:
    id: int
    purpose: str
    subject_ref: str
    url: str
    status: int
    body: str  # the receiver's response body, truncated
    sent_at: datetime
    handled_at: datetime | None

    def json(self) -> Any:
        """The response body parsed as JSON, or None when it is not (or was truncated)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def delivery_log(subject_ref: str) -> list[LogEntry]:
    """Every delivery attempt for ``subject_ref`` (e.g. ``ticket:T-2026-000042``), oldest first."""
    rows = DeliveryAttempt.objects.filter(subject_ref=subject_ref).order_by("at", "id")
    return [
        LogEntry(r.kind, r.outbox_id, r.attempt, r.at, r.outcome, r.error, r.purpose, r.recipient)
        for r in rows
    ]


def outbox_for(subject_ref: str) -> list[OutboxItem]:
    """The outbox rows queued for ``subject_ref`` (pending ones included), oldest first."""
    items = [
        OutboxItem(
            "email", m.pk, m.purpose, m.to, m.status, m.attempts, m.created_at, m.sent_at, m.message_id
        )
        for m in OutboundEmail.objects.filter(subject_ref=subject_ref)
    ]
    items += [
        OutboxItem(
            "sms", s.pk, s.purpose, s.to, s.status, s.attempts, s.created_at, s.sent_at, s.idempotency_key
        )
        for s in OutboundSms.objects.filter(subject_ref=subject_ref)
    ]
    items += [
        OutboxItem(
            "webhook",
            w.pk,
            w.purpose,
            w.url,
            w.status,
            w.attempts,
            w.created_at,
            w.sent_at,
            w.idempotency_key,
        )
        for w in OutboundWebhook.objects.filter(subject_ref=subject_ref)
    ]
    return sorted(items, key=lambda i: (i.created_at, i.kind, i.outbox_id))


def delivered_webhooks(
    purpose: str, *, since_id: int = 0, unhandled: bool = False, limit: int = 100
) -> list[DeliveredWebhook]:
    """Webhooks of ``purpose`` the receiver accepted (2xx), by id, after ``since_id``; with
    ``unhandled=True`` only those no caller marked with ``services.mark_webhook_handled``."""
    rows = OutboundWebhook.objects.filter(
        purpose=purpose, status=OutboundWebhook.Status.SENT, pk__gt=since_id
    )
    if unhandled:
        rows = rows.filter(handled_at__isnull=True)
    return [
        DeliveredWebhook(
            w.pk,
            w.purpose,
            w.subject_ref,
            w.url,
            w.response_status or 0,
            w.response_body,
            w.sent_at,
            w.handled_at,
        )
        for w in rows.order_by("id")[:limit]
        if w.sent_at is not None
    ]
