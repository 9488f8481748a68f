"""Sourcing: where the units a demand needs come from, and how long they take to get there. Pure:
no Django (the services load the rows and call these functions).

Lanes
-----
A lane says how parts travel from one region to another (origin = destination for a lane inside a
region) and the lead time in hours from the order to the arrival. Between two locations:

- the same location: nothing travels (mode ``none``, 0 h);
- otherwise the fastest configured lane from the origin's region to the destination's; a hazardous
  part never flies (express-air lanes are skipped for it);
- inside one region without a configured lane: ground, ``default_ground_hours``;
- between two regions without a lane: no way (``None``) — the decision says so.

Deciding where a need is served from (``decide``)
-------------------------------------------------
A *need* is a quantity of one part for a destination (the van of the technician assigned to the work
order, or the depot nearest its site). The *candidates* are the locations holding some of the part
available (on hand - reserved): the technician's van (``van``, passed apart) and the active depots.
Each depot is ranked by its *key*: the arrival of the part at the destination (``now`` + the lead
time of the route from the depot's region to the destination's; 0 h when the depot is the destination
itself), then the great-circle distance to the destination (unknown coordinates rank last), then the
depot's code. A depot without any route to the destination (no lane between the regions, or only
express-air lanes for a hazardous part) is left out.

1. ``van``: the technician's van holds the whole quantity — taken there, arrival ``now``.
2. ``nearest``: else the best-ranked depot holding the whole quantity — one transfer (none when the
   depot is the destination), arrival ``now`` + its lead time.
3. ``soonest``: else, when no single location can, the quantity is split: the van's partial stock
   first, then the depots in rank order, each giving what it has, until the quantity is covered; the
   need arrives with its last share.
4. ``refused``: else nothing is reserved and the decision lists what exists (``available``).

The explanation (``Decision.explanation`` for the whole decision, ``Allocation.explanation`` for
one share) is JSON data — codes and parameters, never sentences — so the pages render it in the
reader's language. Every decision also lists the runner-up candidates it considered and why they were
not taken (``considered``: ``short`` — not enough there, ``later`` — arrives later, ``farther`` —
arrives at the same time but farther, ``code`` — same arrival and distance, ``no_route`` — no way to
the destination, ``hazardous`` — only by air, which a hazardous part may not take, ``unused`` — not
needed once the split was covered).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tournevis.core.domain import great_circle_m
from tournevis.stock.domain import ShippingClass, ShippingMode


@dataclass(frozen=True)
class LaneRule:
    origin_region: str
    destination_region: str
    mode: ShippingMode
    lead_hours: int


@dataclass(frozen=True)
class Route:
    mode: ShippingMode
    lead_hours: int


def route(
    lanes: Iterable[LaneRule],
    origin_region: str,
    destination_region: str,
    *,
    shipping_class: str = ShippingClass.STANDARD,
    default_ground_hours: int,
    same_location: bool = False,
) -> Route | None:
    """The fastest way from ``origin_region`` to ``destination_region`` (see the module doc); ties go
    to ground (cheaper)."""
    if same_location:
        return Route(ShippingMode.NONE, 0)
    usable = [
        lane
        for lane in lanes
        if lane.origin_region == origin_region
        and lane.destination_region == destination_region
        and not (shipping_class == ShippingClass.HAZARDOUS and lane.mode == ShippingMode.EXPRESS_AIR)
    ]
    if usable:
        best = min(usable, key=lambda lane: (lane.lead_hours, lane.mode != ShippingMode.GROUND))
        return Route(best.mode, best.lead_hours)
    if origin_region == destination_region:
        return Route(ShippingMode.GROUND, default_ground_hours)
    return None


# --- Deciding where a need is served from -----------------------------------------------------------

VAN = "van"
NEAREST = "nearest"
SOONEST = "soonest"
REFUSED = "refused"
CONSIDERED = 5  # runner-ups an explanation lists (the best ranked; unreachable ones after them)


@dataclass(frozen=True)
class Need:
    """``quantity`` of a part for ``destination_id`` (a van or a depot), in ``region`` at
    (``latitude``, ``longitude``) when known."""

    part_id: int
    part_reference: str
    quantity: Decimal
    destination_id: int
    region: str
    latitude: float | None = None
    longitude: float | None = None
    shipping_class: str = ShippingClass.STANDARD.value


@dataclass(frozen=True)
class Candidate:
    """A location holding ``available`` units of the part (its stock level's on hand - reserved)."""

    location_id: int
    code: str
    kind: str
    region: str
    available: Decimal
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Allocation:
    """One share of the need: ``quantity`` taken at ``location_id``; ``local`` when the location is the
    destination (nothing travels, no transfer)."""

    location_id: int
    code: str
    kind: str
    quantity: Decimal
    mode: ShippingMode
    lead_hours: int
    arrival: datetime
    distance_km: int | None
    local: bool

    def explanation(self) -> dict[str, Any]:
        return {
            "location": self.code,
            "kind": self.kind,
            "quantity": quantity_text(self.quantity),
            "distance_km": self.distance_km,
            "mode": self.mode.value,
            "lead_hours": self.lead_hours,
            "arrival": self.arrival.isoformat(),
        }


@dataclass(frozen=True)
class Decision:
    strategy: str  # van | nearest | soonest | refused
    part_reference: str
    quantity: Decimal
    allocations: tuple[Allocation, ...]
    available: Decimal  # what the reachable candidates hold in all
    considered: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    more: int = 0  # runner-ups left out of ``considered`` (only the first ``CONSIDERED`` are kept)

    @property
    def refused(self) -> bool:
        return self.strategy == REFUSED

    @property
    def arrival(self) -> datetime | None:
        """When the whole quantity is at the destination (the last share's arrival)."""
        return max((a.arrival for a in self.allocations), default=None)

    @property
    def explanation(self) -> dict[str, Any]:
        """The whole decision as JSON data: ``code`` (the strategy), ``part``, ``quantity``,
        ``available``, ``arrival``, ``shares`` (one per allocation) and ``considered``."""
        arrival = self.arrival
        return {
            "code": self.strategy,
            "part": self.part_reference,
            "quantity": quantity_text(self.quantity),
            "available": quantity_text(self.available),
            "arrival": arrival.isoformat() if arrival is not None else None,
            "shares": [a.explanation() for a in self.allocations],
            "considered": [dict(c) for c in self.considered],
            "more": self.more,
        }

    def explanation_of(self, index: int) -> dict[str, Any]:
        """What the reservation made for share ``index`` keeps: the share — ``code`` ``van`` (taken in
        the technician's van), ``local`` (at the destination depot, nothing travels) or ``depot``
        (shipped from a depot) — with the decision around it (``strategy``, ``of``, ``considered``)."""
        whole = self.explanation
        share = self.allocations[index]
        code = ("van" if share.kind == "van" else "local") if share.local else "depot"
        return {
            "code": code,
            **whole["shares"][index],
            "strategy": self.strategy,
            "part": whole["part"],
            "of": whole["quantity"],
            "share": index + 1,
            "shares": len(self.allocations),
            "considered": whole["considered"],
            "more": self.more,
        }


def quantity_text(value: Decimal) -> str:
    """A quantity as people write it: ``2``, ``1.5`` (no trailing zeros, never an exponent)."""
    normal = value.normalize()
    return format(normal, "f") if normal != normal.to_integral_value() else str(int(normal))


def _distance_km(need: Need, candidate: Candidate) -> int | None:
    if None in (need.latitude, need.longitude, candidate.latitude, candidate.longitude):
        return None
    metres = great_circle_m(
        candidate.latitude,  # type: ignore[arg-type]
        candidate.longitude,  # type: ignore[arg-type]
        need.latitude,  # type: ignore[arg-type]
        need.longitude,  # type: ignore[arg-type]
    )
    return round(metres / 1000)


@dataclass(frozen=True)
class _Ranked:
    candidate: Candidate
    mode: ShippingMode
    lead_hours: int
    arrival: datetime
    distance_km: int | None
    local: bool

    @property
    def key(self) -> tuple[datetime, float, str, int]:
        distance = math.inf if self.distance_km is None else float(self.distance_km)
        return (self.arrival, distance, self.candidate.code, self.candidate.location_id)

    def take(self, quantity: Decimal) -> Allocation:
        c = self.candidate
        return Allocation(
            c.location_id, c.code, c.kind, quantity, self.mode, self.lead_hours, self.arrival,
            self.distance_km, self.local,
        )  # fmt: skip


def _rank(
    need: Need,
    candidate: Candidate,
    lanes: Sequence[LaneRule],
    now: datetime,
    default_ground_hours: int,
) -> _Ranked | dict[str, Any]:
    """The candidate's way to the destination, or why it has none (a ``considered`` entry)."""
    local = candidate.location_id == need.destination_id
    found = route(
        lanes,
        candidate.region,
        need.region,
        shipping_class=need.shipping_class,
        default_ground_hours=default_ground_hours,
        same_location=local,
    )
    if found is None:
        flies = need.shipping_class == ShippingClass.HAZARDOUS and (
            route(lanes, candidate.region, need.region, default_ground_hours=default_ground_hours) is not None
        )
        return {
            "location": candidate.code,
            "available": quantity_text(candidate.available),
            "why": "hazardous" if flies else "no_route",
            "from_region": candidate.region,
            "to_region": need.region,
        }
    return _Ranked(
        candidate,
        found.mode,
        found.lead_hours,
        now + timedelta(hours=found.lead_hours),
        0 if local else _distance_km(need, candidate),
        local,
    )


def _runner_up(ranked: _Ranked, chosen: _Ranked | None, quantity: Decimal) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "location": ranked.candidate.code,
        "available": quantity_text(ranked.candidate.available),
        "distance_km": ranked.distance_km,
        "mode": ranked.mode.value,
        "lead_hours": ranked.lead_hours,
        "arrival": ranked.arrival.isoformat(),
    }
    if ranked.candidate.available < quantity:
        entry["why"] = "short"
    elif chosen is None:
        entry["why"] = "unused"
    elif ranked.arrival > chosen.arrival:
        entry["why"] = "later"
    elif ranked.key[1] > chosen.key[1]:
        entry["why"] = "farther"
    else:
        entry["why"] = "code"
    return entry


