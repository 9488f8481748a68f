"""Pure rules of the workforce: value checks, the weekly pattern and working windows (DST, holidays,
absences)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tournevis.core.errors import Conflict, InvalidInput
from tournevis.workforce import domain
from tournevis.workforce.domain import AbsenceStatus, ShiftDay, Window, working_windows

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Off:
    start: datetime
    end: datetime
    status: str = AbsenceStatus.APPROVED.value


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


OFFICE = [ShiftDay(d, time(8), time(17), time(12), time(14), 45) for d in range(5)]


# --- Value checks ----------------------------------------------------------------------------------


def test_a_shift_is_cleaned_from_hh_mm_strings():
    shift = domain.clean_shift(
        {
            "weekday": "tue",
            "start": "08:00",
            "end": "17:00",
            "break_earliest": "12:00",
            "break_latest": "14:00",
            "break_minutes": 45,
        }
    )
    assert shift == ShiftDay(1, time(8), time(17), time(12), time(14), 45)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"weekday": 0, "start": "17:00", "end": "08:00"},
            "shifts.2.end",
            "The shift ends at 08:00, not after it starts (17:00); a shift ends on the day it starts "
            "(overnight shifts are not supported).",
        ),
        (
            {"weekday": 0, "start": "08:00", "end": "08:00"},
            "shifts.2.end",
            "The shift ends at 08:00, not after it starts (08:00); a shift ends on the day it starts "
            "(overnight shifts are not supported).",
        ),
        ({"weekday": 7, "start": "08:00", "end": "17:00"}, "shifts.2.weekday", None),
        ({"start": "08:00", "end": "17:00"}, "shifts.2.weekday", "This field is required."),
        ({"weekday": 0, "start": "8h", "end": "17:00"}, "shifts.2.start", None),
        ({"weekday": 0, "start": "08:00", "end": "24:00"}, "shifts.2.end", None),
        ({"weekday": 0, "start": "08:00", "end": "17:00", "lunch": 1}, "shifts.2.lunch", "Unknown field."),
        (
            {"weekday": 0, "start": "08:00", "end": "17:00", "break_minutes": 30},
            "shifts.2.break_earliest",
            "Give the window in which the break is taken.",
        ),
        (
            {"weekday": 0, "start": "08:00", "end": "17:00", "break_earliest": "12:00", "break_minutes": 30},
            "shifts.2.break_latest",
            None,
        ),
        (
            {
                "weekday": 0,
                "start": "08:00",
                "end": "17:00",
                "break_earliest": "12:00",
                "break_latest": "13:00",
            },
            "shifts.2.break_minutes",
            "Give the length of the break in minutes, or no break window.",
        ),
        (
            {
                "weekday": 0,
                "start": "08:00",
                "end": "17:00",
                "break_earliest": "07:00",
                "break_latest": "09:00",
                "break_minutes": 30,
            },
            "shifts.2.break_earliest",
            "The break window starts before the shift (08:00).",
        ),
        (
            {
                "weekday": 0,
                "start": "08:00",
                "end": "17:00",
                "break_earliest": "16:00",
                "break_latest": "18:00",
                "break_minutes": 30,
            },
            "shifts.2.break_latest",
            "The break window ends after the shift (17:00).",
        ),
        (
            {
                "weekday": 0,
                "start": "08:00",
                "end": "17:00",
                "break_earliest": "13:00",
                "break_latest": "12:00",
                "break_minutes": 30,
            },
            "shifts.2.break_latest",
            "The break window ends before it starts.",
        ),
        (
            {
                "weekday": 0,
                "start": "08:00",
                "end": "17:00",
                "break_earliest": "12:00",
                "break_latest": "12:30",
                "break_minutes": 45,
            },
            "shifts.2.break_minutes",
            "A 45-minute break does not fit between 12:00 and 12:30.",
        ),
        (
            {"weekday": 0, "start": "08:00", "end": "17:00", "break_minutes": -5},
            "shifts.2.break_minutes",
            "A break lasts 0 to 240 minutes.",
        ),
    ],
)
def test_bad_shifts_are_refused_naming_the_field(data, field, message):
    with pytest.raises(InvalidInput) as error:
        domain.clean_shift(data, "shifts.2")
    assert error.value.field == field
    if message is not None:
        assert error.value.message == message


def test_a_week_has_one_shift_per_day_sorted():
    week = domain.clean_week(
        [{"weekday": 2, "start": "09:00", "end": "12:00"}, {"weekday": 0, "start": "08:00", "end": "17:00"}]
    )
    assert [d.weekday for d in week] == [0, 2]
    with pytest.raises(InvalidInput) as error:
        domain.clean_week(
            [
                {"weekday": 1, "start": "08:00", "end": "12:00"},
                {"weekday": "tue", "start": "13:00", "end": "17:00"},
            ]
        )
    assert (error.value.field, error.value.message) == (
        "shifts.1.weekday",
        "tue has two shifts; give one shift per weekday.",
    )


def test_skill_levels_and_languages():
    assert domain.clean_skill_levels({"Kiosk": 2, "atm": 3}) == {"kiosk": 2, "atm": 3}
    for bad in (0, 4, "2", True, 2.5):
        with pytest.raises(InvalidInput) as error:
            domain.clean_skill_levels({"kiosk": bad})
        assert error.value.field == "skills.kiosk"
    with pytest.raises(InvalidInput) as error:
        domain.clean_skill_levels({"bad code!": 1})
    assert error.value.field == "skills.bad code!"
    assert domain.clean_languages(["FR", "en", "fr"]) == ["fr", "en"]
    with pytest.raises(InvalidInput) as error:
        domain.clean_languages(["french"])
    assert error.value.field == "languages"


def test_technician_fields():
    fields = domain.clean_technician(
        {
            "name": " Léa Martin ",
            "phone": "06 12 34 56 78",
            "holiday_country": "fr",
            "holiday_subdivision": "57",
            "timezone": "Europe/Paris",
            "home_latitude": 49.1193089,
            "home_longitude": 6.1757156,
        }
    )
    assert fields == {
        "name": "Léa Martin",
        "phone": "+33612345678",
        "holiday_country": "FR",
        "holiday_subdivision": "57",
        "timezone": "Europe/Paris",
        "home_latitude": 49.119309,
        "home_longitude": 6.175716,
    }
    for data, field in [
        ({"home_latitude": 91}, "home_latitude"),
        ({"home_longitude": None}, "home_longitude"),
        ({"timezone": "Paris"}, "timezone"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"holiday_country": "FR", "holiday_subdivision": "QC"}, "holiday_subdivision"),
        ({"email": "nobody"}, "email"),
        ({"name": " "}, "name"),
        ({"active": "yes"}, "active"),
    ]:
        with pytest.raises(InvalidInput) as error:
            domain.clean_technician(data)
        assert error.value.field == field, data


def test_changing_the_holiday_country_clears_the_old_subdivision():
    assert domain.clean_technician({"holiday_country": "BE"}, country_hint="FR") == {
        "holiday_country": "BE",
        "holiday_subdivision": "",
    }
    assert domain.clean_technician({"holiday_country": "FR"}, country_hint="FR") == {"holiday_country": "FR"}


def test_absence_periods_and_decisions():
    start, end = domain.clean_period(
        datetime(2026, 3, 2, 8, tzinfo=PARIS), datetime(2026, 3, 2, 12, tzinfo=PARIS)
    )
    assert (start, end) == (utc(2026, 3, 2, 7), utc(2026, 3, 2, 11))
    with pytest.raises(InvalidInput) as error:
        domain.clean_period(utc(2026, 3, 2, 12), utc(2026, 3, 2, 8))
    assert (error.value.field, error.value.message) == ("end", "The absence ends before it starts.")
    with pytest.raises(InvalidInput) as error:
        domain.clean_period(datetime(2026, 3, 2, 8), utc(2026, 3, 2, 12))  # noqa: DTZ001 - naive on purpose
    assert error.value.field == "start"
    assert domain.next_status("requested", AbsenceStatus.APPROVED) == AbsenceStatus.APPROVED
    assert domain.next_status("approved", AbsenceStatus.CANCELLED) == AbsenceStatus.CANCELLED
    with pytest.raises(Conflict) as conflict:
        domain.next_status("refused", AbsenceStatus.APPROVED)
    assert conflict.value.message == "This absence is refused; it cannot become approved."


# --- Working windows: exact values ------------------------------------------------------------------


def test_an_office_week_in_winter():
    # Given Mon-Fri 08:00-17:00 with a 45-minute break between 12:00 and 14:00, Paris (UTC+1)
    windows = working_windows(OFFICE, [], frozenset(), "Europe/Paris", date(2026, 3, 2), date(2026, 3, 8))
    # Then five windows, none at the weekend
    assert windows[0] == Window(
        utc(2026, 3, 2, 7), utc(2026, 3, 2, 16), utc(2026, 3, 2, 11), utc(2026, 3, 2, 13), 45
    )
    assert [w.start for w in windows] == [utc(2026, 3, d, 7) for d in range(2, 7)]
    assert domain.working_minutes(windows) == 5 * (9 * 60 - 45)


def test_the_spring_clock_change_in_paris():
    # Given the pattern of every day, the week of the change (Sunday 29 March 2026, 02:00 → 03:00)
    week = [ShiftDay(d, time(8), time(17)) for d in range(5)] + [ShiftDay(6, time(1, 30), time(3, 30))]
    windows = working_windows(week, [], frozenset(), "Europe/Paris", date(2026, 3, 27), date(2026, 3, 30))
    assert windows == [
        Window(utc(2026, 3, 27, 7), utc(2026, 3, 27, 16)),  # Friday, UTC+1
        # Sunday: 01:30 CET to 03:30 CEST lasts one hour
        Window(utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30)),
        Window(utc(2026, 3, 30, 6), utc(2026, 3, 30, 15)),  # Monday, UTC+2
    ]


def test_a_shift_starting_in_the_skipped_hour_starts_at_the_jump():
    week = [ShiftDay(6, time(2, 30), time(6))]
    windows = working_windows(week, [], frozenset(), "Europe/Paris", date(2026, 3, 29), date(2026, 3, 29))
    assert windows == [Window(utc(2026, 3, 29, 1), utc(2026, 3, 29, 4))]  # 03:00 CEST to 06:00 CEST


def test_the_autumn_clock_change_in_paris():
    # Given a night shift across the repeated hour (Sunday 25 October 2026, 03:00 → 02:00)
    week = [ShiftDay(6, time(1, 30), time(3, 30))]
    windows = working_windows(week, [], frozenset(), "Europe/Paris", date(2026, 10, 25), date(2026, 10, 25))
    # Then it lasts three hours: from the first 01:30 (CEST) to 03:30 CET
    assert windows == [Window(utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2, 30))]


def test_no_window_on_a_public_holiday():
    # Given Easter Monday 2026 (6 April) as a holiday
    windows = working_windows(
        OFFICE, [], frozenset({date(2026, 4, 6)}), "Europe/Paris", date(2026, 4, 6), date(2026, 4, 7)
    )
    assert [w.start for w in windows] == [utc(2026, 4, 7, 6)]


def test_a_morning_absence_keeps_the_afternoon_and_the_break():
    # Given an approved absence 08:00-12:00 local on Monday 2 March 2026
    off = Off(utc(2026, 3, 2, 7), utc(2026, 3, 2, 11))
    windows = working_windows(OFFICE, [off], frozenset(), "Europe/Paris", date(2026, 3, 2), date(2026, 3, 2))
    # Then the window starts at noon and the break window 12:00-14:00 still fits in it
    assert windows == [
        Window(utc(2026, 3, 2, 11), utc(2026, 3, 2, 16), utc(2026, 3, 2, 11), utc(2026, 3, 2, 13), 45)
    ]


def test_an_absence_in_the_middle_of_the_day_splits_the_window_and_drops_the_break():
    # Given an approved absence 11:00-13:00 local (a doctor's appointment), across the break window
    off = Off(utc(2026, 3, 3, 10), utc(2026, 3, 3, 12))
    windows = working_windows(OFFICE, [off], frozenset(), "Europe/Paris", date(2026, 3, 3), date(2026, 3, 3))
    assert windows == [
        Window(utc(2026, 3, 3, 7), utc(2026, 3, 3, 10)),
        Window(utc(2026, 3, 3, 12), utc(2026, 3, 3, 16)),
    ]


def test_only_approved_absences_count():
    day = (utc(2026, 3, 2, 0), utc(2026, 3, 3, 0))
    for status in ("requested", "refused", "cancelled"):
        windows = working_windows(
            OFFICE,
            [Off(*day, status=status)],
            frozenset(),
            "Europe/Paris",
            date(2026, 3, 2),
            date(2026, 3, 2),
        )
        assert len(windows) == 1, status
    assert (
        working_windows(OFFICE, [Off(*day)], frozenset(), "Europe/Paris", date(2026, 3, 2), date(2026, 3, 2))
        == []
    )


# --- Working windows: properties -----------------------------------------------------------------

ZONES = ["Europe/Paris", "America/Toronto", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "America/Santiago"]
times = st.integers(min_value=0, max_value=23 * 60 + 59).map(lambda m: time(m // 60, m % 60))


@st.composite
def shift_days(draw: st.DrawFn, weekday: int) -> ShiftDay:
    a, b = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
    if draw(st.booleans()):
        span = (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)
        lo = draw(st.integers(0, span - 1))
        hi = draw(st.integers(lo + 1, span))
        minutes = draw(st.integers(1, min(hi - lo, domain.MAX_BREAK_MINUTES)))
        base = a.hour * 60 + a.minute
        earliest = time((base + lo) // 60, (base + lo) % 60)
        latest = time((base + hi) // 60, (base + hi) % 60)
        return ShiftDay(weekday, a, b, earliest, latest, minutes)
    return ShiftDay(weekday, a, b)


@st.composite
def scenarios(draw: st.DrawFn):
    days = draw(st.lists(st.integers(0, 6), unique=True, max_size=7))
    week = [draw(shift_days(d)) for d in days]
    first = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 1)))
    last = first + timedelta(days=draw(st.integers(0, 20)))
    holidays = frozenset(draw(st.lists(st.dates(min_value=first, max_value=last), max_size=4)))
    base = datetime.combine(first, time(0), tzinfo=UTC) - timedelta(hours=14)
    absences = []
    for _ in range(draw(st.integers(0, 5))):
        start = base + timedelta(minutes=draw(st.integers(0, 60 * 24 * 23)))
        end = start + timedelta(minutes=draw(st.integers(1, 60 * 24 * 3)))
        absences.append(
            Off(start, end, draw(st.sampled_from(["approved", "approved", "requested", "refused"])))
        )
    return week, absences, holidays, draw(st.sampled_from(ZONES)), first, last


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_windows_respect_shifts_holidays_and_absences(scenario):
    week, absences, holidays, zone_name, first, last = scenario
    zone = ZoneInfo(zone_name)
    pattern = {s.weekday: s for s in week}
    windows = working_windows(week, absences, holidays, zone_name, first, last)
    approved = [a for a in absences if a.status == "approved"]
    for index, w in enumerate(windows):
        assert w.start.tzinfo is UTC and w.end.tzinfo is UTC and w.start < w.end
        # sorted, never overlapping
        if index:
            assert windows[index - 1].end <= w.start
        # never overlapping an approved absence
        assert not any(a.start < w.end and w.start < a.end for a in approved)
        # inside the shift hours, local time, of a working day in range that is not a holiday
        local_start, local_last = (
            w.start.astimezone(zone),
            (w.end - timedelta(microseconds=1)).astimezone(zone),
        )
        day = local_start.date()
        assert local_last.date() == day and first <= day <= last and day not in holidays
        shift = pattern[day.weekday()]
        assert shift.start <= local_start.time() and local_last.time() < shift.end
        # a kept break lies inside its window and has room for its minutes
        if w.break_minutes:
            assert w.break_earliest is not None and w.break_latest is not None
            assert w.start <= w.break_earliest and w.break_latest <= w.end
            assert w.break_latest - w.break_earliest >= timedelta(minutes=w.break_minutes)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_without_absences_or_holidays_every_working_day_has_one_window(scenario):
    week, _absences, _holidays, zone_name, first, last = scenario
    windows = working_windows(week, [], frozenset(), zone_name, first, last)
    days = {s.weekday for s in week}
    expected = sum(1 for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() in days)
    # (a shift lying wholly in a skipped hour has no window: allow for that rare case)
    assert expected - 1 <= len(windows) <= expected


def test_covers_and_working_minutes():
    windows = [
        Window(utc(2026, 3, 2, 7), utc(2026, 3, 2, 10)),
        Window(utc(2026, 3, 2, 12), utc(2026, 3, 2, 16)),
    ]
    assert domain.covers(windows, utc(2026, 3, 2, 8), utc(2026, 3, 2, 10))
    assert not domain.covers(windows, utc(2026, 3, 2, 9), utc(2026, 3, 2, 13))  # across the gap
    assert domain.working_minutes(windows) == 7 * 60
