"""Sync conflicts are shown to both sides: the technician (its own, until seen) and the planners (the
open ones, until resolved) through the API, the dispatcher's conflicts page and a banner on the
planning board."""

from __future__ import annotations

from django.test import Client

from tests.api_support import db_state, problem
from tests.conftest import PASSWORD, SYSTEM, api_client
from tests.mobile.conftest import Field
from tests.mobile.support import send, signed_in
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.mobile.models import Conflict
from tournevis.workorders import services as workorder_services
from tournevis.workorders import services_visits


def reassigned(field: Field) -> dict:  # type: ignore[type-arg]
    """Léa's check-in on a visit the dispatcher gave to Marc meanwhile: its conflict as answered."""
    services_visits.unschedule_visit(SYSTEM, field.visit.pk)
    workorder_services.plan_visit(SYSTEM, field.order.pk, field.crew.marc.pk, TUESDAY_9, TUESDAY_11)
    response = send(field.client, field.device, 1, "visit.check_in", field.visit)
    return response.json()["conflict"]  # type: ignore[no-any-return]


def logged_in(field: Field, role: str) -> Client:
    client = Client()
    assert client.login(username=field.world.staff[role].username, password=PASSWORD)
    return client


def test_both_sides_see_the_conflict_and_a_planner_resolves_it(field: Field) -> None:
    conflict = reassigned(field)
    dispatcher = api_client(field.world.staff[Role.DISPATCHER])
    own = field.client.get("/api/v1/mobile/conflicts", headers={"X-Device-Id": str(field.device.client_id)})
    open_ = dispatcher.get("/api/v1/mobile/conflicts")

    assert [c["id"] for c in own.json()] == [conflict["id"]]
    (row,) = open_.json()
    assert {
        k: row[k] for k in ("id", "reason", "op", "seq", "visit_id", "technician", "device", "resolved_at")
    } == {
        "id": conflict["id"],
        "reason": "visit_reassigned",
        "op": "visit.check_in",
        "seq": 1,
        "visit_id": field.visit.pk,
        "technician": "Marc Durand",
        "device": "Léa's phone",
        "resolved_at": None,
    }
    assert row["visit_label"] == f"{field.order.number} #1"

    resolved = dispatcher.post(
        f"/api/v1/mobile/conflicts/{conflict['id']}/resolve",
        '{"resolution": "Marc takes it; Léa told by phone"}',
        content_type="application/json",
    )

    assert resolved.status_code == 200, resolved.content
    assert (resolved.json()["resolution"], resolved.json()["resolved_by"]) == (
        "Marc takes it; Léa told by phone",
        "dispatcher-user",
    )
    assert dispatcher.get("/api/v1/mobile/conflicts").json() == []
    assert [c["resolved_at"] for c in own.json()] == [None]  # the technician still has it until seen
    again = dispatcher.post(
        f"/api/v1/mobile/conflicts/{conflict['id']}/resolve",
        '{"resolution": "x"}',
        content_type="application/json",
    )
    assert problem(again, 409)["errors"][0]["field"] == "resolution"
    assert AuditEvent.objects.filter(action="conflict.resolve").count() == 1


def test_a_technician_sees_and_marks_only_its_own_conflicts(field: Field) -> None:
    conflict = reassigned(field)
    other_user = field.world.staff[Role.AGENT]
    _, other_device = signed_in(other_user, "Agent phone")  # an agent's device has no conflicts
    agent = api_client(other_user)
    before = db_state()

    response = agent.get("/api/v1/mobile/conflicts", headers={"X-Device-Id": str(other_device.client_id)})
    assert problem(response, 403)
    assert db_state() == before
    blank = field.client.post(
        f"/api/v1/mobile/conflicts/{conflict['id']}/resolve",
        '{"resolution": "mine"}',
        content_type="application/json",
        headers={"X-Device-Id": str(field.device.client_id)},
    )
    assert problem(blank, 403)
    assert Conflict.objects.get().resolved_at is None


def test_the_dispatcher_page_lists_and_resolves_and_the_board_shows_a_banner(field: Field) -> None:
    conflict = reassigned(field)
    client = logged_in(field, Role.DISPATCHER)

    board = client.get("/dispatch/").content.decode()
    page = client.get("/dispatch/conflicts/").content.decode()

    assert 'id="sync-conflicts-banner"' in board
    assert "Sync conflicts from the technician app to look at: 1" in board
    assert f'id="conflict-{conflict["id"]}"' in page
    assert "This visit was given to another technician." in page
    assert "visit.check_in" in page
    assert '<time datetime="2026-03-10T07:30:00+00:00">10/03/2026 07:30</time>' in page  # recorded (UTC)

    empty = client.post(f"/dispatch/conflicts/{conflict['id']}/resolve/", {"resolution": " "})
    assert empty.status_code == 302
    assert Conflict.objects.get().resolved_at is None
    done = client.post(f"/dispatch/conflicts/{conflict['id']}/resolve/", {"resolution": "Re-planned"})

    assert (done.status_code, done["Location"]) == (302, "/dispatch/conflicts/")
    assert Conflict.objects.get().resolution == "Re-planned"
    assert 'id="sync-conflicts-banner"' not in client.get("/dispatch/").content.decode()
    assert "Re-planned" in client.get("/dispatch/conflicts/").content.decode()


def test_the_conflicts_page_is_for_planners(field: Field) -> None:
    reassigned(field)
    assert logged_in(field, Role.AGENT).get("/dispatch/conflicts/").status_code == 403
    technician = Client()
    assert technician.login(username=field.user.username, password=PASSWORD)
    assert technician.get("/dispatch/conflicts/").status_code == 403
    assert technician.post("/dispatch/conflicts/1/resolve/", {"resolution": "x"}).status_code == 403
