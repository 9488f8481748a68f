"""An object's timeline, ready for a page: each HistoryEntry kind with a translated label and readable data.

History rows store raw values (ids, ISO dates, status codes). This module turns them into labels and
names in the UI language, resolving every referenced id with at most one query per kind of reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tournevis.core.actor import Actor
from tournevis.customers.access import visible_customers, visible_sites
from tournevis.installed_base.access import visible_objects
from tournevis.installed_base.models import (
    Category,
    EquipmentModel,
    HistoryEntry,
    ServiceObject,
    StatusChoices,
)

KIND_LABELS: dict[str, Promise] = {
    "created": _("Created"),
    "updated": _("Updated"),
    "moved": _("Moved"),
    "status": _("Status changed"),
    "attribute": _("Attribute recorded"),
}

_FIELDS = {field.attname: field for field in ServiceObject._meta.concrete_fields}
_ORDER = {attname: index for index, attname in enumerate(_FIELDS)}  # JSON keys come back unordered (jsonb)
_REFERENCES = ("site_id", "parent_id", "owner_id", "manager_id", "category_id", "equipment_model_id")
_DATES = ("install_date", "warranty_end")


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Item:
    entry: HistoryEntry
    label: str
    changes: list[Change]
    attribute_key: str = ""
    attribute_value: Any = None
    valid_from: datetime | None = None


def _label(attname: str) -> str:
    field = _FIELDS.get(attname)
    return str(field.verbose_name) if field is not None else attname


def _names(actor: Actor, wanted: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    """``{"site_id": {3: "Alpha HQ"}, ...}``: one query per kind of reference present in the entries."""

    def bulk(rows: Mapping[Any, Model]) -> dict[int, str]:
        return {int(pk): str(row) for pk, row in rows.items()}

    names: dict[str, dict[int, str]] = {}
    if wanted["site_id"]:
        names["site_id"] = bulk(visible_sites(actor).in_bulk(wanted["site_id"]))
    if wanted["parent_id"]:
        names["parent_id"] = bulk(visible_objects(actor).in_bulk(wanted["parent_id"]))
    parties = wanted["owner_id"] | wanted["manager_id"]
    if parties:
        names["owner_id"] = names["manager_id"] = bulk(visible_customers(actor).in_bulk(parties))
    if wanted["category_id"]:
        names["category_id"] = bulk(Category.objects.in_bulk(wanted["category_id"]))
    if wanted["equipment_model_id"]:
        names["equipment_model_id"] = bulk(EquipmentModel.objects.in_bulk(wanted["equipment_model_id"]))
    return names


def _readable(attname: str, value: Any, names: dict[str, dict[int, str]]) -> Any:
    if attname == "parent_id" and value is None:
        return str(_("top level"))
    if value is None or value == "":
        return None
    if attname in _REFERENCES and isinstance(value, int):
        return names.get(attname, {}).get(value, f"#{value}")
    if attname == "status":
        return str(dict(StatusChoices.choices).get(value, value))
    if attname in _DATES and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _changes(entry: HistoryEntry, names: dict[str, dict[int, str]]) -> list[Change]:
    data = entry.data or {}
    after: dict[str, Any]
    before: dict[str, Any]
    if entry.kind == "created":
        after, before = {k: v for k, v in data.items() if v not in (None, "")}, {}
    else:
        after, before = data.get("changes") or {}, data.get("before") or {}
    return [
        Change(key, _label(key), _readable(key, before.get(key), names), _readable(key, value, names))
        for key, value in sorted(after.items(), key=lambda item: (_ORDER.get(item[0], len(_ORDER)), item[0]))
    ]


def _parse_moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def present(actor: Actor, entries: Iterable[HistoryEntry]) -> list[Item]:
    rows = list(entries)
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in rows:
        data = entry.data or {}
        for side in (data.get("changes") or {}, data.get("before") or {}):
            for key, value in side.items():
                if key in _REFERENCES and isinstance(value, int):
                    wanted[key].add(value)
    names = _names(actor, wanted)
    items = []
    for entry in rows:
        label = str(KIND_LABELS[entry.kind]) if entry.kind in KIND_LABELS else (entry.summary or entry.kind)
        if entry.kind == "attribute":
            data = entry.data or {}
            items.append(
                Item(
                    entry,
                    label,
                    [],
                    str(data.get("key", "")),
                    data.get("value"),
                    _parse_moment(data.get("valid_from")),
                )
            )
        else:
            items.append(Item(entry, label, _changes(entry, names)))
    return items
