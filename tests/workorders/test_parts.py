"""Spare parts for a work order: where they come from (van, nearest depot, split), refusals that change
nothing, waiting for parts with the SLA clocks paused where the contract says so, and cancellation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom, build_stockroom
from tests.tickets.conftest import MONDAY_10
from tournevis.contracts import services as contract_services
from tournevis.contracts.models import SlaClock
from tournevis.core import clock
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.core.models import AuditEvent
from tournevis.customers import services as customer_services
from tournevis.stock import services as stock_services
from tournevis.stock.models import Reservation, Transfer
from tournevis.tickets import services as ticket_services
from tournevis.workorders import parts, services
from tournevis.workorders.models import WorkOrder

TUESDAY_9 = MONDAY_10 + timedelta(hours=23)
TUESDAY_11 = TUESDAY_9 + timedelta(hours=2)


@pytest.fixture
def room(world: World) -> Stockroom:
    """The stockroom with a ground lane inside FR-IDF (8 h) and party a's site at the Louvre."""
    stockroom = build_stockroom(world)
    stock_services.set_lane(
        SYSTEM, origin_region="FR-IDF", destination_region="FR-IDF", mode="ground", lead_hours=8
    )
    customer_services.update_site(SYSTEM, world.a.site.pk, {"latitude": 48.8606, "longitude": 2.3376})
    return stockroom


@pytest.fixture
def frozen():
    with clock.frozen(MONDAY_10) as fixed:
        yield fixed


def from_ticket(world: World) -> WorkOrder:
    ticket = ticket_services.open_ticket(
        SYSTEM,
        title="Counter jams",
        channel="phone",
        service_object_id=world.a.machine.pk,
        priority="P2",
        at=MONDAY_10,
    )
    return services.create_from_ticket(SYSTEM, ticket.pk, at=MONDAY_10)


def with_van(world: World, room: Stockroom) -> WorkOrder:
    """A work order whose visit is planned for Léa (who has the van VAN-LEA) on Tuesday."""
    order = from_ticket(world)
    services.plan_visit(SYSTEM, order.pk, room.technician.pk, TUESDAY_9, TUESDAY_11, at=MONDAY_10)
    return order


def shares(made: list[Reservation]) -> list[tuple[str, Decimal, str | None]]:
    return [(r.explanation["location"], r.quantity, r.transfer.mode if r.transfer_id else None) for r in made]


def clocks(order: WorkOrder) -> dict[str, str]:
    return dict(
        SlaClock.objects.filter(subject_type="ticket", subject_id=order.ticket_id)
        .order_by("kind")
        .values_list("kind", "state")
    )


def pausing(gold: dict[str, Any]) -> None:
    contract_services.update_contract(SYSTEM, gold["contract"].pk, {"sla_pause_for_parts": True})


# --- Where the parts come from -----------------------------------------------------------------------


def test_the_technicians_van_serves_first(world, room, frozen):
    order = with_van(world, room)
    made = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 1}])
    assert shares(made) == [("VAN-LEA", Decimal(1), None)]
    assert (made[0].location_id, made[0].demand_label) == (room.van.pk, order.number)
    status = parts.parts_status(order.pk)
    assert (status.waiting_for_parts, status.expected_arrival) == (False, None)
    assert room.level(room.van, room.belt) == ("1", "1")


def test_else_the_depot_that_gets_them_to_the_van_first(world, room, frozen):
    order = with_van(world, room)
    made = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])
    assert shares(made) == [("PARIS", Decimal(2), "ground")]
    assert made[0].transfer.destination_id == room.van.pk
    status = parts.parts_status(order.pk)
    assert (status.waiting_for_parts, status.expected_arrival) == (True, MONDAY_10 + timedelta(hours=8))
    assert [(r.part_reference, r.transfer_number, r.source_code) for r in status.reservations] == [
        ("BELT", "TR-2026-00001", "PARIS")
    ]


def test_without_a_van_the_parts_go_to_the_depot_nearest_the_site(world, room, frozen):
    order = from_ticket(world)  # its visit is unscheduled: no technician yet
    made = parts.reserve_parts(
        SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}, {"part_id": room.battery.pk, "quantity": 1}]
    )
    # PARIS holds the belts itself; the hazardous battery comes from LYON by ground
    assert shares(made) == [("PARIS", Decimal(2), None), ("LYON", Decimal(1), "ground")]
    assert made[1].transfer.destination_id == room.paris.pk
    assert made[1].transfer.expected_arrival == MONDAY_10 + timedelta(hours=48)
    assert made[0].explanation["code"] == "local"


