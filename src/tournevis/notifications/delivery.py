"""Deliver the outbox: claim a row with a lease, send it, record the outcome and one delivery-log row.

Protocol per row (docs/contexts/notifications.md, "Exactly once"):

1. **Claim** — one conditional UPDATE, committed before anything is sent: ``attempts + 1``,
   ``claimed_by = <this worker>``, ``claimed_until = now + lease``, only if the row is still pending,
   due, not under a live lease and its ``attempts`` is the value just read. Exactly one worker wins
   (PostgreSQL re-checks the WHERE clause after a concurrent UPDATE commits; SQLite serialises writers).
   Taking over an expired lease first logs the previous attempt as ``interrupted``.
2. **Send** — outside any transaction, carrying the row's stable key: the e-mail's ``Message-ID``, the
   SMS backend's ``idempotency_key``, the webhook's ``Idempotency-Key`` header.
3. **Record** — one transaction: the row's new state (only if this worker still holds the claim) and the
   ``DeliveryAttempt`` row.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q

from tournevis.core import clock
from tournevis.notifications import domain, sms, webhooks
from tournevis.notifications.domain import Kind, Outcome, backoff
from tournevis.notifications.models import (
    DeliveryAttempt,
    OutboundEmail,
    OutboundEmailAttachment,
    OutboundSms,
    OutboundWebhook,
    OutboxRow,
)

__all__ = ["MODELS", "backoff", "claim_row", "deliver", "deliver_outbox", "deliver_pending", "lease"]

logger = logging.getLogger(__name__)

MODELS: dict[Kind, type[OutboxRow]] = {
    Kind.EMAIL: OutboundEmail,
    Kind.SMS: OutboundSms,
    Kind.WEBHOOK: OutboundWebhook,
}
COUNTERS = {Kind.EMAIL: "emails_sent", Kind.SMS: "sms_sent", Kind.WEBHOOK: "webhooks_sent"}


def lease() -> timedelta:
    """How long a claim holds (``NOTIFICATIONS_LEASE_SECONDS``, default 300 s). It must exceed the longest
    send: SMTP (``EMAIL_TIMEOUT`` per command), the SMS provider, ``NOTIFICATIONS_WEBHOOK_TIMEOUT``."""
    return timedelta(seconds=float(getattr(settings, "NOTIFICATIONS_LEASE_SECONDS", 300)))


def worker_token() -> str:
    """Who holds a claim: host, process and a random part (unique per ``deliver_*`` run)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class Result:
    outcome: Outcome
    error: str = ""
    updates: dict[str, Any] = field(default_factory=dict)


def _recipient(kind: Kind, row: Any) -> str:
    return str(row.url if kind == Kind.WEBHOOK else row.to)


def _log(kind: Kind, row: OutboxRow, attempt: int, outcome: Outcome, error: str, at: datetime) -> None:
    DeliveryAttempt.objects.create(
        kind=kind,
        outbox_id=row.pk,
        attempt=attempt,
        at=at,
        outcome=outcome,
        error=domain.truncate(error, domain.ERROR_MAX),
        purpose=row.purpose,
        subject_ref=row.subject_ref,
        recipient=_recipient(kind, row)[:2000],
    )


