"""Transfers between locations and replenishment (re-exported by ``services``).

A transfer's life: ``planned`` (``create_transfer`` holds the units at the source: its ``reserved``
grows) → ``in_transit`` (``ship_transfer``: the units leave the source for the in-transit location)
→ ``received`` (``receive_transfer``: they arrive at the destination; reservations waiting for them
are counted there from now on). A planned transfer can be cancelled (the hold is released, and so are
the reservations that waited for it). Numbers are ``TR-<year>-<5 digits>``, gap-free per year: the
number is taken while the in-transit location row is locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from tournevis.core import audit, clock, events
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.stock import domain, ledger, sourcing
from tournevis.stock.domain import (
    LocationKind,
    MovementKind,
    ReservationStatus,
    SerialStatus,
    ShippingClass,
    ShippingMode,
    TransferStatus,
)
from tournevis.stock.ledger import Why
from tournevis.stock.models import Lane, Location, Part, Reservation, SerialUnit, Transfer

STATUS_MESSAGES = {
    TransferStatus.PLANNED: gettext_noop("Transfer %(number)s has not been shipped yet."),
    TransferStatus.IN_TRANSIT: gettext_noop("Transfer %(number)s is already on its way."),
    TransferStatus.RECEIVED: gettext_noop("Transfer %(number)s has already been received."),
    TransferStatus.CANCELLED: gettext_noop("Transfer %(number)s is cancelled."),
}
TRANSFER_SNAPSHOT = ("status", "expected_arrival", "shipped_at", "received_at", "version")


def region_of(place: Location) -> str:
    """A location's region; a van or consignment without one takes its home depot's."""
    if place.region:
        return place.region
    if place.depot_id is not None:
        depot = Location.objects.filter(pk=place.depot_id).values_list("region", flat=True).first()
        return depot or ""
    return ""


def lane_rules() -> list[sourcing.LaneRule]:
    return [
        sourcing.LaneRule(
            lane.origin_region, lane.destination_region, ShippingMode(lane.mode), lane.lead_hours
        )
        for lane in Lane.objects.all()
    ]


def plan_route(
    part: Part, source: Location, destination: Location, mode: str | None = None
) -> sourcing.Route | None:
    """How ``part`` travels from ``source`` to ``destination``: the fastest lane (``sourcing.route``),
    or the lane of ``mode`` when one is asked for. None: no way."""
    lanes = lane_rules()
    if mode is not None:
        lanes = [lane for lane in lanes if lane.mode == mode]
    found = sourcing.route(
        lanes,
        region_of(source),
        region_of(destination),
        shipping_class=part.shipping_class,
        default_ground_hours=settings.STOCK_DEFAULT_GROUND_HOURS,
        same_location=source.pk == destination.pk,
    )
    if found is not None and mode is not None and found.mode != mode:
        return None
    return found


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(gettext_noop("Give a date and time with its time zone."), field=field)
    return value


def _next_number(transit: Location) -> str:
    Location.objects.select_for_update().filter(pk=transit.pk).first()  # serialises numbering
    prefix = f"TR-{clock.now().year}-"
    last = (
        Transfer.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    following = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{following:05d}"


def check_not_shipping(part: Part, source: Location, serials: Sequence[str], field: str = "serials") -> None:
    """None of ``serials`` is on a planned transfer from ``source`` already."""
    if not serials:
        return
    wanted = set(serials)
    for transfer in Transfer.objects.filter(part=part, source=source, status=TransferStatus.PLANNED.value):
        taken = sorted(wanted & set(transfer.serials))
        if taken:
            raise Conflict(
                gettext_noop("Serial %(serial)s is already on transfer %(number)s."),
                field=field,
                serial=taken[0],
                number=transfer.number,
            )


def free_units(
    part: Part, source: Location, units: Sequence[str], *, reservation_id: int | None = None
) -> list[SerialUnit]:
    """The serial units ``units`` of ``part`` at ``source``, none of them held for another demand than
    ``reservation_id`` nor leaving on a transfer; Conflict naming ``serials``."""
    found = ledger.units_at(part, source, units)
    for unit in found:
        if (
            unit.reservation_id is not None
            and unit.reservation_id != reservation_id
            and Reservation.objects.filter(
                pk=unit.reservation_id, status=ReservationStatus.ACTIVE.value
            ).exists()
        ):
            raise Conflict(
                gettext_noop("Serial %(serial)s is reserved for another demand."),
                field="serials",
                serial=unit.serial,
            )
    check_not_shipping(part, source, units)
    return found


def _route_for(part: Part, source: Location, destination: Location, mode: Any) -> sourcing.Route:
    if mode is None or mode == "":
        found = plan_route(part, source, destination)
    else:
        wanted = str(mode)
        if wanted not in (ShippingMode.GROUND, ShippingMode.EXPRESS_AIR):
            raise InvalidInput(
                gettext_noop("Must be one of %(choices)s."), field="mode", choices="ground, express_air"
            )
        if wanted == ShippingMode.EXPRESS_AIR and part.shipping_class == ShippingClass.HAZARDOUS:
            raise Conflict(
                gettext_noop("%(part)s is hazardous: it travels by ground only."),
                field="mode",
                part=part.reference,
            )
        found = plan_route(part, source, destination, wanted)
    if found is None:
        raise Conflict(
            gettext_noop("No lane from %(origin)s to %(destination)s for %(part)s."),
            field="destination_id",
            origin=region_of(source) or source.code,
            destination=region_of(destination) or destination.code,
            part=part.reference,
        )
    return found


@transaction.atomic
def create_transfer(
    actor: Actor,
    *,
    part_id: int,
    quantity: Any,
    source_id: int,
    destination_id: int,
    serials: Sequence[str] = (),
    reason: str = "",
    demand_type: str = "",
    demand_id: int | None = None,
    demand_label: str = "",
    mode: str | None = None,
    expected_arrival: datetime | None = None,
) -> Transfer:
    """Order parts from ``source`` (a stocking location with enough available) to ``destination``:
    the units are held at the source. ``mode`` and ``expected_arrival`` default to the fastest lane
    between the two regions (now + its lead time)."""
    part = ledger.part(part_id)
    source = ledger.location(source_id, "source_id")
    destination = ledger.location(destination_id, "destination_id")
    if source.pk == destination.pk:
        raise InvalidInput(gettext_noop("A transfer needs two different locations."), field="destination_id")
    ledger.stocking(source, "source_id")
    if destination.kind == LocationKind.IN_TRANSIT or not destination.active:
        raise Conflict(
            gettext_noop("%(code)s cannot receive a transfer."), field="destination_id", code=destination.code
        )
    q = domain.quantity(quantity, part.unit)
    units = ledger.clean_serials(part, q, serials)
    reason = clean_text(reason, "reason", max_length=300)
    demand_type = clean_text(demand_type, "demand_type", max_length=20)
    demand_label = clean_text(demand_label, "demand_label", max_length=60)
    if demand_id is not None:
        demand_id = ledger.as_id(demand_id, "demand_id")
    way = _route_for(part, source, destination, mode)
    now = clock.now()
    arrival = _aware(expected_arrival, "expected_arrival") if expected_arrival is not None else None
    transit = ledger.transit_location()
    number = _next_number(transit)
    level = ledger.lock_levels(part, [source])[source.pk]
    if q > level.on_hand - level.reserved:
        raise ledger.short_of(part, source, level.on_hand - level.reserved)
    free_units(part, source, units)
    before = ledger.level_state(level)
    ledger.change(level, reserved=q)
    transfer = Transfer.objects.create(
        number=number,
        part=part,
        quantity=q,
        serials=units,
        source=source,
        destination=destination,
        mode=way.mode.value,
        expected_arrival=arrival or now + timedelta(hours=way.lead_hours),
        reason=reason,
        demand_type=demand_type,
        demand_id=demand_id,
        demand_label=demand_label,
        created_at=now,
        updated_at=now,
    )
    audit.record(actor, "stock.transfer.create", transfer, after=audit.snapshot(transfer))
    audit.record(actor, "stock.level.hold", level, before=before, after=ledger.level_state(level))
    return transfer


def _locked_transfer(
    transfer_id: int, *allowed: TransferStatus, expected_version: int | None = None
) -> Transfer:
    found = (
        Transfer.objects.select_for_update(of=("self",)).filter(pk=transfer_id).select_related("part").first()
    )
    if found is None:
        raise NotFound(gettext_noop("No transfer with id %(id)s."), id=transfer_id)
    check_version(found, expected_version)
    if found.status not in allowed:
        raise Conflict(STATUS_MESSAGES[TransferStatus(found.status)], field="status", number=found.number)
    return found


def _save(actor: Actor, transfer: Transfer, action: str, before: dict[str, Any]) -> Transfer:
    transfer.version += 1
    transfer.updated_at = clock.now()
    transfer.save()
    audit.record(actor, action, transfer, before=before, after=audit.snapshot(transfer, TRANSFER_SNAPSHOT))
    return transfer


def _why(actor: Actor, transfer: Transfer) -> Why:
    return Why(actor, transfer.reason, transfer.number)


@transaction.atomic
def ship_transfer(actor: Actor, transfer_id: int, *, expected_version: int | None = None) -> Transfer:
    """The parts leave the source: its on hand and hold shrink, the in-transit location's grows."""
    transfer = _locked_transfer(transfer_id, TransferStatus.PLANNED, expected_version=expected_version)
    part, q = transfer.part, transfer.quantity
    transit = ledger.transit_location()
    source = Location.objects.get(pk=transfer.source_id)
    levels = ledger.lock_levels(part, [source, transit])
    units = ledger.units_at(part, source, transfer.serials)
    ledger.change(levels[source.pk], on_hand=-q, reserved=-q)
    ledger.change(levels[transit.pk], on_hand=q)
    SerialUnit.objects.filter(pk__in=[unit.pk for unit in units]).update(
        location=transit, status=SerialStatus.IN_TRANSIT.value
    )
    ledger.movements(
        _why(actor, transfer),
        MovementKind.TRANSFER_OUT,
        part,
        q,
        source=source,
        destination=transit,
        serials=transfer.serials,
        transfer_id=transfer.pk,
    )
    before = audit.snapshot(transfer, TRANSFER_SNAPSHOT)
    transfer.status = TransferStatus.IN_TRANSIT.value
    transfer.shipped_at = clock.now()
    return _save(actor, transfer, "stock.transfer.ship", before)


