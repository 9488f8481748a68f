"""REST API of stock transfers (create, ship, receive, cancel, revise the arrival) and replenishment
(proposals, order them). Same conventions as ``stock.api``: thin, decimal strings for quantities,
``Idempotency-Key`` on writes, ``If-Match`` on the transfer steps (412 with the current state)."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from tournevis.core.errors import PreconditionFailed
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
from tournevis.stock import access, queries, services
from tournevis.stock.api import Mode, Qty, QtyIn

router = Router(tags=["stock"])

# --- Transfers -------------------------------------------------------------------------------------


class TransferOut(Schema):
    id: int
    number: str
    part_id: int
    part_reference: str
    quantity: Qty
    serials: list[str]
    source_id: int
    source_code: str
    destination_id: int
    destination_code: str
    mode: str
    status: str
    expected_arrival: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    reason: str
    demand_type: str
    demand_id: int | None
    demand_label: str
    version: int


class TransferIn(StrictIn):
    part_id: int
    quantity: QtyIn
    source_id: int
    destination_id: int
    serials: list[str] = []
    reason: str = ""
    demand_type: str = ""
    demand_id: int | None = None
    demand_label: str = ""
    mode: Mode | None = None
    expected_arrival: datetime | None = None


class TransferFilters(Schema):
    status: Literal["planned", "in_transit", "received", "cancelled"] | None = None
    location_id: int | None = None
    part_id: int | None = None
    demand_type: str | None = None
    demand_id: int | None = None


class CancelIn(StrictIn):
    reason: str


class ReviseIn(StrictIn):
    expected_arrival: datetime


def _transfer_out(response: HttpResponse, transfer_id: int) -> queries.TransferRow:
    row = queries.transfer(transfer_id)
    assert row is not None
    set_etag(response, row)
    return row


@router.get("/stock/transfers", response=page_of(TransferOut), operation_id="list_transfers")
@guard.api("api.stock.transfers.list")
def list_transfers(
    request: HttpRequest, filters: Query[TransferFilters], page: Query[PageIn]
) -> dict[str, Any]:
    """Transfers by expected arrival; ``location_id`` matches the source or the destination."""
    return paginate(queries.transfers(**filters.dict()), page)


@router.post("/stock/transfers", response={201: TransferOut}, operation_id="create_transfer")
@guard.api("api.stock.transfers.create")
@idempotent
def create_transfer(request: HttpRequest, payload: TransferIn, response: HttpResponse) -> Status:
    """Order parts from one location to another: held at the source until shipped. ``mode`` and
    ``expected_arrival`` default to the fastest lane between the two regions."""
    transfer = services.create_transfer(actor_of(request), **payload.dict())
    return Status(201, _transfer_out(response, transfer.pk))


@router.get("/stock/transfers/{transfer_id}", response=TransferOut, operation_id="get_transfer")
@guard.api("api.stock.transfers.get")
def get_transfer(request: HttpRequest, transfer_id: int, response: HttpResponse) -> queries.TransferRow:
    access.access_transfer(actor_of(request), transfer_id)
    return _transfer_out(response, transfer_id)


def _step(request: HttpRequest, response: HttpResponse, transfer_id: int, step: Any, **extra: Any) -> Any:
    actor = actor_of(request)
    access.access_transfer(actor, transfer_id)
    with current_state_as(TransferOut):
        try:
            step(actor, transfer_id, expected_version=expected_version(request), **extra)
        except PreconditionFailed as exc:
            exc.current = queries.transfer(transfer_id)
            raise
    return _transfer_out(response, transfer_id)


@router.post(
    "/stock/transfers/{transfer_id}/ship",
    response=TransferOut,
    operation_id="ship_transfer",
    openapi_extra=IF_MATCH,
)
@guard.api("api.stock.transfers.ship")
@idempotent
def ship_transfer(request: HttpRequest, transfer_id: int, response: HttpResponse) -> Any:
    """The parts leave the source for the in-transit location."""
    return _step(request, response, transfer_id, services.ship_transfer)


@router.post(
    "/stock/transfers/{transfer_id}/receive",
    response=TransferOut,
    operation_id="receive_transfer",
    openapi_extra=IF_MATCH,
)
@guard.api("api.stock.transfers.receive")
@idempotent
def receive_transfer(request: HttpRequest, transfer_id: int, response: HttpResponse) -> Any:
    """The parts arrive at the destination (the reservations waiting for them are held there)."""
    return _step(request, response, transfer_id, services.receive_transfer)


@router.post(
    "/stock/transfers/{transfer_id}/cancel",
    response=TransferOut,
    operation_id="cancel_transfer",
    openapi_extra=IF_MATCH,
)
@guard.api("api.stock.transfers.cancel")
@idempotent
def cancel_transfer(request: HttpRequest, transfer_id: int, payload: CancelIn, response: HttpResponse) -> Any:
    """Cancel a planned transfer (``reason`` required): the hold at the source is released."""
    return _step(request, response, transfer_id, services.cancel_transfer, reason=payload.reason)


@router.post(
    "/stock/transfers/{transfer_id}/revise",
    response=TransferOut,
    operation_id="revise_transfer_arrival",
    openapi_extra=IF_MATCH,
)
@guard.api("api.stock.transfers.revise")
@idempotent
def revise_arrival(request: HttpRequest, transfer_id: int, payload: ReviseIn, response: HttpResponse) -> Any:
    """A new expected arrival for a planned or in-transit transfer."""
    return _step(
        request, response, transfer_id, services.revise_arrival, expected_arrival=payload.expected_arrival
    )


# --- Replenishment ---------------------------------------------------------------------------------


class ProposalOut(Schema):
    location_id: int
    location_code: str
    part_id: int
    part_reference: str
    unit: str
    on_hand: Qty
    reserved: Qty
    inbound: Qty
    projected: Qty
    minimum: Qty
    maximum: Qty | None
    quantity: Qty
    source_id: int | None
    source_code: str
    source_available: Qty


class ProposalFilters(Schema):
    location_id: int | None = None


class ReplenishIn(StrictIn):
    location_id: int
    part_ids: list[int] | None = None


@router.get("/stock/replenishment", response=list[ProposalOut], operation_id="list_replenishment_proposals")
@guard.api("api.stock.replenishment.list")
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> list[queries.ProposalRow]:
    """What each location below its minimum should receive, and from where."""
    return queries.replenishment_proposals(filters.location_id)


@router.post("/stock/replenishment", response={201: list[TransferOut]}, operation_id="replenish")
@guard.api("api.stock.replenishment.create")
@idempotent
def replenish(request: HttpRequest, payload: ReplenishIn) -> Status:
    """Order the proposed transfers for a location (all its parts below minimum, or ``part_ids``)."""
    transfers = services.replenish(actor_of(request), payload.location_id, payload.part_ids)
    rows = [queries.transfer(transfer.pk) for transfer in transfers]
    return Status(201, rows)
