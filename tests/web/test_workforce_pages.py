"""Workforce pages: status codes per role, exact content (skills, week, absences, 14 days of
availability), the shift editor and the absence form refusing bad input with nothing written,
decisions from the technician page, French rendering."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.web.markup import document, find, find_all, rows, text
from tests.web.test_pages import client_for, french_catalogue  # noqa: F401 (a fixture)
from tests.workforce.conftest import Crew
from tests.workforce.conftest import crew as crew  # a fixture
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.workforce import services
from tournevis.workforce.models import Absence, Shift

DASH = "\u2013"  # the en dash between two times
NOW = datetime(2026, 4, 27, 6, 30, tzinfo=UTC)  # Monday 27 April 2026, 08:30 in Paris


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, (200, 200, 200, 200, 200)),
        (Role.MANAGER, (200, 200, 200, 200, 200)),
        (Role.DISPATCHER, (200, 200, 200, 200, 200)),
        (Role.AGENT, (200, 200, 200, 403, 200)),
        (Role.TECHNICIAN, (200, 200, 404, 403, 200)),
        (Role.CUSTOMER, (404, 404, 404, 404, 404)),
    ],
)
def test_status_codes_per_role(crew: Crew, world: World, role: str, expected: tuple[int, ...]):
    # Given a user of the role; Léa is the technician user's own record, Marc is another technician
    client = client_for(world.user(role).username)
    urls = (
        "/technicians/",
        f"/technicians/{crew.lea.pk}/",
        f"/technicians/{crew.marc.pk}/",
        f"/technicians/{crew.marc.pk}/shifts/",
        f"/technicians/{crew.lea.pk}/absence/",
    )
    # Then each page answers as the permission table and the technician's scope say
    assert tuple(client.get(url).status_code for url in urls) == expected


def test_the_list_filters_by_team_and_skill(crew: Crew, world: World):
    other_team = services.create_team(SYSTEM, code="ra", name="Rhône-Alpes")
    services.update_technician(SYSTEM, crew.marc.pk, {"team_id": other_team.pk})
    client = client_for("dispatcher-user")
    page = document(client.get("/technicians/"))
    assert rows(find(page, "table", id="technicians")) == [
        ["Léa Martin", "Île-de-France FR-IDF", "Kiosk · 2", "—", "Europe/Paris"],
        ["Marc Durand", "Rhône-Alpes", "ATM · 1 Kiosk · 3", "—", "Europe/Paris"],
    ]
    by_skill = document(client.get("/technicians/?skill=atm"))
    assert [text(r) for r in find_all(find(by_skill, "table", id="technicians"), "a")] == ["Marc Durand"]
    by_team = document(client.get(f"/technicians/?team={crew.team.pk}"))
    assert text(find(by_team, "p", id="technician-count")) == "1 technician"
    # A technician's list holds their own record only
    mine = document(client_for("technician-user").get("/technicians/"))
    assert [text(a) for a in find_all(find(mine, "table", id="technicians"), "a")] == ["Léa Martin"]


def test_the_technician_page(crew: Crew, world: World):
    # Given an approved morning off on Tuesday 28 April and a pending vacation request
    morning = services.request_absence(
        SYSTEM, crew.lea.pk, {"kind": "other", "start": utc(2026, 4, 28, 6), "end": utc(2026, 4, 28, 10)}
    )
    services.decide_absence(SYSTEM, morning.pk, approve=True)
    services.request_absence(
        SYSTEM,
        crew.lea.pk,
        {"kind": "vacation", "start": utc(2026, 5, 4, 6), "end": utc(2026, 5, 8, 16), "reason": "Family"},
    )
    # When the dispatcher opens Léa's page on Monday 27 April
    with clock.frozen(NOW):
        page = document(client_for("dispatcher-user").get(f"/technicians/{crew.lea.pk}/"))
    # Then skills, week, absences and the next 14 days are shown, in Paris time
    assert rows(find(find(page, "section", id="skills"), "table")) == [["Kiosk", "level 2 of 3"]]
    week = rows(find(find(page, "section", id="shifts"), "table"))
    assert week[0] == ["Monday", f"08:00{DASH}17:00 45 min break between 12:00 and 14:00"]
    assert week[5:] == [["Saturday", "Off"], ["Sunday", "Off"]]
    absences = rows(find(find(page, "section", id="absences"), "table"))
    assert [row[:5] for row in absences] == [
        ["Vacation", "04/05/2026 08:00", "08/05/2026 18:00", "Requested", "Family"],
        ["Other", "28/04/2026 08:00", "28/04/2026 12:00", "Approved", "—"],
    ]
    assert absences[0][5] == "Approve Refuse Cancel the absence"
    availability = rows(find(find(page, "section", id="availability"), "table"))
    assert availability[:6] == [
        ["Monday 27/04/2026", f"08:00{DASH}17:00 45 min break between 12:00 and 14:00"],
        ["Tuesday 28/04/2026", f"12:00{DASH}17:00 45 min break between 12:00 and 14:00"],
        ["Wednesday 29/04/2026", f"08:00{DASH}17:00 45 min break between 12:00 and 14:00"],
        ["Thursday 30/04/2026", f"08:00{DASH}17:00 45 min break between 12:00 and 14:00"],
        ["Friday 01/05/2026", "Not working"],  # Labour Day
        ["Saturday 02/05/2026", "Not working"],
    ]
    assert len(availability) == 14


def test_the_technician_sees_no_decision_buttons(crew: Crew, world: World):
    services.request_absence(
        SYSTEM, crew.lea.pk, {"kind": "vacation", "start": utc(2026, 5, 4, 6), "end": utc(2026, 5, 8, 16)}
    )
    page = document(client_for("technician-user").get(f"/technicians/{crew.lea.pk}/"))
    absences = rows(find(find(page, "section", id="absences"), "table"))
    assert absences[0][5] == "Cancel the absence"
    assert find_all(page, "a", id="edit-shifts") == []


def test_the_shift_editor_refuses_a_shift_ending_before_it_starts(crew: Crew, world: World):
    client = client_for("manager-user")
    form = {
        "d0_start": "08:00",
        "d0_end": "17:00",
        "d1_start": "18:00",
        "d1_end": "07:00",
    }
    before, audits = db_state(), audit_count()
    # When Tuesday is sent as 18:00-07:00
    response = client.post(f"/technicians/{crew.marc.pk}/shifts/", form)
    # Then the page says why, on Tuesday's end, and nothing is written
    assert response.status_code == 422
    page = document(response)
    assert text(find(page, "p", id="error-d1_end")) == (
        "The shift ends at 07:00, not after it starts (18:00); a shift ends on the day it starts "
        "(overnight shifts are not supported)."
    )
    assert (db_state(), audit_count()) == (before, audits)
    # And a good week is saved
    form["d1_start"], form["d1_end"], form["d1_break_minutes"] = "08:00", "12:00", ""
    saved = client.post(f"/technicians/{crew.marc.pk}/shifts/", form)
    assert (saved.status_code, saved["Location"]) == (302, f"/technicians/{crew.marc.pk}/")
    assert list(Shift.objects.filter(technician=crew.marc).values_list("weekday", "end")) == [
        (0, time(17)),
        (1, time(12)),
    ]


def test_a_bad_break_length_is_refused_on_its_field(crew: Crew, world: World):
    form = {"d2_start": "08:00", "d2_end": "17:00", "d2_break_minutes": "lots"}
    response = client_for("dispatcher-user").post(f"/technicians/{crew.marc.pk}/shifts/", form)
    assert response.status_code == 422
    assert (
        text(find(document(response), "p", id="error-d2_break_minutes"))
        == "A whole number of minutes is expected."
    )


def test_request_and_approve_an_absence_from_the_pages(crew: Crew, world: World):
    technician = client_for("technician-user")
    # When Léa asks for Tuesday afternoon off (local time)
    sent = technician.post(
        f"/technicians/{crew.lea.pk}/absence/",
        {"kind": "training", "start": "2026-04-28T13:00", "end": "2026-04-28T17:00", "reason": "Course"},
    )
    assert sent.status_code == 302
    absence = Absence.objects.get(technician=crew.lea)
    assert (absence.start, absence.end, absence.status) == (
        utc(2026, 4, 28, 11),
        utc(2026, 4, 28, 15),
        "requested",
    )
    # And the dispatcher approves it from her page
    decided = client_for("dispatcher-user").post(f"/absences/{absence.pk}/decide/", {"decision": "approve"})
    assert decided.status_code == 302
    absence.refresh_from_db()
    assert absence.status == "approved"
    # But Léa may not decide, and may no longer cancel it herself
    assert technician.post(f"/absences/{absence.pk}/decide/", {"decision": "approve"}).status_code == 403
    refused = technician.post(f"/absences/{absence.pk}/cancel/")
    assert refused.status_code == 409
    assert text(find(document(refused), "p", id="action-error")) == (
        "This absence is approved; ask a manager or a dispatcher to cancel it."
    )


def test_the_absence_form_refuses_bad_input(crew: Crew, world: World):
    client = client_for("technician-user")
    before = db_state()
    backwards = client.post(
        f"/technicians/{crew.lea.pk}/absence/",
        {"kind": "vacation", "start": "2026-04-28T13:00", "end": "2026-04-28T08:00"},
    )
    assert backwards.status_code == 422
    assert text(find(document(backwards), "p", id="error-end")) == "The absence ends before it starts."
    garbled = client.post(
        f"/technicians/{crew.lea.pk}/absence/", {"kind": "vacation", "start": "soon", "end": ""}
    )
    assert (
        text(find(document(garbled), "p", id="error-start"))
        == "Give a date and a time, e.g. 2026-03-02 08:00."
    )
    assert db_state() == before
    # Another technician's form does not exist for Léa
    assert client.post(f"/technicians/{crew.marc.pk}/absence/", {"kind": "sick"}).status_code == 404


def test_an_overlapping_approval_is_refused_with_the_reason(crew: Crew, world: World):
    first = services.request_absence(
        SYSTEM, crew.marc.pk, {"kind": "vacation", "start": utc(2026, 5, 4, 6), "end": utc(2026, 5, 8, 16)}
    )
    services.decide_absence(SYSTEM, first.pk, approve=True)
    second = services.request_absence(
        SYSTEM, crew.marc.pk, {"kind": "training", "start": utc(2026, 5, 5, 6), "end": utc(2026, 5, 5, 16)}
    )
    before = db_state()
    response = client_for("manager-user").post(f"/absences/{second.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 409
    assert text(find(document(response), "p", id="action-error")) == (
        f"It overlaps approved absence {first.pk} (2026-05-04 06:00 UTC to 2026-05-08 16:00 UTC); "
        "cancel that one first."
    )
    assert db_state() == before


@pytest.mark.usefixtures("french_catalogue")
def test_the_technician_page_in_french(crew: Crew, world: World):
    client = client_for("dispatcher-user", language="fr")
    with clock.frozen(NOW):
        page = document(client.get(f"/technicians/{crew.lea.pk}/"))
    assert text(find(page, "h2", id="availability-title")) == (
        "Disponibilités, 14 prochains jours heure locale, Europe/Paris"
    )
    assert rows(find(find(page, "section", id="skills"), "table")) == [["Borne", "niveau 2 sur 3"]]
    week = rows(find(find(page, "section", id="shifts"), "table"))
    assert week[0] == ["Lundi", f"08:00{DASH}17:00 pause de 45 min entre 12:00 et 14:00"]
    assert week[6] == ["Dimanche", "Repos"]
