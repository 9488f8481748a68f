"""REST API of work orders and visits: parse, access_*, one service call, serialise.

Creations and status changes take an ``Idempotency-Key``; edits and status changes take ``If-Match``
(the row's ``ETag``; 412 with the current state when stale). A refused status change is a 409 naming
``status``. A technician acts on its own visits only; a customer user reads its own work orders.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import model_validator

from tournevis.contracts.access import access_contract
from tournevis.core.errors import Forbidden, InvalidInput, gettext_noop
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
from tournevis.customers.access import access_contact, access_customer, access_site
from tournevis.identity import guard
from tournevis.identity.permissions import is_allowed
from tournevis.installed_base.access import access_object
from tournevis.tickets.access import access_ticket
from tournevis.workorders import access, completion, parts, queries, services
from tournevis.workorders.models import StatusChange, Visit, WorkOrder

router = Router(tags=["work orders"])


class PartIn(StrictIn):
    reference: str
    quantity: int


class SkillIn(StrictIn):
    skill: str = Field(description="Code of a workforce skill, e.g. kiosk")
    level: int = Field(1, description="Minimum level: 1 basic, 2 confirmed, 3 expert")


class VisitOut(Schema):
    id: int
    work_order_id: int
    number: int
    status: str
    technician_id: int | None
    technician_name: str | None
    planned_start: datetime | None
    planned_end: datetime | None
    pinned: bool
    dispatched_at: datetime | None
    en_route_at: datetime | None
    on_site_at: datetime | None
    paused_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    fixed: bool | None
    outcome: str
    version: int

    @staticmethod
    def resolve_technician_name(obj: Visit | dict[str, Any]) -> str | None:
        if isinstance(obj, dict):
            return obj.get("technician_name")
        return obj.technician.name if obj.technician is not None else None


class WorkOrderOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    title: str
    description: str
    priority: str
    customer_id: int
    site_id: int
    service_object_id: int | None
    contract_id: int | None
    contact_id: int | None
    ticket_id: int | None
    estimated_minutes: int
    onsite_deadline: datetime | None
    slot_start: datetime | None
    slot_end: datetime | None
    due_date: date | None
    window_start: date | None
    window_end: date | None
    parts_needed: list[dict[str, Any]]
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class SkillOut(Schema):
    skill: str
    level: int


class StatusChangeOut(Schema):
    at: datetime
    visit_number: int | None
    old: str
    new: str
    actor_label: str
    reason: str

    @staticmethod
    def resolve_visit_number(obj: StatusChange | dict[str, Any]) -> int | None:
        if isinstance(obj, dict):
            return obj.get("visit_number")
        return obj.visit.number if obj.visit is not None else None


class WorkOrderDetailOut(WorkOrderOut):
    required_skills: list[SkillOut]
    visits: list[VisitOut]
    status_changes: list[StatusChangeOut]
    waiting_for_parts: bool = Field(False, description="Some reserved parts are still on their way")
    parts_expected_arrival: datetime | None = Field(
        None, description="When the last awaited part should arrive (GET …/parts for the details)"
    )


class WorkOrderIn(StrictIn):
    ticket_id: int | None = Field(
        None,
        description="Create from this ticket (customer, site, object, "
        "priority, title, contract and on-site deadline come from it)",
    )
    kind: Literal["corrective", "preventive", "installation", "remote"] | None = None
    customer_id: int | None = None
    site_id: int | None = None
    service_object_id: int | None = None
    contract_id: int | None = None
    contact_id: int | None = None
    title: str | None = None
    description: str | None = None
    priority: str | None = None
    estimated_minutes: int | None = None
    onsite_deadline: datetime | None = None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    due_date: date | None = None
    parts_needed: list[PartIn] | None = None
    notes: str | None = None
    skills: list[SkillIn] | None = None
    status: Literal["draft", "ready"] | None = None


class WorkOrderPatch(StrictIn):
    kind: Literal["corrective", "preventive", "installation", "remote"] | None = None
    title: str | None = None
    description: str | None = None
    priority: str | None = None
    estimated_minutes: int | None = None
    onsite_deadline: datetime | None = None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    due_date: date | None = None
    parts_needed: list[PartIn] | None = None
    notes: str | None = None
    contact_id: int | None = None
    service_object_id: int | None = None


class SkillsIn(StrictIn):
    skills: list[SkillIn]


class TransitionIn(StrictIn):
    status: str = Field(description="ready, draft, cancelled or validated (a manager)")
    reason: str = ""


class WorkOrderFilters(Schema):
    status: str | None = None
    open: bool | None = None
    priority: str | None = None
    kind: str | None = None
    customer_id: int | None = None
    site_id: int | None = None
    ticket_id: int | None = None
    technician_id: int | None = None
    q: str | None = None


class PlanIn(StrictIn):
    technician_id: int
    start: datetime
    end: datetime
    pinned: bool = False


class VisitPatch(StrictIn):
    technician_id: int | None = Field(None, description="null (with no times): back to unscheduled")
    start: datetime | None = None
    end: datetime | None = None
    pinned: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> "VisitPatch":
        if not self.model_fields_set:
            raise ValueError("give technician_id, start, end or pinned")
        return self


class VisitTransitionIn(StrictIn):
    status: Literal["dispatched", "en_route", "on_site", "paused", "completed", "cancelled"]
    fixed: bool = False
    outcome: str = ""
    reason: str = ""


def detail(order: WorkOrder) -> dict[str, Any]:
    body = WorkOrderOut.from_orm(order).dict()
    body["required_skills"] = [
        {"skill": code, "level": level} for code, level in services.skills_of(order).items()
    ]
    body["visits"] = [
        VisitOut.from_orm(v).dict()
        for v in Visit.objects.filter(work_order=order).select_related("technician").order_by("number")
    ]
    body["status_changes"] = [StatusChangeOut.from_orm(c).dict() for c in queries.timeline(order)]
    arrival = parts.waiting([order.pk]).get(order.pk)
    body["waiting_for_parts"], body["parts_expected_arrival"] = arrival is not None, arrival
    return body


def _data(payload: StrictIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    for name in ("parts_needed", "skills"):
        if name in data and data[name] is None:
            data[name] = []
    return data


@router.get("/workorders", response=page_of(WorkOrderOut), operation_id="list_work_orders")
@guard.api("api.workorders.list")
def list_work_orders(
    request: HttpRequest, filters: Query[WorkOrderFilters], page: Query[PageIn]
) -> dict[str, Any]:
    return paginate(queries.list_work_orders(actor_of(request), **filters.dict()), page)


@router.post("/workorders", response={201: WorkOrderDetailOut}, operation_id="create_work_order")
@guard.api("api.workorders.create")
@idempotent
def create_work_order(request: HttpRequest, payload: WorkOrderIn, response: HttpResponse) -> Status:
    """By hand, or with ``ticket_id`` from a ticket (then customer, site and contract come from it)."""
    actor = actor_of(request)
    data = _data(payload)
    ticket_id = data.pop("ticket_id", None)
    for name, find in (
        ("customer_id", access_customer),
        ("site_id", access_site),
        ("service_object_id", access_object),
        ("contract_id", access_contract),
        ("contact_id", access_contact),
    ):
        if data.get(name) is not None:
            referenced(find, actor, data[name], name)
    if ticket_id is not None:
        referenced(access_ticket, actor, ticket_id, "ticket_id")
        order = services.create_from_ticket(actor, ticket_id, data)
    else:
        order = services.create_work_order(actor, data)
    set_etag(response, order)
    return Status(201, detail(order))


@router.get("/workorders/{work_order_id}", response=WorkOrderDetailOut, operation_id="get_work_order")
@guard.api("api.workorders.get")
def get_work_order(request: HttpRequest, work_order_id: int, response: HttpResponse) -> dict[str, Any]:
    order = access.access_work_order(actor_of(request), work_order_id)
    set_etag(response, order)
    return detail(order)


@router.patch(
    "/workorders/{work_order_id}",
    response=WorkOrderDetailOut,
    operation_id="update_work_order",
    openapi_extra=IF_MATCH,
)
@guard.api("api.workorders.update")
def update_work_order(
    request: HttpRequest, work_order_id: int, payload: WorkOrderPatch, response: HttpResponse
) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    data = _data(payload)
    for name, find in (("service_object_id", access_object), ("contact_id", access_contact)):
        if data.get(name) is not None:
            referenced(find, actor, data[name], name)
    with current_state_as(WorkOrderOut):
        order = services.update_work_order(
            actor, work_order_id, data, expected_version=expected_version(request)
        )
    set_etag(response, order)
    return detail(order)


@router.put(
    "/workorders/{work_order_id}/skills",
    response=WorkOrderDetailOut,
    operation_id="set_work_order_skills",
    openapi_extra=IF_MATCH,
)
@guard.api("api.workorders.skills")
def set_skills(
    request: HttpRequest, work_order_id: int, payload: SkillsIn, response: HttpResponse
) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    with current_state_as(WorkOrderOut):
        order = services.set_required_skills(
            actor,
            work_order_id,
            [s.dict() for s in payload.skills],
            expected_version=expected_version(request),
        )
    set_etag(response, order)
    return detail(order)


@router.post(
    "/workorders/{work_order_id}/transition",
    response=WorkOrderDetailOut,
    operation_id="transition_work_order",
    openapi_extra=IF_MATCH,
)
@guard.api("api.workorders.transition")
@idempotent
def transition_work_order(
    request: HttpRequest, work_order_id: int, payload: TransitionIn, response: HttpResponse
) -> dict[str, Any]:
    """draft ⇄ ready, → cancelled; → validated for managers (as ``POST …/validate``)."""
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    if payload.status == "validated" and not is_allowed(actor.role, "api.workorders.validate"):
        raise Forbidden(gettext_noop("Only a manager validates a work order."), field="status")
    with current_state_as(WorkOrderOut):
        order = services.transition(
            actor,
            work_order_id,
            payload.status,
            expected_version=expected_version(request),
            reason=payload.reason,
        )
    set_etag(response, order)
    return detail(order)


@router.post(
    "/workorders/{work_order_id}/validate",
    response=WorkOrderDetailOut,
    operation_id="validate_work_order",
    openapi_extra=IF_MATCH,
)
@guard.api("api.workorders.validate")
@idempotent
def validate_work_order(request: HttpRequest, work_order_id: int, response: HttpResponse) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    with current_state_as(WorkOrderOut):
        order = services.validate(actor, work_order_id, expected_version=expected_version(request))
    set_etag(response, order)
    return detail(order)


@router.get(
    "/workorders/{work_order_id}/visits", response=list[VisitOut], operation_id="list_work_order_visits"
)
@guard.api("api.workorders.visits.list")
def list_visits(request: HttpRequest, work_order_id: int) -> list[Visit]:
    actor = actor_of(request)
    return queries.visits_of(actor, access.access_work_order(actor, work_order_id))


@router.post(
    "/workorders/{work_order_id}/visits", response={201: VisitOut}, operation_id="plan_work_order_visit"
)
@guard.api("api.workorders.visits.create")
@idempotent
def plan_visit(request: HttpRequest, work_order_id: int, payload: PlanIn, response: HttpResponse) -> Status:
    """Plan the work order's open (unscheduled) visit: a technician and times."""
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    visit = services.plan_visit(
        actor, work_order_id, payload.technician_id, payload.start, payload.end, pinned=payload.pinned
    )
    set_etag(response, visit)
    return Status(201, visit)


