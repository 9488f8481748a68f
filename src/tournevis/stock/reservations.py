"""Reservations: units of a part promised to a demand (a work order, named by type and id), sourced by
``sourcing.decide`` — the technician's van, else the depot that gets them to the destination first,
else a split, else a clear refusal — and the read side of them.

``reserve`` loads the part, the candidate stock levels (one query: the part's levels with something
available at the active depots and at the technician's van) and the lanes, decides, then writes under
row locks: the stock levels of the chosen locations are locked with ``select_for_update`` in ascending
pk order (PostgreSQL; SQLite runs one writer at a time, ``transaction_mode`` IMMEDIATE) and checked
again; a location whose available quantity dropped meanwhile refuses the whole reservation
(``Conflict`` naming ``quantity``, nothing written). Quantities never go negative: the conditional
UPDATEs and the database constraints hold it.

- a share at the destination itself (the van, or the destination depot): ``reserved`` of that level
  grows; the reservation has no transfer;
- a share elsewhere: a transfer order from that depot to the destination (``services.create_transfer``
  holds the units at the source) with the lane's mode and expected arrival; the reservation sits at the
  destination and counts there once the transfer is received.

``release`` gives the units back: a reservation counted at its location lowers ``reserved``; one
whose transfer is still planned cancels the transfer; one whose parts are on the road is released (the
parts arrive as free stock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Max, Q, Value, When

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import great_circle_m
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.stock import domain, ledger, services, sourcing
from tournevis.stock.domain import LocationKind, ReservationStatus, SerialStatus, TransferStatus
from tournevis.stock.ledger import as_id
from tournevis.stock.models import Lane, Location, Part, Reservation, SerialUnit, StockLevel, Transfer
from tournevis.stock.services_transfers import region_of

AWAITED = (TransferStatus.PLANNED.value, TransferStatus.IN_TRANSIT.value)
DESTINATIONS = (LocationKind.DEPOT.value, LocationKind.VAN.value)
MAX_DEMAND_TYPE = 20


@dataclass(frozen=True)
class Destination:
    """Where the parts go: ``location_id`` (a van or a depot). ``latitude``/``longitude``: the point
    distances are measured to (the work order's site; the location's own when None); ``region``: the
    lanes' destination region (the location's when empty); ``van_location_id``: the assigned
    technician's van, tried first (None: no van)."""

    location_id: int
    latitude: float | None = None
    longitude: float | None = None
    region: str = ""
    van_location_id: int | None = None


@dataclass(frozen=True)
class Proposal:
    """A sourcing decision for a part, before anything is written."""

    part: Part
    quantity: Decimal
    destination: Location
    decision: sourcing.Decision
    levels: dict[int, Decimal]  # location id → available when the candidates were read


def part_of(part_id: Any, field: str = "part_id") -> Part:
    """An active part of the catalogue; an unknown or retired one is a bad value of ``field``."""
    pk = as_id(part_id, field)
    part = Part.objects.filter(pk=pk).first()
    if part is None:
        raise InvalidInput(gettext_noop("No part with id %(id)s in the catalogue."), field=field, id=pk)
    if not part.active:
        raise InvalidInput(
            gettext_noop("Part %(reference)s is no longer in the catalogue."),
            field=field,
            reference=part.reference,
        )
    return part


def _destination(destination: Destination) -> Location:
    found = Location.objects.filter(pk=destination.location_id).first()
    if found is None or not found.active or found.kind not in DESTINATIONS:
        raise InvalidInput(
            gettext_noop("Parts are reserved for an active van or depot; location %(id)s is not one."),
            field="destination",
            id=destination.location_id,
        )
    return found


def _available_message(part: Part, available: Decimal, quantity: Decimal) -> Conflict:
    return Conflict(
        gettext_noop(
            "Only %(available)s of %(part)s are available (%(quantity)s asked): nothing was reserved."
        ),
        field="quantity",
        available=ledger.amount(available, part),
        part=part.reference,
        quantity=ledger.amount(quantity, part),
    )


def lanes() -> list[sourcing.LaneRule]:
    return [
        sourcing.LaneRule(o, d, domain.ShippingMode(m), h)
        for o, d, m, h in Lane.objects.values_list(
            "origin_region", "destination_region", "mode", "lead_hours"
        )
    ]


