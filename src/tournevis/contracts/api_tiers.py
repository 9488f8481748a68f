"""REST API of business calendars (and their assignment to sites and customers) and SLA policies."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from tournevis.contracts import access, services_tiers
from tournevis.contracts.models import Calendar, CalendarAssignment, SlaPolicy
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
    set_etag,
)
from tournevis.identity import guard

router = Router(tags=["contracts"])

# --- Calendars -------------------------------------------------------------------------------------


class HolidaysSpec(Schema):
    country: str
    subdivision: str = ""


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    slots: dict[str, list[list[str]]]
    holidays: HolidaysSpec | None
    closures: list[list[str]]
    yearly_closures: list[list[str]]
    always_open: bool
    is_default: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_holidays(obj: Calendar) -> dict[str, str] | None:
        if not obj.holidays_country:
            return None
        return {"country": obj.holidays_country, "subdivision": obj.holidays_subdivision}


class CalendarIn(StrictIn):
    """Weekly ``slots`` as a site's access hours; ``closures`` [start, end] as dates (whole days, inclusive)
    or aware date-times ([start, end)); ``yearly_closures`` as ["MM-DD", "MM-DD"] (inclusive)."""

    name: str
    timezone: str
    slots: dict[str, Any] = {}
    holidays: dict[str, Any] | None = None
    closures: list[Any] = []
    yearly_closures: list[Any] = []
    always_open: bool = False
    is_default: bool = False


class CalendarPatch(StrictIn):
    name: str | None = None
    timezone: str | None = None
    slots: dict[str, Any] | None = None
    holidays: dict[str, Any] | None = None
    closures: list[Any] | None = None
    yearly_closures: list[Any] | None = None
    always_open: bool | None = None
    is_default: bool | None = None


@router.get("/calendars", response=page_of(CalendarOut), operation_id="list_calendars")
@guard.api("api.calendars.list")
def list_calendars(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(Calendar.objects.order_by("name", "id"), page)


@router.post("/calendars", response={201: CalendarOut}, operation_id="create_calendar")
@guard.api("api.calendars.create")
@idempotent
def create_calendar(request: HttpRequest, payload: CalendarIn, response: HttpResponse) -> Status:
    calendar = services_tiers.create_calendar(actor_of(request), payload.dict(exclude_unset=True))
    set_etag(response, calendar)
    return Status(201, calendar)


@router.get("/calendars/{calendar_id}", response=CalendarOut, operation_id="get_calendar")
@guard.api("api.calendars.get")
def get_calendar(request: HttpRequest, calendar_id: int, response: HttpResponse) -> Calendar:
    calendar = access.access_calendar(actor_of(request), calendar_id)
    set_etag(response, calendar)
    return calendar


@router.patch(
    "/calendars/{calendar_id}", response=CalendarOut, operation_id="update_calendar", openapi_extra=IF_MATCH
)
@guard.api("api.calendars.update")
def update_calendar(
    request: HttpRequest, calendar_id: int, payload: CalendarPatch, response: HttpResponse
) -> Calendar:
    actor = actor_of(request)
    access.access_calendar(actor, calendar_id)
    with current_state_as(CalendarOut):
        calendar = services_tiers.update_calendar(
            actor, calendar_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, calendar)
    return calendar


@router.delete("/calendars/{calendar_id}", response={204: None}, operation_id="delete_calendar")
@guard.api("api.calendars.delete")
def delete_calendar(request: HttpRequest, calendar_id: int) -> Status:
    actor = actor_of(request)
    access.access_calendar(actor, calendar_id)
    services_tiers.delete_calendar(actor, calendar_id)
    return Status(204, None)


class AssignmentOut(Schema):
    id: int
    calendar_id: int
    site_id: int | None
    customer_id: int | None
    created_at: datetime
    updated_at: datetime


class AssignmentIn(StrictIn):
    """One of ``site_id`` or ``customer_id``: that site's or customer's calendar becomes this one."""

    site_id: int | None = None
    customer_id: int | None = None


@router.get(
    "/calendar-assignments", response=page_of(AssignmentOut), operation_id="list_calendar_assignments"
)
@guard.api("api.calendars.assignments")
def list_assignments(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(CalendarAssignment.objects.order_by("id"), page)


@router.post(
    "/calendars/{calendar_id}/assignments", response={201: AssignmentOut}, operation_id="assign_calendar"
)
@guard.api("api.calendars.assign")
@idempotent
def assign_calendar(request: HttpRequest, calendar_id: int, payload: AssignmentIn) -> Status:
    actor = actor_of(request)
    access.access_calendar(actor, calendar_id)
    assignment = services_tiers.assign_calendar(
        actor, calendar_id, site_id=payload.site_id, customer_id=payload.customer_id
    )
    return Status(201, assignment)


@router.delete(
    "/calendar-assignments/{assignment_id}", response={204: None}, operation_id="unassign_calendar"
)
@guard.api("api.calendars.unassign")
def unassign_calendar(request: HttpRequest, assignment_id: int) -> Status:
    actor = actor_of(request)
    access.access_assignment(actor, assignment_id)
    services_tiers.unassign_calendar(actor, assignment_id)
    return Status(204, None)


# --- SLA policies ----------------------------------------------------------------------------------


class TargetSpec(StrictIn):
    """Business minutes of the applicable calendar; ``update_every_minutes`` defaults to 120 (P1),
    480 — one 8-hour business day — (P2, P3) and 2400 (P4)."""

    priority: str
    category_id: int | None = None
    first_response_minutes: int
    on_site_minutes: int
    resolution_minutes: int
    update_every_minutes: int | None = None


class TargetOut(Schema):
    priority: str
    category_id: int | None
    first_response_minutes: int
    on_site_minutes: int
    resolution_minutes: int
    update_every_minutes: int


class SlaPolicyOut(Schema):
    id: int
    name: str
    description: str
    targets: list[TargetOut]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_targets(obj: SlaPolicy) -> list[dict[str, Any]]:
        return services_tiers.targets_snapshot(obj)


class SlaPolicyIn(StrictIn):
    name: str
    description: str = ""
    targets: list[TargetSpec]


class SlaPolicyPatch(StrictIn):
    name: str | None = None
    description: str | None = None
    targets: list[TargetSpec] | None = None


@router.get("/sla-policies", response=page_of(SlaPolicyOut), operation_id="list_sla_policies")
@guard.api("api.sla_policies.list")
def list_sla_policies(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(SlaPolicy.objects.order_by("name", "id"), page)


@router.post("/sla-policies", response={201: SlaPolicyOut}, operation_id="create_sla_policy")
@guard.api("api.sla_policies.create")
@idempotent
def create_sla_policy(request: HttpRequest, payload: SlaPolicyIn, response: HttpResponse) -> Status:
    policy = services_tiers.create_sla_policy(actor_of(request), payload.dict(exclude_unset=True))
    set_etag(response, policy)
    return Status(201, policy)


@router.get("/sla-policies/{policy_id}", response=SlaPolicyOut, operation_id="get_sla_policy")
@guard.api("api.sla_policies.get")
def get_sla_policy(request: HttpRequest, policy_id: int, response: HttpResponse) -> SlaPolicy:
    policy = access.access_sla_policy(actor_of(request), policy_id)
    set_etag(response, policy)
    return policy


@router.patch(
    "/sla-policies/{policy_id}",
    response=SlaPolicyOut,
    operation_id="update_sla_policy",
    openapi_extra=IF_MATCH,
)
@guard.api("api.sla_policies.update")
def update_sla_policy(
    request: HttpRequest, policy_id: int, payload: SlaPolicyPatch, response: HttpResponse
) -> SlaPolicy:
    actor = actor_of(request)
    access.access_sla_policy(actor, policy_id)
    with current_state_as(SlaPolicyOut):
        policy = services_tiers.update_sla_policy(
            actor, policy_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, policy)
    return policy


@router.delete("/sla-policies/{policy_id}", response={204: None}, operation_id="delete_sla_policy")
@guard.api("api.sla_policies.delete")
def delete_sla_policy(request: HttpRequest, policy_id: int) -> Status:
    actor = actor_of(request)
    access.access_sla_policy(actor, policy_id)
    services_tiers.delete_sla_policy(actor, policy_id)
    return Status(204, None)
