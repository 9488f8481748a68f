"""Pure rules of the workforce: enums, validation of technicians, skills, shifts and absences, and the
working windows of a technician computed from the weekly pattern, public holidays and approved
absences. No Django.

Working windows (:func:`working_windows`):

- A shift is a wall-clock range of one weekday in the technician's IANA time zone; ``end`` is after
  ``start`` on the same day (no overnight shifts in this version).
- Wall-clock times are turned into instants like ``core.business_time``: a time the clock shows twice
  (the autumn change) is taken at its first occurrence for a start and at its second for an end; a time
  the clock skips (the spring change) is the instant of the jump. So a 01:30-03:30 shift in
  Europe/Paris lasts 1 h on the spring night and 3 h on the autumn night; an 08:00-17:00 shift lasts
  9 h every day.
- No window on a public holiday (a local date) nor on a weekday without a shift.
- Approved absences are subtracted: an absence over part of a day truncates or splits that day's
  window. The break stays on a piece only if its whole window [break_earliest, break_latest] lies in
  that piece (and still holds ``break_minutes``); otherwise the piece has no break.
- Results are aware UTC datetimes, sorted, never overlapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pycountry

from tournevis.core.domain import (
    clean_country,
    clean_phone,
    clean_subdivision,
    clean_text,
    clean_timezone,
)
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop


class AbsenceKind(StrEnum):
    VACATION = "vacation"
    SICK = "sick"
    TRAINING = "training"
    MILITARY = "military"
    OTHER = "other"


class AbsenceStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


MIN_LEVEL = 1
MAX_LEVEL = 3
MAX_BREAK_MINUTES = 240
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,48}[a-z0-9])?$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Who decides: the next status of an absence for each decision, from each status it may leave.
_DECISIONS: dict[AbsenceStatus, frozenset[AbsenceStatus]] = {
    AbsenceStatus.APPROVED: frozenset({AbsenceStatus.REQUESTED}),
    AbsenceStatus.REFUSED: frozenset({AbsenceStatus.REQUESTED}),
    AbsenceStatus.CANCELLED: frozenset({AbsenceStatus.REQUESTED, AbsenceStatus.APPROVED}),
}


# --------------------------------------------------------------------------- value checks


def clean_code(value: str | None, field: str = "code") -> str:
    """A slug: lower-case letters, digits, ``-`` and ``_``; 1 to 50 characters."""
    code = (value or "").strip().lower()
    if not code:
        raise InvalidInput(gettext_noop("This field is required."), field=field)
    if not _SLUG.match(code):
        raise InvalidInput(
            gettext_noop("“%(value)s” is not a code: use lower-case letters, digits, “-” and “_”."),
            field=field,
            value=value,
        )
    return code


def clean_level(value: Any, field: str = "level") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_LEVEL <= value <= MAX_LEVEL:
        raise InvalidInput(
            gettext_noop("A skill level is a whole number from %(min)s to %(max)s."),
            field=field,
            min=MIN_LEVEL,
            max=MAX_LEVEL,
        )
    return value


def clean_skill_levels(value: Any, field: str = "skills") -> dict[str, int]:
    """``{"kiosk": 2, "atm": 3}``: skill codes to levels 1-3 (codes normalised to lower case)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(gettext_noop("Skills map skill codes to levels."), field=field)
    levels: dict[str, int] = {}
    for raw, level in value.items():
        code = clean_code(str(raw), field=f"{field}.{raw}")
        if code in levels:
            raise InvalidInput(
                gettext_noop("Skill “%(code)s” is given twice."), field=f"{field}.{raw}", code=code
            )
        levels[code] = clean_level(level, field=f"{field}.{raw}")
    return levels


