"""Pure rules: the two status tables, the work order following its visit, field checks and the site's
access windows across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournevis.core.errors import Conflict, InvalidInput
from tournevis.workorders import domain
from tournevis.workorders.domain import Status, VisitStatus


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_status_following_a_visit_is_reachable_along_the_table() -> None:
    # Given each move the visit table allows, with or without an earlier visit done
    for earlier in (False, True):
        for a in domain.OPEN_VISIT:
            old = domain.follow_visit(a, earlier)
            for b in domain.VISIT_TRANSITIONS[a]:
                if b == VisitStatus.CANCELLED:  # the next visit takes its place, unscheduled
                    targets = [domain.follow_visit(VisitStatus.UNSCHEDULED, earlier)]
                elif b == VisitStatus.COMPLETED:  # unfixed: next visit; fixed: done
                    targets = [
                        domain.follow_visit(VisitStatus.UNSCHEDULED, True),
                        domain.follow_visit(None, True, fixed=True),
                    ]
                else:
                    targets = [domain.follow_visit(b, earlier)]
                # Then the work order's move is an edge of its table (or no move)
                for new in targets:
                    assert new == old or new in domain.TRANSITIONS[old], (a, b, earlier)
    # A visit ending unfixed: from on site or paused to paused; fixed: completed
    assert domain.follow_visit(VisitStatus.UNSCHEDULED, True) == Status.PAUSED
    assert domain.follow_visit(None, False, fixed=True) == Status.COMPLETED
    assert Status.COMPLETED in domain.TRANSITIONS[Status.ON_SITE] & domain.TRANSITIONS[Status.PAUSED]


def test_final_statuses_go_nowhere_and_cancelling_works_until_completion() -> None:
    assert domain.TRANSITIONS[Status.VALIDATED] == domain.TRANSITIONS[Status.CANCELLED] == frozenset()
    assert domain.TRANSITIONS[Status.COMPLETED] == {Status.VALIDATED}
    assert {s for s in Status if Status.CANCELLED in domain.TRANSITIONS[s]} == domain.CANCELLABLE
    assert domain.VISIT_TRANSITIONS[VisitStatus.COMPLETED] == frozenset()
    assert {s for s in VisitStatus if VisitStatus.CANCELLED in domain.VISIT_TRANSITIONS[s]} == set(
        domain.OPEN_VISIT
    )


@given(st.lists(st.sampled_from(list(VisitStatus)), min_size=1, max_size=30))
def test_random_visit_moves_keep_the_work_order_on_its_table(moves: list[VisitStatus]) -> None:
    # Given a work order with its open visit, applying only the moves the visit table allows
    visit, earlier, order = VisitStatus.UNSCHEDULED, False, Status.READY
    for move in moves:
        if move not in domain.VISIT_TRANSITIONS[visit]:
            with pytest.raises(Conflict):
                domain.check_visit_transition(visit, move)
            continue
        fixed = move == VisitStatus.COMPLETED and len(moves) % 2 == 0
        # When the visit ends, the next one starts unscheduled (unless fixed)
        if move in (VisitStatus.COMPLETED, VisitStatus.CANCELLED):
            earlier = earlier or move == VisitStatus.COMPLETED
            new = domain.follow_visit(None if fixed else VisitStatus.UNSCHEDULED, earlier, fixed)
            visit = VisitStatus.UNSCHEDULED
        else:
            visit = move
            new = domain.follow_visit(visit, earlier)
        # Then the work order's move is in its table
        if new != order:
            assert domain.check_transition(order, new) == new
            order = new
        if order == Status.COMPLETED:
            break


def test_refusals_name_the_status_and_say_where_it_stands() -> None:
    with pytest.raises(Conflict) as caught:
        domain.check_transition("ready", "completed")
    assert (caught.value.field, caught.value.text()) == (
        "status",
        "A work order cannot go from ready to completed.",
    )
    with pytest.raises(InvalidInput) as unknown:
        domain.check_visit_transition("planned", "teleported")
    assert (unknown.value.field, unknown.value.text()) == ("status", "Unknown visit status teleported.")
    with pytest.raises(Conflict) as manual:
        domain.check_manual("ready", "scheduled")
    assert (
        manual.value.text() == "A work order goes to scheduled through its visits, not by hand (it is ready)."
    )
    assert domain.check_manual("completed", "validated") == Status.VALIDATED
    # The preventive generator's contract
    assert domain.check_transition("ready", "scheduled") == "scheduled"
    assert domain.format_number(2026, 42) == "WO-2026-000042"


def test_parts_and_skills_are_normalised() -> None:
    assert domain.clean_parts([{"reference": " A-1 ", "quantity": 3}, {"reference": "B", "quantity": 1}]) == [
        {"reference": "A-1", "quantity": 3},
        {"reference": "B", "quantity": 1},
    ]
    assert domain.clean_parts(None) == []
    with pytest.raises(InvalidInput) as extra:
        domain.clean_parts([{"reference": "A", "quantity": 1, "price": 3}])
    assert extra.value.field == "parts_needed.0"
    with pytest.raises(InvalidInput) as flag:
        domain.clean_parts([{"reference": "A", "quantity": True}])
    assert flag.value.field == "parts_needed.0.quantity"
    assert domain.clean_skills([{"skill": "kiosk", "level": 2}, {"skill": "atm"}]) == {"kiosk": 2, "atm": 1}
    assert domain.clean_skills({"kiosk": 3}) == {"kiosk": 3}
    with pytest.raises(InvalidInput) as twice:
        domain.clean_skills([{"skill": "kiosk"}, {"skill": "kiosk", "level": 2}])
    assert (twice.value.field, twice.value.text()) == ("skills.kiosk", "The skill kiosk is listed twice.")


# --- Access windows --------------------------------------------------------------------------------

BANK_HOURS = {"mon": [["08:00", "12:00"], ["13:30", "17:00"]], "sat": [["09:00", "12:00"]]}


def test_access_windows_are_the_weekly_slots_in_utc() -> None:
    # Monday 9 and Saturday 14 March 2026 in Paris (UTC+1)
    assert domain.access_windows(BANK_HOURS, "Europe/Paris", date(2026, 3, 9), date(2026, 3, 15)) == [
        (utc("2026-03-09T07:00"), utc("2026-03-09T11:00")),
        (utc("2026-03-09T12:30"), utc("2026-03-09T16:00")),
        (utc("2026-03-14T08:00"), utc("2026-03-14T11:00")),
    ]


def test_access_windows_keep_the_wall_clock_across_dst_changes() -> None:
    # Paris moves to UTC+2 on Sunday 29 March 2026: Monday 30 opens at 06:00 UTC, not 07:00
    spring = domain.access_windows(BANK_HOURS, "Europe/Paris", date(2026, 3, 28), date(2026, 3, 30))
    assert spring == [
        (utc("2026-03-28T08:00"), utc("2026-03-28T11:00")),  # Saturday, still UTC+1
        (utc("2026-03-30T06:00"), utc("2026-03-30T10:00")),
        (utc("2026-03-30T11:30"), utc("2026-03-30T15:00")),
    ]
    # Back to UTC+1 on Sunday 25 October 2026; a night slot on the fall-back night lasts 3 h
    night = {"sun": [["01:30", "03:30"]]}
    assert domain.access_windows(night, "Europe/Paris", date(2026, 10, 25), date(2026, 10, 25)) == [
        (utc("2026-10-24T23:30"), utc("2026-10-25T02:30")),
    ]
    # Toronto (UTC-5, then UTC-4 from Sunday 8 March 2026)
    toronto = domain.access_windows(
        {"fri": [["09:00", "17:00"]], "mon": [["09:00", "17:00"]]},
        "America/Toronto",
        date(2026, 3, 6),
        date(2026, 3, 9),
    )
    assert toronto == [
        (utc("2026-03-06T14:00"), utc("2026-03-06T22:00")),
        (utc("2026-03-09T13:00"), utc("2026-03-09T21:00")),
    ]


def test_adjacent_slots_merge_and_no_hours_means_always_open() -> None:
    night_shift = {"mon": [["20:00", "24:00"]], "tue": [["00:00", "06:00"]]}
    assert domain.access_windows(night_shift, "UTC", date(2026, 3, 9), date(2026, 3, 10)) == [
        (utc("2026-03-09T20:00"), utc("2026-03-10T06:00")),
    ]
    assert domain.access_windows({}, "Europe/Paris", date(2026, 3, 9), date(2026, 3, 10)) == [
        (utc("2026-03-08T23:00"), utc("2026-03-10T23:00")),
    ]
    assert domain.access_windows(BANK_HOURS, "UTC", date(2026, 3, 10), date(2026, 3, 9)) == []
    windows = domain.access_windows(BANK_HOURS, "Europe/Paris", date(2026, 3, 9), date(2026, 3, 9))
    assert domain.within_windows(utc("2026-03-09T08:00"), utc("2026-03-09T10:00"), windows)
    assert not domain.within_windows(utc("2026-03-09T10:00"), utc("2026-03-09T13:00"), windows)
