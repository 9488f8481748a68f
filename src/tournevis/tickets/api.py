"""REST API of tickets: parse, access_*, one service call, serialise.

``POST /tickets`` and ``POST /tickets/{id}/messages`` take an ``Idempotency-Key``; edits take
``If-Match``. Attachments are uploaded as multipart and downloaded as attachments with ``nosniff``.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from tournevis.contracts.models import SlaClock
from tournevis.core.idempotency import idempotent
from tournevis.core.rest import (
    IF_MATCH,
    PageIn,
    StrictIn,
    actor_of,
    current_state_as,
    expected_version,
    page_of,
    paginate,
    referenced,
    set_etag,
)
from tournevis.customers.access import access_contact, access_site
from tournevis.identity import guard
from tournevis.installed_base.access import access_object
from tournevis.tickets import access, queries, services, services_links
from tournevis.tickets.attachments import NewAttachment
from tournevis.tickets.models import Event, Message, Ticket

router = Router(tags=["tickets"])


class TicketOut(Schema):
    id: int
    number: str
    title: str
    description: str
    status: str
    priority: str
    category: str
    channel: str
    queue: str
    customer_id: int | None
    site_id: int | None
    service_object_id: int | None
    contact_id: int | None
    assignee_id: int | None
    contract_id: int | None
    coverage: str
    is_bug: bool
    bug_url: str
    bug_state: str
    merged_into_id: int | None
    split_from_id: int | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_queue(obj: Ticket | dict[str, Any]) -> str:
        return str(obj["queue"]) if isinstance(obj, dict) else obj.queue.code


class ClockOut(Schema):
    kind: str
    state: str
    target_minutes: int
    deadline: datetime
    remaining_seconds: int
    paused_since: datetime | None
    met_at: datetime | None
    breached_at: datetime | None


class TicketDetailOut(TicketOut):
    clocks: list[ClockOut]


class TicketIn(StrictIn):
    title: str
    description: str = ""
    priority: str | None = None
    category: str | None = None
    site_id: int | None = None
    service_object_id: int | None = None
    contact_id: int | None = None
    requester_email: str = ""
    requester_phone: str = ""
    channel: str | None = None


class TicketPatch(StrictIn):
    title: str | None = None
    priority: str | None = None
    category: str | None = None
    queue: str | None = None
    service_object_id: int | None = None
    is_bug: bool | None = None
    reason: str = ""


class TicketFilters(Schema):
    status: str | None = None
    open: bool | None = None
    queue: str | None = None
    priority: str | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    q: str | None = None


class TransitionIn(StrictIn):
    status: str
    reason: str = ""


class AssignIn(StrictIn):
    user_id: int | None = None


class MessageIn(StrictIn):
    body: str
    public: bool = True


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class MessageOut(Schema):
    id: int
    public: bool
    author_label: str
    from_customer: bool
    channel: str
    body: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Any]:
        return list(obj.attachments.all())


class EventOut(Schema):
    at: datetime
    kind: str
    actor_label: str
    data: dict[str, Any]


class MergeIn(StrictIn):
    into_id: int


class SplitIn(StrictIn):
    message_ids: list[int]
    title: str


class LinkIn(StrictIn):
    target_id: int
    kind: str = "related"


class CallerOut(Schema):
    phone: str
    contacts: list[dict[str, Any]]
    open_tickets: list[TicketOut]


def detail(ticket: Ticket) -> dict[str, Any]:
    body = TicketOut.from_orm(ticket).dict()
    body["clocks"] = [
        ClockOut.from_orm(c).dict()
        for c in SlaClock.objects.filter(
            subject_type=services.SUBJECT, subject_id=ticket.pk, stopped_at__isnull=True
        ).order_by("id")
    ]
    return body


@router.get("/tickets", response=page_of(TicketOut), operation_id="list_tickets")
@guard.api("api.tickets.list")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters], page: Query[PageIn]) -> dict[str, Any]:
    return paginate(queries.list_tickets(actor_of(request), **filters.dict()), page)


@router.post("/tickets", response={201: TicketDetailOut}, operation_id="create_ticket")
@guard.api("api.tickets.create")
@idempotent
def create_ticket(request: HttpRequest, payload: TicketIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    data = payload.dict()
    if data["site_id"] is not None:
        referenced(access_site, actor, data["site_id"], "site_id")
    if data["service_object_id"] is not None:
        referenced(access_object, actor, data["service_object_id"], "service_object_id")
    if data["contact_id"] is not None:
        referenced(access_contact, actor, data["contact_id"], "contact_id")
    channel = data.pop("channel") or ("portal" if actor.is_customer else "api")
    ticket = services.open_ticket(
        actor,
        channel=channel,
        customer_id=actor.own_customer_id() if actor.is_customer else None,
        author_label=actor.label,
        **data,
    )
    set_etag(response, ticket)
    return Status(201, detail(ticket))


@router.get("/tickets/caller", response=CallerOut, operation_id="lookup_caller")
@guard.api("api.tickets.caller")
def lookup_caller(request: HttpRequest, phone: str) -> dict[str, Any]:
    """Who is calling: contacts with this number (E.164) and their customers' open tickets."""
    return queries.caller(actor_of(request), phone)


@router.get("/tickets/{ticket_id}", response=TicketDetailOut, operation_id="get_ticket")
@guard.api("api.tickets.get")
def get_ticket(request: HttpRequest, ticket_id: int, response: HttpResponse) -> dict[str, Any]:
    ticket = access.access_ticket(actor_of(request), ticket_id)
    set_etag(response, ticket)
    return detail(ticket)


