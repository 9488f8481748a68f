"""Workforce API: bodies, status codes, problem+json naming the field, versions, idempotency, scoping."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, World, api_client
from tests.workforce.conftest import PARIS_HOME, Crew
from tournevis.identity.domain import Role
from tournevis.workforce import services
from tournevis.workforce.models import Technician


def test_create_read_and_patch_a_technician(crew: Crew, world: World):
    client = api_client(world.staff[Role.DISPATCHER])
    # When a dispatcher creates a technician
    created = call(
        client,
        "POST",
        "/technicians",
        {"name": "Nina Petit", "team_id": crew.team.pk, "languages": ["fr", "nl"], **PARIS_HOME},
    )
    # Then it is answered with its version and empty skills and shifts
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["ETag"] == '"1"'
    assert {
        k: body[k] for k in ("name", "team_id", "languages", "skills", "shifts", "version", "active")
    } == {
        "name": "Nina Petit",
        "team_id": crew.team.pk,
        "languages": ["fr", "nl"],
        "skills": {},
        "shifts": [],
        "version": 1,
        "active": True,
    }
    # When it is edited with the current version, then with the old one
    url = f"/technicians/{body['id']}"
    edited = call(client, "PATCH", url, {"phone": "+32 470 12 34 56"}, {"If-Match": '"1"'})
    assert (edited.status_code, edited.json()["phone"], edited["ETag"]) == (200, "+32470123456", '"2"')
    stale = problem(call(client, "PATCH", url, {"name": "Nina P."}, {"If-Match": '"1"'}), 412)
    assert (stale["current"]["name"], stale["current"]["version"]) == ("Nina Petit", 2)


def test_read_a_technician_with_skills_and_shifts(crew: Crew, world: World):
    body = call(api_client(world.staff[Role.AGENT]), "GET", f"/technicians/{crew.marc.pk}").json()
    assert body["skills"] == {"atm": 1, "kiosk": 3}
    assert body["shifts"][0] == {
        "weekday": 0,
        "start": "08:00",
        "end": "17:00",
        "break_earliest": "12:00",
        "break_latest": "14:00",
        "break_minutes": 45,
    }
    assert len(body["shifts"]) == 5


def test_bad_technician_bodies_name_the_field(crew: Crew, world: World):
    client = api_client(world.staff[Role.MANAGER])
    before, audits = db_state(), audit_count()
    cases = [
        ({"name": "X", **PARIS_HOME, "home_latitude": 95}, "home_latitude"),
        ({"name": "X", **PARIS_HOME, "timezone": "Europe/Pariss"}, "timezone"),
        ({"name": "X", **PARIS_HOME, "nickname": "x"}, "nickname"),
        (
            {"name": "X", "timezone": "Europe/Paris", "holiday_country": "FR", "home_latitude": 1},
            "home_longitude",
        ),
        ({"name": "X", **PARIS_HOME, "home_latitude": "north"}, "home_latitude"),
    ]
    for body, field in cases:
        assert fields_of(problem(call(client, "POST", "/technicians", body), 422)) == [field], body
    assert (db_state(), audit_count()) == (before, audits)


def test_put_shifts_refuses_a_shift_ending_before_it_starts(crew: Crew, world: World):
    client = api_client(world.staff[Role.DISPATCHER])
    before, audits = db_state(), audit_count()
    body = {
        "shifts": [
            {"weekday": 0, "start": "08:00", "end": "17:00"},
            {"weekday": 1, "start": "18:00", "end": "07:00"},
        ]
    }
    refused = problem(call(client, "PUT", f"/technicians/{crew.marc.pk}/shifts", body), 422)
    assert refused["errors"] == [
        {
            "field": "shifts.1.end",
            "message": "The shift ends at 07:00, not after it starts (18:00); a shift ends on the day it "
            "starts (overnight shifts are not supported).",
        }
    ]
    assert (db_state(), audit_count()) == (before, audits)
    # A good week replaces the old one
    good = {"shifts": [{"weekday": "sat", "start": "09:00", "end": "13:00"}]}
    answer = call(client, "PUT", f"/technicians/{crew.marc.pk}/shifts", good)
    assert answer.json() == {
        "shifts": [
            {
                "weekday": 5,
                "start": "09:00",
                "end": "13:00",
                "break_earliest": None,
                "break_latest": None,
                "break_minutes": 0,
            }
        ]
    }


def test_put_skills(crew: Crew, world: World):
    client = api_client(world.staff[Role.MANAGER])
    answer = call(client, "PUT", f"/technicians/{crew.lea.pk}/skills", {"skills": {"atm": 3, "kiosk": 1}})
    assert (answer.status_code, answer.json()) == (200, {"skills": {"atm": 3, "kiosk": 1}})
    refused = problem(call(client, "PUT", f"/technicians/{crew.lea.pk}/skills", {"skills": {"atm": 9}}), 422)
    assert fields_of(refused) == ["skills.atm"]


def test_availability_of_a_week(crew: Crew, world: World):
    client = api_client(world.staff[Role.TECHNICIAN])
    answer = call(client, "GET", f"/technicians/{crew.lea.pk}/availability?first=2026-03-02&last=2026-03-03")
    assert answer.json() == {
        "technician_id": crew.lea.pk,
        "timezone": "Europe/Paris",
        "first": "2026-03-02",
        "last": "2026-03-03",
        "windows": [
            {
                "start": f"2026-03-0{d}T07:00:00Z",
                "end": f"2026-03-0{d}T16:00:00Z",
                "break_earliest": f"2026-03-0{d}T11:00:00Z",
                "break_latest": f"2026-03-0{d}T13:00:00Z",
                "break_minutes": 45,
            }
            for d in (2, 3)
        ],
    }
    url = f"/technicians/{crew.lea.pk}/availability"
    assert fields_of(problem(call(client, "GET", url + "?first=2026-03-02&last=2026-03-01"), 422)) == ["last"]
    too_long = problem(call(client, "GET", url + "?first=2026-03-01&last=2026-05-02"), 422)
    assert too_long["detail"] == "At most 62 days at a time."
    assert fields_of(problem(call(client, "GET", url + "?first=2026-03-02"), 422)) == ["last"]
    assert call(client, "GET", url + "?first=2026-03-01&last=2026-05-01").status_code == 200  # 62 days
    # A technician does not see another technician's availability
    problem(
        call(client, "GET", f"/technicians/{crew.marc.pk}/availability?first=2026-03-02&last=2026-03-03"), 404
    )


def test_a_technician_lists_only_their_own_record(crew: Crew, world: World):
    mine = call(api_client(world.staff[Role.TECHNICIAN]), "GET", "/technicians").json()
    assert (mine["count"], [t["name"] for t in mine["items"]]) == (1, ["Léa Martin"])
    everyone = call(api_client(world.staff[Role.AGENT]), "GET", "/technicians?skill=kiosk").json()
    assert [t["name"] for t in everyone["items"]] == ["Léa Martin", "Marc Durand"]


def test_absence_request_and_decision(crew: Crew, world: World):
    technician = api_client(world.staff[Role.TECHNICIAN])
    manager = api_client(world.staff[Role.MANAGER])
    body = {"kind": "vacation", "start": "2026-08-03T08:00:00+02:00", "end": "2026-08-07T18:00:00+02:00"}
    # When Léa asks for a week off
    asked = call(technician, "POST", f"/technicians/{crew.lea.pk}/absences", body)
    assert asked.status_code == 201, asked.content
    absence = asked.json()
    assert (absence["status"], absence["start"], absence["requested_by_id"]) == (
        "requested",
        "2026-08-03T06:00:00Z",
        world.staff[Role.TECHNICIAN].pk,
    )
    # And the manager approves it
    decided = call(manager, "POST", f"/absences/{absence['id']}/decide", {"decision": "approve"})
    assert (decided.status_code, decided.json()["status"], decided["ETag"]) == (200, "approved", '"2"')
    # Then the week is gone from her availability
    windows = call(
        technician, "GET", f"/technicians/{crew.lea.pk}/availability?first=2026-08-03&last=2026-08-07"
    )
    assert windows.json()["windows"] == []
    # And an overlapping approval is refused with the reason
    other = call(manager, "POST", f"/technicians/{crew.lea.pk}/absences", {**body, "kind": "training"}).json()
    clash = problem(call(manager, "POST", f"/absences/{other['id']}/decide", {"decision": "approve"}), 409)
    assert fields_of(clash) == ["decision"]
    # And Léa cannot cancel the approved one herself, nor ask for Marc
    assert fields_of(problem(call(technician, "POST", f"/absences/{absence['id']}/cancel"), 409)) == [
        "status"
    ]
    problem(call(technician, "POST", f"/technicians/{crew.marc.pk}/absences", body), 404)


def test_bad_absence_bodies(crew: Crew, world: World):
    client = api_client(world.staff[Role.DISPATCHER])
    url = f"/technicians/{crew.marc.pk}/absences"
    before = db_state()
    good = {"kind": "sick", "start": "2026-08-03T08:00:00+02:00", "end": "2026-08-03T18:00:00+02:00"}
    for body, field in [
        ({**good, "end": "2026-08-03T07:00:00+02:00"}, "end"),
        ({**good, "start": "2026-08-03T08:00:00"}, "start"),
        ({**good, "kind": "strike"}, "kind"),
        ({**good, "start": "tomorrow"}, "start"),
    ]:
        assert fields_of(problem(call(client, "POST", url, body), 422)) == [field], body
    absence = services.request_absence(
        SYSTEM,
        crew.marc.pk,
        {
            "kind": "sick",
            "start": datetime(2026, 8, 3, 6, tzinfo=UTC),
            "end": datetime(2026, 8, 3, 16, tzinfo=UTC),
        },
    )
    before = db_state()
    refused = problem(call(client, "POST", f"/absences/{absence.pk}/decide", {"decision": "maybe"}), 422)
    assert fields_of(refused) == ["decision"]
    assert db_state() == before


def test_creating_is_idempotent(crew: Crew, world: World):
    client = api_client(world.staff[Role.MANAGER])
    body = {"name": "Once", **PARIS_HOME}
    first = call(client, "POST", "/technicians", body, {"Idempotency-Key": "tech-1"})
    again = call(client, "POST", "/technicians", body, {"Idempotency-Key": "tech-1"})
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json() == again.json()
    assert Technician.objects.filter(name="Once").count() == 1


def test_skills_and_teams(crew: Crew, world: World):
    client = api_client(world.staff[Role.DISPATCHER])
    made = call(client, "POST", "/skills", {"code": "lift", "name_en": "Lift", "name_fr": "Ascenseur"})
    assert made.status_code == 201
    assert [s["code"] for s in call(client, "GET", "/skills").json()["items"]] == ["atm", "kiosk", "lift"]
    duplicate = problem(call(client, "POST", "/teams", {"code": "idf", "name": "Paris"}), 409)
    assert fields_of(duplicate) == ["code"]
    teams = call(client, "GET", "/teams").json()
    assert teams["items"] == [
        {"id": crew.team.pk, "code": "idf", "name": "Île-de-France", "region": "FR-IDF"}
    ]
    # Customers never see the workforce
    problem(call(api_client(world.a.user), "GET", "/skills"), 404)
