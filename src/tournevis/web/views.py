"""Back-office pages: thin — access, query, render.

Every view declares its operation with ``@page``; protected objects come from the contexts' ``access``
modules (a ``NotFound`` there becomes the 404 page) and lists from their ``queries``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from tournevis.contracts import queries as contract_queries
from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
from tournevis.customers import queries as customer_queries
from tournevis.customers.access import (
    access_customer,
    access_site,
    visible_contacts,
    visible_customers,
    visible_sites,
)
from tournevis.customers.domain import WEEKDAYS as WEEKDAY_CODES
from tournevis.customers.models import TierChoices
from tournevis.identity.guard import page
from tournevis.installed_base import queries
from tournevis.installed_base.access import access_object, visible_objects
from tournevis.installed_base.domain import ObjectStatus
from tournevis.telemetry import queries as telemetry_queries
from tournevis.web import contract_labels, timeline

F = TypeVar("F", bound=Callable[..., HttpResponse])
PAGE_SIZE = 50


def not_found_is_404(view: F) -> F:
    """A ``NotFound`` from an access function becomes Django's 404 page (never a 403: nothing leaks)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return cast(F, wrapper)


def _actor(request: HttpRequest) -> Actor:
    return cast(Actor, request.actor)  # type: ignore[attr-defined]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@page("page.home")
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "customer_count": visible_customers(actor).count(),
        "site_count": visible_sites(actor).count(),
        "object_count": visible_objects(actor).count(),
        "in_repair_count": visible_objects(actor).filter(status=ObjectStatus.IN_REPAIR).count(),
        "recent": queries.list_objects(actor).order_by("-id")[:10],  # newest first, on the primary key
    }
    return render(request, "web/home.html", context)


@page("page.search")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = queries.search(_actor(request), query) if query else None
    return render(request, "web/search.html", {"query": query, "results": results})


# --- Customers -------------------------------------------------------------------------------------


@page("page.customers.list")
def customers(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    name = request.GET.get("name", "").strip()[:100]
    country = request.GET.get("country", "").strip().upper()[:2]
    tier = request.GET.get("tier", "").strip()
    rows = customer_queries.list_customers(
        actor, name=name, country=country, tier=tier if tier in TierChoices.values else None
    ).annotate(site_count=Count("sites"))
    countries = visible_customers(actor).order_by("country").values_list("country", flat=True).distinct()
    context = {
        "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": {"name": name, "country": country, "tier": tier},
        "countries": list(countries),
        "tiers": TierChoices.choices,
    }
    return render(request, "web/customers.html", context)


@page("page.customers.detail")
@not_found_is_404
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_customer(actor, pk)
    sites = visible_sites(actor).filter(customer_id=found.pk).annotate(object_count=Count("service_objects"))
    contacts = visible_contacts(actor).filter(customer_id=found.pk).order_by("name", "id")
    contracts = contract_queries.list_contracts(actor, customer_id=found.pk)
    context = {
        "customer": found,
        "sites": sites,
        "contacts": contacts,
        "contracts": contracts,
        "contract_status_labels": contract_labels.STATUS_LABELS,
        "contract_type_labels": contract_labels.TYPE_LABELS,
    }
    return render(request, "web/customer.html", context)


# --- Sites and the object tree ---------------------------------------------------------------------


def _access_hours(hours: dict[str, list[list[str]]]) -> list[tuple[str, str, list[list[str]]]]:
    """(code, localized weekday name, slots) from Monday to Sunday."""
    return [(code, str(WEEKDAYS[index]), hours.get(code, [])) for index, code in enumerate(WEEKDAY_CODES)]


@page("page.sites.detail")
@not_found_is_404
def site(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_site(actor, pk)
    contacts = (
        visible_contacts(actor)
        .filter(Q(site_id=found.pk) | Q(site__isnull=True), customer_id=found.customer_id)
        .order_by("name", "id")
    )
    context = {
        "site": found,
        "access_hours": _access_hours(found.access_hours or {}),
        "contacts": contacts,
        "nodes": queries.children(actor, site_id=found.pk, parent_id=None),
    }
    return render(request, "web/site.html", context)


@page("page.objects.children")
@not_found_is_404
def object_children(request: HttpRequest, pk: int) -> HttpResponse:
    """One level of the tree as an HTML fragment for htmx; a plain visit goes to the object page."""
    actor = _actor(request)
    parent = access_object(actor, pk)
    if not _is_htmx(request):
        response: HttpResponse = redirect("web:object", pk=parent.pk)
    else:
        nodes = queries.children(actor, site_id=parent.site_id, parent_id=parent.pk)
        response = render(request, "web/_tree_nodes.html", {"nodes": nodes, "parent": parent})
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Service objects -------------------------------------------------------------------------------


def _as_of(raw: str, today: date) -> tuple[date, str]:
    """The ``as_of`` GET parameter as a date (today when absent), with an error message when unreadable."""
    if not raw:
        return today, ""
    try:
        parsed = date.fromisoformat(raw)
    except ValueError:
        parsed = None
    if parsed is None or not 1900 <= parsed.year <= 9000:  # far dates overflow the end-of-day maths
        return today, _("“%(value)s” is not a date; showing today.") % {"value": raw[:20]}
    return parsed, ""


@page("page.objects.detail")
@not_found_is_404
def service_object(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    obj = access_object(actor, pk)
    now = clock.now()
    today = now.astimezone(ZoneInfo(obj.site.timezone)).date()
    as_of, as_of_error = _as_of(request.GET.get("as_of", "").strip(), today)
    moment = queries.moment_for(as_of, obj.site.timezone, now)
    context = {
        "telemetry_charts": telemetry_queries.charts_for_object(obj.pk, now=now),
        "object": obj,
        "ancestors": queries.ancestors(obj),
        "as_of": as_of,
        "as_of_error": as_of_error,
        "today": today,
        "attributes": list(queries.attributes_as_of(obj, moment).values()),
        "attribute_history": list(queries.attribute_history(obj)),
        "timeline": timeline.present(actor, queries.history(obj)),
        "nodes": queries.children(actor, site_id=obj.site_id, parent_id=obj.pk),
    }
    return render(request, "web/object.html", context)
