"""REST API of contracts, amendments and entitlement: parse, access_*, one service call, serialise.

Calendars and SLA policies: ``api_tiers.py``.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from tournevis.contracts import access, queries, services
from tournevis.contracts.models import Amendment, Contract, Coverage
from tournevis.core import clock
from tournevis.core.errors import InvalidInput
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
from tournevis.customers.access import access_customer, access_site
from tournevis.identity import guard
from tournevis.installed_base.access import access_object

router = Router(tags=["contracts"])


class CoverageSpec(StrictIn):
    site_ids: list[int] = []
    object_ids: list[int] = []
    category_ids: list[int] = []


class ContractOut(Schema):
    id: int
    number: str
    customer_id: int
    type: str
    status: str
    start_date: date
    end_date: date
    renewal: str
    renewal_months: int
    notice_days: int
    price_minor: int
    currency: str
    billing_cycle: str
    per_visit_price_minor: int | None
    sla_policy_id: int | None
    calendar_id: int | None
    parts_included: bool
    labour_included: bool
    loaner_included: bool
    sla_pause_for_parts: bool
    preventive_visits_per_year: int
    account_manager_id: int | None
    notes: str
    coverage: dict[str, list[int]]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_coverage(obj: Contract | dict[str, Any]) -> dict[str, list[int]]:
        return obj["coverage"] if isinstance(obj, dict) else services.coverage_snapshot(obj)


class TermsOut(Schema):
    """The contract as it stands on ``on``: base plus the amendments effective by then."""

    on: date
    sla_policy_id: int | None
    price_minor: int
    site_ids: list[int]
    object_ids: list[int]
    category_ids: list[int]


class ContractDetailOut(ContractOut):
    terms: TermsOut


class ContractIn(StrictIn):
    customer_id: int
    number: str = ""
    type: str
    status: str = "draft"
    start_date: date
    end_date: date
    renewal: str = "tacit"
    renewal_months: int = 12
    notice_days: int = 90
    price_minor: int = 0
    currency: str
    billing_cycle: str = "annual"
    per_visit_price_minor: int | None = None
    sla_policy_id: int | None = None
    calendar_id: int | None = None
    parts_included: bool = False
    labour_included: bool = False
    loaner_included: bool = False
    sla_pause_for_parts: bool = Field(
        False, description="The SLA on-site and resolution clocks pause while the work order waits for parts"
    )
    preventive_visits_per_year: int = 0
    account_manager_id: int | None = None
    notes: str = ""
    coverage: CoverageSpec | None = None


class ContractPatch(StrictIn):
    number: str | None = None
    type: str | None = None
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    renewal: str | None = None
    renewal_months: int | None = None
    notice_days: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    billing_cycle: str | None = None
    per_visit_price_minor: int | None = None
    sla_policy_id: int | None = None
    calendar_id: int | None = None
    parts_included: bool | None = None
    labour_included: bool | None = None
    loaner_included: bool | None = None
    sla_pause_for_parts: bool | None = None
    preventive_visits_per_year: int | None = None
    account_manager_id: int | None = None
    notes: str | None = None
    coverage: CoverageSpec | None = None


class ContractFilters(Schema):
    customer_id: int | None = None
    status: str | None = None
    type: str | None = None
    number: str | None = None


class TermsQuery(Schema):
    at: date | None = None


def _detail(contract: Contract, on: date | None) -> dict[str, Any]:
    day = on or clock.now().date()
    terms = services.terms_at(contract, day)
    body = ContractOut.from_orm(contract).dict()
    body["terms"] = {
        "on": day,
        "sla_policy_id": terms.sla_policy_id,
        "price_minor": terms.price_minor,
        "site_ids": sorted(terms.site_ids),
        "object_ids": sorted(terms.object_ids),
        "category_ids": sorted(terms.category_ids),
    }
    return body


def _body(payload: StrictIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    if data.get("coverage") is None:
        data.pop("coverage", None)
    return data


@router.get("/contracts", response=page_of(ContractOut), operation_id="list_contracts")
@guard.api("api.contracts.list")
def list_contracts(
    request: HttpRequest, filters: Query[ContractFilters], page: Query[PageIn]
) -> dict[str, Any]:
    return paginate(queries.list_contracts(actor_of(request), **filters.dict()), page)


@router.post("/contracts", response={201: ContractDetailOut}, operation_id="create_contract")
@guard.api("api.contracts.create")
@idempotent
def create_contract(request: HttpRequest, payload: ContractIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    referenced(access_customer, actor, payload.customer_id, "customer_id")
    data = _body(payload)
    contract = services.create_contract(actor, data.pop("customer_id"), data)
    set_etag(response, contract)
    return Status(201, _detail(contract, None))


@router.get("/contracts/{contract_id}", response=ContractDetailOut, operation_id="get_contract")
@guard.api("api.contracts.get")
def get_contract(
    request: HttpRequest, contract_id: int, query: Query[TermsQuery], response: HttpResponse
) -> dict[str, Any]:
    contract = access.access_contract(actor_of(request), contract_id)
    set_etag(response, contract)
    return _detail(contract, query.at)


@router.patch(
    "/contracts/{contract_id}",
    response=ContractDetailOut,
    operation_id="update_contract",
    openapi_extra=IF_MATCH,
)
@guard.api("api.contracts.update")
def update_contract(
    request: HttpRequest, contract_id: int, payload: ContractPatch, response: HttpResponse
) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_contract(actor, contract_id)
    with current_state_as(ContractOut):
        contract = services.update_contract(actor, contract_id, _body(payload), expected_version(request))
    set_etag(response, contract)
    return _detail(contract, None)


@router.delete("/contracts/{contract_id}", response={204: None}, operation_id="delete_contract")
@guard.api("api.contracts.delete")
def delete_contract(request: HttpRequest, contract_id: int) -> Status:
    actor = actor_of(request)
    access.access_contract(actor, contract_id)
    services.delete_contract(actor, contract_id)
    return Status(204, None)


# --- Amendments ------------------------------------------------------------------------------------


class AmendmentOut(Schema):
    id: int
    contract_id: int
    sequence: int
    effective_date: date
    sla_policy_id: int | None
    price_minor: int | None
    reason: str
    add: dict[str, list[int]]
    remove: dict[str, list[int]]
    prorated_amount_minor: int | None
    created_at: datetime
    created_by: str

    @staticmethod
    def _lists(obj: Amendment, op: str) -> dict[str, list[int]]:
        rows = [r for r in obj.coverage.all() if r.op == op]
        return {
            "site_ids": sorted(r.site_id for r in rows if r.site_id),
            "object_ids": sorted(r.service_object_id for r in rows if r.service_object_id),
            "category_ids": sorted(r.category_id for r in rows if r.category_id),
        }

    @staticmethod
    def resolve_add(obj: Amendment) -> dict[str, list[int]]:
        return AmendmentOut._lists(obj, Coverage.Op.ADD)

    @staticmethod
    def resolve_remove(obj: Amendment) -> dict[str, list[int]]:
        return AmendmentOut._lists(obj, Coverage.Op.REMOVE)

    @staticmethod
    def resolve_prorated_amount_minor(obj: Amendment) -> int | None:
        return services.prorated_amount(obj.contract, obj)


class AmendmentIn(StrictIn):
    effective_date: date
    add: CoverageSpec | None = None
    remove: CoverageSpec | None = None
    sla_policy_id: int | None = None
    price_minor: int | None = None
    reason: str = ""


@router.get(
    "/contracts/{contract_id}/amendments", response=page_of(AmendmentOut), operation_id="list_amendments"
)
@guard.api("api.contracts.amendments")
def list_amendments(request: HttpRequest, contract_id: int, page: Query[PageIn]) -> dict[str, Any]:
    contract = access.access_contract(actor_of(request), contract_id)
    rows = (
        contract.amendments.select_related("contract")
        .prefetch_related("coverage")
        .order_by("effective_date", "sequence")
    )
    return paginate(rows, page)


@router.post(
    "/contracts/{contract_id}/amendments",
    response={201: AmendmentOut},
    operation_id="amend_contract",
    openapi_extra=IF_MATCH,
)
@guard.api("api.contracts.amend")
@idempotent
def amend_contract(
    request: HttpRequest, contract_id: int, payload: AmendmentIn, response: HttpResponse
) -> Status:
    """Add or remove coverage, change the tier or the price from ``effective_date`` on.

    ``If-Match`` names the contract's version; the answer's ``ETag`` is the contract's new version.
    """
    actor = actor_of(request)
    access.access_contract(actor, contract_id)
    data = payload.dict(exclude_unset=True)
    with current_state_as(ContractOut):
        amendment = services.amend_contract(actor, contract_id, data, expected_version(request))
    set_etag(response, amendment.contract)
    return Status(201, amendment)


# --- Entitlement -----------------------------------------------------------------------------------


class EntitlementQuery(Schema):
    object_id: int | None = None
    site_id: int | None = None
    at: datetime | None = None
    priority: str = "P1"
    category_id: int | None = None


class EntitlementOut(Schema):
    basis: str
    covered: bool
    priority: str
    at: datetime
    contract_id: int | None
    contract_number: str | None
    contract_type: str | None
    coverage: str | None
    sla_policy_id: int | None
    targets: dict[str, int] | None
    parts_included: bool
    labour_included: bool
    loaner_included: bool
    per_visit_price_minor: int | None
    currency: str | None
    calendar_id: int | None
    calendar_name: str


@router.get("/entitlement", response=EntitlementOut, operation_id="get_entitlement")
@guard.api("api.contracts.entitlement")
def get_entitlement(request: HttpRequest, query: Query[EntitlementQuery]) -> dict[str, Any]:
    """Which contract covers an object (or a site) at a moment, with its targets for a priority;
    ``basis`` is ``time_and_materials`` when none does."""
    actor = actor_of(request)
    priority = query.priority.strip().upper()
    if priority not in ("P1", "P2", "P3", "P4"):
        raise InvalidInput(_("Priority must be one of P1, P2, P3, P4."), field="priority")
    at = query.at or clock.now()
    if at.tzinfo is None:
        raise InvalidInput(_("A date-time with its offset is expected."), field="at")
    if query.object_id is not None:
        obj = referenced(access_object, actor, query.object_id, "object_id")
        found = queries.entitlement(
            service_object=obj, at=at, priority=priority, category_id=query.category_id
        )
    elif query.site_id is not None:
        site = referenced(access_site, actor, query.site_id, "site_id")
        found = queries.entitlement(site=site, at=at, priority=priority, category_id=query.category_id)
    else:
        raise InvalidInput(_("Give an object_id or a site_id."), field="object_id")
    return {**found.__dict__, "basis": found.basis, "at": at}
