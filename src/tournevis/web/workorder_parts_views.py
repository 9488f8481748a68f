"""The "Parts" section of the work-order page: the work order's reservations with their sourcing
explained in words (which van or depot, the transfer, its mode and expected arrival, the runner-up
places and why not), whether it waits for parts, a form to reserve a part by reference, and a button
to release a reservation.

Thin: access, one service call, redirect — or, refused, the work-order page again with the message
next to the field it names (the error's status) and nothing written. Office staff read the section; a
technician reads it on a work order with a visit of theirs; planners and desk agents reserve and
release (``page.workorders.parts.*``). Customer users do not see it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.identity.guard import page
from tournevis.identity.permissions import is_allowed
from tournevis.stock.domain import LocationKind, ReservationStatus, Unit
from tournevis.stock.explain import explain, mode_label
from tournevis.stock.models import Location
from tournevis.stock.reservations import ReservationRow
from tournevis.web.views import _actor, not_found_is_404
from tournevis.workorders import parts
from tournevis.workorders.access import access_work_order
from tournevis.workorders.models import WorkOrder

STATUS_LABELS = {
    ReservationStatus.ACTIVE.value: gettext_lazy("reserved"),
    ReservationStatus.CONSUMED.value: gettext_lazy("used"),
    ReservationStatus.RELEASED.value: gettext_lazy("released"),
}
TRANSFER_LABELS = {
    "planned": gettext_lazy("ordered"),
    "in_transit": gettext_lazy("on the road"),
    "received": gettext_lazy("arrived"),
    "cancelled": gettext_lazy("cancelled"),
}
FORM_FIELDS = {"part", "quantity"}
STOCKING_PLACES = (LocationKind.DEPOT.value, LocationKind.VAN.value)


def amount(value: Decimal, unit: str) -> str:
    """``2`` for a counted part, ``2.5 m`` for a measured one."""
    normal = value.normalize()
    text = format(normal, "f") if normal != normal.to_integral_value() else str(int(normal))
    return text if unit == Unit.UNIT.value else f"{text} {unit}"


def _item(row: ReservationRow, french: bool, zone: str) -> dict[str, Any]:
    words = explain(row.explanation, zone)
    return {
        "row": row,
        "name": row.part_name_fr if french else row.part_name_en,
        "quantity": amount(row.quantity, row.unit),
        "status": STATUS_LABELS.get(row.status, row.status),
        "transfer_status": TRANSFER_LABELS.get(row.transfer_status or "", row.transfer_status or ""),
        "mode": mode_label(row.transfer_mode) if row.transfer_mode else "",
        "words": words,
        "can_release": row.status == ReservationStatus.ACTIVE.value,
    }


def work_order_section(actor: Actor, order: WorkOrder) -> dict[str, Any] | None:
    """The context of ``web/workorders/_parts.html`` (None for a customer user)."""
    if actor.is_customer:
        return None
    found = parts.parts_status(order.pk)
    french = (get_language() or "en").startswith("fr")
    planner = is_allowed(actor.role, "page.workorders.parts.reserve")
    return {
        "status": found,
        "items": [_item(row, french, order.site.timezone) for row in found.reservations],
        # no depot nor van anywhere (stock not set up): nothing could be reserved, no form
        "can_reserve": planner
        and order.status not in parts.CLOSED
        and Location.objects.filter(kind__in=STOCKING_PLACES, active=True).exists(),
        "can_release": is_allowed(actor.role, "page.workorders.parts.release"),
    }


def _failed(request: HttpRequest, order: WorkOrder, exc: DomainError, posted: dict[str, str]) -> HttpResponse:
    from tournevis.web import workorder_views  # the work-order page renders this section

    name = (exc.field or "").rsplit(".", 1)[-1]
    field = name if name in FORM_FIELDS else "form"
    return workorder_views._detail(
        request, order, errors={"parts": {field: exc.text(_)}}, values={"parts": posted}, status=exc.status
    )


@page("page.workorders.parts.reserve")
@not_found_is_404
@require_POST
def work_order_reserve(request: HttpRequest, pk: int) -> HttpResponse:
    """Reserve a part by reference for the work order (from the van, else the best depot, else split)."""
    actor = _actor(request)
    order = access_work_order(actor, pk)
    posted = {name: request.POST.get(name, "").strip()[:60] for name in ("part", "quantity")}
    try:
        made = parts.reserve_parts(
            actor, order.pk, [{"part": posted["part"], "quantity": posted["quantity"]}]
        )
    except DomainError as exc:
        return _failed(request, order, exc, posted)
    transfers = sum(1 for reservation in made if reservation.transfer_id is not None)
    if transfers:
        text = ngettext(
            "Parts reserved: %(count)s transfer ordered.",
            "Parts reserved: %(count)s transfers ordered.",
            transfers,
        ) % {"count": transfers}
    else:
        text = _("Parts reserved where they are needed.")
    messages.success(request, text)
    return redirect("web:workorder", pk=order.pk)


@page("page.workorders.parts.release")
@not_found_is_404
@require_POST
def work_order_release(request: HttpRequest, pk: int, reservation_id: int) -> HttpResponse:
    """Release one reservation of the work order (its planned transfer is cancelled)."""
    actor = _actor(request)
    order = access_work_order(actor, pk)
    try:
        parts.release_parts(
            actor, order.pk, reservation_id, reason=request.POST.get("reason", "").strip()[:300]
        )
    except DomainError as exc:
        return _failed(request, order, exc, {})
    messages.success(request, _("Reservation released."))
    return redirect("web:workorder", pk=order.pk)
