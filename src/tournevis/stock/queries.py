"""Read side of stock: typed rows for the API, pages and reports, each list in a fixed, small number
of queries.

Replenishment rule (``replenishment_proposals``): for a level with a minimum, *projected* = on hand -
reserved + inbound (planned and in-transit transfers to it). When projected < minimum the proposal is
maximum - projected (minimum - projected when there is no maximum), rounded up to a whole number for
a part counted in units. The source is a van's (or consignment's) home depot, else — and for a depot —
the other depot holding the most available units of the part (ties: by code).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from django.apps import apps
from django.db.models import F, Q, QuerySet, Sum
from django.utils.translation import get_language

from tournevis.stock.domain import STOCKING, LocationKind, TransferStatus, Unit
from tournevis.stock.models import Location, Movement, Part, StockLevel, Transfer

OPEN_TRANSFERS = (TransferStatus.PLANNED.value, TransferStatus.IN_TRANSIT.value)
MAX_PAGE = 500


def part_name(part: Part) -> str:
    """The part's name in the active language (French or English)."""
    return part.name_fr if (get_language() or "en").startswith("fr") else part.name_en


@dataclass(frozen=True)
class PartRow:
    id: int
    reference: str
    name_en: str
    name_fr: str
    manufacturer_reference: str
    unit: str
    serialised: bool
    unit_cost_minor: int
    unit_price_minor: int
    currency: str
    shipping_class: str
    active: bool
    version: int
    fits: list[int] = field(default_factory=list)


def _part_row(part: Part) -> PartRow:
    return PartRow(
        id=part.pk,
        reference=part.reference,
        name_en=part.name_en,
        name_fr=part.name_fr,
        manufacturer_reference=part.manufacturer_reference,
        unit=part.unit,
        serialised=part.serialised,
        unit_cost_minor=part.unit_cost_minor,
        unit_price_minor=part.unit_price_minor,
        currency=part.currency,
        shipping_class=part.shipping_class,
        active=part.active,
        version=part.version,
        fits=sorted(model.pk for model in part.fits.all()),
    )


def parts(*, search: str = "", active: bool | None = None, fits: int | None = None) -> list[PartRow]:
    """Parts by reference; ``search`` matches reference, names and manufacturer reference; ``fits``:
    only the parts of one equipment model. Two queries."""
    rows = Part.objects.prefetch_related("fits").order_by("reference")
    text = search.strip()
    if text:
        rows = rows.filter(
            Q(reference__icontains=text)
            | Q(name_en__icontains=text)
            | Q(name_fr__icontains=text)
            | Q(manufacturer_reference__icontains=text)
        )
    if active is not None:
        rows = rows.filter(active=active)
    if fits is not None:
        rows = rows.filter(fits__pk=fits)
    return [_part_row(part) for part in rows]


def part(part_id: int) -> PartRow | None:
    found = Part.objects.prefetch_related("fits").filter(pk=part_id).first()
    return _part_row(found) if found is not None else None


@dataclass(frozen=True)
class FitRow:
    id: int
    manufacturer: str
    name: str


def part_fits(part_id: int) -> list[FitRow]:
    """The equipment models a part fits, by manufacturer and name (installed_base's table, read
    through the app registry)."""
    model = apps.get_model("installed_base", "EquipmentModel")
    ids = Part.fits.through.objects.filter(part_id=part_id).values("equipmentmodel_id")
    return [
        FitRow(row.pk, row.manufacturer, row.name)
        for row in model.objects.filter(pk__in=ids).order_by("manufacturer", "name")
    ]


def locations(
    *, kind: str | None = None, region: str | None = None, active: bool | None = None
) -> QuerySet[Location]:
    rows = Location.objects.order_by("code")
    if kind:
        rows = rows.filter(kind=kind)
    if region:
        rows = rows.filter(region=region)
    if active is not None:
        rows = rows.filter(active=active)
    return rows


def inbound(*, location_ids: Iterable[int] | None = None) -> dict[tuple[int, int], Decimal]:
    """Quantities on their way (planned and in-transit transfers) by (destination id, part id)."""
    rows = Transfer.objects.filter(status__in=OPEN_TRANSFERS)
    if location_ids is not None:
        rows = rows.filter(destination_id__in=list(location_ids))
    totals = rows.values("destination_id", "part_id").annotate(total=Sum("quantity")).order_by()
    return {(row["destination_id"], row["part_id"]): row["total"] for row in totals}


@dataclass(frozen=True)
class LevelRow:
    location_id: int
    location_code: str
    location_name: str
    location_kind: str
    part_id: int
    part_reference: str
    part_name: str
    unit: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    minimum: Decimal | None
    maximum: Decimal | None
    inbound: Decimal
    version: int

    @property
    def projected(self) -> Decimal:
        return self.available + self.inbound

    @property
    def below_minimum(self) -> bool:
        return self.minimum is not None and self.projected < self.minimum


