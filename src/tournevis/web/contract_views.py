"""Back-office pages of contracts and business calendars: thin — access, query, render.

Contracts: everyone, a customer user only its own customer's (404 otherwise, by
``contracts.access``). Calendars: staff; the editor and its preview: admins and managers. The preview
renders the next openings of the unsaved form values and writes nothing; saving goes through
``contracts.services_tiers.update_calendar``.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from tournevis.contracts import page_queries, services_tiers, sla_queries
from tournevis.contracts.access import access_calendar, access_contract
from tournevis.contracts.models import Calendar
from tournevis.core import clock
from tournevis.core.errors import DomainError
from tournevis.customers.domain import WEEKDAYS as WEEKDAY_CODES
from tournevis.identity.domain import Role
from tournevis.identity.guard import page
from tournevis.web import calendar_form
from tournevis.web.contract_labels import (
    CALENDAR_REASONS,
    CLOCK_LABELS,
    CYCLE_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from tournevis.web.views import PAGE_SIZE, _actor, _as_of, not_found_is_404

EDITORS = frozenset({Role.ADMIN, Role.MANAGER})
OPENINGS = 10


# --- Contracts -------------------------------------------------------------------------------------


@page("page.contracts.list")
def contracts(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    name = request.GET.get("customer", "").strip()[:100]
    status = request.GET.get("status", "").strip()
    kind = request.GET.get("type", "").strip()
    rows = page_queries.contract_rows(
        actor,
        customer_name=name,
        status=status if status in STATUS_LABELS else "",
        type=kind if kind in TYPE_LABELS else "",
    )
    context = {
        "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": {"customer": name, "status": status, "type": kind},
        "statuses": list(STATUS_LABELS.items()),
        "types": list(TYPE_LABELS.items()),
        "status_labels": STATUS_LABELS,
        "type_labels": TYPE_LABELS,
    }
    return render(request, "web/contracts.html", context)


@page("page.contracts.detail")
@not_found_is_404
def contract(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_contract(actor, pk)
    today = clock.now().astimezone(ZoneInfo(found.customer.timezone)).date()
    at, at_error = _as_of(request.GET.get("at", "").strip(), today)
    context = {
        "contract": found,
        "today": today,
        "at": at,
        "at_error": at_error,
        "details": page_queries.contract_page(found, at),
        "status_label": STATUS_LABELS.get(found.status, found.status),  # type: ignore[call-overload]
        "type_label": TYPE_LABELS.get(found.type, found.type),  # type: ignore[call-overload]
        "cycle_label": CYCLE_LABELS.get(found.billing_cycle, found.billing_cycle),  # type: ignore[call-overload]
        "included": [
            str(label)
            for flag, label in (
                (found.parts_included, _("parts")),
                (found.labour_included, _("labour")),
                (found.loaner_included, _("loaner")),
                (found.sla_pause_for_parts, _("SLA paused while waiting for parts")),
            )
            if flag
        ],
        "reasons": CALENDAR_REASONS,
        "plans": page_queries.plans_of(found),
        "is_staff": actor.role != Role.CUSTOMER,
    }
    return render(request, "web/contract.html", context)


# --- Calendars -------------------------------------------------------------------------------------


def _weekly(slots: dict[str, list[list[str]]]) -> list[tuple[str, str, list[list[str]]]]:
    return [(code, str(WEEKDAYS[index]), slots.get(code, [])) for index, code in enumerate(WEEKDAY_CODES)]


def _openings(calendar: Calendar) -> list[tuple[object, object]]:
    """The next openings as naive local date-times (templates would move aware ones to UTC)."""
    found = page_queries.openings(calendar, clock.now(), OPENINGS)
    return [(a.replace(tzinfo=None), b.replace(tzinfo=None)) for a, b in found]


@page("page.calendars.list")
def calendars(request: HttpRequest) -> HttpResponse:
    return render(request, "web/calendars.html", {"calendars": page_queries.calendar_rows()})


@page("page.calendars.detail")
@not_found_is_404
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_calendar(actor, pk)
    today: date = clock.now().astimezone(ZoneInfo(found.timezone)).date()
    context = {
        "calendar": found,
        "weekly": _weekly(found.slots or {}),
        "holidays": page_queries.next_holidays(found, today),
        "openings": _openings(found),
        "can_edit": actor.role in EDITORS,
    }
    return render(request, "web/calendar.html", context)


def _editor(found: Calendar, form: calendar_form.CalendarForm, **extra: object) -> dict[str, object]:
    slot_rows = [
        (
            f"slots_{code}",
            str(WEEKDAYS[index]),
            form.values[f"slots_{code}"],
            form.errors.get(f"slots_{code}", ""),
        )
        for index, code in enumerate(WEEKDAY_CODES)
    ]
    return {"calendar": found, "form": form, "slot_rows": slot_rows, **extra}


@page("page.calendars.edit")
@not_found_is_404
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_calendar(actor, pk)
    if request.method != "POST":
        return render(request, "web/calendar_edit.html", _editor(found, calendar_form.initial(found)))
    form = calendar_form.bind(request.POST, found)
    if form.is_valid:
        try:
            services_tiers.update_calendar(
                actor, found.pk, form.data, expected_version=int(form.values["version"] or 0) or None
            )
        except DomainError as exc:
            form.errors[calendar_form.form_field(exc.field)] = exc.text(_)
        else:
            messages.success(request, _("Calendar saved."))
            return redirect("web:calendar", pk=found.pk)
    return render(request, "web/calendar_edit.html", _editor(found, form), status=422)


@page("page.calendars.preview")
@not_found_is_404
def calendar_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor's form with the next openings of the posted (unsaved) values; nothing is written."""
    actor = _actor(request)
    found = access_calendar(actor, pk)
    form = (
        calendar_form.bind(request.POST, found) if request.method == "POST" else calendar_form.initial(found)
    )
    preview = None
    if form.is_valid:
        draft = calendar_form.unsaved(found, form) if form.data else found
        preview = {"calendar": draft, "openings": _openings(draft)}
    return render(request, "web/_calendar_editor.html", _editor(found, form, preview=preview))


# --- SLA clocks at risk ----------------------------------------------------------------------------

AT_RISK_WINDOWS = (1, 4, 8, 24)  # hours


@page("page.sla.at_risk")
def at_risk(request: HttpRequest) -> HttpResponse:
    """Running clocks that are breached, past their warning, or due within the chosen window."""
    try:
        hours = int(request.GET.get("within", "4"))
    except ValueError:
        hours = 4
    if hours not in AT_RISK_WINDOWS:
        hours = 4
    now = clock.now()
    clocks = sla_queries.at_risk(_actor(request), within=timedelta(hours=hours), now=now)
    page_queries.attach_clock_context(clocks, now)
    context = {
        "clocks": clocks,
        "within": hours,
        "windows": AT_RISK_WINDOWS,
        "clock_labels": CLOCK_LABELS,
    }
    return render(request, "web/at_risk.html", context)