def candidates(part_id: int, van_location_id: int | None) -> list[sourcing.Candidate]:
    """The part's stock levels with something available at the active depots and at the van — one
    query."""
    where = Q(location__kind=LocationKind.DEPOT.value)
    if van_location_id is not None:
        where |= Q(location_id=van_location_id)
    rows = (
        StockLevel.objects.filter(where, part_id=part_id, on_hand__gt=F("reserved"), location__active=True)
        .order_by()
        .values_list(
            "location_id",
            "location__code",
            "location__kind",
            "location__region",
            "location__latitude",
            "location__longitude",
            "location__depot__region",
            "on_hand",
            "reserved",
        )
    )
    return [
        sourcing.Candidate(pk, code, kind, region or home or "", on_hand - reserved, lat, lon)
        for pk, code, kind, region, lat, lon, home, on_hand, reserved in rows
    ]


def propose(
    *, part_id: Any, quantity: Any, destination: Destination, now: datetime | None = None
) -> Proposal:
    """Where ``quantity`` of the part would come from for ``destination`` (nothing written): the part,
    the destination, the candidates and the lanes are read (four queries), then ``sourcing.decide``."""
    part = part_of(part_id)
    q = domain.quantity(quantity, part.unit)
    target = _destination(destination)
    found = candidates(part.pk, destination.van_location_id)
    van = next((c for c in found if c.location_id == destination.van_location_id), None)
    depots = [c for c in found if c.kind == LocationKind.DEPOT.value]
    latitude = destination.latitude if destination.latitude is not None else target.latitude
    longitude = destination.longitude if destination.longitude is not None else target.longitude
    need = sourcing.Need(
        part_id=part.pk,
        part_reference=part.reference,
        quantity=q,
        destination_id=target.pk,
        region=destination.region or region_of(target),
        latitude=latitude,
        longitude=longitude,
        shipping_class=part.shipping_class,
    )
    decision = sourcing.decide(
        need,
        van,
        depots,
        lanes(),
        now=now or clock.now(),
        default_ground_hours=settings.STOCK_DEFAULT_GROUND_HOURS,
    )
    return Proposal(part, q, target, decision, {c.location_id: c.available for c in found})


def _clean_demand(demand_type: Any, demand_id: Any, demand_label: Any) -> tuple[str, int, str]:
    kind = str(demand_type or "").strip()
    if not kind or len(kind) > MAX_DEMAND_TYPE:
        raise InvalidInput(
            gettext_noop("A reservation is for a demand (e.g. a work order)."), field="demand_type"
        )
    return kind, as_id(demand_id, "demand_id"), str(demand_label or "").strip()[:60]


def _lock_levels(part_id: int, location_ids: Iterable[int]) -> dict[int, StockLevel]:
    rows = StockLevel.objects.select_for_update().filter(part_id=part_id, location_id__in=list(location_ids))
    return {row.location_id: row for row in rows.order_by("pk")}


def _free_serials(part: Part, location_id: int, quantity: Decimal) -> list[SerialUnit]:
    """``quantity`` serial units of a serialised part in stock at a location, not reserved for an
    active demand nor on a planned transfer from there — lowest serial first, locked. A part without
    serial numbers: none."""
    if not part.serialised:
        return []
    shipping: set[str] = set()
    for serials in Transfer.objects.filter(
        part=part, source_id=location_id, status=TransferStatus.PLANNED.value
    ).values_list("serials", flat=True):
        shipping.update(serials)
    units = [
        unit
        for unit in SerialUnit.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer join
        .filter(part=part, location_id=location_id, status=SerialStatus.IN_STOCK.value)
        .exclude(reservation__status=ReservationStatus.ACTIVE.value)
        .order_by("serial")
        if unit.serial not in shipping
    ][: int(quantity)]
    if len(units) < quantity:
        raise _available_message(part, Decimal(len(units)), quantity)
    return units


