"""Pure helpers shared by every context's domain: validation of common values. No Django."""

from __future__ import annotations

import math
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
import pycountry

from tournevis.core.errors import InvalidInput, gettext_noop

LANGUAGES = ("en", "fr")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_timezone(value: str, field: str = "timezone") -> str:
    value = (value or "").strip()
    if value not in _timezones():
        raise InvalidInput(
            gettext_noop("“%(value)s” is not an IANA time zone (e.g. Europe/Paris)."),
            field=field,
            value=value,
        )
    ZoneInfo(value)
    return value


def clean_country(value: str, field: str = "country") -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not an ISO 3166-1 alpha-2 country code (e.g. FR, CA, JP)."),
            field=field,
            value=value,
        )
    return code


def clean_subdivision(country: str, value: str, field: str = "region") -> str:
    """An ISO 3166-2 subdivision of ``country`` given as ``QC`` or ``CA-QC``; empty is allowed."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    code = value if "-" in value else f"{country}-{value}"
    if pycountry.subdivisions.get(code=code) is None or not code.startswith(f"{country}-"):
        raise InvalidInput(
            gettext_noop("“%(value)s” is not a subdivision of %(country)s."),
            field=field,
            value=value,
            country=country,
        )
    return code.split("-", 1)[1]


def clean_language(value: str, field: str = "language") -> str:
    value = (value or "").strip().lower()
    if value not in LANGUAGES:
        raise InvalidInput(
            gettext_noop("Language must be one of %(choices)s."), field=field, choices=", ".join(LANGUAGES)
        )
    return value


def clean_phone(value: str, region: str | None = None, field: str = "phone") -> str:
    """Normalise a phone number to E.164 (+33612345678); empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not a phone number."), field=field, value=value
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(gettext_noop("“%(value)s” is not a valid phone number."), field=field, value=value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(gettext_noop("This field is required."), field=field)
    if len(value) > max_length:
        raise InvalidInput(gettext_noop("At most %(max)s characters."), field=field, max=max_length)
    if "\x00" in value:  # PostgreSQL stores no NUL in text: refused here, not a 500 at the INSERT
        raise InvalidInput(gettext_noop("Text may not contain NUL characters."), field=field)
    return value


EARTH_RADIUS_M = 6_371_008.8


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two points given in degrees."""
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
