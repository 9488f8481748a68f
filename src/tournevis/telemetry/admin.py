from django.contrib import admin

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.telemetry.models import AlertRule, Device, Episode, Reading


@admin.register(Device)
class DeviceAdmin(AuditedModelAdmin):
    list_display = ("device_id", "service_object", "active", "last_seq", "last_seen_at")
    list_filter = ("active",)
    search_fields = ("device_id",)
    raw_id_fields = ("service_object",)
    readonly_fields = ("last_seq", "last_seen_at", "version", "created_at", "updated_at")


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedModelAdmin):
    list_display = (
        "title",
        "kind",
        "metric",
        "operator",
        "value",
        "priority",
        "equipment_model",
        "service_object",
        "active",
    )
    list_filter = ("kind", "priority", "active")
    search_fields = ("title", "metric")
    raw_id_fields = ("equipment_model", "service_object")
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ("device", "seq", "at", "error_code", "received_at")
    search_fields = ("device__device_id",)
    raw_id_fields = ("device",)


@admin.register(Episode)
class EpisodeAdmin(ReadOnlyAdmin):
    list_display = ("rule", "device", "opened_at", "closed_at", "ticket", "peak_value", "readings")
    list_filter = ("closed_at",)
    raw_id_fields = ("rule", "device", "ticket")
