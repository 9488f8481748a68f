from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tournevis.contracts.models import (
    Amendment,
    Calendar,
    CalendarAssignment,
    Contract,
    Coverage,
    EscalationRule,
    PreventivePlan,
    ReminderSent,
    SlaClock,
    SlaClockEvent,
    SlaEscalation,
    SlaPolicy,
    SlaTarget,
)
from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(Calendar)
class CalendarAdmin(AuditedModelAdmin):
    list_display = ("name", "timezone", "holidays_country", "always_open", "is_default")
    search_fields = ("name",)
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(CalendarAssignment)
class CalendarAssignmentAdmin(AuditedModelAdmin):
    list_display = ("calendar", "site", "customer")
    raw_id_fields = ("calendar", "site", "customer")
    readonly_fields = ("created_at", "updated_at")


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


class EscalationRuleInline(admin.TabularInline):
    """Shown, not edited: the API validates rules, versions them and re-plans the open clocks."""

    model = EscalationRule
    extra = 0
    max_num = 0
    can_delete = False
    readonly_fields = ("kind", "level", "offset_minutes", "action", "params", "version")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    inlines = (SlaTargetInline, EscalationRuleInline)
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(SlaTarget)
class SlaTargetAdmin(AuditedModelAdmin):
    list_display = ("policy", "priority", "category", "first_response_minutes", "on_site_minutes")
    list_filter = ("priority",)


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0
    raw_id_fields = ("amendment", "site", "service_object", "category")


@admin.register(Contract)
class ContractAdmin(AuditedModelAdmin):
    list_display = ("number", "customer", "type", "status", "start_date", "end_date")
    list_filter = ("type", "status", "billing_cycle")
    search_fields = ("number",)
    raw_id_fields = ("customer", "sla_policy", "calendar", "account_manager")
    inlines = (CoverageInline,)
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(Amendment)
class AmendmentAdmin(AuditedModelAdmin):
    list_display = ("contract", "sequence", "effective_date", "sla_policy", "price_minor")
    raw_id_fields = ("contract", "sla_policy")


@admin.register(Coverage)
class CoverageAdmin(AuditedModelAdmin):
    list_display = ("contract", "amendment", "op", "site", "service_object", "category")
    raw_id_fields = ("contract", "amendment", "site", "service_object", "category")


@admin.register(ReminderSent)
class ReminderSentAdmin(AuditedModelAdmin):
    list_display = ("contract", "kind", "term_end", "sent_at")
    raw_id_fields = ("contract",)


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedModelAdmin):
    """View only: rules are edited through /api/v1/sla-policies/{id}/escalation-rules (validated)."""

    list_display = ("policy", "kind", "level", "offset_minutes", "action")
    list_filter = ("kind", "action")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "kind", "priority", "state", "deadline")
    list_filter = ("kind", "state", "priority")
    search_fields = ("subject_type",)


@admin.register(SlaClockEvent)
class SlaClockEventAdmin(ReadOnlyAdmin):
    list_display = ("clock", "at", "kind", "target_minutes", "actor_label")
    list_filter = ("kind",)


@admin.register(SlaEscalation)
class SlaEscalationAdmin(ReadOnlyAdmin):
    list_display = ("clock", "level", "action", "fired_at")


@admin.register(PreventivePlan)
class PreventivePlanAdmin(AuditedModelAdmin):
    list_display = ("name", "contract", "unit", "every", "start_date", "active")
    list_filter = ("unit", "active")
    raw_id_fields = ("contract", "service_object", "category")
    readonly_fields = ("version", "created_at", "updated_at")
