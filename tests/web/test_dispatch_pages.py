"""Planning-board pages: who sees them, the keyboard form (same checks as a drop), proposals with
progress, the technician's day drawn without map tiles, dispatching a day, calendar feeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from tests.conftest import SYSTEM, World
from tests.dispatch.conftest import MONDAY, Planning, build_planning
from tests.web.markup import attribute, document, find, find_all, rows, text
from tests.web.test_pages import client_for
from tournevis.core import clock
from tournevis.dispatch import services
from tournevis.dispatch.models import Feed, Proposal
from tournevis.workforce import services as workforce_services

TUESDAY_9 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def planning(world: World) -> Iterator[Planning]:
    with clock.frozen(MONDAY):
        yield build_planning(world)


def test_who_may_open_the_board(planning: Planning) -> None:
    assert client_for("dispatcher-user").get("/dispatch/").status_code == 200
    assert client_for("agent-user").get("/dispatch/").status_code == 200
    assert client_for("technician-user").get("/dispatch/").status_code == 403
    assert client_for("alpha-user").get("/dispatch/").status_code == 404


def test_the_board_lists_waiting_visits_and_technicians(planning: Planning) -> None:
    page = document(client_for("dispatcher-user").get(f"/dispatch/?team={planning.team.pk}&day=2026-11-23"))
    waiting = [text(li) for li in find_all(find(page, "ul", id="unassigned"), "li")]
    assert [w.split(" · ")[0] for w in waiting] == [
        f"P2 {planning.orders[0].number}",
        f"P3 {planning.orders[1].number}",
    ]
    assert [text(a) for a in find_all(find(page, "ul", id="technician-days"), "a")] == [
        "Ana Lopes",
        "Bruno Petit",
    ]
    board = find(page, "div", id="board")
    assert attribute(board, "data-api") == "/api/v1/dispatch/board"
    assert attribute(board, "data-editable") == "1"


def test_the_keyboard_form_plans_a_visit_and_refuses_with_the_reason(planning: Planning) -> None:
    client = client_for("dispatcher-user")
    visit = planning.visit(0)
    refused = client.post(
        "/dispatch/move/",
        {"visit_id": visit.pk, "technician_id": planning.bruno.pk, "start": "2026-11-24T09:00"},
        follow=True,
    )
    assert "Bruno Petit lacks the skill kiosk at level 2." in text(
        find(document(refused), "ul", **{"class": "messages"})
    )
    visit.refresh_from_db()
    assert visit.status == "unscheduled"
    client.post(
        "/dispatch/move/",
        {"visit_id": visit.pk, "technician_id": planning.ana.pk, "start": "2026-11-24T09:00"},
    )
    visit.refresh_from_db()
    # the form's time is read on the technician's wall clock (Europe/Paris)
    assert (visit.technician_id, visit.planned_start) == (planning.ana.pk, TUESDAY_9)


def test_a_proposal_shows_progress_then_the_plan_to_accept(planning: Planning) -> None:
    client = client_for("dispatcher-user")
    proposal = services.start_optimisation(
        SYSTEM, team_id=planning.team.pk, first=date(2026, 11, 24), last=date(2026, 11, 24), time_limit=1
    )
    running = document(client.get(f"/dispatch/proposals/{proposal.pk}/"))
    assert find(running, "progress", id="proposal-progress") is not None
    services.run_proposal(proposal.pk)
    ready = document(client.get(f"/dispatch/proposals/{proposal.pk}/"))
    assert [r[0] for r in rows(find(ready, "table", id="proposal-changes"))] == sorted(
        o.number for o in planning.orders
    )
    proposal = Proposal.objects.get(pk=proposal.pk)
    client.post(
        f"/dispatch/proposals/{proposal.pk}/decide/", {"decision": "accept", "version": proposal.version}
    )
    assert Proposal.objects.get(pk=proposal.pk).status == "accepted"


def test_the_day_map_draws_home_and_stops_without_tiles(planning: Planning) -> None:
    services.move_visit(SYSTEM, planning.visit(0).pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    page = document(
        client_for("dispatcher-user").get(f"/dispatch/technicians/{planning.ana.pk}/day/?day=2026-11-24")
    )
    svg = find(page, "svg", id="day-map")
    assert len(find_all(svg, "circle")) == 1
    assert len(find_all(svg, "rect")) == 2  # the background and the home base
    assert not [e for e in find_all(svg) if attribute(e, "href") or attribute(e, "xlink:href")]
    assert [r[0:3] for r in rows(find(page, "table", id="day-stops"))] == [
        ["1", f"{planning.orders[0].number} · Alpha Bank", "09:00"]
    ]


def test_a_technician_sees_its_own_day_and_feed_only(planning: Planning) -> None:
    workforce_services.update_technician(
        SYSTEM, planning.ana.pk, {"user_id": planning.world.staff["technician"].pk}
    )
    client = client_for("technician-user")
    assert client.get(f"/dispatch/technicians/{planning.ana.pk}/day/").status_code == 200
    assert client.get(f"/dispatch/technicians/{planning.bruno.pk}/day/").status_code == 404
    created = document(client.post(f"/dispatch/technicians/{planning.ana.pk}/feeds/", {"action": "create"}))
    url = text(find(created, "code"))
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    feed = client.get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    assert feed.content.decode().startswith("BEGIN:VCALENDAR\r\n")
    client.post(
        f"/dispatch/technicians/{planning.ana.pk}/feeds/",
        {"action": "revoke", "feed_id": Feed.objects.get(technician=planning.ana).pk},
    )
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


def test_dispatching_a_day_from_the_day_page(planning: Planning) -> None:
    services.move_visit(SYSTEM, planning.visit(0).pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    client = client_for("dispatcher-user")
    client.post(f"/dispatch/technicians/{planning.ana.pk}/dispatch/", {"day": "2026-11-24"})
    assert planning.orders[0].visits.get().status == "dispatched"
