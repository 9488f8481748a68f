"""Pure telemetry rules: payload validation, rule evaluation with hysteresis and windows, episodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournevis.core.errors import InvalidInput
from tournevis.telemetry import domain
from tournevis.telemetry.domain import Action, BadPayload, Kind, Operator, Outcome, Point, Rule

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
TOPIC = "tournevis/dev-1/telemetry"


def raw(**fields: object) -> bytes:
    body = {"device": "dev-1", "seq": 1, "time": "2026-03-09T10:00:00+01:00", "readings": {"t": 20}}
    body.update(fields)
    return json.dumps(body).encode()


def test_a_valid_payload_is_parsed_with_an_aware_time_and_float_values():
    parsed = domain.parse_payload(TOPIC, raw(error_code=" E42 "))
    assert parsed == domain.Payload("dev-1", 1, T0, {"t": 20.0}, "E42")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "invalid_json"),
        (b"[1]", "invalid_payload"),
        (raw(seq=-1), "invalid_payload"),
        (raw(seq=True), "invalid_payload"),
        (raw(seq="1"), "invalid_payload"),
        (raw(time="yesterday"), "invalid_payload"),
        (raw(time="2026-03-09T10:00:00"), "invalid_payload"),
        (raw(readings=[1]), "invalid_payload"),
        (raw(readings={"t": None}), "invalid_payload"),
        (raw(readings={"t": True}), "invalid_payload"),
        (raw(readings={"bad metric": 1}), "invalid_payload"),
        (raw(error_code=5), "invalid_payload"),
        (raw(device="Dev 1"), "invalid_payload"),
        (raw(device="dev-2"), "topic_mismatch"),
    ],
)
def test_a_bad_payload_names_its_counter_reason(body, reason):
    with pytest.raises(BadPayload) as caught:
        domain.parse_payload(TOPIC, body)
    assert caught.value.reason == reason


def test_nan_is_not_a_reading():
    with pytest.raises(BadPayload):
        domain.parse_payload(
            TOPIC, b'{"device":"dev-1","seq":1,"time":"2026-03-09T09:00:00Z","readings":{"t":NaN}}'
        )


HOT = Rule(Kind.THRESHOLD, "t", Operator.GT, 80.0, clear_value=75.0)


@pytest.mark.parametrize(
    ("value", "episode_open", "outcome"),
    [
        (81, False, Outcome.BREACH),
        (80, False, Outcome.CLEAR),
        (78, False, Outcome.CLEAR),
        (78, True, Outcome.BREACH),  # hysteresis: still hot until 75
        (75, True, Outcome.CLEAR),
        (74, True, Outcome.CLEAR),
    ],
)
def test_threshold_with_hysteresis(value, episode_open, outcome):
    assert domain.evaluate(HOT, T0, {"t": value}, episode_open=episode_open) == (outcome, float(value))


def test_a_reading_without_the_metric_says_nothing():
    assert domain.evaluate(HOT, T0, {"other": 1}) == (Outcome.UNKNOWN, None)


def test_rate_is_the_change_per_minute_since_the_oldest_reading_of_the_window():
    rule = Rule(Kind.RATE, "t", Operator.GE, 1.0, window_minutes=10)
    window = [
        Point(T0 - timedelta(minutes=30), 0.0),  # outside the window
        Point(T0 - timedelta(minutes=10), 50.0),
        Point(T0 - timedelta(minutes=5), 55.0),
    ]
    assert domain.evaluate(rule, T0, {"t": 60.0}, window=window) == (Outcome.BREACH, 1.0)
    assert domain.evaluate(rule, T0, {"t": 59.0}, window=window) == (Outcome.CLEAR, 0.9)
    assert domain.evaluate(rule, T0, {"t": 60.0}, window=window[:1]) == (Outcome.UNKNOWN, None)


def test_error_code_rule_with_and_without_a_code():
    any_code = Rule(Kind.ERROR_CODE, "", Operator.GT, 0.0)
    jam = Rule(Kind.ERROR_CODE, "", Operator.GT, 0.0, error_code="JAM")
    assert domain.evaluate(any_code, T0, {}, "E1")[0] == Outcome.BREACH
    assert domain.evaluate(any_code, T0, {}, "")[0] == Outcome.CLEAR
    assert domain.evaluate(jam, T0, {}, "E1")[0] == Outcome.CLEAR
    assert domain.evaluate(jam, T0, {}, "JAM")[0] == Outcome.BREACH


def test_episode_steps():
    assert domain.step(False, Outcome.BREACH) == Action.OPEN
    assert domain.step(True, Outcome.BREACH) == Action.EXTEND
    assert domain.step(True, Outcome.CLEAR) == Action.CLOSE
    assert domain.step(False, Outcome.CLEAR) == Action.NONE
    assert domain.step(True, Outcome.UNKNOWN) == Action.NONE


@given(st.lists(st.floats(min_value=-1000, max_value=1000), min_size=1, max_size=60))
def test_a_sequence_of_readings_opens_one_episode_per_breach_run(values):
    """Without hysteresis, episodes opened = runs of consecutive breaching readings."""
    rule = Rule(Kind.THRESHOLD, "t", Operator.GT, 100.0)
    opened, episode_open = 0, False
    for value in values:
        outcome, _ = domain.evaluate(rule, T0, {"t": value}, episode_open=episode_open)
        action = domain.step(episode_open, outcome)
        opened += action == Action.OPEN
        episode_open = action in (Action.OPEN, Action.EXTEND)
    runs = sum(1 for i, v in enumerate(values) if v > 100 and (i == 0 or values[i - 1] <= 100))
    assert opened == runs


def test_peak_follows_the_direction_of_the_operator():
    assert domain.peak(Operator.GT, 90.0, 85.0) == 90.0
    assert domain.peak(Operator.LT, 3.0, 1.0) == 1.0
    assert domain.peak(Operator.GE, None, 7.0) == 7.0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "threshold", "metric": "t", "value": 1}, "title"),
        ({"kind": "nope", "title": "x"}, "kind"),
        ({"kind": "threshold", "title": "x", "value": 1}, "metric"),
        ({"kind": "threshold", "title": "x", "metric": "t"}, "value"),
        ({"kind": "threshold", "title": "x", "metric": "t", "value": 80, "clear_value": 85}, "clear_value"),
        ({"kind": "rate", "title": "x", "metric": "t", "value": 1}, "window_minutes"),
        ({"kind": "threshold", "title": "x", "metric": "t", "value": 1, "operator": "=="}, "operator"),
        ({"kind": "threshold", "title": "x", "metric": "t", "value": 1, "priority": "P9"}, "priority"),
    ],
)
def test_a_bad_rule_names_the_field(data, field):
    with pytest.raises(InvalidInput) as caught:
        domain.clean_rule(data)
    assert caught.value.field == field


def test_an_error_code_rule_keeps_no_metric_or_window():
    cleaned = domain.clean_rule(
        {"kind": "error_code", "title": "Jam", "error_code": "JAM", "metric": "t", "window_minutes": 5}
    )
    assert (cleaned["metric"], cleaned["window_minutes"], cleaned["error_code"], cleaned["priority"]) == (
        "",
        0,
        "JAM",
        "P3",
    )
