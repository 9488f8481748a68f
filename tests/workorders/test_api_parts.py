"""The spare-parts API of a work order: GET its reservations (with the explanation as data and in
words), POST lines (idempotent, all or nothing, 422 / 409 naming the line), DELETE one reservation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api_support import audit_count, call, db_state, problem
from tests.conftest import SYSTEM, World, api_client
from tests.stock.conftest import Stockroom, build_stockroom
from tests.tickets.conftest import MONDAY_10
from tests.workorders.conftest import make_order
from tournevis.core import clock
from tournevis.customers import services as customer_services
from tournevis.identity.domain import Role
from tournevis.stock import services as stock_services
from tournevis.stock.models import Reservation
from tournevis.workorders import services
from tournevis.workorders.models import WorkOrder

TUESDAY_9 = MONDAY_10 + timedelta(hours=23)


@pytest.fixture
def room(world: World) -> Stockroom:
    stockroom = build_stockroom(world)
    stock_services.set_lane(
        SYSTEM, origin_region="FR-IDF", destination_region="FR-IDF", mode="ground", lead_hours=8
    )
    customer_services.update_site(SYSTEM, world.a.site.pk, {"latitude": 48.8606, "longitude": 2.3376})
    return stockroom


@pytest.fixture
def order(world: World, room: Stockroom) -> WorkOrder:
    made = make_order(world)
    services.plan_visit(
        SYSTEM, made.pk, room.technician.pk, TUESDAY_9, TUESDAY_9 + timedelta(hours=2), at=MONDAY_10
    )
    return made


def test_reserve_then_read_then_release(world, room, order):
    client = api_client(world.staff[Role.DISPATCHER])
    url = f"/workorders/{order.pk}/parts"
    body = {"lines": [{"part": "BELT", "quantity": 2}, {"part_id": room.cable.pk, "quantity": "1.5"}]}
    with clock.frozen(MONDAY_10):
        first = call(client, "POST", url, body, {"Idempotency-Key": "parts-1"})
        again = call(client, "POST", url, body, {"Idempotency-Key": "parts-1"})
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert Reservation.objects.count() == 2
    data = first.json()
    assert (
        data["work_order_id"],
        data["waiting_for_parts"],
        data["expected_arrival"],
        data["pauses_sla"],
    ) == (
        order.pk,
        True,
        "2026-03-09T17:00:00Z",
        False,
    )
    belt = data["reservations"][0]
    assert {k: belt[k] for k in belt if k not in ("id", "part_id", "explanation", "explanation_text")} == {
        "part_reference": "BELT",
        "part_name": "Feed belt",
        "quantity": "2.000",
        "unit": "unit",
        "status": "active",
        "location_code": "VAN-LEA",
        "transfer_number": "TR-2026-00001",
        "transfer_status": "planned",
        "transfer_mode": "ground",
        "source_code": "PARIS",
        "expected_arrival": "2026-03-09T17:00:00Z",
        "awaited": True,
    }
    assert (
        belt["explanation"]["code"],
        belt["explanation"]["location"],
        belt["explanation"]["lead_hours"],
    ) == (
        "depot",
        "PARIS",
        8,
    )
    assert belt["explanation_text"][0].startswith(
        "Shipped from depot PARIS (1 km away) by ground in 8 h: expected "
    )
    detail = call(client, "GET", f"/workorders/{order.pk}").json()
    assert (detail["waiting_for_parts"], detail["parts_expected_arrival"]) == (True, "2026-03-09T17:00:00Z")
    read = call(api_client(world.staff[Role.TECHNICIAN]), "GET", url)  # Léa's work order
    assert read.status_code == 200
    assert [r["part_reference"] for r in read.json()["reservations"]] == ["BELT", "CABLE"]
    gone = call(client, "DELETE", f"{url}/{belt['id']}?reason=Not%20needed")
    assert gone.status_code == 204
    assert Reservation.objects.get(pk=belt["id"]).status == "released"
    assert call(client, "GET", url).json()["expected_arrival"] == "2026-03-09T17:00:00Z"  # the cable's


@pytest.mark.parametrize(
    ("lines", "status", "field", "detail"),
    [
        (
            [{"part": "BELT", "quantity": 1}, {"part": "NOPE", "quantity": 1}],
            422,
            "lines.1.part",
            "No part NOPE in the catalogue.",
        ),
        (
            [{"part": "BELT", "quantity": 99}],
            409,
            "lines.0.quantity",
            "Only 9 of BELT are available (99 asked): nothing was reserved.",
        ),
        (
            [{"part": "CABLE", "quantity": "0.0001"}],
            422,
            "lines.0.quantity",
            "A quantity has at most three decimals.",
        ),
    ],
)
def test_a_refused_request_names_the_line_and_reserves_nothing(
    world, room, order, lines, status, field, detail
):
    client = api_client(world.staff[Role.AGENT])
    before, audits = db_state(), audit_count()
    with clock.frozen(MONDAY_10):
        response = call(client, "POST", f"/workorders/{order.pk}/parts", {"lines": lines})
    body = problem(response, status)
    assert [(e["field"], e["message"]) for e in body["errors"]] == [(field, detail)]
    assert (db_state(), audit_count()) == (before, audits)


def test_another_work_orders_reservation_is_not_found(world, room, order):
    other = make_order(world)
    with clock.frozen(MONDAY_10):
        call(
            api_client(world.staff[Role.AGENT]),
            "POST",
            f"/workorders/{order.pk}/parts",
            {"lines": [{"part": "BELT", "quantity": 1}]},
        )
    reservation = Reservation.objects.get()
    response = call(
        api_client(world.staff[Role.AGENT]), "DELETE", f"/workorders/{other.pk}/parts/{reservation.pk}"
    )
    problem(response, 404)
    assert Reservation.objects.get().status == "active"


def test_a_contract_says_whether_the_sla_pauses_for_parts(world, gold):
    client = api_client(world.staff[Role.MANAGER])
    url = f"/contracts/{gold['contract'].pk}"
    assert call(client, "GET", url).json()["sla_pause_for_parts"] is False
    changed = call(client, "PATCH", url, {"sla_pause_for_parts": True})
    assert (changed.status_code, changed.json()["sla_pause_for_parts"]) == (200, True)
    bad = call(client, "PATCH", url, {"sla_pause_for_parts": "maybe"})
    assert problem(bad, 422)["errors"][0]["field"] == "sla_pause_for_parts"
