"""The work-order API: creation by hand and from a ticket (Idempotency-Key), versions with If-Match,
skills, status changes (409 naming status, validation for managers), visits planned, moved,
unscheduled and worked by their technician, what customers and technicians see — and bad input."""

from __future__ import annotations

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, World, api_client
from tests.tickets.conftest import MONDAY_10
from tests.workforce.conftest import Crew
from tests.workorders.conftest import make_order, planned
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import services as ticket_services
from tournevis.workorders import services
from tournevis.workorders.models import Visit, WorkOrder

TUESDAY = {"start": "2026-03-10T09:00:00+01:00", "end": "2026-03-10T11:00:00+01:00"}


def test_create_from_a_ticket_is_idempotent(world: World, gold) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM,
        title="Jam",
        channel="phone",
        service_object_id=world.a.machine.pk,
        priority="P2",
        at=MONDAY_10,
    )
    client = api_client(world.staff[Role.DISPATCHER])
    body = {
        "ticket_id": ticket.pk,
        "estimated_minutes": 45,
        "parts_needed": [{"reference": "BELT", "quantity": 1}],
    }
    with clock.frozen(MONDAY_10):
        first = call(client, "POST", "/workorders", body, {"Idempotency-Key": "wo-1"})
        again = call(client, "POST", "/workorders", body, {"Idempotency-Key": "wo-1"})
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert WorkOrder.objects.count() == 1
    created = first.json()
    assert {k: created[k] for k in ("number", "status", "ticket_id", "priority", "contract_id")} == {
        "number": "WO-2026-000001",
        "status": "ready",
        "ticket_id": ticket.pk,
        "priority": "P2",
        "contract_id": gold["contract"].pk,
    }
    assert (created["onsite_deadline"], created["estimated_minutes"], created["parts_needed"]) == (
        "2026-03-09T14:30:00Z",
        45,
        [{"reference": "BELT", "quantity": 1}],
    )
    assert [(v["number"], v["status"]) for v in created["visits"]] == [(1, "unscheduled")]
    assert [(c["visit_number"], c["old"], c["new"]) for c in created["status_changes"]] == [
        (None, "", "ready"),
        (1, "", "unscheduled"),
    ]
    assert first["ETag"] == '"1"'


def test_a_site_of_another_customer_or_a_bad_slot_changes_nothing(world: World) -> None:
    client = api_client(world.staff[Role.AGENT])
    before = (db_state(), audit_count())
    cases = [
        ({"customer_id": world.a.customer.pk, "site_id": world.b.site.pk, "title": "x"}, ["site_id"]),
        (
            {
                "site_id": world.a.site.pk,
                "title": "x",
                "slot_start": TUESDAY["end"],
                "slot_end": TUESDAY["start"],
            },
            ["slot_end"],
        ),
        ({"site_id": world.a.site.pk, "title": "x", "skills": [{"skill": "teleport"}]}, ["skills"]),
        ({"site_id": world.a.site.pk, "title": "x", "colour": "red"}, ["colour"]),
        ({"site_id": world.a.site.pk, "title": "x", "kind": "magic"}, ["kind"]),
        ({"ticket_id": 999_999}, ["ticket_id"]),
    ]
    for body, fields in cases:
        assert fields_of(problem(call(client, "POST", "/workorders", body), 422)) == fields, body
    assert (db_state(), audit_count()) == before


def test_an_edit_needs_the_current_version(world: World) -> None:
    order = make_order(world)
    client = api_client(world.staff[Role.MANAGER])
    read = call(client, "GET", f"/workorders/{order.pk}")
    assert read["ETag"] == '"1"'

    ok = call(client, "PATCH", f"/workorders/{order.pk}", {"notes": "Gate 1234"}, {"If-Match": '"1"'})
    assert (ok.status_code, ok["ETag"], ok.json()["notes"]) == (200, '"2"', "Gate 1234")

    before = (db_state(), audit_count())
    stale = call(client, "PATCH", f"/workorders/{order.pk}", {"notes": "Gate 9999"}, {"If-Match": '"1"'})
    body = problem(stale, 412)
    assert (fields_of(body), body["current"]["notes"], stale["ETag"]) == (["If-Match"], "Gate 1234", '"2"')
    assert (db_state(), audit_count()) == before


def test_skills_are_replaced_and_unknown_ones_refused(world: World, crew: Crew) -> None:
    order = make_order(world)
    client = api_client(world.staff[Role.DISPATCHER])
    ok = call(client, "PUT", f"/workorders/{order.pk}/skills", {"skills": [{"skill": "kiosk", "level": 2}]})
    assert (ok.status_code, ok.json()["required_skills"]) == (200, [{"skill": "kiosk", "level": 2}])
    before = (db_state(), audit_count())
    refused = call(
        client, "PUT", f"/workorders/{order.pk}/skills", {"skills": [{"skill": "warp", "level": 1}]}
    )
    assert (fields_of(problem(refused, 422)), refused.json()["detail"]) == (["skills"], "No skill warp.")
    assert (db_state(), audit_count()) == before


