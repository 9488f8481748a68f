"""Back-office pages of the workforce: thin — access, query or one service call, render.

Staff see every technician; a technician sees only their own page (404 for others, by
``workforce.access``). Managers and dispatchers edit the weekly shifts and decide on absences;
technicians request absences for themselves. Times on these pages are the technician's local time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tournevis.core import clock
from tournevis.core.errors import DomainError, InvalidInput
from tournevis.identity.guard import page
from tournevis.identity.permissions import roles_for
from tournevis.web.views import PAGE_SIZE, _actor, not_found_is_404
from tournevis.workforce import queries, services
from tournevis.workforce.access import access_absence, access_technician
from tournevis.workforce.domain import AbsenceStatus
from tournevis.workforce.models import (
    AbsenceKindChoices,
    AbsenceStatusChoices,
    Shift,
    Skill,
    Team,
    Technician,
)

AVAILABILITY_DAYS = 14
ABSENCES_SHOWN = 20
SHIFT_FIELDS = ("start", "end", "break_earliest", "break_latest", "break_minutes")
# Absence status → a badge style of app.css
STATUS_STYLES = {
    AbsenceStatus.REQUESTED: "status-suspended",
    AbsenceStatus.APPROVED: "status-active",
    AbsenceStatus.REFUSED: "status-terminated",
    AbsenceStatus.CANCELLED: "status-draft",
}


def _shift_labels() -> dict[str, str]:
    return {
        "start": _("Start"),
        "end": _("End"),
        "break_earliest": _("Break from"),
        "break_latest": _("Break until"),
        "break_minutes": _("Break (minutes)"),
    }


def _parse_int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


# --- List ------------------------------------------------------------------------------------------


@page("page.technicians.list")
def technicians(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    team_id = _parse_int(request.GET.get("team"))
    skill = request.GET.get("skill", "").strip()[:50]
    q = request.GET.get("q", "").strip()[:100]
    rows = queries.list_technicians(actor, team_id=team_id, skill=skill or None, q=q or None)
    deciders = roles_for("page.absences.decide")
    context = {
        "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": {"team": team_id, "skill": skill, "q": q},
        "teams": Team.objects.order_by("name"),
        "skills": Skill.objects.order_by("code"),
        "pending": list(queries.pending_absences()[:50]) if actor.role in deciders else [],
        "kind_labels": dict(AbsenceKindChoices.choices),
    }
    return render(request, "web/workforce/technicians.html", context)


# --- Technician page -------------------------------------------------------------------------------


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """A naive local date-time for display (templates would move an aware one to UTC)."""
    return value.astimezone(zone).replace(tzinfo=None)


def _availability(technician: Technician, today: date) -> list[dict[str, Any]]:
    zone = ZoneInfo(technician.timezone)
    last = today + timedelta(days=AVAILABILITY_DAYS - 1)
    windows = queries.availability([technician.pk], today, last).get(technician.pk, [])
    by_day: dict[date, list[dict[str, Any]]] = {}
    for window in windows:
        start = _local(window.start, zone)
        by_day.setdefault(start.date(), []).append(
            {
                "start": start,
                "end": _local(window.end, zone),
                "break_earliest": _local(window.break_earliest, zone) if window.break_earliest else None,
                "break_latest": _local(window.break_latest, zone) if window.break_latest else None,
                "break_minutes": window.break_minutes,
            }
        )
    return [
        {"day": today + timedelta(days=n), "windows": by_day.get(today + timedelta(days=n), [])}
        for n in range(AVAILABILITY_DAYS)
    ]


def _week(technician: Technician) -> list[tuple[int, str, Shift | None]]:
    pattern = {shift.weekday: shift for shift in technician.shifts.all()}
    return [(day, str(WEEKDAYS[day]), pattern.get(day)) for day in range(7)]


def _detail(
    request: HttpRequest, technician: Technician, *, error: str = "", status: int = 200
) -> HttpResponse:
    actor = _actor(request)
    zone = ZoneInfo(technician.timezone)
    today = clock.now().astimezone(zone).date()
    deciders = roles_for("page.absences.decide")
    absences = [
        {
            "absence": absence,
            "start": _local(absence.start, zone),
            "end": _local(absence.end, zone),
            "style": STATUS_STYLES.get(AbsenceStatus(absence.status), ""),
            "can_decide": actor.role in deciders and absence.status == AbsenceStatus.REQUESTED,
            "can_cancel": absence.status == AbsenceStatus.REQUESTED
            or (absence.status == AbsenceStatus.APPROVED and actor.role in deciders),
        }
        for absence in queries.absences_of(technician.pk)[:ABSENCES_SHOWN]
    ]
    context = {
        "technician": technician,
        "skills": list(technician.skills.select_related("skill").order_by("skill__code")),
        "week": _week(technician),
        "absences": absences,
        "availability": _availability(technician, today),
        "kind_labels": dict(AbsenceKindChoices.choices),
        "status_labels": dict(AbsenceStatusChoices.choices),
        "can_edit_shifts": actor.role in roles_for("page.technicians.shifts"),
        "can_request": actor.role in roles_for("page.technicians.absence"),
        "can_cancel_any": actor.role in roles_for("page.absences.cancel"),
        "action_error": error,
    }
    return render(request, "web/workforce/technician.html", context, status=status)


@page("page.technicians.detail")
@not_found_is_404
def technician(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_technician(_actor(request), pk))


# --- Weekly shifts ---------------------------------------------------------------------------------


def _shift_values(technician: Technician) -> dict[str, str]:
    values: dict[str, str] = {}
    for shift in technician.shifts.all():
        for name in SHIFT_FIELDS:
            value = getattr(shift, name)
            if name == "break_minutes":
                values[f"d{shift.weekday}_{name}"] = str(value) if value else ""
            else:
                values[f"d{shift.weekday}_{name}"] = value.strftime("%H:%M") if value else ""
    return values


def _week_from(post: Any) -> tuple[list[dict[str, Any]], list[int], dict[str, str], dict[str, str]]:
    """The posted week as service input, the weekday of each entry, the raw values and the errors
    found before the service is called (a break length that is not a number)."""
    values = {
        f"d{day}_{name}": post.get(f"d{day}_{name}", "").strip()[:10]
        for day in range(7)
        for name in SHIFT_FIELDS
    }
    week: list[dict[str, Any]] = []
    weekdays: list[int] = []
    errors: dict[str, str] = {}
    for day in range(7):
        if not any(values[f"d{day}_{name}"] for name in SHIFT_FIELDS):
            continue  # a day off
        minutes_raw = values[f"d{day}_break_minutes"]
        minutes = _parse_int(minutes_raw)
        if minutes_raw and minutes is None:
            errors[f"d{day}_break_minutes"] = _("A whole number of minutes is expected.")
        week.append(
            {
                "weekday": day,
                "start": values[f"d{day}_start"],
                "end": values[f"d{day}_end"],
                "break_earliest": values[f"d{day}_break_earliest"] or None,
                "break_latest": values[f"d{day}_break_latest"] or None,
                "break_minutes": minutes or 0,
            }
        )
        weekdays.append(day)
    return week, weekdays, values, errors


def _shift_form(
    request: HttpRequest,
    technician: Technician,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    labels = _shift_labels()
    rows = [
        {
            "weekday": day,
            "label": str(WEEKDAYS[day]),
            "fields": [
                {
                    "name": f"d{day}_{name}",
                    "kind": name,
                    "label": labels[name],
                    "value": values.get(f"d{day}_{name}", ""),
                    "error": errors.get(f"d{day}_{name}", ""),
                }
                for name in SHIFT_FIELDS
            ],
        }
        for day in range(7)
    ]
    context = {"technician": technician, "rows": rows, "form_error": errors.get("form", "")}
    return render(request, "web/workforce/shifts.html", context, status=status)


@page("page.technicians.shifts")
@not_found_is_404
def technician_shifts(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_technician(actor, pk)
    if request.method != "POST":
        return _shift_form(request, found, _shift_values(found), {})
    week, weekdays, values, errors = _week_from(request.POST)
    if not errors:
        try:
            services.set_shifts(actor, found.pk, week)
        except DomainError as exc:
            errors[_shift_field(exc.field, weekdays)] = exc.text(_)
        else:
            messages.success(request, _("Weekly shifts saved."))
            return redirect("web:technician", pk=found.pk)
    return _shift_form(request, found, values, errors, status=422)


def _shift_field(field: str | None, weekdays: list[int]) -> str:
    """``shifts.2.end`` → the form field of that entry's weekday, e.g. ``d3_end``."""
    parts = (field or "").split(".")
    if len(parts) == 3 and parts[0] == "shifts" and parts[1].isdigit() and int(parts[1]) < len(weekdays):
        name = parts[2] if parts[2] in SHIFT_FIELDS else "start"
        return f"d{weekdays[int(parts[1])]}_{name}"
    return "form"


