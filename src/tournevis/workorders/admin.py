"""Admin of work orders: read-mostly. Statuses move through the services (the state machine, the visit
log, SLA clocks and customer notices), so they are read-only here; visits, required skills, the status
log and the numbering are bookkeeping shown read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.workorders.models import NumberSequence, StatusChange, Visit, WorkOrder, WorkOrderSkill


class VisitInline(admin.TabularInline):
    model = Visit
    fields = ("number", "status", "technician", "planned_start", "planned_end", "pinned", "fixed", "outcome")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(AuditedModelAdmin):
    list_display = (
        "number",
        "kind",
        "status",
        "priority",
        "customer",
        "title",
        "onsite_deadline",
        "due_date",
    )
    list_filter = ("kind", "status", "priority")
    search_fields = ("number", "title")
    raw_id_fields = ("customer", "site", "service_object", "contract", "source_plan", "ticket", "contact")
    readonly_fields = ("number", "status", "version", "created_at", "updated_at")
    inlines = [VisitInline]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("work_order", "number", "status", "technician", "planned_start", "planned_end", "pinned")
    list_filter = ("status",)
    raw_id_fields = ("work_order", "technician")


@admin.register(WorkOrderSkill)
class WorkOrderSkillAdmin(ReadOnlyAdmin):
    list_display = ("work_order", "skill", "level")


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("work_order", "visit", "old", "new", "at", "actor_label")
    list_filter = ("new",)


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("year", "last")
