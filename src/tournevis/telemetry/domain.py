"""Pure telemetry rules: payload parsing, alert-rule evaluation, episodes. No Django, no I/O.

- A payload is ``{"device": slug, "seq": int, "time": ISO-8601 with offset, "readings": {metric:
  number}, "error_code": optional str}``; ``parse_payload`` returns a ``Payload`` or raises
  ``BadPayload`` with the counter reason (``invalid_json``, ``invalid_payload``, ``topic_mismatch``).
- A rule is *breached* by a reading (threshold: ``value <op> rule.value``; rate: change per minute
  since the oldest reading of the window ``<op> rule.value``; error code: the reading carries that
  code, or any code when the rule names none). While an episode is open the condition holds with the
  ``clear_value`` instead of ``value`` (hysteresis); it clears when it no longer holds.
- ``step(open_episode, outcome)`` says what to do: open an episode (one ticket), extend it, close it,
  or nothing. One ticket per episode, not per message.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tournevis.core.errors import InvalidInput, gettext_noop

TOPIC_FILTER = "tournevis/+/telemetry"
_TOPIC = re.compile(r"^tournevis/([^/]+)/telemetry$")
DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
METRIC = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_METRICS = 100
MAX_SEQ = 2**63 - 1


class Kind(StrEnum):
    THRESHOLD = "threshold"
    RATE = "rate"
    ERROR_CODE = "error_code"


class Operator(StrEnum):
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Outcome(StrEnum):
    BREACH = "breach"
    CLEAR = "clear"
    UNKNOWN = "unknown"  # the reading says nothing about this rule (metric absent, no window yet)


class Action(StrEnum):
    OPEN = "open"
    EXTEND = "extend"
    CLOSE = "close"
    NONE = "none"


class BadPayload(ValueError):
    """A message that cannot be stored; ``reason`` is the intake counter's reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Payload:
    device: str
    seq: int
    at: datetime
    values: dict[str, float]
    error_code: str = ""


