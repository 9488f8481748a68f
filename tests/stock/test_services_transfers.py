"""Transfers (create, ship, receive, cancel, revise), their numbering, routes and events, and
replenishment. The clock is frozen at 2025-03-10 09:00 UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import SYSTEM
from tests.stock.conftest import Stockroom, stock_state
from tests.stock.test_services import movement_rows, refused
from tournevis.core import clock, events
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.stock import services
from tournevis.stock.models import Reservation, SerialUnit, Transfer

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
NAIVE = datetime(2025, 3, 12, 15, 0)  # noqa: DTZ001 - a local time without its zone: refused


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(events, "publish", lambda name, **payload: seen.append((name, payload)))
    return seen


def belts(stockroom: Stockroom, quantity: Any = 2, **extra: Any) -> Transfer:
    return services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=quantity,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.lyon.pk,
        **extra,
    )


def test_create_transfer_holds_the_units_and_takes_the_fastest_lane(stockroom: Stockroom) -> None:
    transfer = belts(
        stockroom, reason="low at Lyon", demand_type="workorder", demand_id=12, demand_label="WO-2025-00012"
    )
    assert (transfer.number, transfer.status, transfer.quantity) == ("TR-2025-00001", "planned", Decimal(2))
    assert (transfer.mode, transfer.expected_arrival) == ("express_air", NOW + timedelta(hours=18))
    assert (transfer.demand_type, transfer.demand_id, transfer.demand_label) == (
        "workorder",
        12,
        "WO-2025-00012",
    )
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("5", "2")
    assert belts(stockroom, 1).number == "TR-2025-00002"
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("5", "3")


def test_routes_hazardous_by_ground_inside_a_region_by_default(stockroom: Stockroom) -> None:
    battery = services.create_transfer(
        SYSTEM,
        part_id=stockroom.battery.pk,
        quantity=1,
        source_id=stockroom.lyon.pk,
        destination_id=stockroom.paris.pk,
    )
    assert (battery.mode, battery.expected_arrival) == ("ground", NOW + timedelta(hours=48))
    to_van = services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.van.pk,
    )
    assert (to_van.mode, to_van.expected_arrival) == ("ground", NOW + timedelta(hours=24))
    ground = belts(stockroom, 1, mode="ground")
    assert (ground.mode, ground.expected_arrival) == ("ground", NOW + timedelta(hours=48))
    arrival = datetime(2025, 3, 11, 8, 0, tzinfo=UTC)
    assert belts(stockroom, 1, expected_arrival=arrival).expected_arrival == arrival


def test_numbers_restart_each_year(stockroom: Stockroom) -> None:
    belts(stockroom, 1)
    with clock.frozen(datetime(2026, 1, 2, 8, 0, tzinfo=UTC)):
        assert belts(stockroom, 1).number == "TR-2026-00001"
        assert belts(stockroom, 1).number == "TR-2026-00002"


def test_a_transfer_to_the_same_location_is_refused(stockroom: Stockroom) -> None:
    raised = refused(
        InvalidInput,
        services.create_transfer,
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.paris.pk,
    )
    assert (raised.field, raised.message) == ("destination_id", "A transfer needs two different locations.")


@pytest.mark.parametrize(
    ("extra", "error", "field", "message"),
    [
        ({"quantity": 6}, Conflict, "quantity", "Only 5 of BELT available at PARIS."),
        (
            {"quantity": "2.5"},
            InvalidInput,
            "quantity",
            "This part is counted in whole units: 2.5 is not a whole number.",
        ),
        ({"quantity": -1}, InvalidInput, "quantity", "A quantity must be more than zero."),
        ({"part_id": 999999}, InvalidInput, "part_id", "No part with id 999999."),
        ({"destination_id": 999999}, InvalidInput, "destination_id", "No stock location with id 999999."),
        ({"mode": "boat"}, InvalidInput, "mode", "Must be one of ground, express_air."),
        (
            {"expected_arrival": datetime(2025, 3, 11, 8, 0)},  # noqa: DTZ001 - naive on purpose
            InvalidInput,
            "expected_arrival",
            "Give a date and time with its time zone.",
        ),
        ({"serials": ["SN-1"]}, InvalidInput, "serials", "BELT has no serial numbers."),
    ],
)
def test_create_transfer_refuses(
    stockroom: Stockroom, extra: dict[str, Any], error: type[Exception], field: str, message: str
) -> None:
    arguments = {
        "part_id": stockroom.belt.pk,
        "quantity": 1,
        "source_id": stockroom.paris.pk,
        "destination_id": stockroom.lyon.pk,
        **extra,
    }
    raised = refused(error, services.create_transfer, SYSTEM, **arguments)  # type: ignore[arg-type]
    assert (raised.field, raised.message) == (field, message)


def test_no_lane_no_air_for_hazardous_and_no_transfer_from_a_defective_area(stockroom: Stockroom) -> None:
    brest = services.create_location(
        SYSTEM, {"code": "BREST", "name": "Dépôt Brest", "kind": "depot", "region": "FR-BRE"}
    )
    raised = refused(
        Conflict,
        services.create_transfer,
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=brest.pk,
    )
    assert (raised.field, raised.message) == ("destination_id", "No lane from FR-IDF to FR-BRE for BELT.")
    raised = refused(
        Conflict,
        services.create_transfer,
        SYSTEM,
        part_id=stockroom.battery.pk,
        quantity=1,
        source_id=stockroom.lyon.pk,
        destination_id=stockroom.paris.pk,
        mode="express_air",
    )
    assert (raised.field, raised.message) == ("mode", "BATTERY is hazardous: it travels by ground only.")
    services.return_defective(
        SYSTEM, stockroom.belt.pk, 1, from_location_id=None, defective_location_id=stockroom.defective.pk
    )
    raised = refused(
        Conflict,
        services.create_transfer,
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=1,
        source_id=stockroom.defective.pk,
        destination_id=stockroom.paris.pk,
    )
    assert (raised.field, raised.message) == (
        "source_id",
        "DEFECTIVE does not hold stock that can be used or shipped.",
    )


def test_ship_then_receive(stockroom: Stockroom, published: list[tuple[str, dict[str, Any]]]) -> None:
    transfer = belts(stockroom, 2, demand_type="workorder", demand_id=12)
    transit = services.transit_location()
    shipped = services.ship_transfer(SYSTEM, transfer.pk)
    assert (shipped.status, shipped.shipped_at, shipped.version) == ("in_transit", NOW, 2)
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("3", "0")
    assert stockroom.level(transit, stockroom.belt) == ("2", "0")
    later = NOW + timedelta(hours=17)
    with clock.frozen(later):
        received = services.receive_transfer(SYSTEM, transfer.pk)
    assert (received.status, received.received_at, received.version) == ("received", later, 3)
    assert stockroom.level(transit, stockroom.belt) == ("0", "0")
    assert stockroom.level(stockroom.lyon, stockroom.belt) == ("5", "0")
    assert movement_rows(transfer=transfer) == [
        ("transfer_out", "BELT", Decimal(2), "PARIS", "IN-TRANSIT", ""),
        ("transfer_in", "BELT", Decimal(2), "IN-TRANSIT", "LYON", ""),
    ]
    assert published == [
        ("stock.transfer_received", {"transfer_id": transfer.pk, "demand_type": "workorder", "demand_id": 12})
    ]
    raised = refused(Conflict, services.receive_transfer, SYSTEM, transfer.pk)
    assert (raised.field, raised.message) == ("status", "Transfer TR-2025-00001 has already been received.")
    refused(Conflict, services.ship_transfer, SYSTEM, transfer.pk)
    refused(NotFound, services.ship_transfer, SYSTEM, 999999)


def test_receive_needs_a_shipped_transfer(stockroom: Stockroom) -> None:
    transfer = belts(stockroom)
    raised = refused(Conflict, services.receive_transfer, SYSTEM, transfer.pk)
    assert raised.message == "Transfer TR-2025-00001 has not been shipped yet."


def _waiting(stockroom: Stockroom, transfer: Transfer, quantity: int) -> Reservation:
    """A reservation waiting for ``transfer`` (as ``reservations`` makes it: not counted anywhere)."""
    return Reservation.objects.create(
        part=stockroom.belt,
        location=stockroom.lyon,
        quantity=quantity,
        demand_type="workorder",
        demand_id=12,
        transfer=transfer,
        created_at=NOW,
        updated_at=NOW,
    )


def test_receive_counts_the_waiting_reservations_at_the_destination(stockroom: Stockroom) -> None:
    transfer = belts(stockroom, 2)
    waiting = _waiting(stockroom, transfer, 2)
    services.ship_transfer(SYSTEM, transfer.pk)
    services.receive_transfer(SYSTEM, transfer.pk)
    assert stockroom.level(stockroom.lyon, stockroom.belt) == ("5", "2")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.location_id) == ("active", stockroom.lyon.pk)
    services.consume(
        SYSTEM, stockroom.lyon.pk, stockroom.belt.pk, 2, reference="WO-12", reservation_id=waiting.pk
    )
    assert stockroom.level(stockroom.lyon, stockroom.belt) == ("3", "0")


def test_a_reservation_cannot_be_consumed_before_its_transfer_arrives(stockroom: Stockroom) -> None:
    transfer = belts(stockroom, 2)
    waiting = _waiting(stockroom, transfer, 2)
    raised = refused(
        Conflict,
        services.consume,
        SYSTEM,
        stockroom.lyon.pk,
        stockroom.belt.pk,
        1,
        reference="WO-12",
        reservation_id=waiting.pk,
    )
    assert (raised.field, raised.message) == (
        "reservation_id",
        "The parts of this reservation have not arrived yet (transfer TR-2025-00001).",
    )


def test_cancel_releases_the_hold_and_the_waiting_reservations(
    stockroom: Stockroom, published: list[tuple[str, dict[str, Any]]]
) -> None:
    transfer = belts(stockroom, 2, demand_type="workorder", demand_id=12)
    waiting = _waiting(stockroom, transfer, 2)
    raised = refused(InvalidInput, services.cancel_transfer, SYSTEM, transfer.pk, reason=" ")
    assert (raised.field, raised.message) == ("reason", "This field is required.")
    cancelled = services.cancel_transfer(SYSTEM, transfer.pk, reason="found locally")
    assert (cancelled.status, cancelled.reason) == ("cancelled", "found locally")
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("5", "0")
    waiting.refresh_from_db()
    assert waiting.status == "released"
    assert published == [
        (
            "stock.transfer_cancelled",
            {"transfer_id": transfer.pk, "demand_type": "workorder", "demand_id": 12},
        )
    ]
    shipped = belts(stockroom, 1)
    services.ship_transfer(SYSTEM, shipped.pk)
    raised = refused(Conflict, services.cancel_transfer, SYSTEM, shipped.pk, reason="too late")
    assert raised.message == "Transfer TR-2025-00002 is already on its way."


def test_revise_arrival(stockroom: Stockroom) -> None:
    transfer = belts(stockroom)
    services.ship_transfer(SYSTEM, transfer.pk)
    later = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
    revised = services.revise_arrival(SYSTEM, transfer.pk, later)
    assert (revised.expected_arrival, revised.version) == (later, 3)
    raised = refused(InvalidInput, services.revise_arrival, SYSTEM, transfer.pk, NAIVE)
    assert (raised.field, raised.message) == ("expected_arrival", "Give a date and time with its time zone.")
    services.receive_transfer(SYSTEM, transfer.pk)
    refused(Conflict, services.revise_arrival, SYSTEM, transfer.pk, later)


def test_serialised_transfer_moves_the_serial_numbers(stockroom: Stockroom) -> None:
    transfer = services.create_transfer(
        SYSTEM,
        part_id=stockroom.board.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.lyon.pk,
        serials=["SN-1"],
    )
    raised = refused(
        Conflict,
        services.create_transfer,
        SYSTEM,
        part_id=stockroom.board.pk,
        quantity=1,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.van.pk,
        serials=["SN-1"],
    )
    assert (raised.field, raised.message) == ("serials", "Serial SN-1 is already on transfer TR-2025-00001.")
    raised = refused(
        Conflict,
        services.consume,
        SYSTEM,
        stockroom.paris.pk,
        stockroom.board.pk,
        1,
        reference="WO-1",
        serials=["SN-1"],
    )
    assert raised.field == "serials"
    raised = refused(
        Conflict,
        services.create_transfer,
        SYSTEM,
        part_id=stockroom.board.pk,
        quantity=1,
        source_id=stockroom.lyon.pk,
        destination_id=stockroom.paris.pk,
        serials=["SN-2"],
    )
    assert raised.message == "Only 0 of BOARD available at LYON."
    services.ship_transfer(SYSTEM, transfer.pk)
    unit = SerialUnit.objects.get(serial="SN-1")
    assert (unit.location.code, unit.status) == ("IN-TRANSIT", "in_transit")
    services.receive_transfer(SYSTEM, transfer.pk)
    unit.refresh_from_db()
    assert (unit.location_id, unit.status) == (stockroom.lyon.pk, "in_stock")
    assert movement_rows(transfer=transfer) == [
        ("transfer_out", "BOARD", Decimal(1), "PARIS", "IN-TRANSIT", "SN-1"),
        ("transfer_in", "BOARD", Decimal(1), "IN-TRANSIT", "LYON", "SN-1"),
    ]


# --- Replenishment ------------------------------------------------------------------------------------


def test_replenish_a_van_from_its_home_depot(stockroom: Stockroom) -> None:
    services.set_limits(SYSTEM, stockroom.van.pk, stockroom.belt.pk, minimum=2, maximum=4)
    created = services.replenish(SYSTEM, stockroom.van.pk)
    assert [
        (t.part.reference, t.quantity, t.source.code, t.destination.code, t.mode, t.reason) for t in created
    ] == [("BELT", Decimal(3), "PARIS", "VAN-LEA", "ground", "Replenishment")]
    assert services.replenish(SYSTEM, stockroom.van.pk) == []  # 1 + 3 inbound: no longer below 2


def test_replenish_a_depot_from_the_richest_depot_capped_at_its_available(stockroom: Stockroom) -> None:
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.belt.pk, minimum=5, maximum=10)
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.board.pk, minimum=1, maximum=1)
    services.set_limits(SYSTEM, stockroom.lyon.pk, stockroom.cable.pk, minimum=1, maximum=None)
    created = services.replenish(SYSTEM, stockroom.lyon.pk, [stockroom.belt.pk, stockroom.board.pk])
    assert sorted((t.part.reference, t.quantity, t.source.code, t.serials) for t in created) == [
        ("BELT", Decimal(5), "PARIS", []),
        ("BOARD", Decimal(1), "PARIS", ["SN-1"]),
    ]
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("5", "5")


def test_replenish_refuses_a_non_stocking_location(stockroom: Stockroom) -> None:
    before = stock_state()
    with pytest.raises(Conflict):
        services.replenish(SYSTEM, stockroom.defective.pk)
    assert stock_state() == before