@transaction.atomic
def reserve(
    actor: Actor,
    *,
    demand_type: str,
    demand_id: int,
    demand_label: str = "",
    part_id: Any,
    quantity: Any,
    destination: Destination,
) -> list[Reservation]:
    """Reserve ``quantity`` of a part for a demand at ``destination`` (the module doc): one reservation
    per share of the decision, each keeping its explanation. Unknown part: ``InvalidInput`` naming
    ``part_id``; not enough anywhere, or taken meanwhile: ``Conflict`` naming ``quantity``; nothing
    written either way."""
    kind, demand, label = _clean_demand(demand_type, demand_id, demand_label)
    now = clock.now()
    proposal = propose(part_id=part_id, quantity=quantity, destination=destination, now=now)
    part, decision, target = proposal.part, proposal.decision, proposal.destination
    if decision.refused:
        raise _available_message(part, decision.available, proposal.quantity)
    locked = _lock_levels(part.pk, [a.location_id for a in decision.allocations])

    def available_now(location_id: int) -> Decimal:
        level = locked.get(location_id)
        return level.on_hand - level.reserved if level is not None else Decimal(0)

    if any(available_now(a.location_id) < a.quantity for a in decision.allocations):
        # Someone else took units between the read and the locks: refuse, saying what is left.
        lost = sum((max(Decimal(0), proposal.levels[pk] - available_now(pk)) for pk in locked), Decimal(0))
        raise _available_message(part, max(Decimal(0), decision.available - lost), proposal.quantity)
    made: list[Reservation] = []
    for index, share in enumerate(decision.allocations):
        explanation = decision.explanation_of(index)
        transfer: Transfer | None = None
        if share.local:
            updated = StockLevel.objects.filter(
                pk=locked[share.location_id].pk, on_hand__gte=F("reserved") + share.quantity
            ).update(reserved=F("reserved") + share.quantity, version=F("version") + 1)
            if not updated:
                raise _available_message(part, Decimal(0), proposal.quantity)
            units = _free_serials(part, share.location_id, share.quantity)
        else:
            units = _free_serials(part, share.location_id, share.quantity)
            transfer = services.create_transfer(
                actor,
                part_id=part.pk,
                quantity=share.quantity,
                source_id=share.location_id,
                destination_id=target.pk,
                serials=[u.serial for u in units],
                reason=label or f"{kind} {demand}",
                demand_type=kind,
                demand_id=demand,
                demand_label=label,
                mode=share.mode.value,
                expected_arrival=share.arrival,
            )
            units = []  # the transfer carries them; they are bound to the reservation on receipt
        reservation = Reservation.objects.create(
            part=part,
            location=target,
            quantity=share.quantity,
            demand_type=kind,
            demand_id=demand,
            demand_label=label,
            transfer=transfer,
            explanation=explanation,
            created_at=now,
            updated_at=now,
        )
        if units:
            SerialUnit.objects.filter(pk__in=[u.pk for u in units]).update(
                reservation=reservation, version=F("version") + 1
            )
        audit.record(actor, "stock.reservation.create", reservation, after=audit.snapshot(reservation))
        made.append(reservation)
    return made


def _release_one(actor: Actor, reservation: Reservation, reason: str, now: datetime) -> None:
    before = audit.snapshot(reservation)
    transfer = reservation.transfer
    if transfer is not None and transfer.status == TransferStatus.PLANNED.value:
        # The transfer holds the units at its source: cancelling it gives them back (and releases the
        # reservations riding on it).
        services.cancel_transfer(actor, transfer.pk, reason=reason or gettext_noop("reservation released"))
        reservation.refresh_from_db()
        if reservation.status != ReservationStatus.ACTIVE.value:
            audit.record(
                actor,
                "stock.reservation.release",
                reservation,
                before=before,
                after=audit.snapshot(reservation),
            )
            return
    counted = transfer is None or transfer.status == TransferStatus.RECEIVED.value
    if counted:
        level = _lock_levels(reservation.part_id, [reservation.location_id]).get(reservation.location_id)
        updated = (
            StockLevel.objects.filter(pk=level.pk, reserved__gte=reservation.quantity).update(
                reserved=F("reserved") - reservation.quantity, version=F("version") + 1
            )
            if level is not None
            else 0
        )
        if not updated:
            raise Conflict(
                gettext_noop("The stock level does not hold this reservation any more."), field="reservation"
            )
    SerialUnit.objects.filter(reservation=reservation).update(reservation=None, version=F("version") + 1)
    reservation.status = ReservationStatus.RELEASED.value
    reservation.version += 1
    reservation.updated_at = now
    reservation.save(update_fields=["status", "version", "updated_at"])
    audit.record(
        actor,
        "stock.reservation.release",
        reservation,
        before=before,
        after=audit.snapshot(reservation) | {"reason": reason[:300]},
    )


def _locked_reservation(reservation_id: int) -> Reservation:
    found = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("transfer")
        .filter(pk=reservation_id)
        .first()
    )
    if found is None:
        raise NotFound(gettext_noop("No reservation with id %(id)s."), id=reservation_id)
    return found


@transaction.atomic
def release(actor: Actor, reservation_id: int, *, reason: str = "") -> Reservation:
    """Give an active reservation's units back (the module doc). Not active: ``Conflict`` naming
    ``status``."""
    reservation = _locked_reservation(reservation_id)
    if reservation.status != ReservationStatus.ACTIVE.value:
        raise Conflict(
            gettext_noop("This reservation is %(status)s: there is nothing to release."),
            field="status",
            status=reservation.status,
        )
    _release_one(actor, reservation, str(reason or "").strip(), clock.now())
    reservation.refresh_from_db()
    return reservation


