"""Stock queries: levels (with inbound), replenishment proposals (exact numbers and sources), the
movement journal, transfers, the catalogue; each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import SYSTEM
from tests.stock.conftest import Stockroom
from tournevis.core import clock
from tournevis.stock import queries, services

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def D(value: str) -> Decimal:
    return Decimal(value)


def test_levels_with_inbound(stockroom: Stockroom) -> None:
    services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=2,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.lyon.pk,
    )
    rows = queries.levels(part_id=stockroom.belt.pk)
    assert [(r.location_code, r.on_hand, r.reserved, r.available, r.inbound, r.projected) for r in rows] == [
        ("LYON", D("3"), D("0"), D("3"), D("2"), D("5")),
        ("PARIS", D("5"), D("2"), D("3"), D("0"), D("3")),
        ("VAN-LEA", D("1"), D("0"), D("1"), D("0"), D("1")),
    ]
    paris = queries.levels(location_id=stockroom.paris.pk)
    assert [(r.part_reference, r.part_name, r.unit, r.on_hand) for r in paris] == [
        ("BELT", "Feed belt", "unit", D("5")),
        ("BOARD", "Main board", "unit", D("2")),
        ("CABLE", "Power cable", "m", D("25.5")),
    ]


def test_below_minimum_counts_what_is_on_its_way(stockroom: Stockroom) -> None:
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.belt.pk, minimum=4, maximum=8)
    services.set_limits(SYSTEM, stockroom.paris.pk, stockroom.belt.pk, minimum=2, maximum=None)
    assert [(r.location_code, r.part_reference) for r in queries.levels(below_minimum=True)] == [
        ("LYON", "BELT")
    ]
    services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.lyon.pk,
    )
    assert queries.levels(below_minimum=True) == []


def test_replenishment_proposals_exact_numbers_and_sources(
    stockroom: Stockroom, django_assert_max_num_queries: Any
) -> None:
    # The van: 1 on hand, min 2, max 4 → 3 from its home depot PARIS (5 available)
    services.set_limits(SYSTEM, stockroom.van.pk, stockroom.belt.pk, minimum=2, maximum=4)
    # LYON: 3 on hand, 1 reserved by a transfer to the van... no: a transfer LYON → PARIS of 1 holds 1
    services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.lyon.pk,
        destination_id=stockroom.paris.pk,
    )
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.belt.pk, minimum=5, maximum=None)
    # PARIS cable: 25.5 m, min 30, max 40.25 → 14.75 m from the depot with most (none: LYON has none)
    services.set_limits(SYSTEM, stockroom.paris.pk, stockroom.cable.pk, minimum=30, maximum="40.25")
    # LYON battery: 4, min 4: not below
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.battery.pk, minimum=4, maximum=6)
    with django_assert_max_num_queries(4):
        rows = queries.replenishment_proposals()
    assert [
        (
            r.location_code,
            r.part_reference,
            r.on_hand,
            r.reserved,
            r.inbound,
            r.projected,
            r.minimum,
            r.maximum,
            r.quantity,
            r.source_code,
            r.source_available,
        )
        for r in rows
    ] == [
        ("LYON", "BELT", D("3"), D("1"), D("0"), D("2"), D("5"), None, D("3"), "PARIS", D("5")),
        ("PARIS", "CABLE", D("25.5"), D("0"), D("0"), D("25.5"), D("30"), D("40.25"), D("14.75"), "", D("0")),
        ("VAN-LEA", "BELT", D("1"), D("0"), D("0"), D("1"), D("2"), D("4"), D("3"), "PARIS", D("5")),
    ]
    assert rows[1].source_id is None
    assert [r.location_code for r in queries.replenishment_proposals(stockroom.van.pk)] == ["VAN-LEA"]


def test_a_counted_part_is_proposed_in_whole_units(stockroom: Stockroom) -> None:
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.belt.pk, minimum=4, maximum=None)
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.cable.pk, minimum="0.5", maximum="1.125")
    rows = queries.replenishment_proposals(stockroom.lyon.pk)
    assert [(r.part_reference, r.quantity, r.source_code) for r in rows] == [
        ("BELT", D("1"), "PARIS"),
        ("CABLE", D("1.125"), "PARIS"),
    ]


def test_movements_journal_filters_and_pages(stockroom: Stockroom) -> None:
    later = NOW + timedelta(hours=1)
    with clock.frozen(later):
        services.consume(SYSTEM, stockroom.van.pk, stockroom.belt.pk, 1, reference="WO-1", reason="visit")
    rows = queries.movements(location_id=stockroom.van.pk)
    assert [
        (r.kind, r.quantity, r.source_code, r.destination_code, r.reference, r.actor_label) for r in rows
    ] == [
        ("consumption", D("1"), "VAN-LEA", "", "WO-1", "tests"),
        ("receipt", D("1"), "", "VAN-LEA", "PO-3", "tests"),
    ]
    assert queries.count_movements(kind="receipt") == 7  # 5 rows + 2 serials
    assert [r.serial for r in queries.movements(part_id=stockroom.board.pk)] == ["SN-2", "SN-1"]
    assert [r.kind for r in queries.movements(since=later)] == ["consumption"]
    assert len(queries.movements(until=later)) == 7
    assert len(queries.movements(limit=2, offset=6)) == 2
    assert queries.movement(rows[0].id) == rows[0]


def test_transfers_filters(stockroom: Stockroom) -> None:
    first = services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.van.pk,
        demand_type="workorder",
        demand_id=4,
    )
    second = services.create_transfer(
        SYSTEM,
        part_id=stockroom.battery.pk,
        quantity=1,
        source_id=stockroom.lyon.pk,
        destination_id=stockroom.paris.pk,
    )
    services.ship_transfer(SYSTEM, second.pk)
    assert [t.number for t in queries.transfers()] == [first.number, second.number]  # 24 h, then 48 h
    assert [t.number for t in queries.transfers(status="in_transit")] == [second.number]
    assert [t.number for t in queries.transfers(location_id=stockroom.van.pk)] == [first.number]
    assert [t.number for t in queries.transfers(demand_type="workorder", demand_id=4)] == [first.number]
    row = queries.transfer(second.pk)
    assert row is not None
    assert (row.source_code, row.destination_code, row.mode, row.status, row.expected_arrival) == (
        "LYON",
        "PARIS",
        "ground",
        "in_transit",
        NOW + timedelta(hours=48),
    )


def test_parts_and_fits(stockroom: Stockroom, world: Any) -> None:
    assert [p.reference for p in queries.parts()] == ["BATTERY", "BELT", "BOARD", "CABLE"]
    assert [p.reference for p in queries.parts(search="câble")] == ["CABLE"]
    assert [p.reference for p in queries.parts(search="gl-100")] == ["BELT"]
    assert [p.reference for p in queries.parts(fits=world.model.pk)] == ["BELT"]
    assert queries.part_fits(stockroom.belt.pk) == [queries.FitRow(world.model.pk, "Glory", "GFS-220")]
    assert queries.parts(search="BELT")[0].fits == [world.model.pk]