@transaction.atomic
def receive_transfer(actor: Actor, transfer_id: int, *, expected_version: int | None = None) -> Transfer:
    """The parts arrive: in transit → destination; the active reservations that waited for them are
    counted in the destination's reserved from now on. Publishes ``stock.transfer_received``."""
    transfer = _locked_transfer(transfer_id, TransferStatus.IN_TRANSIT, expected_version=expected_version)
    part, q = transfer.part, transfer.quantity
    transit = ledger.transit_location()
    destination = Location.objects.get(pk=transfer.destination_id)
    levels = ledger.lock_levels(part, [destination, transit])
    waiting = list(
        Reservation.objects.select_for_update()
        .filter(transfer=transfer, status=ReservationStatus.ACTIVE.value)
        .order_by("pk")
    )
    held = sum((reservation.quantity for reservation in waiting), Decimal(0))
    ledger.change(levels[transit.pk], on_hand=-q)
    ledger.change(levels[destination.pk], on_hand=q, reserved=held)
    if waiting:
        Reservation.objects.filter(pk__in=[reservation.pk for reservation in waiting]).update(
            location=destination, updated_at=clock.now()
        )
    SerialUnit.objects.filter(part=part, serial__in=transfer.serials, location=transit).update(
        location=destination, status=SerialStatus.IN_STOCK.value
    )
    _bind_units(part, destination, transfer.serials, waiting)
    ledger.movements(
        _why(actor, transfer),
        MovementKind.TRANSFER_IN,
        part,
        q,
        source=transit,
        destination=destination,
        serials=transfer.serials,
        transfer_id=transfer.pk,
    )
    before = audit.snapshot(transfer, TRANSFER_SNAPSHOT)
    transfer.status = TransferStatus.RECEIVED.value
    transfer.received_at = clock.now()
    _save(actor, transfer, "stock.transfer.receive", before)
    events.publish(
        "stock.transfer_received",
        transfer_id=transfer.pk,
        demand_type=transfer.demand_type,
        demand_id=transfer.demand_id,
    )
    return transfer


