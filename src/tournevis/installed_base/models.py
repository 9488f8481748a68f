"""Categories, equipment models, the service-object tree, dated attributes and history."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tournevis.installed_base.domain import ObjectStatus


class Category(models.Model):
    """A kind of equipment, named in both languages."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)

    class Meta:
        verbose_name = _("equipment category")
        verbose_name_plural = _("equipment categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


class EquipmentModel(models.Model):
    """A manufacturer's model; serial numbers are unique within a model."""

    manufacturer = models.CharField(_("manufacturer"), max_length=100)
    name = models.CharField(_("model name"), max_length=100)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="models", verbose_name=_("category")
    )

    class Meta:
        verbose_name = _("equipment model")
        verbose_name_plural = _("equipment models")
        ordering = ["manufacturer", "name"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "name"], name="installed_base_model_unique")
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.name}"


class StatusChoices(models.TextChoices):
    ACTIVE = ObjectStatus.ACTIVE.value, _("Active")
    IN_REPAIR = ObjectStatus.IN_REPAIR.value, _("In repair")
    RETIRED = ObjectStatus.RETIRED.value, _("Retired")
    ON_LOAN = ObjectStatus.ON_LOAN.value, _("On loan")


class ServiceObject(models.Model):
    """A node of a site's equipment tree: an area, a machine, a module... of any depth."""

    site = models.ForeignKey(
        "customers.Site", on_delete=models.PROTECT, related_name="service_objects", verbose_name=_("site")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_objects",
        verbose_name=_("category"),
    )
    equipment_model = models.ForeignKey(
        EquipmentModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_objects",
        verbose_name=_("equipment model"),
    )
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    install_date = models.DateField(_("install date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    owner = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_objects",
        verbose_name=_("owner"),
    )
    manager = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_objects",
        verbose_name=_("manager"),
        help_text=_("The organisation that manages the equipment, e.g. a dealer, when it is not the owner."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=StatusChoices.choices, default=ObjectStatus.ACTIVE.value
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("service object")
        verbose_name_plural = _("service objects")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment_model", "serial_number"],
                condition=Q(serial_number__gt=""),
                name="installed_base_serial_unique_per_model",
            )
        ]
        indexes = [
            models.Index(fields=["serial_number"], name="installed_base_serial_idx"),
            models.Index(fields=["site", "parent"], name="installed_base_site_parent_idx"),
            models.Index(fields=["name"], name="installed_base_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial_number})" if self.serial_number else self.name


class Attribute(models.Model):
    """One effective-dated value of an object's attribute (firmware version, counter reading...)."""

    service_object = models.ForeignKey(ServiceObject, on_delete=models.CASCADE, related_name="attributes")
    key = models.CharField(_("key"), max_length=64)
    value = models.JSONField(_("value"), encoder=DjangoJSONEncoder)
    valid_from = models.DateTimeField(_("valid from"))
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")
        ordering = ["key", "valid_from", "id"]
        indexes = [
            models.Index(fields=["service_object", "key", "valid_from"], name="installed_base_attr_idx")
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value} from {self.valid_from:%Y-%m-%d %H:%M}"


class HistoryEntry(models.Model):
    """One line of an object's timeline: a change here, or a ticket / visit recorded by a higher context."""

    service_object = models.ForeignKey(ServiceObject, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    actor_label = models.CharField(max_length=200)
    ref_type = models.CharField(max_length=60, blank=True)
    ref_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["service_object", "at"], name="installed_base_history_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.summary}"
