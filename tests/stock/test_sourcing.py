"""Pure sourcing: where a need is served from (van, nearest depot, split, refusal), the lanes, and the
explanation as data. No database."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tournevis.stock.domain import ShippingClass, ShippingMode
from tournevis.stock.sourcing import (
    NEAREST,
    REFUSED,
    SOONEST,
    VAN,
    Candidate,
    LaneRule,
    Need,
    decide,
)

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
GROUND, AIR = ShippingMode.GROUND, ShippingMode.EXPRESS_AIR
LANES = [
    LaneRule("FR-IDF", "FR-IDF", GROUND, 8),
    LaneRule("FR-ARA", "FR-ARA", GROUND, 8),
    LaneRule("FR-ARA", "FR-IDF", GROUND, 48),
    LaneRule("FR-ARA", "FR-IDF", AIR, 18),
    LaneRule("FR-IDF", "FR-ARA", AIR, 18),
    LaneRule("FR-PAC", "FR-IDF", AIR, 20),  # air only: a hazardous part has no way from there
]
# The destination: the technician's van, parked at the Louvre.
VAN_ID = 100
HERE = {"latitude": 48.8606, "longitude": 2.3376}


def need(quantity: str | int, **kwargs: object) -> Need:
    base: dict[str, object] = {
        "part_id": 1,
        "part_reference": "BELT",
        "quantity": Decimal(quantity),
        "destination_id": VAN_ID,
        "region": "FR-IDF",
        **HERE,
    }
    base.update(kwargs)
    return Need(**base)  # type: ignore[arg-type]


def van(available: str | int) -> Candidate:
    return Candidate(VAN_ID, "VAN-ALICE", "van", "FR-IDF", Decimal(available), **HERE)


def paris(available: str | int) -> Candidate:
    return Candidate(1, "PARIS", "depot", "FR-IDF", Decimal(available), 48.9244, 2.3601)  # Saint-Denis


def lyon(available: str | int) -> Candidate:
    return Candidate(2, "LYON", "depot", "FR-ARA", Decimal(available), 45.7640, 4.8357)


def marseille(available: str | int) -> Candidate:
    return Candidate(3, "MARSEILLE", "depot", "FR-PAC", Decimal(available), 43.2965, 5.3698)


def iso(delta_hours: int) -> str:
    return (NOW + timedelta(hours=delta_hours)).isoformat()


def run(n: Need, v: Candidate | None, depots: list[Candidate], lanes: list[LaneRule] = LANES):
    return decide(n, v, depots, lanes, now=NOW, default_ground_hours=24)


# --- Examples ------------------------------------------------------------------------------------


def test_the_van_holding_the_whole_quantity_serves_it_at_once():
    decision = run(need(2), van(3), [paris(5), lyon(5)])
    assert decision.strategy == VAN
    assert decision.arrival == NOW
    assert decision.explanation_of(0) == {
        "code": "van",
        "location": "VAN-ALICE",
        "kind": "van",
        "quantity": "2",
        "distance_km": 0,
        "mode": "none",
        "lead_hours": 0,
        "arrival": NOW.isoformat(),
        "strategy": "van",
        "part": "BELT",
        "of": "2",
        "share": 1,
        "shares": 1,
        "considered": [
            {
                "location": "PARIS",
                "available": "5",
                "distance_km": 7,
                "mode": "ground",
                "lead_hours": 8,
                "arrival": iso(8),
                "why": "later",
            },
            {
                "location": "LYON",
                "available": "5",
                "distance_km": 392,
                "mode": "express_air",
                "lead_hours": 18,
                "arrival": iso(18),
                "why": "later",
            },
        ],
        "more": 0,
    }


def test_else_the_depot_whose_part_arrives_first():
    decision = run(need(2), van(1), [lyon(5), paris(5)])
    assert decision.strategy == NEAREST
    assert [(a.code, a.quantity, a.mode, a.lead_hours, a.local) for a in decision.allocations] == [
        ("PARIS", Decimal(2), GROUND, 8, False)
    ]
    assert decision.arrival == NOW + timedelta(hours=8)
    assert [(c["location"], c["why"]) for c in decision.considered] == [
        ("VAN-ALICE", "short"),
        ("LYON", "later"),
    ]


def test_a_depot_in_another_region_comes_by_express_air_when_the_near_one_is_short():
    decision = run(need(2), None, [paris(1), lyon(5)])
    assert decision.strategy == NEAREST
    assert decision.explanation == {
        "code": "nearest",
        "part": "BELT",
        "quantity": "2",
        "available": "6",
        "arrival": iso(18),
        "shares": [
            {
                "location": "LYON",
                "kind": "depot",
                "quantity": "2",
                "distance_km": 392,
                "mode": "express_air",
                "lead_hours": 18,
                "arrival": iso(18),
            }
        ],
        "considered": [
            {
                "location": "PARIS",
                "available": "1",
                "distance_km": 7,
                "mode": "ground",
                "lead_hours": 8,
                "arrival": iso(8),
                "why": "short",
            }
        ],
        "more": 0,
    }
    assert decision.explanation_of(0)["code"] == "depot"


def test_a_hazardous_part_never_flies():
    decision = run(need(2, shipping_class=ShippingClass.HAZARDOUS.value), None, [lyon(5), marseille(5)])
    assert decision.strategy == NEAREST
    (share,) = decision.allocations
    assert (share.code, share.mode, share.lead_hours) == ("LYON", GROUND, 48)
    assert decision.considered == (
        {
            "location": "MARSEILLE",
            "available": "5",
            "why": "hazardous",
            "from_region": "FR-PAC",
            "to_region": "FR-IDF",
        },
    )


def test_a_region_without_a_lane_has_no_route():
    decision = run(need(2), None, [Candidate(9, "LILLE", "depot", "FR-HDF", Decimal(9), 50.63, 3.06)])
    assert decision.strategy == REFUSED
    assert decision.available == 0
    assert decision.considered[0]["why"] == "no_route"


def test_inside_a_region_without_a_lane_parts_go_by_ground_in_the_default_time():
    decision = run(need(1), None, [paris(1)], lanes=[])
    assert [(a.mode, a.lead_hours) for a in decision.allocations] == [(GROUND, 24)]


def test_same_arrival_goes_to_the_closer_depot_then_by_code():
    far = Candidate(4, "CERGY", "depot", "FR-IDF", Decimal(3), 49.0364, 2.0761)
    twin = Candidate(5, "ANTONY", "depot", "FR-IDF", Decimal(3), 48.9244, 2.3601)  # PARIS's spot
    decision = run(need(1), None, [far, twin, paris(3)])
    assert [a.code for a in decision.allocations] == ["ANTONY"]
    assert [(c["location"], c["why"]) for c in decision.considered] == [
        ("PARIS", "code"),
        ("CERGY", "farther"),
    ]


def test_the_destination_depot_itself_serves_without_travel():
    decision = run(need(2, destination_id=1, latitude=48.9244, longitude=2.3601), None, [paris(4), lyon(9)])
    (share,) = decision.allocations
    assert (share.code, share.mode, share.lead_hours, share.arrival, share.local) == (
        "PARIS",
        ShippingMode.NONE,
        0,
        NOW,
        True,
    )
    assert decision.explanation_of(0)["code"] == "local"


def test_when_no_single_location_can_the_need_is_split_van_first_then_by_arrival():
    decision = run(need(5), van(1), [paris(2), lyon(3), marseille(1)])
    assert decision.strategy == SOONEST
    assert [(a.code, a.quantity, a.arrival) for a in decision.allocations] == [
        ("VAN-ALICE", Decimal(1), NOW),
        ("PARIS", Decimal(2), NOW + timedelta(hours=8)),
        ("LYON", Decimal(2), NOW + timedelta(hours=18)),
    ]
    assert decision.arrival == NOW + timedelta(hours=18)
    assert [(c["location"], c["why"]) for c in decision.considered] == [("MARSEILLE", "unused")]
    assert [decision.explanation_of(i)["code"] for i in range(3)] == ["van", "depot", "depot"]
    assert decision.explanation_of(2)["share"] == 3


def test_not_enough_anywhere_is_refused_listing_what_exists():
    decision = run(need(9), van(1), [paris(2), lyon(3)])
    assert decision.strategy == REFUSED
    assert decision.allocations == ()
    assert decision.arrival is None
    assert decision.explanation["available"] == "6"
    assert [(c["location"], c["available"], c["why"]) for c in decision.considered] == [
        ("VAN-ALICE", "1", "short"),
        ("PARIS", "2", "short"),
        ("LYON", "3", "short"),
    ]


def test_measured_parts_keep_their_decimals():
    decision = run(need("2.5", part_reference="CABLE"), None, [paris("1.25"), lyon("1.5")])
    assert [(a.code, a.quantity) for a in decision.allocations] == [
        ("PARIS", Decimal("1.25")),
        ("LYON", Decimal("1.25")),
    ]
    assert decision.explanation["shares"][1]["quantity"] == "1.25"
    assert decision.explanation["available"] == "2.75"


def test_an_explanation_lists_five_runner_ups_and_counts_the_others():
    many = [
        Candidate(10 + i, f"D{i:02}", "depot", "FR-IDF", Decimal(1), 48.0 + i / 10, 2.0) for i in range(9)
    ]
    decision = run(need(1), None, many)
    assert len(decision.considered) == 5
    assert decision.more == 3


# --- Invariants ----------------------------------------------------------------------------------

REGIONS = ["FR-IDF", "FR-ARA", "FR-PAC", "FR-HDF"]
ALL_LANES = [
    LaneRule(a, b, mode, hours)
    for a in REGIONS
    for b in REGIONS
    for mode, hours in ((GROUND, 8 if a == b else 40), (AIR, 18))
    if not (a == b and mode == AIR)
]


@st.composite
def situations(draw: st.DrawFn):
    count = draw(st.integers(0, 8))
    depots = [
        Candidate(
            i + 1,
            f"D{i}",
            "depot",
            draw(st.sampled_from(REGIONS)),
            Decimal(draw(st.integers(0, 6))),
            draw(st.none() | st.floats(43, 51)),
            draw(st.floats(-1, 7)),
        )
        for i in range(count)
    ]
    the_van = draw(st.none() | st.integers(0, 6).map(lambda n: van(n)))
    lanes = draw(st.lists(st.sampled_from(ALL_LANES), unique=True))
    n = need(
        draw(st.integers(1, 12)),
        shipping_class=draw(st.sampled_from([ShippingClass.STANDARD.value, ShippingClass.HAZARDOUS.value])),
        destination_id=VAN_ID if the_van is not None else draw(st.sampled_from([VAN_ID, 1, 2])),
    )
    return n, the_van, depots, lanes, draw(st.randoms())


@settings(max_examples=400, deadline=None)
@given(situations())
def test_a_decision_covers_the_need_exactly_or_is_refused(case):
    n, the_van, depots, lanes, rnd = case
    decision = decide(n, the_van, depots, lanes, now=NOW, default_ground_hours=24)
    held = {c.location_id: c.available for c in [*depots, *([the_van] if the_van else [])]}
    shares = decision.allocations
    if decision.refused:
        assert shares == ()
        assert decision.available < n.quantity
    else:
        assert sum(a.quantity for a in shares) == n.quantity
        assert all(0 < a.quantity <= held[a.location_id] for a in shares)
        assert len({a.location_id for a in shares}) == len(shares)
        assert decision.arrival == max(a.arrival for a in shares)
        assert all(a.arrival == NOW + timedelta(hours=a.lead_hours) for a in shares)
        if n.shipping_class == ShippingClass.HAZARDOUS.value:
            assert all(a.mode != AIR for a in shares)
    van_holds = the_van is not None and the_van.available >= n.quantity
    assert (decision.strategy == VAN) == van_holds
    if decision.strategy == NEAREST:
        (share,) = shares
        better = [
            c
            for c in depots
            if c.available >= n.quantity
            and any(
                o.arrival < share.arrival
                for o in decide(n, None, [c], lanes, now=NOW, default_ground_hours=24).allocations
            )
        ]
        assert better == []
    if decision.strategy == SOONEST:
        alone = [decide(n, None, [c], lanes, now=NOW, default_ground_hours=24) for c in depots]
        assert all(d.refused for d in alone)
        assert len(shares) >= 2
    # JSON-serialisable, and the same whatever the order of the candidates
    json.dumps(decision.explanation)
    for i in range(len(shares)):
        json.dumps(decision.explanation_of(i))
    shuffled = list(depots)
    rnd.shuffle(shuffled)
    assert decide(n, the_van, shuffled, lanes, now=NOW, default_ground_hours=24) == decision


@pytest.mark.parametrize("seed", range(3))
def test_a_split_never_takes_more_than_the_shortfall_from_the_last_depot(seed):
    rnd = random.Random(seed)
    depots = [paris(rnd.randint(1, 3)), lyon(rnd.randint(1, 3))]
    total = sum(c.available for c in depots)
    decision = run(need(int(total)), None, depots)
    assert decision.strategy in (SOONEST, NEAREST)
    assert sum(a.quantity for a in decision.allocations) == total
