"""Admin of work orders: read-mostly. Statuses move through the services (the state machine, the visit
log, SLA clocks and customer notices), so they are read-only here; visits, required skills, the status
log and the numbering are bookkeeping shown read-only. What technicians record on visits (records,
photos, signatures, reports) is read-only too, without its binary content; checklist templates are
checked item by item by ``checklists`` and edited through the API (``/api/v1/checklists``)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.workorders.models import (
    ChecklistItem,
    ChecklistResult,
    ChecklistTemplate,
    Expense,
    NumberSequence,
    PartUsed,
    ServiceReport,
    Signature,
    StatusChange,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
    WorkOrder,
    WorkOrderSkill,
)


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


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("position", "label_en", "label_fr", "kind", "required", "minimum", "maximum", "unit", "choices")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "category", "kind", "active", "version")
    list_filter = ("active", "kind")
    search_fields = ("code", "name_en", "name_fr")
    inlines = [ChecklistItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ("template", "position", "label_en", "kind", "required", "minimum", "maximum", "unit")
    list_filter = ("kind", "required")


@admin.register(ChecklistResult)
class ChecklistResultAdmin(ReadOnlyAdmin):
    list_display = ("visit", "item", "value", "passed", "recorded_at", "recorded_by_label", "version")
    raw_id_fields = ("visit", "item", "photo")


@admin.register(VisitPhoto)
class VisitPhotoAdmin(ReadOnlyAdmin):
    list_display = ("client_id", "visit", "purpose", "caption", "width", "height", "size", "taken_at")
    list_filter = ("purpose",)
    exclude = ("content",)
    raw_id_fields = ("visit", "uploaded_by")


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ("visit", "technician", "kind", "started_at", "ended_at", "minutes")
    list_filter = ("kind",)
    raw_id_fields = ("visit", "technician")


@admin.register(Expense)
class ExpenseAdmin(ReadOnlyAdmin):
    list_display = ("visit", "technician", "kind", "amount_minor", "currency", "distance_km", "spent_on")
    list_filter = ("kind",)
    raw_id_fields = ("visit", "technician", "receipt")


@admin.register(PartUsed)
class PartUsedAdmin(ReadOnlyAdmin):
    list_display = ("visit", "part", "quantity", "location", "recorded_at", "removed_at", "consumed_at")
    raw_id_fields = ("visit", "part", "location")


@admin.register(VisitNote)
class VisitNoteAdmin(ReadOnlyAdmin):
    list_display = ("visit", "author_label", "written_at", "__str__")
    raw_id_fields = ("visit", "author_user")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("visit", "signer_name", "signed_at", "report_sha256")
    exclude = ("image",)
    raw_id_fields = ("visit",)


@admin.register(ServiceReport)
class ServiceReportAdmin(ReadOnlyAdmin):
    list_display = ("visit", "language", "size", "generated_at", "email_id")
    exclude = ("pdf",)
    raw_id_fields = ("visit",)