# --- Absences --------------------------------------------------------------------------------------


def _local_input(value: str, zone: ZoneInfo, field: str) -> datetime:
    """``2026-03-02T08:00`` (a datetime-local input) in the technician's time zone."""
    try:
        naive = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - made aware just below
    except ValueError:
        raise InvalidInput(_("Give a date and a time, e.g. 2026-03-02 08:00."), field=field) from None
    return naive.replace(tzinfo=zone)


@page("page.technicians.absence")
@not_found_is_404
def technician_absence(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = access_technician(actor, pk)
    zone = ZoneInfo(found.timezone)
    values = {"kind": "vacation", "start": "", "end": "", "reason": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip()[:2000] for name in values}
        try:
            services.request_absence(
                actor,
                found.pk,
                {
                    "kind": values["kind"],
                    "start": _local_input(values["start"], zone, "start"),
                    "end": _local_input(values["end"], zone, "end"),
                    "reason": values["reason"],
                },
            )
        except DomainError as exc:
            errors[exc.field if exc.field in values else "form"] = exc.text(_)
            status = exc.status
        else:
            messages.success(request, _("Absence requested."))
            return redirect("web:technician", pk=found.pk)
    context = {
        "technician": found,
        "values": values,
        "errors": errors,
        "kinds": AbsenceKindChoices.choices,
    }
    return render(request, "web/workforce/absence_form.html", context, status=status)


@page("page.absences.decide")
@not_found_is_404
@require_POST
def absence_decide(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    absence = access_absence(actor, pk)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("approve", "refuse"):
            raise InvalidInput(_("Choose approve or refuse."), field="decision")
        services.decide_absence(
            actor, pk, decision == "approve", expected_version=_parse_int(request.POST.get("version"))
        )
    except DomainError as exc:
        return _detail(request, absence.technician, error=exc.text(_), status=exc.status)
    messages.success(request, _("Absence approved.") if decision == "approve" else _("Absence refused."))
    return redirect("web:technician", pk=absence.technician_id)


@page("page.absences.cancel")
@not_found_is_404
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    absence = access_absence(actor, pk)
    try:
        services.cancel_absence(actor, pk, expected_version=_parse_int(request.POST.get("version")))
    except DomainError as exc:
        return _detail(request, absence.technician, error=exc.text(_), status=exc.status)
    messages.success(request, _("Absence cancelled."))
    return redirect("web:technician", pk=absence.technician_id)
