"""Read side: availability (holidays, absences, query budget), skills, list rows."""

from __future__ import annotations

import time as timer
from datetime import UTC, date, datetime, time

from tests.conftest import SYSTEM, World
from tests.workforce.conftest import Crew, make_technician
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.workforce import queries, services
from tournevis.workforce.domain import Window
from tournevis.workforce.models import Absence, Shift, Technician


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_availability_skips_public_holidays_and_approved_absences(crew: Crew):
    # Given Marc's approved absence on Tuesday morning and a requested one on Wednesday,
    # in the week of 1 May 2026 (a Friday, Labour Day in France)
    morning = services.request_absence(
        SYSTEM, crew.marc.pk, {"kind": "other", "start": utc(2026, 4, 28, 6), "end": utc(2026, 4, 28, 10)}
    )
    services.decide_absence(SYSTEM, morning.pk, approve=True)
    services.request_absence(
        SYSTEM, crew.marc.pk, {"kind": "vacation", "start": utc(2026, 4, 29, 0), "end": utc(2026, 4, 30, 0)}
    )
    # When the availability of the week is read
    found = queries.availability([crew.marc.pk], date(2026, 4, 27), date(2026, 5, 3))
    # Then Monday to Thursday have windows (Tuesday from noon, breaks kept), Friday is a holiday
    brk = {27: (10, 12), 28: (10, 12), 29: (10, 12), 30: (10, 12)}
    assert found == {
        crew.marc.pk: [
            Window(utc(2026, 4, 27, 6), utc(2026, 4, 27, 15), utc(2026, 4, 27, 10), utc(2026, 4, 27, 12), 45),
            Window(
                utc(2026, 4, 28, 10), utc(2026, 4, 28, 15), utc(2026, 4, 28, 10), utc(2026, 4, 28, 12), 45
            ),
            *[
                Window(
                    utc(2026, 4, d, 6),
                    utc(2026, 4, d, 15),
                    utc(2026, 4, d, brk[d][0]),
                    utc(2026, 4, d, brk[d][1]),
                    45,
                )
                for d in (29, 30)
            ],
        ]
    }


def test_regional_holidays_follow_the_subdivision(crew: Crew):
    # Given a technician in Moselle (FR-57), where Good Friday (3 April 2026) is a holiday
    metz = make_technician("Metz", holiday_subdivision="57")
    services.set_shifts(SYSTEM, metz.pk, [{"weekday": 4, "start": "08:00", "end": "12:00"}])
    services.set_shifts(SYSTEM, crew.marc.pk, [{"weekday": 4, "start": "08:00", "end": "12:00"}])
    found = queries.availability([metz.pk, crew.marc.pk], date(2026, 4, 3), date(2026, 4, 3))
    assert found == {metz.pk: [], crew.marc.pk: [Window(utc(2026, 4, 3, 6), utc(2026, 4, 3, 10))]}


def test_inactive_and_unknown_technicians_are_left_out(crew: Crew):
    services.update_technician(SYSTEM, crew.marc.pk, {"active": False})
    found = queries.availability([crew.marc.pk, crew.lea.pk, 999999], date(2026, 3, 2), date(2026, 3, 2))
    assert list(found) == [crew.lea.pk]
    assert queries.availability(None, date(2026, 3, 3), date(2026, 3, 2)) == {}


def test_skills_of_and_resources(crew: Crew, django_assert_max_num_queries):
    assert queries.skills_of([crew.lea.pk, crew.marc.pk, 999999]) == {
        crew.lea.pk: {"kiosk": 2},
        crew.marc.pk: {"atm": 1, "kiosk": 3},
        999999: {},
    }
    with django_assert_max_num_queries(5):
        found = queries.resources(None, date(2026, 3, 2), date(2026, 3, 2))
    assert [(r.name, r.skills, r.home_latitude, len(r.windows), r.team_id) for r in found] == [
        ("Léa Martin", {"kiosk": 2}, 48.8566, 1, crew.team.pk),
        ("Marc Durand", {"atm": 1, "kiosk": 3}, 48.8566, 1, crew.team.pk),
    ]


def test_technician_rows_filter_and_scope(crew: Crew, world: World):
    manager = actor_for(world.staff[Role.MANAGER])
    rows = queries.technician_rows(manager, skill="atm")
    assert [(r.name, r.team, r.region, r.skills) for r in rows] == [
        ("Marc Durand", "Île-de-France", "FR-IDF", {"atm": 1, "kiosk": 3})
    ]
    assert [r.name for r in queries.technician_rows(manager, team_id=crew.team.pk, q="léa")] == ["Léa Martin"]
    # A technician sees their own row only; a customer user sees none
    assert [r.name for r in queries.technician_rows(actor_for(world.staff[Role.TECHNICIAN]))] == [
        "Léa Martin"
    ]
    assert queries.technician_rows(actor_for(world.a.user)) == []


def test_a_week_of_two_hundred_technicians_in_three_queries(world: World, django_assert_max_num_queries):
    # Given 200 technicians in four time zones, each with a weekly pattern and an approved absence
    now = utc(2026, 1, 1)
    zones = ["Europe/Paris", "Europe/Brussels", "America/Toronto", "Asia/Tokyo"]
    countries = ["FR", "BE", "CA", "JP"]
    technicians = Technician.objects.bulk_create(
        Technician(
            name=f"Tech {n:03}",
            home_latitude=48.0,
            home_longitude=2.0,
            timezone=zones[n % 4],
            holiday_country=countries[n % 4],
            created_at=now,
            updated_at=now,
        )
        for n in range(200)
    )
    Shift.objects.bulk_create(
        Shift(
            technician=t,
            weekday=d,
            start=time(8),
            end=time(17),
            break_earliest=time(12),
            break_latest=time(14),
            break_minutes=45,
        )
        for t in technicians
        for d in range(5)
    )
    Absence.objects.bulk_create(
        Absence(
            technician=t,
            kind="sick",
            status="approved",
            start=utc(2026, 3, 4, 0),
            end=utc(2026, 3, 5, 0),
            created_at=now,
            updated_at=now,
        )
        for t in technicians[:50]
    )
    # When the planning board asks for a week
    started = timer.perf_counter()
    with django_assert_max_num_queries(3):
        found = queries.availability(None, date(2026, 3, 2), date(2026, 3, 8))
    elapsed = timer.perf_counter() - started
    # Then every technician has five days, minus the Wednesday of the 50 absent ones (00:00-24:00 UTC),
    # except in Tokyo (UTC+9) where Wednesday 08:00-17:00 starts at 23:00 UTC on Tuesday: one hour is left
    assert len(found) == 200
    absent_in_tokyo = len([n for n in range(50) if n % 4 == 3])
    assert sum(len(windows) for windows in found.values()) == 200 * 5 - 50 + absent_in_tokyo
    tokyo = found[technicians[3].pk]
    assert tokyo[2] == Window(utc(2026, 3, 3, 23), utc(2026, 3, 4, 0))
    assert elapsed < 3  # a loose guard only; figures are measured in bench/, not timed here
