"""The calendar editor's form: text fields to the contracts service's input, and its errors back per field.

Slots are typed per weekday as ``08:00-12:00, 13:30-18:00``; closures one range a line
(``2026-08-03 2026-08-21``, a single date for one day, or two date-times with their offset); yearly
closures one ``MM-DD MM-DD`` range a line. Validation is the contracts domain's (``clean_calendar``),
field by field so that every wrong field gets its message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tournevis.contracts import domain
from tournevis.contracts.models import Calendar
from tournevis.core.errors import DomainError
from tournevis.customers.domain import WEEKDAYS

_DASH = re.compile(r"\s*[-–]\s*(?=\d{2}:)")  # noqa: RUF001 (an en dash is accepted between times)


@dataclass
class CalendarForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def initial(calendar: Calendar) -> CalendarForm:
    """The form's text values for a stored calendar."""
    values = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "always_open": "on" if calendar.always_open else "",
        "holidays_country": calendar.holidays_country,
        "holidays_subdivision": calendar.holidays_subdivision,
        "closures": "\n".join(" ".join(pair) for pair in calendar.closures),
        "yearly_closures": "\n".join(" ".join(pair) for pair in calendar.yearly_closures),
        "version": str(calendar.version),
    }
    for day in WEEKDAYS:
        values[f"slots_{day}"] = ", ".join(f"{a}-{b}" for a, b in (calendar.slots or {}).get(day, []))
    return CalendarForm(values)


def _slots(text: str) -> list[list[str]] | None:
    out = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        parts = _DASH.split(piece)
        if len(parts) != 2:
            return None
        out.append([parts[0].strip(), parts[1].strip()])
    return out


def _ranges(text: str, single_is_day: bool) -> list[list[str]] | None:
    out = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        parts = line.split()
        if len(parts) == 1 and single_is_day:
            parts = [parts[0], parts[0]]
        if len(parts) != 2:
            return None
        out.append(parts)
    return out


def form_field(name: str | None) -> str:
    """A service error's field to the form's: ``slots.mon`` → ``slots_mon``, ``closures.2`` → ``closures``."""
    head, _sep, rest = (name or "").partition(".")
    if head in ("slots", "holidays") and rest:
        return f"{head}_{rest}"
    return head if head in ("name", "timezone", "closures", "yearly_closures") else "form"


def bind(post: Any, calendar: Calendar) -> CalendarForm:
    """Read and check the posted values; ``data`` is the service's input when the form is valid."""
    names = ["name", "timezone", "holidays_country", "holidays_subdivision", "closures", "yearly_closures"]
    values = {name: str(post.get(name, "")).strip() for name in names}
    values["always_open"] = "on" if post.get("always_open") else ""
    values["version"] = str(post.get("version", calendar.version))
    for day in WEEKDAYS:
        values[f"slots_{day}"] = str(post.get(f"slots_{day}", "")).strip()
    form = CalendarForm(values)
    slots: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        parsed = _slots(values[f"slots_{day}"])
        if parsed is None:
            form.errors[f"slots_{day}"] = _("Write slots as 08:00-12:00, separated by commas.")
        elif parsed:
            slots[day] = parsed
    closures = _ranges(values["closures"], single_is_day=True)
    if closures is None:
        form.errors["closures"] = _("Write one range a line: a start and an end separated by a space.")
    yearly = _ranges(values["yearly_closures"], single_is_day=True)
    if yearly is None:
        form.errors["yearly_closures"] = _("Write one range a line: a start and an end separated by a space.")
    country = values["holidays_country"]
    raw: dict[str, Any] = {
        "name": values["name"],
        "timezone": values["timezone"],
        "always_open": bool(values["always_open"]),
        "holidays": {"country": country, "subdivision": values["holidays_subdivision"]} if country else None,
    }
    if not any(key.startswith("slots_") for key in form.errors):
        raw["slots"] = slots
    if closures is not None:
        raw["closures"] = closures
    if yearly is not None:
        raw["yearly_closures"] = yearly
    if not country and values["holidays_subdivision"]:
        form.errors["holidays_country"] = _("Give the country of this subdivision.")
    for key, value in raw.items():
        try:
            domain.clean_calendar({key: value})
        except DomainError as exc:
            form.errors.setdefault(form_field(exc.field), exc.text(_))
    form.data = raw if form.is_valid else {}
    return form


def unsaved(calendar: Calendar, form: CalendarForm) -> Calendar:
    """A copy of ``calendar`` with the form's (valid) values, never saved: for the preview."""
    fields = domain.clean_calendar(form.data)
    copy = Calendar(pk=calendar.pk, name=calendar.name, timezone=calendar.timezone)
    for name, value in fields.items():
        setattr(copy, name, value)
    return copy
