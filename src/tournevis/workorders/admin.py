from django.contrib import admin

from tournevis.core.admin_audit import AuditedModelAdmin
from tournevis.workorders.models import WorkOrder


@admin.register(WorkOrder)
class WorkOrderAdmin(AuditedModelAdmin):
    list_display = ("number", "kind", "status", "customer", "due_date", "window_start", "window_end")
    list_filter = ("kind", "status")
    search_fields = ("number",)
    raw_id_fields = ("customer", "site", "service_object", "contract", "source_plan")
    readonly_fields = ("version", "created_at", "updated_at")