def test_a_transition_not_allowed_is_a_409_naming_the_status(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    client = api_client(world.staff[Role.AGENT])
    before = (db_state(), audit_count())
    refused = call(client, "POST", f"/workorders/{order.pk}/transition", {"status": "draft"})
    body = problem(refused, 409)
    assert (fields_of(body), body["detail"]) == (
        ["status"],
        "A work order cannot go from scheduled to draft.",
    )
    # Validation is a manager's, even through the transition operation
    forbidden = call(client, "POST", f"/workorders/{order.pk}/transition", {"status": "validated"})
    assert fields_of(problem(forbidden, 403)) == ["status"]
    assert (db_state(), audit_count()) == before

    cancelled = call(
        client, "POST", f"/workorders/{order.pk}/transition", {"status": "cancelled", "reason": "x"}
    )
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    # A visit on a cancelled work order
    before = (db_state(), audit_count())
    refused = call(
        client, "POST", f"/workorders/{order.pk}/visits", {"technician_id": crew.lea.pk, **TUESDAY}
    )
    assert problem(refused, 409)["detail"] == "A work order that is cancelled gets no visit."
    assert (db_state(), audit_count()) == before


def test_a_technician_works_its_visit_and_the_manager_validates(world: World, crew: Crew) -> None:
    order = make_order(world)
    dispatcher = api_client(world.staff[Role.DISPATCHER])
    created = call(
        dispatcher, "POST", f"/workorders/{order.pk}/visits", {"technician_id": crew.lea.pk, **TUESDAY}
    )
    assert (created.status_code, created.json()["status"], created.json()["technician_name"]) == (
        201,
        "planned",
        "Léa Martin",
    )
    visit_id = created.json()["id"]
    technician = api_client(world.staff[Role.TECHNICIAN])
    assert [w["id"] for w in call(technician, "GET", "/workorders").json()["items"]] == [order.pk]
    for status in ("dispatched", "en_route", "on_site"):
        step = call(technician, "POST", f"/visits/{visit_id}/transition", {"status": status})
        assert (step.status_code, step.json()["status"]) == (200, status)
    assert OutboundEmail.objects.filter(purpose="workorder.visit_window").count() == 0  # no recipient
    done = call(
        technician,
        "POST",
        f"/visits/{visit_id}/transition",
        {"status": "completed", "fixed": True, "outcome": "Belt replaced"},
        {"If-Match": '"5"'},
    )
    assert (done.status_code, done.json()["fixed"], done.json()["outcome"], done["ETag"]) == (
        200,
        True,
        "Belt replaced",
        '"6"',
    )
    manager = api_client(world.staff[Role.MANAGER])
    validated = call(manager, "POST", f"/workorders/{order.pk}/validate")
    assert (validated.status_code, validated.json()["status"]) == (200, "validated")


def test_a_technician_acts_only_on_its_own_visits(world: World, crew: Crew) -> None:
    mine = planned(world, crew)
    theirs = make_order(world)
    services.plan_visit(SYSTEM, theirs.pk, crew.marc.pk, MONDAY_10, MONDAY_10.replace(hour=12))
    technician = api_client(world.staff[Role.TECHNICIAN])
    their_visit = Visit.objects.get(work_order=theirs)
    before = (db_state(), audit_count())
    assert problem(call(technician, "GET", f"/workorders/{theirs.pk}"), 404)
    assert problem(
        call(technician, "POST", f"/visits/{their_visit.pk}/transition", {"status": "dispatched"}), 404
    )
    assert (db_state(), audit_count()) == before
    assert call(technician, "GET", f"/workorders/{mine.pk}/visits").status_code == 200


def test_a_customer_reads_its_own_work_orders_only(world: World) -> None:
    own = make_order(world)
    other = make_order(world, site_id=world.b.site.pk, service_object_id=None)
    customer = api_client(world.a.user)
    assert [w["number"] for w in call(customer, "GET", "/workorders").json()["items"]] == [own.number]
    assert call(customer, "GET", f"/workorders/{own.pk}").status_code == 200
    problem(call(customer, "GET", f"/workorders/{other.pk}"), 404)
    problem(call(customer, "PATCH", f"/workorders/{own.pk}", {"notes": "x"}), 404)


def test_a_visit_is_moved_pinned_and_unscheduled_by_patch(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = Visit.objects.get(work_order=order)
    client = api_client(world.staff[Role.DISPATCHER])
    moved = call(
        client,
        "PATCH",
        f"/visits/{visit.pk}",
        {"start": "2026-03-10T14:00:00+01:00", "end": "2026-03-10T15:30:00+01:00", "pinned": True},
        {"If-Match": '"2"'},
    )
    assert (moved.status_code, moved.json()["planned_start"], moved.json()["pinned"]) == (
        200,
        "2026-03-10T13:00:00Z",
        True,
    )
    assert moved.json()["technician_id"] == crew.lea.pk
    stale = call(client, "PATCH", f"/visits/{visit.pk}", {"technician_id": crew.marc.pk}, {"If-Match": '"2"'})
    assert problem(stale, 412)["current"]["version"] == 3
    back = call(client, "PATCH", f"/visits/{visit.pk}", {"technician_id": None})
    assert (back.json()["status"], back.json()["technician_id"], back.json()["planned_start"]) == (
        "unscheduled",
        None,
        None,
    )
    order.refresh_from_db()
    assert order.status == "ready"
    refused = call(client, "PATCH", f"/visits/{visit.pk}", {"start": TUESDAY["start"]})
    assert fields_of(problem(refused, 422)) == ["technician_id"]
    problem(call(client, "PATCH", f"/visits/{visit.pk}", {}), 422)


def test_lists_filter_by_status_priority_kind_and_text(world: World, crew: Crew) -> None:
    first = make_order(world, priority="P1", title="Kiosk screen broken")
    planned(world, crew, kind="installation")
    client = api_client(world.staff[Role.AGENT])

    def numbers(query: str) -> list[str]:
        return [w["number"] for w in call(client, "GET", f"/workorders{query}").json()["items"]]

    assert numbers("") == [first.number, "WO-2026-000002"]
    assert numbers("?status=scheduled") == ["WO-2026-000002"]
    assert numbers("?priority=P1") == [first.number]
    assert numbers("?kind=installation") == ["WO-2026-000002"]
    assert numbers("?q=kiosk") == [first.number]
    assert numbers(f"?technician_id={crew.lea.pk}") == ["WO-2026-000002"]