def device_of_topic(topic: str) -> str | None:
    match = _TOPIC.match(topic)
    return match.group(1) if match else None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_payload(topic: str, raw: bytes) -> Payload:
    """Validate one MQTT message of ``tournevis/<device>/telemetry``."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadPayload("invalid_json", f"{topic}: {exc}") from None
    if not isinstance(data, dict):
        raise BadPayload("invalid_payload", f"{topic}: not a JSON object")
    device, seq, time, readings = (data.get(k) for k in ("device", "seq", "time", "readings"))
    if not isinstance(device, str) or not DEVICE_ID.match(device):
        raise BadPayload("invalid_payload", f"{topic}: device must be a slug")
    if device != device_of_topic(topic):
        raise BadPayload("topic_mismatch", f"{topic}: payload device {device}")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise BadPayload("invalid_payload", f"{topic}: seq must be a non-negative integer")
    try:
        at = datetime.fromisoformat(time) if isinstance(time, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise BadPayload("invalid_payload", f"{topic}: time must be ISO-8601 with an offset")
    if not isinstance(readings, dict) or len(readings) > MAX_METRICS:
        raise BadPayload("invalid_payload", f"{topic}: readings must be an object of at most 100 metrics")
    for metric, value in readings.items():
        if not METRIC.match(metric) or not _number(value):
            raise BadPayload("invalid_payload", f"{topic}: reading {metric[:64]!r} must be a finite number")
    error_code = data.get("error_code") or ""
    if not isinstance(error_code, str) or len(error_code) > 64:
        raise BadPayload("invalid_payload", f"{topic}: error_code must be a string of at most 64 characters")
    return Payload(device, seq, at, {k: float(v) for k, v in readings.items()}, error_code.strip())


@dataclass(frozen=True)
class Rule:
    kind: Kind
    metric: str
    operator: Operator
    value: float
    window_minutes: int = 0
    clear_value: float | None = None
    error_code: str = ""


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float


def compare(left: float, operator: Operator, right: float) -> bool:
    if operator == Operator.GT:
        return left > right
    if operator == Operator.GE:
        return left >= right
    if operator == Operator.LT:
        return left < right
    return left <= right


def measure(
    rule: Rule, at: datetime, values: Mapping[str, float], window: Sequence[Point] = ()
) -> float | None:
    """The number the rule compares: the metric's value, or its change per minute across the window
    (``window``: earlier readings of the metric, any order; those older than the window are ignored)."""
    if rule.metric not in values:
        return None
    current = values[rule.metric]
    if rule.kind == Kind.THRESHOLD:
        return current
    start = at - timedelta(minutes=rule.window_minutes)
    earlier = [p for p in window if start <= p.at < at]
    if not earlier:
        return None
    oldest = min(earlier, key=lambda p: p.at)
    minutes = (at - oldest.at).total_seconds() / 60
    return (current - oldest.value) / minutes


def evaluate(
    rule: Rule,
    at: datetime,
    values: Mapping[str, float],
    error_code: str = "",
    window: Sequence[Point] = (),
    episode_open: bool = False,
) -> tuple[Outcome, float | None]:
    """Breach or clear for one reading, and the measured value (None for error codes)."""
    if rule.kind == Kind.ERROR_CODE:
        hit = bool(error_code) and (not rule.error_code or error_code == rule.error_code)
        return (Outcome.BREACH if hit else Outcome.CLEAR), None
    measured = measure(rule, at, values, window)
    if measured is None:
        return Outcome.UNKNOWN, None
    limit = rule.clear_value if episode_open and rule.clear_value is not None else rule.value
    return (Outcome.BREACH if compare(measured, rule.operator, limit) else Outcome.CLEAR), measured


def step(episode_open: bool, outcome: Outcome) -> Action:
    """Episode state machine: a breach opens one episode (one ticket) or extends the open one; a clear
    closes it; an unknown reading changes nothing."""
    if outcome == Outcome.BREACH:
        return Action.EXTEND if episode_open else Action.OPEN
    if outcome == Outcome.CLEAR and episode_open:
        return Action.CLOSE
    return Action.NONE


def peak(operator: Operator, old: float | None, new: float | None) -> float | None:
    """The worst value of an episode: the highest for > and >=, the lowest for < and <=."""
    if new is None:
        return old
    if old is None:
        return new
    return max(old, new) if operator in (Operator.GT, Operator.GE) else min(old, new)


def clean_rule(data: Mapping[str, object]) -> dict[str, object]:
    """Validate the fields of an alert rule (a complete set: the service merges a patch first)."""
    kind = _choice(data.get("kind"), Kind, "kind")
    operator = _choice(data.get("operator") or Operator.GT.value, Operator, "operator")
    priority = _choice(data.get("priority") or Priority.P3.value, Priority, "priority")
    metric = str(data.get("metric") or "").strip()
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(gettext_noop("A title of 1 to 200 characters is required."), field="title")
    window = data.get("window_minutes") or 0
    if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 7 * 1440:
        raise InvalidInput(gettext_noop("The window is 0 to 10080 minutes."), field="window_minutes")
    error_code = str(data.get("error_code") or "").strip()
    value, clear_value = data.get("value"), data.get("clear_value")
    if kind != Kind.ERROR_CODE:
        if not METRIC.match(metric):
            raise InvalidInput(
                gettext_noop("A metric name is required (letters, digits, _ . -)."), field="metric"
            )
        if not _number(value):
            raise InvalidInput(gettext_noop("A numeric value is required."), field="value")
        if clear_value is not None and not _number(clear_value):
            raise InvalidInput(gettext_noop("A numeric value is required."), field="clear_value")
        if clear_value is not None and compare(float(clear_value), operator, float(value)):  # type: ignore[arg-type]
            raise InvalidInput(
                gettext_noop("The clear value must lie on the safe side of the value."), field="clear_value"
            )
    if kind == Kind.RATE and window < 1:
        raise InvalidInput(
            gettext_noop("A rate rule needs a window of at least 1 minute."), field="window_minutes"
        )
    if len(error_code) > 64:
        raise InvalidInput(gettext_noop("An error code has at most 64 characters."), field="error_code")
    return {
        "kind": kind,
        "metric": metric if kind != Kind.ERROR_CODE else "",
        "operator": operator,
        "value": float(value) if _number(value) else 0.0,  # type: ignore[arg-type]
        "clear_value": float(clear_value) if kind != Kind.ERROR_CODE and clear_value is not None else None,  # type: ignore[arg-type]
        "window_minutes": window if kind == Kind.RATE else 0,
        "error_code": error_code if kind == Kind.ERROR_CODE else "",
        "priority": priority,
        "title": title,
    }


def _choice(value: object, enum: type[StrEnum], field: str) -> str:
    try:
        return enum(str(value)).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("%(value)s is not a valid %(name)s."), field=field, name=field, value=value
        ) from None


def clean_device_id(value: object) -> str:
    text = str(value or "").strip()
    if not DEVICE_ID.match(text):
        raise InvalidInput(
            gettext_noop("A device id is 1 to 64 lower-case letters, digits, _ . or -."), field="device_id"
        )
    return text
