"""Helpers for services that create and edit versioned rows (optimistic concurrency, audit)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput, PreconditionFailed, gettext_noop

M = TypeVar("M", bound=models.Model)


def require(fields: dict[str, Any], *names: str) -> None:
    for name in names:
        if fields.get(name) in (None, ""):
            raise InvalidInput(gettext_noop("This field is required."), field=name)


def referenced_row(model: type[M], pk: int | None, field: str) -> M | None:
    """The row a request names by id (None for no id); an unknown id is a bad value of ``field``."""
    if pk is None:
        return None
    instance = model._default_manager.filter(pk=pk).first()
    if instance is None:
        raise InvalidInput(
            gettext_noop("No %(kind)s with id %(id)s."),
            field=field,
            kind=str(model._meta.verbose_name),
            id=pk,
        )
    return instance


def check_version(instance: models.Model, expected: int | None) -> None:
    """Raise 412 when the client edited a version that is no longer current."""
    current = instance.version  # type: ignore[attr-defined]
    if expected is not None and expected != current:
        raise PreconditionFailed(
            gettext_noop(
                "This record changed since you read it (version %(expected)s, now %(current_version)s)."
            ),
            current=instance,
            expected=expected,
            current_version=current,
        )


def create_audited(actor: Actor, model: type[M], action: str, fields: dict[str, Any]) -> M:
    """Create a row with timestamps and record it in the audit log (call inside a transaction)."""
    now = clock.now()
    instance = model.objects.create(**fields, created_at=now, updated_at=now)  # type: ignore[attr-defined]
    audit.record(actor, action, instance, after=audit.snapshot(instance))
    return instance


def update_audited(
    actor: Actor, instance: M, action: str, changes: dict[str, Any], expected_version: int | None
) -> M:
    """Apply ``changes`` to a locked row, bump its version and audit before/after (inside a transaction)."""
    check_version(instance, expected_version)
    before = audit.snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    after = audit.snapshot(instance)
    if after == before:
        return instance
    instance.version += 1  # type: ignore[attr-defined]
    instance.updated_at = clock.now()  # type: ignore[attr-defined]
    instance.save()
    audit.record(actor, action, instance, before=before, after=audit.snapshot(instance))
    return instance


def delete_audited(actor: Actor, instance: models.Model, action: str) -> None:
    before = audit.snapshot(instance)
    pk = instance.pk
    instance.delete()
    audit.record(actor, action, object_type=instance._meta.label_lower, object_id=pk, before=before)
