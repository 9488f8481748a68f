"""The iCalendar writer: exact text, escaping, folding, cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from tournevis.dispatch.ical import Event, calendar, escape, fold

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
PARIS_WINTER = timezone(timedelta(hours=1))


def test_a_feed_with_one_visit_and_one_cancellation() -> None:
    events = [
        Event(
            uid="visit-1@tournevis",
            sequence=3,
            start=datetime(2026, 11, 25, 9, 0, tzinfo=PARIS_WINTER),
            end=datetime(2026, 11, 25, 10, 30, tzinfo=PARIS_WINTER),
            summary="WO-2026-000001: Counter jams; rejects notes",
            location="12 rue de la Paix, Paris",
        ),
        Event(
            uid="visit-2@tournevis",
            sequence=5,
            start=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
            end=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
            summary="WO-2026-000002",
            cancelled=True,
        ),
    ]
    assert calendar("Ana Lopes", events, now=NOW).split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tournevis//Dispatch//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Ana Lopes",
        "BEGIN:VEVENT",
        "UID:visit-1@tournevis",
        "SEQUENCE:3",
        "DTSTAMP:20261124T070000Z",
        "DTSTART:20261125T080000Z",
        "DTEND:20261125T093000Z",
        "SUMMARY:WO-2026-000001: Counter jams\\; rejects notes",
        "LOCATION:12 rue de la Paix\\, Paris",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:visit-2@tournevis",
        "SEQUENCE:5",
        "DTSTAMP:20261124T070000Z",
        "DTSTART:20261126T080000Z",
        "DTEND:20261126T090000Z",
        "SUMMARY:WO-2026-000002",
        "STATUS:CANCELLED",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_escape() -> None:
    assert escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 80
    folded = fold(line)
    pieces = folded.split("\r\n ")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert "".join(pieces) == line


@given(st.text(min_size=0, max_size=300))
def test_folding_is_reversible(text: str) -> None:
    line = "SUMMARY:" + escape(text)
    pieces = fold(line).split("\r\n ")
    assert "".join(pieces) == line
    assert all(len(p.encode()) <= 75 for p in pieces)
