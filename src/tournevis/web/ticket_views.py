"""Ticket pages: the agent inbox, the ticket page and its forms (phone intake and the customer's
new-ticket form: ``ticket_intake_views.py``). Thin — access, query, one service call, redirect or render.

Who sees what is ``tickets.access``'s: a customer user its own customer's tickets and their public
thread (404 for others), a technician the tickets assigned to them. Each form posts to its own URL,
calls ONE tickets service and redirects; a ``DomainError`` re-renders the page with the message next to
the field it names (422) and nothing is written. The inbox rows and the thread refresh by htmx polling.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tournevis.contracts.models import Contract
from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop
from tournevis.customers.access import visible_customers
from tournevis.identity.domain import Role
from tournevis.identity.guard import page
from tournevis.tickets import domain, queries, services, services_links
from tournevis.tickets.access import access_attachment, access_ticket, sees_internal
from tournevis.tickets.models import Event, Queue, Ticket
from tournevis.web import ticket_queries
from tournevis.web.contract_labels import CLOCK_LABELS
from tournevis.web.views import PAGE_SIZE, _actor, not_found_is_404

DESK_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
FIELD_ROLES = DESK_ROLES | {Role.TECHNICIAN}
PORTAL_PRIORITIES = (domain.Priority.P3.value, domain.Priority.P4.value)

STATUS_LABELS = {
    domain.Status.NEW: gettext_lazy("New"),
    domain.Status.TRIAGED: gettext_lazy("Triaged"),
    domain.Status.ASSIGNED: gettext_lazy("Assigned"),
    domain.Status.IN_PROGRESS: gettext_lazy("In progress"),
    domain.Status.WAITING_CUSTOMER: gettext_lazy("Waiting for customer"),
    domain.Status.WAITING_PARTS: gettext_lazy("Waiting for parts"),
    domain.Status.RESOLVED: gettext_lazy("Resolved"),
    domain.Status.CLOSED: gettext_lazy("Closed"),
    domain.Status.REOPENED: gettext_lazy("Reopened"),
}
PRIORITY_LABELS = {
    domain.Priority.P1: gettext_lazy("P1 – production down"),  # noqa: RUF001 (an en dash)
    domain.Priority.P2: gettext_lazy("P2 – severely degraded"),  # noqa: RUF001 (an en dash)
    domain.Priority.P3: gettext_lazy("P3 – degraded"),  # noqa: RUF001 (an en dash)
    domain.Priority.P4: gettext_lazy("P4 – information or help"),  # noqa: RUF001 (an en dash)
}
CHANNEL_LABELS = {
    domain.Channel.PORTAL: gettext_lazy("Portal"),
    domain.Channel.API: gettext_lazy("API"),
    domain.Channel.EMAIL: gettext_lazy("E-mail"),
    domain.Channel.PHONE: gettext_lazy("Phone"),
    domain.Channel.CHAT: gettext_lazy("Chat"),
    domain.Channel.SNMP: gettext_lazy("SNMP trap"),
    domain.Channel.IOT: gettext_lazy("Telemetry"),
    domain.Channel.BACK_OFFICE: gettext_lazy("Back office"),
}
CLOCK_STATE_LABELS = {
    "running": gettext_lazy("Running"),
    "warning": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached"),
    "paused": gettext_lazy("Paused"),
    "met": gettext_lazy("Met"),
    "stopped": gettext_lazy("Stopped"),
}
COVERAGE_LABELS = {
    "object": gettext_lazy("covered: equipment"),
    "site": gettext_lazy("covered: site"),
    "category": gettext_lazy("covered: equipment category"),
    "time_and_materials": gettext_lazy("Time and materials"),
}
LINK_LABELS = {
    "related": gettext_lazy("Related to"),
    "duplicate": gettext_lazy("Duplicate of"),
    "caused_by": gettext_lazy("Caused by"),
    "related_in": gettext_lazy("Related to"),
    "duplicate_in": gettext_lazy("Has a duplicate"),
    "caused_by_in": gettext_lazy("Causes"),
}
LINK_KINDS = ("related", "duplicate", "caused_by")
MINE_CHOICES = (("me", gettext_lazy("Assigned to me")), ("unassigned", gettext_lazy("Unassigned")))


def labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "clock_labels": CLOCK_LABELS,
        "clock_state_labels": CLOCK_STATE_LABELS,
    }


def parse_int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


def error_text(exc: DomainError) -> str:
    return exc.text(_)


# --- Inbox -----------------------------------------------------------------------------------------


def _filters(request: HttpRequest, actor: Actor) -> ticket_queries.Filters:
    get = request.GET
    status = get.get("status", "open").strip() or "open"
    if status not in {"open", "all"} | {s.value for s in domain.Status}:
        status = "open"
    priority = get.get("priority", "").strip()
    mine = get.get("mine", "").strip()
    return ticket_queries.Filters(
        status=status,
        priority=priority if priority in {p.value for p in domain.Priority} else "",
        queue=get.get("queue", "").strip()[:40] if not actor.is_customer else "",
        mine=mine if mine in {"me", "unassigned"} and not actor.is_customer else "",
        customer_id=parse_int(get.get("customer")) if not actor.is_customer else None,
        q=get.get("q", "").strip()[:100],
    )


def _inbox_rows(request: HttpRequest, actor: Actor, filters: ticket_queries.Filters) -> dict[str, Any]:
    now = clock.now()
    page_obj = Paginator(ticket_queries.inbox(actor, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    tickets = list(page_obj.object_list)
    countdowns = ticket_queries.nearest_deadlines([t.pk for t in tickets], now)
    return {
        "page_obj": page_obj,
        "rows": [(t, countdowns.get(t.pk)) for t in tickets],
        "filters": filters,
        "is_staff": not actor.is_customer,
        "query": request.GET.urlencode(),
        **labels(),
    }


@page("page.tickets.list")
def inbox(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = _filters(request, actor)
    context = _inbox_rows(request, actor, filters)
    context.update(
        {
            "queues": ticket_queries.queue_counts(actor) if not actor.is_customer else [],
            "statuses": [(s.value, STATUS_LABELS[s]) for s in domain.Status],
            "priorities": [(p.value, p.value) for p in domain.Priority],
            "mine_choices": MINE_CHOICES,
            "customers": visible_customers(actor).order_by("name", "id") if not actor.is_customer else [],
            "can_phone": actor.role in DESK_ROLES,
            "can_create": actor.is_customer,
        }
    )
    return render(request, "web/tickets/inbox.html", context)


@page("page.tickets.rows")
def inbox_rows(request: HttpRequest) -> HttpResponse:
    """The inbox table alone, polled by htmx every 15 s with the page's filters."""
    actor = _actor(request)
    response = render(
        request, "web/tickets/_rows.html", _inbox_rows(request, actor, _filters(request, actor))
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Ticket page -----------------------------------------------------------------------------------


def _event_text(event: Event) -> str:
    d = event.data or {}
    label: dict[Any, Any] = dict(STATUS_LABELS)
    channels: dict[Any, Any] = dict(CHANNEL_LABELS)
    kind = event.kind
    if kind == "created":
        return _("Created by %(channel)s in queue %(queue)s, priority %(priority)s") % {
            "channel": channels.get(d.get("channel"), d.get("channel")),
            "queue": d.get("queue", ""),
            "priority": d.get("priority", ""),
        }
    if kind == "status":
        text = _("Status: %(old)s → %(new)s") % {
            "old": label.get(d.get("old"), d.get("old")),
            "new": label.get(d.get("new"), d.get("new")),
        }
        return f"{text} ({d['reason']})" if d.get("reason") else text
    if kind == "message":
        return _("Internal note added") if not d.get("public", True) else _("Public message added")
    if kind == "assigned":
        return _("Assigned to %(user)s") % {"user": d.get("label", "")}
    if kind == "routing":
        params = d.get("params") or {}
        reasons = []
        for reason in d.get("reasons") or []:
            try:
                reasons.append(_(reason) % params if params else _(reason))
            except (KeyError, TypeError, ValueError):
                reasons.append(str(reason))
        return " ".join([_("Automatic assignment:"), *reasons])
    if kind == "priority":
        return _("Priority: %(old)s → %(new)s") % {"old": d.get("old", ""), "new": d.get("new", "")}
    if kind == "category":
        return _("Category: %(old)s → %(new)s") % {"old": d.get("old", ""), "new": d.get("new", "")}
    if kind == "queue":
        return _("Queue: %(old)s → %(new)s") % {"old": d.get("old", ""), "new": d.get("new", "")}
    if kind == "object":
        return _("Equipment changed")
    if kind == "merged":
        return _("Merged into %(number)s") % {"number": d.get("into", "")}
    if kind == "merged_from":
        return _("%(number)s merged into this ticket") % {"number": d.get("source", "")}
    if kind == "split":
        return _("Split into %(number)s") % {"number": d.get("into", "")}
    if kind in ("link", "linked"):
        other = d.get("target") if kind == "link" else d.get("source")
        relation = d.get("relation", "related") + ("" if kind == "link" else "_in")
        return f"{LINK_LABELS.get(relation, relation)} {other}"
    if kind == "sla_unavailable":
        return _("SLA clocks not started: %(error)s") % {"error": d.get("error", "")}
    if kind == "work_order":
        return _work_order_event(d)
    details = ", ".join(f"{k}: {v}" for k, v in sorted(d.items()))
    return f"{kind} {details}".strip()


def _work_order_event(d: dict[str, Any]) -> str:
    """A work order of the ticket: created, first on site (the on-site clock stopped), done, cancelled."""
    number = d.get("number", "")
    if d.get("visit") is not None:
        params = {"number": number, "visit": d["visit"]}
        text = _("Technician on site for %(number)s (visit %(visit)s)") % params
        return f"{text}; {_('on-site clock stopped')}" if d.get("onsite_clock_stopped") else text
    status = d.get("status")
    if status == "completed":
        return _("Work order %(number)s completed: fixed") % {"number": number}
    if status == "cancelled":
        return _("Work order %(number)s cancelled") % {"number": number}
    return _("Work order %(number)s created") % {"number": number}


def _entitlement(ticket: Ticket) -> dict[str, Any]:
    contract = Contract.objects.filter(pk=ticket.contract_id).first() if ticket.contract_id else None
    return {
        "contract": contract,
        "coverage": COVERAGE_LABELS.get(ticket.coverage, ticket.coverage),
    }


def _forms_context(actor: Actor, ticket: Ticket) -> dict[str, Any]:
    current = domain.Status(ticket.status)
    return {
        "can_reply": True,
        "can_internal": sees_internal(actor),
        "can_transition": actor.role in FIELD_ROLES,
        "can_assign": actor.role in DESK_ROLES,
        "can_update": actor.role in DESK_ROLES,
        "next_statuses": [
            (s.value, STATUS_LABELS[s]) for s in domain.Status if s in domain.TRANSITIONS[current]
        ],
        "staff_users": ticket_queries.staff_users() if actor.role in DESK_ROLES else [],
        "queue_choices": list(Queue.objects.order_by("tier", "code")) if actor.role in DESK_ROLES else [],
        "priority_choices": [(p.value, PRIORITY_LABELS[p]) for p in domain.Priority],
        "can_relate": actor.role in DESK_ROLES,
        "link_kinds": [(kind, LINK_LABELS[kind]) for kind in LINK_KINDS],
    }


def _detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    staff = sees_internal(actor)
    events = ticket_queries.timeline(ticket) if staff else []
    context = {
        "ticket": ticket,
        "thread": ticket_queries.thread(actor, ticket),
        "timeline": [(e, _event_text(e)) for e in events],
        "clocks": ticket_queries.clocks(ticket, clock.now()) if staff or ticket.contract_id else [],
        "related": ticket_queries.related(actor, ticket),
        "link_labels": LINK_LABELS,
        "is_staff": staff,
        "errors": errors or {},
        "values": values or {},
        **_entitlement(ticket),
        **_forms_context(actor, ticket),
        **labels(),
    }
    return render(request, "web/tickets/ticket.html", context, status=status)


@page("page.tickets.detail")
@not_found_is_404
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_ticket(_actor(request), pk))


