"""SLA clocks replayed from their event log against a business calendar (Paris, split days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournevis.contracts.clocks import (
    ClockEvent,
    ClockKind,
    ClockState,
    EscalationAction,
    EscalationLevel,
    due_escalations,
    escalation_at,
    evaluate,
    next_update_deadline,
    update_clock_events,
    warning_at,
    warning_due,
)
from tournevis.core.business_time import WEEKDAYS, Calendar
from tournevis.core.errors import InvalidInput

PARIS = ZoneInfo("Europe/Paris")
OFFICE = Calendar("Europe/Paris", {day: [("08:00", "12:00"), ("13:30", "18:00")] for day in WEEKDAYS[:5]})
H = timedelta(hours=1)
M = timedelta(minutes=1)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


START = paris(2025, 3, 5, 9)  # Wednesday 09:00 Paris (08:00 UTC)


def start(target: timedelta = 4 * H) -> ClockEvent:
    return ClockEvent(START, "start", target)


def test_enums_have_stable_values():
    assert [k.value for k in ClockKind] == ["response", "onsite", "resolution", "update"]
    assert [s.value for s in ClockState] == ["running", "paused", "met", "breached"]


def test_a_running_clock():
    status = evaluate(OFFICE, [start()], paris(2025, 3, 5, 11))
    assert status.state is ClockState.RUNNING
    assert status.deadline == utc(2025, 3, 5, 13, 30)  # 09:00 + 3 h morning + 1 h after lunch = 14:30
    assert (status.consumed, status.remaining) == (2 * H, 2 * H)
    assert (status.breached_at, status.met_at, status.stopped_at) == (None, None, None)


def test_a_running_clock_past_its_deadline_is_breached_at_the_deadline():
    status = evaluate(OFFICE, [start()], paris(2025, 3, 5, 16))
    assert status.state is ClockState.BREACHED
    assert status.breached_at == status.deadline == utc(2025, 3, 5, 13, 30)
    assert status.remaining == -timedelta(hours=1, minutes=30)
    at_deadline = evaluate(OFFICE, [start()], paris(2025, 3, 5, 14, 30))
    assert (at_deadline.state, at_deadline.remaining) == (ClockState.RUNNING, timedelta(0))


def test_stop_before_or_at_the_deadline_is_met_and_after_is_breached():
    met = evaluate(OFFICE, [start(), ClockEvent(paris(2025, 3, 5, 14, 30), "stop")], paris(2025, 3, 9))
    assert (met.state, met.met_at, met.remaining) == (ClockState.MET, utc(2025, 3, 5, 13, 30), timedelta(0))
    late = evaluate(OFFICE, [start(), ClockEvent(paris(2025, 3, 5, 15), "stop")], paris(2025, 3, 9))
    assert (late.state, late.breached_at, late.met_at) == (ClockState.BREACHED, utc(2025, 3, 5, 13, 30), None)
    assert (late.stopped_at, late.consumed, late.remaining) == (utc(2025, 3, 5, 14), 4 * H + 30 * M, -30 * M)


def test_pauses_extend_the_deadline_by_the_paused_business_time():
    events = [
        start(),
        ClockEvent(paris(2025, 3, 5, 10), "pause"),
        ClockEvent(paris(2025, 3, 5, 15), "resume"),  # 2 h + 1.5 h of business time paused
    ]
    status = evaluate(OFFICE, events, paris(2025, 3, 5, 16))
    assert status.state is ClockState.RUNNING
    assert status.deadline == utc(2025, 3, 5, 17)  # 1 h before the pause, 3 h from 15:00 → 18:00 Paris
    assert status.consumed == 2 * H
    assert status.pauses == ((utc(2025, 3, 5, 9), utc(2025, 3, 5, 14)),)


def test_a_clock_paused_now_reports_the_deadline_as_if_resumed_now():
    events = [start(), ClockEvent(paris(2025, 3, 5, 10), "pause")]
    status = evaluate(OFFICE, events, paris(2025, 3, 5, 11))
    assert (status.state, status.paused_since) == (ClockState.PAUSED, utc(2025, 3, 5, 9))
    assert status.deadline == utc(2025, 3, 5, 14, 30)  # 1 h consumed, 3 h from 11:00 → 15:30
    later = evaluate(OFFICE, events, paris(2025, 3, 6, 9))  # paused past the original deadline
    assert (later.state, later.consumed, later.breached_at) == (ClockState.PAUSED, H, None)
    assert later.deadline == utc(2025, 3, 6, 11)  # Thursday 09:00 + 3 h → 12:00 Paris


def test_repeated_pause_or_resume_and_events_after_now_or_stop_are_ignored():
    events = [
        start(),
        ClockEvent(paris(2025, 3, 5, 10), "pause"),
        ClockEvent(paris(2025, 3, 5, 10, 30), "pause"),
        ClockEvent(paris(2025, 3, 5, 11), "resume"),
        ClockEvent(paris(2025, 3, 5, 11, 30), "resume"),
        ClockEvent(paris(2025, 3, 5, 12), "stop"),
        ClockEvent(paris(2025, 3, 5, 12, 1), "retarget", H),
        ClockEvent(paris(2025, 3, 9), "pause"),
    ]
    status = evaluate(OFFICE, events, paris(2025, 3, 7))
    assert (status.state, status.consumed, status.target) == (ClockState.MET, 2 * H, 4 * H)
    assert status.pauses == ((utc(2025, 3, 5, 9), utc(2025, 3, 5, 10)),)


def test_retarget_after_a_priority_change_keeps_the_consumed_time():
    raised = [start(8 * H), ClockEvent(paris(2025, 3, 5, 11), "retarget", 3 * H)]
    status = evaluate(OFFICE, raised, paris(2025, 3, 5, 11, 30))
    assert (status.target, status.consumed, status.remaining) == (3 * H, 2.5 * H, 30 * M)
    assert status.deadline == utc(2025, 3, 5, 11)  # 12:00 Paris
    lowered = [start(2 * H), ClockEvent(paris(2025, 3, 5, 10), "retarget", 8 * H)]
    assert evaluate(OFFICE, lowered, paris(2025, 3, 5, 16)).state is ClockState.RUNNING


def test_retarget_below_the_consumed_time_breaches_at_the_retarget_not_before():
    events = [start(8 * H), ClockEvent(paris(2025, 3, 5, 15), "retarget", 2 * H)]
    status = evaluate(OFFICE, events, paris(2025, 3, 5, 16))
    assert (status.state, status.deadline) == (ClockState.BREACHED, utc(2025, 3, 5, 10))
    assert status.breached_at == utc(2025, 3, 5, 14)


def test_a_breach_is_final():
    events = [start(H), ClockEvent(paris(2025, 3, 5, 11), "retarget", 8 * H)]
    status = evaluate(OFFICE, events, paris(2025, 3, 5, 12))
    assert (status.state, status.target, status.breached_at) == (ClockState.BREACHED, H, utc(2025, 3, 5, 9))


def test_ties_keep_the_given_order_and_history_replays_with_another_calendar():
    at = paris(2025, 3, 5, 10)
    events = [start(), ClockEvent(at, "pause"), ClockEvent(at, "resume")]
    assert evaluate(OFFICE, events, paris(2025, 3, 5, 11)).state is ClockState.RUNNING
    flipped = [start(), ClockEvent(at, "resume"), ClockEvent(at, "pause")]
    assert evaluate(OFFICE, flipped, paris(2025, 3, 5, 11)).state is ClockState.PAUSED
    shuffled = [ClockEvent(paris(2025, 3, 5, 12), "stop"), start()]
    assert evaluate(Calendar.always_open("Europe/Paris"), shuffled, paris(2025, 3, 6)).consumed == 3 * H


def test_malformed_logs_are_rejected():
    with pytest.raises(ValueError, match="start"):
        evaluate(OFFICE, [], paris(2025, 3, 6))
    with pytest.raises(ValueError, match="start"):
        evaluate(OFFICE, [ClockEvent(START, "pause"), start()], paris(2025, 3, 6))
    with pytest.raises(ValueError, match="single start"):
        evaluate(OFFICE, [start(), start()], paris(2025, 3, 6))
    with pytest.raises(InvalidInput) as caught:
        evaluate(OFFICE, [ClockEvent(START, "start")], paris(2025, 3, 6))
    assert caught.value.field == "target"


def test_warnings_at_a_share_of_the_target():
    status = evaluate(OFFICE, [start()], paris(2025, 3, 5, 11))
    assert warning_at(OFFICE, status, 0.75) == utc(2025, 3, 5, 11)  # 3 h consumed at 12:00
    assert (warning_due(status, 0.5), warning_due(status, 0.75)) == (True, False)
    stopped = evaluate(OFFICE, [start(), ClockEvent(paris(2025, 3, 5, 12), "stop")], paris(2025, 3, 6))
    assert warning_due(stopped, 0.5) is False
    for share in (0, 1.5):
        with pytest.raises(InvalidInput) as caught:
            warning_due(status, share)
        assert caught.value.field == "warning_share"


def test_escalations_fire_at_their_offsets_from_the_deadline():
    levels = [
        EscalationLevel(H, EscalationAction.RAISE_PRIORITY, {"priority": "P1"}),
        EscalationLevel(-H, EscalationAction.NOTIFY_MANAGER),
        EscalationLevel(timedelta(0), EscalationAction.MOVE_QUEUE, {"queue": "level2"}),
    ]
    now = paris(2025, 3, 5, 14)  # 3.5 h consumed of 4 h
    status = evaluate(OFFICE, [start()], now)
    assert [level.action for level in due_escalations(status, levels)] == ["notify_manager"]
    later = evaluate(OFFICE, [start()], paris(2025, 3, 5, 16))
    assert [level.action for level in due_escalations(later, levels)] == [
        "notify_manager",
        "move_queue",
        "raise_priority",
    ]
    assert [escalation_at(OFFICE, status, level) for level in levels] == [
        utc(2025, 3, 5, 14, 30),
        utc(2025, 3, 5, 11),
        utc(2025, 3, 5, 13, 30),
    ]
    stopped = evaluate(OFFICE, [start(), ClockEvent(paris(2025, 3, 5, 17), "stop")], paris(2025, 3, 6))
    assert stopped.state is ClockState.BREACHED and due_escalations(stopped, levels) == []


def test_customer_update_cadence():
    assert next_update_deadline(OFFICE, paris(2025, 3, 7, 17), 2 * H) == utc(2025, 3, 10, 8)
    with pytest.raises(InvalidInput):
        next_update_deadline(OFFICE, START, timedelta(0))
    events = update_clock_events(START, [paris(2025, 3, 5, 11), paris(2025, 3, 5, 10)], 2 * H)
    status = evaluate(OFFICE, events, paris(2025, 3, 5, 14))  # cycle restarted at 11:00
    assert (status.state, status.deadline) == (ClockState.RUNNING, utc(2025, 3, 5, 13, 30))
    assert evaluate(OFFICE, events, paris(2025, 3, 5, 15)).state is ClockState.BREACHED


@given(
    st.lists(
        st.tuples(st.integers(0, 5 * 1440), st.sampled_from(["pause", "resume", "retarget", "stop"])),
        max_size=8,
    ),
    st.integers(60, 3000),
    st.integers(0, 6 * 1440),
)
def test_clock_invariants(steps, target_minutes, now_minutes):
    events = [start(target_minutes * M)] + [
        ClockEvent(START + m * M, kind, (target_minutes + m % 97) * M if kind == "retarget" else None)
        for m, kind in steps
    ]
    now = START + now_minutes * M
    status = evaluate(OFFICE, events, now)
    assert status.remaining == status.target - status.consumed
    assert status.consumed <= now - START
    if status.state is ClockState.BREACHED:
        assert status.remaining <= timedelta(0) and status.breached_at is not None
    if status.state is ClockState.MET:
        assert status.remaining >= timedelta(0) and status.met_at == status.stopped_at
    if status.state in (ClockState.RUNNING, ClockState.PAUSED):
        assert status.deadline >= now or status.state is ClockState.PAUSED or status.deadline == now
        assert status.remaining >= timedelta(0)
    assert evaluate(OFFICE, list(events), now) == status  # deterministic