def _live(now: datetime) -> Q:
    """Not under a live lease."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def claim_row(kind: Kind, pk: int, token: str, now: datetime | None = None) -> OutboxRow | None:
    """Claim the row for ``token`` (step 1); None when it is not due, done, or another worker has it."""
    model = MODELS[kind]
    now = now or clock.now()
    row = model._default_manager.filter(
        _live(now), pk=pk, status=OutboxRow.Status.PENDING, next_attempt_at__lte=now
    ).first()
    if row is None:
        return None
    until = now + lease()
    exhausted = row.claimed_until is not None and row.attempts >= domain.MAX_ATTEMPTS
    with transaction.atomic():
        # An interrupted row that used its last attempt (a message that kills its worker) gives up.
        updates: dict[str, Any] = (
            {"status": OutboxRow.Status.FAILED, "claimed_by": "", "claimed_until": None}
            if exhausted
            else {"attempts": row.attempts + 1, "claimed_by": token, "claimed_until": until}
        )
        won = model._default_manager.filter(
            _live(now), pk=pk, status=OutboxRow.Status.PENDING, attempts=row.attempts
        ).update(**updates)
        if not won:
            return None
        if row.claimed_until is not None:  # the previous holder's lease ran out without a report
            error = (
                f"worker {row.claimed_by} did not report before its lease ended at"
                f" {row.claimed_until.isoformat()} (killed?); the message may have left"
            )
            if exhausted:
                error += f"; no attempt left after {row.attempts}"
                model._default_manager.filter(pk=pk).update(last_error=error)
            else:
                error += ": it is sent again with the same key"
            _log(kind, row, row.attempts, Outcome.INTERRUPTED, error, now)
    if exhausted:
        return None
    row.attempts += 1
    row.claimed_by, row.claimed_until = token, until
    return row


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _send_email(row: OutboundEmail, connection: Any) -> Result:
    headers = {**row.headers, "Message-ID": row.message_id}
    if row.language:
        headers["Content-Language"] = row.language
    try:
        message = EmailMessage(
            row.subject,
            row.body,
            settings.DEFAULT_FROM_EMAIL,
            [row.to],
            headers=headers,
            connection=connection,
        )
        for attachment in OutboundEmailAttachment.objects.filter(email_id=row.pk).order_by("position", "id"):
            message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        return Result(Outcome.REFUSED, _error(exc))
    except smtplib.SMTPDataError as exc:
        return Result(Outcome.REFUSED if exc.smtp_code >= 500 else Outcome.FAILED, _error(exc))
    except (BadHeaderError, UnicodeError) as exc:  # the message itself can never be sent
        return Result(Outcome.REFUSED, _error(exc))
    except Exception as exc:  # any transport error: keep the message and retry later
        return Result(Outcome.FAILED, _error(exc))
    return Result(Outcome.SENT)


def _send_sms(row: OutboundSms, backend: sms.SmsBackend) -> Result:
    try:
        provider_id = backend.send(row.to, row.text, idempotency_key=row.idempotency_key)
    except sms.SmsRefused as exc:
        return Result(Outcome.REFUSED, _error(exc))
    except Exception as exc:
        return Result(Outcome.FAILED, _error(exc))
    return Result(Outcome.SENT, updates={"provider_id": str(provider_id)[:200]})


def _send_webhook(row: OutboundWebhook) -> Result:
    try:
        response = webhooks.call(row.method, row.url, row.body, row.headers, row.idempotency_key)
    except Exception as exc:  # refused connection, timeout, TLS, protocol error
        return Result(Outcome.FAILED, _error(exc))
    outcome = domain.http_outcome(response.status)
    updates = {
        "response_status": response.status,
        "response_body": domain.truncate(response.body, domain.RESPONSE_BODY_MAX),
    }
    if outcome == Outcome.SENT:
        return Result(outcome, updates=updates)
    if 300 <= response.status < 400:
        error = f"HTTP {response.status}: redirect to {response.location or '(no Location)'} not followed"
    else:
        error = f"HTTP {response.status}: {domain.truncate(response.body, 500)}"
    return Result(outcome, error, updates)


def _record(kind: Kind, row: OutboxRow, token: str, result: Result) -> bool:
    """Step 3. True when the row is now sent by this worker."""
    now = clock.now()
    updates: dict[str, Any] = {
        "claimed_by": "",
        "claimed_until": None,
        "last_error": result.error,
        **result.updates,
    }
    if result.outcome == Outcome.SENT:
        updates.update(status=OutboxRow.Status.SENT, sent_at=now, last_error="")
    elif result.outcome == Outcome.REFUSED or row.attempts >= domain.MAX_ATTEMPTS:
        updates["status"] = OutboxRow.Status.FAILED
    else:
        updates["next_attempt_at"] = now + backoff(row.attempts)
    error = result.error
    with transaction.atomic():
        owned = MODELS[kind]._default_manager.filter(pk=row.pk, claimed_by=token).update(**updates)
        if not owned:
            error = (
                error + " " if error else ""
            ) + "(reported after the lease ended; another worker took the row)"
            logger.warning(
                "outbox %s #%s: lease lost before the outcome %s was recorded", kind, row.pk, result.outcome
            )
        _log(kind, row, row.attempts, result.outcome, error, now)
    if result.outcome != Outcome.SENT:
        logger.warning("outbox %s #%s attempt %s %s: %s", kind, row.pk, row.attempts, result.outcome, error)
    return bool(owned) and result.outcome == Outcome.SENT


def _due(model: type[OutboxRow], now: datetime, limit: int) -> list[int]:
    return list(
        model._default_manager.filter(_live(now), status=OutboxRow.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliver(kind: Kind, limit: int = 50) -> int:
    """Deliver up to ``limit`` due rows of one kind; returns how many this call sent."""
    due = _due(MODELS[kind], clock.now(), limit)
    if not due:
        return 0
    token = worker_token()
    transport: Any = None
    if kind == Kind.EMAIL:
        transport = get_connection(fail_silently=False)
    elif kind == Kind.SMS:
        transport = sms.get_backend()
    sent = 0
    for pk in due:
        row: Any = claim_row(kind, pk, token)
        if row is None:
            continue
        if kind == Kind.EMAIL:
            result = _send_email(row, transport)
        elif kind == Kind.SMS:
            result = _send_sms(row, transport)
        else:
            result = _send_webhook(row)
        sent += _record(kind, row, token, result)
    return sent


def deliver_outbox(limit: int = 50) -> dict[str, int]:
    """The worker's "outbox" step: e-mail, SMS, then webhooks; how many of each this call sent."""
    return {COUNTERS[kind]: deliver(kind, limit) for kind in Kind}


def deliver_pending(limit: int = 50) -> int:
    """E-mail only (kept for existing callers); returns how many were sent."""
    return deliver(Kind.EMAIL, limit)
