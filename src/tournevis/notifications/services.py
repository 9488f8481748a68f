"""Queue e-mail, SMS and webhooks in the outbox, in the caller's transaction.

Delivery is in ``delivery.py`` (``deliver_outbox``, run by ``tournevis worker``); ``deliver_pending``
and ``backoff`` are re-exported here for the callers that already use them.
"""

from __future__ import annotations

import json
import secrets
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput, gettext_noop
from tournevis.notifications import domain
from tournevis.notifications.delivery import backoff, deliver_outbox, deliver_pending
from tournevis.notifications.models import (
    OutboundEmail,
    OutboundEmailAttachment,
    OutboundSms,
    OutboundWebhook,
)

__all__ = [
    "backoff",
    "deliver_outbox",
    "deliver_pending",
    "mark_webhook_handled",
    "queue_email",
    "queue_sms",
    "queue_webhook",
]


def message_id_domain() -> str:
    """``settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN``, else the domain of ``DEFAULT_FROM_EMAIL``."""
    configured = getattr(settings, "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "")
    if configured:
        return str(configured)
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "tournevis.localhost"


def _token() -> str:
    return secrets.token_hex(8)


def _subject_ref(value: str) -> str:
    if len(value) > 120:
        raise InvalidInput(gettext_noop("At most %(max)s characters."), field="subject_ref", max=120)
    return value


def queue_email(
    actor: Actor,
    *,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    language: str = "",
    headers: dict[str, str] | None = None,
    subject_ref: str = "",
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> OutboundEmail:
    """Write an e-mail to the outbox, in the caller's transaction (or a new one).

    ``attachments``: ``[(filename, content_type, bytes), …]`` (``domain.clean_attachments``), stored
    with the row and sent with every attempt.

    ``headers`` adds e.g. In-Reply-To, References, Auto-Submitted, Reply-To (the outbox sets From, To,
    Subject, Date and Message-ID itself). ``language`` is sent as Content-Language. The returned row's
    ``message_id`` is the Message-ID every attempt carries: store it to thread later replies."""
    if not to or "\r" in to or "\n" in to or len(to) > 254:
        raise InvalidInput(gettext_noop("An e-mail address is required."), field="to")
    cleaned = domain.clean_headers(headers, domain.EMAIL_RESERVED_HEADERS)
    files = domain.clean_attachments(attachments)
    with transaction.atomic():
        now = clock.now()
        message = OutboundEmail.objects.create(
            to=to,
            subject=" ".join(subject.splitlines())[:300],
            body=body,
            purpose=purpose[:60],
            language=language[:10],
            headers=cleaned,
            subject_ref=_subject_ref(subject_ref),
            message_id=f"<pending.{_token()}>",
            created_at=now,
            next_attempt_at=now,
        )
        message.message_id = f"<outbox-{message.pk}.{_token()}@{message_id_domain()}>"
        message.save(update_fields=["message_id"])
        for position, (filename, content_type, content) in enumerate(files):
            OutboundEmailAttachment.objects.create(
                email=message,
                position=position,
                filename=filename,
                content_type=content_type,
                content=content,
                size=len(content),
            )
        after: dict[str, Any] = {
            "to": to,
            "subject": message.subject,
            "purpose": message.purpose,
            "subject_ref": subject_ref,
            "message_id": message.message_id,
        }
        if files:
            after["attachments"] = [[name, kind, len(content)] for name, kind, content in files]
        audit.record(actor, "email.queue", message, after=after)
    return message


def queue_sms(actor: Actor, *, to: str, text: str, purpose: str, subject_ref: str = "") -> OutboundSms:
    """Write a text message to ``to`` (E.164, e.g. +33612345678) to the outbox."""
    number = domain.clean_e164(to, field="to")
    text = (text or "").strip()
    if not text:
        raise InvalidInput(gettext_noop("This field is required."), field="text")
    if len(text) > domain.SMS_MAX_LENGTH:
        raise InvalidInput(
            gettext_noop("At most %(max)s characters."), field="text", max=domain.SMS_MAX_LENGTH
        )
    with transaction.atomic():
        now = clock.now()
        sms = OutboundSms.objects.create(
            to=number,
            text=text,
            purpose=purpose[:60],
            subject_ref=_subject_ref(subject_ref),
            idempotency_key=f"pending-{_token()}",
            created_at=now,
            next_attempt_at=now,
        )
        sms.idempotency_key = f"outbox-sms-{sms.pk}-{_token()}"
        sms.save(update_fields=["idempotency_key"])
        audit.record(
            actor, "sms.queue", sms, after={"to": number, "purpose": sms.purpose, "subject_ref": subject_ref}
        )
    return sms


def queue_webhook(
    actor: Actor,
    *,
    url: str,
    body: Any,
    purpose: str,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    subject_ref: str = "",
) -> OutboundWebhook:
    """Write an HTTP call (JSON ``body``) to the outbox. Each attempt carries ``Idempotency-Key`` (the
    row's ``idempotency_key``). Read the answer later with ``queries.delivered_webhooks(purpose)``."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput(gettext_noop("Enter an http or https URL."), field="url")
    if method not in OutboundWebhook.Method.values:
        raise InvalidInput(
            gettext_noop("Method must be one of %(choices)s."),
            field="method",
            choices=", ".join(OutboundWebhook.Method.values),
        )
    cleaned = domain.clean_headers(headers, domain.WEBHOOK_RESERVED_HEADERS)
    try:
        json.dumps(body, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput(gettext_noop("The body must be JSON-serialisable."), field="body") from None
    with transaction.atomic():
        now = clock.now()
        hook = OutboundWebhook.objects.create(
            url=url,
            method=method,
            body=body,
            headers=cleaned,
            purpose=purpose[:60],
            subject_ref=_subject_ref(subject_ref),
            idempotency_key=f"pending-{_token()}",
            created_at=now,
            next_attempt_at=now,
        )
        hook.idempotency_key = f"outbox-webhook-{hook.pk}-{_token()}"
        hook.save(update_fields=["idempotency_key"])
        audit.record(
            actor,
            "webhook.queue",
            hook,
            after={"url": url, "method": method, "purpose": hook.purpose, "subject_ref": subject_ref},
        )
    return hook


def mark_webhook_handled(webhook_id: int) -> bool:
    """Mark a delivered webhook as handled by the caller; True only for the call that marked it.

    Call it inside the transaction that stores the reaction (e.g. the bug link on a ticket): the marker
    and the reaction commit together, and a second caller racing for the same row gets False."""
    return bool(
        OutboundWebhook.objects.filter(
            pk=webhook_id, status=OutboundWebhook.Status.SENT, handled_at__isnull=True
        ).update(handled_at=clock.now())
    )
