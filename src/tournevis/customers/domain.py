"""Pure rules about customers, contacts and sites. No Django."""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import pairwise
from typing import Any

from tournevis.core.domain import (
    clean_country,
    clean_language,
    clean_phone,
    clean_subdivision,
    clean_text,
    clean_timezone,
)
from tournevis.core.errors import InvalidInput, gettext_noop


class Tier(StrEnum):
    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_VAT = re.compile(r"^[A-Z0-9]{4,16}$")


def clean_tier(value: str, field: str = "tier") -> str:
    try:
        return Tier(value).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("Tier must be one of %(choices)s."),
            field=field,
            choices=", ".join(t.value for t in Tier),
        ) from None


def clean_vat_number(value: str, field: str = "vat_number") -> str:
    """Upper-case, without spaces, dots or dashes; 4 to 16 letters and digits (e.g. FR40303265045)."""
    compact = re.sub(r"[\s.\-]", "", value or "").upper()
    if compact and not _VAT.match(compact):
        raise InvalidInput(gettext_noop("“%(value)s” is not a VAT number."), field=field, value=value)
    return compact


def clean_access_hours(value: Any, field: str = "access_hours") -> dict[str, list[list[str]]]:
    """``{"mon": [["08:00", "12:00"], ["13:30", "18:00"]]}``: sorted, non-overlapping slots per weekday."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(gettext_noop("Access hours must map weekdays to lists of slots."), field=field)
    cleaned: dict[str, list[list[str]]] = {}
    for day, slots in value.items():
        where = f"{field}.{day}"
        if day not in WEEKDAYS:
            raise InvalidInput(
                gettext_noop("Unknown weekday “%(day)s”; use %(choices)s."),
                field=where,
                day=day,
                choices=", ".join(WEEKDAYS),
            )
        if not isinstance(slots, list):
            raise InvalidInput(gettext_noop("A list of [start, end] slots is expected."), field=where)
        pairs: list[list[str]] = []
        for slot in slots:
            if not (
                isinstance(slot, list | tuple) and len(slot) == 2 and all(isinstance(t, str) for t in slot)
            ):
                raise InvalidInput(gettext_noop('Each slot is ["HH:MM", "HH:MM"].'), field=where)
            start, end = slot
            if not (_HHMM.match(start) and _HHMM.match(end)) or start >= end:
                raise InvalidInput(
                    gettext_noop("“%(start)s-%(end)s” is not a valid slot."),
                    field=where,
                    start=start,
                    end=end,
                )
            pairs.append([start, end])
        pairs.sort()
        for previous, following in pairwise(pairs):
            if following[0] < previous[1]:
                raise InvalidInput(gettext_noop("Slots overlap."), field=where)
        if pairs:
            cleaned[day] = pairs
    return {day: cleaned[day] for day in WEEKDAYS if day in cleaned}


def clean_latitude(value: float | None, field: str = "latitude") -> float | None:
    if value is None:
        return None
    if not -90 <= float(value) <= 90:
        raise InvalidInput(gettext_noop("Latitude must be between -90 and 90."), field=field)
    return round(float(value), 6)


def clean_longitude(value: float | None, field: str = "longitude") -> float | None:
    if value is None:
        return None
    if not -180 <= float(value) <= 180:
        raise InvalidInput(gettext_noop("Longitude must be between -180 and 180."), field=field)
    return round(float(value), 6)


def clean_customer(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise customer fields present in ``data`` (a partial update is allowed)."""
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "country" in data:
        out["country"] = clean_country(data["country"])
    if "language" in data:
        out["language"] = clean_language(data["language"])
    if "timezone" in data:
        out["timezone"] = clean_timezone(data["timezone"])
    if "vat_number" in data:
        out["vat_number"] = clean_vat_number(data["vat_number"])
    if "tier" in data:
        out["tier"] = clean_tier(data["tier"])
    if "phone" in data:
        out["phone"] = clean_phone(data["phone"], out.get("country") or data.get("country"))
    return out


def clean_contact(data: dict[str, Any], country: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "email" in data:
        email = clean_text(data["email"], "email", max_length=254).lower()
        if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            raise InvalidInput(
                gettext_noop("“%(value)s” is not an e-mail address."), field="email", value=email
            )
        out["email"] = email
    if "phone" in data:
        out["phone"] = clean_phone(data["phone"], country)
    if "language" in data:
        out["language"] = clean_language(data["language"])
    if "job_title" in data:
        out["job_title"] = clean_text(data["job_title"], "job_title", max_length=100)
    for flag in ("notify_by_email", "notify_by_sms", "receives_reports"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise InvalidInput(gettext_noop("A boolean is expected."), field=flag)
            out[flag] = data[flag]
    return out


def clean_site(data: dict[str, Any], country_hint: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "code" in data:
        out["code"] = clean_text(data["code"], "code", max_length=40)
    for key, length in (("address_line1", 200), ("address_line2", 200), ("postal_code", 20), ("city", 100)):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=length)
    country = country_hint
    if "country" in data:
        country = out["country"] = clean_country(data["country"])
    if "region" in data:
        if not country:
            raise InvalidInput(gettext_noop("A region needs a country."), field="region")
        out["region"] = clean_subdivision(country, data["region"])
    if "timezone" in data:
        out["timezone"] = clean_timezone(data["timezone"])
    if "latitude" in data:
        out["latitude"] = clean_latitude(data["latitude"])
    if "longitude" in data:
        out["longitude"] = clean_longitude(data["longitude"])
    if "access_hours" in data:
        out["access_hours"] = clean_access_hours(data["access_hours"])
    if "access_notes" in data:
        out["access_notes"] = clean_text(data["access_notes"], "access_notes", max_length=2000)
    return out
