"""Queue and deliver e-mail through the outbox."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.notifications.models import OutboundEmail

MAX_ATTEMPTS = 8


def queue_email(actor: Actor, *, to: str, subject: str, body: str, purpose: str) -> OutboundEmail:
    """Write an e-mail to the outbox, in the caller's transaction (or a new one)."""
    with transaction.atomic():
        now = clock.now()
        message = OutboundEmail.objects.create(
            to=to, subject=subject[:300], body=body, purpose=purpose, created_at=now, next_attempt_at=now
        )
        audit.record(
            actor, "email.queue", message, after={"to": to, "subject": message.subject, "purpose": purpose}
        )
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most 4 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def deliver_pending(limit: int = 50) -> int:
    """Send due e-mails one by one; a failure is retried later. Returns how many were sent."""
    sent = 0
    connection = get_connection(fail_silently=False)
    due = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        with transaction.atomic():
            message = OutboundEmail.objects.select_for_update().filter(pk=pk, status="pending").first()
            if message is None:
                continue
            message.attempts += 1
            try:
                EmailMessage(
                    message.subject,
                    message.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [message.to],
                    connection=connection,
                ).send()
            except Exception as exc:  # any transport error: keep the message and retry later
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboundEmail.Status.FAILED
                message.next_attempt_at = clock.now() + backoff(message.attempts)
            else:
                message.status = OutboundEmail.Status.SENT
                message.sent_at = clock.now()
                message.last_error = ""
                sent += 1
            message.save()
    return sent