def levels(
    *,
    location_id: int | None = None,
    part_id: int | None = None,
    below_minimum: bool = False,
    location_ids: Iterable[int] | None = None,
) -> list[LevelRow]:
    """Stock levels by location code then part reference (rows only: a part never held somewhere has
    none). ``below_minimum``: only levels whose projected quantity (available + inbound) is below
    their minimum. Two queries."""
    rows = StockLevel.objects.select_related("location", "part").order_by("location__code", "part__reference")
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    if location_ids is not None:
        rows = rows.filter(location_id__in=list(location_ids))
    if part_id is not None:
        rows = rows.filter(part_id=part_id)
    if below_minimum:
        rows = rows.filter(minimum__isnull=False)
    coming = inbound(location_ids=[location_id] if location_id is not None else location_ids)
    out = []
    for level in rows:
        row = LevelRow(
            location_id=level.location_id,
            location_code=level.location.code,
            location_name=level.location.name,
            location_kind=level.location.kind,
            part_id=level.part_id,
            part_reference=level.part.reference,
            part_name=part_name(level.part),
            unit=level.part.unit,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.on_hand - level.reserved,
            minimum=level.minimum,
            maximum=level.maximum,
            inbound=coming.get((level.location_id, level.part_id), Decimal(0)),
            version=level.version,
        )
        if not below_minimum or row.below_minimum:
            out.append(row)
    return out


@dataclass(frozen=True)
class MovementRow:
    id: int
    at: datetime
    kind: str
    part_id: int
    part_reference: str
    quantity: Decimal
    source_id: int | None
    source_code: str
    destination_id: int | None
    destination_code: str
    serial: str
    transfer_id: int | None
    transfer_number: str
    reference: str
    reason: str
    actor_label: str


def movement_rows(
    part_id: int | None = None,
    location_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Movement]:
    """The journal's rows, filtered: ``location_id`` matches either end; ``since`` inclusive, ``until``
    exclusive. Unordered and without joins (callers add what they show)."""
    rows = Movement.objects.all()
    if part_id is not None:
        rows = rows.filter(part_id=part_id)
    if location_id is not None:
        rows = rows.filter(Q(source_id=location_id) | Q(destination_id=location_id))
    if kind:
        rows = rows.filter(kind=kind)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return rows


def _movement_row(row: Movement) -> MovementRow:
    return MovementRow(
        id=row.pk,
        at=row.at,
        kind=row.kind,
        part_id=row.part_id,
        part_reference=row.part.reference,
        quantity=row.quantity,
        source_id=row.source_id,
        source_code=row.source.code if row.source else "",
        destination_id=row.destination_id,
        destination_code=row.destination.code if row.destination else "",
        serial=row.serial,
        transfer_id=row.transfer_id,
        transfer_number=row.transfer.number if row.transfer else "",
        reference=row.reference,
        reason=row.reason,
        actor_label=row.actor_label,
    )


def movement(movement_id: int) -> MovementRow | None:
    found = (
        Movement.objects.select_related("part", "source", "destination", "transfer")
        .filter(pk=movement_id)
        .first()
    )
    return _movement_row(found) if found is not None else None


