"""The planning board's move check (pure): errors refuse a drop, warnings ask for confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tournevis.dispatch.domain import Absence, Booked, Candidate, Shift, Span, Target, check_move


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


DAY = Shift(at(8), at(17), break_earliest=at(12), break_latest=at(14), break_minutes=45)


def target(**changes: object) -> Target:
    values: dict[str, object] = {
        "name": "Ana",
        "skills": {"kiosk": 2, "network": 1},
        "shifts": [DAY],
        "absences": [],
        "booked": [],
    }
    values.update(changes)
    return Target(**values)  # type: ignore[arg-type]


def visit(**changes: object) -> Candidate:
    values: dict[str, object] = {"visit_id": 7, "status": "planned", "skills": {"kiosk": 2}, "windows": None}
    values.update(changes)
    return Candidate(**values)  # type: ignore[arg-type]


def codes(issues: tuple[object, ...]) -> list[str]:
    return [issue.code for issue in issues]  # type: ignore[attr-defined]


def test_a_qualified_working_technician_with_room_takes_the_visit() -> None:
    result = check_move(visit(), target(), at(9), at(10))
    assert (result.allowed, result.errors, result.warnings) == (True, (), ())


def test_a_missing_skill_level_is_refused_with_the_skill_named() -> None:
    result = check_move(visit(skills={"kiosk": 3, "network": 1}), target(), at(9), at(10))
    assert codes(result.errors) == ["skill"]
    assert result.errors[0].text() == "Ana lacks the skill kiosk at level 3."


def test_an_absent_technician_is_refused_with_the_kind_of_absence() -> None:
    sick = Absence(at(8), at(17), "sick")
    result = check_move(visit(), target(absences=[sick]), at(9), at(10))
    assert codes(result.errors) == ["absent"]
    assert result.errors[0].text() == "Ana is absent then (sick)."


def test_outside_the_shift_is_refused() -> None:
    result = check_move(visit(), target(), at(16, 30), at(17, 30))
    assert [e.text() for e in result.errors] == ["Ana is not working then."]


def test_an_overlap_names_the_other_visit() -> None:
    other = Booked(9, "WO-2026-000009 #1", at(9, 30), at(10, 30))
    result = check_move(visit(), target(booked=[other]), at(9), at(10))
    assert [e.text() for e in result.errors] == ["It overlaps WO-2026-000009 #1, already planned for Ana."]


def test_moving_a_visit_onto_its_own_old_place_is_no_overlap() -> None:
    itself = Booked(7, "WO-2026-000007 #1", at(9), at(10))
    assert check_move(visit(), target(booked=[itself]), at(9, 30), at(10, 30)).allowed


def test_outside_the_access_windows_is_refused() -> None:
    windows = [Span(at(8), at(12))]
    assert check_move(visit(windows=windows), target(), at(11, 30), at(12, 30)).errors[0].code == "window"
    assert check_move(visit(windows=windows), target(), at(11), at(12)).allowed


def test_a_dispatched_visit_is_locked() -> None:
    result = check_move(visit(status="en_route"), target(), at(9), at(10))
    assert [e.text() for e in result.errors] == ["A visit that is en route cannot be moved on the board."]


def test_after_the_deadline_and_before_the_parts_are_warnings() -> None:
    result = check_move(visit(deadline=at(10), earliest=at(12)), target(), at(10, 30), at(11, 30))
    assert result.allowed
    assert [w.text() for w in result.warnings] == [
        "It starts after the SLA on-site deadline (2026-11-24T10:00+00:00).",
        "It starts before the parts can be there (2026-11-24T12:00+00:00).",
    ]


def test_filling_the_break_window_warns() -> None:
    lunch = Booked(3, "WO-3 #1", at(12), at(13))
    result = check_move(visit(), target(booked=[lunch]), at(13), at(13, 30))
    assert codes(result.warnings) == ["break"]
    # 45 minutes remain between 13:15 and 14:00 when the visit ends at 13:15
    assert check_move(visit(), target(booked=[lunch]), at(13), at(13, 15)).warnings == ()


def test_an_end_before_the_start_is_the_only_error() -> None:
    result = check_move(visit(skills={"x": 1}), target(), at(10), at(9))
    assert [e.text() for e in result.errors] == ["The visit must end after it starts."]


@given(
    start=st.integers(min_value=0, max_value=24 * 60 - 1),
    minutes=st.integers(min_value=1, max_value=600),
    others=st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(1, 240)), max_size=5),
)
def test_an_allowed_move_never_overlaps_and_fits_a_shift(
    start: int, minutes: int, others: list[tuple[int, int]]
) -> None:
    midnight = at(0)
    begin = midnight + timedelta(minutes=start)
    end = begin + timedelta(minutes=minutes)
    booked = [
        Booked(100 + i, f"B{i}", midnight + timedelta(minutes=s), midnight + timedelta(minutes=s + d))
        for i, (s, d) in enumerate(others)
    ]
    result = check_move(visit(), target(booked=booked), begin, end)
    if result.allowed:
        assert DAY.start <= begin and end <= DAY.end
        assert all(not (b.start < end and begin < b.end) for b in booked)
