"""Work-order pages: the list (filters, htmx refresh), the work-order page with its forms (status, plan a
visit, visit steps, validation) and the new-work-order form (by hand, or prefilled from a ticket).
Thin — access, query, one service call, redirect or render.

Who sees what is ``workorders.access``'s: staff all, a technician the work orders with a visit of its
own (and acts on its own visits only), a customer user its own customer's, read-only. Each form posts to
its own URL, calls ONE workorders service and redirects; a ``DomainError`` re-renders the page with the
message next to the field it names (422) and nothing is written. Times typed in a form are read in the
work order's site time zone, and shown in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop
from tournevis.customers.access import visible_sites
from tournevis.identity.domain import Role
from tournevis.identity.guard import page
from tournevis.identity.permissions import is_allowed
from tournevis.installed_base.access import visible_objects
from tournevis.tickets.access import access_ticket
from tournevis.tickets.models import Ticket
from tournevis.web import loaner_views, visit_record_views, visit_report_views, workorder_parts_views
from tournevis.web.ticket_views import PRIORITY_LABELS, error_text, parse_int
from tournevis.web.views import PAGE_SIZE, _actor, not_found_is_404
from tournevis.workforce.models import Skill, Technician
from tournevis.workorders import completion, domain, queries, services
from tournevis.workorders.access import access_visit, access_work_order
from tournevis.workorders.domain import Kind, Status, VisitStatus
from tournevis.workorders.models import Visit, WorkOrder

STATUS_LABELS = {
    Status.DRAFT: gettext_lazy("Draft"),
    Status.READY: gettext_lazy("Ready to plan"),
    Status.SCHEDULED: gettext_lazy("Scheduled"),
    Status.DISPATCHED: gettext_lazy("Dispatched"),
    Status.EN_ROUTE: gettext_lazy("En route"),
    Status.ON_SITE: gettext_lazy("On site"),
    Status.PAUSED: gettext_lazy("Paused"),
    Status.COMPLETED: gettext_lazy("Completed"),
    Status.VALIDATED: gettext_lazy("Validated"),
    Status.CANCELLED: gettext_lazy("Cancelled"),
}
VISIT_STATUS_LABELS = {
    VisitStatus.UNSCHEDULED: gettext_lazy("Unscheduled"),
    VisitStatus.PLANNED: gettext_lazy("Planned"),
    VisitStatus.DISPATCHED: gettext_lazy("Dispatched"),
    VisitStatus.EN_ROUTE: gettext_lazy("En route"),
    VisitStatus.ON_SITE: gettext_lazy("On site"),
    VisitStatus.PAUSED: gettext_lazy("Paused"),
    VisitStatus.COMPLETED: gettext_lazy("Completed"),
    VisitStatus.CANCELLED: gettext_lazy("Cancelled"),
}
KIND_LABELS = {
    Kind.CORRECTIVE: gettext_lazy("Corrective"),
    Kind.PREVENTIVE: gettext_lazy("Preventive"),
    Kind.INSTALLATION: gettext_lazy("Installation"),
    Kind.REMOTE: gettext_lazy("Remote"),
}
# The buttons of a visit: status → label of the step that leads there
VISIT_STEPS = {
    VisitStatus.DISPATCHED: gettext_lazy("Send to the technician"),
    VisitStatus.EN_ROUTE: gettext_lazy("On my way"),
    VisitStatus.ON_SITE: gettext_lazy("Check in"),
    VisitStatus.PAUSED: gettext_lazy("Pause"),
    VisitStatus.COMPLETED: gettext_lazy("Complete"),
    VisitStatus.CANCELLED: gettext_lazy("Cancel visit"),
}
MANUAL_LABELS = {
    Status.READY: gettext_lazy("Ready to plan"),
    Status.DRAFT: gettext_lazy("Back to draft"),
    Status.CANCELLED: gettext_lazy("Cancel the work order"),
}
PLANNERS = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER})
# Fields of the new-work-order form an error may be shown next to (else: at the top of the form)
NEW_FORM_FIELDS = frozenset(
    {
        "site_id",
        "serial",
        "ticket_id",
        "kind",
        "title",
        "description",
        "priority",
        "estimated_minutes",
        "skills",
        "parts_needed",
        "notes",
        "slot_start",
        "slot_end",
    }
)


def labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "visit_status_labels": VISIT_STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "priority_labels": PRIORITY_LABELS,
    }


def _local(value: str, zone: ZoneInfo, field: str) -> datetime | None:
    """A ``datetime-local`` value (2026-03-10T09:00) read in ``zone``; empty → None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            gettext_noop("Enter a date and time, e.g. 2026-03-10 09:00."), field=field
        ) from None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