def _bind_units(part: Part, place: Location, serials: Sequence[str], waiting: Sequence[Reservation]) -> None:
    """The serial units a transfer brought are held for the reservations that waited for it, in order
    (a reservation of n units gets the next n serials)."""
    units = list(SerialUnit.objects.filter(part=part, serial__in=serials, location=place).order_by("serial"))
    start = 0
    for reservation in waiting:
        count = int(reservation.quantity)
        SerialUnit.objects.filter(pk__in=[unit.pk for unit in units[start : start + count]]).update(
            reservation=reservation, version=F("version") + 1
        )
        start += count


@transaction.atomic
def cancel_transfer(
    actor: Actor, transfer_id: int, *, reason: str, expected_version: int | None = None
) -> Transfer:
    """Cancel a planned transfer: the source's hold is released, and so are the reservations that
    waited for it. Publishes ``stock.transfer_cancelled``."""
    transfer = _locked_transfer(transfer_id, TransferStatus.PLANNED, expected_version=expected_version)
    why = clean_text(reason, "reason", max_length=300, required=True)
    source = Location.objects.get(pk=transfer.source_id)
    level = ledger.lock_levels(transfer.part, [source])[source.pk]
    before_level = ledger.level_state(level)
    ledger.change(level, reserved=-transfer.quantity)
    for reservation in (
        Reservation.objects.select_for_update()
        .filter(transfer=transfer, status=ReservationStatus.ACTIVE.value)
        .order_by("pk")
    ):
        snap = ("status", "version")
        previous = audit.snapshot(reservation, snap)
        reservation.status = ReservationStatus.RELEASED.value
        reservation.version += 1
        reservation.updated_at = clock.now()
        reservation.save(update_fields=["status", "version", "updated_at"])
        audit.record(
            actor,
            "stock.reservation.release",
            reservation,
            before=previous,
            after=audit.snapshot(reservation, snap),
        )
    audit.record(actor, "stock.level.release", level, before=before_level, after=ledger.level_state(level))
    before = audit.snapshot(transfer, TRANSFER_SNAPSHOT)
    transfer.status = TransferStatus.CANCELLED.value
    transfer.reason = (f"{transfer.reason} — {why}" if transfer.reason else why)[:300]
    _save(actor, transfer, "stock.transfer.cancel", before)
    events.publish(
        "stock.transfer_cancelled",
        transfer_id=transfer.pk,
        demand_type=transfer.demand_type,
        demand_id=transfer.demand_id,
    )
    return transfer


