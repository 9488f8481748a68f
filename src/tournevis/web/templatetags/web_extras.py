"""Template filters of the back office: localized country names, attribute values, durations."""

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
