"""The stock ledger's building blocks, shared by the services: look rows up (naming the field when an
id is unknown), lock stock levels in a fixed order, change quantities with conditional UPDATEs and
write movement rows. Call only inside a service's transaction.

Locking: a service locks the stock levels it changes with ``lock_levels`` (ascending primary key, so
two services never wait on each other in a cycle) before it reads quantities, and serial units only
after their (location, part) level. A quantity change is an UPDATE guarded by the condition that must
hold (``on_hand >= q``...); it matching no row is a ``Conflict`` (the database constraints are the
last guard).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, gettext_noop
from tournevis.stock import domain
from tournevis.stock.domain import LocationKind, MovementKind, SerialStatus
from tournevis.stock.models import Location, Movement, Part, SerialUnit, StockLevel

TRANSIT_CODE = "IN-TRANSIT"
LEVEL_SNAPSHOT = ("on_hand", "reserved", "version")


def as_id(value: Any, field: str) -> int:
    """A positive integer id, else InvalidInput naming ``field``."""
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidInput(gettext_noop("This field is required."), field=field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(gettext_noop("An id is a whole number."), field=field) from None
    if number <= 0:
        raise InvalidInput(gettext_noop("An id is a whole number."), field=field)
    return number


def part(part_id: Any, field: str = "part_id", *, missing: type[DomainError] = InvalidInput) -> Part:
    """The part ``part_id``; unknown: ``missing`` (InvalidInput for an id in a body, NotFound for a
    path) naming ``field``."""
    pk = as_id(part_id, field)
    found = Part.objects.filter(pk=pk).first()
    if found is None:
        raise missing(gettext_noop("No part with id %(id)s."), field=field, id=pk)
    return found


def location(
    location_id: Any, field: str = "location_id", *, missing: type[DomainError] = InvalidInput
) -> Location:
    pk = as_id(location_id, field)
    found = Location.objects.filter(pk=pk).first()
    if found is None:
        raise missing(gettext_noop("No stock location with id %(id)s."), field=field, id=pk)
    return found


def not_found_part(part_id: Any) -> Part:
    return part(part_id, "part_id", missing=NotFound)


def stocking(place: Location, field: str) -> None:
    """``place`` holds stock that can be used and shipped (a depot, a van, a consignment)."""
    if place.kind not in domain.STOCKING:
        raise Conflict(
            gettext_noop("%(code)s does not hold stock that can be used or shipped."),
            field=field,
            code=place.code,
        )
    if not place.active:
        raise Conflict(gettext_noop("%(code)s is inactive."), field=field, code=place.code)


def transit_location() -> Location:
    """The one in-transit location (created on first need)."""
    found = Location.objects.filter(code=TRANSIT_CODE).first()
    if found is not None:
        return found
    now = clock.now()
    try:
        with transaction.atomic():
            return Location.objects.create(
                code=TRANSIT_CODE,
                name="In transit",
                kind=LocationKind.IN_TRANSIT.value,
                timezone="UTC",
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:  # created meanwhile by another transaction
        return Location.objects.get(code=TRANSIT_CODE)


def lock_levels(part: Part, locations: Iterable[Location]) -> dict[int, StockLevel]:
    """The (location, part) levels, created at zero when missing, locked in ascending pk order;
    keyed by location id."""
    ids = sorted({place.pk for place in locations})
    existing = set(
        StockLevel.objects.filter(part=part, location_id__in=ids).values_list("location_id", flat=True)
    )
    missing = [StockLevel(part=part, location_id=pk) for pk in ids if pk not in existing]
    if missing:
        StockLevel.objects.bulk_create(missing, ignore_conflicts=True)
    rows = StockLevel.objects.select_for_update().filter(part=part, location_id__in=ids).order_by("pk")
    return {row.location_id: row for row in rows}


def change(level: StockLevel, *, on_hand: Decimal = Decimal(0), reserved: Decimal = Decimal(0)) -> StockLevel:
    """Add the (signed) deltas to ``level`` when the result keeps 0 <= reserved <= on_hand; else a
    Conflict. Updates ``level`` in memory too."""
    new_on_hand = level.on_hand + on_hand
    new_reserved = level.reserved + reserved
    guard = Q(pk=level.pk)
    if on_hand < 0:
        guard &= Q(on_hand__gte=-on_hand)
    if reserved < 0:
        guard &= Q(reserved__gte=-reserved)
    if reserved - on_hand > 0:  # the units not reserved shrink: keep enough of them
        guard &= Q(on_hand__gte=F("reserved") + (reserved - on_hand))
    updated = StockLevel.objects.filter(guard).update(
        on_hand=F("on_hand") + on_hand, reserved=F("reserved") + reserved, version=F("version") + 1
    )
    if updated != 1 or new_on_hand < 0 or new_reserved < 0 or new_reserved > new_on_hand:
        raise Conflict(gettext_noop("The stock changed meanwhile; try again."), field="quantity")
    level.on_hand, level.reserved, level.version = new_on_hand, new_reserved, level.version + 1
    return level


def level_state(level: StockLevel) -> dict[str, Any]:
    return audit.snapshot(level, LEVEL_SNAPSHOT)


def amount(value: Decimal, part: Part) -> str:
    """A quantity as people write it: ``3`` for a counted part, ``2.5`` m otherwise."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if part.unit == domain.Unit.UNIT else f"{text} {part.unit}"


