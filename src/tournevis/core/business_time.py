"""Business time: calendars of weekly opening slots, holidays and closures. Pure: no Django, no I/O.

Glossary and semantics (issue 3, SLA engine):

- A :class:`Calendar` has an IANA ``timezone`` and weekly ``slots`` in the JSON shape of
  ``customers.domain.clean_access_hours`` (``{"mon": [["08:00", "12:00"], ["13:30", "18:00"]]}``;
  ``"24:00"`` ends a day; a missing weekday is closed).
- **Wall-clock semantics.** An instant is open when its *local* date is not a holiday nor inside a
  yearly closure, and its local wall-clock time lies in ``[start, end)`` of one of that weekday's slots;
  and the instant is not inside a ``closures`` range. Elapsed time is real (UTC) time. Hence across DST:
  on the spring-forward night a 01:30-03:30 slot in Europe/Paris lasts 1 h (the wall clock never shows
  02:xx), on the fall-back night it lasts 3 h (02:xx is shown twice); a slot starting inside the
  skipped hour opens at the jump; ``Calendar.always_open`` is exactly continuous.
- All results are aware UTC datetimes; every datetime given must be aware (naive → ``ValueError``).
- Pauses (``[start, end)`` aware ranges, both ends required) are removed from business time like
  closures. A pause still running is the caller's to close (the SLA clocks close it at ``now``).
- Searches are bounded: a calendar without a single slot raises ``InvalidInput(field="calendar.slots")``;
  ``add_business_time`` gives up after :data:`HORIZON_DAYS` local days (``InvalidInput(field="calendar")``).

Internally instants are integers of microseconds since the Unix epoch (exact arithmetic); local days
are computed once per calendar and cached, whole closed days are skipped without time-zone work.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import pycountry

from tournevis.core.errors import InvalidInput, gettext_noop

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 3660  # ten years of local days, the longest search for a deadline or an opening

_US = 1_000_000
_MINUTE = 60 * _US
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SCAN_STEP = 6 * _HOUR  # offset transitions are looked for at this step, then bisected to the second

Span = tuple[int, int]  # [start, end) in microseconds since the epoch


@dataclass(frozen=True)
class Calendar:
    """A business calendar; treat it (and its ``slots`` mapping) as immutable."""

    timezone: str  # IANA name
    # {"mon": [("08:00", "12:00"), ("13:30", "18:00")], ...}; "24:00" allowed as an end; missing day: closed
    slots: Mapping[str, Sequence[tuple[str, str]]]
    holidays: frozenset[date] = frozenset()  # local dates closed all day
    closures: tuple[tuple[datetime, datetime], ...] = ()  # aware [start, end) ranges closed
    yearly_closures: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()  # inclusive, may wrap Dec→Jan

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> Calendar:
        """24x7: every instant is business time, continuously across DST changes."""
        return cls(timezone=timezone, slots={day: [("00:00", "24:00")] for day in WEEKDAYS})


# --------------------------------------------------------------------------- holidays


def holiday_dates(country: str, subdivision: str | None, years: Iterable[int]) -> frozenset[date]:
    """Public holidays of ``country`` (ISO alpha-2) and its ``subdivision``, from the ``holidays`` package.

    The subdivision may be given as ``QC`` or ``CA-QC``. When the package does not know an ISO 3166-2
    subdivision but knows its parent, the parent is used (France: departments 67 and 68 → ``6AE``,
    the European Collectivity of Alsace, which has Good Friday and St Stephen's Day like ``57``).
    """
    code = (country or "").strip().upper()
    subdiv = (subdivision or "").strip().upper() or None
    if subdiv and subdiv.startswith(f"{code}-"):
        subdiv = subdiv.split("-", 1)[1]
    known = _supported_countries()
    if code not in known:
        raise InvalidInput(
            gettext_noop("No public holidays are known for country “%(value)s”."),
            field="holidays.country",
            value=country,
        )
    resolved = _resolve_subdivision(code, subdiv, known[code])
    return _holidays_of(code, resolved, tuple(sorted(set(years))))


@lru_cache(maxsize=1)
def _supported_countries() -> Mapping[str, Sequence[str]]:
    try:
        return dict(holidays_lib.list_supported_countries())
    except Exception:  # pragma: no cover - defensive: the package API changed
        return {}


@lru_cache(maxsize=256)
def _holidays_of(country: str, subdivision: str | None, years: tuple[int, ...]) -> frozenset[date]:
    """The package's holidays (its data is static: computed once per country, subdivision and years)."""
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=list(years)).keys())


