"""Quantity changes that are not transfers (re-exported by ``services``): receipt from a supplier,
adjustment after a count, consumption on a visit, return of a defective part. Each locks the stock
level it changes, writes movement rows (one per serial number for a serialised part) and an audit
event with the level before and after."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop
from tournevis.stock import domain, ledger
from tournevis.stock.domain import LocationKind, MovementKind, ReservationStatus, SerialStatus, TransferStatus
from tournevis.stock.ledger import Why
from tournevis.stock.models import Location, Movement, Part, Reservation, SerialUnit, StockLevel
from tournevis.stock.services_transfers import free_units

# --- Quantity changes ---------------------------------------------------------------------------------


def _why(actor: Actor, reason: str, reference: str, *, reason_required: bool = False) -> Why:
    return Why(
        actor,
        clean_text(reason, "reason", max_length=300, required=reason_required),
        clean_text(reference, "reference", max_length=100),
    )


def _audit_level(actor: Actor, action: str, level: StockLevel, before: dict[str, Any]) -> None:
    audit.record(actor, action, level, before=before, after=ledger.level_state(level))


@transaction.atomic
def receive(
    actor: Actor,
    location_id: int,
    part_id: int,
    quantity: Any,
    *,
    serials: Sequence[str] = (),
    reason: str = "",
    reference: str = "",
) -> Movement:
    """Parts arrive from a supplier at a stocking location (on hand grows). A serialised part takes
    one new serial number per unit, none of which may be somewhere already. Returns the (first)
    movement row: a serialised part gets one row per serial."""
    place = ledger.location(location_id)
    part = ledger.part(part_id)
    ledger.stocking(place, "location_id")
    q = domain.quantity(quantity, part.unit)
    units = ledger.clean_serials(part, q, serials)
    why = _why(actor, reason, reference)
    level = ledger.lock_levels(part, [place])[place.pk]
    before = ledger.level_state(level)
    ledger.place_units(part, units, place, SerialStatus.IN_STOCK)
    ledger.change(level, on_hand=q)
    rows = ledger.movements(why, MovementKind.RECEIPT, part, q, destination=place, serials=units)
    _audit_level(actor, "stock.level.receive", level, before)
    return rows[0]


@transaction.atomic
def adjust(
    actor: Actor,
    location_id: int,
    part_id: int,
    counted: Any,
    *,
    reason: str,
    serials: Sequence[str] | None = None,
) -> Movement | None:
    """After a count: on hand becomes ``counted`` (never below what is reserved); the difference is
    an adjustment movement (from the location for a loss, to it for a gain). For a serialised part
    ``serials`` lists the units found: the missing ones are written off, the new ones appear (none of
    them may be at another location). None when nothing differs."""
    place = ledger.location(location_id)
    part = ledger.part(part_id)
    if place.kind == LocationKind.IN_TRANSIT:
        raise Conflict(gettext_noop("The in-transit location is not counted."), field="location_id")
    new = domain.quantity(counted, part.unit, "counted", allow_zero=True)
    why = _why(actor, reason, "", reason_required=True)
    if part.serialised:
        found = ledger.clean_serials(part, new, serials if serials is not None else (), "serials")
    elif serials:
        raise InvalidInput(
            gettext_noop("%(part)s has no serial numbers."), field="serials", part=part.reference
        )
    level = ledger.lock_levels(part, [place])[place.pk]
    if new < level.reserved:
        raise Conflict(
            gettext_noop("%(reserved)s are reserved here: the count cannot be lower."),
            field="counted",
            reserved=ledger.amount(level.reserved, part),
        )
    lost: list[str] = []
    gained: list[str] = []
    if part.serialised:
        held = {
            unit.serial: unit
            for unit in SerialUnit.objects.select_for_update()
            .filter(part=part, location=place)
            .order_by("pk")
        }
        lost = sorted(serial for serial in held if serial not in found)
        gained = [serial for serial in found if serial not in held]
        for serial in lost:
            holder = held[serial].reservation_id
            if (
                holder is not None
                and Reservation.objects.filter(pk=holder, status=ReservationStatus.ACTIVE.value).exists()
            ):
                raise Conflict(
                    gettext_noop("Serial %(serial)s is reserved: it cannot be written off."),
                    field="serials",
                    serial=serial,
                )
        ledger.place_units(part, gained, place, SerialStatus.IN_STOCK)
        SerialUnit.objects.filter(part=part, location=place, serial__in=lost).update(
            location=None, status=SerialStatus.CONSUMED.value, reservation=None
        )
    difference = new - level.on_hand
    if difference == 0 and not lost and not gained:
        return None
    before = ledger.level_state(level)
    rows: list[Movement] = []
    if difference:
        ledger.change(level, on_hand=difference)
    if lost:
        rows += ledger.movements(
            why, MovementKind.ADJUSTMENT, part, Decimal(len(lost)), source=place, serials=lost
        )
    if gained:
        rows += ledger.movements(
            why, MovementKind.ADJUSTMENT, part, Decimal(len(gained)), destination=place, serials=gained
        )
    if not part.serialised:
        loss = difference < 0
        rows += ledger.movements(
            why,
            MovementKind.ADJUSTMENT,
            part,
            abs(difference),
            source=place if loss else None,
            destination=None if loss else place,
        )
    _audit_level(actor, "stock.level.adjust", level, before)
    return rows[0]


def _reservation(reservation_id: Any, part: Part, place: Location) -> Reservation:
    pk = ledger.as_id(reservation_id, "reservation_id")
    found = (
        Reservation.objects.select_for_update(of=("self",)).filter(pk=pk).select_related("transfer").first()
    )
    if found is None:
        raise InvalidInput(gettext_noop("No reservation with id %(id)s."), field="reservation_id", id=pk)
    if found.status != ReservationStatus.ACTIVE:
        raise Conflict(
            gettext_noop("This reservation has been used already.")
            if found.status == ReservationStatus.CONSUMED
            else gettext_noop("This reservation was released."),
            field="reservation_id",
        )
    if found.part_id != part.pk or found.location_id != place.pk:
        raise Conflict(
            gettext_noop("This reservation is for %(part)s at another location."),
            field="reservation_id",
            part=found.part.reference,
        )
    if found.transfer is not None and found.transfer.status != TransferStatus.RECEIVED:
        raise Conflict(
            gettext_noop("The parts of this reservation have not arrived yet (transfer %(number)s)."),
            field="reservation_id",
            number=found.transfer.number,
        )
    return found


@transaction.atomic
def consume(
    actor: Actor,
    location_id: int,
    part_id: int,
    quantity: Any,
    *,
    reference: str,
    reason: str = "",
    serials: Sequence[str] = (),
    reservation_id: int | None = None,
) -> Movement:
    """Parts used on a visit (``reference``: the visit or work order), taken from a stocking location.
    With a reservation its units are used (the reservation is consumed, or reduced when only part of
    it is used); without, only available (unreserved) units."""
    place = ledger.location(location_id)
    part = ledger.part(part_id)
    ledger.stocking(place, "location_id")
    q = domain.quantity(quantity, part.unit)
    units = ledger.clean_serials(part, q, serials)
    why = Why(
        actor,
        clean_text(reason, "reason", max_length=300),
        clean_text(reference, "reference", max_length=100, required=True),
    )
    level = ledger.lock_levels(part, [place])[place.pk]
    reservation = _reservation(reservation_id, part, place) if reservation_id is not None else None
    if reservation is not None:
        if q > reservation.quantity:
            raise Conflict(
                gettext_noop("This reservation holds only %(quantity)s."),
                field="quantity",
                quantity=ledger.amount(reservation.quantity, part),
            )
    elif q > level.on_hand - level.reserved:
        raise ledger.short_of(part, place, level.on_hand - level.reserved)
    found = free_units(part, place, units, reservation_id=reservation_id)
    before = ledger.level_state(level)
    ledger.change(level, on_hand=-q, reserved=-q if reservation is not None else Decimal(0))
    if found:
        SerialUnit.objects.filter(pk__in=[unit.pk for unit in found]).update(
            location=None, status=SerialStatus.CONSUMED.value, reservation=None
        )
    if reservation is not None:
        _use_reservation(actor, reservation, q)
    rows = ledger.movements(why, MovementKind.CONSUMPTION, part, q, source=place, serials=units)
    _audit_level(actor, "stock.level.consume", level, before)
    return rows[0]


def _use_reservation(actor: Actor, reservation: Reservation, q: Decimal) -> None:
    before = audit.snapshot(reservation, ("quantity", "status", "version"))
    if q == reservation.quantity:
        reservation.status = ReservationStatus.CONSUMED.value
    else:
        reservation.quantity -= q
    reservation.version += 1
    reservation.updated_at = clock.now()
    reservation.save(update_fields=["quantity", "status", "version", "updated_at"])
    audit.record(
        actor,
        "stock.reservation.consume",
        reservation,
        before=before,
        after=audit.snapshot(reservation, ("quantity", "status", "version")),
    )


@transaction.atomic
def return_defective(
    actor: Actor,
    part_id: int,
    quantity: Any,
    *,
    from_location_id: int | None,
    defective_location_id: int,
    serials: Sequence[str] = (),
    reference: str = "",
    reason: str = "",
) -> Movement:
    """A replaced (broken) part comes back into a defective-returns area: that area's on hand grows;
    ``from_location_id`` (optional, e.g. the technician's van) is recorded as the movement's source,
    its quantities do not change. Serial numbers become ``defective`` there."""
    part = ledger.part(part_id)
    area = ledger.location(defective_location_id, "defective_location_id")
    if area.kind != LocationKind.DEFECTIVE:
        raise InvalidInput(
            gettext_noop("%(code)s is not a defective-returns area."),
            field="defective_location_id",
            code=area.code,
        )
    origin = ledger.location(from_location_id, "from_location_id") if from_location_id is not None else None
    if origin is not None and origin.pk == area.pk:
        raise InvalidInput(
            gettext_noop("The part cannot come from the defective-returns area itself."),
            field="from_location_id",
        )
    q = domain.quantity(quantity, part.unit)
    units = ledger.clean_serials(part, q, serials)
    why = _why(actor, reason, reference)
    level = ledger.lock_levels(part, [area])[area.pk]
    before = ledger.level_state(level)
    ledger.place_units(part, units, area, SerialStatus.DEFECTIVE)
    ledger.change(level, on_hand=q)
    rows = ledger.movements(
        why, MovementKind.DEFECTIVE_RETURN, part, q, source=origin, destination=area, serials=units
    )
    _audit_level(actor, "stock.level.defective_return", level, before)
    return rows[0]


def location_of_technician(technician_id: int) -> Location | None:
    """The van of a technician, if any."""
    return Location.objects.filter(technician_id=technician_id, kind=LocationKind.VAN.value).first()
