from django.contrib import admin
from django.http import HttpRequest

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.installed_base.models import Attribute, Category, EquipmentModel, HistoryEntry, ServiceObject


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name_en", "name_fr")


@admin.register(EquipmentModel)
class EquipmentModelAdmin(AuditedModelAdmin):
    list_display = ("manufacturer", "name", "category")
    list_filter = ("category",)


@admin.register(ServiceObject)
class ServiceObjectAdmin(AuditedModelAdmin):
    """Objects are created and moved through the API or pages (the tree paths are kept there)."""

    list_display = ("name", "serial_number", "equipment_model", "site", "status")
    list_filter = ("status", "category")
    search_fields = ("serial_number", "name")
    raw_id_fields = ("site", "parent", "owner", "manager")
    readonly_fields = ("site", "parent", "path", "depth", "version", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Attribute)
class AttributeAdmin(ReadOnlyAdmin):
    list_display = ("service_object", "key", "value", "valid_from", "recorded_by")
    raw_id_fields = ("service_object",)


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ("service_object", "at", "kind", "summary", "actor_label")
    raw_id_fields = ("service_object",)