def test_a_need_no_single_place_can_meet_is_split(world, room, frozen):
    order = with_van(world, room)
    made = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 7}])
    assert shares(made) == [
        ("VAN-LEA", Decimal(1), None),
        ("PARIS", Decimal(5), "ground"),
        ("LYON", Decimal(1), "express_air"),
    ]
    assert parts.parts_status(order.pk).expected_arrival == MONDAY_10 + timedelta(hours=18)


# --- Refusals change nothing ------------------------------------------------------------------------


def test_more_than_exists_is_refused_naming_the_line(world, room, frozen):
    order = with_van(world, room)
    before = (db_state(), audit_count())
    with pytest.raises(Conflict) as refused:
        parts.reserve_parts(
            SYSTEM, order.pk, [{"part": "BELT", "quantity": 1}, {"part": "BATTERY", "quantity": 9}]
        )
    assert (refused.value.field, refused.value.message) == (
        "lines.1.quantity",
        "Only 4 of BATTERY are available (9 asked): nothing was reserved.",
    )
    assert (db_state(), audit_count()) == before  # the van's belt of line 0 is not reserved either


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        (
            [{"part": "BELT", "quantity": 1}, {"part": "NOPE", "quantity": 1}],
            "lines.1.part",
            "No part NOPE in the catalogue.",
        ),
        ([{"part_id": 999999, "quantity": 1}], "lines.0.part", "No part with id 999999 in the catalogue."),
        ([{"quantity": 1}], "lines.0.part", "Which part? Give its reference."),
        (
            [{"part": "BELT", "quantity": "1.5"}],
            "lines.0.quantity",
            "This part is counted in whole units: 1.5 is not a whole number.",
        ),
        ([{"part": "BELT"}], "lines.0.quantity", "A quantity is a number."),
        ([], "lines", "Give at least one part and its quantity."),
        ("BELT", "lines", "Give at least one part and its quantity."),
    ],
)
def test_bad_lines_are_refused_naming_the_field(world, room, frozen, lines, field, message):
    order = with_van(world, room)
    before = (db_state(), audit_count())
    with pytest.raises(InvalidInput) as bad:
        parts.reserve_parts(SYSTEM, order.pk, lines)
    assert (bad.value.field, bad.value.message) == (field, message)
    assert (db_state(), audit_count()) == before


def test_a_reference_in_another_case_is_found(world, room, frozen):
    order = with_van(world, room)
    assert shares(parts.reserve_parts(SYSTEM, order.pk, [{"part": "belt", "quantity": 1}])) == [
        ("VAN-LEA", Decimal(1), None)
    ]


def test_a_closed_work_order_gets_no_parts(world, room, frozen):
    order = from_ticket(world)
    services.cancel(SYSTEM, order.pk, "Duplicate")
    with pytest.raises(Conflict) as closed:
        parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 1}])
    assert (closed.value.field, closed.value.message) == (
        "status",
        "A work order that is cancelled gets no parts.",
    )


# --- Waiting for parts and the SLA ------------------------------------------------------------------


def test_waiting_for_parts_pauses_the_sla_where_the_contract_allows_and_resumes_on_receipt(
    world, room, gold, frozen, django_capture_on_commit_callbacks
):
    pausing(gold)
    order = with_van(world, room)
    assert clocks(order) == {
        "onsite": "running",
        "resolution": "running",
        "response": "running",
        "update": "running",
    }

    (made,) = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])

    assert clocks(order) == {
        "onsite": "paused",
        "resolution": "paused",
        "response": "running",
        "update": "running",
    }
    assert parts.parts_status(order.pk).pauses_sla is True
    stock_services.ship_transfer(SYSTEM, made.transfer_id)
    with django_capture_on_commit_callbacks(execute=True):
        stock_services.receive_transfer(SYSTEM, made.transfer_id)

    assert clocks(order)["onsite"] == "running"
    assert clocks(order)["resolution"] == "running"
    assert parts.parts_status(order.pk).waiting_for_parts is False
    received = AuditEvent.objects.get(action="workorder.parts.transfer_received")
    assert (received.object_id, received.after) == (
        str(order.pk),
        {"transfer": made.transfer_id, "number": "TR-2026-00001", "part": "BELT", "sla": "resumed"},
    )