def decide(
    need: Need,
    van: Candidate | None,
    candidates: Iterable[Candidate],
    lanes: Iterable[LaneRule],
    *,
    now: datetime,
    default_ground_hours: int,
) -> Decision:
    """Where ``need`` is served from (the module doc): ``van`` (the technician's van, or None) first,
    then the depots among ``candidates``. Candidates with nothing available are ignored; the van is
    never a depot candidate (pass it as ``van``). Deterministic: the order of ``candidates`` does not
    matter."""
    lanes = list(lanes)
    q = need.quantity
    van_ranked: _Ranked | None = None
    if van is not None and van.available > 0:
        ranked_van = _rank(need, van, lanes, now, default_ground_hours)
        van_ranked = ranked_van if isinstance(ranked_van, _Ranked) else None
    depots: list[_Ranked] = []
    unreachable: list[dict[str, Any]] = []
    for candidate in candidates:
        if candidate.available <= 0 or (van is not None and candidate.location_id == van.location_id):
            continue
        ranked = _rank(need, candidate, lanes, now, default_ground_hours)
        if isinstance(ranked, _Ranked):
            depots.append(ranked)
        else:
            unreachable.append(ranked)
    depots.sort(key=lambda r: r.key)
    unreachable.sort(key=lambda e: e["location"])
    reachable = [*([van_ranked] if van_ranked is not None else []), *depots]
    available = sum((r.candidate.available for r in reachable), Decimal(0))

    def decision(strategy: str, shares: list[Allocation], chosen: _Ranked | None) -> Decision:
        used = {a.location_id for a in shares}
        others = [r for r in reachable if r.candidate.location_id not in used]
        wanted = q if strategy != SOONEST else Decimal(0)
        considered = [_runner_up(r, chosen, wanted) for r in others[:CONSIDERED]]
        everything = [*considered, *unreachable]
        hidden = max(0, len(others) - CONSIDERED)
        return Decision(
            strategy,
            need.part_reference,
            q,
            tuple(shares),
            available,
            tuple(everything[:CONSIDERED]),
            hidden + max(0, len(everything) - CONSIDERED),
        )

    if van_ranked is not None and van_ranked.candidate.available >= q:
        return decision(VAN, [van_ranked.take(q)], van_ranked)
    whole = next((r for r in depots if r.candidate.available >= q), None)
    if whole is not None:
        return decision(NEAREST, [whole.take(q)], whole)
    if available < q:
        return decision(REFUSED, [], None)
    shares: list[Allocation] = []
    missing = q
    for ranked in reachable:
        if missing <= 0:
            break
        part = min(missing, ranked.candidate.available)
        shares.append(ranked.take(part))
        missing -= part
    return decision(SOONEST, shares, None)