@page("page.tickets.thread")
@not_found_is_404
def ticket_thread(request: HttpRequest, pk: int) -> HttpResponse:
    """The thread alone, polled by htmx every 10 s."""
    actor = _actor(request)
    found = access_ticket(actor, pk)
    context = {"ticket": found, "thread": ticket_queries.thread(actor, found), **labels()}
    return render(request, "web/tickets/_thread.html", context)


@page("page.tickets.attachment")
@not_found_is_404
def ticket_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A file of the thread as a download (a customer: files of public messages only)."""
    return queries.download_response(access_attachment(_actor(request), pk, attachment_id))


def _failed(
    request: HttpRequest,
    ticket_id: int,
    form: str,
    exc: DomainError,
    fields: set[str],
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    """The ticket page again with the error next to the named field (or the form) and the posted values.
    ``aliases``: the service's field name -> the form's (``into_id`` is typed as ``into_number``)."""
    named = (aliases or {}).get(exc.field or "", exc.field)
    field = named if named in fields else "form"
    posted: dict[str, Any] = {k: str(v) for k, v in request.POST.dict().items() if k != "csrfmiddlewaretoken"}
    if "message_ids" in request.POST:
        posted["message_ids"] = request.POST.getlist("message_ids")
    values = {form: posted}
    found = access_ticket(_actor(request), ticket_id)
    return _detail(request, found, errors={form: {field: error_text(exc)}}, values=values, status=422)


def _version(request: HttpRequest) -> int | None:
    return parse_int(request.POST.get("version"))


@page("page.tickets.reply")
@not_found_is_404
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    access_ticket(actor, pk)
    public = request.POST.get("visibility", "public") != "internal" or not sees_internal(actor)
    try:
        services.add_message(
            actor,
            pk,
            body=request.POST.get("body", ""),
            public=public,
            channel="portal" if actor.is_customer else "back_office",
        )
    except DomainError as exc:
        return _failed(request, pk, "reply", exc, {"body", "public"})
    messages.success(request, _("Reply posted.") if public else _("Internal note added."))
    return redirect("web:ticket", pk=pk)


@page("page.tickets.transition")
@not_found_is_404
@require_POST
def ticket_transition(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    access_ticket(actor, pk)
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
    return redirect("web:ticket", pk=pk)


@page("page.tickets.assign")
@not_found_is_404
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    access_ticket(actor, pk)
    who = request.POST.get("who", "")
    try:
        if who == "me":
            user_id: int | None = actor.own_user_id()
        elif who == "user":
            user_id = parse_int(request.POST.get("user_id"))
            if user_id is None:
                raise InvalidInput(_("Choose a user."), field="assignee_id")
        elif who == "auto":
            user_id = None
        else:
            raise InvalidInput(_("Choose who takes the ticket."), field="assignee_id")
        services.assign(actor, pk, user_id=user_id, expected_version=_version(request))
    except DomainError as exc:
        return _failed(request, pk, "assign", exc, {"assignee_id"})
    messages.success(request, _("Ticket assigned."))
    return redirect("web:ticket", pk=pk)


@page("page.tickets.update")
@not_found_is_404
@require_POST
def ticket_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the priority and/or the queue (the fields left as they are change nothing)."""
    actor = _actor(request)
    access_ticket(actor, pk)
    fields = {name: request.POST[name] for name in ("priority", "queue") if request.POST.get(name)}
    try:
        services.update(
            actor,
            pk,
            fields,
            expected_version=_version(request),
            reason=request.POST.get("reason", "").strip()[:300],
        )
    except DomainError as exc:
        return _failed(request, pk, "update", exc, {"priority", "queue"})
    messages.success(request, _("Ticket updated."))
    return redirect("web:ticket", pk=pk)


