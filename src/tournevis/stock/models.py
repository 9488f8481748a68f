"""Parts, locations, lanes, stock levels, serial numbers, movements, transfers, reservations, loaners
and loans. Quantities are ``Decimal(12, 3)``; a counted part (unit ``unit``) only ever holds whole
numbers (the services check it). Stock levels never go negative nor reserve more than is on hand:
database constraints hold it even if a service were wrong."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from tournevis.stock.domain import (
    Inspection,
    LoanerStatus,
    LocationKind,
    MovementKind,
    ReservationStatus,
    SerialStatus,
    ShippingClass,
    ShippingMode,
    TransferStatus,
    Unit,
)


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(item.value, item.value.replace("_", " ")) for item in enum]


def _quantity(verbose: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=12, decimal_places=3, **kwargs)


class Part(models.Model):
    """A spare part of the catalogue. ``fits``: the equipment models it belongs to (a model's parts
    list is the reverse)."""

    reference = models.CharField(_("reference"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    manufacturer_reference = models.CharField(_("manufacturer reference"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=_choices(Unit), default=Unit.UNIT.value)
    serialised = models.BooleanField(_("serialised"), default=False)
    unit_cost_minor = models.BigIntegerField(_("unit cost (minor units)"), default=0)
    unit_price_minor = models.BigIntegerField(_("unit price (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    shipping_class = models.CharField(
        _("shipping class"),
        max_length=16,
        choices=_choices(ShippingClass),
        default=ShippingClass.STANDARD.value,
    )
    fits = models.ManyToManyField(
        "installed_base.EquipmentModel", blank=True, related_name="+", verbose_name=_("fits")
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost_minor__gte=0), name="stock_part_cost_positive"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="stock_part_price_positive"),
            models.CheckConstraint(
                condition=Q(serialised=False) | Q(unit=Unit.UNIT.value), name="stock_part_serial_counted"
            ),
        ]

    def __str__(self) -> str:
        name = self.name_fr if (get_language() or "en").startswith("fr") else self.name_en
        return f"{self.reference} {name}"


class Location(models.Model):
    """A place that holds parts. A van belongs to one technician; a consignment to one customer site;
    ``depot``: the depot that restocks a van (and receives its returns)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=_choices(LocationKind))
    region = models.CharField(_("region"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    technician = models.ForeignKey(
        "workforce.Technician",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("technician"),
    )
    site = models.ForeignKey(
        "customers.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("site"),
    )
    depot = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attached",
        verbose_name=_("home depot"),
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "region"], name="stock_location_kind_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(technician__isnull=False),
                name="stock_one_van_per_technician",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LocationKind.VAN.value) | Q(technician__isnull=False),
                name="stock_van_has_technician",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LocationKind.CONSIGNMENT.value) | Q(site__isnull=False),
                name="stock_consignment_has_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Lane(models.Model):
    """How parts travel from one region to another (or within one: origin = destination) and how long
    it takes, in hours from the order to the arrival."""

    origin_region = models.CharField(_("from region"), max_length=40)
    destination_region = models.CharField(_("to region"), max_length=40)
    mode = models.CharField(_("mode"), max_length=16, choices=_choices(ShippingMode))
    lead_hours = models.PositiveIntegerField(_("lead time (hours)"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("shipping lane")
        verbose_name_plural = _("shipping lanes")
        ordering = ["origin_region", "destination_region", "mode"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin_region", "destination_region", "mode"], name="stock_lane_unique"
            ),
            models.CheckConstraint(condition=~Q(mode=ShippingMode.NONE.value), name="stock_lane_moves"),
        ]

    def __str__(self) -> str:
        return f"{self.origin_region} → {self.destination_region} ({self.mode}, {self.lead_hours} h)"


class StockLevel(models.Model):
    """How much of a part a location holds and how much of it is promised (reserved)."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="levels")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="levels")
    on_hand = _quantity(_("on hand"), default=0)
    reserved = _quantity(_("reserved"), default=0)
    minimum = _quantity(_("minimum"), null=True, blank=True)
    maximum = _quantity(_("maximum"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["location", "part"]
        indexes = [models.Index(fields=["part", "location"], name="stock_level_part_location")]
        constraints = [
            models.UniqueConstraint(fields=["location", "part"], name="stock_level_once"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_level_on_hand_positive"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")), name="stock_level_reserved_held"
            ),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(maximum__gte=F("minimum")),
                name="stock_level_min_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.part_id}: {self.on_hand} ({self.reserved} reserved)"


class SerialUnit(models.Model):
    """One unit of a serialised part: where it is (none once consumed) and in which state."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="serial_units")
    serial = models.CharField(_("serial number"), max_length=100)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="serial_units"
    )
    status = models.CharField(_("status"), max_length=16, choices=_choices(SerialStatus))
    reservation = models.ForeignKey(
        "Reservation", null=True, blank=True, on_delete=models.SET_NULL, related_name="serial_units"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("serial number")
        verbose_name_plural = _("serial numbers")
        ordering = ["part", "serial"]
        constraints = [models.UniqueConstraint(fields=["part", "serial"], name="stock_serial_once")]

    def __str__(self) -> str:
        return f"{self.part_id}:{self.serial}"


class Transfer(models.Model):
    """Parts on their way from one location to another: planned (ordered), in transit (shipped: on
    hand at the in-transit location), received or cancelled. ``expected_arrival`` is set when it is
    ordered (lane lead time) and may be revised while in transit."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="transfers")
    quantity = _quantity(_("quantity"))
    serials = models.JSONField(_("serial numbers"), default=list, blank=True)
    source = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="outgoing")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="incoming")
    mode = models.CharField(_("mode"), max_length=16, choices=_choices(ShippingMode))
    status = models.CharField(
        _("status"), max_length=16, choices=_choices(TransferStatus), default=TransferStatus.PLANNED.value
    )
    expected_arrival = models.DateTimeField(_("expected arrival"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    demand_type = models.CharField(max_length=20, blank=True)
    demand_id = models.PositiveBigIntegerField(null=True, blank=True)
    demand_label = models.CharField(_("for"), max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["expected_arrival", "id"]
        indexes = [
            models.Index(fields=["status", "expected_arrival"], name="stock_transfer_status_eta"),
            models.Index(fields=["demand_type", "demand_id"], name="stock_transfer_demand"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("destination")), name="stock_transfer_moves"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_transfer_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Reservation(models.Model):
    """Units promised to a demand (a work order): held at ``location`` (counted in its level's
    ``reserved``); when they travel, ``transfer`` brings them to the destination, where the
    reservation then moves. ``explanation``: the sourcing decision, as shown to people."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    quantity = _quantity(_("quantity"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=_choices(ReservationStatus),
        default=ReservationStatus.ACTIVE.value,
    )
    demand_type = models.CharField(max_length=20)
    demand_id = models.PositiveBigIntegerField()
    demand_label = models.CharField(_("for"), max_length=60, blank=True)
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations"
    )
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["demand_type", "demand_id", "status"], name="stock_reservation_demand")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_reservation_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_label or self.demand_id}: {self.quantity} x {self.part_id}"


