"""Checklist templates: which apply to a work order, their items on a visit, and managing them.

**Matching.** A visit gets every *active* template whose category is empty or the equipment's category
(the service object's own category, else its model's) and whose work kind is empty or the work order's
kind, ordered by code; its items in template order, then position (``items_for``). A required item
without a result blocks completion (``missing_required``, read by ``completion.complete``).

**Managing** (managers, ``api_checklists``): ``create_template`` and ``update_template`` take the
template's fields and, optionally, its whole list of items in order (positions 1, 2, …). On update an
item keeps its row when the list names its ``id`` (its results stay attached); an item left out is
deleted — refused with 409 while a visit has a result for it (deactivate the template instead), as is
changing the kind of an answered item. Each item is checked by kind: a number may have a range
(``minimum`` ≤ ``maximum``) and a unit, a choice has at least two distinct values with both labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.installed_base.models import Category
from tournevis.workorders.domain import Kind
from tournevis.workorders.domain_records import ItemKind
from tournevis.workorders.models import (
    ChecklistItem,
    ChecklistResult,
    ChecklistTemplate,
    Visit,
    WorkOrder,
)

MAX_ITEMS = 100
MAX_CHOICES = 30
TEMPLATE_FIELDS = ("code", "name_en", "name_fr", "category_id", "kind", "active")
TEMPLATE_SNAPSHOT = ("code", "name_en", "name_fr", "category", "kind", "active", "version")
ITEM_FIELDS = ("label_en", "label_fr", "kind", "required", "minimum", "maximum", "unit", "choices")
RANGE_LIMIT = Decimal("1e10")


# --- Matching --------------------------------------------------------------------------------------


def category_of(order: WorkOrder) -> int | None:
    """The equipment category of the work order's object: its own, else its model's; None without."""
    obj = order.service_object
    if obj is None:
        return None
    if obj.category_id is not None:
        return int(obj.category_id)
    model = obj.equipment_model
    return int(model.category_id) if model is not None else None


def templates_for(order: WorkOrder) -> list[ChecklistTemplate]:
    """The active templates that apply to the work order (see the module's docstring)."""
    category = category_of(order)
    by_category = Q(category__isnull=True) | (Q(category_id=category) if category is not None else Q())
    return list(
        ChecklistTemplate.objects.filter(active=True)
        .filter(by_category, Q(kind="") | Q(kind=order.kind))
        .order_by("code")
    )


def items_for(visit: Visit) -> list[ChecklistItem]:
    """The visit's checklist: the items of every template that applies, in template then position order."""
    templates = templates_for(visit.work_order)
    order = {template.pk: index for index, template in enumerate(templates)}
    items = ChecklistItem.objects.filter(template_id__in=order).select_related("template")
    return sorted(items, key=lambda item: (order[item.template_id], item.position))


def missing_required(visit: Visit) -> list[ChecklistItem]:
    """The required items of the visit's checklist that have no result yet."""
    answered = set(ChecklistResult.objects.filter(visit=visit).values_list("item_id", flat=True))
    return [item for item in items_for(visit) if item.required and item.pk not in answered]


def label(item: ChecklistItem, language: str) -> str:
    return item.label_fr if language.startswith("fr") else item.label_en


def template_name(template: ChecklistTemplate, language: str) -> str:
    return template.name_fr if language.startswith("fr") else template.name_en


# --- Managing --------------------------------------------------------------------------------------


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(gettext_noop("Enter a number."), field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(gettext_noop("Enter a number."), field=field) from None
    if not number.is_finite() or abs(number) >= RANGE_LIMIT or number != number.quantize(Decimal("0.0001")):
        raise InvalidInput(gettext_noop("Enter a number with at most four decimals."), field=field)
    return number


def _choices(value: Any, field: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) < 2:
        raise InvalidInput(gettext_noop("A choice item needs at least two choices."), field=field)
    if len(value) > MAX_CHOICES:
        raise InvalidInput(gettext_noop("At most %(max)s choices."), field=field, max=MAX_CHOICES)
    cleaned: list[dict[str, str]] = []
    for index, choice in enumerate(value):
        where = f"{field}.{index}"
        if not isinstance(choice, Mapping):
            raise InvalidInput(
                gettext_noop("A choice has a value, an English and a French label."), field=where
            )
        code = clean_text(str(choice.get("value") or ""), f"{where}.value", max_length=50, required=True)
        english = clean_text(str(choice.get("en") or ""), f"{where}.en", max_length=200, required=True)
        french = clean_text(str(choice.get("fr") or ""), f"{where}.fr", max_length=200) or english
        if any(c["value"] == code for c in cleaned):
            raise InvalidInput(
                gettext_noop("The choice %(value)s is given twice."), field=f"{where}.value", value=code
            )
        cleaned.append({"value": code, "en": english, "fr": french})
    return cleaned


def clean_item(data: Mapping[str, Any], field: str) -> dict[str, Any]:
    """One item of a template's list, checked by kind (``field``: ``items.<i>``)."""
    if not isinstance(data, Mapping):
        raise InvalidInput(gettext_noop("An item is an object with a label and a kind."), field=field)
    kind = str(data.get("kind") or "")
    if kind not in {k.value for k in ItemKind}:
        raise InvalidInput(
            gettext_noop("Choose a kind: check, number, text, choice or photo."), field=f"{field}.kind"
        )
    english = clean_text(data.get("label_en"), f"{field}.label_en", max_length=300, required=True)
    item: dict[str, Any] = {
        "label_en": english,
        "label_fr": clean_text(data.get("label_fr"), f"{field}.label_fr", max_length=300) or english,
        "kind": kind,
        "required": bool(data.get("required", False)),
        "minimum": None,
        "maximum": None,
        "unit": "",
        "choices": [],
    }
    if kind == ItemKind.NUMBER:
        item["minimum"] = _decimal(data.get("minimum"), f"{field}.minimum")
        item["maximum"] = _decimal(data.get("maximum"), f"{field}.maximum")
        item["unit"] = clean_text(data.get("unit"), f"{field}.unit", max_length=20)
        if item["minimum"] is not None and item["maximum"] is not None and item["maximum"] < item["minimum"]:
            raise InvalidInput(gettext_noop("The maximum is below the minimum."), field=f"{field}.maximum")
    else:
        for name in ("minimum", "maximum", "unit"):
            if data.get(name) not in (None, ""):
                raise InvalidInput(
                    gettext_noop("Only a number item has a range and a unit."), field=f"{field}.{name}"
                )
    if kind == ItemKind.CHOICE:
        item["choices"] = _choices(data.get("choices"), f"{field}.choices")
    elif data.get("choices"):
        raise InvalidInput(gettext_noop("Only a choice item has choices."), field=f"{field}.choices")
    return item


def _clean_template(data: Mapping[str, Any], current: ChecklistTemplate | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "code" in data or current is None:
        code = clean_text(data.get("code"), "code", max_length=50, required=True).lower()
        if not all(ch.isalnum() or ch in "-_" for ch in code) or not code.isascii():
            raise InvalidInput(
                gettext_noop("A code has letters, digits, hyphens and underscores only."), field="code"
            )
        taken = ChecklistTemplate.objects.filter(code=code)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise Conflict(gettext_noop("A checklist with code %(code)s exists."), field="code", code=code)
        fields["code"] = code
    if "name_en" in data or current is None:
        fields["name_en"] = clean_text(data.get("name_en"), "name_en", max_length=200, required=True)
    if "name_fr" in data or current is None:
        fallback = fields.get("name_en") or (current.name_en if current is not None else "")
        fields["name_fr"] = clean_text(data.get("name_fr"), "name_fr", max_length=200) or fallback
    if "category_id" in data:
        category_id = data.get("category_id")
        if category_id is not None and not Category.objects.filter(pk=category_id).exists():
            raise InvalidInput(
                gettext_noop("No equipment category with id %(id)s."), field="category_id", id=category_id
            )
        fields["category_id"] = category_id
    if "kind" in data:
        kind = str(data.get("kind") or "")
        if kind and kind not in {k.value for k in Kind}:
            raise InvalidInput(
                gettext_noop("Choose a work kind: corrective, preventive, installation or remote."),
                field="kind",
            )
        fields["kind"] = kind
    if "active" in data:
        fields["active"] = bool(data.get("active"))
    return fields


def _items(data: Mapping[str, Any]) -> list[tuple[int | None, dict[str, Any]]] | None:
    if "items" not in data:
        return None
    items = data.get("items")
    if items is None:
        items = []
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise InvalidInput(gettext_noop("Give the items as a list."), field="items")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(gettext_noop("At most %(max)s items."), field="items", max=MAX_ITEMS)
    cleaned = []
    for index, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, Mapping) else None
        cleaned.append((item_id, clean_item(item, f"items.{index}")))
    return cleaned


def _snapshot(template: ChecklistTemplate) -> dict[str, Any]:
    state = audit.snapshot(template, TEMPLATE_SNAPSHOT)
    state["items"] = [
        audit.snapshot(item, ("id", "position", *ITEM_FIELDS))
        for item in ChecklistItem.objects.filter(template=template).order_by("position")
    ]
    return state


def _write_items(template: ChecklistTemplate, items: list[tuple[int | None, dict[str, Any]]]) -> None:
    """Make the template's items exactly ``items`` in that order (kept by id, created, deleted)."""
    current = {item.pk: item for item in ChecklistItem.objects.filter(template=template)}
    named: list[int] = []
    for index, (item_id, _fields) in enumerate(items):
        if item_id is None:
            continue
        if item_id not in current or item_id in named:
            raise InvalidInput(
                gettext_noop("No item %(id)s in this checklist."), field=f"items.{index}.id", id=item_id
            )
        named.append(item_id)
    answered = set(
        ChecklistResult.objects.filter(item_id__in=current).values_list("item_id", flat=True).distinct()
    )
    gone = [pk for pk in current if pk not in named]
    for pk in gone:
        if pk in answered:
            raise Conflict(
                gettext_noop(
                    "Item %(position)s has results on visits: it cannot be removed "
                    "(deactivate the checklist)."
                ),
                field="items",
                position=current[pk].position,
            )
    for index, (item_id, fields) in enumerate(items):
        if item_id is not None and item_id in answered and current[item_id].kind != fields["kind"]:
            raise Conflict(
                gettext_noop("Item %(position)s has results on visits: its kind cannot change."),
                field=f"items.{index}.kind",
                position=current[item_id].position,
            )
    ChecklistItem.objects.filter(pk__in=gone).delete()
    for offset, pk in enumerate(named):  # out of the way of the final positions (unique per template)
        ChecklistItem.objects.filter(pk=pk).update(position=10_000 + offset)
    for index, (item_id, fields) in enumerate(items):
        if item_id is None:
            ChecklistItem.objects.create(template=template, position=index + 1, **fields)
        else:
            ChecklistItem.objects.filter(pk=item_id).update(position=index + 1, **fields)


@transaction.atomic
def create_template(actor: Actor, data: Mapping[str, Any]) -> ChecklistTemplate:
    """A new template with its items (``data["items"]``, in order)."""
    fields = _clean_template(data, None)
    items = _items(data) or []
    if any(item_id is not None for item_id, _ in items):
        raise InvalidInput(gettext_noop("A new checklist's items have no id."), field="items")
    now = clock.now()
    try:
        with transaction.atomic():
            template = ChecklistTemplate.objects.create(**fields, created_at=now, updated_at=now)
    except IntegrityError:
        raise Conflict(
            gettext_noop("A checklist with code %(code)s exists."), field="code", code=fields["code"]
        ) from None
    _write_items(template, items)
    audit.record(actor, "checklist.create", template, after=_snapshot(template))
    return template


@transaction.atomic
def update_template(
    actor: Actor, template_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> ChecklistTemplate:
    """Change a template's fields and, when ``data`` has ``items``, its whole list of items."""
    template = ChecklistTemplate.objects.select_for_update().filter(pk=template_id).first()
    if template is None:
        raise NotFound(gettext_noop("No checklist with id %(id)s."), id=template_id)
    check_version(template, expected_version)
    fields = _clean_template(data, template)
    items = _items(data)
    before = _snapshot(template)
    for name, value in fields.items():
        setattr(template, name, value)
    if items is not None:
        _write_items(template, items)
    after = audit.snapshot(template, TEMPLATE_SNAPSHOT)
    after["items"] = _snapshot(template)["items"]
    if after == before:
        return template
    template.version += 1
    template.updated_at = clock.now()
    template.save()
    audit.record(actor, "checklist.update", template, before=before, after=_snapshot(template))
    return template