def short_of(part: Part, place: Location, available: Decimal, field: str = "quantity") -> Conflict:
    return Conflict(
        gettext_noop("Only %(available)s of %(part)s available at %(location)s."),
        field=field,
        available=amount(available, part),
        part=part.reference,
        location=place.code,
    )


@dataclass(frozen=True)
class Why:
    """Who and why, for the movement rows of one service call."""

    actor: Actor
    reason: str = ""
    reference: str = ""


def movements(
    why: Why,
    kind: MovementKind,
    part: Part,
    quantity: Decimal,
    *,
    source: Location | None = None,
    destination: Location | None = None,
    serials: Sequence[str] = (),
    transfer_id: int | None = None,
) -> list[Movement]:
    """The journal rows of one change: one row per serial number for a serialised part (quantity 1
    each), else one row of ``quantity``."""
    at = clock.now()
    common = {
        "kind": kind.value,
        "part": part,
        "source": source,
        "destination": destination,
        "transfer_id": transfer_id,
        "reference": why.reference,
        "reason": why.reason,
        "at": at,
        "actor_label": why.actor.label,
        "actor_user_id": why.actor.user_id,
    }
    if serials:
        rows = [Movement(quantity=Decimal(1), serial=serial, **common) for serial in serials]
    else:
        rows = [Movement(quantity=quantity, **common)]
    return Movement.objects.bulk_create(rows)


def clean_serials(
    part: Part, quantity: Decimal, serials: Sequence[str] | None, field: str = "serials"
) -> list[str]:
    """The serial numbers given for ``quantity`` units: exactly one per unit (distinct, non-empty) for
    a serialised part, none for another part."""
    values = [str(value).strip() for value in (serials or ())]
    if not part.serialised:
        if values:
            raise InvalidInput(
                gettext_noop("%(part)s has no serial numbers."), field=field, part=part.reference
            )
        return []
    if any(not value for value in values):
        raise InvalidInput(gettext_noop("A serial number cannot be empty."), field=field)
    if any(len(value) > 100 for value in values):
        raise InvalidInput(gettext_noop("At most %(max)s characters."), field=field, max=100)
    if len(set(values)) != len(values):
        duplicate = next(value for value in values if values.count(value) > 1)
        raise InvalidInput(gettext_noop("Serial %(serial)s is given twice."), field=field, serial=duplicate)
    if Decimal(len(values)) != quantity:
        raise InvalidInput(
            gettext_noop("%(part)s is serialised: give one serial number per unit (%(count)s)."),
            field=field,
            part=part.reference,
            count=amount(quantity, part),
        )
    return values


def units_at(part: Part, place: Location, serials: Sequence[str], field: str = "serials") -> list[SerialUnit]:
    """The serial units ``serials`` of ``part``, all in stock at ``place`` (locked), else a Conflict
    naming the first one that is not."""
    found = {
        unit.serial: unit
        for unit in SerialUnit.objects.select_for_update(of=("self",))
        .filter(part=part, serial__in=list(serials))
        .select_related("location")
        .order_by("pk")
    }
    for serial in serials:
        unit = found.get(serial)
        if unit is None or unit.location_id != place.pk or unit.status != SerialStatus.IN_STOCK:
            raise Conflict(
                gettext_noop("Serial %(serial)s of %(part)s is not in stock at %(location)s."),
                field=field,
                serial=serial,
                part=part.reference,
                location=place.code,
            )
    return [found[serial] for serial in serials]


def elsewhere(unit: SerialUnit, part: Part, field: str = "serials") -> Conflict:
    where = unit.location.code if unit.location is not None else ""
    return Conflict(
        gettext_noop("Serial %(serial)s of %(part)s is already at %(location)s."),
        field=field,
        serial=unit.serial,
        part=part.reference,
        location=where,
    )


def place_units(
    part: Part, serials: Sequence[str], place: Location, status: SerialStatus, field: str = "serials"
) -> None:
    """Put new or consumed serial units of ``part`` at ``place`` with ``status``; a serial that is
    still somewhere is a Conflict naming the place."""
    if not serials:
        return
    found = {
        unit.serial: unit
        for unit in SerialUnit.objects.select_for_update(of=("self",))
        .filter(part=part, serial__in=list(serials))
        .select_related("location")
        .order_by("pk")
    }
    for serial in serials:
        unit = found.get(serial)
        if unit is not None and unit.location_id is not None:
            raise elsewhere(unit, part, field)
    SerialUnit.objects.filter(pk__in=[unit.pk for unit in found.values()]).update(
        location=place, status=status.value, reservation=None, version=F("version") + 1
    )
    SerialUnit.objects.bulk_create(
        SerialUnit(part=part, serial=serial, location=place, status=status.value)
        for serial in serials
        if serial not in found
    )
