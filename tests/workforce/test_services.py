"""Workforce use cases: what they write, what they audit, and every bad input refused with nothing
written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.workforce.conftest import OFFICE_WEEK, PARIS_HOME, Crew, make_technician
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.workforce import services
from tournevis.workforce.models import Absence, Shift, Technician


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def refused(call: Callable[[], Any], error: type[DomainError], field: str | None) -> DomainError:
    """Run a call that must be refused; assert the field and that nothing was written."""
    before, audits = db_state(), audit_count()
    with pytest.raises(error) as caught:
        call()
    assert caught.value.field == field
    assert (db_state(), audit_count()) == (before, audits)
    return caught.value


# --- Skills, teams, technicians ----------------------------------------------------------------------


def test_create_a_technician_with_its_audit_event(world: World):
    # When a technician is created
    technician = services.create_technician(
        SYSTEM,
        {
            "name": "Sophie Leroy",
            "email": "sophie@example.com",
            "phone": "06 12 34 56 78",
            "languages": ["FR", "en"],
            "holiday_subdivision": "57",
            **PARIS_HOME,
        },
    )
    # Then it is stored normalised, active, at version 1, and audited
    technician.refresh_from_db()
    assert (technician.phone, technician.languages, technician.holiday_subdivision) == (
        "+33612345678",
        ["fr", "en"],
        "57",
    )
    assert (technician.active, technician.version, technician.team_id, technician.user_id) == (
        True,
        1,
        None,
        None,
    )
    event = AuditEvent.objects.get(action="technician.create")
    assert (event.object_type, event.object_id, event.after["name"]) == (
        "workforce.technician",
        str(technician.pk),
        "Sophie Leroy",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"home_latitude": None}, "home_latitude"),
        ({"home_longitude": 200}, "home_longitude"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"holiday_country": "ZZ"}, "holiday_country"),
        ({"holiday_subdivision": "ZZ"}, "holiday_subdivision"),
        ({"phone": "12"}, "phone"),
        ({"languages": ["xx"]}, "languages"),
        ({"name": ""}, "name"),
        ({"team_id": 999999}, "team_id"),
        ({"user_id": 999999}, "user_id"),
    ],
)
def test_a_bad_technician_is_refused_and_nothing_is_written(world: World, data, field):
    payload = {"name": "Bad", **PARIS_HOME, **data}
    refused(lambda: services.create_technician(SYSTEM, payload), InvalidInput, field)


def test_a_technician_record_needs_a_user_of_the_technician_role(crew: Crew, world: World):
    agent = world.staff[Role.AGENT]
    error = refused(lambda: make_technician("Agent", user_id=agent.pk), InvalidInput, "user_id")
    assert error.message == "User “agent-user” does not have the technician role."
    error = refused(
        lambda: make_technician("Twin", user_id=world.staff[Role.TECHNICIAN].pk), Conflict, "user_id"
    )
    assert error.message == "User “technician-user” is already technician “Léa Martin”."


def test_duplicate_skill_and_team_codes_are_refused(crew: Crew):
    refused(lambda: services.create_skill(SYSTEM, code="Kiosk", name_en="K", name_fr="B"), Conflict, "code")
    refused(lambda: services.create_team(SYSTEM, code="idf", name="Paris"), Conflict, "code")
    refused(
        lambda: services.create_skill(SYSTEM, code="no spaces", name_en="K", name_fr="B"),
        InvalidInput,
        "code",
    )
    refused(lambda: services.create_team(SYSTEM, code="ra", name=""), InvalidInput, "name")


def test_update_a_technician_checks_the_version(crew: Crew):
    # When the technician is moved to Lyon with the current version
    updated = services.update_technician(
        SYSTEM, crew.marc.pk, {"home_latitude": 45.764, "home_longitude": 4.8357, "team_id": None}, 1
    )
    # Then the version moves and the team is cleared
    assert (updated.version, updated.home_latitude, updated.team_id) == (2, 45.764, None)
    # And an edit of the old version is refused with nothing written
    refused(
        lambda: services.update_technician(SYSTEM, crew.marc.pk, {"name": "X"}, 1),
        PreconditionFailed,
        "If-Match",
    )
    refused(
        lambda: services.update_technician(SYSTEM, crew.marc.pk, {"timezone": "CET+1"}),
        InvalidInput,
        "timezone",
    )
    refused(lambda: services.update_technician(SYSTEM, 999999, {"name": "X"}), NotFound, None)


# --- Skills and shifts ------------------------------------------------------------------------------


def test_set_skills_replaces_them(crew: Crew):
    assert services.set_skills(SYSTEM, crew.marc.pk, {"atm": 2}) == {"atm": 2}
    assert sorted(crew.marc.skills.values_list("skill__code", "level")) == [("atm", 2)]
    event = AuditEvent.objects.filter(action="technician.skills").latest("id")
    assert (event.before, event.after) == ({"skills": {"atm": 1, "kiosk": 3}}, {"skills": {"atm": 2}})
    # the same skills again: nothing to record
    audits = audit_count()
    services.set_skills(SYSTEM, crew.marc.pk, {"atm": 2})
    assert audit_count() == audits


def test_bad_skills_are_refused(crew: Crew):
    error = refused(
        lambda: services.set_skills(SYSTEM, crew.marc.pk, {"welding": 1}), InvalidInput, "skills.welding"
    )
    assert error.message == "No skill with code “welding”."
    refused(lambda: services.set_skills(SYSTEM, crew.marc.pk, {"atm": 4}), InvalidInput, "skills.atm")


def test_set_shifts_replaces_the_week(crew: Crew):
    # When Marc moves to a four-day week with a shorter Friday
    week = [*OFFICE_WEEK[:4], {"weekday": 4, "start": "08:00", "end": "12:00"}]
    services.set_shifts(SYSTEM, crew.marc.pk, week)
    # Then the stored pattern is that week
    rows = list(
        Shift.objects.filter(technician=crew.marc)
        .order_by("weekday")
        .values_list("weekday", "end", "break_minutes")
    )
    assert rows == [
        (0, time(17), 45),
        (1, time(17), 45),
        (2, time(17), 45),
        (3, time(17), 45),
        (4, time(12), 0),
    ]


def test_a_shift_that_ends_before_it_starts_is_refused(crew: Crew):
    # Given Marc's office week; when a Wednesday 22:00-06:00 (overnight) is sent
    week = [*OFFICE_WEEK[:2], {"weekday": 2, "start": "22:00", "end": "06:00"}]
    error = refused(lambda: services.set_shifts(SYSTEM, crew.marc.pk, week), InvalidInput, "shifts.2.end")
    # Then the reason is clear and the old week is intact
    assert error.message == (
        "The shift ends at 06:00, not after it starts (22:00); a shift ends on the day it starts "
        "(overnight shifts are not supported)."
    )
    assert Shift.objects.filter(technician=crew.marc).count() == 5


def test_more_bad_weeks(crew: Crew):
    refused(lambda: services.set_shifts(SYSTEM, crew.marc.pk, "mon-fri"), InvalidInput, "shifts")  # type: ignore[arg-type]
    twice = [OFFICE_WEEK[0], OFFICE_WEEK[0]]
    refused(lambda: services.set_shifts(SYSTEM, crew.marc.pk, twice), InvalidInput, "shifts.1.weekday")
    late_break = [{**OFFICE_WEEK[0], "break_latest": "18:00"}]
    refused(
        lambda: services.set_shifts(SYSTEM, crew.marc.pk, late_break), InvalidInput, "shifts.0.break_latest"
    )


# --- Absences ---------------------------------------------------------------------------------------

VACATION = {"kind": "vacation", "start": utc(2026, 8, 3, 6), "end": utc(2026, 8, 8, 18), "reason": "Summer"}


def test_a_technician_requests_an_absence_for_themselves_only(crew: Crew, world: World):
    lea = actor_for(world.staff[Role.TECHNICIAN])
    absence = services.request_absence(lea, crew.lea.pk, VACATION)
    assert (absence.status, absence.kind, absence.requested_by_id, absence.reason) == (
        "requested",
        "vacation",
        world.staff[Role.TECHNICIAN].pk,
        "Summer",
    )
    refused(lambda: services.request_absence(lea, crew.marc.pk, VACATION), NotFound, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**VACATION, "kind": "holiday"}, "kind"),
        ({**VACATION, "end": utc(2026, 8, 3, 6)}, "end"),
        ({**VACATION, "start": datetime(2026, 8, 3, 8)}, "start"),  # noqa: DTZ001 - naive on purpose
        ({**VACATION, "reason": "x" * 2001}, "reason"),
        ({"kind": "sick", "start": utc(2026, 8, 3, 6)}, "end"),
    ],
)
def test_bad_absence_requests_are_refused(crew: Crew, data, field):
    refused(lambda: services.request_absence(SYSTEM, crew.marc.pk, data), InvalidInput, field)


def test_approve_refuse_and_cancel(crew: Crew, world: World):
    manager = actor_for(world.staff[Role.MANAGER])
    first = services.request_absence(SYSTEM, crew.marc.pk, VACATION)
    overlapping = services.request_absence(
        SYSTEM, crew.marc.pk, {"kind": "training", "start": utc(2026, 8, 7, 7), "end": utc(2026, 8, 7, 15)}
    )
    # When the manager approves the vacation
    approved = services.decide_absence(manager, first.pk, approve=True)
    assert (approved.status, approved.decided_by_id, approved.version) == (
        "approved",
        world.staff[Role.MANAGER].pk,
        2,
    )
    # Then an overlapping approval is refused, naming the approved one
    error = refused(
        lambda: services.decide_absence(manager, overlapping.pk, approve=True), Conflict, "decision"
    )
    assert error.message == (
        f"It overlaps approved absence {first.pk} (2026-08-03 06:00 UTC to 2026-08-08 18:00 UTC); "
        "cancel that one first."
    )
    # But it may be refused, once
    assert services.decide_absence(manager, overlapping.pk, approve=False).status == "refused"
    error = refused(
        lambda: services.decide_absence(manager, overlapping.pk, approve=True), Conflict, "status"
    )
    assert error.message == "This absence is refused; it cannot become approved."
    # And a stale version is refused
    refused(
        lambda: services.decide_absence(manager, first.pk, approve=False, expected_version=1),
        PreconditionFailed,
        "If-Match",
    )
    assert [e.action for e in AuditEvent.objects.filter(object_type="workforce.absence").order_by("id")] == [
        "absence.request",
        "absence.request",
        "absence.approve",
        "absence.refuse",
    ]


def test_a_technician_cancels_a_request_but_not_an_approved_absence(crew: Crew, world: World):
    lea = actor_for(world.staff[Role.TECHNICIAN])
    dispatcher = actor_for(world.staff[Role.DISPATCHER])
    pending = services.request_absence(lea, crew.lea.pk, VACATION)
    assert services.cancel_absence(lea, pending.pk).status == "cancelled"
    again = services.request_absence(lea, crew.lea.pk, VACATION)
    services.decide_absence(dispatcher, again.pk, approve=True)
    error = refused(lambda: services.cancel_absence(lea, again.pk), Conflict, "status")
    assert error.message == "This absence is approved; ask a manager or a dispatcher to cancel it."
    assert services.cancel_absence(dispatcher, again.pk).status == "cancelled"
    refused(lambda: services.cancel_absence(dispatcher, again.pk), Conflict, "status")
    # Another technician's absence does not exist for Léa
    other = services.request_absence(SYSTEM, crew.marc.pk, VACATION)
    refused(lambda: services.cancel_absence(lea, other.pk), NotFound, None)
    refused(lambda: services.decide_absence(dispatcher, 999999, approve=True), NotFound, None)


def test_the_database_refuses_what_the_services_refuse(crew: Crew):
    """Constraints back the rules: a shift ending before it starts cannot be stored at all."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(technician=crew.marc, weekday=6, start=time(17), end=time(8))
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            technician=crew.marc,
            kind="sick",
            start=utc(2026, 1, 2),
            end=utc(2026, 1, 1),
            created_at=utc(2026, 1, 1),
            updated_at=utc(2026, 1, 1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Technician.objects.filter(pk=crew.marc.pk).update(home_latitude=100)
