"""Loaner API: bodies, status codes, problem+json naming the field with nothing written, versions,
idempotency, and lending for a work order (entitlement, manager's override)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, World, api_client
from tests.stock.loaner_support import DUE, NOW, depot, lent, loaner
from tests.workorders.conftest import make_order
from tournevis.contracts import services as contract_services
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.stock import services_loaners
from tournevis.stock.models import Loan, Loaner


def test_create_read_patch_and_list_loaners(world: World):
    manager = api_client(world.staff[Role.MANAGER])
    home = depot()
    created = call(
        manager,
        "POST",
        "/loaners",
        {"equipment_model_id": world.model.pk, "serial": "LN-7", "location_id": home.pk},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["ETag"] == '"1"'
    assert {k: body[k] for k in ("model", "serial", "location_code", "status", "version")} == {
        "model": "Glory GFS-220",
        "serial": "LN-7",
        "location_code": "DEP-PAR",
        "status": "available",
        "version": 1,
    }
    url = f"/loaners/{body['id']}"
    edited = call(manager, "PATCH", url, {"notes": "Box 2"}, {"If-Match": '"1"'})
    assert (edited.status_code, edited.json()["notes"], edited["ETag"]) == (200, "Box 2", '"2"')
    stale = problem(call(manager, "PATCH", url, {"retired": True}, {"If-Match": '"1"'}), 412)
    assert (stale["current"]["notes"], stale["current"]["version"]) == ("Box 2", 2)
    agent = api_client(world.staff[Role.AGENT])
    listed = call(agent, "GET", "/loaners?status=available&q=ln-")
    assert (listed.json()["count"], listed.json()["items"][0]["serial"]) == (1, "LN-7")
    assert call(agent, "GET", "/loaners?status=lent").json()["count"] == 0
    assert call(agent, "GET", url).json()["notes"] == "Box 2"


def test_bad_loaners_are_refused_naming_the_field_and_nothing_is_written(world: World):
    loaner(world, "LN-1")
    manager = api_client(world.staff[Role.MANAGER])
    before, audits = db_state(), audit_count()
    cases = [
        ({"equipment_model_id": world.model.pk, "serial": "LN-1", "location_id": depot().pk}, 409, "serial"),
        (
            {"equipment_model_id": 999999, "serial": "LN-2", "location_id": depot().pk},
            422,
            "equipment_model_id",
        ),
        ({"equipment_model_id": world.model.pk, "serial": "LN-2", "location_id": 999999}, 422, "location_id"),
        ({"equipment_model_id": world.model.pk, "location_id": depot().pk}, 422, "serial"),
        ({"equipment_model_id": world.model.pk, "serial": "X", "location_id": depot().pk, "x": 1}, 422, "x"),
    ]
    for body, status, field in cases:
        assert fields_of(problem(call(manager, "POST", "/loaners", body), status)) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_the_pool(world: World):
    loaner(world, "LN-1")
    lent(world, "LN-2")
    rows = call(api_client(world.staff[Role.DISPATCHER]), "GET", "/loaners/pool").json()
    assert rows == [
        {
            "equipment_model_id": world.model.pk,
            "model": "Glory GFS-220",
            "location_id": depot().pk,
            "location_code": "DEP-PAR",
            "location_name": "Depot DEP-PAR",
            "available": 1,
            "lent": 1,
            "inspection": 0,
            "retired": 0,
        }
    ]


def test_lend_return_and_inspect_through_the_api(world: World):
    item = loaner(world)
    agent = api_client(world.staff[Role.AGENT])
    body = {"customer_id": world.a.customer.pk, "site_id": world.a.site.pk, "due_back": "2026-03-12"}
    with clock.frozen(NOW):
        made = call(agent, "POST", f"/loaners/{item.pk}/lend", body, {"Idempotency-Key": "lend-1"})
        replay = call(agent, "POST", f"/loaners/{item.pk}/lend", body, {"Idempotency-Key": "lend-1"})
        again = call(agent, "POST", f"/loaners/{item.pk}/lend", body)
    assert made.status_code == 201, made.content
    loan = made.json()
    assert {k: loan[k] for k in ("serial", "customer_name", "due_back", "overdue_days", "returned_at")} == {
        "serial": "LN-001",
        "customer_name": "Alpha Bank",
        "due_back": "2026-03-12",
        "overdue_days": 0,
        "returned_at": None,
    }
    assert (replay.status_code, replay["Idempotent-Replayed"], replay.json()["id"]) == (
        201,
        "true",
        loan["id"],
    )
    assert fields_of(problem(again, 409)) == ["loaner_id"]
    assert Loan.objects.count() == 1

    later = NOW + timedelta(days=4)
    with clock.frozen(later):
        overdue = call(agent, "GET", "/loans?state=overdue").json()
        assert (overdue["count"], overdue["items"][0]["overdue_days"]) == (1, 2)
        stale = problem(call(agent, "POST", f"/loans/{loan['id']}/return", {}, {"If-Match": '"7"'}), 412)
        assert stale["current"]["version"] == 1
        back = call(agent, "POST", f"/loans/{loan['id']}/return", {}, {"If-Match": '"1"'})
        assert (back.status_code, back.json()["returned_at"]) == (200, "2026-03-14T08:00:00Z")
        failed = call(agent, "POST", f"/loans/{loan['id']}/inspect", {"result": "failed"})
        assert fields_of(problem(failed, 422)) == ["notes"]
        done = call(agent, "POST", f"/loans/{loan['id']}/inspect", {"result": "passed"})
    assert (done.status_code, done.json()["inspection"]) == (200, "passed")
    assert Loaner.objects.get(pk=item.pk).status == "available"
    assert call(agent, "GET", "/loans?state=all").json()["count"] == 1
    assert call(agent, "GET", "/loans").json()["count"] == 0


def test_bad_lends_name_the_field(world: World):
    item = loaner(world)
    agent = api_client(world.staff[Role.AGENT])
    before, audits = db_state(), audit_count()
    with clock.frozen(NOW):
        for body, field in [
            ({"customer_id": world.a.customer.pk, "due_back": "2026-03-01"}, "due_back"),
            ({"customer_id": world.a.customer.pk, "due_back": "soon"}, "due_back"),
            (
                {"customer_id": world.a.customer.pk, "site_id": world.b.site.pk, "due_back": "2026-03-12"},
                "site_id",
            ),
            ({"due_back": "2026-03-12"}, "customer_id"),
        ]:
            assert fields_of(problem(call(agent, "POST", f"/loaners/{item.pk}/lend", body), 422)) == [field]
    assert (db_state(), audit_count()) == (before, audits)
    assert problem(call(agent, "GET", "/loans?state=lost"), 422)["errors"][0]["field"] == "state"
    assert problem(call(agent, "GET", "/loaners/999999"), 404)


def test_lend_for_a_work_order_through_the_api(world: World):
    contract = contract_services.create_contract(
        SYSTEM,
        world.a.customer.pk,
        {
            "type": "warranty",
            "status": "active",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
            "currency": "EUR",
            "coverage": {"site_ids": [world.a.site.pk]},
        },
    )
    order = make_order(world, contract_id=contract.pk)
    item = loaner(world)
    url = f"/workorders/{order.pk}/loan"
    agent, manager = api_client(world.staff[Role.AGENT]), api_client(world.staff[Role.MANAGER])
    with clock.frozen(NOW):
        situation = call(agent, "GET", url).json()
        assert situation == {
            "work_order_id": order.pk,
            "entitled": False,
            "contract_number": contract.number,
            "can_lend": True,
            "current": None,
            "past": [],
        }
        body = {"loaner_id": item.pk, "due_back": DUE.isoformat()}
        refused = problem(call(agent, "POST", url, {**body, "override_reason": "VIP"}), 403)
        assert fields_of(refused) == ["override_reason"]
        assert fields_of(problem(call(manager, "POST", url, body), 422)) == ["override_reason"]
        made = call(manager, "POST", url, {**body, "override_reason": "Key account"})
        assert made.status_code == 201, made.content
        assert (made.json()["demand_label"], made.json()["customer_id"]) == (
            order.number,
            world.a.customer.pk,
        )
        situation = call(agent, "GET", url).json()
    assert (situation["current"]["id"], situation["can_lend"]) == (made.json()["id"], False)
    with clock.frozen(NOW):
        services_loaners.return_loaner(SYSTEM, made.json()["id"])
    assert call(agent, "GET", url).json()["past"][0]["id"] == made.json()["id"]
