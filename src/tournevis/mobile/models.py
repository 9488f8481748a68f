"""Devices of technicians, the log of operations they synced (applied at most once, answers kept for
replays) and the conflicts found while applying them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """A phone or tablet a technician signed in on. ``session_key``: the Django session it holds (deleted
    when the device is revoked or signs out). ``last_seq``: the last operation applied, in the device's
    own numbering (1, 2, …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    client_id = models.UUIDField(_("device id"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    session_key = models.CharField(max_length=64, blank=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    last_sync_at = models.DateTimeField(_("last sync at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["user", "-last_seen_at"]

    def __str__(self) -> str:
        return self.name or str(self.client_id)


class Operation(models.Model):
    """One operation a device sent, stored in the same transaction as its effect. ``key``: the client's
    UUID (``Idempotency-Key``); ``fingerprint``: SHA-256 of the operation's canonical JSON, so the same
    key with another operation is refused; ``status_code`` and ``answer``: what the first request was
    told, told again to every replay."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("applied")
        REJECTED = "rejected", _("rejected")
        CONFLICT = "conflict", _("conflict")

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="operations")
    seq = models.PositiveBigIntegerField()
    key = models.UUIDField(unique=True)
    name = models.CharField(max_length=40)
    visit_id = models.BigIntegerField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField()
    answer = models.JSONField(default=dict)
    device_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("synced operation")
        verbose_name_plural = _("synced operations")
        ordering = ["device", "seq"]
        constraints = [models.UniqueConstraint(fields=["device", "seq"], name="mobile_operation_seq_once")]
        indexes = [models.Index(fields=["received_at"], name="mobile_operation_received")]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.seq} {self.name}"


class Conflict(models.Model):
    """An operation the server could not apply as the technician meant it, kept whole (``operation``'s
    payload in ``payload``) with the server's state at the time (``current``). Shown to the technician
    until seen and to the dispatcher until resolved. A photo upload (not a sequenced operation) that
    met a conflict has no ``operation``: its payload names the photo."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="conflicts")
    operation = models.OneToOneField(
        Operation, null=True, blank=True, on_delete=models.CASCADE, related_name="conflict"
    )
    visit = models.ForeignKey(
        "workorders.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("visit"),
    )
    reason = models.CharField(_("reason"), max_length=40)
    payload = models.JSONField(default=dict)
    current = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("recorded at"))
    seen_at = models.DateTimeField(_("seen by the technician at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by_label = models.CharField(_("resolved by"), max_length=200, blank=True)
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync conflicts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="mobile_conflict_open")]

    def __str__(self) -> str:
        return f"{self.reason} ({self.operation_id})"
