"""Admin of stock. The catalogue, locations and lanes are edited here (audited), except what their
rules fix (a part's unit and serialisation, a location's kind); quantities, serial numbers,
transfers, reservations, the movement journal and the loaner pool change only through the services
(pages, API, CLI), where their rules are checked, so they are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.stock.models import (
    Lane,
    Loan,
    Loaner,
    Location,
    Movement,
    Part,
    Reservation,
    SerialUnit,
    StockLevel,
    Transfer,
)


@admin.register(Part)
class PartAdmin(AuditedModelAdmin):
    list_display = ("reference", "name_en", "name_fr", "unit", "serialised", "shipping_class", "active")
    list_filter = ("unit", "serialised", "shipping_class", "active")
    search_fields = ("reference", "name_en", "name_fr", "manufacturer_reference")
    exclude = ("version", "created_at", "updated_at")
    filter_horizontal = ("fits",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("unit", "serialised") if obj is not None else ()


@admin.register(Location)
class LocationAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "kind", "region", "technician", "depot", "active")
    list_filter = ("kind", "region", "active")
    search_fields = ("code", "name")
    exclude = ("version", "created_at", "updated_at")
    raw_id_fields = ("technician", "site", "depot")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("kind",) if obj is not None else ()


@admin.register(Lane)
class LaneAdmin(AuditedModelAdmin):
    list_display = ("origin_region", "destination_region", "mode", "lead_hours")
    list_filter = ("mode",)
    exclude = ("version",)


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("location", "part", "on_hand", "reserved", "minimum", "maximum")
    list_filter = ("location__kind",)
    search_fields = ("location__code", "part__reference")
    list_select_related = ("location", "part")


@admin.register(SerialUnit)
class SerialUnitAdmin(ReadOnlyAdmin):
    list_display = ("serial", "part", "location", "status")
    list_filter = ("status",)
    search_fields = ("serial", "part__reference")
    list_select_related = ("location", "part")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "part",
        "quantity",
        "source",
        "destination",
        "mode",
        "status",
        "expected_arrival",
    )
    list_filter = ("status", "mode")
    search_fields = ("number", "part__reference", "demand_label")
    list_select_related = ("part", "source", "destination")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("demand_label", "part", "quantity", "location", "status", "transfer")
    list_filter = ("status",)
    search_fields = ("demand_label", "part__reference")
    list_select_related = ("part", "location", "transfer")


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "kind",
        "part",
        "quantity",
        "source",
        "destination",
        "serial",
        "actor_label",
        "reference",
    )
    list_filter = ("kind",)
    search_fields = ("part__reference", "serial", "reference", "reason", "actor_label")
    date_hierarchy = "at"
    list_select_related = ("part", "source", "destination")


@admin.register(Loaner)
class LoanerAdmin(ReadOnlyAdmin):
    list_display = ("serial", "equipment_model", "location", "status")
    list_filter = ("status",)
    search_fields = ("serial",)


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("loaner", "customer", "lent_at", "due_back", "returned_at", "inspection")
    list_filter = ("inspection",)
