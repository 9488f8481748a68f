"""A fingerprint of the demo's rows, to check that a seed always produces the same network.

Every column of every demo table goes in, in id order, except that ids (and the foreign keys and
tree paths made of them) are rebased to the first id of their table: two loads into different
databases, or into one database whose sequences moved on, compare equal when their data is equal.
Users are left out (their password hashes are salted).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from tournevis.customers.models import Contact, Customer, Site
from tournevis.installed_base.models import Attribute, Category, EquipmentModel, HistoryEntry, ServiceObject

TABLES: tuple[type[models.Model], ...] = (
    Category, EquipmentModel, Customer, Site, Contact, ServiceObject, Attribute, HistoryEntry,
)


def _base(model: type[models.Model]) -> int:
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return (first or 1) - 1


def digest() -> str:
    bases = {model: _base(model) for model in TABLES}
    objects_base = bases[ServiceObject]
    sha = hashlib.sha256()
    for model in TABLES:
        fields = model._meta.concrete_fields
        sha.update(f"#{model._meta.label_lower}\n".encode())
        rows = model._default_manager.order_by("pk").values_list(*[f.attname for f in fields])
        for row in rows.iterator(2_000):
            values: list[Any] = []
            for field, value in zip(fields, row, strict=True):
                if value is not None and (field.primary_key or field.is_relation):
                    target = model if field.primary_key else field.related_model
                    value = value - bases[target]  # type: ignore[index]
                elif field.attname == "path":
                    value = "/".join(str(int(p) - objects_base) if p else "" for p in value.split("/"))
                values.append(value)
            sha.update(json.dumps(values, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False).encode())
            sha.update(b"\n")
    return sha.hexdigest()
