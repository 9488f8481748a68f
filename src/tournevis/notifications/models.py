"""The outbox (e-mail, SMS, webhooks) and its delivery log.

Every outbox row is written in the transaction of the change that causes it and delivered later by
``delivery.deliver_outbox``. A row is *claimed* (``claimed_by`` + ``claimed_until``, a lease committed
before anything is sent) by exactly one worker; see docs/contexts/notifications.md for the guarantee.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxRow(models.Model):
    """Fields every outbox kind shares: what for, delivery state, lease and retry schedule."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    purpose = models.CharField(_("purpose"), max_length=60)
    subject_ref = models.CharField(_("subject reference"), max_length=120, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class OutboundEmail(OutboxRow):
    """One e-mail to one address. ``message_id`` (``<outbox-<id>.<random>@<domain>>``) is fixed when the
    row is queued and sent on every attempt, so a thread can reference it and a receiver can dedupe."""

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notifications_due_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class OutboundEmailAttachment(models.Model):
    """A file sent with an outbox e-mail (e.g. a service report PDF), stored with the row in the same
    transaction so that every delivery attempt sends the same bytes."""

    email = models.ForeignKey(
        OutboundEmail, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("e-mail")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    content = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("e-mail attachment")
        verbose_name_plural = _("e-mail attachments")
        ordering = ["email", "position", "id"]

    def __str__(self) -> str:
        return self.filename


class OutboundSms(OutboxRow):
    """One text message to one E.164 number, sent through the ``SMS_BACKEND`` with ``idempotency_key``."""

    to = models.CharField(_("to"), max_length=16)
    text = models.TextField(_("text"))
    idempotency_key = models.CharField(max_length=80, unique=True)
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notifications_sms_due_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:40]}"


class OutboundWebhook(OutboxRow):
    """One HTTP call with a JSON body. Redirects are never followed. The receiver's status and (truncated)
    body are kept; a higher context reads them with ``queries.delivered_webhooks`` and marks the row
    ``handled_at`` with ``services.mark_webhook_handled`` in its own transaction."""

    class Method(models.TextChoices):
        POST = "POST", "POST"
        PUT = "PUT", "PUT"
        PATCH = "PATCH", "PATCH"

    url = models.URLField(_("URL"), max_length=2000)
    method = models.CharField(_("method"), max_length=6, choices=Method.choices, default=Method.POST)
    body = models.JSONField(_("body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound webhook")
        verbose_name_plural = _("outbound webhooks")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notifications_hook_due_idx"),
            models.Index(fields=["purpose", "status", "id"], name="notifications_hook_purpose_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


class DeliveryAttempt(models.Model):
    """One row per delivery attempt of an outbox row (the delivery log a ticket page shows)."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        WEBHOOK = "webhook", _("Webhook")

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused")
        INTERRUPTED = "interrupted", _("Interrupted")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outbox_id = models.BigIntegerField(_("outbox id"))
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    error = models.TextField(_("error"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=60)
    subject_ref = models.CharField(_("subject reference"), max_length=120, blank=True)
    recipient = models.CharField(_("recipient"), max_length=2000)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_ref", "at"], name="notifications_log_subject_idx"),
            models.Index(fields=["kind", "outbox_id"], name="notifications_log_row_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.outbox_id} attempt {self.attempt}: {self.outcome}"
