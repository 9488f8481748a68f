"""Devices, their readings, alert rules and the episodes that opened tickets."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tournevis.telemetry.domain import Kind, Operator, Priority


class Device(models.Model):
    """A sensor or controller reporting on ``tournevis/<device_id>/telemetry``, bound to one object."""

    device_id = models.SlugField(_("device id"), max_length=64, unique=True)
    service_object = models.ForeignKey(
        "installed_base.ServiceObject",
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("service object"),
    )
    active = models.BooleanField(_("active"), default=True)
    last_seq = models.BigIntegerField(_("last sequence number"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["device_id"]

    def __str__(self) -> str:
        return self.device_id


class Reading(models.Model):
    """One telemetry message: device time, values ``{metric: number}``, optional error code.
    Deduplicated on (device, seq): a redelivered or repeated message is stored once."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings")
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    values = models.JSONField(default=dict)
    error_code = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [models.UniqueConstraint(fields=["device", "seq"], name="telemetry_reading_once")]
        indexes = [models.Index(fields=["device", "at"], name="telemetry_reading_at")]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.seq}"


class AlertRule(models.Model):
    """A condition on readings of every object of an equipment model, or of one object."""

    equipment_model = models.ForeignKey(
        "installed_base.EquipmentModel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("equipment model"),
    )
    service_object = models.ForeignKey(
        "installed_base.ServiceObject",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("service object"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=[(k.value, k.value) for k in Kind])
    metric = models.CharField(_("metric"), max_length=64, blank=True)
    operator = models.CharField(
        _("operator"), max_length=2, choices=[(o.value, o.value) for o in Operator], default=Operator.GT
    )
    value = models.FloatField(_("value"), default=0)
    clear_value = models.FloatField(_("clear value"), null=True, blank=True)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=0)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    priority = models.CharField(
        _("priority"), max_length=2, choices=[(p.value, p.value) for p in Priority], default=Priority.P3
    )
    title = models.CharField(_("title"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(equipment_model__isnull=False) & Q(service_object__isnull=True))
                | (Q(equipment_model__isnull=True) & Q(service_object__isnull=False)),
                name="telemetry_rule_model_xor_object",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Episode(models.Model):
    """One continuous breach of a rule on a device: one ticket; closed when the condition clears."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="episodes")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="episodes")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, on_delete=models.SET_NULL, related_name="+")
    peak_value = models.FloatField(null=True, blank=True)
    readings = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("alert episode")
        verbose_name_plural = _("alert episodes")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "device"],
                condition=Q(closed_at__isnull=True),
                name="telemetry_one_open_episode",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.device_id} {self.opened_at:%Y-%m-%d %H:%M}"