def movements(
    *,
    part_id: int | None = None,
    location_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[MovementRow]:
    """The journal, newest first; ``location_id`` matches either end; ``since`` inclusive, ``until``
    exclusive; at most ``MAX_PAGE`` rows a page. One query."""
    limit = max(0, min(limit, MAX_PAGE))
    offset = max(0, offset)
    rows = (
        movement_rows(part_id, location_id, kind, since, until)
        .select_related("part", "source", "destination", "transfer")
        .order_by("-at", "-id")[offset : offset + limit]
    )
    return [_movement_row(row) for row in rows]


def count_movements(
    *,
    part_id: int | None = None,
    location_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    return movement_rows(part_id, location_id, kind, since, until).count()


@dataclass(frozen=True)
class TransferRow:
    id: int
    number: str
    part_id: int
    part_reference: str
    quantity: Decimal
    serials: list[str]
    source_id: int
    source_code: str
    destination_id: int
    destination_code: str
    mode: str
    status: str
    expected_arrival: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    reason: str
    demand_type: str
    demand_id: int | None
    demand_label: str
    version: int


def transfer_row(row: Transfer) -> TransferRow:
    return TransferRow(
        id=row.pk,
        number=row.number,
        part_id=row.part_id,
        part_reference=row.part.reference,
        quantity=row.quantity,
        serials=list(row.serials),
        source_id=row.source_id,
        source_code=row.source.code,
        destination_id=row.destination_id,
        destination_code=row.destination.code,
        mode=row.mode,
        status=row.status,
        expected_arrival=row.expected_arrival,
        shipped_at=row.shipped_at,
        received_at=row.received_at,
        reason=row.reason,
        demand_type=row.demand_type,
        demand_id=row.demand_id,
        demand_label=row.demand_label,
        version=row.version,
    )


def transfers(
    *,
    status: str | None = None,
    location_id: int | None = None,
    demand_type: str | None = None,
    demand_id: int | None = None,
    part_id: int | None = None,
) -> list[TransferRow]:
    """Transfers by expected arrival; ``location_id`` matches the source or the destination. One query."""
    rows = Transfer.objects.select_related("part", "source", "destination").order_by("expected_arrival", "id")
    if status:
        rows = rows.filter(status=status)
    if location_id is not None:
        rows = rows.filter(Q(source_id=location_id) | Q(destination_id=location_id))
    if demand_type:
        rows = rows.filter(demand_type=demand_type)
    if demand_id is not None:
        rows = rows.filter(demand_id=demand_id)
    if part_id is not None:
        rows = rows.filter(part_id=part_id)
    return [transfer_row(row) for row in rows]


def transfer(transfer_id: int) -> TransferRow | None:
    found = Transfer.objects.select_related("part", "source", "destination").filter(pk=transfer_id).first()
    return transfer_row(found) if found is not None else None


@dataclass(frozen=True)
class ProposalRow:
    location_id: int
    location_code: str
    part_id: int
    part_reference: str
    unit: str
    on_hand: Decimal
    reserved: Decimal
    inbound: Decimal
    projected: Decimal
    minimum: Decimal
    maximum: Decimal | None
    quantity: Decimal
    source_id: int | None
    source_code: str
    source_available: Decimal


def _proposed(level: LevelRow) -> Decimal:
    assert level.minimum is not None
    target = level.maximum if level.maximum is not None else level.minimum
    wanted = target - level.projected
    if level.unit == Unit.UNIT:
        wanted = wanted.to_integral_value(rounding=ROUND_CEILING)
    return wanted.quantize(Decimal("0.001"))


def replenishment_proposals(location_id: int | None = None) -> list[ProposalRow]:
    """What each stocking location below its minimum should receive and from where (module doc).
    Four queries."""
    below = [
        row for row in levels(location_id=location_id, below_minimum=True) if row.location_kind in STOCKING
    ]
    if not below:
        return []
    places = {
        place.pk: place
        for place in Location.objects.select_related("depot").filter(
            pk__in={row.location_id for row in below}
        )
    }
    home_ids = {place.depot_id for place in places.values() if place.depot_id is not None}
    part_ids = {row.part_id for row in below}
    stock: dict[int, list[tuple[str, int, Decimal]]] = defaultdict(list)
    by_place: dict[tuple[int, int], Decimal] = {}
    candidates = (
        StockLevel.objects.filter(part_id__in=part_ids)
        .filter(
            Q(location__kind=LocationKind.DEPOT.value, location__active=True) | Q(location_id__in=home_ids)
        )
        .annotate(available=F("on_hand") - F("reserved"))
        .values("location_id", "location__code", "location__kind", "part_id", "available")
    )
    for row in candidates:
        by_place[(row["location_id"], row["part_id"])] = row["available"]
        if row["location__kind"] == LocationKind.DEPOT.value:
            stock[row["part_id"]].append((row["location__code"], row["location_id"], row["available"]))
    out = []
    for level in below:
        place = places[level.location_id]
        source_id: int | None = None
        source_code = ""
        if place.kind != LocationKind.DEPOT and place.depot_id is not None:
            source_id, source_code = place.depot_id, place.depot.code if place.depot else ""
        else:
            ranked = sorted(
                (entry for entry in stock[level.part_id] if entry[1] != place.pk and entry[2] > 0),
                key=lambda entry: (-entry[2], entry[0]),
            )
            if ranked:
                source_code, source_id = ranked[0][0], ranked[0][1]
        assert level.minimum is not None
        out.append(
            ProposalRow(
                location_id=level.location_id,
                location_code=level.location_code,
                part_id=level.part_id,
                part_reference=level.part_reference,
                unit=level.unit,
                on_hand=level.on_hand,
                reserved=level.reserved,
                inbound=level.inbound,
                projected=level.projected,
                minimum=level.minimum,
                maximum=level.maximum,
                quantity=_proposed(level),
                source_id=source_id,
                source_code=source_code,
                source_available=by_place.get((source_id, level.part_id), Decimal(0))
                if source_id is not None
                else Decimal(0),
            )
        )
    return out