@transaction.atomic
def release_demand(actor: Actor, demand_type: str, demand_id: int, *, reason: str = "") -> int:
    """Release every active reservation of a demand; returns how many."""
    now = clock.now()
    ids = list(
        Reservation.objects.filter(
            demand_type=demand_type, demand_id=demand_id, status=ReservationStatus.ACTIVE.value
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        reservation = _locked_reservation(pk)
        if reservation.status == ReservationStatus.ACTIVE.value:  # a cancelled transfer may have done it
            _release_one(actor, reservation, str(reason or "").strip(), now)
            count += 1
    return count


# --- Read side --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReservationRow:
    id: int
    part_id: int
    part_reference: str
    part_name_en: str
    part_name_fr: str
    unit: str
    quantity: Decimal
    status: str
    location_id: int
    location_code: str
    location_name: str
    location_kind: str
    transfer_id: int | None
    transfer_number: str | None
    transfer_status: str | None
    transfer_mode: str | None
    source_code: str | None
    expected_arrival: datetime | None
    explanation: dict[str, Any]
    created_at: datetime
    version: int

    @property
    def awaited(self) -> bool:
        """Active and still on its way (its transfer is planned or in transit)."""
        return self.status == ReservationStatus.ACTIVE.value and self.transfer_status in AWAITED


def demand_reservations(demand_type: str, demand_id: int) -> list[ReservationRow]:
    """Every reservation of a demand (active ones first, then by creation) — one query."""
    rows = (
        Reservation.objects.filter(demand_type=demand_type, demand_id=demand_id)
        .select_related("part", "location", "transfer", "transfer__source")
        .order_by(
            Case(When(status=ReservationStatus.ACTIVE.value, then=Value(0)), default=Value(1)),
            "created_at",
            "id",
        )
    )
    out = []
    for r in rows:
        t = r.transfer
        out.append(
            ReservationRow(
                id=r.pk,
                part_id=r.part_id,
                part_reference=r.part.reference,
                part_name_en=r.part.name_en,
                part_name_fr=r.part.name_fr,
                unit=r.part.unit,
                quantity=r.quantity,
                status=r.status,
                location_id=r.location_id,
                location_code=r.location.code,
                location_name=r.location.name,
                location_kind=r.location.kind,
                transfer_id=t.pk if t else None,
                transfer_number=t.number if t else None,
                transfer_status=t.status if t else None,
                transfer_mode=t.mode if t else None,
                source_code=t.source.code if t else None,
                expected_arrival=t.expected_arrival if t else None,
                explanation=r.explanation or {},
                created_at=r.created_at,
                version=r.version,
            )
        )
    return out


def arrivals(demand_type: str, demand_ids: Iterable[int]) -> dict[int, datetime]:
    """``{demand id: latest expected arrival}`` of the active reservations whose transfer is not yet
    received (planned or in transit); a demand awaiting nothing is absent. One query."""
    ids = list(demand_ids)
    if not ids:
        return {}
    rows = (
        Reservation.objects.filter(
            demand_type=demand_type,
            demand_id__in=ids,
            status=ReservationStatus.ACTIVE.value,
            transfer__status__in=AWAITED,
        )
        .order_by()
        .values("demand_id")
        .annotate(latest=Max("transfer__expected_arrival"))
        .values_list("demand_id", "latest")
    )
    return {demand: latest for demand, latest in rows}


def nearest_depot(latitude: float | None, longitude: float | None) -> Location | None:
    """The active depot nearest to a point (by great-circle distance; by code when the point or the
    depots have no coordinates)."""
    depots = list(Location.objects.filter(kind=LocationKind.DEPOT.value, active=True).order_by("code"))
    if latitude is None or longitude is None:
        return depots[0] if depots else None
    placed = [d for d in depots if d.latitude is not None and d.longitude is not None]
    if not placed:
        return depots[0] if depots else None
    return min(
        placed,
        key=lambda d: (great_circle_m(latitude, longitude, d.latitude, d.longitude), d.code),  # type: ignore[arg-type]
    )


def van_of(technician_id: int | None) -> Location | None:
    """The technician's active van (None when they have none)."""
    if technician_id is None:
        return None
    return Location.objects.filter(
        kind=LocationKind.VAN.value, technician_id=technician_id, active=True
    ).first()
