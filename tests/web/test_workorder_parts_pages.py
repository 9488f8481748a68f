"""The "Spare parts" section of the work-order page: reservations explained in words, waiting for parts,
the reserve form refusing bad input with nothing written, the release button, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom, build_stockroom
from tests.tickets.conftest import MONDAY_10
from tests.web.markup import document, find, find_all, text
from tests.web.test_pages import client_for
from tests.workorders.conftest import make_order
from tournevis.core import clock
from tournevis.customers import services as customer_services
from tournevis.stock import services as stock_services
from tournevis.stock.models import Reservation, Transfer
from tournevis.workorders import parts
from tournevis.workorders import services as workorder_services
from tournevis.workorders.models import WorkOrder

TUESDAY_9 = MONDAY_10 + timedelta(hours=23)


def unchanged(call: Callable[[], Any]) -> Any:
    before, audits = db_state(), audit_count()
    response = call()
    assert (db_state(), audit_count()) == (before, audits)
    return response


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
    """Léa's visit planned on Tuesday: the parts go to her van."""
    made = make_order(world)
    workorder_services.plan_visit(
        SYSTEM, made.pk, room.technician.pk, TUESDAY_9, TUESDAY_9 + timedelta(hours=2), at=MONDAY_10
    )
    return made


@pytest.fixture
def frozen():
    with clock.frozen(MONDAY_10) as fixed:
        yield fixed


def test_reserving_from_the_page_explains_the_choice_and_shows_the_wait(world, room, order, frozen):
    client = client_for("agent-user")
    url = f"/workorders/{order.pk}/"
    page = document(client.get(url))
    assert text(find(page, "p", id="no-parts")) == "No part reserved."
    assert find(page, "form", id="parts-form")
    done = client.post(f"/workorders/{order.pk}/parts/", {"part": "BELT", "quantity": "2"})
    assert (done.status_code, done["Location"]) == (302, url)
    shown = document(client.get(url))
    assert text(find(shown, "span", id="waiting-for-parts")) == "Waiting for parts"
    assert text(find(shown, "p", id="parts-arrival")) == (
        "The last part is expected on 09/03/2026 18:00: the visit is not planned before."
    )
    (row,) = find_all(shown, "tr", data_status="active")
    assert text(find(row, "td", class_="transfer")) == (
        "TR-2026-00001 · from PARIS · ground · ordered · expected 09/03/2026 18:00"
    )
    assert text(find(row, "p", class_="explanation")) == (
        "Shipped from depot PARIS (1 km away) by ground in 8 h: expected 09/03/2026 18:00."
    )
    assert [text(li) for li in find_all(row, "li")] == [
        "VAN-LEA: only 1 available.",
        "LYON: would arrive later (10/03/2026 04:00).",
    ]
    assert text(find(row, "td", class_="quantity")) == "2"


def test_the_van_serves_a_single_part_without_a_wait(world, room, order, frozen):
    client = client_for("dispatcher-user")
    assert client.post(f"/workorders/{order.pk}/parts/", {"part": "BELT", "quantity": "1"}).status_code == 302
    shown = document(client.get(f"/workorders/{order.pk}/"))
    assert find_all(shown, "span", id="waiting-for-parts") == []
    (row,) = find_all(shown, "tr", data_status="active")
    assert text(find(row, "p", class_="explanation")) == (
        "Taken from the technician's van VAN-LEA: the parts are already there."
    )


@pytest.mark.parametrize(
    ("posted", "status", "error_id", "message"),
    [
        ({"part": "NOPE", "quantity": "1"}, 422, "error-part", "No part NOPE in the catalogue."),
        ({"part": "", "quantity": "1"}, 422, "error-part", "Which part? Give its reference."),
        ({"part": "BELT", "quantity": "x"}, 422, "error-quantity", "A quantity is a number."),
        (
            {"part": "BELT", "quantity": "99"},
            409,
            "error-quantity",
            "Only 9 of BELT are available (99 asked): nothing was reserved.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(
    world, room, order, frozen, posted, status, error_id, message
):
    client = client_for("agent-user")
    refused = unchanged(lambda: client.post(f"/workorders/{order.pk}/parts/", posted))
    assert refused.status_code == status
    page = document(refused)
    assert text(find(page, "p", id=error_id)) == message
    assert dict(find(page, "input", name="part").attributes)["value"] == posted["part"]


def test_the_release_button_gives_the_parts_back(world, room, order, frozen):
    client = client_for("manager-user")
    parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 2}])
    reservation = Reservation.objects.get()
    done = client.post(f"/workorders/{order.pk}/parts/{reservation.pk}/release/")
    assert done.status_code == 302
    reservation.refresh_from_db()
    assert (reservation.status, Transfer.objects.get().status) == ("released", "cancelled")
    shown = document(client.get(f"/workorders/{order.pk}/"))
    (row,) = find_all(shown, "tr", data_status="released")
    assert find_all(row, "form") == []
    again = unchanged(lambda: client.post(f"/workorders/{order.pk}/parts/{reservation.pk}/release/"))
    assert (again.status_code, text(find(document(again), "p", id="error-parts-form"))) == (
        409,
        "This reservation is released: there is nothing to release.",
    )
    assert client.post(f"/workorders/{order.pk}/parts/999999/release/").status_code == 404


def test_the_technician_reads_the_parts_of_their_work_order(world, room, order, frozen):
    parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 1}])
    technician = client_for("technician-user")
    page = document(technician.get(f"/workorders/{order.pk}/"))
    assert len(find_all(page, "tr", data_status="active")) == 1
    assert find_all(page, "form", id="parts-form") == []
    assert find_all(page, "form", class_="release-form") == []
    refused = unchanged(
        lambda: technician.post(f"/workorders/{order.pk}/parts/", {"part": "BELT", "quantity": "1"})
    )
    assert refused.status_code == 403


def test_a_customer_user_sees_no_parts_section(world, room, order, frozen):
    customer = client_for(world.a.user.username)
    page = document(customer.get(f"/workorders/{order.pk}/"))
    assert find_all(page, "section", id="parts") == []
    refused = unchanged(
        lambda: customer.post(f"/workorders/{order.pk}/parts/", {"part": "BELT", "quantity": "1"})
    )
    assert refused.status_code == 404


def test_a_get_on_the_form_urls_is_not_allowed(world, room, order):
    assert client_for("agent-user").get(f"/workorders/{order.pk}/parts/").status_code == 405