def test_the_worker_tick_resumes_clocks_whose_arrival_handler_did_not_run(world, room, gold, frozen):
    pausing(gold)
    order = with_van(world, room)
    (made,) = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])
    assert parts.resume_arrived(SYSTEM, MONDAY_10) == {"sla_clocks_resumed_after_parts": 0}  # still awaited
    stock_services.ship_transfer(SYSTEM, made.transfer_id)
    stock_services.receive_transfer(SYSTEM, made.transfer_id)  # its after-commit handler never runs here
    assert clocks(order)["onsite"] == "paused"

    later = MONDAY_10 + timedelta(hours=9)
    assert parts.resume_arrived(SYSTEM, later) == {"sla_clocks_resumed_after_parts": 1}

    assert clocks(order)["onsite"] == "running"
    assert clocks(order)["resolution"] == "running"
    resumed = AuditEvent.objects.filter(action="workorder.parts.sla_resumed", object_id=str(order.pk))
    assert resumed.count() == 1
    assert parts.resume_arrived(SYSTEM, later) == {"sla_clocks_resumed_after_parts": 0}


def test_the_sla_waits_for_the_last_transfer(world, room, gold, frozen, django_capture_on_commit_callbacks):
    pausing(gold)
    order = with_van(world, room)
    made = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 7}])  # two transfers
    first = made[1].transfer_id
    stock_services.ship_transfer(SYSTEM, first)
    with django_capture_on_commit_callbacks(execute=True):
        stock_services.receive_transfer(SYSTEM, first)
    assert clocks(order)["onsite"] == "paused"
    assert parts.parts_status(order.pk).expected_arrival == MONDAY_10 + timedelta(hours=18)


def test_without_the_contracts_consent_the_sla_keeps_running(world, room, gold, frozen):
    order = with_van(world, room)
    parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])
    assert parts.parts_status(order.pk).waiting_for_parts is True
    assert clocks(order)["onsite"] == "running"
    assert parts.parts_status(order.pk).pauses_sla is False


def test_a_clock_paused_for_another_reason_stays_paused(world, room, gold, frozen):
    pausing(gold)
    order = with_van(world, room)
    parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])
    from tournevis.contracts import sla_services

    sla_services.resume_clocks(SYSTEM, "ticket", order.ticket_id, at=MONDAY_10, kinds=["onsite"])
    sla_services.pause_clocks(
        SYSTEM, "ticket", order.ticket_id, at=MONDAY_10, reason="customer", kinds=["onsite"]
    )
    (reservation,) = Reservation.objects.filter(demand_id=order.pk)
    parts.release_parts(SYSTEM, order.pk, reservation.pk)
    assert clocks(order)["onsite"] == "paused"  # the customer's pause is not ours to end
    assert clocks(order)["resolution"] == "running"


def test_a_cancelled_transfer_is_recorded_and_ends_the_wait(
    world, room, gold, frozen, django_capture_on_commit_callbacks
):
    pausing(gold)
    order = with_van(world, room)
    (made,) = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])
    with django_capture_on_commit_callbacks(execute=True):
        stock_services.cancel_transfer(SYSTEM, made.transfer_id, reason="Truck broke down")
    made.refresh_from_db()
    assert made.status == "released"
    assert clocks(order)["onsite"] == "running"
    event = AuditEvent.objects.get(action="workorder.parts.transfer_cancelled")
    assert event.after == {
        "transfer": made.transfer_id,
        "number": "TR-2026-00001",
        "part": "BELT",
        "sla": "resumed",
    }


# --- Releasing and cancelling -----------------------------------------------------------------------


def test_releasing_a_reservation_of_the_work_order(world, room, frozen):
    order = with_van(world, room)
    other = with_van(world, room)
    (made,) = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 1}])
    with pytest.raises(NotFound):
        parts.release_parts(SYSTEM, other.pk, made.pk)
    released = parts.release_parts(SYSTEM, order.pk, made.pk, reason="Fixed without it")
    assert released.status == "released"
    assert room.level(room.van, room.belt) == ("1", "0")
    assert AuditEvent.objects.filter(action="workorder.parts.release", object_id=str(order.pk)).count() == 1


def test_cancelling_the_work_order_releases_its_parts(world, room, gold, frozen):
    pausing(gold)
    order = with_van(world, room)
    parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 7}])
    services.cancel(SYSTEM, order.pk, "Customer replaced the machine")
    assert set(Reservation.objects.values_list("status", flat=True)) == {"released"}
    assert set(Transfer.objects.values_list("status", flat=True)) == {"cancelled"}
    assert [room.level(p, room.belt) for p in (room.van, room.paris, room.lyon)] == [
        ("1", "0"),
        ("5", "0"),
        ("3", "0"),
    ]
    assert clocks(order)["onsite"] == "running"
    assert parts.waiting([order.pk]) == {}