def clean_languages(value: Any, field: str = "languages") -> list[str]:
    """ISO 639-1 codes (``["fr", "en"]``), lower case, without repeats, in the given order."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            gettext_noop('Languages are a list of ISO 639-1 codes, e.g. ["fr", "en"].'), field=field
        )
    out: list[str] = []
    for raw in value:
        code = raw.strip().lower()
        if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
            raise InvalidInput(
                gettext_noop("“%(value)s” is not an ISO 639-1 language code (e.g. fr, en, nl)."),
                field=field,
                value=raw,
            )
        if code not in out:
            out.append(code)
    return out


def clean_coordinate(value: Any, field: str, *, limit: int) -> float:
    if value is None or value == "":
        raise InvalidInput(gettext_noop("This field is required."), field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(gettext_noop("A number is expected."), field=field) from None
    if not -limit <= number <= limit:
        raise InvalidInput(
            gettext_noop("Must be between -%(limit)s and %(limit)s."), field=field, limit=limit
        )
    return round(number, 6)


def clean_email(value: str | None, field: str = "email") -> str:
    value = (value or "").strip()
    if value and (len(value) > 254 or not _EMAIL.match(value)):
        raise InvalidInput(gettext_noop("“%(value)s” is not an e-mail address."), field=field, value=value)
    return value


def clean_technician(data: Mapping[str, Any], *, country_hint: str | None = None) -> dict[str, Any]:
    """Validate and normalise the plain technician fields present in ``data`` (partial updates allowed).

    ``country_hint`` is the holiday country already stored, used to check a subdivision or to read a
    national phone number when ``data`` does not give the country.
    """
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "email" in data:
        out["email"] = clean_email(data["email"])
    if "home_address" in data:
        out["home_address"] = clean_text(data["home_address"], "home_address", max_length=300)
    if "home_latitude" in data:
        out["home_latitude"] = clean_coordinate(data["home_latitude"], "home_latitude", limit=90)
    if "home_longitude" in data:
        out["home_longitude"] = clean_coordinate(data["home_longitude"], "home_longitude", limit=180)
    if "timezone" in data:
        out["timezone"] = clean_timezone(data["timezone"])
    if "holiday_country" in data:
        out["holiday_country"] = clean_country(data["holiday_country"], field="holiday_country")
    country = out.get("holiday_country", country_hint)
    if "holiday_subdivision" in data:
        subdivision = data["holiday_subdivision"] or ""
        if subdivision and not country:
            raise InvalidInput(gettext_noop("Give the holiday country first."), field="holiday_subdivision")
        out["holiday_subdivision"] = (
            clean_subdivision(country or "", subdivision, field="holiday_subdivision") if subdivision else ""
        )
    elif "holiday_country" in out and country_hint is not None and out["holiday_country"] != country_hint:
        out["holiday_subdivision"] = ""  # the stored subdivision belonged to the previous country
    if "phone" in data:
        out["phone"] = clean_phone(data["phone"], region=country)
    if "languages" in data:
        out["languages"] = clean_languages(data["languages"])
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise InvalidInput(gettext_noop("True or false is expected."), field="active")
        out["active"] = data["active"]
    return out


# --------------------------------------------------------------------------- shifts


@dataclass(frozen=True)
class ShiftDay:
    """One day of a weekly pattern, wall-clock times in the technician's time zone (Monday = 0)."""

    weekday: int
    start: time
    end: time
    break_earliest: time | None = None
    break_latest: time | None = None
    break_minutes: int = 0


class ShiftLike(Protocol):
    @property
    def weekday(self) -> int: ...
    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...
    @property
    def break_earliest(self) -> time | None: ...
    @property
    def break_latest(self) -> time | None: ...
    @property
    def break_minutes(self) -> int: ...


class AbsenceLike(Protocol):
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def status(self) -> str: ...


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def clean_time(value: Any, field: str, *, required: bool = True) -> time | None:
    """``"08:30"`` or a ``time`` (seconds dropped); None/"" only when not required."""
    if value is None or value == "":
        if required:
            raise InvalidInput(gettext_noop("This field is required."), field=field)
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = _HHMM.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not a time of day: use HH:MM, e.g. 08:30."), field=field, value=value
        )
    return time(int(match.group(1)), int(match.group(2)))


def clean_weekday(value: Any, field: str = "weekday") -> int:
    """0 (Monday) to 6 (Sunday), or ``mon`` … ``sun``."""
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise InvalidInput(gettext_noop("A weekday is 0 (Monday) to 6 (Sunday), or mon … sun."), field=field)
    return value


