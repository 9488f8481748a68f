"""Template filters of the stock pages: quantities as people write them, part names in the page's
language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import get_language

from tournevis.stock.domain import Unit

register = template.Library()


@register.filter
def qty(value: Decimal | int | None, unit: str = "") -> str:
    """A quantity in the locale, without trailing zeros: 3.000 → "3", 2.500 (m) → "2.5 m" ("2,5 m" in
    French); a counted part's quantity has no unit."""
    if value is None:
        return "—"
    number = Decimal(value)
    number = number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    shown = formats.number_format(number, use_l10n=True, force_grouping=True)
    return f"{shown}\xa0{unit}" if unit and unit != Unit.UNIT else shown


@register.filter
def part_name(part: Any) -> str:
    """The name of a part (or of a row with ``name_en`` / ``name_fr``) in the page's language."""
    if (get_language() or "en").startswith("fr"):
        return str(part.name_fr)
    return str(part.name_en)
