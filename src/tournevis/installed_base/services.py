"""Use cases of the installed base; each runs in one transaction, writes the audit log and the history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version, referenced_row, require
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.customers.models import Customer, Site
from tournevis.installed_base import domain
from tournevis.installed_base.models import Attribute, Category, EquipmentModel, HistoryEntry, ServiceObject

_OBJECT_FIELDS = (
    "name",
    "category",
    "equipment_model",
    "serial_number",
    "install_date",
    "warranty_end",
    "owner",
    "manager",
    "status",
    "site",
    "parent",
)


# --- Catalogue -------------------------------------------------------------------------------------


@transaction.atomic
def create_category(actor: Actor, *, code: str, name_en: str, name_fr: str) -> Category:
    code = clean_text(code, "code", max_length=50, required=True).lower()
    if Category.objects.filter(code=code).exists():
        raise Conflict(_("A category with code “%(code)s” exists.") % {"code": code}, field="code")
    category = Category.objects.create(
        code=code,
        name_en=clean_text(name_en, "name_en", max_length=100, required=True),
        name_fr=clean_text(name_fr, "name_fr", max_length=100, required=True),
    )
    audit.record(actor, "category.create", category, after=audit.snapshot(category))
    return category


@transaction.atomic
def create_equipment_model(actor: Actor, *, manufacturer: str, name: str, category_id: int) -> EquipmentModel:
    manufacturer = clean_text(manufacturer, "manufacturer", max_length=100, required=True)
    name = clean_text(name, "name", max_length=100, required=True)
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise InvalidInput(_("No category with id %(id)s.") % {"id": category_id}, field="category_id")
    if EquipmentModel.objects.filter(manufacturer=manufacturer, name=name).exists():
        raise Conflict(_("This equipment model exists."), field="name")
    model = EquipmentModel.objects.create(manufacturer=manufacturer, name=name, category=category)
    audit.record(actor, "equipment_model.create", model, after=audit.snapshot(model))
    return model


# --- Service objects -------------------------------------------------------------------------------


def _clean_object(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the plain fields of a service object present in ``data``; foreign keys resolved."""
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "serial_number" in data:
        out["serial_number"] = domain.clean_serial(data["serial_number"])
    if "status" in data:
        out["status"] = domain.clean_status(data["status"])
    for key in ("install_date", "warranty_end"):
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, date):
                raise InvalidInput(_("A date (YYYY-MM-DD) is expected."), field=key)
            out[key] = value
    if "category_id" in data:
        out["category"] = referenced_row(Category, data["category_id"], "category_id")
    if "equipment_model_id" in data:
        out["equipment_model"] = referenced_row(
            EquipmentModel, data["equipment_model_id"], "equipment_model_id"
        )
    if "owner_id" in data:
        out["owner"] = referenced_row(Customer, data["owner_id"], "owner_id")
    if "manager_id" in data:
        out["manager"] = referenced_row(Customer, data["manager_id"], "manager_id")
    return out


def _check_serial_free(model: EquipmentModel | None, serial: str, exclude_pk: int | None = None) -> None:
    if not serial:
        return
    clash = ServiceObject.objects.filter(equipment_model=model, serial_number=serial)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            _("Serial number %(serial)s is already registered for this model.") % {"serial": serial},
            field="serial_number",
        )


def _parent_on_site(parent_id: int | None, site: Site) -> ServiceObject | None:
    if parent_id is None:
        return None
    parent = ServiceObject.objects.select_related("site").filter(pk=parent_id).first()
    if parent is None:
        raise InvalidInput(_("No service object with id %(id)s.") % {"id": parent_id}, field="parent_id")
    if parent.site_id != site.pk:
        raise InvalidInput(_("The parent must stand on the same site."), field="parent_id")
    return parent


def record_history(
    object_id: int,
    kind: str,
    *,
    actor: Actor,
    summary: str = "",
    data: dict[str, Any] | None = None,
    ref_type: str = "",
    ref_id: object = "",
    at: datetime | None = None,
) -> HistoryEntry:
    """Append a line to an object's timeline. Higher contexts (tickets, visits) call this."""
    return HistoryEntry.objects.create(
        service_object_id=object_id,
        at=at or clock.now(),
        kind=kind,
        summary=summary[:300],
        data=data or {},
        actor_label=actor.label,
        ref_type=ref_type,
        ref_id=str(ref_id),
    )


def _snapshot(obj: ServiceObject) -> dict[str, Any]:
    return audit.snapshot(obj, _OBJECT_FIELDS)


def _save_new(obj: ServiceObject) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(
            _("Serial number %(serial)s is already registered for this model.")
            % {"serial": obj.serial_number},
            field="serial_number",
        ) from None


@transaction.atomic
def create_object(actor: Actor, data: dict[str, Any]) -> ServiceObject:
    site = referenced_row(Site, data.get("site_id"), "site_id")
    if site is None:
        raise InvalidInput(_("This field is required."), field="site_id")
    fields = _clean_object(data)
    require(fields, "name")
    parent = _parent_on_site(data.get("parent_id"), site)
    model = fields.get("equipment_model")
    if model is not None and fields.get("category") is None:
        fields["category"] = model.category
    _check_serial_free(model, fields.get("serial_number", ""))
    now = clock.now()
    obj = ServiceObject(site=site, parent=parent, path="", created_at=now, updated_at=now, **fields)
    if obj.owner is None:
        obj.owner_id = site.customer_id
    _save_new(obj)
    obj.path = domain.node_path(parent.path if parent else None, obj.pk)
    obj.depth = domain.depth_of(obj.path)
    obj.save(update_fields=["path", "depth"])
    audit.record(actor, "service_object.create", obj, after=_snapshot(obj))
    record_history(
        obj.pk, "created", actor=actor, data={"name": obj.name, "serial_number": obj.serial_number}
    )
    return obj