def _resolve_subdivision(country: str, subdiv: str | None, supported: Sequence[str]) -> str | None:
    if subdiv is None:
        return None
    aliases = {name.upper(): value for name, value in _subdivision_aliases(country).items()}
    candidate: str | None = subdiv
    while candidate:
        if candidate in supported:
            return candidate
        if candidate in aliases:
            return aliases[candidate]
        record = pycountry.subdivisions.get(code=f"{country}-{candidate}")
        parent = getattr(record, "parent_code", None) if record is not None else None
        candidate = parent.split("-", 1)[1] if parent else None
    raise InvalidInput(
        gettext_noop("No public holidays are known for subdivision “%(value)s” of %(country)s."),
        field="holidays.subdivision",
        value=subdiv,
        country=country,
    )


def _subdivision_aliases(country: str) -> Mapping[str, str]:
    entity = holidays_lib.country_holidays(country, years=[])
    aliases = getattr(entity, "subdivisions_aliases", None)
    return aliases if isinstance(aliases, Mapping) else {}


# --------------------------------------------------------------------------- time-zone offsets


def _us(value: datetime, what: str = "datetime") -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _dt(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _offset_at(zone: ZoneInfo, instant: int) -> int:
    offset = _dt(instant).astimezone(zone).utcoffset()
    assert offset is not None
    return (offset.days * 86_400 + offset.seconds) * _US + offset.microseconds


@lru_cache(maxsize=512)
def _transitions(zone_name: str, block: int) -> tuple[tuple[int, int], ...]:
    """Offset changes ``(instant, new_offset)`` in the 120-day block number ``block`` (cached)."""
    zone = ZoneInfo(zone_name)
    lo, hi = block * 120 * _DAY, (block + 1) * 120 * _DAY
    found: list[tuple[int, int]] = []
    at = lo - _US  # so that a change exactly at ``lo`` belongs to this block
    previous = _offset_at(zone, at)
    while at < hi - _US:
        step_end = min(at + _SCAN_STEP, hi - _US)
        current = _offset_at(zone, step_end)
        if current != previous:
            a, b = at, step_end  # offset(a) == previous, offset(b) != previous
            while b - a > _US:
                mid = (a + b) // 2 // _US * _US
                if mid <= a:
                    break
                if _offset_at(zone, mid) == previous:
                    a = mid
                else:
                    b = mid
            found.append((b, _offset_at(zone, b)))
            previous = current
        at = step_end
    return tuple(found)


def _segments(zone_name: str, zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """Split ``[lo, hi)`` into ``(start, end, utc_offset)`` pieces of constant offset."""
    changes: list[tuple[int, int]] = []
    for block in range(lo // (120 * _DAY), hi // (120 * _DAY) + 1):
        changes.extend(t for t in _transitions(zone_name, block) if lo < t[0] < hi)
    pieces: list[tuple[int, int, int]] = []
    start, offset = lo, _offset_at(zone, lo)
    for at, new_offset in changes:
        pieces.append((start, at, offset))
        start, offset = at, new_offset
    pieces.append((start, hi, offset))
    return pieces


# --------------------------------------------------------------------------- compiled calendars


def _minutes(value: object) -> int | None:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":" and value.replace(":", "").isdigit():
        hours, minutes = int(value[:2]), int(value[3:])
        if (hours < 24 and minutes < 60) or (hours, minutes) == (24, 0):
            return hours * 60 + minutes
    return None


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(spans: Iterable[Span], closed: Sequence[Span], closed_starts: Sequence[int]) -> list[Span]:
    """``spans`` minus the sorted, disjoint ``closed`` spans."""
    out: list[Span] = []
    for start, end in spans:
        index = max(bisect.bisect_right(closed_starts, start) - 1, 0)
        cursor = start
        while index < len(closed) and closed[index][0] < end:
            c_start, c_end = closed[index]
            if c_end > cursor:
                if c_start > cursor:
                    out.append((cursor, c_start))
                cursor = max(cursor, c_end)
                if cursor >= end:
                    break
            index += 1
        if cursor < end:
            out.append((cursor, end))
    return out


class _Compiled:
    """A calendar parsed once: slots in minutes per weekday, closed days, merged closures, day cache."""

    def __init__(self, calendar: Calendar) -> None:
        try:
            self.zone = ZoneInfo(calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidInput(
                gettext_noop("“%(value)s” is not an IANA time zone (e.g. Europe/Paris)."),
                field="calendar.timezone",
                value=str(calendar.timezone),
            ) from None
        self.zone_name = calendar.timezone
        weekly: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
        for day, day_slots in calendar.slots.items():
            if day not in WEEKDAYS:
                raise InvalidInput(
                    gettext_noop("Unknown weekday “%(day)s”; use %(choices)s."),
                    field="calendar.slots",
                    day=str(day),
                    choices=", ".join(WEEKDAYS),
                )
            where = f"calendar.slots.{day}"
            for slot in day_slots:
                if not (isinstance(slot, list | tuple) and len(slot) == 2):
                    raise InvalidInput(gettext_noop('Each slot is ["HH:MM", "HH:MM"].'), field=where)
                start, end = _minutes(slot[0]), _minutes(slot[1])
                for value, parsed in ((slot[0], start), (slot[1], end)):
                    if parsed is None:
                        raise InvalidInput(
                            gettext_noop("“%(value)s” is not a time (HH:MM)."), field=where, value=str(value)
                        )
                assert start is not None and end is not None
                if start >= end:
                    raise InvalidInput(
                        gettext_noop("“%(start)s-%(end)s” is not a valid slot."),
                        field=where,
                        start=str(slot[0]),
                        end=str(slot[1]),
                    )
                weekly[WEEKDAYS.index(day)].append((start, end))
        self.weekly = [[(s * _MINUTE, e * _MINUTE) for s, e in _merge(day)] for day in weekly]
        if not any(self.weekly):
            raise InvalidInput(gettext_noop("The calendar has no opening slot."), field="calendar.slots")
        self.holidays = frozenset(calendar.holidays)
        self.yearly = _yearly_days(calendar.yearly_closures)
        self.closed = _merge((_us(a, "closure start"), _us(b, "closure end")) for a, b in calendar.closures)
        self._days: dict[int, list[Span]] = {}

    def day_spans(self, ordinal: int) -> list[Span]:
        """Open spans (closures not removed) of the local date with this proleptic ordinal."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        spans: list[Span] = []
        day_slots = self.weekly[(ordinal - 1) % 7]  # ordinal 1 (0001-01-01) is a Monday
        if day_slots:
            local = date.fromordinal(ordinal)
            if local not in self.holidays and (local.month, local.day) not in self.yearly:
                midnight = (ordinal - _EPOCH_ORDINAL) * _DAY  # local midnight as if it were UTC
                pieces = _segments(self.zone_name, self.zone, midnight - _DAY, midnight + 2 * _DAY)
                for s, e in day_slots:
                    for lo, hi, offset in pieces:
                        a, b = max(lo, midnight + s - offset), min(hi, midnight + e - offset)
                        if a < b:
                            spans.append((a, b))
                spans = _merge(spans)
        if len(self._days) > 50_000:
            self._days.clear()
        self._days[ordinal] = spans
        return spans

    def local_ordinal(self, instant: int) -> int:
        return _dt(instant).astimezone(self.zone).date().toordinal()

    def runs(self, start: int, end: int | None, closed: Sequence[Span]) -> Iterator[Span]:
        """Open spans within ``[start, end)`` (``end`` None: up to the horizon) minus ``closed``, in order.

        Spans of consecutive days are not merged here. Stops after :data:`HORIZON_DAYS` local days.
        Days are walked in order, which assumes local dates never go backwards (no tzdata zone falls
        back across midnight today; Santiago's midnight change repeats 23:xx of the same date).
        """
        starts = [c[0] for c in closed]
        first = self.local_ordinal(start) - 1
        last = first + HORIZON_DAYS + 1 if end is None else self.local_ordinal(end - 1) + 1
        for ordinal in range(first, last + 1):
            for a, b in self.day_spans(ordinal):
                if b <= start:
                    continue
                if end is not None and a >= end:
                    return
                clipped = (max(a, start), b if end is None else min(b, end))
                if closed:
                    yield from _subtract([clipped], closed, starts)
                else:
                    yield clipped


def _yearly_days(ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> frozenset[tuple[int, int]]:
    days: set[tuple[int, int]] = set()
    for (m1, d1), (m2, d2) in ranges:
        try:
            first, last = date(2000, m1, d1), date(2000, m2, d2)  # a leap year keeps 29 February
        except ValueError:
            raise InvalidInput(
                gettext_noop("“%(value)s” is not a day of the year."),
                field="calendar.yearly_closures",
                value=f"{m1:02d}-{d1:02d}/{m2:02d}-{d2:02d}",
            ) from None
        if last < first:  # wraps the year end
            last = date(2001, m2, d2) if (m2, d2) != (2, 29) else date(2001, 3, 1)
        current = first
        while current <= last:
            days.add((current.month, current.day))
            current += timedelta(days=1)
    return frozenset(days)


_compiled_cache: dict[object, _Compiled] = {}


def _compile(calendar: Calendar) -> _Compiled:
    try:
        key: object = (
            calendar.timezone,
            tuple(sorted((day, tuple(tuple(s) for s in slots)) for day, slots in calendar.slots.items())),
            calendar.holidays,
            calendar.closures,
            calendar.yearly_closures,
        )
        hash(key)
    except TypeError:
        return _Compiled(calendar)
    compiled = _compiled_cache.get(key)
    if compiled is None:
        compiled = _Compiled(calendar)
        if len(_compiled_cache) > 256:
            _compiled_cache.clear()
        _compiled_cache[key] = compiled
    return compiled


def _closed(compiled: _Compiled, pauses: Sequence[tuple[datetime, datetime]]) -> list[Span]:
    if not pauses:
        return compiled.closed
    extra = [(_us(a, "pause start"), _us(b, "pause end")) for a, b in pauses]
    return _merge([*compiled.closed, *extra])


# --------------------------------------------------------------------------- public API


def open_intervals(calendar: Calendar, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Maximal open ``[a, b)`` intervals (aware UTC) within ``[start, end)``, in order."""
    compiled = _compile(calendar)
    lo, hi = _us(start, "start"), _us(end, "end")
    if hi <= lo:
        return
    current: Span | None = None
    for a, b in compiled.runs(lo, hi, compiled.closed):
        if current is not None and a <= current[1]:
            current = (current[0], max(current[1], b))
            continue
        if current is not None:
            yield _dt(current[0]), _dt(current[1])
        current = (a, b)
    if current is not None:
        yield _dt(current[0]), _dt(current[1])


def business_time_between(
    calendar: Calendar, start: datetime, end: datetime, pauses: Sequence[tuple[datetime, datetime]] = ()
) -> timedelta:
    """Business time in ``[start, end)`` not inside ``pauses``; zero when ``end <= start``."""
    compiled = _compile(calendar)
    lo, hi = _us(start, "start"), _us(end, "end")
    if hi <= lo:
        return timedelta(0)
    total = sum(b - a for a, b in compiled.runs(lo, hi, _closed(compiled, pauses)))
    return timedelta(microseconds=total)


def add_business_time(
    calendar: Calendar, start: datetime, duration: timedelta, pauses: Sequence[tuple[datetime, datetime]] = ()
) -> datetime:
    """The earliest instant ``t >= start`` with ``business_time_between(start, t, pauses) == duration``.

    A zero duration gives ``start`` itself; otherwise ``t`` lies inside (or at the end of) an open
    interval, never at the next opening after a closed gap (Friday 16:00 + 2 h with 18:00 closing is
    Friday 18:00).
    """
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    compiled = _compile(calendar)
    at = _us(start, "start")
    left = (duration.days * 86_400 + duration.seconds) * _US + duration.microseconds
    if left == 0:
        return _dt(at)
    for a, b in compiled.runs(at, None, _closed(compiled, pauses)):
        if b - a >= left:
            return _dt(a + left)
        left -= b - a
    raise InvalidInput(
        gettext_noop("The calendar has not enough business time within %(years)s years."),
        field="calendar",
        years=HORIZON_DAYS // 366,
    )


def next_openings(calendar: Calendar, start: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """The next ``count`` maximal open intervals from ``start`` (aware UTC), in order.

    The first one begins at ``start`` when ``start`` is inside an opening. Fewer are returned when the
    :data:`HORIZON_DAYS` horizon is reached; an opening still going on at the horizon (24x7) ends there.
    """
    compiled = _compile(calendar)
    out: list[tuple[datetime, datetime]] = []
    if count <= 0:
        return out
    current: Span | None = None
    for a, b in compiled.runs(_us(start, "start"), None, compiled.closed):
        if current is not None and a <= current[1]:
            current = (current[0], max(current[1], b))
            continue
        if current is not None:
            out.append((_dt(current[0]), _dt(current[1])))
            if len(out) == count:
                return out
        current = (a, b)
    if current is not None:
        out.append((_dt(current[0]), _dt(current[1])))
    return out
