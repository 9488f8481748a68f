"""Reservations: sourcing against the database (van, nearest depot, split, local depot, refusal),
the writes under locks, releases, and the read side (rows, arrivals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.conftest import SYSTEM
from tests.stock.conftest import Stockroom
from tournevis.core import clock
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.core.models import AuditEvent
from tournevis.stock import reservations, services
from tournevis.stock.models import Reservation, SerialUnit, Transfer
from tournevis.stock.reservations import Destination

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
LOUVRE = {"latitude": 48.8606, "longitude": 2.3376}
WO = {"demand_type": "workorder", "demand_id": 7, "demand_label": "WO-2026-000007"}


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as fixed:
        yield fixed


@pytest.fixture
def room(stockroom: Stockroom) -> Stockroom:
    """The stockroom with a ground lane inside FR-IDF: 8 h."""
    services.set_lane(
        SYSTEM, origin_region="FR-IDF", destination_region="FR-IDF", mode="ground", lead_hours=8
    )
    return stockroom


def to_van(room: Stockroom) -> Destination:
    return Destination(room.van.pk, **LOUVRE, van_location_id=room.van.pk)


def reserve(room: Stockroom, part, quantity, destination: Destination | None = None, **demand):
    return reservations.reserve(
        SYSTEM,
        **{**WO, **demand},
        part_id=part.pk,
        quantity=quantity,
        destination=destination or to_van(room),
    )


def levels(room: Stockroom, part) -> dict[str, tuple[str, str]]:
    return {place.code: room.level(place, part) for place in (room.paris, room.lyon, room.van)}


def test_the_van_serves_what_it_holds_without_a_transfer(room, frozen):
    (made,) = reserve(room, room.belt, 1)
    assert (made.location_id, made.quantity, made.status, made.transfer_id) == (
        room.van.pk,
        Decimal("1.000"),
        "active",
        None,
    )
    assert made.explanation["code"] == "van"
    assert made.explanation["strategy"] == "van"
    assert levels(room, room.belt) == {
        "PARIS": ("5", "0"),
        "LYON": ("3", "0"),
        "VAN-LEA": ("1", "1"),
    }
    assert reservations.arrivals("workorder", [7]) == {}
    assert AuditEvent.objects.filter(action="stock.reservation.create", object_id=str(made.pk)).count() == 1


def test_else_the_nearest_depot_ships_it_with_a_transfer(room, frozen):
    (made,) = reserve(room, room.belt, 2)
    transfer = Transfer.objects.get()
    assert (transfer.number, transfer.source_id, transfer.destination_id, transfer.mode, transfer.status) == (
        "TR-2026-00001",
        room.paris.pk,
        room.van.pk,
        "ground",
        "planned",
    )
    assert transfer.expected_arrival == NOW + timedelta(hours=8)
    assert (transfer.demand_type, transfer.demand_id, transfer.demand_label) == (
        "workorder",
        7,
        "WO-2026-000007",
    )
    assert (made.location_id, made.transfer_id, made.quantity) == (room.van.pk, transfer.pk, Decimal(2))
    assert levels(room, room.belt) == {
        "PARIS": ("5", "2"),  # held by the transfer
        "LYON": ("3", "0"),
        "VAN-LEA": ("1", "0"),  # not counted until received
    }
    assert made.explanation == {
        "code": "depot",
        "location": "PARIS",
        "kind": "depot",
        "quantity": "2",
        "distance_km": 1,
        "mode": "ground",
        "lead_hours": 8,
        "arrival": "2026-03-09T16:00:00+00:00",
        "strategy": "nearest",
        "part": "BELT",
        "of": "2",
        "share": 1,
        "shares": 1,
        "considered": [
            {
                "location": "VAN-LEA",
                "available": "1",
                "distance_km": 0,
                "mode": "none",
                "lead_hours": 0,
                "arrival": "2026-03-09T08:00:00+00:00",
                "why": "short",
            },
            {
                "location": "LYON",
                "available": "3",
                "distance_km": 392,
                "mode": "express_air",
                "lead_hours": 18,
                "arrival": "2026-03-10T02:00:00+00:00",
                "why": "later",
            },
        ],
        "more": 0,
    }
    assert reservations.arrivals("workorder", [7, 8]) == {7: NOW + timedelta(hours=8)}


def test_the_depot_whose_part_arrives_first_wins_even_in_another_region(stockroom, frozen):
    # no lane inside FR-IDF: PARIS ships by ground in the default 24 h, LYON flies in 18 h
    (made,) = reservations.reserve(
        SYSTEM, **WO, part_id=stockroom.belt.pk, quantity=2, destination=to_van(stockroom)
    )
    assert (made.transfer.source_id, made.transfer.mode, made.transfer.expected_arrival) == (
        stockroom.lyon.pk,
        "express_air",
        NOW + timedelta(hours=18),
    )
    assert [(c["location"], c["lead_hours"], c["why"]) for c in made.explanation["considered"]] == [
        ("VAN-LEA", 0, "short"),
        ("PARIS", 24, "later"),
    ]


def test_a_hazardous_part_from_another_region_travels_by_ground(room, frozen):
    (made,) = reserve(room, room.battery, 4)
    transfer = made.transfer
    assert (transfer.source_id, transfer.mode, transfer.expected_arrival) == (
        room.lyon.pk,
        "ground",
        NOW + timedelta(hours=48),
    )
    assert room.level(room.lyon, room.battery) == ("4", "4")


def test_when_no_single_place_has_enough_the_need_is_split(room, frozen):
    made = reserve(room, room.belt, 7)
    # the van's unit first, then by arrival: PARIS by ground (8 h), then LYON by air (18 h)
    assert [(r.explanation["location"], r.quantity, r.explanation["code"]) for r in made] == [
        ("VAN-LEA", Decimal(1), "van"),
        ("PARIS", Decimal(5), "depot"),
        ("LYON", Decimal(1), "depot"),
    ]
    assert {r.explanation["strategy"] for r in made} == {"soonest"}
    assert levels(room, room.belt) == {
        "PARIS": ("5", "5"),
        "LYON": ("3", "1"),
        "VAN-LEA": ("1", "1"),
    }
    assert Transfer.objects.count() == 2
    assert reservations.arrivals("workorder", [7]) == {7: NOW + timedelta(hours=18)}


def test_a_depot_destination_holding_the_part_reserves_it_in_place(room, frozen):
    (made,) = reserve(room, room.cable, "2.5", Destination(room.paris.pk))
    assert (made.location_id, made.transfer_id, made.explanation["code"]) == (room.paris.pk, None, "local")
    assert room.level(room.paris, room.cable) == ("25.5", "2.5")


def test_not_enough_anywhere_is_refused_and_nothing_changes(room, frozen):
    with pytest.raises(Conflict) as refused:
        reserve(room, room.belt, 10)
    assert refused.value.field == "quantity"
    assert refused.value.message == "Only 9 of BELT are available (10 asked): nothing was reserved."
    assert levels(room, room.belt) == {
        "PARIS": ("5", "0"),
        "LYON": ("3", "0"),
        "VAN-LEA": ("1", "0"),
    }
    assert (Reservation.objects.count(), Transfer.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"part_id": 999999}, "part_id", "No part with id 999999 in the catalogue."),
        ({"part_id": "x"}, "part_id", "An id is a whole number."),
        ({"quantity": "1.5"}, "quantity", "This part is counted in whole units: 1.5 is not a whole number."),
        ({"quantity": 0}, "quantity", "A quantity must be more than zero."),
        ({"demand_type": ""}, "demand_type", "A reservation is for a demand (e.g. a work order)."),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(room, frozen, data, field, message):
    args = {**WO, "part_id": room.belt.pk, "quantity": 1, "destination": to_van(room), **data}
    with pytest.raises(InvalidInput) as bad:
        reservations.reserve(SYSTEM, **args)
    assert (bad.value.field, bad.value.message) == (field, message)
    assert (Reservation.objects.count(), Transfer.objects.count()) == (0, 0)
    assert room.level(room.van, room.belt) == ("1", "0")


def test_a_retired_part_or_a_wrong_destination_is_refused(room, frozen):
    services.update_part(SYSTEM, room.cable.pk, {"active": False})
    with pytest.raises(InvalidInput) as retired:
        reserve(room, room.cable, 1)
    assert (retired.value.field, retired.value.message) == (
        "part_id",
        "Part CABLE is no longer in the catalogue.",
    )
    with pytest.raises(InvalidInput) as wrong:
        reserve(room, room.belt, 1, Destination(room.defective.pk))
    assert wrong.value.field == "destination"
    assert Reservation.objects.count() == 0


def test_a_serialised_part_reserves_named_units(room, frozen):
    (first,) = reserve(room, room.board, 1)
    (second,) = reserve(room, room.board, 1)
    assert [first.transfer.serials, second.transfer.serials] == [["SN-1"], ["SN-2"]]
    with pytest.raises(Conflict) as none_left:
        reserve(room, room.board, 1)
    assert none_left.value.message == "Only 0 of BOARD are available (1 asked): nothing was reserved."


def test_a_serialised_part_held_in_place_binds_its_unit(room, frozen):
    (made,) = reserve(room, room.board, 1, Destination(room.paris.pk))
    assert list(SerialUnit.objects.filter(reservation=made).values_list("serial", flat=True)) == ["SN-1"]
    reservations.release(SYSTEM, made.pk, reason="not needed")
    assert SerialUnit.objects.filter(reservation__isnull=False).count() == 0


def test_serial_units_that_arrive_are_held_for_the_reservation_that_waited(room, frozen):
    (made,) = reserve(room, room.board, 1)
    services.ship_transfer(SYSTEM, made.transfer_id)
    assert SerialUnit.objects.filter(reservation__isnull=False).count() == 0
    services.receive_transfer(SYSTEM, made.transfer_id)
    held = SerialUnit.objects.filter(reservation=made).values_list("serial", "location__code", "status")
    assert list(held) == [("SN-1", room.van.code, "in_stock")]
    services.consume(
        SYSTEM, room.van.pk, room.board.pk, 1, reference="WO-7", serials=["SN-1"], reservation_id=made.pk
    )
    assert SerialUnit.objects.get(serial="SN-1").status == "consumed"


# --- Releases ------------------------------------------------------------------------------------


def test_releasing_a_van_reservation_frees_the_unit(room, frozen):
    (made,) = reserve(room, room.belt, 1)
    released = reservations.release(SYSTEM, made.pk, reason="fixed without it")
    assert released.status == "released"
    assert room.level(room.van, room.belt) == ("1", "0")
    event = AuditEvent.objects.get(action="stock.reservation.release", object_id=str(made.pk))
    assert event.after["reason"] == "fixed without it"
    with pytest.raises(Conflict) as again:
        reservations.release(SYSTEM, made.pk, reason="twice")
    assert (again.value.field, again.value.message) == (
        "status",
        "This reservation is released: there is nothing to release.",
    )
    with pytest.raises(NotFound):
        reservations.release(SYSTEM, 999999, reason="none")


def test_releasing_a_reservation_whose_transfer_is_planned_cancels_the_transfer(room, frozen):
    (made,) = reserve(room, room.belt, 2)
    reservations.release(SYSTEM, made.pk, reason="customer cancelled")
    transfer = Transfer.objects.get()
    assert transfer.status == "cancelled"
    assert transfer.reason == "WO-2026-000007 — customer cancelled"
    assert Reservation.objects.get().status == "released"
    assert room.level(room.paris, room.belt) == ("5", "0")
    assert reservations.arrivals("workorder", [7]) == {}


def test_once_received_the_reservation_counts_at_the_destination_until_released(room, frozen):
    (made,) = reserve(room, room.belt, 2)
    services.ship_transfer(SYSTEM, made.transfer_id)
    assert reservations.arrivals("workorder", [7]) == {7: NOW + timedelta(hours=8)}
    services.receive_transfer(SYSTEM, made.transfer_id)
    assert reservations.arrivals("workorder", [7]) == {}
    assert room.level(room.van, room.belt) == ("3", "2")
    assert room.level(room.paris, room.belt) == ("3", "0")
    reservations.release(SYSTEM, made.pk, reason="not needed")
    assert room.level(room.van, room.belt) == ("3", "0")


def test_releasing_while_on_the_road_lets_the_parts_arrive_as_free_stock(room, frozen):
    (made,) = reserve(room, room.belt, 2)
    services.ship_transfer(SYSTEM, made.transfer_id)
    reservations.release(SYSTEM, made.pk, reason="not needed")
    assert reservations.arrivals("workorder", [7]) == {}
    services.receive_transfer(SYSTEM, made.transfer_id)
    assert room.level(room.van, room.belt) == ("3", "0")


def test_release_demand_releases_every_active_reservation(room, frozen):
    reserve(room, room.belt, 7)
    reserve(room, room.cable, 1, demand_id=8)
    assert reservations.release_demand(SYSTEM, "workorder", 7, reason="work order cancelled") == 3
    assert levels(room, room.belt) == {
        "PARIS": ("5", "0"),
        "LYON": ("3", "0"),
        "VAN-LEA": ("1", "0"),
    }
    assert list(Transfer.objects.order_by("pk").values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
        "planned",  # demand 8's
    ]
    assert Reservation.objects.filter(demand_id=8, status="active").count() == 1
    assert reservations.release_demand(SYSTEM, "workorder", 7, reason="again") == 0


# --- Read side -----------------------------------------------------------------------------------


def test_demand_reservations_lists_active_ones_first(room, frozen, django_assert_num_queries):
    (van_one,) = reserve(room, room.belt, 1)
    reserve(room, room.cable, "1.5")
    reservations.release(SYSTEM, van_one.pk, reason="x")
    with django_assert_num_queries(1):
        rows = reservations.demand_reservations("workorder", 7)
    assert [
        (
            r.part_reference,
            r.quantity,
            r.status,
            r.location_code,
            r.transfer_number,
            r.transfer_status,
            r.transfer_mode,
            r.source_code,
            r.expected_arrival,
            r.awaited,
        )
        for r in rows
    ] == [
        (
            "CABLE",
            Decimal("1.5"),
            "active",
            "VAN-LEA",
            "TR-2026-00001",
            "planned",
            "ground",
            "PARIS",
            NOW + timedelta(hours=8),
            True,
        ),
        ("BELT", Decimal(1), "released", "VAN-LEA", None, None, None, None, None, False),
    ]


def test_arrivals_is_one_query_for_many_demands(room, frozen, django_assert_num_queries):
    reserve(room, room.belt, 2, demand_id=1)
    reserve(room, room.battery, 1, demand_id=2)
    reserve(room, room.belt, 1, demand_id=3)  # the van's: nothing awaited
    with django_assert_num_queries(1):
        found = reservations.arrivals("workorder", [1, 2, 3, 4])
    assert found == {1: NOW + timedelta(hours=8), 2: NOW + timedelta(hours=48)}


def test_a_proposal_reads_four_queries_and_writes_nothing(room, frozen, django_assert_num_queries):
    with django_assert_num_queries(4):
        proposal = reservations.propose(part_id=room.belt.pk, quantity=2, destination=to_van(room))
    assert proposal.decision.strategy == "nearest"
    assert Reservation.objects.count() == 0


def test_nearest_depot_and_van_of(room):
    assert reservations.nearest_depot(45.75, 4.85) == room.lyon
    assert reservations.nearest_depot(48.86, 2.34) == room.paris
    assert reservations.nearest_depot(None, None) == room.lyon  # by code
    assert reservations.van_of(room.technician.pk) == room.van
    assert reservations.van_of(None) is None