def _move(obj: ServiceObject, site: Site, parent: ServiceObject | None) -> None:
    """Re-hang ``obj`` (and its subtree) under ``parent`` on ``site``, rewriting descendants' paths."""
    domain.check_move(obj.path, parent.path if parent else None)
    old_prefix = obj.path
    new_prefix = domain.node_path(parent.path if parent else None, obj.pk)
    delta = domain.depth_of(new_prefix) - obj.depth
    subtree = ServiceObject.objects.filter(
        path__gte=old_prefix, path__lt=domain.subtree_upper_bound(old_prefix)
    )
    subtree.update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        site_id=site.pk,
    )
    if delta:
        ServiceObject.objects.filter(
            path__gte=new_prefix, path__lt=domain.subtree_upper_bound(new_prefix)
        ).update(depth=F("depth") + delta)
    obj.path, obj.depth, obj.site, obj.parent = new_prefix, obj.depth + delta, site, parent


@transaction.atomic
def update_object(
    actor: Actor, object_id: int, data: dict[str, Any], expected_version: int | None = None
) -> ServiceObject:
    obj = ServiceObject.objects.select_for_update().filter(pk=object_id).first()
    if obj is None:
        raise NotFound(_("No service object with id %(id)s.") % {"id": object_id})
    check_version(obj, expected_version)
    before = _snapshot(obj)
    fields = _clean_object(data)
    model = fields.get("equipment_model", obj.equipment_model)
    serial = fields.get("serial_number", obj.serial_number)
    if "serial_number" in fields or "equipment_model" in fields:
        _check_serial_free(model, serial, exclude_pk=obj.pk)
    moving = "site_id" in data or "parent_id" in data
    if moving:
        site = referenced_row(Site, data["site_id"], "site_id") if "site_id" in data else obj.site
        if site is None:
            raise InvalidInput(_("This field is required."), field="site_id")
        if site.customer_id != obj.site.customer_id:
            raise InvalidInput(
                _("An object can only move between sites of the same customer."), field="site_id"
            )
        parent_id = data.get("parent_id", obj.parent_id if site.pk == obj.site_id else None)
        parent = _parent_on_site(parent_id, site)
        if parent != obj.parent or site.pk != obj.site_id:
            _move(obj, site, parent)
    for name, value in fields.items():
        setattr(obj, name, value)
    after = _snapshot(obj)
    if after == before:
        return obj
    obj.version += 1
    obj.updated_at = clock.now()
    obj.save()
    audit.record(actor, "service_object.update", obj, before=before, after=after)
    changes = {k: after[k] for k in after if after[k] != before.get(k)}
    kind = "moved" if {"site_id", "parent_id"} & changes.keys() else "updated"
    if "status" in changes and len(changes) == 1:
        kind = "status"
    record_history(
        obj.pk, kind, actor=actor, data={"changes": changes, "before": {k: before.get(k) for k in changes}}
    )
    return obj


@transaction.atomic
def delete_object(actor: Actor, object_id: int) -> None:
    obj = ServiceObject.objects.select_for_update().filter(pk=object_id).first()
    if obj is None:
        raise NotFound(_("No service object with id %(id)s.") % {"id": object_id})
    before = _snapshot(obj)
    try:
        obj.delete()
    except ProtectedError:
        raise Conflict(_("This object has parts; move or remove them first."), field="id") from None
    audit.record(
        actor,
        "service_object.delete",
        object_type="installed_base.serviceobject",
        object_id=object_id,
        before=before,
    )


@transaction.atomic
def set_attribute(
    actor: Actor, object_id: int, *, key: str, value: Any, valid_from: datetime | None = None
) -> Attribute:
    """Record a value valid from ``valid_from`` (default: now). Earlier values stay for "as of" views."""
    obj = ServiceObject.objects.filter(pk=object_id).first()
    if obj is None:
        raise NotFound(_("No service object with id %(id)s.") % {"id": object_id})
    key = domain.clean_attribute_key(key)
    if value is None or (isinstance(value, str) and len(value) > 1000):
        raise InvalidInput(_("A value (at most 1000 characters) is required."), field="value")
    now = clock.now()
    if valid_from is None:
        valid_from = now
    elif valid_from.tzinfo is None:
        raise InvalidInput(_("A time zone is required (e.g. 2026-01-31T08:00:00+01:00)."), field="valid_from")
    attribute = Attribute.objects.create(
        service_object=obj,
        key=key,
        value=value,
        valid_from=valid_from,
        recorded_at=now,
        recorded_by=actor.label,
    )
    audit.record(
        actor,
        "service_object.attribute",
        attribute,
        after={"object_id": obj.pk, "key": key, "value": value, "valid_from": valid_from.isoformat()},
    )
    record_history(
        obj.pk,
        "attribute",
        actor=actor,
        data={"key": key, "value": value, "valid_from": valid_from.isoformat()},
    )
    return attribute
