"""Pure scheduling of preventive-maintenance plans. No Django.

Calendar plans: occurrence ``k`` (k ≥ 0) falls on ``start + k * N`` days, weeks or months. Months are
always counted from the start date, never from the previous occurrence, and clamped to the month's last
day: a plan starting on January 31 is due on Feb 28 (29), Mar 31, Apr 30, ...

Counter plans: thresholds are the multiples of N strictly above the first reading (10,000 with
N = 5,000 → 15,000, 20,000, ...). A reading that reaches one or more thresholds makes the highest of
them due on its day (overdue when that day is past; one visit, not one per threshold jumped). The next
threshold not reached yet is due on the day the counter is estimated to reach it, by linear
extrapolation of the last two readings (rounded up to a whole day); with fewer than two readings, or a
counter that did not advance, it has no estimate and nothing is due. Each threshold is one occurrence,
keyed by its value, so a reading that later confirms an estimated threshold does not make it due twice.
The generator passes the last reading before the plan's start (the baseline) and those from it on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from tournevis.contracts.domain import add_months
from tournevis.core.errors import InvalidInput, gettext_noop
from tournevis.installed_base.domain import clean_attribute_key


class Unit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    COUNTER = "counter"


MAX_TOLERANCE_DAYS = 365
MAX_INTERVAL = {Unit.DAYS: 3660, Unit.WEEKS: 520, Unit.MONTHS: 120, Unit.COUNTER: 10**12}


@dataclass(frozen=True)
class Occurrence:
    key: str  # unique within a plan and object: the due date (calendar) or the threshold (counter)
    due: date


@dataclass(frozen=True)
class Reading:
    day: date
    value: float


def occurrence_date(start: date, unit: str, every: int, k: int) -> date:
    if unit == Unit.DAYS:
        return start + timedelta(days=k * every)
    if unit == Unit.WEEKS:
        return start + timedelta(weeks=k * every)
    if unit == Unit.MONTHS:
        return add_months(start, k * every)
    raise ValueError(f"not a calendar unit: {unit}")


def calendar_occurrences(
    start: date, unit: str, every: int, since: date, until: date
) -> Iterator[Occurrence]:
    """Occurrences of a calendar plan due in [since, until], in increasing order."""
    if every <= 0:
        raise ValueError("every must be positive")
    k = 0
    if unit == Unit.DAYS or unit == Unit.WEEKS:
        step = every * (7 if unit == Unit.WEEKS else 1)
        k = max((since - start).days // step, 0)
    elif unit == Unit.MONTHS:
        k = max(((since.year - start.year) * 12 + since.month - start.month) // every - 1, 0)
    while True:
        day = occurrence_date(start, unit, every, k)
        if day > until:
            return
        if day >= since:
            yield Occurrence(day.isoformat(), day)
        k += 1


def _ceil_div(a: float, b: float) -> int:
    return int(-(-a // b))


def counter_occurrences(readings: Iterable[Reading], every: int, until: date) -> list[Occurrence]:
    """Occurrences of a counter plan (see the module's docstring), due on or before ``until``."""
    if every <= 0:
        raise ValueError("every must be positive")
    rows = sorted(readings, key=lambda r: r.day)
    if not rows:
        return []
    threshold = (int(rows[0].value // every) + 1) * every
    found: list[Occurrence] = []
    for row in rows[1:]:
        if row.value >= threshold:
            reached = int(row.value // every) * every
            if row.day <= until:
                found.append(Occurrence(f"counter:{reached}", row.day))
            threshold = reached + every
    if len(rows) >= 2:
        previous, last = rows[-2], rows[-1]
        rise, days = last.value - previous.value, (last.day - previous.day).days
        if rise > 0 and days > 0:
            due = last.day + timedelta(days=_ceil_div((threshold - last.value) * days, rise))
            if due <= until:
                found.append(Occurrence(f"counter:{threshold}", due))
    return found


def window(due: date, before_days: int, after_days: int) -> tuple[date, date]:
    return due - timedelta(days=before_days), due + timedelta(days=after_days)


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            gettext_noop("A whole number from %(low)s to %(high)s is expected."),
            field=field,
            low=low,
            high=high,
        )
    return value


def clean_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a plan's own fields (targets and coverage are checked by the service)."""
    out: dict[str, Any] = {}
    if "unit" in data:
        try:
            out["unit"] = Unit(data["unit"]).value
        except ValueError:
            raise InvalidInput(
                gettext_noop("Unit must be one of %(choices)s."),
                field="unit",
                choices=", ".join(u.value for u in Unit),
            ) from None
    if "every" in data:
        unit = Unit(out.get("unit", data.get("unit") or Unit.DAYS))
        out["every"] = _int(data["every"], "every", 1, MAX_INTERVAL[unit])
    if "counter_key" in data:
        key = data["counter_key"] or ""
        out["counter_key"] = clean_attribute_key(key, field="counter_key") if key else ""
    for name in ("tolerance_before_days", "tolerance_after_days"):
        if name in data:
            out[name] = _int(data[name], name, 0, MAX_TOLERANCE_DAYS)
    if "start_date" in data:
        if not isinstance(data["start_date"], date):
            raise InvalidInput(gettext_noop("A date is expected (e.g. 2026-01-31)."), field="start_date")
        out["start_date"] = data["start_date"]
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise InvalidInput(gettext_noop("A boolean is expected."), field="active")
        out["active"] = data["active"]
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name or len(name) > 200:
            raise InvalidInput(gettext_noop("A name of at most 200 characters is required."), field="name")
        out["name"] = name
    return out


def check_plan(unit: str, counter_key: str, has_object: bool, has_category: bool) -> None:
    """Rules across fields of the resulting plan."""
    if has_object == has_category:
        raise InvalidInput(
            gettext_noop("A plan targets either one service object or one equipment category."),
            field="service_object_id",
        )
    if unit == Unit.COUNTER and not counter_key:
        raise InvalidInput(
            gettext_noop("A counter plan needs the counter's attribute key."), field="counter_key"
        )
    if unit != Unit.COUNTER and counter_key:
        raise InvalidInput(gettext_noop("Only a counter plan has a counter key."), field="counter_key")
