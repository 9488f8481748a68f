"""Helpers of the stock pages: the labels of the stock enums, reading the posted forms, the viewer's
time zone, and mapping a service error's field onto the form field that shows it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop
from tournevis.identity.domain import Role
from tournevis.stock import page_queries
from tournevis.stock.domain import LocationKind, MovementKind, ShippingMode, TransferStatus, Unit
from tournevis.stock.models import Part
from tournevis.workforce.models import Technician

SESSION_ZONE = "stock_timezone"
DEFAULT_ZONE = "UTC"
_SERIAL_SPLIT = re.compile(r"[\s,;]+")


# --- Labels ----------------------------------------------------------------------------------------


def location_kind_labels() -> dict[str, str]:
    return {
        LocationKind.DEPOT: _("Depot"),
        LocationKind.VAN: _("Van"),
        LocationKind.CONSIGNMENT: _("Consignment"),
        LocationKind.IN_TRANSIT: _("In transit"),
        LocationKind.DEFECTIVE: _("Defective returns"),
    }


def location_group_labels() -> dict[str, str]:
    return {
        LocationKind.DEPOT: _("Depots"),
        LocationKind.VAN: _("Vans"),
        LocationKind.CONSIGNMENT: _("Consignment stock"),
        LocationKind.DEFECTIVE: _("Defective returns"),
    }


def movement_kind_labels() -> dict[str, str]:
    return {
        MovementKind.RECEIPT: _("Receipt"),
        MovementKind.TRANSFER_OUT: _("Transfer out"),
        MovementKind.TRANSFER_IN: _("Transfer in"),
        MovementKind.CONSUMPTION: _("Consumption"),
        MovementKind.DEFECTIVE_RETURN: _("Defective return"),
        MovementKind.ADJUSTMENT: _("Count adjustment"),
    }


def transfer_status_labels() -> dict[str, str]:
    return {
        TransferStatus.PLANNED: _("Planned"),
        TransferStatus.IN_TRANSIT: _("In transit"),
        TransferStatus.RECEIVED: _("Received"),
        TransferStatus.CANCELLED: _("Cancelled"),
    }


def mode_labels() -> dict[str, str]:
    return {
        ShippingMode.NONE: _("No shipping"),
        ShippingMode.GROUND: _("Ground"),
        ShippingMode.EXPRESS_AIR: _("Express air"),
    }


def unit_labels() -> dict[str, str]:
    return {
        Unit.UNIT: _("units"),
        Unit.METRE: _("metres"),
        Unit.LITRE: _("litres"),
        Unit.KILOGRAM: _("kilograms"),
    }


# --- Posted values ---------------------------------------------------------------------------------


def posted(data: QueryDict, names: tuple[str, ...], *, limit: int = 2000) -> dict[str, str]:
    """The named values, stripped and cut to ``limit`` characters ("" when missing)."""
    return {name: data.get(name, "").strip()[:limit] for name in names}


def serials_from(text: str) -> tuple[str, ...]:
    """Serial numbers typed one a line (or separated by commas, semicolons or spaces)."""
    return tuple(serial for serial in _SERIAL_SPLIT.split(text) if serial)


def part_from(reference: str) -> Part:
    """The part a form names by its reference; InvalidInput on ``part`` otherwise."""
    if not reference:
        raise InvalidInput(gettext_noop("Give the part's reference."), field="part")
    found = page_queries.part_by_reference(reference)
    if found is None:
        raise InvalidInput(
            gettext_noop("No part with reference %(reference)s."), field="part", reference=reference
        )
    return found


def parse_int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def form_field(exc: DomainError, mapping: dict[str, str], fields: tuple[str, ...]) -> str:
    """The form field that shows a service error: ``mapping`` renames the service's field names (e.g.
    ``source_id`` → ``source``); anything else is shown on top of the form (``form``)."""
    field = (exc.field or "").split(".")[0]
    field = mapping.get(field, field)
    return field if field in fields else "form"


# --- The viewer's time zone ------------------------------------------------------------------------


def _zone_known(name: str) -> bool:
    return name == "UTC" or name in available_timezones()


def viewer_zone(request: HttpRequest, actor: Actor) -> tuple[str, str]:
    """The time zone the viewer reads times in, and an error text for a bad choice: the ``tz``
    parameter when given (remembered for the session), else the one chosen earlier in the session,
    else a technician's own time zone, else UTC."""
    wanted = request.GET.get("tz", "").strip()[:64]
    if wanted:
        if _zone_known(wanted):
            request.session[SESSION_ZONE] = wanted
            return wanted, ""
        error = _("Unknown time zone: %(name)s. Give an IANA name, for example Europe/Paris.") % {
            "name": wanted
        }
        return _default_zone(request, actor), error
    return _default_zone(request, actor), ""


def _default_zone(request: HttpRequest, actor: Actor) -> str:
    remembered = request.session.get(SESSION_ZONE)
    if isinstance(remembered, str) and _zone_known(remembered):
        return remembered
    if actor.role == Role.TECHNICIAN and actor.user_id is not None:
        own = Technician.objects.filter(user_id=actor.user_id).values_list("timezone", flat=True).first()
        if own:
            return own
    return DEFAULT_ZONE


def local_day(value: str, field: str) -> date | None:
    """A ``YYYY-MM-DD`` date input (empty → None); InvalidInput naming ``field``."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(gettext_noop("Give a date, e.g. 2026-03-02."), field=field) from None


def day_bounds(since: date | None, until: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """The UTC-aware instants from the start of ``since`` to the end of ``until``, local days in ``zone``."""
    tz = ZoneInfo(zone)
    start = datetime.combine(since, time(0), tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=tz) if until else None
    return start, end


def quantity_or_none(value: str) -> Any:
    """A limit field: empty means no limit."""
    return value or None
