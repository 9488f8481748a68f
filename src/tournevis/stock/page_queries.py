"""Read side of the stock pages (back office): the overview by location kind, a location's levels
with what is on its way in, the parts catalogue, a part's page, the movements journal and the open
transfers. Typed rows and a constant number of queries per page, whatever the number of rows.

Access: office staff (admin, manager, dispatcher, agent) see every location; a technician sees only
their own van (anything else is NotFound, a 404); customer users see none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from tournevis.stock import queries
from tournevis.stock.domain import LocationKind, MovementKind, TransferStatus
from tournevis.stock.models import Location, Movement, Part, StockLevel, Transfer

ZERO = Decimal("0.000")
# The groups of the overview, in this order (the in-transit location is the transfers page).
OVERVIEW_KINDS = (LocationKind.DEPOT, LocationKind.VAN, LocationKind.CONSIGNMENT, LocationKind.DEFECTIVE)
OPEN_TRANSFERS = (TransferStatus.PLANNED.value, TransferStatus.IN_TRANSIT.value)
PART_MOVEMENTS_SHOWN = 20


# --- Access ----------------------------------------------------------------------------------------


def part_by_reference(reference: str) -> Part | None:
    """The part with this reference (case does not matter)."""
    reference = reference.strip()
    if not reference:
        return None
    return Part.objects.filter(reference__iexact=reference).first()


# --- Overview --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationSummary:
    id: int
    code: str
    name: str
    kind: str
    region: str
    holder: str  # the van's technician or the consignment's site, else ""
    active: bool
    parts: int  # parts with something on hand
    on_hand: Decimal  # every part's quantity on hand, added up
    below_minimum: int  # lines still under their minimum once what is inbound arrives


@dataclass(frozen=True)
class Overview:
    groups: list[tuple[str, list[LocationSummary]]]  # (kind, its locations) in OVERVIEW_KINDS order
    planned: int
    in_transit: int
    late: int


def overview(now: datetime) -> Overview:
    """Every location but the in-transit one, grouped by kind, and the open transfers' counts; a line
    is below its minimum as in ``queries.levels`` (available + inbound < minimum). Four queries."""
    rows = (
        Location.objects.filter(kind__in=[kind.value for kind in OVERVIEW_KINDS])
        .select_related("technician", "site")
        .annotate(
            part_count=Count("levels", filter=Q(levels__on_hand__gt=0)),
            on_hand_total=Sum("levels__on_hand"),
        )
        .order_by("code")
    )
    below: dict[int, int] = defaultdict(int)
    for level in queries.levels(below_minimum=True):
        below[level.location_id] += 1
    by_kind: dict[str, list[LocationSummary]] = defaultdict(list)
    for location in rows:
        holder = ""
        if location.technician is not None:
            holder = location.technician.name
        elif location.site is not None:
            holder = location.site.name
        by_kind[location.kind].append(
            LocationSummary(
                id=location.pk,
                code=location.code,
                name=location.name,
                kind=location.kind,
                region=location.region,
                holder=holder,
                active=location.active,
                parts=location.part_count,
                on_hand=location.on_hand_total or ZERO,
                below_minimum=below[location.pk],
            )
        )
    counts = Transfer.objects.filter(status__in=OPEN_TRANSFERS).aggregate(
        planned=Count("pk", filter=Q(status=TransferStatus.PLANNED.value)),
        in_transit=Count("pk", filter=Q(status=TransferStatus.IN_TRANSIT.value)),
        late=Count("pk", filter=Q(expected_arrival__lt=now)),
    )
    return Overview(
        groups=[(kind.value, by_kind.get(kind.value, [])) for kind in OVERVIEW_KINDS],
        planned=counts["planned"],
        in_transit=counts["in_transit"],
        late=counts["late"],
    )


# --- A location's levels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelLine:
    part_id: int
    reference: str
    name_en: str
    name_fr: str
    unit: str
    serialised: bool
    on_hand: Decimal
    reserved: Decimal
    minimum: Decimal | None
    maximum: Decimal | None
    inbound: Decimal  # planned or in transit towards this location

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def below_minimum(self) -> bool:
        """Still short once what is on its way arrives (as ``queries.LevelRow``): replenish."""
        return self.minimum is not None and self.available + self.inbound < self.minimum

    @property
    def refill_coming(self) -> bool:
        """Short now, but what is on its way brings it back to the minimum."""
        return self.minimum is not None and not self.below_minimum and self.available < self.minimum


def location_levels(location_id: int) -> list[LevelLine]:
    """The location's levels by part reference, with the quantity on its way in; a part that is only
    inbound (no level yet) is listed with zero on hand (3 queries at most)."""
    inbound: dict[int, Decimal] = {
        row["part_id"]: row["total"]
        for row in Transfer.objects.filter(destination_id=location_id, status__in=OPEN_TRANSFERS)
        .values("part_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    lines: list[LevelLine] = []
    seen: set[int] = set()
    for level in StockLevel.objects.filter(location_id=location_id).select_related("part"):
        part = level.part
        seen.add(part.pk)
        lines.append(
            LevelLine(
                part_id=part.pk,
                reference=part.reference,
                name_en=part.name_en,
                name_fr=part.name_fr,
                unit=part.unit,
                serialised=part.serialised,
                on_hand=level.on_hand,
                reserved=level.reserved,
                minimum=level.minimum,
                maximum=level.maximum,
                inbound=inbound.get(part.pk, ZERO),
            )
        )
    missing = set(inbound) - seen
    if missing:
        for part in Part.objects.filter(pk__in=missing):
            lines.append(
                LevelLine(
                    part_id=part.pk,
                    reference=part.reference,
                    name_en=part.name_en,
                    name_fr=part.name_fr,
                    unit=part.unit,
                    serialised=part.serialised,
                    on_hand=ZERO,
                    reserved=ZERO,
                    minimum=None,
                    maximum=None,
                    inbound=inbound[part.pk],
                )
            )
    return sorted(lines, key=lambda line: line.reference)


# --- Transfers -------------------------------------------------------------------------------------


def transfer_rows(
    *,
    statuses: tuple[str, ...] = OPEN_TRANSFERS,
    location_id: int | None = None,
    incoming_only: bool = False,
) -> QuerySet[Transfer]:
    """Transfers in these statuses, soonest expected arrival first (``location_id``: from or to it;
    with ``incoming_only``: to it)."""
    rows = Transfer.objects.filter(status__in=statuses).select_related("part", "source", "destination")
    if location_id is not None:
        if incoming_only:
            rows = rows.filter(destination_id=location_id)
        else:
            rows = rows.filter(Q(source_id=location_id) | Q(destination_id=location_id))
    return rows.order_by("expected_arrival", "id")


# --- Parts -----------------------------------------------------------------------------------------


def search_parts(search: str = "") -> QuerySet[Part]:
    """The catalogue, by reference; ``search`` matches the reference, either name or the manufacturer's
    reference. Each part carries ``total_on_hand`` (every location but the in-transit one)."""
    rows = Part.objects.all()
    search = search.strip()
    if search:
        rows = rows.filter(
            Q(reference__icontains=search)
            | Q(name_en__icontains=search)
            | Q(name_fr__icontains=search)
            | Q(manufacturer_reference__icontains=search)
        )
    return rows.annotate(
        total_on_hand=Sum("levels__on_hand", filter=~Q(levels__location__kind=LocationKind.IN_TRANSIT.value))
    ).order_by("reference")


@dataclass(frozen=True)
class PartStock:
    location_id: int
    code: str
    name: str
    kind: str
    on_hand: Decimal
    reserved: Decimal
    minimum: Decimal | None
    maximum: Decimal | None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def below_minimum(self) -> bool:
        """Available under the minimum (what is on its way is not counted here)."""
        return self.minimum is not None and self.available < self.minimum


def part_stock(part_id: int) -> list[PartStock]:
    """Where the part is: every level of it by location code (1 query)."""
    return [
        PartStock(
            location_id=level.location_id,
            code=level.location.code,
            name=level.location.name,
            kind=level.location.kind,
            on_hand=level.on_hand,
            reserved=level.reserved,
            minimum=level.minimum,
            maximum=level.maximum,
        )
        for level in StockLevel.objects.filter(part_id=part_id)
        .select_related("location")
        .order_by("location__code")
    ]


# --- Movements -------------------------------------------------------------------------------------


def journal(
    *,
    part_id: int | None = None,
    location_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Movement]:
    """The stock journal, newest first: ``location_id`` matches either end; ``since`` inclusive,
    ``until`` exclusive."""
    if kind and kind not in {item.value for item in MovementKind}:
        kind = None  # an unknown kind in the address filters nothing
    rows = queries.movement_rows(part_id, location_id, kind, since, until)
    rows = rows.select_related("part", "source", "destination", "transfer")
    return rows.order_by("-at", "-id")


def last_movements(part_id: int, limit: int = PART_MOVEMENTS_SHOWN) -> list[Movement]:
    return list(journal(part_id=part_id)[:limit])


def location_choices() -> list[Location]:
    """Every location but the in-transit one, by code (for the filters and the transfer form)."""
    return list(
        Location.objects.exclude(kind=LocationKind.IN_TRANSIT.value).only("pk", "code", "name", "kind")
    )
