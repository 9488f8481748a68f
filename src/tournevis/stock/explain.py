"""A sourcing explanation (``sourcing.Decision.explanation_of``: codes and parameters, stored on each
reservation) in words, in the active language: one sentence for the choice and one per runner-up
candidate. Used by the work-order page and API (and any page that shows a reservation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tournevis.stock.domain import ShippingMode


@dataclass(frozen=True)
class Explained:
    summary: str
    split: str = ""  # "share 2 of 3" when the need was split
    considered: list[str] = field(default_factory=list)


def mode_label(mode: str | None) -> str:
    return {
        ShippingMode.NONE.value: _("already there"),
        ShippingMode.GROUND.value: _("ground"),
        ShippingMode.EXPRESS_AIR.value: _("express air"),
    }.get(mode or "", mode or "")


def moment(value: Any, zone: str | None = None) -> str:
    """An ISO 8601 date-time (or a datetime) in ``zone`` (the current time zone when None), in the
    current locale's short format."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return ""
    tz = ZoneInfo(zone) if zone else timezone.get_current_timezone()
    return formats.date_format(value.astimezone(tz), "SHORT_DATETIME_FORMAT")


def _choice(data: dict[str, Any], zone: str | None) -> str:
    code = data.get("code")
    params = {
        "location": data.get("location", ""),
        "distance": data.get("distance_km"),
        "mode": mode_label(data.get("mode")),
        "hours": data.get("lead_hours"),
        "arrival": moment(data.get("arrival"), zone),
        "quantity": data.get("quantity", ""),
    }
    if code == "van":
        return _("Taken from the technician's van %(location)s: the parts are already there.") % params
    if code == "local":
        return _("Held at depot %(location)s, where the parts are needed: nothing travels.") % params
    if code == "depot":
        if params["distance"] is None:
            return (
                _("Shipped from depot %(location)s by %(mode)s in %(hours)s h: expected %(arrival)s.")
                % params
            )
        return (
            _(
                "Shipped from depot %(location)s (%(distance)s km away) by %(mode)s in %(hours)s h: "
                "expected %(arrival)s."
            )
            % params
        )
    return ""


def _runner_up(entry: dict[str, Any], zone: str | None) -> str:
    params = {
        "location": entry.get("location", ""),
        "available": entry.get("available", ""),
        "arrival": moment(entry.get("arrival"), zone),
        "distance": entry.get("distance_km"),
        "from_region": entry.get("from_region", ""),
        "to_region": entry.get("to_region", ""),
    }
    why = entry.get("why")
    if why == "short":
        return _("%(location)s: only %(available)s available.") % params
    if why == "later":
        return _("%(location)s: would arrive later (%(arrival)s).") % params
    if why == "farther":
        return _("%(location)s: would arrive at the same time but is farther (%(distance)s km).") % params
    if why == "code":
        return _("%(location)s: same arrival and distance; taken in the order of the codes.") % params
    if why == "no_route":
        return _("%(location)s: no lane from %(from_region)s to %(to_region)s.") % params
    if why == "hazardous":
        return _("%(location)s: a hazardous part cannot fly from %(from_region)s.") % params
    if why == "unused":
        return _("%(location)s: not needed.") % params
    return str(params["location"])


def explain(data: dict[str, Any] | None, zone: str | None = None) -> Explained:
    """The explanation of one reservation in words (empty for a reservation made by other means);
    times in ``zone`` (an IANA name; the current time zone when None)."""
    if not data:
        return Explained("")
    split = ""
    if data.get("strategy") == "soonest":
        split = _("No single place had %(of)s: share %(share)s of %(shares)s, the soonest first.") % {
            "of": data.get("of", ""),
            "share": data.get("share", 1),
            "shares": data.get("shares", 1),
        }
    considered = [_runner_up(entry, zone) for entry in data.get("considered", []) if isinstance(entry, dict)]
    more = int(data.get("more") or 0)
    if more:
        considered.append(
            ngettext("%(count)s other place was not listed.", "%(count)s other places were not listed.", more)
            % {"count": more}
        )
    return Explained(_choice(data, zone), split, considered)
