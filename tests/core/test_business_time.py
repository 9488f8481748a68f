"""Business time: exact values, then hypothesis against a minute-by-minute brute-force oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tournevis.core.business_time import (
    WEEKDAYS,
    Calendar,
    add_business_time,
    business_time_between,
    holiday_dates,
    next_openings,
    open_intervals,
)
from tournevis.core.errors import InvalidInput

PARIS, TORONTO, TOKYO = ZoneInfo("Europe/Paris"), ZoneInfo("America/Toronto"), ZoneInfo("Asia/Tokyo")
SPLIT = {day: [("08:00", "12:00"), ("13:30", "18:00")] for day in WEEKDAYS[:5]}
OFFICE = Calendar("Europe/Paris", SPLIT)
H = timedelta(hours=1)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --------------------------------------------------------------------------- split days, holidays, closures


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (paris(2025, 3, 7, 17), 2 * H, utc(2025, 3, 10, 8)),  # Friday 17:00 + 2 h → Monday 09:00 Paris
        (paris(2025, 3, 7, 16), 2 * H, utc(2025, 3, 7, 17)),  # ends at 18:00 closing, not Monday 08:00
        (paris(2025, 3, 5, 11), 2 * H, utc(2025, 3, 5, 13, 30)),  # lunch break skipped → 14:30
        (paris(2025, 3, 8, 10), H, utc(2025, 3, 10, 8)),  # Saturday → Monday 09:00
        (paris(2025, 3, 5, 11), timedelta(0), utc(2025, 3, 5, 10)),
        (paris(2025, 3, 5, 7), 17 * H, utc(2025, 3, 6, 17)),  # two 8.5 h days: Thursday 18:00
        (paris(2025, 3, 5, 7), 18 * H, utc(2025, 3, 7, 8)),  # then Friday 09:00
    ],
)
def test_add_business_time_on_a_split_day(start, duration, expected):
    result = add_business_time(OFFICE, start, duration)
    assert result == expected
    assert result.tzinfo is UTC


def test_business_time_between_counts_both_slots_and_skips_the_weekend():
    assert business_time_between(OFFICE, paris(2025, 3, 7, 0), paris(2025, 3, 11, 0)) == 17 * H
    assert business_time_between(OFFICE, paris(2025, 3, 7, 12), paris(2025, 3, 7, 13, 30)) == timedelta(0)
    assert business_time_between(OFFICE, paris(2025, 3, 7, 12), paris(2025, 3, 7, 11)) == timedelta(0)


def test_pauses_are_not_business_time():
    pauses = [
        (paris(2025, 3, 5, 9), paris(2025, 3, 5, 10)),
        (paris(2025, 3, 5, 9, 30), paris(2025, 3, 5, 14)),
    ]
    assert business_time_between(OFFICE, paris(2025, 3, 5, 8), paris(2025, 3, 5, 18), pauses) == 5 * H
    assert add_business_time(OFFICE, paris(2025, 3, 5, 8), 2 * H, pauses) == utc(2025, 3, 5, 14)


def test_french_national_day_is_a_holiday():
    closed = holiday_dates("FR", None, [2025])
    assert date(2025, 7, 14) in closed
    calendar = Calendar("Europe/Paris", SPLIT, holidays=closed)
    # Friday 11 July 17:00 + 2 h: Monday 14 July is closed → Tuesday 15 July 09:00 Paris.
    assert add_business_time(calendar, paris(2025, 7, 11, 17), 2 * H) == utc(2025, 7, 15, 7)


@pytest.mark.parametrize(
    ("subdivision", "local"), [(None, False), ("57", True), ("67", True), ("FR-68", True)]
)
def test_good_friday_and_st_stephen_only_in_alsace_moselle(subdivision, local):
    closed = holiday_dates("FR", subdivision, [2025])
    assert (date(2025, 4, 18) in closed) is local
    assert (date(2025, 12, 26) in closed) is local
    assert date(2025, 4, 21) in closed  # Easter Monday everywhere


def test_canadian_provinces_have_their_own_holidays():
    quebec, ontario = holiday_dates("CA", "QC", [2025]), holiday_dates("CA", "CA-ON", [2025])
    assert date(2025, 6, 24) in quebec and date(2025, 6, 24) not in ontario  # Saint-Jean-Baptiste
    assert date(2025, 2, 17) in ontario and date(2025, 2, 17) not in quebec  # Family Day
    assert date(2025, 7, 1) in quebec and date(2025, 7, 1) in ontario


def test_japan_holidays_include_substitute_days():
    closed = holiday_dates("JP", None, [2025, 2026])
    assert {date(2025, 5, 5), date(2025, 5, 6), date(2025, 11, 24), date(2026, 1, 1)} <= closed
    assert len([d for d in closed if d.year == 2025]) == 19


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [
        ("XX", None, "holidays.country"),
        ("CA", "ZZ", "holidays.subdivision"),
        ("FR", "75", "holidays.subdivision"),
    ],
)
def test_unknown_holiday_places_are_rejected(country, subdivision, field):
    with pytest.raises(InvalidInput) as caught:
        holiday_dates(country, subdivision, [2025])
    assert caught.value.field == field


def test_custom_closures_by_date_and_time_range():
    closures = (
        (paris(2025, 3, 10), paris(2025, 3, 11)),  # all Monday
        (paris(2025, 3, 11, 8), paris(2025, 3, 11, 10, 15)),  # Tuesday morning until 10:15
    )
    calendar = Calendar("Europe/Paris", SPLIT, closures=closures)
    assert add_business_time(calendar, paris(2025, 3, 7, 17), 2 * H) == utc(2025, 3, 11, 10, 15)
    assert business_time_between(calendar, paris(2025, 3, 10), paris(2025, 3, 12)) == timedelta(
        hours=6, minutes=15
    )


def test_yearly_closure_wrapping_the_year_end():
    calendar = Calendar("Europe/Paris", SPLIT, yearly_closures=(((12, 24), (1, 2)),))
    # Tuesday 23 Dec 17:00 + 2 h: closed 24 Dec → 2 Jan (Friday) → Monday 5 January 09:00.
    assert add_business_time(calendar, paris(2025, 12, 23, 17), 2 * H) == utc(2026, 1, 5, 8)
    assert business_time_between(calendar, paris(2025, 12, 24), paris(2026, 1, 3)) == timedelta(0)


def test_next_openings_and_open_intervals():
    assert next_openings(OFFICE, paris(2025, 3, 7, 17), 3) == [
        (utc(2025, 3, 7, 16), utc(2025, 3, 7, 17)),
        (utc(2025, 3, 10, 7), utc(2025, 3, 10, 11)),
        (utc(2025, 3, 10, 12, 30), utc(2025, 3, 10, 17)),
    ]
    night = Calendar("Europe/Paris", {"mon": [("22:00", "24:00")], "tue": [("00:00", "06:00")]})
    assert list(open_intervals(night, utc(2025, 3, 1), utc(2025, 4, 2))) == [
        (utc(2025, 3, 3, 21), utc(2025, 3, 4, 5)),
        (utc(2025, 3, 10, 21), utc(2025, 3, 11, 5)),
        (utc(2025, 3, 17, 21), utc(2025, 3, 18, 5)),
        (utc(2025, 3, 24, 21), utc(2025, 3, 25, 5)),
        (utc(2025, 3, 31, 20), utc(2025, 4, 1, 4)),  # summer time from 30 March
    ]
    assert next_openings(OFFICE, paris(2025, 3, 7, 17), 0) == []


# --------------------------------------------------------------------------- DST


def test_a_night_slot_is_shorter_in_spring_and_longer_in_autumn():
    night = Calendar("Europe/Paris", {day: [("01:30", "03:30")] for day in WEEKDAYS})

    def day_total(d: date) -> timedelta:
        return business_time_between(night, paris(d.year, d.month, d.day), paris(d.year, d.month, d.day, 12))

    assert day_total(date(2025, 3, 29)) == 2 * H
    assert day_total(date(2025, 3, 30)) == H  # 01:30-02:00 CET then 03:00-03:30 CEST
    assert day_total(date(2025, 10, 26)) == 3 * H  # 01:30 CEST → 03:30 CET
    gap = Calendar("Europe/Paris", {"sun": [("02:30", "04:00")]})
    assert list(open_intervals(gap, utc(2025, 3, 29), utc(2025, 3, 31))) == [
        (utc(2025, 3, 30, 1), utc(2025, 3, 30, 2))
    ]


@pytest.mark.parametrize(
    ("zone", "start", "end", "hours"),
    [
        ("Europe/Paris", (2025, 3, 29), (2025, 3, 31), 47),
        ("Europe/Paris", (2025, 10, 25), (2025, 10, 27), 49),
        ("America/Toronto", (2025, 3, 8), (2025, 3, 10), 47),
        ("America/Toronto", (2025, 11, 1), (2025, 11, 3), 49),
        ("Asia/Tokyo", (2025, 3, 29), (2025, 3, 31), 48),
        ("Asia/Tokyo", (2025, 10, 25), (2025, 10, 27), 48),
    ],
)
def test_always_open_is_continuous_across_dst(zone, start, end, hours):
    tz = ZoneInfo(zone)
    calendar = Calendar.always_open(zone)
    a, b = datetime(*start, tzinfo=tz), datetime(*end, tzinfo=tz)
    assert business_time_between(calendar, a, b) == timedelta(hours=hours)
    assert add_business_time(calendar, a, timedelta(hours=hours)) == b.astimezone(UTC)
    assert list(open_intervals(calendar, a, b)) == [(a.astimezone(UTC), b.astimezone(UTC))]


def test_toronto_office_across_the_spring_weekend():
    calendar = Calendar("America/Toronto", {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]})
    start = datetime(2025, 3, 7, 16, tzinfo=TORONTO)  # Friday 16:00 EST (21:00 UTC)
    assert add_business_time(calendar, start, 2 * H) == utc(2025, 3, 10, 14)  # Monday 10:00 EDT
    tokyo = Calendar("Asia/Tokyo", {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]})
    start = datetime(2025, 3, 28, 16, tzinfo=TOKYO)
    assert add_business_time(tokyo, start, 2 * H) == utc(2025, 3, 31, 1)  # Monday 10:00 JST, no DST


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="aware"):
        add_business_time(OFFICE, datetime(2025, 3, 7, 17), H)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, paris(2025, 3, 7, 17), -H)
    cases = [
        (Calendar("Europe/Paris", {}), "calendar.slots"),
        (Calendar("Europe/Paris", {"mon": []}), "calendar.slots"),
        (Calendar("Mars/Olympus", SPLIT), "calendar.timezone"),
        (Calendar("Europe/Paris", {"mon": [("25:00", "26:00")]}), "calendar.slots.mon"),
        (Calendar("Europe/Paris", {"mon": [("12:00", "08:00")]}), "calendar.slots.mon"),
        (Calendar("Europe/Paris", {"lun": [("08:00", "12:00")]}), "calendar.slots"),
        (Calendar("Europe/Paris", SPLIT, yearly_closures=(((2, 30), (3, 1)),)), "calendar.yearly_closures"),
        (Calendar("Europe/Paris", SPLIT, yearly_closures=(((1, 1), (12, 31)),)), "calendar"),
    ]
    for calendar, field in cases:
        with pytest.raises(InvalidInput) as caught:
            add_business_time(calendar, paris(2025, 3, 7, 17), H)
        assert caught.value.field == field
    never = Calendar("Europe/Paris", SPLIT, yearly_closures=(((1, 1), (12, 31)),))
    assert next_openings(never, paris(2025, 3, 7), 1) == []


# --------------------------------------------------------------------------- the oracle

ZONES = {
    "Europe/Paris": [utc(2024, 3, 31, 1), utc(2024, 10, 27, 1), utc(2025, 3, 30, 1), utc(2025, 10, 26, 1)],
    "America/Toronto": [utc(2024, 3, 10, 7), utc(2024, 11, 3, 6), utc(2025, 3, 9, 7), utc(2025, 11, 2, 6)],
    "Asia/Tokyo": [utc(2025, 3, 29, 15), utc(2025, 12, 31, 15)],
}
WINDOW = 3 * 1440  # minutes examined after the start
MINUTE = timedelta(minutes=1)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(sorted(ZONES)))
    tz = ZoneInfo(zone)
    start = draw(st.sampled_from(ZONES[zone])) + draw(st.integers(-int(2.5 * 1440), 720)) * MINUTE
    boundary = st.one_of(st.sampled_from([0, 60, 90, 120, 150, 180, 210, 1380, 1440]), st.integers(0, 1440))
    slots: dict[str, list[tuple[int, int]]] = {}
    for day in WEEKDAYS:
        if draw(st.integers(0, 5)) == 0:
            slots[day] = [(0, 1440)]
            continue
        points = sorted(draw(st.sets(boundary, max_size=6)))
        pairs = [(a, b) for a, b in zip(points[::2], points[1::2], strict=False)]
        if pairs:
            slots[day] = pairs
    first_day = start.astimezone(tz).date() - timedelta(days=1)
    days = st.integers(0, 5).map(lambda n: first_day + timedelta(days=n))
    holidays = frozenset(draw(st.lists(days, max_size=2)))
    yearly = []
    for _ in range(draw(st.integers(0, 1))):
        a = draw(days)
        b = a + timedelta(days=draw(st.integers(0, 1)))
        yearly.append(((a.month, a.day), (b.month, b.day)))
    ranges = st.tuples(st.integers(-600, WINDOW), st.integers(1, 1500)).map(
        lambda p: (start + p[0] * MINUTE, start + (p[0] + p[1]) * MINUTE)
    )
    closures = tuple(draw(st.lists(ranges, max_size=2)))
    pauses = draw(st.lists(ranges, max_size=3))
    calendar = Calendar(
        zone,
        {day: [(hhmm(a), hhmm(b)) for a, b in pairs] for day, pairs in slots.items()},
        holidays=holidays,
        closures=closures,
        yearly_closures=tuple(yearly),
    )
    return calendar, slots, start, pauses


def in_yearly(day: date, ranges) -> bool:
    md = (day.month, day.day)
    return any((a <= md <= b) if a <= b else (md >= a or md <= b) for a, b in ranges)


def oracle(calendar: Calendar, slots, start: datetime, pauses) -> tuple[list[bool], list[bool]]:
    """Minute by minute: (open per the calendar, open and not paused) for WINDOW minutes from start."""
    tz = ZoneInfo(calendar.timezone)
    open_minutes, counted = [], []
    for i in range(WINDOW):
        at = start + i * MINUTE
        local = at.astimezone(tz)
        minute = local.hour * 60 + local.minute
        is_open = (
            local.date() not in calendar.holidays
            and not in_yearly(local.date(), calendar.yearly_closures)
            and any(a <= minute < b for a, b in slots.get(WEEKDAYS[local.weekday()], []))
            and not any(a <= at < b for a, b in calendar.closures)
        )
        open_minutes.append(is_open)
        counted.append(is_open and not any(a <= at < b for a, b in pauses))
    return open_minutes, counted


ORACLE = settings(
    max_examples=10 * settings().max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@ORACLE
@given(scenarios(), st.integers(0, WINDOW))
def test_business_time_between_and_open_intervals_match_the_oracle(scenario, length):
    calendar, slots, start, pauses = scenario
    if not slots:
        with pytest.raises(InvalidInput):
            business_time_between(calendar, start, start + MINUTE)
        return
    open_minutes, counted = oracle(calendar, slots, start, pauses)
    end = start + length * MINUTE
    assert business_time_between(calendar, start, end, pauses) == sum(counted[:length]) * MINUTE
    runs, current = [], None
    for i, is_open in enumerate(open_minutes[:length]):
        if is_open and current is not None and current[1] == i:
            current[1] = i + 1
        elif is_open:
            current = [i, i + 1]
            runs.append(current)
    assert list(open_intervals(calendar, start, end)) == [
        ((start + a * MINUTE).astimezone(UTC), (start + b * MINUTE).astimezone(UTC)) for a, b in runs
    ]


@ORACLE
@given(scenarios(), st.integers(1, 1440))
def test_add_business_time_matches_the_oracle(scenario, minutes):
    calendar, slots, start, pauses = scenario
    if not slots:
        with pytest.raises(InvalidInput) as caught:
            add_business_time(calendar, start, minutes * MINUTE, pauses)
        assert caught.value.field == "calendar.slots"
        return
    _, counted = oracle(calendar, slots, start, pauses)
    total = 0
    for i, is_counted in enumerate(counted):
        total += is_counted
        if total == minutes:
            expected = (start + (i + 1) * MINUTE).astimezone(UTC)
            assert add_business_time(calendar, start, minutes * MINUTE, pauses) == expected
            return
    assert add_business_time(calendar, start, minutes * MINUTE, pauses) > start + WINDOW * MINUTE


@given(
    st.sampled_from(sorted(ZONES)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_always_open_counts_real_elapsed_time(zone, start, duration):
    calendar = Calendar.always_open(zone)
    assert add_business_time(calendar, start, duration) == start + duration
    assert business_time_between(calendar, start, start + duration) == duration
