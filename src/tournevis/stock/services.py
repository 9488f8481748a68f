"""Stock use cases, one transaction each, each writing the audit log: the parts catalogue, stock
locations, lanes, minimum / maximum per location, and the quantity changes that are not transfers
(receipt, count adjustment, consumption on a visit, return of a defective part). Transfers and
replenishment are in ``services_transfers`` (re-exported here).

Bad input raises ``InvalidInput`` naming the field, a clash with the current state ``Conflict`` (409),
before anything is written (the transaction rolls back). Quantities follow ``domain.quantity``: a part
counted in units takes whole positive numbers. Every quantity change writes movement rows (who: the
actor's label and user; why: ``reason`` and ``reference``) and an audit event with the stock level
before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pycountry
from django.apps import apps
from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text, clean_timezone
from tournevis.core.editing import check_version, create_audited, update_audited
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.stock import domain, ledger
from tournevis.stock.domain import (
    LocationKind,
    ShippingClass,
    ShippingMode,
    Unit,
)
from tournevis.stock.ledger import transit_location
from tournevis.stock.models import Lane, Location, Movement, Part, SerialUnit, StockLevel
from tournevis.stock.services_moves import (
    adjust,
    consume,
    location_of_technician,
    receive,
    return_defective,
)
from tournevis.stock.services_transfers import (
    cancel_transfer,
    create_transfer,
    receive_transfer,
    replenish,
    revise_arrival,
    ship_transfer,
)

PART_FIELDS = frozenset(
    {
        "reference",
        "name_en",
        "name_fr",
        "manufacturer_reference",
        "unit",
        "serialised",
        "unit_cost_minor",
        "unit_price_minor",
        "currency",
        "shipping_class",
        "fits",
        "active",
    }
)
LOCATION_FIELDS = frozenset(
    {
        "code",
        "name",
        "kind",
        "region",
        "address",
        "latitude",
        "longitude",
        "timezone",
        "technician_id",
        "site_id",
        "depot_id",
        "active",
    }
)
MAX_MINOR = 10**15


def _unknown(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name in data:
        if name not in allowed:
            raise InvalidInput(gettext_noop("Unknown field."), field=str(name))


def _choice(value: Any, enum: type[Any], field: str) -> str:
    text = str(value or "").strip()
    choices = [item.value for item in enum]
    if text not in choices:
        raise InvalidInput(
            gettext_noop("Must be one of %(choices)s."), field=field, choices=", ".join(choices)
        )
    return text


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(gettext_noop("Must be true or false."), field=field)
    return value


def _minor(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(gettext_noop("An amount in cents is a whole number."), field=field)
    if value < 0:
        raise InvalidInput(gettext_noop("An amount cannot be negative."), field=field)
    if value >= MAX_MINOR:
        raise InvalidInput(gettext_noop("This amount is too large."), field=field)
    return value


def clean_currency(value: Any, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not an ISO 4217 currency code (e.g. EUR, CAD)."),
            field=field,
            value=value,
        )
    return code


def _reference(value: Any) -> str:
    text = clean_text(str(value) if value is not None else "", "reference", max_length=60, required=True)
    if any(char.isspace() for char in text):
        raise InvalidInput(gettext_noop("A reference has no spaces."), field="reference")
    return text


def _fits(value: Any) -> list[Any]:
    """Equipment models by id (installed_base is a sibling context: named through the registry)."""
    if not isinstance(value, list | tuple):
        raise InvalidInput(gettext_noop("A list of equipment model ids."), field="fits")
    ids = [ledger.as_id(item, "fits") for item in value]
    model = apps.get_model("installed_base", "EquipmentModel")
    found = {row.pk: row for row in model.objects.filter(pk__in=ids)}
    for pk in ids:
        if pk not in found:
            raise InvalidInput(gettext_noop("No equipment model with id %(id)s."), field="fits", id=pk)
    return [found[pk] for pk in dict.fromkeys(ids)]


def clean_part(data: Mapping[str, Any], current: Part | None = None) -> dict[str, Any]:
    """The part fields of ``data`` cleaned (``fits`` as a list of models); checks the combination of
    unit and serialised against ``current`` when only one is given."""
    _unknown(data, PART_FIELDS)
    out: dict[str, Any] = {}
    if "reference" in data:
        out["reference"] = _reference(data["reference"])
    for name in ("name_en", "name_fr"):
        if name in data:
            out[name] = clean_text(data[name], name, max_length=200, required=True)
    if "manufacturer_reference" in data:
        out["manufacturer_reference"] = clean_text(
            data["manufacturer_reference"], "manufacturer_reference", max_length=100
        )
    if "unit" in data:
        out["unit"] = _choice(data["unit"], Unit, "unit")
    if "serialised" in data:
        out["serialised"] = _flag(data["serialised"], "serialised")
    for name in ("unit_cost_minor", "unit_price_minor"):
        if name in data:
            out[name] = _minor(data[name], name)
    if "currency" in data:
        out["currency"] = clean_currency(data["currency"])
    if "shipping_class" in data:
        out["shipping_class"] = _choice(data["shipping_class"], ShippingClass, "shipping_class")
    if "active" in data:
        out["active"] = _flag(data["active"], "active")
    if "fits" in data:
        out["fits"] = _fits(data["fits"])
    unit = out.get("unit", current.unit if current else Unit.UNIT.value)
    serialised = out.get("serialised", current.serialised if current else False)
    if serialised and unit != Unit.UNIT:
        raise InvalidInput(
            gettext_noop("Only a part counted in units can have serial numbers."), field="serialised"
        )
    return out


def _unique_reference(reference: str, part_id: int | None = None) -> None:
    clash = Part.objects.filter(reference=reference)
    if part_id is not None:
        clash = clash.exclude(pk=part_id)
    if clash.exists():
        raise Conflict(
            gettext_noop("A part with reference %(reference)s exists."),
            field="reference",
            reference=reference,
        )


def _part_state(part: Part) -> dict[str, Any]:
    state = audit.snapshot(part)
    state["fits"] = sorted(part.fits.values_list("pk", flat=True))
    return state


# --- Catalogue ----------------------------------------------------------------------------------------


@transaction.atomic
def create_part(actor: Actor, fields: Mapping[str, Any]) -> Part:
    """A part of the catalogue: ``reference`` (unique, no spaces), ``name_en``, ``name_fr`` required;
    ``unit`` (default ``unit``), ``serialised`` (counted parts only), costs in minor units,
    ``currency`` (ISO 4217, default EUR), ``shipping_class``, ``fits`` (equipment model ids)."""
    cleaned = clean_part(fields)
    for name in ("reference", "name_en", "name_fr"):
        if name not in cleaned:
            raise InvalidInput(gettext_noop("This field is required."), field=name)
    _unique_reference(cleaned["reference"])
    fits = cleaned.pop("fits", [])
    now = clock.now()
    part = Part.objects.create(**cleaned, created_at=now, updated_at=now)
    part.fits.set(fits)
    audit.record(actor, "stock.part.create", part, after=_part_state(part))
    return part


def _has_stock(part: Part) -> bool:
    return (
        Movement.objects.filter(part=part).exists()
        or StockLevel.objects.filter(part=part, on_hand__gt=0).exists()
        or SerialUnit.objects.filter(part=part).exists()
    )


@transaction.atomic
def update_part(
    actor: Actor, part_id: int, fields: Mapping[str, Any], *, expected_version: int | None = None
) -> Part:
    """Change a part; its unit and whether it is serialised are fixed once it has had stock."""
    found = Part.objects.select_for_update().filter(pk=part_id).first()
    if found is None:
        raise NotFound(gettext_noop("No part with id %(id)s."), id=part_id)
    part = found
    check_version(part, expected_version)
    cleaned = clean_part(fields, part)
    if "reference" in cleaned:
        _unique_reference(cleaned["reference"], part.pk)
    for name in ("unit", "serialised"):
        if name in cleaned and cleaned[name] != getattr(part, name) and _has_stock(part):
            raise Conflict(
                gettext_noop("%(part)s has had stock: its %(name)s cannot change."),
                field=name,
                part=part.reference,
                name=name,
            )
    before = _part_state(part)
    fits = cleaned.pop("fits", None)
    for name, value in cleaned.items():
        setattr(part, name, value)
    if fits is not None:
        part.fits.set(fits)
    after = _part_state(part)
    if after == before:
        return part
    part.version += 1
    part.updated_at = clock.now()
    part.save()
    audit.record(actor, "stock.part.update", part, before=before, after=_part_state(part))
    return part


# --- Locations ----------------------------------------------------------------------------------------


def _coordinate(value: Any, field: str, limit: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(gettext_noop("A coordinate is a number."), field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(gettext_noop("A coordinate is a number."), field=field) from None
    if not -limit <= number <= limit:
        raise InvalidInput(
            gettext_noop("Must be between -%(limit)s and %(limit)s."), field=field, limit=int(limit)
        )
    return number


def clean_location(data: Mapping[str, Any], current: Location | None = None) -> dict[str, Any]:
    """The location fields of ``data`` cleaned and checked together with ``current``."""
    _unknown(data, LOCATION_FIELDS)
    out: dict[str, Any] = {}
    if "code" in data:
        code = clean_text(data["code"], "code", max_length=40, required=True)
        if any(char.isspace() for char in code):
            raise InvalidInput(gettext_noop("A code has no spaces."), field="code")
        out["code"] = code
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "kind" in data:
        kind = _choice(data["kind"], LocationKind, "kind")
        if kind == LocationKind.IN_TRANSIT:
            raise InvalidInput(gettext_noop("The in-transit location exists already."), field="kind")
        if current is not None and kind != current.kind:
            raise Conflict(gettext_noop("The kind of a location cannot change."), field="kind")
        out["kind"] = kind
    if "region" in data:
        out["region"] = clean_text(data["region"], "region", max_length=40)
    if "address" in data:
        out["address"] = clean_text(data["address"], "address", max_length=2000)
    if "timezone" in data:
        out["timezone"] = clean_timezone(data["timezone"])
    if "active" in data:
        out["active"] = _flag(data["active"], "active")
    if "latitude" in data or "longitude" in data:
        latitude = _coordinate(data.get("latitude"), "latitude", 90)
        longitude = _coordinate(data.get("longitude"), "longitude", 180)
        if (latitude is None) != (longitude is None):
            raise InvalidInput(
                gettext_noop("Give both latitude and longitude, or neither."),
                field="longitude" if longitude is None else "latitude",
            )
        out["latitude"], out["longitude"] = latitude, longitude
    out.update(_location_links(data, out.get("kind", current.kind if current else None), current))
    return out


def _location_links(data: Mapping[str, Any], kind: str | None, current: Location | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "technician_id" in data or current is None:
        technician_id = data.get("technician_id")
        if kind == LocationKind.VAN:
            pk = ledger.as_id(technician_id, "technician_id")
            if not apps.get_model("workforce", "Technician").objects.filter(pk=pk).exists():
                raise InvalidInput(
                    gettext_noop("No technician with id %(id)s."), field="technician_id", id=pk
                )
            other = Location.objects.filter(technician_id=pk)
            if current is not None:
                other = other.exclude(pk=current.pk)
            taken = other.first()
            if taken is not None:
                raise Conflict(
                    gettext_noop("This technician already has van %(code)s."),
                    field="technician_id",
                    code=taken.code,
                )
            out["technician_id"] = pk
        elif technician_id is not None:
            raise InvalidInput(gettext_noop("Only a van has a technician."), field="technician_id")
    if "site_id" in data or current is None:
        site_id = data.get("site_id")
        if kind == LocationKind.CONSIGNMENT:
            pk = ledger.as_id(site_id, "site_id")
            if not apps.get_model("customers", "Site").objects.filter(pk=pk).exists():
                raise InvalidInput(gettext_noop("No site with id %(id)s."), field="site_id", id=pk)
            out["site_id"] = pk
        elif site_id is not None:
            raise InvalidInput(gettext_noop("Only a consignment stock has a site."), field="site_id")
    if "depot_id" in data:
        depot_id = data["depot_id"]
        if depot_id is None:
            out["depot_id"] = None
        else:
            depot = ledger.location(depot_id, "depot_id")
            if depot.kind != LocationKind.DEPOT or (current is not None and depot.pk == current.pk):
                raise InvalidInput(
                    gettext_noop("%(code)s is not a depot."), field="depot_id", code=depot.code
                )
            out["depot_id"] = depot.pk
    return out


@transaction.atomic
def create_location(actor: Actor, fields: Mapping[str, Any]) -> Location:
    """A depot, a van (``technician_id``: one van per technician), a consignment stock at a customer
    site (``site_id``) or a defective-returns area; ``depot_id``: the depot that restocks it."""
    cleaned = clean_location(fields)
    for name in ("code", "name", "kind"):
        if name not in cleaned:
            raise InvalidInput(gettext_noop("This field is required."), field=name)
    if Location.objects.filter(code=cleaned["code"]).exists():
        raise Conflict(
            gettext_noop("A location with code %(code)s exists."), field="code", code=cleaned["code"]
        )
    return create_audited(actor, Location, "stock.location.create", cleaned)


@transaction.atomic
def update_location(
    actor: Actor, location_id: int, fields: Mapping[str, Any], *, expected_version: int | None = None
) -> Location:
    found = Location.objects.select_for_update().filter(pk=location_id).first()
    if found is None or found.kind == LocationKind.IN_TRANSIT:
        raise NotFound(gettext_noop("No stock location with id %(id)s."), id=location_id)
    check_version(found, expected_version)
    cleaned = clean_location(fields, found)
    if "code" in cleaned and Location.objects.filter(code=cleaned["code"]).exclude(pk=found.pk).exists():
        raise Conflict(
            gettext_noop("A location with code %(code)s exists."), field="code", code=cleaned["code"]
        )
    return update_audited(actor, found, "stock.location.update", cleaned, expected_version)


# --- Lanes and limits ---------------------------------------------------------------------------------


@transaction.atomic
def set_lane(
    actor: Actor, *, origin_region: str, destination_region: str, mode: str, lead_hours: int
) -> Lane:
    """Create or change the lane (origin, destination, mode); lead time in whole hours (1 to 2160)."""
    origin = clean_text(origin_region, "origin_region", max_length=40, required=True)
    destination = clean_text(destination_region, "destination_region", max_length=40, required=True)
    mode = _choice(mode, ShippingMode, "mode")
    if mode == ShippingMode.NONE:
        raise InvalidInput(gettext_noop("A lane is ground or express air."), field="mode")
    if isinstance(lead_hours, bool) or not isinstance(lead_hours, int) or not 1 <= lead_hours <= 2160:
        raise InvalidInput(gettext_noop("A lead time is 1 to 2160 whole hours."), field="lead_hours")
    lane = (
        Lane.objects.select_for_update()
        .filter(origin_region=origin, destination_region=destination, mode=mode)
        .first()
    )
    if lane is None:
        lane = Lane.objects.create(
            origin_region=origin, destination_region=destination, mode=mode, lead_hours=lead_hours
        )
        audit.record(actor, "stock.lane.create", lane, after=audit.snapshot(lane))
        return lane
    if lane.lead_hours == lead_hours:
        return lane
    before = audit.snapshot(lane)
    lane.lead_hours = lead_hours
    lane.version += 1
    lane.save()
    audit.record(actor, "stock.lane.update", lane, before=before, after=audit.snapshot(lane))
    return lane


@transaction.atomic
def delete_lane(actor: Actor, lane_id: int) -> None:
    lane = Lane.objects.select_for_update().filter(pk=lane_id).first()
    if lane is None:
        raise NotFound(gettext_noop("No lane with id %(id)s."), id=lane_id)
    before = audit.snapshot(lane)
    lane.delete()
    audit.record(actor, "stock.lane.delete", object_type="stock.lane", object_id=lane_id, before=before)


def _limit(value: Any, part: Part, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    return domain.quantity(value, part.unit, field, allow_zero=True)


@transaction.atomic
def set_limits(actor: Actor, location_id: int, part_id: int, *, minimum: Any, maximum: Any) -> StockLevel:
    """The minimum and maximum of a part at a stocking location (None clears one); maximum >= minimum.
    Below the minimum, replenishment proposes to refill up to the maximum."""
    place = ledger.location(location_id)
    part = ledger.part(part_id)
    ledger.stocking(place, "location_id")
    low = _limit(minimum, part, "minimum")
    high = _limit(maximum, part, "maximum")
    if low is not None and high is not None and high < low:
        raise InvalidInput(gettext_noop("The maximum cannot be below the minimum."), field="maximum")
    level = ledger.lock_levels(part, [place])[place.pk]
    before = audit.snapshot(level, ("minimum", "maximum", "version"))
    if level.minimum == low and level.maximum == high:
        return level
    level.minimum, level.maximum = low, high
    level.version += 1
    level.save(update_fields=["minimum", "maximum", "version"])
    audit.record(
        actor,
        "stock.level.limits",
        level,
        before=before,
        after=audit.snapshot(level, ("minimum", "maximum", "version")),
    )
    return level


__all__ = [
    "adjust",
    "cancel_transfer",
    "clean_currency",
    "clean_location",
    "clean_part",
    "consume",
    "create_location",
    "create_part",
    "create_transfer",
    "delete_lane",
    "location_of_technician",
    "receive",
    "receive_transfer",
    "replenish",
    "return_defective",
    "revise_arrival",
    "set_lane",
    "set_limits",
    "ship_transfer",
    "transit_location",
    "update_location",
    "update_part",
]
