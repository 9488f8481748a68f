"""Back-office pages of stock transfers: the planned and in-transit list with expected arrivals in the
viewer's time zone (late ones flagged), ship / receive / cancel, and the "New transfer" form.

Office staff read; admins, managers and dispatchers act. A refused action re-renders the list with
the reason (and the status of the error); a refused new transfer shows the error on its field and
writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tournevis.core import clock
from tournevis.core.errors import DomainError, InvalidInput, NotFound, gettext_noop
from tournevis.identity.guard import page
from tournevis.identity.permissions import roles_for
from tournevis.stock import page_queries, services
from tournevis.stock.domain import STOCKING, TransferStatus
from tournevis.stock.models import Transfer
from tournevis.web import stock_forms as forms
from tournevis.web.views import PAGE_SIZE, _actor, not_found_is_404

NEW_FIELDS = ("part", "quantity", "source", "destination", "reason", "serials")
SERVICE_FIELDS = {"part_id": "part", "source_id": "source", "destination_id": "destination"}
STATUS_FILTERS = ("open", *(status.value for status in TransferStatus))


def _statuses(choice: str) -> tuple[str, ...]:
    return page_queries.OPEN_TRANSFERS if choice == "open" else (choice,)


def _list_page(request: HttpRequest, *, action_error: str = "", status: int = 200) -> HttpResponse:
    actor = _actor(request)
    zone, zone_error = forms.viewer_zone(request, actor)
    choice = request.GET.get("status", "open")
    choice = choice if choice in STATUS_FILTERS else "open"
    location_id = forms.parse_int(request.GET.get("location"))
    rows = page_queries.transfer_rows(statuses=_statuses(choice), location_id=location_id)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    context = {
        "page_obj": page_obj,
        "transfers": [
            {
                "transfer": transfer,
                "late": transfer.status in page_queries.OPEN_TRANSFERS and transfer.expected_arrival < now,
            }
            for transfer in page_obj.object_list
        ],
        "filters": {"status": choice, "location": location_id},
        "status_choices": [("open", _("Planned or in transit")), *forms.transfer_status_labels().items()],
        "locations": page_queries.location_choices(),
        "status_labels": forms.transfer_status_labels(),
        "mode_labels": forms.mode_labels(),
        "can_act": actor.role in roles_for("page.stock.transfers.ship"),
        "can_create": actor.role in roles_for("page.stock.transfers.new"),
        "action_error": action_error,
        # after an action, back to this list (a re-rendered refusal's URL is the action's: use the list)
        "next_url": request.get_full_path() if request.method == "GET" else reverse("web:stock_transfers"),
        "zone": zone,
        "zone_error": zone_error,
    }
    return render(request, "web/stock/transfers.html", context, status=status)


@page("page.stock.transfers.list")
def transfers(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


# --- New transfer ----------------------------------------------------------------------------------


def _new_page(
    request: HttpRequest, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HttpResponse:
    locations = page_queries.location_choices()
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "sources": [place for place in locations if place.kind in STOCKING],
        "destinations": locations,
        "kind_labels": forms.location_kind_labels(),
    }
    return render(request, "web/stock/transfer_new.html", context, status=status)


@page("page.stock.transfers.new")
def transfer_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method != "POST":
        return _new_page(request, forms.posted(request.GET, NEW_FIELDS, limit=200), {})
    values = forms.posted(request.POST, NEW_FIELDS)
    try:
        part = forms.part_from(values["part"])
        created = services.create_transfer(
            actor,
            part_id=part.pk,
            quantity=values["quantity"],
            source_id=_location_id(values["source"], "source"),
            destination_id=_location_id(values["destination"], "destination"),
            serials=forms.serials_from(values["serials"]),
            reason=values["reason"],
        )
    except DomainError as exc:
        errors = {forms.form_field(exc, SERVICE_FIELDS, NEW_FIELDS): exc.text(_)}
        return _new_page(request, values, errors, status=exc.status)
    messages.success(request, _("Transfer %(number)s planned.") % {"number": created.number})
    return redirect("web:stock_transfers")


def _location_id(value: str, field: str) -> int:
    number = forms.parse_int(value)
    if number is None:
        raise InvalidInput(gettext_noop("Choose a location."), field=field)
    return number


# --- Ship, receive, cancel -------------------------------------------------------------------------


def _transfer(pk: int) -> Transfer:
    found = Transfer.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(gettext_noop("No transfer with id %(id)s."), id=pk)
    return found


def _back(request: HttpRequest) -> HttpResponse:
    """To the page the action was sent from (a location's page or the list), else the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("web:stock_transfers")


def _act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    actor = _actor(request)
    found = _transfer(pk)
    try:
        if verb == "ship":
            services.ship_transfer(actor, found.pk)
            done = _("Transfer %(number)s shipped.")
        elif verb == "receive":
            services.receive_transfer(actor, found.pk)
            done = _("Transfer %(number)s received.")
        else:
            reason = request.POST.get("reason", "").strip()[:300]
            if not reason:
                raise InvalidInput(gettext_noop("Give a reason for cancelling the transfer."), field="reason")
            services.cancel_transfer(actor, found.pk, reason=reason)
            done = _("Transfer %(number)s cancelled.")
    except DomainError as exc:
        return _list_page(request, action_error=exc.text(_), status=exc.status)
    messages.success(request, done % {"number": found.number})
    return _back(request)


@page("page.stock.transfers.ship")
@not_found_is_404
@require_POST
def transfer_ship(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "ship")


@page("page.stock.transfers.receive")
@not_found_is_404
@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "receive")


@page("page.stock.transfers.cancel")
@not_found_is_404
@require_POST
def transfer_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "cancel")