@router.get("/visits/{visit_id}", response=VisitOut, operation_id="get_visit")
@guard.api("api.visits.get")
def get_visit(request: HttpRequest, visit_id: int, response: HttpResponse) -> Visit:
    visit = access.access_visit(actor_of(request), visit_id)
    set_etag(response, visit)
    return visit


@router.patch("/visits/{visit_id}", response=VisitOut, operation_id="update_visit", openapi_extra=IF_MATCH)
@guard.api("api.visits.update")
def update_visit(request: HttpRequest, visit_id: int, payload: VisitPatch, response: HttpResponse) -> Visit:
    """Plan or move (technician, start, end, pinned; missing ones keep their value), or
    ``{"technician_id": null}`` to unschedule."""
    actor = actor_of(request)
    visit = access.access_visit(actor, visit_id, acting=True)
    fields = payload.dict(exclude_unset=True)
    version = expected_version(request)
    with current_state_as(VisitOut):
        if "technician_id" in fields and fields["technician_id"] is None:
            if {"start", "end"} & set(fields):
                raise InvalidInput(gettext_noop("An unscheduled visit has no times."), field="start")
            visit = services.unschedule_visit(actor, visit_id, version)
        else:
            technician_id = fields.get("technician_id", visit.technician_id)
            start = fields.get("start", visit.planned_start)
            end = fields.get("end", visit.planned_end)
            if technician_id is None:
                raise InvalidInput(gettext_noop("This field is required."), field="technician_id")
            if start is None or end is None:
                raise InvalidInput(
                    gettext_noop("This field is required."), field="start" if start is None else "end"
                )
            visit = services.plan_visit(
                actor,
                visit.work_order_id,
                technician_id,
                start,
                end,
                pinned=fields["pinned"] if fields.get("pinned") is not None else visit.pinned,
                visit_id=visit_id,
                expected_version=version,
            )
    set_etag(response, visit)
    return visit


