"""Template filters of the back office: localized country names, attribute values, durations, money."""

from __future__ import annotations

import gettext as gettext_module
import json
import math
from datetime import date, datetime
from functools import cache
from typing import Any

import pycountry
from django import template
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@cache
def _iso3166(language: str) -> gettext_module.NullTranslations:
    return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


@register.filter
def country_name(code: str) -> str:
    """``FR`` → "France" / "France", ``DE`` → "Germany" / "Allemagne", in the UI language."""
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    if country is None:
        return code or ""
    language = (get_language() or "en").split("-")[0]
    name = getattr(country, "common_name", None) or country.name
    return _iso3166(language).gettext(name)


@register.filter
def display_value(value: Any) -> str:
    """A stored value for reading: dates and numbers in the locale, yes/no, JSON for lists and maps."""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, str | Promise):
        return str(value)
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def minutes(seconds: int | str) -> int:
    """Seconds rounded up to whole minutes (for "try again in N minutes")."""
    try:
        return max(1, math.ceil(int(seconds) / 60))
    except (TypeError, ValueError):
        return 1


@register.filter
def money(minor: int | None, currency: str = "") -> str:
    """Integer minor units as an amount in the locale with its currency code: 300000 EUR → "3,000.00 EUR"."""
    if minor is None:
        return "—"
    amount = formats.number_format(minor / 100, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{amount}\xa0{currency}" if currency else amount


@register.filter
def business_hours(minutes: int | None) -> str:
    """Business minutes as business hours and minutes: 240 → "4 h", 90 → "1 h 30 min", 30 → "30 min"."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    shown = formats.number_format(hours, use_l10n=True, force_grouping=True)
    if not rest:
        return _("%(hours)s h") % {"hours": shown}
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    return _("%(hours)s h %(minutes)s min") % {"hours": shown, "minutes": rest}


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping[key]`` in a template (the key itself when missing)."""
    return mapping.get(key, key)
