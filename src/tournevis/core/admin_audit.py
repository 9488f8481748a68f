"""A ModelAdmin whose saves and deletes write the audit log like every other write path."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from tournevis.core import audit, clock
from tournevis.core.actor import Actor


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    return actor if actor is not None else Actor.system("admin")


class AuditedModelAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change:
                current = type(obj).objects.filter(pk=obj.pk).first()
                before = audit.snapshot(current) if current is not None else None
                if hasattr(obj, "version"):
                    obj.version += 1
            if hasattr(obj, "updated_at"):
                obj.updated_at = clock.now()
                if not change:
                    obj.created_at = obj.updated_at
            super().save_model(request, obj, form, change)
            action = f"{obj._meta.model_name}.{'update' if change else 'create'}"
            audit.record(_actor(request), action, obj, before=before, after=audit.snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            before, pk = audit.snapshot(obj), obj.pk
            super().delete_model(request, obj)
            audit.record(
                _actor(request),
                f"{obj._meta.model_name}.delete",
                object_type=obj._meta.label_lower,
                object_id=pk,
                before=before,
            )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: rows that only their context's services write (logs, clocks, bookkeeping)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