# --- Merge, split, link (the desk) -----------------------------------------------------------------


def _numbered(actor: Actor, raw: str, field: str) -> Ticket:
    """The ticket a form names by its number (T-2026-000012), among those the actor may see."""
    number = raw.strip().upper()[:40]
    if not number:
        raise InvalidInput(gettext_noop("Enter a ticket number."), field=field)
    found = ticket_queries.ticket_by_number(actor, number)
    if found is None:
        raise InvalidInput(gettext_noop("No ticket %(number)s."), field=field, number=number)
    return found


@page("page.tickets.merge")
@not_found_is_404
@require_POST
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this ticket (a duplicate) into the numbered one; the thread moves there, this one closes."""
    actor = _actor(request)
    access_ticket(actor, pk)
    try:
        target = _numbered(actor, request.POST.get("into_number", ""), "into_number")
        merged = services_links.merge(actor, pk, into_id=target.pk)
    except DomainError as exc:
        return _failed(request, pk, "merge", exc, {"into_number"}, {"into_id": "into_number"})
    messages.success(request, _("Ticket merged into %(number)s.") % {"number": merged.number})
    return redirect("web:ticket", pk=merged.pk)


@page("page.tickets.split")
@not_found_is_404
@require_POST
def ticket_split(request: HttpRequest, pk: int) -> HttpResponse:
    """The chosen messages of the thread move to a new ticket with the given title."""
    actor = _actor(request)
    access_ticket(actor, pk)
    chosen = [parse_int(raw) or 0 for raw in request.POST.getlist("message_ids")]  # a bad id matches nothing
    try:
        created = services_links.split(actor, pk, message_ids=chosen, title=request.POST.get("title", ""))
    except DomainError as exc:
        return _failed(request, pk, "split", exc, {"message_ids", "title"})
    messages.success(request, _("Ticket %(number)s split off.") % {"number": created.number})
    return redirect("web:ticket", pk=created.pk)


@page("page.tickets.link")
@not_found_is_404
@require_POST
def ticket_link(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    access_ticket(actor, pk)
    try:
        target = _numbered(actor, request.POST.get("target_number", ""), "target_number")
        services_links.link(actor, pk, target_id=target.pk, kind=request.POST.get("kind", ""))
    except DomainError as exc:
        return _failed(request, pk, "link", exc, {"target_number", "kind"}, {"target_id": "target_number"})
    messages.success(request, _("Tickets linked."))
    return redirect("web:ticket", pk=pk)
