"""Pure kernel helpers: the clock and common value validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tournevis.core import clock
from tournevis.core.domain import clean_country, clean_phone, clean_subdivision, clean_text, clean_timezone
from tournevis.core.errors import InvalidInput


def test_frozen_clock_returns_the_frozen_moment_and_restores():
    moment = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    with clock.frozen(moment):
        assert clock.now() == moment
    assert clock.now() != moment
    assert clock.now().tzinfo is UTC


def test_fixed_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        clock.FixedClock(datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(("raw", "expected"), [("fr", "FR"), (" ca ", "CA"), ("JP", "JP")])
def test_country_codes_are_normalised(raw, expected):
    assert clean_country(raw) == expected


@pytest.mark.parametrize("raw", ["XX", "FRA", "", "France"])
def test_unknown_countries_are_refused_naming_the_field(raw):
    with pytest.raises(InvalidInput) as error:
        clean_country(raw, field="country")
    assert error.value.field == "country"


def test_timezones_must_be_iana_names():
    assert clean_timezone("America/Toronto") == "America/Toronto"
    with pytest.raises(InvalidInput) as error:
        clean_timezone("EST5EDT6")
    assert error.value.message == "“EST5EDT6” is not an IANA time zone (e.g. Europe/Paris)."


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [("06 12 34 56 78", "FR", "+33612345678"), ("+1 (416) 555-0199", None, "+14165550199"), ("", "FR", "")],
)
def test_phones_are_stored_in_e164(raw, region, expected):
    assert clean_phone(raw, region) == expected


def test_invalid_phone_is_refused():
    with pytest.raises(InvalidInput) as error:
        clean_phone("12", "FR", field="phone")
    assert error.value.field == "phone"


def test_subdivisions_belong_to_their_country():
    assert clean_subdivision("CA", "qc") == "QC"
    assert clean_subdivision("CA", "CA-ON") == "ON"
    with pytest.raises(InvalidInput):
        clean_subdivision("FR", "QC")


def test_text_length_and_requiredness():
    assert clean_text("  Lyon  ", "city", max_length=10) == "Lyon"
    with pytest.raises(InvalidInput, match="required"):
        clean_text("  ", "name", max_length=10, required=True)
    with pytest.raises(InvalidInput, match="At most 3 characters"):
        clean_text("abcd", "code", max_length=3)
    with pytest.raises(InvalidInput, match="NUL") as refused:
        clean_text("a\x00b", "note", max_length=10)
    assert refused.value.field == "note"