@transaction.atomic
def revise_arrival(
    actor: Actor, transfer_id: int, expected_arrival: datetime, *, expected_version: int | None = None
) -> Transfer:
    """A new expected arrival for a planned or in-transit transfer."""
    transfer = _locked_transfer(
        transfer_id, TransferStatus.PLANNED, TransferStatus.IN_TRANSIT, expected_version=expected_version
    )
    arrival = _aware(expected_arrival, "expected_arrival")
    if arrival == transfer.expected_arrival:
        return transfer
    before = audit.snapshot(transfer, TRANSFER_SNAPSHOT)
    transfer.expected_arrival = arrival
    return _save(actor, transfer, "stock.transfer.revise", before)


def _pick_serials(part: Part, source: Location, count: int) -> list[str]:
    """``count`` serial numbers in stock at ``source``, unreserved and not being shipped (by serial)."""
    shipping: set[str] = set()
    for transfer in Transfer.objects.filter(part=part, source=source, status=TransferStatus.PLANNED.value):
        shipping.update(transfer.serials)
    free = (
        SerialUnit.objects.filter(part=part, location=source, status=SerialStatus.IN_STOCK.value)
        .exclude(reservation__status=ReservationStatus.ACTIVE.value)
        .order_by("serial")
        .values_list("serial", flat=True)
    )
    return [serial for serial in free if serial not in shipping][:count]


@transaction.atomic
def replenish(actor: Actor, location_id: int, part_ids: Sequence[int] | None = None) -> list[Transfer]:
    """Order the transfers that ``queries.replenishment_proposals`` proposes for a location (all its
    parts below minimum, or only ``part_ids``): from the van's home depot, or from the depot holding the
    most available. A proposal is capped at what the source has available; a proposal without a
    source, with nothing available there, or without a lane is skipped."""
    from tournevis.stock import queries  # the read side; imported here to keep module loading simple

    place = ledger.location(location_id)
    ledger.stocking(place, "location_id")
    wanted = {ledger.as_id(pk, "part_ids") for pk in part_ids} if part_ids is not None else None
    created: list[Transfer] = []
    for proposal in queries.replenishment_proposals(place.pk):
        if wanted is not None and proposal.part_id not in wanted:
            continue
        if proposal.source_id is None or proposal.source_available <= 0:
            continue
        part = Part.objects.get(pk=proposal.part_id)
        source = Location.objects.get(pk=proposal.source_id)
        if plan_route(part, source, place) is None:
            continue
        q = min(proposal.quantity, proposal.source_available)
        serials: list[str] = []
        if part.serialised:
            serials = _pick_serials(part, source, int(q))
            q = Decimal(len(serials))
            if not serials:
                continue
        created.append(
            create_transfer(
                actor,
                part_id=part.pk,
                quantity=q,
                source_id=source.pk,
                destination_id=place.pk,
                serials=serials,
                reason="Replenishment",
            )
        )
    return created