# --- List ------------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> dict[str, str]:
    get = request.GET
    status = get.get("status", "open").strip() or "open"
    if status not in {"open", "all"} | {s.value for s in Status}:
        status = "open"
    priority = get.get("priority", "").strip()
    kind = get.get("kind", "").strip()
    return {
        "status": status,
        "priority": priority if priority in {p.value for p in domain.Priority} else "",
        "kind": kind if kind in {k.value for k in Kind} else "",
        "q": get.get("q", "").strip()[:100],
    }


def _rows(request: HttpRequest, actor: Actor, filters: dict[str, str]) -> dict[str, Any]:
    rows = queries.list_work_orders(
        actor,
        status=filters["status"] if filters["status"] not in ("open", "all") else None,
        open=True if filters["status"] == "open" else None,
        priority=filters["priority"] or None,
        kind=filters["kind"] or None,
        q=filters["q"] or None,
    )
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    orders = list(page_obj.object_list)
    current = {
        v.work_order_id: v
        for v in Visit.objects.select_related("technician")
        .filter(work_order__in=orders, status__in=[s.value for s in domain.OPEN_VISIT])
        .exclude(status=VisitStatus.UNSCHEDULED.value)
    }
    return {
        "page_obj": page_obj,
        "rows": [(o, current.get(o.pk)) for o in orders],
        "filters": filters,
        "any_filter": filters["status"] != "open" or any(filters[k] for k in ("priority", "kind", "q")),
        "is_staff": not actor.is_customer,
        "query": request.GET.urlencode(),
        **labels(),
    }


