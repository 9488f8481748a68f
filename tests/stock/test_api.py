"""Stock API: bodies, status codes, problem+json naming the field (and nothing changed), versions
with If-Match, idempotent retries, and a technician limited to their own van."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.api_support import call, fields_of, problem
from tests.conftest import SYSTEM, World, api_client
from tests.stock.conftest import Stockroom, stock_state
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.stock import services
from tournevis.stock.models import Movement

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def refused(client, method: str, path: str, body: object, status: int) -> dict:  # type: ignore[no-untyped-def]
    before = stock_state()
    answer = problem(call(client, method, path, body), status)
    assert stock_state() == before
    return answer


def test_parts_create_read_patch(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.DISPATCHER])
    created = call(
        client,
        "POST",
        "/stock/parts",
        {
            "reference": "FAN-80",
            "name_en": "Fan",
            "name_fr": "Ventilateur",
            "unit_price_minor": 990,
            "fits": [world.model.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["ETag"] == '"1"'
    assert {
        k: body[k]
        for k in ("reference", "unit", "serialised", "unit_price_minor", "currency", "fits", "version")
    } == {
        "reference": "FAN-80",
        "unit": "unit",
        "serialised": False,
        "unit_price_minor": 990,
        "currency": "EUR",
        "fits": [world.model.pk],
        "version": 1,
    }
    url = f"/stock/parts/{body['id']}"
    edited = call(client, "PATCH", url, {"name_en": "Cooling fan"}, {"If-Match": '"1"'})
    assert (edited.status_code, edited.json()["name_en"], edited["ETag"]) == (200, "Cooling fan", '"2"')
    stale = problem(call(client, "PATCH", url, {"name_en": "X"}, {"If-Match": '"1"'}), 412)
    assert (stale["current"]["name_en"], stale["current"]["fits"]) == ("Cooling fan", [world.model.pk])
    listed = call(client, "GET", "/stock/parts?search=fan").json()
    assert (listed["count"], [p["reference"] for p in listed["items"]]) == (1, ["FAN-80"])
    fits = call(client, "GET", f"/stock/parts/{stockroom.belt.pk}/fits").json()
    assert fits == [{"id": world.model.pk, "manufacturer": "Glory", "name": "GFS-220"}]


def test_parts_bad_input(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.MANAGER])
    duplicate = refused(
        client, "POST", "/stock/parts", {"reference": "BELT", "name_en": "B", "name_fr": "B"}, 409
    )
    assert (fields_of(duplicate), duplicate["detail"]) == (
        ["reference"],
        "A part with reference BELT exists.",
    )
    unit = refused(client, "PATCH", f"/stock/parts/{stockroom.belt.pk}", {"unit": "m"}, 409)
    assert fields_of(unit) == ["unit"]
    unknown = refused(
        client,
        "POST",
        "/stock/parts",
        {"reference": "X", "name_en": "X", "name_fr": "X", "colour": "red"},
        422,
    )
    assert fields_of(unknown) == ["colour"]
    problem(call(client, "GET", "/stock/parts/999999"), 404)


def test_locations_and_a_technician_sees_only_their_van(stockroom: Stockroom, world: World) -> None:
    dispatcher = api_client(world.staff[Role.DISPATCHER])
    created = call(
        dispatcher,
        "POST",
        "/stock/locations",
        {
            "code": "NANTES",
            "name": "Dépôt Nantes",
            "kind": "depot",
            "region": "FR-PDL",
            "latitude": 47.21,
            "longitude": -1.55,
            "timezone": "Europe/Paris",
        },
    )
    assert created.status_code == 201, created.content
    assert {k: created.json()[k] for k in ("code", "kind", "region", "latitude", "version")} == {
        "code": "NANTES",
        "kind": "depot",
        "region": "FR-PDL",
        "latitude": 47.21,
        "version": 1,
    }
    half = refused(
        dispatcher,
        "POST",
        "/stock/locations",
        {"code": "X", "name": "X", "kind": "depot", "latitude": 47.0},
        422,
    )
    assert (fields_of(half), half["detail"]) == (
        ["longitude"],
        "Give both latitude and longitude, or neither.",
    )
    technician = api_client(world.staff[Role.TECHNICIAN])
    own = call(technician, "GET", f"/stock/locations/{stockroom.van.pk}")
    assert (own.status_code, own.json()["code"]) == (200, "VAN-LEA")
    problem(call(technician, "GET", f"/stock/locations/{stockroom.paris.pk}"), 404)
    levels = call(technician, "GET", "/stock/levels").json()
    assert [(row["location_code"], row["part_reference"], row["on_hand"]) for row in levels["items"]] == [
        ("VAN-LEA", "BELT", "1")
    ]
    problem(call(technician, "GET", "/stock/parts"), 403)


def test_lanes_put_list_delete(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.ADMIN])
    body = {"origin_region": "FR-IDF", "destination_region": "FR-IDF", "mode": "ground", "lead_hours": 8}
    lane = call(client, "PUT", "/stock/lanes", body)
    assert (lane.status_code, lane.json()["lead_hours"]) == (200, 8)
    assert len(call(client, "GET", "/stock/lanes").json()) == 5
    again = call(client, "PUT", "/stock/lanes", {**body, "lead_hours": 6}).json()
    assert (again["id"], again["lead_hours"], again["version"]) == (lane.json()["id"], 6, 2)
    assert call(client, "DELETE", f"/stock/lanes/{again['id']}").status_code == 204
    problem(call(client, "DELETE", f"/stock/lanes/{again['id']}"), 404)


def test_receipt_with_retry_and_bad_quantities(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.DISPATCHER])
    body = {
        "location_id": stockroom.lyon.pk,
        "part_id": stockroom.cable.pk,
        "quantity": "12.5",
        "reference": "PO-77",
    }
    first = call(client, "POST", "/stock/receipts", body, {"Idempotency-Key": "receipt-77"})
    assert first.status_code == 201, first.content
    answer = first.json()
    assert {
        k: answer["level"][k] for k in ("location_code", "part_reference", "on_hand", "available", "minimum")
    } == {
        "location_code": "LYON",
        "part_reference": "CABLE",
        "on_hand": "12.5",
        "available": "12.5",
        "minimum": None,
    }
    assert {k: answer["movement"][k] for k in ("kind", "quantity", "destination_code", "reference")} == {
        "kind": "receipt",
        "quantity": "12.5",
        "destination_code": "LYON",
        "reference": "PO-77",
    }
    retry = call(client, "POST", "/stock/receipts", body, {"Idempotency-Key": "receipt-77"})
    assert (retry.status_code, retry["Idempotent-Replayed"], retry.json()) == (201, "true", answer)
    assert Movement.objects.filter(reference="PO-77").count() == 1
    fraction = refused(
        client, "POST", "/stock/receipts", {**body, "part_id": stockroom.belt.pk, "quantity": 1.5}, 422
    )
    assert (fields_of(fraction), fraction["detail"]) == (
        ["quantity"],
        "This part is counted in whole units: 1.5 is not a whole number.",
    )
    negative = refused(client, "POST", "/stock/receipts", {**body, "quantity": -3}, 422)
    assert negative["detail"] == "A quantity must be more than zero."
    unknown = refused(client, "POST", "/stock/receipts", {**body, "part_id": 999999}, 422)
    assert (fields_of(unknown), unknown["detail"]) == (["part_id"], "No part with id 999999.")
    serial = refused(
        client,
        "POST",
        "/stock/receipts",
        {"location_id": stockroom.lyon.pk, "part_id": stockroom.board.pk, "quantity": 1, "serials": ["SN-2"]},
        409,
    )
    assert (fields_of(serial), serial["detail"]) == (["serials"], "Serial SN-2 of BOARD is already at PARIS.")


def test_adjustment_consumption_and_defective_return(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.MANAGER])
    counted = call(
        client,
        "POST",
        "/stock/adjustments",
        {"location_id": stockroom.paris.pk, "part_id": stockroom.belt.pk, "counted": 4, "reason": "count"},
    )
    assert counted.status_code == 201, counted.content
    assert (counted.json()["level"]["on_hand"], counted.json()["movement"]["source_code"]) == ("4", "PARIS")
    same = call(
        client,
        "POST",
        "/stock/adjustments",
        {"location_id": stockroom.paris.pk, "part_id": stockroom.belt.pk, "counted": 4, "reason": "count"},
    )
    assert (same.status_code, same.json()["movement"]) == (201, None)
    used = call(
        client,
        "POST",
        "/stock/consumptions",
        {
            "location_id": stockroom.van.pk,
            "part_id": stockroom.belt.pk,
            "quantity": 1,
            "reference": "WO-2025-00003",
        },
    )
    assert (used.status_code, used.json()["level"]["on_hand"], used.json()["movement"]["kind"]) == (
        201,
        "0",
        "consumption",
    )
    short = refused(
        client,
        "POST",
        "/stock/consumptions",
        {
            "location_id": stockroom.van.pk,
            "part_id": stockroom.belt.pk,
            "quantity": 1,
            "reference": "WO-2025-00003",
        },
        409,
    )
    assert short["detail"] == "Only 0 of BELT available at VAN-LEA."
    returned = call(
        client,
        "POST",
        "/stock/defective-returns",
        {
            "part_id": stockroom.belt.pk,
            "quantity": 1,
            "from_location_id": stockroom.van.pk,
            "defective_location_id": stockroom.defective.pk,
            "reference": "WO-2025-00003",
        },
    )
    assert returned.status_code == 201, returned.content
    assert (returned.json()["level"]["location_code"], returned.json()["level"]["on_hand"]) == (
        "DEFECTIVE",
        "1",
    )
    movements = call(client, "GET", f"/stock/movements?location_id={stockroom.van.pk}&limit=2").json()
    assert movements["count"] == 3
    assert [(m["kind"], m["source_code"], m["destination_code"]) for m in movements["items"]] == [
        ("defective_return", "VAN-LEA", "DEFECTIVE"),
        ("consumption", "VAN-LEA", ""),
    ]


def test_transfer_lifecycle_with_if_match(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.DISPATCHER])
    same = refused(
        client,
        "POST",
        "/stock/transfers",
        {
            "part_id": stockroom.belt.pk,
            "quantity": 1,
            "source_id": stockroom.paris.pk,
            "destination_id": stockroom.paris.pk,
        },
        422,
    )
    assert (fields_of(same), same["detail"]) == (
        ["destination_id"],
        "A transfer needs two different locations.",
    )
    created = call(
        client,
        "POST",
        "/stock/transfers",
        {
            "part_id": stockroom.belt.pk,
            "quantity": 2,
            "source_id": stockroom.paris.pk,
            "destination_id": stockroom.lyon.pk,
            "mode": "ground",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {
        k: body[k]
        for k in (
            "number",
            "quantity",
            "mode",
            "status",
            "expected_arrival",
            "source_code",
            "destination_code",
        )
    } == {
        "number": "TR-2025-00001",
        "quantity": "2",
        "mode": "ground",
        "status": "planned",
        "expected_arrival": "2025-03-12T09:00:00Z",
        "source_code": "PARIS",
        "destination_code": "LYON",
    }
    url = f"/stock/transfers/{body['id']}"
    revised = call(
        client,
        "POST",
        f"{url}/revise",
        {"expected_arrival": "2025-03-11T18:00:00+01:00"},
        {"If-Match": '"1"'},
    )
    assert (revised.status_code, revised.json()["expected_arrival"], revised["ETag"]) == (
        200,
        "2025-03-11T17:00:00Z",
        '"2"',
    )
    stale = problem(call(client, "POST", f"{url}/ship", {}, {"If-Match": '"1"'}), 412)
    assert (stale["current"]["status"], stale["current"]["version"]) == ("planned", 2)
    shipped = call(client, "POST", f"{url}/ship", {}, {"If-Match": '"2"'})
    assert (shipped.status_code, shipped.json()["status"], shipped.json()["shipped_at"]) == (
        200,
        "in_transit",
        "2025-03-10T09:00:00Z",
    )
    not_now = refused(client, "POST", f"{url}/cancel", {"reason": "late"}, 409)
    assert (fields_of(not_now), not_now["detail"]) == (
        ["status"],
        "Transfer TR-2025-00001 is already on its way.",
    )
    received = call(client, "POST", f"{url}/receive", {})
    assert (received.status_code, received.json()["status"]) == (200, "received")
    listed = call(client, "GET", f"/stock/transfers?status=received&location_id={stockroom.lyon.pk}").json()
    assert [t["number"] for t in listed["items"]] == ["TR-2025-00001"]
    levels = call(client, "GET", f"/stock/levels?part_id={stockroom.belt.pk}").json()["items"]
    assert [(r["location_code"], r["on_hand"], r["reserved"]) for r in levels] == [
        ("IN-TRANSIT", "0", "0"),
        ("LYON", "5", "0"),
        ("PARIS", "3", "0"),
        ("VAN-LEA", "1", "0"),
    ]


def test_cancel_a_planned_transfer(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.DISPATCHER])
    transfer = services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=2,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.lyon.pk,
    )
    empty = refused(client, "POST", f"/stock/transfers/{transfer.pk}/cancel", {"reason": ""}, 422)
    assert fields_of(empty) == ["reason"]
    cancelled = call(client, "POST", f"/stock/transfers/{transfer.pk}/cancel", {"reason": "found locally"})
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["reason"]) == (
        200,
        "cancelled",
        "found locally",
    )


def test_replenishment_get_and_post(stockroom: Stockroom, world: World) -> None:
    client = api_client(world.staff[Role.MANAGER])
    limits = call(
        client,
        "PUT",
        "/stock/limits",
        {"location_id": stockroom.van.pk, "part_id": stockroom.belt.pk, "minimum": 2, "maximum": 4},
    )
    assert (limits.status_code, limits.json()["minimum"], limits.json()["below_minimum"]) == (200, "2", True)
    bad = refused(
        client,
        "PUT",
        "/stock/limits",
        {"location_id": stockroom.van.pk, "part_id": stockroom.belt.pk, "minimum": 5, "maximum": 4},
        422,
    )
    assert fields_of(bad) == ["maximum"]
    proposals = call(client, "GET", f"/stock/replenishment?location_id={stockroom.van.pk}").json()
    assert [
        (p["part_reference"], p["quantity"], p["source_code"], p["source_available"]) for p in proposals
    ] == [("BELT", "3", "PARIS", "5")]
    made = call(client, "POST", "/stock/replenishment", {"location_id": stockroom.van.pk})
    assert made.status_code == 201, made.content
    assert [
        (t["part_reference"], t["quantity"], t["source_code"], t["destination_code"], t["mode"])
        for t in made.json()
    ] == [("BELT", "3", "PARIS", "VAN-LEA", "ground")]
    assert call(client, "GET", "/stock/replenishment").json() == []
