"""Planning-board pages: the board (event-calendar, drag and drop through the dispatch API), the
keyboard form to plan or move a visit, optimisation proposals with progress, emergency insertion,
a technician's day on a map drawn without any tile server, dispatching that day, calendar feeds.

The board's JavaScript (static/web/board.js) calls the JSON API with the session; these views serve
the pages and the plain-form fallbacks that work without JavaScript.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tournevis.core import clock
from tournevis.core.errors import DomainError, NotFound
from tournevis.dispatch import feeds as calendar_feeds
from tournevis.dispatch import queries, services
from tournevis.dispatch.api import proposal_out
from tournevis.dispatch.models import Feed, Proposal
from tournevis.identity.guard import page, public
from tournevis.web.ticket_views import parse_int
from tournevis.web.views import _actor
from tournevis.workforce.access import access_technician
from tournevis.workforce.models import Team, Technician


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _local(raw: str | None, zone: str) -> datetime | None:
    """A ``datetime-local`` field, read on the wall clock of ``zone`` (the technician's)."""
    try:
        value = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def _technician(request: HttpRequest, pk: int) -> Technician:
    """The technician the actor may see, else 404 (a technician sees only its own record)."""
    try:
        return access_technician(_actor(request), pk)
    except NotFound:
        raise Http404 from None


@page("page.dispatch.board")
def board(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate(clock.now())
    team_id = parse_int(request.GET.get("team"))
    first = _day(request.GET.get("day"), today)
    data = queries.board(first, first + timedelta(days=6), team_id)
    context = {
        "section": "dispatch",
        "teams": Team.objects.order_by("name"),
        "team_id": team_id,
        "first": first,
        "last": first + timedelta(days=6),
        "technicians": data["resources"],
        "unassigned": data["unassigned"],
        "planned": [v for v in data["visits"] if not v["locked"]],
        "moves": queries.last_moves(actor.user_id),
        "proposals": queries.recent_proposals(5),
        "can_plan": actor.role in ("admin", "manager", "dispatcher"),
        "strings": {
            "refused": _("Refused"),
            "confirm": _("Confirm this move?"),
            "moved": _("Moved."),
            "undo": _("Undo"),
            "failed": _("The server could not be reached; nothing was changed."),
            "absent": _("absent"),
            "requested": _("absence requested"),
            "buttons": {
                "today": _("today"),
                "resourceTimelineDay": _("day"),
                "resourceTimelineWeek": _("week"),
                "resourceTimelineMonth": _("month"),
            },
        },
    }
    return render(request, "web/dispatch/board.html", context)


@page("page.dispatch.move")
@require_POST
def move(request: HttpRequest) -> HttpResponse:
    """The keyboard (and no-JavaScript) way to plan or move a visit: the same checks as a drop."""
    post = request.POST
    visit_id, technician_id = parse_int(post.get("visit_id")), parse_int(post.get("technician_id"))
    zone = None
    if technician_id is not None:
        zone = Technician.objects.filter(pk=technician_id).values_list("timezone", flat=True).first()
    start = _local(post.get("start"), zone or "UTC")
    back = post.get("next") or reverse("web:dispatch_board")
    if visit_id is None or technician_id is None or start is None:
        messages.error(request, _("Choose a visit, a technician and a start."))
        return redirect(back)
    try:
        services.move_visit(
            _actor(request),
            visit_id,
            technician_id=technician_id,
            start=start,
            confirm=post.get("confirm") == "1",
        )
    except services.MoveRefused as refused:
        reasons = refused.result.errors or refused.result.warnings
        text = " ".join(issue.text(_) for issue in reasons)
        if refused.needs_confirmation:
            text += " " + _("Tick “confirm” to plan it anyway.")
        messages.error(request, text)
        return redirect(back)
    except DomainError as error:
        messages.error(request, error.text(_))
        return redirect(back)
    messages.success(request, _("The visit is planned."))
    return redirect(back)


@page("page.dispatch.undo")
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.undo_move(_actor(request), pk)
        messages.success(request, _("The move was undone."))
    except DomainError as error:
        messages.error(request, error.text(_))
    return redirect(request.POST.get("next") or reverse("web:dispatch_board"))


@page("page.dispatch.optimise")
@require_POST
def optimise(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        limit = float(post.get("time_limit") or 10)
    except ValueError:
        limit = -1.0
    try:
        proposal = services.start_optimisation(
            _actor(request),
            team_id=parse_int(post.get("team_id")),
            first=_day(post.get("first_day"), date.min) if post.get("first_day") else None,
            last=_day(post.get("last_day"), date.min) if post.get("last_day") else None,
            time_limit=limit,
        )
    except DomainError as error:
        messages.error(request, error.text(_))
        return redirect("web:dispatch_board")
    services.run_in_background(proposal.pk)
    return redirect("web:dispatch_proposal", pk=proposal.pk)


@page("page.dispatch.emergency")
@require_POST
def emergency(request: HttpRequest, visit_pk: int) -> HttpResponse:
    try:
        proposal = services.insert_emergency(_actor(request), visit_pk)
    except DomainError as error:
        messages.error(request, error.text(_))
        return redirect("web:dispatch_board")
    return redirect("web:dispatch_proposal", pk=proposal.pk)


def _proposal_context(proposal: Proposal) -> dict[str, Any]:
    shown = proposal_out(proposal)
    names = dict(Technician.objects.values_list("pk", "name"))
    for change in shown["changes"]:
        change["technician"] = names.get(change["technician_id"], "?")
        change["old_technician"] = names.get(change["old_technician_id"], "")
        change["start_at"] = datetime.fromisoformat(change["start"])
        change["old_start_at"] = datetime.fromisoformat(change["old_start"]) if change["old_start"] else None
    return {"proposal": proposal, "shown": shown, "section": "dispatch"}


@page("page.dispatch.proposal")
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    found = Proposal.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    context = _proposal_context(found)
    if request.headers.get("HX-Request") == "true":
        return render(request, "web/dispatch/_proposal.html", context)
    return render(request, "web/dispatch/proposal.html", context)


@page("page.dispatch.decide")
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            done = services.accept(_actor(request), pk, parse_int(request.POST.get("version")))
            skipped = len(done.outcome.get("skipped", []))
            messages.success(
                request,
                _("Plan accepted: %(applied)s visits planned, %(skipped)s skipped.")
                % {"applied": len(done.outcome.get("applied", [])), "skipped": skipped},
            )
        else:
            services.discard(_actor(request), pk, parse_int(request.POST.get("version")))
            messages.success(request, _("Proposal discarded."))
    except DomainError as error:
        messages.error(request, error.text(_))
    return redirect("web:dispatch_proposal", pk=pk)


# --- A technician's day -----------------------------------------------------------------------------

MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 420, 30


def project(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Latitude/longitude → SVG x/y: equirectangular around the points' mean latitude, scaled to fit
    the drawing with its margin, north up. One point lands in the middle."""
    if not points:
        return []
    mean_lat = sum(lat for lat, _lon in points) / len(points)
    squeeze = math.cos(math.radians(mean_lat))
    xs = [lon * squeeze for _lat, lon in points]
    ys = [lat for lat, _lon in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    scale = min(MAP_WIDTH, MAP_HEIGHT) - 2 * MAP_MARGIN
    width = (max(xs) - min(xs)) / span * scale
    height = (max(ys) - min(ys)) / span * scale
    left = (MAP_WIDTH - width) / 2
    top = (MAP_HEIGHT - height) / 2
    return [
        (round(left + (x - min(xs)) / span * scale, 1), round(top + (max(ys) - y) / span * scale, 1))
        for x, y in zip(xs, ys, strict=True)
    ]


@page("page.dispatch.day")
def technician_day(request: HttpRequest, pk: int) -> HttpResponse:
    technician = _technician(request, pk)
    zone = ZoneInfo(technician.timezone)
    day = _day(request.GET.get("day"), clock.now().astimezone(zone).date())
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    stops = queries.day_of(technician.pk, day_start)
    located = [s for s in stops if s.latitude is not None and s.longitude is not None]
    points = [(technician.home_latitude, technician.home_longitude)] + [
        (float(s.latitude or 0), float(s.longitude or 0)) for s in located
    ]
    xy = project(points)
    context = {
        "section": "dispatch",
        "technician": technician,
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "stops": stops,
        "home_xy": xy[0],
        "stop_xy": [(s, p) for s, p in zip(located, xy[1:], strict=True)],
        "path": " ".join(f"{x},{y}" for x, y in [*xy, xy[0]]) if len(xy) > 1 else "",
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "zone": technician.timezone,
        "can_plan": _actor(request).role in ("admin", "manager", "dispatcher"),
    }
    return render(request, "web/dispatch/day.html", context)


@page("page.dispatch.dispatch_day")
@require_POST
def dispatch_day(request: HttpRequest, pk: int) -> HttpResponse:
    technician = _technician(request, pk)
    zone = ZoneInfo(technician.timezone)
    day = _day(request.POST.get("day"), clock.now().astimezone(zone).date())
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    try:
        sent = services.dispatch_day(_actor(request), technician.pk, start, end)
        messages.success(
            request,
            _("%(count)s visits dispatched; the customers are told the visit windows.")
            % {"count": len(sent)},
        )
    except DomainError as error:
        messages.error(request, error.text(_))
    return redirect(f"{reverse('web:dispatch_day', args=[pk])}?day={day.isoformat()}")


# --- Calendar feeds ---------------------------------------------------------------------------------


@page("page.dispatch.feeds")
def feeds(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    technician = _technician(request, pk)
    new_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                _feed, token = calendar_feeds.create_feed(actor, technician.pk)
                new_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
            elif action == "revoke":
                feed_id = parse_int(request.POST.get("feed_id"))
                if feed_id is None or not Feed.objects.filter(pk=feed_id, technician=technician).exists():
                    raise Http404
                calendar_feeds.revoke_feed(actor, feed_id)
                messages.success(request, _("The feed URL is revoked: calendars using it stop updating."))
        except DomainError as error:
            messages.error(request, error.text(_))
    context = {
        "section": "dispatch",
        "technician": technician,
        "feeds": queries.feeds_of(technician.pk),
        "new_url": new_url,
    }
    return render(request, "web/dispatch/feeds.html", context)


@public
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind a revocable token URL (no login: calendar clients cannot log in)."""
    text = calendar_feeds.feed_document(token)
    if text is None:
        raise Http404
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