class Movement(models.Model):
    """One change of quantities, never edited: the stock journal. ``source`` and/or ``destination``
    (a receipt has no source, a consumption no destination, an adjustment one of them)."""

    kind = models.CharField(_("kind"), max_length=20, choices=_choices(MovementKind))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    quantity = _quantity(_("quantity"))
    source = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    destination = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))
    actor_label = models.CharField(_("by"), max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["part", "at"], name="stock_movement_part_at"),
            models.Index(fields=["source", "at"], name="stock_movement_source_at"),
            models.Index(fields=["destination", "at"], name="stock_movement_dest_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(source__isnull=False) | Q(destination__isnull=False),
                name="stock_movement_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} x {self.part_id}"


class Loaner(models.Model):
    """A piece of equipment the company lends to customers while theirs is repaired."""

    equipment_model = models.ForeignKey(
        "installed_base.EquipmentModel", on_delete=models.PROTECT, related_name="+", verbose_name=_("model")
    )
    serial = models.CharField(_("serial number"), max_length=100)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="loaners", verbose_name=_("home location")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=_choices(LoanerStatus), default=LoanerStatus.AVAILABLE.value
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("loaner")
        verbose_name_plural = _("loaners")
        ordering = ["equipment_model", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["equipment_model", "serial"], name="stock_loaner_serial_once")
        ]

    def __str__(self) -> str:
        return f"{self.equipment_model_id}:{self.serial}"


class Loan(models.Model):
    """One lending of a loaner to a customer (for a demand such as a work order), until it comes back
    and is inspected."""

    loaner = models.ForeignKey(Loaner, on_delete=models.PROTECT, related_name="loans")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    site = models.ForeignKey(
        "customers.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("site"),
    )
    demand_type = models.CharField(max_length=20, blank=True)
    demand_id = models.PositiveBigIntegerField(null=True, blank=True)
    demand_label = models.CharField(_("for"), max_length=60, blank=True)
    lent_at = models.DateTimeField(_("lent at"))
    due_back = models.DateField(_("due back"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    inspection = models.CharField(_("inspection"), max_length=8, choices=_choices(Inspection), blank=True)
    inspection_notes = models.TextField(_("inspection notes"), blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    lent_by_label = models.CharField(_("lent by"), max_length=200)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-lent_at", "-id"]
        indexes = [models.Index(fields=["returned_at", "due_back"], name="stock_loan_open_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["loaner"], condition=Q(returned_at__isnull=True), name="stock_one_open_loan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loaner_id} → {self.customer_id}"