def clean_shift(data: Mapping[str, Any], field: str = "") -> ShiftDay:
    """One day of the pattern: ``{"weekday": 0, "start": "08:00", "end": "17:00", "break_earliest":
    "12:00", "break_latest": "14:00", "break_minutes": 45}``. ``field`` prefixes error fields."""
    prefix = f"{field}." if field else ""
    if not isinstance(data, Mapping):
        raise InvalidInput(
            gettext_noop("A shift is an object with weekday, start and end."), field=field or "body"
        )
    unknown = sorted(
        set(data) - {"weekday", "start", "end", "break_earliest", "break_latest", "break_minutes"}
    )
    if unknown:
        raise InvalidInput(gettext_noop("Unknown field."), field=f"{prefix}{unknown[0]}")
    if "weekday" not in data:
        raise InvalidInput(gettext_noop("This field is required."), field=f"{prefix}weekday")
    weekday = clean_weekday(data["weekday"], f"{prefix}weekday")
    start = clean_time(data.get("start"), f"{prefix}start")
    end = clean_time(data.get("end"), f"{prefix}end")
    assert start is not None and end is not None
    if end <= start:
        raise InvalidInput(
            gettext_noop(
                "The shift ends at %(end)s, not after it starts (%(start)s); a shift ends on the day it "
                "starts (overnight shifts are not supported)."
            ),
            field=f"{prefix}end",
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
        )
    earliest = clean_time(data.get("break_earliest"), f"{prefix}break_earliest", required=False)
    latest = clean_time(data.get("break_latest"), f"{prefix}break_latest", required=False)
    minutes = data.get("break_minutes", 0)
    if minutes is None:
        minutes = 0
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_BREAK_MINUTES:
        raise InvalidInput(
            gettext_noop("A break lasts 0 to %(max)s minutes."),
            field=f"{prefix}break_minutes",
            max=MAX_BREAK_MINUTES,
        )
    if (earliest is None) != (latest is None):
        missing = "break_latest" if latest is None else "break_earliest"
        raise InvalidInput(
            gettext_noop("A break window needs both its earliest start and its latest end."),
            field=f"{prefix}{missing}",
        )
    if earliest is None or latest is None:
        if minutes:
            raise InvalidInput(
                gettext_noop("Give the window in which the break is taken."), field=f"{prefix}break_earliest"
            )
        return ShiftDay(weekday, start, end)
    if not minutes:
        raise InvalidInput(
            gettext_noop("Give the length of the break in minutes, or no break window."),
            field=f"{prefix}break_minutes",
        )
    if earliest < start:
        raise InvalidInput(
            gettext_noop("The break window starts before the shift (%(start)s)."),
            field=f"{prefix}break_earliest",
            start=start.strftime("%H:%M"),
        )
    if latest > end:
        raise InvalidInput(
            gettext_noop("The break window ends after the shift (%(end)s)."),
            field=f"{prefix}break_latest",
            end=end.strftime("%H:%M"),
        )
    if latest <= earliest:
        raise InvalidInput(
            gettext_noop("The break window ends before it starts."), field=f"{prefix}break_latest"
        )
    if minutes > _minutes(latest) - _minutes(earliest):
        raise InvalidInput(
            gettext_noop("A %(minutes)s-minute break does not fit between %(earliest)s and %(latest)s."),
            field=f"{prefix}break_minutes",
            minutes=minutes,
            earliest=earliest.strftime("%H:%M"),
            latest=latest.strftime("%H:%M"),
        )
    return ShiftDay(weekday, start, end, earliest, latest, minutes)


def clean_week(value: Any, field: str = "shifts") -> list[ShiftDay]:
    """A whole weekly pattern: at most one shift per weekday, sorted by weekday."""
    if not isinstance(value, list | tuple):
        raise InvalidInput(gettext_noop("A list of shifts is expected."), field=field)
    days: dict[int, ShiftDay] = {}
    for index, item in enumerate(value):
        shift = clean_shift(item, f"{field}.{index}")
        if shift.weekday in days:
            raise InvalidInput(
                gettext_noop("%(day)s has two shifts; give one shift per weekday."),
                field=f"{field}.{index}.weekday",
                day=WEEKDAYS[shift.weekday],
            )
        days[shift.weekday] = shift
    return [days[day] for day in sorted(days)]


# --------------------------------------------------------------------------- absences


def clean_kind(value: Any, field: str = "kind") -> AbsenceKind:
    try:
        return AbsenceKind(value)
    except ValueError:
        raise InvalidInput(
            gettext_noop("Kind must be one of %(choices)s."),
            field=field,
            choices=", ".join(k.value for k in AbsenceKind),
        ) from None


def clean_period(start: Any, end: Any) -> tuple[datetime, datetime]:
    """An absence's aware ``[start, end)``, returned in UTC; ``end`` after ``start``."""
    for value, field in ((start, "start"), (end, "end")):
        if not isinstance(value, datetime):
            raise InvalidInput(gettext_noop("A date and time is expected."), field=field)
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(
                gettext_noop("Give the time zone offset, e.g. 2026-03-02T08:00:00+01:00."), field=field
            )
    if end <= start:
        raise InvalidInput(gettext_noop("The absence ends before it starts."), field="end")
    return start.astimezone(UTC), end.astimezone(UTC)