@router.post(
    "/visits/{visit_id}/transition",
    response=VisitOut,
    operation_id="transition_visit",
    openapi_extra=IF_MATCH,
)
@guard.api("api.visits.transition")
@idempotent
def transition_visit(
    request: HttpRequest, visit_id: int, payload: VisitTransitionIn, response: HttpResponse
) -> Visit:
    """dispatched (the customer is e-mailed the window), en_route, on_site (also resumes a pause),
    paused, completed (``fixed``, ``outcome``) or cancelled (``reason``)."""
    actor = actor_of(request)
    access.access_visit(actor, visit_id, acting=True)
    version = expected_version(request)
    with current_state_as(VisitOut):
        if payload.status == "dispatched":
            visit = services.dispatch_visit(actor, visit_id, version)
        elif payload.status == "en_route":
            visit = services.start_travel(actor, visit_id, version)
        elif payload.status == "on_site":
            visit = services.check_in(actor, visit_id, version)
        elif payload.status == "paused":
            visit = services.pause(actor, visit_id, version, reason=payload.reason)
        elif payload.status == "completed":
            visit = completion.complete(
                actor, visit_id, fixed=payload.fixed, outcome=payload.outcome, expected_version=version
            )
        else:
            visit = services.cancel_visit(actor, visit_id, payload.reason, version)
    set_etag(response, visit)
    return visit