@router.patch(
    "/tickets/{ticket_id}", response=TicketDetailOut, operation_id="update_ticket", openapi_extra=IF_MATCH
)
@guard.api("api.tickets.update")
def update_ticket(
    request: HttpRequest, ticket_id: int, payload: TicketPatch, response: HttpResponse
) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    fields = payload.dict(exclude_unset=True)
    reason = fields.pop("reason", "")
    with current_state_as(TicketOut):
        ticket = services.update(
            actor, ticket_id, fields, expected_version=expected_version(request), reason=reason
        )
    set_etag(response, ticket)
    return detail(ticket)


@router.post(
    "/tickets/{ticket_id}/transitions",
    response=TicketDetailOut,
    operation_id="transition_ticket",
    openapi_extra=IF_MATCH,
)
@guard.api("api.tickets.transition")
@idempotent
def transition_ticket(
    request: HttpRequest, ticket_id: int, payload: TransitionIn, response: HttpResponse
) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    with current_state_as(TicketOut):
        ticket = services.transition(
            actor,
            ticket_id,
            payload.status,
            expected_version=expected_version(request),
            reason=payload.reason,
        )
    set_etag(response, ticket)
    return detail(ticket)


@router.post(
    "/tickets/{ticket_id}/assign",
    response=TicketDetailOut,
    operation_id="assign_ticket",
    openapi_extra=IF_MATCH,
)
@guard.api("api.tickets.assign")
@idempotent
def assign_ticket(
    request: HttpRequest, ticket_id: int, payload: AssignIn, response: HttpResponse
) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    with current_state_as(TicketOut):
        ticket = services.assign(
            actor, ticket_id, user_id=payload.user_id, expected_version=expected_version(request)
        )
    set_etag(response, ticket)
    return detail(ticket)


@router.get("/tickets/{ticket_id}/messages", response=list[MessageOut], operation_id="list_ticket_messages")
@guard.api("api.tickets.messages.list")
def list_messages(request: HttpRequest, ticket_id: int) -> Any:
    actor = actor_of(request)
    ticket = access.access_ticket(actor, ticket_id)
    rows = ticket.messages.prefetch_related("attachments").order_by("created_at", "id")
    return rows if access.sees_internal(actor) else rows.filter(public=True)


@router.post("/tickets/{ticket_id}/messages", response={201: MessageOut}, operation_id="add_ticket_message")
@guard.api("api.tickets.messages.create")
@idempotent
def add_message(request: HttpRequest, ticket_id: int, payload: MessageIn) -> Status:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    message = services.add_message(
        actor,
        ticket_id,
        body=payload.body,
        public=payload.public,
        channel="portal" if actor.is_customer else "back_office",
    )
    return Status(201, message)


@router.post(
    "/tickets/{ticket_id}/attachments", response={201: MessageOut}, operation_id="upload_ticket_files"
)
@guard.api("api.tickets.files.create")
@idempotent
def upload(
    request: HttpRequest,
    ticket_id: int,
    files: File[list[UploadedFile]],
    body: Form[str] = "",
    public: Form[bool] = True,
) -> Status:
    """A message carrying files (multipart/form-data: ``files``, optional ``body`` and ``public``)."""
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    items = [NewAttachment(f.name or "file", f.content_type or "", f.read()) for f in files]
    message = services.add_message(
        actor,
        ticket_id,
        body=body,
        public=public,
        attachments=items,
        channel="portal" if actor.is_customer else "back_office",
    )
    return Status(201, message)


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    operation_id="download_ticket_file",
    response={200: None},
)
@guard.api("api.tickets.messages.list")
def download(request: HttpRequest, ticket_id: int, attachment_id: int) -> HttpResponse:
    item = access.access_attachment(actor_of(request), ticket_id, attachment_id)
    return queries.download_response(item)


@router.get("/tickets/{ticket_id}/timeline", response=list[EventOut], operation_id="ticket_timeline")
@guard.api("api.tickets.timeline")
def timeline(request: HttpRequest, ticket_id: int) -> Any:
    ticket = access.access_ticket(actor_of(request), ticket_id)
    return Event.objects.filter(ticket=ticket).order_by("at", "id")


@router.post("/tickets/{ticket_id}/merge", response=TicketDetailOut, operation_id="merge_ticket")
@guard.api("api.tickets.merge")
@idempotent
def merge(request: HttpRequest, ticket_id: int, payload: MergeIn) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    referenced(access.access_ticket, actor, payload.into_id, "into_id")
    return detail(services_links.merge(actor, ticket_id, into_id=payload.into_id))


@router.post("/tickets/{ticket_id}/split", response={201: TicketDetailOut}, operation_id="split_ticket")
@guard.api("api.tickets.split")
@idempotent
def split(request: HttpRequest, ticket_id: int, payload: SplitIn) -> Status:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    ticket = services_links.split(actor, ticket_id, message_ids=payload.message_ids, title=payload.title)
    return Status(201, detail(ticket))


@router.post("/tickets/{ticket_id}/links", response={201: TicketDetailOut}, operation_id="link_ticket")
@guard.api("api.tickets.link")
@idempotent
def link(request: HttpRequest, ticket_id: int, payload: LinkIn) -> Status:
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    referenced(access.access_ticket, actor, payload.target_id, "target_id")
    ticket = services_links.link(actor, ticket_id, target_id=payload.target_id, kind=payload.kind)
    return Status(201, detail(ticket))
