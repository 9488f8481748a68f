"""Write the audit log. Call ``record`` from a service, inside the transaction of the change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from tournevis.core import clock, requestid
from tournevis.core.actor import Actor
from tournevis.core.models import AuditEvent


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a model's concrete fields (foreign keys as ids)."""
    names = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if names is not None and field.name not in names:
            continue
        data[field.attname] = field.value_from_object(instance)
    # Round-trip through the encoder so dates, decimals and UUIDs become plain JSON values.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    return before != after


def record(
    actor: Actor,
    action: str,
    instance: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: object = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; only inside a transaction, so the event and the change commit together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change it records")
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = instance.pk if object_id is None else object_id
    if object_type is None:
        raise ValueError("object_type is required when no instance is given")
    return AuditEvent.objects.create(
        at=clock.now(),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        request_id=requestid.current(),
    )