@page("page.workorders.list")
def work_orders(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = _filters(request)
    context = _rows(request, actor, filters)
    context.update(
        {
            "statuses": [(s.value, STATUS_LABELS[s]) for s in Status],
            "priorities": [(p.value, p.value) for p in domain.Priority],
            "kinds": [(k.value, KIND_LABELS[k]) for k in Kind],
            "can_create": actor.role in PLANNERS,
        }
    )
    return render(request, "web/workorders/list.html", context)


@page("page.workorders.rows")
def work_order_rows(request: HttpRequest) -> HttpResponse:
    """The table alone, refreshed by htmx every 30 s with the page's filters."""
    actor = _actor(request)
    response = render(request, "web/workorders/_rows.html", _rows(request, actor, _filters(request)))
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Work-order page -------------------------------------------------------------------------------


def _visit_steps(actor: Actor, visit: Visit) -> list[tuple[str, Any]]:
    """The steps this actor may take on this visit (a technician: its own visits only)."""
    if not is_allowed(actor.role, "page.workorders.visit_transition"):
        return []
    if actor.role == Role.TECHNICIAN and (
        visit.technician is None or visit.technician.user_id != actor.user_id
    ):
        return []
    allowed = domain.VISIT_TRANSITIONS[VisitStatus(visit.status)]
    steps = [(s.value, label) for s, label in VISIT_STEPS.items() if s in allowed]
    if visit.status == VisitStatus.UNSCHEDULED:
        return []  # cancelled with its work order
    return steps


def _detail(
    request: HttpRequest,
    order: WorkOrder,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    zone = ZoneInfo(order.site.timezone)
    visits = queries.visits_of(actor, order)
    open_visit = next((v for v in visits if v.status in domain.OPEN_VISIT), None)
    planner = actor.role in PLANNERS
    current = Status(order.status)
    manual = [
        (s.value, MANUAL_LABELS[s])
        for s in (Status.READY, Status.DRAFT, Status.CANCELLED)
        if s in domain.MANUAL.get(current, frozenset())
        or (s == Status.CANCELLED and current in domain.CANCELLABLE)
    ]
    context = {
        "order": order,
        "zone": order.site.timezone,
        "skills": services.skills_of(order),
        "visits": [(v, _visit_steps(actor, v)) for v in visits],
        "open_visit": open_visit,
        "timeline": queries.timeline(order) if not actor.is_customer else [],
        "is_staff": not actor.is_customer,
        "can_transition": planner and bool(manual),
        "manual_statuses": manual,
        "can_validate": is_allowed(actor.role, "page.workorders.validate") and current == Status.COMPLETED,
        "can_plan": planner
        and current in domain.WORKING
        and open_visit is not None
        and open_visit.status in (VisitStatus.UNSCHEDULED, VisitStatus.PLANNED),
        "technicians": Technician.objects.filter(active=True).order_by("name", "id") if planner else [],
        "errors": errors or {},
        "values": values or {},
        "loaner": loaner_views.work_order_section(actor, order),
        "parts": workorder_parts_views.work_order_section(actor, order),
        "records": visit_record_views.work_order_section(actor, order, visits),
        "reports": visit_report_views.report_links(order, visits),
        **labels(),
    }
    if open_visit is not None and open_visit.planned_start is not None:
        context["plan_start"] = open_visit.planned_start.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
        context["plan_end"] = open_visit.planned_end.astimezone(zone).strftime("%Y-%m-%dT%H:%M")  # type: ignore[union-attr]
    return render(request, "web/workorders/detail.html", context, status=status)


@page("page.workorders.detail")
@not_found_is_404
def work_order(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_work_order(_actor(request), pk))


def _failed(request: HttpRequest, pk: int, form: str, exc: DomainError, fields: set[str]) -> HttpResponse:
    field = exc.field if exc.field in fields else "form"
    posted = {k: str(v) for k, v in request.POST.dict().items() if k != "csrfmiddlewaretoken"}
    order = access_work_order(_actor(request), pk)
    return _detail(request, order, errors={form: {field: error_text(exc)}}, values={form: posted}, status=422)


def _version(request: HttpRequest) -> int | None:
    return parse_int(request.POST.get("version"))


@page("page.workorders.transition")
@not_found_is_404
def work_order_transition(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:workorder", pk=pk)
    actor = _actor(request)
    access_work_order(actor, pk)
    try:
        services.transition(
            actor,
            pk,
            request.POST.get("status", ""),
            expected_version=_version(request),
            reason=request.POST.get("reason", "").strip()[:300],
        )
    except DomainError as exc:
        return _failed(request, pk, "transition", exc, {"status", "reason"})
    messages.success(request, _("Status changed."))
    return redirect("web:workorder", pk=pk)


@page("page.workorders.validate")
@not_found_is_404
def work_order_validate(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:workorder", pk=pk)
    actor = _actor(request)
    access_work_order(actor, pk)
    try:
        services.validate(actor, pk, expected_version=_version(request))
    except DomainError as exc:
        return _failed(request, pk, "validate", exc, set())
    messages.success(request, _("Work order validated."))
    return redirect("web:workorder", pk=pk)


@page("page.workorders.plan")
@not_found_is_404
def work_order_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan or move the open visit (technician, start, end in the site's time zone), or unschedule it."""
    if request.method != "POST":
        return redirect("web:workorder", pk=pk)
    actor = _actor(request)
    order = access_work_order(actor, pk)
    zone = ZoneInfo(order.site.timezone)
    post = request.POST
    visit_id = parse_int(post.get("visit_id"))
    try:
        if post.get("action") == "unschedule":
            if visit_id is None:
                raise InvalidInput(gettext_noop("Choose a visit."), field="form")
            access_visit(actor, visit_id)
            services.unschedule_visit(actor, visit_id, parse_int(post.get("visit_version")))
            messages.success(request, _("Visit unscheduled."))
        else:
            technician_id = parse_int(post.get("technician_id"))
            if technician_id is None:
                raise InvalidInput(gettext_noop("Choose a technician."), field="technician_id")
            start = _local(post.get("start", ""), zone, "start")
            end = _local(post.get("end", ""), zone, "end")
            for name, value in (("start", start), ("end", end)):
                if value is None:
                    raise InvalidInput(gettext_noop("This field is required."), field=name)
            services.plan_visit(
                actor,
                pk,
                technician_id,
                start,  # type: ignore[arg-type]
                end,  # type: ignore[arg-type]
                pinned=post.get("pinned") == "on",
                visit_id=visit_id,
                expected_version=parse_int(post.get("visit_version")),
            )
            messages.success(request, _("Visit planned."))
    except DomainError as exc:
        return _failed(request, pk, "plan", exc, {"technician_id", "start", "end"})
    return redirect("web:workorder", pk=pk)


@page("page.workorders.visit_transition")
@not_found_is_404
def visit_transition(request: HttpRequest, pk: int, visit_id: int) -> HttpResponse:
    """One step of a visit: dispatch, on my way, check in, pause, complete (fixed or not), cancel."""
    if request.method != "POST":
        return redirect("web:workorder", pk=pk)
    actor = _actor(request)
    visit = access_visit(actor, visit_id, acting=True)
    if visit.work_order_id != pk:
        return redirect("web:workorder", pk=visit.work_order_id)
    post = request.POST
    version = parse_int(post.get("version"))
    status = post.get("status", "")
    try:
        if status == VisitStatus.DISPATCHED:
            services.dispatch_visit(actor, visit_id, version)
        elif status == VisitStatus.EN_ROUTE:
            services.start_travel(actor, visit_id, version)
        elif status == VisitStatus.ON_SITE:
            services.check_in(actor, visit_id, version)
        elif status == VisitStatus.PAUSED:
            services.pause(actor, visit_id, version, reason=post.get("reason", "").strip()[:300])
        elif status == VisitStatus.COMPLETED:
            completion.complete(
                actor,
                visit_id,
                fixed=post.get("fixed") == "yes",
                outcome=post.get("outcome", ""),
                expected_version=version,
            )
        elif status == VisitStatus.CANCELLED:
            services.cancel_visit(actor, visit_id, post.get("reason", "").strip()[:300], version)
        else:
            raise InvalidInput(gettext_noop("Choose a step."), field="status")
    except DomainError as exc:
        return _failed(request, pk, f"visit-{visit_id}", exc, {"status", "outcome"})
    messages.success(request, _("Visit updated."))
    return redirect("web:workorder", pk=pk)


# --- New work order --------------------------------------------------------------------------------


def _parts(text: str) -> list[dict[str, Any]]:
    """One part a line, ``REFERENCE QUANTITY`` (quantity 1 when missing)."""
    out: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        words = line.split()
        if not words:
            continue
        quantity: Any = 1
        if len(words) > 1 and words[-1].lstrip("-").isdigit():
            quantity = int(words[-1])
            words = words[:-1]
        out.append({"reference": " ".join(words), "quantity": quantity})
    return out


def _skills(text: str) -> list[dict[str, Any]]:
    """``kiosk:2, atm`` → ``[{"skill": "kiosk", "level": 2}, {"skill": "atm", "level": 1}]``."""
    out: list[dict[str, Any]] = []
    for item in (text or "").replace(";", ",").split(","):
        code, _sep, level = item.strip().partition(":")
        if code.strip():
            number = parse_int(level.strip()) if level.strip() else 1
            out.append({"skill": code.strip(), "level": number if number is not None else level.strip()})
    return out


def _new_context(actor: Actor, ticket: Ticket | None, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "values": values,
        "sites": visible_sites(actor).order_by("customer__name", "name", "id") if ticket is None else [],
        "kinds": [(k.value, KIND_LABELS[k]) for k in Kind],
        "priorities": [(p.value, PRIORITY_LABELS[p]) for p in domain.Priority],
        "skill_codes": list(Skill.objects.order_by("code").values_list("code", flat=True)),
    }


@page("page.workorders.new")
@not_found_is_404
def work_order_new(request: HttpRequest) -> HttpResponse:
    """GET: the form (``?ticket=<id>``: prefilled from the ticket); POST: create, then the new page."""
    actor = _actor(request)
    ticket_id = parse_int(request.GET.get("ticket") or request.POST.get("ticket_id"))
    ticket = access_ticket(actor, ticket_id) if ticket_id is not None else None
    if request.method != "POST":
        values: dict[str, Any] = {"kind": Kind.CORRECTIVE.value, "priority": "P3", "estimated_minutes": "60"}
        if ticket is not None:
            values.update(title=ticket.title, description=ticket.description, priority=ticket.priority)
        return render(request, "web/workorders/new.html", _new_context(actor, ticket, values))
    post = request.POST
    posted = {k: v for k, v in post.dict().items() if k != "csrfmiddlewaretoken"}
    try:
        data: dict[str, Any] = {
            "kind": post.get("kind", ""),
            "title": post.get("title", ""),
            "description": post.get("description", ""),
            "priority": post.get("priority", ""),
            "notes": post.get("notes", ""),
            "parts_needed": _parts(post.get("parts", "")),
            "skills": _skills(post.get("skills", "")),
        }
        minutes = parse_int(post.get("estimated_minutes"))
        data["estimated_minutes"] = minutes if minutes is not None else post.get("estimated_minutes", "")
        if post.get("draft") == "on":
            data["status"] = Status.DRAFT.value
        zone_name = ticket.site.timezone if ticket is not None and ticket.site is not None else None
        if ticket is None:
            site_id = parse_int(post.get("site_id"))
            site = visible_sites(actor).filter(pk=site_id).first() if site_id is not None else None
            if site is None:
                raise InvalidInput(gettext_noop("Choose a site."), field="site_id")
            data["site_id"] = site.pk
            zone_name = site.timezone
            serial = post.get("serial", "").strip()
            if serial:
                obj = visible_objects(actor).filter(site=site, serial_number__iexact=serial).first()
                if obj is None:
                    raise InvalidInput(
                        gettext_noop("No equipment with serial number %(serial)s at this site."),
                        field="serial",
                        serial=serial,
                    )
                data["service_object_id"] = obj.pk
        zone = ZoneInfo(zone_name or "UTC")
        slot_start = _local(post.get("slot_start", ""), zone, "slot_start")
        slot_end = _local(post.get("slot_end", ""), zone, "slot_end")
        if slot_start is not None or slot_end is not None:
            data.update(slot_start=slot_start, slot_end=slot_end)
        if ticket is not None:
            created = services.create_from_ticket(actor, ticket.pk, data)
        else:
            created = services.create_work_order(actor, data)
    except DomainError as exc:
        context = _new_context(actor, ticket, posted)
        field = (exc.field or "form").split(".")[0]
        field = "serial" if field == "service_object_id" else field
        context["errors"] = {field if field in NEW_FORM_FIELDS else "form": error_text(exc)}
        return render(request, "web/workorders/new.html", context, status=422)
    messages.success(request, _("Work order %(number)s created.") % {"number": created.number})
    return redirect("web:workorder", pk=created.pk)
