"""REST API of the loaner pool: loaners (list, get, create, edit or retire), the pool by model and
depot, loans (list: open, overdue, returned, awaiting inspection, all), lend, return and inspect.

Thin: parse, access_*, one service or query call, serialise. Creations and loan steps take an
``Idempotency-Key``; edits and loan steps take ``If-Match`` (the row's ``ETag``). Lending for a work
order, with the contract's entitlement, is ``POST /workorders/{id}/loan`` (``workorders.api_loaners``).
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from tournevis.core import clock
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
from tournevis.stock import access
from tournevis.stock import queries_loaners as queries
from tournevis.stock import services_loaners as services
from tournevis.stock.models import Loan, Loaner

router = Router(tags=["loaners"])


class LoanerOut(Schema):
    id: int
    equipment_model_id: int
    model: str
    serial: str
    location_id: int
    location_code: str
    status: str
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_model(obj: Loaner) -> str:
        return str(obj.equipment_model)

    @staticmethod
    def resolve_location_code(obj: Loaner) -> str:
        return obj.location.code


class LoanerIn(StrictIn):
    equipment_model_id: int
    serial: str
    location_id: int
    notes: str = ""


class LoanerPatch(StrictIn):
    location_id: int | None = None
    notes: str | None = None
    retired: bool | None = None


class LoanerFilters(Schema):
    status: Literal["available", "lent", "inspection", "retired"] | None = None
    equipment_model_id: int | None = None
    location_id: int | None = None
    q: str | None = None


class PoolOut(Schema):
    equipment_model_id: int
    model: str
    location_id: int
    location_code: str
    location_name: str
    available: int
    lent: int
    inspection: int
    retired: int


class PoolFilters(Schema):
    equipment_model_id: int | None = None
    location_id: int | None = None


class LoanOut(Schema):
    id: int
    loaner_id: int
    serial: str
    model: str
    customer_id: int
    customer_name: str
    site_id: int | None
    demand_type: str
    demand_id: int | None
    demand_label: str
    lent_at: datetime
    due_back: date
    overdue_days: int
    returned_at: datetime | None
    inspection: str
    inspection_notes: str
    reminded_at: datetime | None
    lent_by_label: str
    version: int

    @staticmethod
    def resolve_serial(obj: Loan) -> str:
        return obj.loaner.serial

    @staticmethod
    def resolve_model(obj: Loan) -> str:
        return str(obj.loaner.equipment_model)

    @staticmethod
    def resolve_customer_name(obj: Loan) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_overdue_days(obj: Loan) -> int:
        return queries.overdue_days(obj, clock.now())


class LoanFilters(Schema):
    state: Literal["open", "overdue", "returned", "uninspected", "all"] = "open"
    customer_id: int | None = None
    loaner_id: int | None = None


class LendIn(StrictIn):
    customer_id: int
    site_id: int | None = None
    due_back: date
    demand_type: str = ""
    demand_id: int | None = None
    demand_label: str = ""


class ReturnIn(StrictIn):
    at: datetime | None = None


class InspectIn(StrictIn):
    result: Literal["passed", "failed"]
    notes: str = ""


# --- Loaners ---------------------------------------------------------------------------------------


@router.get("/loaners", response=page_of(LoanerOut), operation_id="list_loaners")
@guard.api("api.loaners.list")
def list_loaners(request: HttpRequest, filters: Query[LoanerFilters], page: Query[PageIn]) -> dict[str, Any]:
    return paginate(queries.list_loaners(actor_of(request), **filters.dict()), page)


@router.get("/loaners/pool", response=list[PoolOut], operation_id="loaner_pool")
@guard.api("api.loaners.pool")
def loaner_pool(request: HttpRequest, filters: Query[PoolFilters]) -> list[queries.PoolRow]:
    """How many loaners of each model each depot holds: available, lent, in inspection, retired."""
    return queries.pool(**filters.dict())


@router.post("/loaners", response={201: LoanerOut}, operation_id="create_loaner")
@guard.api("api.loaners.create")
@idempotent
def create_loaner(request: HttpRequest, payload: LoanerIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    loaner = services.create_loaner(actor, payload.dict())
    set_etag(response, loaner)
    return Status(201, access.access_loaner(actor, loaner.pk))


@router.get("/loaners/{loaner_id}", response=LoanerOut, operation_id="get_loaner")
@guard.api("api.loaners.get")
def get_loaner(request: HttpRequest, loaner_id: int, response: HttpResponse) -> Loaner:
    loaner = access.access_loaner(actor_of(request), loaner_id)
    set_etag(response, loaner)
    return loaner


@router.patch(
    "/loaners/{loaner_id}", response=LoanerOut, operation_id="update_loaner", openapi_extra=IF_MATCH
)
@guard.api("api.loaners.update")
def update_loaner(
    request: HttpRequest, loaner_id: int, payload: LoanerPatch, response: HttpResponse
) -> Loaner:
    """Notes, home depot, ``retired`` (true: out of the pool, never while lent; false: back in it)."""
    actor = actor_of(request)
    access.access_loaner(actor, loaner_id)
    with current_state_as(LoanerOut):
        services.update_loaner(actor, loaner_id, payload.dict(exclude_unset=True), expected_version(request))
    loaner = access.access_loaner(actor, loaner_id)
    set_etag(response, loaner)
    return loaner


@router.post("/loaners/{loaner_id}/lend", response={201: LoanOut}, operation_id="lend_loaner")
@guard.api("api.loaners.lend")
@idempotent
def lend_loaner(request: HttpRequest, loaner_id: int, payload: LendIn, response: HttpResponse) -> Status:
    """Lend an available loaner to a customer (no entitlement check: see ``POST /workorders/{id}/loan``)."""
    actor = actor_of(request)
    access.access_loaner(actor, loaner_id)
    loan = services.lend(actor, loaner_id, **payload.dict())
    set_etag(response, loan)
    return Status(201, access.access_loan(actor, loan.pk))


# --- Loans -----------------------------------------------------------------------------------------


@router.get("/loans", response=page_of(LoanOut), operation_id="list_loans")
@guard.api("api.loans.list")
def list_loans(request: HttpRequest, filters: Query[LoanFilters], page: Query[PageIn]) -> dict[str, Any]:
    """``state``: open (default, soonest due first), overdue, returned, uninspected or all."""
    return paginate(queries.list_loans(actor_of(request), clock.now(), **filters.dict()), page)


@router.get("/loans/{loan_id}", response=LoanOut, operation_id="get_loan")
@guard.api("api.loans.get")
def get_loan(request: HttpRequest, loan_id: int, response: HttpResponse) -> Loan:
    loan = access.access_loan(actor_of(request), loan_id)
    set_etag(response, loan)
    return loan


@router.post("/loans/{loan_id}/return", response=LoanOut, operation_id="return_loan", openapi_extra=IF_MATCH)
@guard.api("api.loans.return")
@idempotent
def return_loan(request: HttpRequest, loan_id: int, payload: ReturnIn, response: HttpResponse) -> Loan:
    """The loaner came back (``at``, default now); it awaits its inspection."""
    actor = actor_of(request)
    access.access_loan(actor, loan_id)
    with current_state_as(LoanOut):
        services.return_loaner(actor, loan_id, at=payload.at, expected_version=expected_version(request))
    loan = access.access_loan(actor, loan_id)
    set_etag(response, loan)
    return loan


@router.post(
    "/loans/{loan_id}/inspect", response=LoanOut, operation_id="inspect_loan", openapi_extra=IF_MATCH
)
@guard.api("api.loans.inspect")
@idempotent
def inspect_loan(request: HttpRequest, loan_id: int, payload: InspectIn, response: HttpResponse) -> Loan:
    """passed: the loaner is available again; failed (``notes`` required): it is retired."""
    actor = actor_of(request)
    access.access_loan(actor, loan_id)
    with current_state_as(LoanOut):
        services.inspect(
            actor,
            loan_id,
            result=payload.result,
            notes=payload.notes,
            expected_version=expected_version(request),
        )
    loan = access.access_loan(actor, loan_id)
    set_etag(response, loan)
    return loan
