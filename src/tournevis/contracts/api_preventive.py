"""REST API of preventive-maintenance plans, under a contract: parse, access_*, one service call."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from tournevis.contracts import access, services_preventive
from tournevis.contracts.models import PreventivePlan
from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
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

router = Router(tags=["preventive plans"])


class PlanOut(Schema):
    id: int
    contract_id: int
    name: str
    service_object_id: int | None
    category_id: int | None
    unit: str
    every: int
    counter_key: str
    tolerance_before_days: int
    tolerance_after_days: int
    start_date: date
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class PlanIn(StrictIn):
    """One target: ``service_object_id`` (an object the contract covers) or ``category_id`` (every
    object of that category the contract covers when work orders are generated). ``unit`` days, weeks
    or months: due every ``every`` units from ``start_date``; ``counter``: every ``every`` units of the
    object's ``counter_key`` attribute."""

    name: str = Field(..., max_length=200, examples=["Quarterly service"])
    service_object_id: int | None = None
    category_id: int | None = None
    unit: str = Field(..., examples=["months"])
    every: int = Field(..., examples=[3])
    counter_key: str = ""
    tolerance_before_days: int = 0
    tolerance_after_days: int = 0
    start_date: date
    active: bool = True


class PlanPatch(StrictIn):
    name: str | None = Field(None, max_length=200)
    service_object_id: int | None = None
    category_id: int | None = None
    unit: str | None = None
    every: int | None = None
    counter_key: str | None = None
    tolerance_before_days: int | None = None
    tolerance_after_days: int | None = None
    start_date: date | None = None
    active: bool | None = None


def _plan(actor: Actor, contract_id: int, plan_id: int) -> PreventivePlan:
    contract = access.access_contract(actor, contract_id)
    plan = PreventivePlan.objects.filter(contract=contract, pk=plan_id).first()
    if plan is None:
        raise NotFound(_("No preventive plan with id %(id)s.") % {"id": plan_id})
    return plan


def _patch(payload: PlanPatch) -> dict[str, Any]:
    """Unset fields are left alone; an explicit null clears a target, and means nothing elsewhere."""
    data = payload.dict(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k in ("service_object_id", "category_id")}


@router.get("/contracts/{contract_id}/plans", response=page_of(PlanOut), operation_id="list_plans")
@guard.api("api.contracts.plans.list")
def list_plans(request: HttpRequest, contract_id: int, page: Query[PageIn]) -> dict[str, Any]:
    contract = access.access_contract(actor_of(request), contract_id)
    return paginate(PreventivePlan.objects.filter(contract=contract).order_by("id"), page)


@router.post("/contracts/{contract_id}/plans", response={201: PlanOut}, operation_id="create_plan")
@guard.api("api.contracts.plans.create")
@idempotent
def create_plan(request: HttpRequest, contract_id: int, payload: PlanIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    access.access_contract(actor, contract_id)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    plan = services_preventive.create_plan(actor, contract_id, data)
    set_etag(response, plan)
    return Status(201, plan)


@router.get("/contracts/{contract_id}/plans/{plan_id}", response=PlanOut, operation_id="get_plan")
@guard.api("api.contracts.plans.get")
def get_plan(request: HttpRequest, contract_id: int, plan_id: int, response: HttpResponse) -> PreventivePlan:
    plan = _plan(actor_of(request), contract_id, plan_id)
    set_etag(response, plan)
    return plan


@router.patch(
    "/contracts/{contract_id}/plans/{plan_id}",
    response=PlanOut,
    operation_id="update_plan",
    openapi_extra=IF_MATCH,
)
@guard.api("api.contracts.plans.update")
def update_plan(
    request: HttpRequest, contract_id: int, plan_id: int, payload: PlanPatch, response: HttpResponse
) -> PreventivePlan:
    actor = actor_of(request)
    _plan(actor, contract_id, plan_id)
    with current_state_as(PlanOut):
        plan = services_preventive.update_plan(
            actor, contract_id, plan_id, _patch(payload), expected_version(request)
        )
    set_etag(response, plan)
    return plan


@router.delete(
    "/contracts/{contract_id}/plans/{plan_id}",
    response={204: None},
    operation_id="delete_plan",
    openapi_extra=IF_MATCH,
)
@guard.api("api.contracts.plans.delete")
def delete_plan(request: HttpRequest, contract_id: int, plan_id: int) -> Status:
    """Work orders already generated stay."""
    actor = actor_of(request)
    _plan(actor, contract_id, plan_id)
    with current_state_as(PlanOut):
        services_preventive.delete_plan(actor, contract_id, plan_id, expected_version(request))
    return Status(204, None)
