"""Back-office pages of stock: thin — access, query or one service call, render.

Office staff (admin, manager, dispatcher, agent) read every page; admins, managers and dispatchers
receive parts, record counts, set limits, replenish and move transfers along. A technician sees only
their own van's page (404 for any other location; ``/stock/`` leads them there). Times are shown in
the viewer's time zone (``stock_forms.viewer_zone``). Transfers have their own module
(``stock_transfer_views``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tournevis.core import clock
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop
from tournevis.identity.domain import Role
from tournevis.identity.guard import page
from tournevis.identity.permissions import roles_for
from tournevis.stock import access, page_queries, queries, services
from tournevis.stock.domain import STOCKING, MovementKind
from tournevis.stock.models import Location
from tournevis.web import stock_forms as forms
from tournevis.web.views import PAGE_SIZE, _actor, not_found_is_404

RECEIVE_FIELDS = ("part", "quantity", "serials", "reason", "reference")
ADJUST_FIELDS = ("part", "counted", "serials", "reason")
LIMIT_FIELDS = ("part", "minimum", "maximum")
JOURNAL_FILTERS = ("part", "location", "kind", "since", "until")
SERVICE_FIELDS = {"part_id": "part", "location_id": "form"}


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": forms.location_kind_labels(),
        "group_labels": forms.location_group_labels(),
        "movement_labels": forms.movement_kind_labels(),
        "status_labels": forms.transfer_status_labels(),
        "mode_labels": forms.mode_labels(),
    }


# --- Overview --------------------------------------------------------------------------------------


@page("page.stock.overview")
def overview(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if actor.role == Role.TECHNICIAN:  # a technician's stock is their van
        van_id = next(iter(access.own_van_ids(actor) or []), None)
        if van_id is None:
            raise Http404(_("You have no van."))
        return redirect("web:stock_location", pk=van_id)
    context = {"overview": page_queries.overview(clock.now()), **_labels()}
    return render(request, "web/stock/overview.html", context)


# --- A location ------------------------------------------------------------------------------------


def _blank(names: tuple[str, ...]) -> dict[str, Any]:
    return {"values": dict.fromkeys(names, ""), "errors": {}}


def _location_page(
    request: HttpRequest,
    location: Location,
    *,
    forms_state: dict[str, dict[str, Any]] | None = None,
    action_error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    zone, zone_error = forms.viewer_zone(request, actor)
    writer = actor.role in roles_for("page.stock.receive")
    state = {
        "receive": _blank(RECEIVE_FIELDS),
        "adjust": _blank(ADJUST_FIELDS),
        "limits": _blank(LIMIT_FIELDS),
        **(forms_state or {}),
    }
    now = clock.now()
    transfers = [
        {"transfer": transfer, "late": transfer.expected_arrival < now}
        for transfer in page_queries.transfer_rows(location_id=location.pk)
    ]
    stocking = location.kind in STOCKING
    context = {
        "location": location,
        "lines": page_queries.location_levels(location.pk),
        "transfers": transfers,
        "proposals": queries.replenishment_proposals(location.pk) if writer and stocking else [],
        "forms": state,
        "can_write": writer,
        "can_replenish": writer and stocking,
        "can_see_journal": actor.role in roles_for("page.stock.movements"),
        "can_see_overview": actor.role != Role.TECHNICIAN,
        "action_error": action_error,
        "next_url": reverse("web:stock_location", args=[location.pk]),
        "zone": zone,
        "zone_error": zone_error,
        **_labels(),
    }
    return render(request, "web/stock/location.html", context, status=status)


@page("page.stock.location")
@not_found_is_404
def location(request: HttpRequest, pk: int) -> HttpResponse:
    return _location_page(request, access.access_location(_actor(request), pk))


def _refused(
    request: HttpRequest,
    found: Location,
    form: str,
    values: dict[str, str],
    exc: DomainError,
    fields: tuple[str, ...],
) -> HttpResponse:
    errors = {forms.form_field(exc, SERVICE_FIELDS, fields): exc.text(_)}
    return _location_page(
        request, found, forms_state={form: {"values": values, "errors": errors}}, status=exc.status
    )


@page("page.stock.receive")
@not_found_is_404
@require_POST
def location_receive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access.access_location(actor, pk)
    values = forms.posted(request.POST, RECEIVE_FIELDS)
    try:
        part = forms.part_from(values["part"])
        services.receive(
            actor,
            found.pk,
            part.pk,
            values["quantity"],
            serials=forms.serials_from(values["serials"]),
            reason=values["reason"],
            reference=values["reference"],
        )
    except DomainError as exc:
        return _refused(request, found, "receive", values, exc, RECEIVE_FIELDS)
    messages.success(
        request,
        _("Received %(quantity)s of %(part)s at %(location)s.")
        % {"quantity": values["quantity"], "part": part.reference, "location": found.code},
    )
    return redirect("web:stock_location", pk=found.pk)


@page("page.stock.adjust")
@not_found_is_404
@require_POST
def location_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access.access_location(actor, pk)
    values = forms.posted(request.POST, ADJUST_FIELDS)
    try:
        part = forms.part_from(values["part"])
        if not values["counted"]:
            raise InvalidInput(gettext_noop("Give the quantity counted."), field="counted")
        movement = services.adjust(
            actor,
            found.pk,
            part.pk,
            values["counted"],
            reason=values["reason"],
            serials=forms.serials_from(values["serials"]) if part.serialised else None,
        )
    except DomainError as exc:
        return _refused(request, found, "adjust", values, exc, ADJUST_FIELDS)
    if movement is None:
        messages.info(request, _("The count matches the stock: nothing to adjust."))
    else:
        messages.success(
            request,
            _("Count of %(part)s at %(location)s recorded: %(counted)s.")
            % {"part": part.reference, "location": found.code, "counted": values["counted"]},
        )
    return redirect("web:stock_location", pk=found.pk)


@page("page.stock.limits")
@not_found_is_404
@require_POST
def location_limits(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access.access_location(actor, pk)
    values = forms.posted(request.POST, LIMIT_FIELDS)
    try:
        part = forms.part_from(values["part"])
        services.set_limits(
            actor,
            found.pk,
            part.pk,
            minimum=forms.quantity_or_none(values["minimum"]),
            maximum=forms.quantity_or_none(values["maximum"]),
        )
    except DomainError as exc:
        return _refused(request, found, "limits", values, exc, LIMIT_FIELDS)
    messages.success(
        request,
        _("Limits of %(part)s at %(location)s saved.") % {"part": part.reference, "location": found.code},
    )
    return redirect("web:stock_location", pk=found.pk)


@page("page.stock.replenish")
@not_found_is_404
@require_POST
def location_replenish(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access.access_location(actor, pk)
    try:
        created = services.replenish(actor, found.pk)
    except DomainError as exc:
        return _location_page(request, found, action_error=exc.text(_), status=exc.status)
    if created:
        messages.success(
            request,
            ngettext("%(count)d transfer created.", "%(count)d transfers created.", len(created))
            % {"count": len(created)},
        )
    else:
        messages.info(request, _("Nothing to replenish: every part is at or above its minimum."))
    return redirect("web:stock_location", pk=found.pk)


# --- Parts -----------------------------------------------------------------------------------------


@page("page.stock.parts.list")
def parts(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    context = {
        "page_obj": Paginator(page_queries.search_parts(search), PAGE_SIZE).get_page(request.GET.get("page")),
        "search": search,
        "unit_labels": forms.unit_labels(),
    }
    return render(request, "web/stock/parts.html", context)


@page("page.stock.parts.detail")
@not_found_is_404
def part(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access.access_part(actor, pk)
    zone, zone_error = forms.viewer_zone(request, actor)
    context = {
        "part": found,
        "models": queries.part_fits(found.pk),
        "stock": page_queries.part_stock(found.pk),
        "movements": page_queries.last_movements(found.pk),
        "unit_labels": forms.unit_labels(),
        "zone": zone,
        "zone_error": zone_error,
        **_labels(),
    }
    return render(request, "web/stock/part.html", context)


# --- Movements journal -----------------------------------------------------------------------------


@page("page.stock.movements")
def movements(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    zone, zone_error = forms.viewer_zone(request, actor)
    filters = {name: request.GET.get(name, "").strip()[:100] for name in JOURNAL_FILTERS}
    errors: dict[str, str] = {}
    part_id = None
    if filters["part"]:
        found = page_queries.part_by_reference(filters["part"])
        if found is None:
            errors["part"] = _("No part with reference %(reference)s.") % {"reference": filters["part"]}
        else:
            part_id = found.pk
    days = {}
    for name in ("since", "until"):
        try:
            days[name] = forms.local_day(filters[name], name)
        except InvalidInput as exc:
            errors[name] = exc.text(_)
            days[name] = None
    kind = filters["kind"] if filters["kind"] in {item.value for item in MovementKind} else ""
    filters["kind"] = kind
    since, until = forms.day_bounds(days["since"], days["until"], zone)
    rows = page_queries.journal(
        part_id=part_id,
        location_id=forms.parse_int(filters["location"]),
        kind=kind or None,
        since=since,
        until=until,
    )
    if errors:
        rows = rows.none()
    context = {
        "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "location_id": forms.parse_int(filters["location"]),
        "errors": errors,
        "locations": page_queries.location_choices(),
        "kinds": list(forms.movement_kind_labels().items()),
        "zone": zone,
        "zone_error": zone_error,
        **_labels(),
    }
    return render(request, "web/stock/movements.html", context)