def next_status(current: str, wanted: AbsenceStatus) -> AbsenceStatus:
    """The decision ``wanted`` on an absence in status ``current``, or Conflict."""
    if current not in _DECISIONS[wanted]:
        raise Conflict(
            gettext_noop("This absence is %(status)s; it cannot become %(wanted)s."),
            field="status",
            status=current,
            wanted=wanted.value,
        )
    return wanted


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


# --------------------------------------------------------------------------- working windows


@dataclass(frozen=True)
class Window:
    """A stretch of working time (UTC). The break of ``break_minutes`` is taken inside
    ``[break_earliest, break_latest]`` when they are set."""

    start: datetime
    end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_minutes: int = 0


@lru_cache(maxsize=8192)
def _local_to_utc(day: date, wall: time, zone: ZoneInfo, *, later: bool) -> datetime:
    """The instant a wall clock in ``zone`` shows ``wall`` on ``day`` (see module docstring). Cached:
    a team shares its time zone and shift hours, so a planning week repeats the same conversions."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return second if later and second.astimezone(zone).replace(tzinfo=None) == naive else first
    # Skipped by the clock: the jump lies in (min, max] of the two readings; find it to the second.
    lo, hi = min(first, second), max(first, second)
    after = hi.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi


def _subtract(
    start: datetime, end: datetime, holes: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` minus the sorted ``holes``."""
    pieces: list[tuple[datetime, datetime]] = []
    cursor = start
    for hole_start, hole_end in holes:
        if hole_end <= cursor:
            continue
        if hole_start >= end:
            break
        if hole_start > cursor:
            pieces.append((cursor, hole_start))
        cursor = max(cursor, hole_end)
        if cursor >= end:
            break
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def approved_periods(absences: Iterable[AbsenceLike]) -> list[tuple[datetime, datetime]]:
    """The approved absences as sorted, merged UTC ranges."""
    spans = sorted(
        (a.start.astimezone(UTC), a.end.astimezone(UTC))
        for a in absences
        if a.status == AbsenceStatus.APPROVED and a.end > a.start
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def working_windows(
    shifts: Iterable[ShiftLike],
    absences: Iterable[AbsenceLike],
    holidays: frozenset[date],
    timezone: str,
    first: date,
    last: date,
) -> list[Window]:
    """The technician's working windows for the local days ``first`` … ``last`` (inclusive), in UTC."""
    zone = ZoneInfo(timezone)
    pattern = {shift.weekday: shift for shift in shifts}
    holes = approved_periods(absences)
    windows: list[Window] = []
    day = first
    while day <= last:
        shift = pattern.get(day.weekday())
        if shift is not None and day not in holidays:
            windows.extend(_day_windows(day, shift, zone, holes))
        day += timedelta(days=1)
    return windows


def _day_windows(
    day: date, shift: ShiftLike, zone: ZoneInfo, holes: Sequence[tuple[datetime, datetime]]
) -> list[Window]:
    start = _local_to_utc(day, shift.start, zone, later=False)
    end = _local_to_utc(day, shift.end, zone, later=True)
    if end <= start:
        return []
    brk: tuple[datetime, datetime] | None = None
    if shift.break_minutes and shift.break_earliest is not None and shift.break_latest is not None:
        brk = (
            _local_to_utc(day, shift.break_earliest, zone, later=False),
            _local_to_utc(day, shift.break_latest, zone, later=True),
        )
        if brk[1] - brk[0] < timedelta(minutes=shift.break_minutes):
            brk = None  # a clock change ate the window
    windows = []
    for piece_start, piece_end in _subtract(start, end, holes):
        if brk is not None and piece_start <= brk[0] and brk[1] <= piece_end:
            windows.append(Window(piece_start, piece_end, brk[0], brk[1], shift.break_minutes))
        else:
            windows.append(Window(piece_start, piece_end))
    return windows


def covers(windows: Sequence[Window], start: datetime, end: datetime) -> bool:
    """True when ``[start, end)`` lies inside one window (breaks not considered)."""
    return any(w.start <= start and end <= w.end for w in windows)


def working_minutes(windows: Iterable[Window]) -> int:
    """Working time of ``windows`` in minutes, breaks deducted."""
    total = sum(((w.end - w.start).total_seconds() // 60 - w.break_minutes for w in windows), 0.0)
    return int(total)
