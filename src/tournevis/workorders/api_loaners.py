"""REST API of a work order's loaner: its entitlement and loans (GET), and lending one for it (POST).

The entitlement is the work order's contract's (``workorders.loaners``); without it a manager lends
one anyway with ``override_reason`` (written in the audit log), anyone else gets a 403.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from tournevis.core.idempotency import idempotent
from tournevis.core.rest import StrictIn, actor_of, set_etag
from tournevis.identity import guard
from tournevis.stock.access import access_loan
from tournevis.stock.api_loaners import LoanOut
from tournevis.workorders import access, loaners

router = Router(tags=["work orders"])


class WorkOrderLoanerOut(Schema):
    work_order_id: int
    entitled: bool
    contract_number: str | None
    can_lend: bool
    current: LoanOut | None
    past: list[LoanOut]


class WorkOrderLendIn(StrictIn):
    loaner_id: int
    due_back: date
    override_reason: str = ""


@router.get("/workorders/{work_order_id}/loan", response=WorkOrderLoanerOut, operation_id="work_order_loaner")
@guard.api("api.workorders.loan.get")
def work_order_loaner(request: HttpRequest, work_order_id: int) -> dict[str, Any]:
    """Whether the contract includes a loaner, the loan out for the work order and the earlier ones."""
    order = access.access_work_order(actor_of(request), work_order_id)
    found = loaners.situation(order)
    return {
        "work_order_id": order.pk,
        "entitled": found.entitled,
        "contract_number": found.contract_number,
        "can_lend": found.can_lend,
        "current": found.current,
        "past": found.past,
    }


@router.post("/workorders/{work_order_id}/loan", response={201: LoanOut}, operation_id="lend_for_work_order")
@guard.api("api.workorders.loan.create")
@idempotent
def lend_for_work_order(
    request: HttpRequest, work_order_id: int, payload: WorkOrderLendIn, response: HttpResponse
) -> Status:
    """Lend a loaner to the work order's customer at its site until ``due_back``."""
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    loan = loaners.lend_for_work_order(
        actor, work_order_id, payload.loaner_id, payload.due_back, override_reason=payload.override_reason
    )
    set_etag(response, loan)
    return Status(201, access_loan(actor, loan.pk))
