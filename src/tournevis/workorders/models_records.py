"""What a technician records on a visit: checklist results (against checklist templates), time entries,
expenses, parts used, photos, notes, the customer's signature, and the service report built from them.

Rows a device creates offline carry the device's ``client_id`` (a UUID, unique): a retried creation
finds the row it made the first time instead of making a twin. Rows edited in place (checklist
results) carry a ``version`` checked with ``If-Match``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tournevis.workorders.domain import Kind
from tournevis.workorders.domain_records import ExpenseKind, ItemKind, PhotoPurpose, TimeKind


def _choices(
    enum: type[Kind] | type[ItemKind] | type[TimeKind] | type[ExpenseKind] | type[PhotoPurpose],
) -> list[tuple[str, str]]:
    return [(item.value, item.value.replace("_", " ")) for item in enum]


class ChecklistTemplate(models.Model):
    """A checklist for the visits on equipment of one category (none: any equipment) and one work kind
    (blank: any kind). A visit gets every active template that matches its work order."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    category = models.ForeignKey(
        "installed_base.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("equipment category"),
    )
    kind = models.CharField(_("work kind"), max_length=16, choices=_choices(Kind), blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ChecklistItem(models.Model):
    """One line of a checklist: a check (yes/no), a number (with an acceptable range and a unit), a text,
    a choice among ``choices`` (``[{"value": "ok", "en": "OK", "fr": "OK"}, …]``) or a photo.
    ``required``: the visit cannot be completed without an answer."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label_en = models.CharField(_("label (English)"), max_length=300)
    label_fr = models.CharField(_("label (French)"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=_choices(ItemKind))
    required = models.BooleanField(_("required"), default=False)
    minimum = models.DecimalField(_("minimum"), max_digits=14, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="workorders_item_position_once"),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(maximum__gte=F("minimum")),
                name="workorders_item_range_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}.{self.position}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (of the equipment, a checklist item or an expense receipt), re-encoded as
    JPEG without EXIF on arrival (``photos.clean_photo``)."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="photos", verbose_name=_("visit")
    )
    client_id = models.UUIDField(unique=True)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=_choices(PhotoPurpose), default=PhotoPurpose.VISIT.value
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    content = models.BinaryField()
    content_type = models.CharField(max_length=40, default="image/jpeg")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    received_sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(_("taken at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "taken_at", "id"]

    def __str__(self) -> str:
        return str(self.client_id)


class ChecklistResult(models.Model):
    """The answer to one checklist item on one visit. ``value``: true/false, a number as a decimal string,
    a text, a choice's value, or the photo's client id. ``passed``: a check answered yes, a number within
    the item's range (a number outside it is recorded as a finding, not refused)."""

    visit = models.ForeignKey(
        "workorders.Visit",
        on_delete=models.CASCADE,
        related_name="checklist_results",
        verbose_name=_("visit"),
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    value = models.JSONField(_("value"))
    photo = models.ForeignKey(VisitPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by_label = models.CharField(_("by"), max_length=200)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["visit", "item__template", "item__position"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="workorders_result_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.item_id}"


class TimeEntry(models.Model):
    """Time a technician spent on a visit: work on site or travel, from ``started_at`` to ``ended_at``."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="time_entries", verbose_name=_("visit")
    )
    client_id = models.UUIDField(unique=True)
    technician = models.ForeignKey(
        "workforce.Technician", on_delete=models.PROTECT, related_name="+", verbose_name=_("technician")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=_choices(TimeKind))
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"))
    minutes = models.PositiveIntegerField(_("minutes"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["visit", "started_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gt=F("started_at")), name="workorders_time_order")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.minutes} min"


class Expense(models.Model):
    """An expense of a technician on a visit: distance driven (``distance_km``), tolls, a meal, parking…,
    in integer minor units of ``currency``, with the receipt's photo."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="expenses", verbose_name=_("visit")
    )
    client_id = models.UUIDField(unique=True)
    technician = models.ForeignKey(
        "workforce.Technician", on_delete=models.PROTECT, related_name="+", verbose_name=_("technician")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=_choices(ExpenseKind))
    amount_minor = models.BigIntegerField(_("amount (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    distance_km = models.DecimalField(
        _("distance (km)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    receipt = models.ForeignKey(
        VisitPhoto,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("receipt"),
    )
    spent_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["visit", "spent_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="workorders_expense_amount")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} {self.currency}"


class PartUsed(models.Model):
    """A spare part fitted on a visit, from the technician's van (``location``) or another stock. The
    stock is decremented when the visit is completed (``consumed_at``), not when the line is recorded:
    a line recorded offline and removed before completion moves nothing."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="parts_used", verbose_name=_("visit")
    )
    client_id = models.UUIDField(unique=True)
    part = models.ForeignKey("stock.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    serials = models.JSONField(_("serial numbers"), default=list, blank=True)
    location = models.ForeignKey(
        "stock.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from"),
    )
    scanned_code = models.CharField(_("scanned code"), max_length=200, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by_label = models.CharField(_("by"), max_length=200)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["visit", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="workorders_part_used_quantity")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.part_id}"


class VisitNote(models.Model):
    """A note written on a visit (appended, never edited: two devices' notes both stay)."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="notes", verbose_name=_("visit")
    )
    client_id = models.UUIDField(unique=True)
    text = models.TextField(_("text"))
    author_label = models.CharField(_("by"), max_length=200)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("visit note")
        verbose_name_plural = _("visit notes")
        ordering = ["visit", "written_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Signature(models.Model):
    """The customer's signature of the visit's report: the signer's name, the drawn image (PNG) and the
    SHA-256 of the report content it was given for (``domain_records.report_lines``). When the report
    changes afterwards, ``report_sha256`` no longer matches and the report says so."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="signatures", verbose_name=_("visit")
    )
    client_id = models.UUIDField(unique=True)
    signer_name = models.CharField(_("signed by"), max_length=200)
    image = models.BinaryField()
    report_sha256 = models.CharField(_("report hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["visit", "signed_at", "id"]

    def __str__(self) -> str:
        return self.signer_name


class ServiceReport(models.Model):
    """The PDF service report of a completed visit, in the customer's language, mailed to the site
    contact (``email_id``: the outbox row) and linked from the service object's history."""

    visit = models.OneToOneField(
        "workorders.Visit", on_delete=models.CASCADE, related_name="report", verbose_name=_("visit")
    )
    language = models.CharField(_("language"), max_length=8)
    pdf = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    report_sha256 = models.CharField(_("report hash"), max_length=64)
    email_id = models.BigIntegerField(null=True, blank=True)
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["-generated_at", "id"]

    def __str__(self) -> str:
        return f"report {self.visit_id}"
