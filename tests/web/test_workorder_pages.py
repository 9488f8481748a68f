# ruff: noqa: F811 (the crew fixture is imported, then asked for by name)
"""Work-order pages: the list (scoping, filters, htmx refresh), the work-order page (fields, visits,
timeline), its forms (one service call each; bad input re-renders with the field error and writes
nothing), the visit steps of a technician, validation, and the new-work-order form by hand or from a
ticket (with its button on the ticket page)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.web.markup import attribute, document, find, find_all, rows, text
from tests.web.test_pages import client_for, french_catalogue  # noqa: F401 (a fixture)
from tests.workforce.conftest import Crew, crew  # noqa: F401 (a fixture)
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11, make_order, paris, planned
from tournevis.tickets import services as ticket_services
from tournevis.workorders import services
from tournevis.workorders.models import Visit, WorkOrder


def _unchanged() -> tuple[Any, int]:
    return db_state(), audit_count()


def test_the_list_shows_open_work_orders_with_their_next_visit(world: World, crew: Crew) -> None:
    make_order(world, priority="P1", title="Screen broken", onsite_deadline=paris("2026-03-09T15:30:00"))
    planned(world, crew, kind="installation")
    done = make_order(world, site_id=world.b.site.pk, service_object_id=None, title="Old job")
    services.cancel(SYSTEM, done.pk)
    agent = client_for("agent-user")

    page = document(agent.get("/workorders/"))

    assert rows(find(page, "table", id="workorders")) == [
        [
            "WO-2026-000001",
            "Screen broken",
            "Alpha Bank",
            "Alpha HQ",
            "Corrective",
            "P1",
            "Ready to plan",
            "09/03/2026 15:30",
            "—",
        ],
        [
            "WO-2026-000002",
            "Replace the feeder belt",
            "Alpha Bank",
            "Alpha HQ",
            "Installation",
            "P3",
            "Scheduled",
            "—",
            "10/03/2026 09:00 · Léa Martin",
        ],
    ]
    assert text(find(page, id="workorder-count")) == "2 work orders"
    assert attribute(find(page, "a", id="nav-workorders"), "aria-current") == "page"
    assert attribute(find(page, "a", id="new-workorder"), "href") == "/workorders/new/"
    refresh = find(page, "div", id="workorder-rows")
    assert (attribute(refresh, "hx-get"), attribute(refresh, "hx-trigger")) == (
        "/workorders/rows/",
        "every 30s",
    )

    def numbers(query: str) -> list[str]:
        part = document(agent.get(f"/workorders/rows/{query}", headers={"HX-Request": "true"}))
        assert find_all(part, "html") == []
        tables = find_all(part, "table", id="workorders")
        return [row[0] for row in rows(tables[0])] if tables else []

    assert numbers("?status=all") == ["WO-2026-000001", "WO-2026-000002", "WO-2026-000003"]
    assert numbers("?status=cancelled") == ["WO-2026-000003"]
    assert numbers("?priority=P1") == ["WO-2026-000001"]
    assert numbers("?kind=installation") == ["WO-2026-000002"]
    assert numbers("?q=screen") == ["WO-2026-000001"]
    assert numbers("?kind=bogus&status=bogus") == ["WO-2026-000001", "WO-2026-000002"]


def test_customers_and_technicians_see_only_theirs(world: World, crew: Crew) -> None:
    mine = planned(world, crew)
    make_order(world, title="Nobody's yet")
    other = make_order(world, site_id=world.b.site.pk, service_object_id=None, title="Beta job")

    technician = document(client_for("technician-user").get("/workorders/"))
    assert [r[0] for r in rows(find(technician, "table", id="workorders"))] == [mine.number]
    customer = client_for("beta-user")
    listed = document(customer.get("/workorders/"))
    assert [r[:2] for r in rows(find(listed, "table", id="workorders"))] == [[other.number, "Beta job"]]
    assert find_all(listed, "a", id="new-workorder") == []
    assert customer.get(f"/workorders/{mine.pk}/").status_code == 404
    assert client_for("technician-user").get(f"/workorders/{other.pk}/").status_code == 404
    page = document(customer.get(f"/workorders/{other.pk}/"))
    assert [attribute(f, "action") for f in find_all(page, "form", method="post")] == [
        "/logout/",
        "/i18n/setlang/",
    ]  # read-only
    assert find_all(page, "section", id="timeline") == []


def test_the_page_shows_the_order_its_visits_and_timeline(world: World, crew: Crew) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM, title="Jam", channel="phone", service_object_id=world.a.machine.pk, at=MONDAY_10
    )
    order = services.create_from_ticket(
        SYSTEM,
        ticket.pk,
        {
            "skills": {"kiosk": 2},
            "parts_needed": [{"reference": "BELT-42", "quantity": 2}],
            "slot_start": TUESDAY_9,
            "slot_end": TUESDAY_11,
        },
        at=MONDAY_10,
    )
    services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11, at=MONDAY_10)

    page = document(client_for("dispatcher-user").get(f"/workorders/{order.pk}/"))

    assert text(find(page, "h1")) == "WO-2026-000001 Jam"
    assert text(find(page, id="status")) == "Scheduled"
    assert text(find(page, id="info-ticket")) == "T-2026-000001"
    assert attribute(find(find(page, id="info-ticket"), "a"), "href") == f"/tickets/{ticket.pk}/"
    assert text(find(page, id="info-object")) == "Counter ALPHA-0001"
    assert text(find(page, id="info-slot")) == "10/03/2026 09:00 – 11:00"  # noqa: RUF001
    assert text(find(page, id="info-skills")) == "kiosk ≥ 2"
    assert text(find(page, id="info-parts")) == "BELT-42 × 2"  # noqa: RUF001
    assert text(find(page, id="info-duration")) == "60 minutes"
    visit_rows = rows(find(page, "table", id="visit-table"))
    assert [r[:4] for r in visit_rows] == [["1", "Léa Martin", "10/03/2026 09:00 – 11:00", "Planned"]]  # noqa: RUF001
    steps = [attribute(f, "data-step") for f in find_all(page, "form", class_="visit-step")]
    assert steps == ["dispatched", "cancelled"]
    assert [attribute(li, "data-new") for li in find_all(find(page, id="changes"), "li")] == [
        "ready",
        "unscheduled",
        "planned",
        "scheduled",
    ]
    assert text(find_all(find(page, id="changes"), "li")[2]).startswith(
        "09/03/2026 10:00 · Visit 1: Unscheduled → Planned"
    )
    assert attribute(find(page, "input", id="field-start"), "value") == "2026-03-10T09:00"
    assert find_all(page, "form", id="validate-form") == []


def test_planning_from_the_page_reads_the_site_time_zone(world: World, crew: Crew) -> None:
    order = make_order(world)
    client = client_for("dispatcher-user")
    visit = Visit.objects.get(work_order=order)

    response = client.post(
        f"/workorders/{order.pk}/plan/",
        {
            "visit_id": visit.pk,
            "visit_version": visit.version,
            "technician_id": crew.marc.pk,
            "start": "2026-03-10T14:00",
            "end": "2026-03-10T15:30",
            "pinned": "on",
        },
    )

    assert (response.status_code, response["Location"]) == (302, f"/workorders/{order.pk}/")
    visit.refresh_from_db()
    assert (visit.status, visit.technician_id, visit.planned_start, visit.planned_end, visit.pinned) == (
        "planned",
        crew.marc.pk,
        paris("2026-03-10T14:00:00"),
        paris("2026-03-10T15:30:00"),
        True,
    )
    # The end before the start: the form again with the error, nothing written
    before = _unchanged()
    refused = client.post(
        f"/workorders/{order.pk}/plan/",
        {
            "visit_id": visit.pk,
            "technician_id": crew.marc.pk,
            "start": "2026-03-10T16:00",
            "end": "2026-03-10T15:00",
        },
    )
    assert refused.status_code == 422
    page = document(refused)
    assert text(find(page, id="error-end")) == "The end must be after the start."
    assert attribute(find(page, "input", id="field-start"), "value") == "2026-03-10T16:00"
    assert _unchanged() == before
    # Unscheduled again
    client.post(f"/workorders/{order.pk}/plan/", {"visit_id": visit.pk, "action": "unschedule"})
    visit.refresh_from_db()
    assert (visit.status, visit.technician_id) == ("unscheduled", None)


def test_a_status_change_not_allowed_shows_the_reason(world: World) -> None:
    order = make_order(world)
    client = client_for("agent-user")
    before = _unchanged()
    refused = client.post(f"/workorders/{order.pk}/transition/", {"status": "completed", "version": "1"})
    assert refused.status_code == 422
    assert text(find(document(refused), id="error-status")) == (
        "A work order cannot go from ready to completed."
    )
    assert _unchanged() == before
    ok = client.post(f"/workorders/{order.pk}/transition/", {"status": "cancelled", "reason": "Duplicate"})
    assert ok.status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled"
    other = make_order(world)
    stale = client.post(f"/workorders/{other.pk}/transition/", {"status": "draft", "version": "7"})
    assert stale.status_code == 422
    assert text(find(document(stale), id="error-transition-form")).startswith("This record changed since")


def test_the_technician_works_its_visit_and_the_manager_validates(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = Visit.objects.get(work_order=order)
    technician = client_for("technician-user")
    url = f"/workorders/{order.pk}/visits/{visit.pk}/transition/"
    for status in ("dispatched", "en_route", "on_site"):
        assert technician.post(url, {"status": status}).status_code == 302
    page = document(technician.get(f"/workorders/{order.pk}/"))
    assert [attribute(f, "data-step") for f in find_all(page, "form", class_="visit-step")] == [
        "paused",
        "completed",
        "cancelled",
    ]
    assert find_all(page, "form", id="plan-form") == find_all(page, "form", id="transition-form") == []
    technician.post(url, {"status": "completed", "fixed": "yes", "outcome": "Belt replaced"})
    order.refresh_from_db()
    assert order.status == "completed"
    # Marc's visit is not the technician's: no buttons, and a post is a 404
    other = planned(world, crew)
    theirs = Visit.objects.get(work_order=other)
    services.plan_visit(SYSTEM, other.pk, crew.marc.pk, TUESDAY_9, TUESDAY_11, visit_id=theirs.pk)
    assert (
        technician.post(
            f"/workorders/{other.pk}/visits/{theirs.pk}/transition/", {"status": "dispatched"}
        ).status_code
        == 404
    )

    manager = client_for("manager-user")
    assert find_all(document(manager.get(f"/workorders/{order.pk}/")), "form", id="validate-form") != []
    assert client_for("agent-user").post(f"/workorders/{order.pk}/validate/").status_code == 403
    assert (
        manager.post(f"/workorders/{order.pk}/validate/", {"version": str(order.version)}).status_code == 302
    )
    order.refresh_from_db()
    assert order.status == "validated"


def test_a_ticket_leads_to_a_prefilled_work_order_form(world: World, crew: Crew) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM, title="Jam on 50s", channel="phone", service_object_id=world.a.machine.pk, priority="P2"
    )
    agent = client_for("agent-user")
    button = find(document(agent.get(f"/tickets/{ticket.pk}/")), "a", id="create-workorder")
    assert attribute(button, "href") == f"/workorders/new/?ticket={ticket.pk}"
    assert (
        find_all(document(client_for("technician-user").get(f"/tickets/{ticket.pk}/")), id="create-workorder")
        == []
    )

    form = document(agent.get(f"/workorders/new/?ticket={ticket.pk}"))
    assert attribute(find(form, "input", id="field-title"), "value") == "Jam on 50s"
    assert (
        attribute(find(find(form, "select", id="field-priority"), "option", selected=None), "value") == "P2"
    )
    assert text(find(form, id="from-ticket")).startswith(f"Ticket {ticket.number} Jam on 50s")

    response = agent.post(
        f"/workorders/new/?ticket={ticket.pk}",
        {
            "ticket_id": ticket.pk,
            "kind": "corrective",
            "title": "Jam on 50s",
            "priority": "P2",
            "estimated_minutes": "45",
            "skills": "kiosk:2",
            "parts": "BELT-42 2\nROLLER",
            "slot_start": "2026-03-10T09:00",
            "slot_end": "2026-03-10T12:00",
        },
    )
    order = WorkOrder.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/workorders/{order.pk}/")
    assert (order.ticket_id, order.service_object_id, order.estimated_minutes, order.slot_start) == (
        ticket.pk,
        world.a.machine.pk,
        45,
        paris("2026-03-10T09:00:00"),
    )
    assert order.parts_needed == [
        {"reference": "BELT-42", "quantity": 2},
        {"reference": "ROLLER", "quantity": 1},
    ]
    assert services.skills_of(order) == {"kiosk": 2}
    # and the ticket's timeline says so
    timeline = text(find(document(agent.get(f"/tickets/{ticket.pk}/")), id="timeline"))
    assert f"Work order {order.number} created" in timeline


def test_the_new_form_by_hand_finds_the_equipment_by_serial_and_refuses_bad_input(
    world: World, crew: Crew
) -> None:
    client = client_for("dispatcher-user")
    base = {"site_id": world.a.site.pk, "kind": "installation", "title": "New kiosk", "priority": "P3"}
    before = _unchanged()
    for extra, field, message in (
        ({"site_id": ""}, "site_id", "Choose a site."),
        ({"serial": "NOPE-1"}, "serial", "No equipment with serial number NOPE-1 at this site."),
        ({"skills": "teleport"}, "skills", "No skill teleport."),
        (
            {"estimated_minutes": "0"},
            "estimated_minutes",
            "The estimated duration is a whole number of minutes from 1 to 10080.",
        ),
        (
            {"slot_start": "2026-03-10T12:00", "slot_end": "2026-03-10T09:00"},
            "slot_end",
            "The end must be after the start.",
        ),
        ({"title": ""}, "title", "A work order needs a title."),
    ):
        refused = client.post("/workorders/new/", {**base, "estimated_minutes": "60", **extra})
        assert refused.status_code == 422, extra
        assert text(find(document(refused), id=f"error-{field}")) == message
    assert _unchanged() == before

    response = client.post(
        "/workorders/new/", {**base, "estimated_minutes": "120", "serial": "alpha-0001", "draft": "on"}
    )
    order = WorkOrder.objects.get()
    assert response["Location"] == f"/workorders/{order.pk}/"
    assert (order.kind, order.status, order.service_object_id, order.estimated_minutes) == (
        "installation",
        "draft",
        world.a.machine.pk,
        120,
    )
    assert client_for("technician-user").get("/workorders/new/").status_code == 403
    assert client_for("alpha-user").get("/workorders/new/").status_code == 404


@pytest.mark.usefixtures("french_catalogue")
def test_the_work_order_pages_speak_french(world: World) -> None:
    make_order(world)
    page = document(client_for("agent-user", language="fr").get("/workorders/"))
    assert text(find(page, "a", id="nav-workorders")) == "Interventions"
    headers = [text(th) for th in find_all(find(page, "table", id="workorders"), "th")]
    assert (headers[0], headers[2], headers[5], headers[6]) == ("Numéro", "Client", "Priorité", "Statut")


def test_the_page_renders_in_every_status(world: World, crew: Crew) -> None:
    draft = make_order(world, status="draft")
    paused = planned(world, crew)
    visit = Visit.objects.get(work_order=paused)
    services.dispatch_visit(SYSTEM, visit.pk)
    services.check_in(SYSTEM, visit.pk)
    services.complete_visit(SYSTEM, visit.pk, False, "Belt on order")
    cancelled = make_order(world)
    services.cancel(SYSTEM, cancelled.pk, "Duplicate")
    manager = client_for("manager-user")

    def status_and_forms(order: WorkOrder) -> tuple[str, list[str | None]]:
        page = document(manager.get(f"/workorders/{order.pk}/"))
        forms = [attribute(f, "id") for f in find_all(find(page, "main"), "form") if attribute(f, "id")]
        return text(find(page, id="status")), forms

    assert status_and_forms(draft) == ("Draft", ["transition-form"])
    assert status_and_forms(paused) == ("Paused", ["plan-form", "transition-form"])
    assert status_and_forms(cancelled) == ("Cancelled", [])
    page = document(manager.get(f"/workorders/{paused.pk}/"))
    assert [r[:5] for r in rows(find(page, "table", id="visit-table"))] == [
        ["1", "Léa Martin", "10/03/2026 09:00 – 11:00", "Completed", "Not fixed · Belt on order"],  # noqa: RUF001
        ["2", "—", "—", "Unscheduled", ""],
    ]
    assert text(find(find(page, "form", id="plan-form"), "legend")) == "Plan visit 2"
    assert [text(o) for o in find_all(find(page, "select", id="field-status"), "option")] == [
        "Cancel the work order"
    ]
