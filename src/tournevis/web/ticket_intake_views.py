"""Ticket intake pages: phone intake for the desk (look up the caller, open a ticket in one form; an
unknown caller becomes a contact in the same transaction) and the customer's new-ticket form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput
from tournevis.core.rest import referenced
from tournevis.customers import services as customer_services
from tournevis.customers.access import access_customer, access_site, visible_sites
from tournevis.identity.guard import page
from tournevis.installed_base.access import access_object, visible_objects
from tournevis.tickets import domain, queries, services
from tournevis.tickets.models import Ticket
from tournevis.web import ticket_queries
from tournevis.web.ticket_views import PORTAL_PRIORITIES, PRIORITY_LABELS, error_text, labels, parse_int
from tournevis.web.views import _actor, _is_htmx

# --- Phone intake ----------------------------------------------------------------------------------


def _caller_context(actor: Actor, phone: str) -> dict[str, Any]:
    """The caller's contacts, customers, sites and open tickets, and the objects to pick from."""
    if not phone.strip():
        return {"phone": phone, "searched": False}
    try:
        found = queries.caller(actor, phone)
    except DomainError as exc:
        return {"phone": phone, "searched": False, "phone_error": error_text(exc)}
    customer_ids = {c["customer_id"] for c in found["contacts"]}
    site_names = dict(
        visible_sites(actor)
        .filter(pk__in={c["site_id"] for c in found["contacts"] if c["site_id"]})
        .values_list("pk", "name")
    )
    return {
        "phone": found["phone"],
        "searched": True,
        "contacts": [{**c, "site": site_names.get(c["site_id"], "")} for c in found["contacts"]],
        "open_tickets": found["open_tickets"],
        "objects": ticket_queries.objects_of_customers(actor, customer_ids),
        **(ticket_queries.new_contact_choices(actor) if not found["contacts"] else {}),
    }


NEW_CONTACT_FIELDS = {"name": "caller_name", "email": "caller_email"}


def _ticket_for_new_caller(
    actor: Actor, customer_id: int, post: Any, number: str, ticket: dict[str, Any]
) -> Ticket:
    """Record an unknown caller as a contact of the chosen customer (and site) with this number, and
    open their ticket — in one transaction: a refused ticket leaves no contact behind."""
    referenced(access_customer, actor, customer_id, "customer_id")
    data: dict[str, Any] = {"name": post.get("caller_name", ""), "phone": number}
    site_id = parse_int(post.get("site_id"))
    if site_id is not None:
        referenced(access_site, actor, site_id, "site_id")
        data["site_id"] = site_id
    if post.get("caller_email", "").strip():
        data["email"] = post["caller_email"]
    with transaction.atomic():
        contact = customer_services.create_contact(actor, customer_id, data)
        return services.open_ticket(actor, contact_id=contact.pk, **ticket)


def _phone_page(
    request: HttpRequest, phone: str, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    actor = _actor(request)
    context = {
        **_caller_context(actor, phone),
        "errors": errors or {},
        "values": request.POST if request.method == "POST" else {},
        "priority_choices": [(p.value, PRIORITY_LABELS[p]) for p in domain.Priority],
        **labels(),
    }
    if _is_htmx(request) and request.method == "GET":
        response = render(request, "web/tickets/_caller.html", context)
    else:
        response = render(request, "web/tickets/phone.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@page("page.tickets.phone")
def phone(request: HttpRequest) -> HttpResponse:
    """Type the caller's number, see who it is, open a ticket for them (channel "phone")."""
    actor = _actor(request)
    if request.method != "POST":
        return _phone_page(request, request.GET.get("phone", "")[:40])
    post = request.POST
    raw = post.get("phone", "")[:40]
    fields = {"phone", "contact_id", "title", "priority", "service_object_id", "description"}
    contact_id = parse_int(post.get("contact_id"))
    customer_id = parse_int(post.get("customer_id")) if contact_id is None else None
    if customer_id is not None:  # an unknown caller recorded as a new contact
        fields |= {"customer_id", "site_id", *NEW_CONTACT_FIELDS.values()}
    try:
        number = queries.caller(actor, raw)["phone"] if raw.strip() else ""
        if not number:
            raise InvalidInput(_("Enter the caller’s number."), field="phone")  # noqa: RUF001
        object_id = parse_int(post.get("service_object_id"))
        if object_id is not None:
            referenced(access_object, actor, object_id, "service_object_id")
        ticket: dict[str, Any] = {
            "title": post.get("title", ""),
            "description": post.get("description", ""),
            "channel": domain.Channel.PHONE.value,
            "service_object_id": object_id,
            "requester_phone": number,
            "priority": post.get("priority") or None,
            "author_label": actor.label,
        }
        if customer_id is not None:
            created = _ticket_for_new_caller(actor, customer_id, post, number, ticket)
        else:
            created = services.open_ticket(actor, contact_id=contact_id, **ticket)
    except DomainError as exc:
        named = NEW_CONTACT_FIELDS.get(exc.field or "", exc.field) if customer_id is not None else exc.field
        field = named if named in fields else ("contact_id" if named == "site_id" else "form")
        return _phone_page(request, raw, errors={field: error_text(exc)}, status=422)
    messages.success(request, _("Ticket %(number)s created.") % {"number": created.number})
    return redirect("web:ticket", pk=created.pk)


# --- New ticket (customer users) -------------------------------------------------------------------


@page("page.tickets.new")
def new_ticket(request: HttpRequest) -> HttpResponse:
    """A customer user's request about one of its own sites or pieces of equipment, at P3 or P4."""
    actor = _actor(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        post = request.POST
        fields = {"title", "description", "site_id", "service_object_id", "priority"}
        try:
            priority = post.get("priority") or domain.Priority.P3.value
            if priority not in PORTAL_PRIORITIES:
                raise InvalidInput(_("Choose P3 or P4."), field="priority")
            site_id, object_id = parse_int(post.get("site_id")), parse_int(post.get("service_object_id"))
            if site_id is not None:
                referenced(access_site, actor, site_id, "site_id")
            if object_id is not None:
                referenced(access_object, actor, object_id, "service_object_id")
            created = services.open_ticket(
                actor,
                title=post.get("title", ""),
                description=post.get("description", ""),
                channel=domain.Channel.PORTAL.value,
                customer_id=actor.own_customer_id(),
                site_id=site_id,
                service_object_id=object_id,
                priority=priority,
                author_label=actor.label,
            )
        except DomainError as exc:
            errors[exc.field if exc.field in fields else "form"] = error_text(exc)
        else:
            messages.success(request, _("Ticket %(number)s created.") % {"number": created.number})
            return redirect("web:ticket", pk=created.pk)
    context = {
        "errors": errors,
        "values": request.POST if request.method == "POST" else {"priority": "P3"},
        "sites": visible_sites(actor).order_by("name", "id"),
        "objects": visible_objects(actor).select_related("site").order_by("site__name", "name", "id"),
        "priority_choices": [(p, PRIORITY_LABELS[domain.Priority(p)]) for p in PORTAL_PRIORITIES],
    }
    return render(request, "web/tickets/new.html", context, status=422 if errors else 200)
