"""Admin of the workforce. Skills, teams and technicians' plain fields are edited here (audited);
skills with levels, weekly shifts and absence decisions go through the pages or the API, where their
rules are checked, so they are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.workforce.models import Absence, Shift, Skill, Team, Technician, TechnicianSkill


@admin.register(Skill)
class SkillAdmin(AuditedModelAdmin):
    list_display = ("code", "name_en", "name_fr")
    search_fields = ("code", "name_en", "name_fr")


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "region")
    search_fields = ("code", "name")


class TechnicianSkillInline(admin.TabularInline):
    model = TechnicianSkill
    fields = ("skill", "level")
    readonly_fields = ("skill", "level")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ShiftInline(admin.TabularInline):
    model = Shift
    fields = ("weekday", "start", "end", "break_earliest", "break_latest", "break_minutes")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Technician)
class TechnicianAdmin(AuditedModelAdmin):
    list_display = ("name", "team", "timezone", "holiday_country", "active")
    list_filter = ("active", "team")
    search_fields = ("name", "email")
    raw_id_fields = ("user",)
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = (TechnicianSkillInline, ShiftInline)


@admin.register(TechnicianSkill)
class TechnicianSkillAdmin(ReadOnlyAdmin):
    list_display = ("technician", "skill", "level")
    list_filter = ("skill",)


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ("technician", "weekday", "start", "end", "break_minutes")


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyAdmin):
    list_display = ("technician", "kind", "start", "end", "status", "decided_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("technician",)
