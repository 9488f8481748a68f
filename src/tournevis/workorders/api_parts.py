"""REST API of a work order's spare parts: its reservations and whether it waits for parts (GET),
reserving parts for it (POST: several lines, all or nothing), releasing one reservation (DELETE).

Planners (admin, manager, dispatcher) and desk agents reserve and release; a technician reads the parts
of a work order with a visit of theirs (``workorders.access``). Unknown part: 422 naming
``lines.<i>.part``; not enough anywhere: 409 naming ``lines.<i>.quantity``; nothing reserved either way.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status

from tournevis.core.idempotency import idempotent
from tournevis.core.rest import StrictIn, actor_of
from tournevis.identity import guard
from tournevis.stock.explain import explain
from tournevis.stock.reservations import ReservationRow
from tournevis.workorders import access, parts

router = Router(tags=["work orders"])


class ReservationOut(Schema):
    id: int
    part_id: int
    part_reference: str
    part_name: str
    quantity: Decimal
    unit: str
    status: str = Field(description="active, consumed or released")
    location_code: str = Field(description="Where the parts are held (the van or depot they go to)")
    transfer_number: str | None
    transfer_status: str | None
    transfer_mode: str | None = Field(description="ground or express_air")
    source_code: str | None = Field(description="The depot the transfer comes from")
    expected_arrival: datetime | None
    awaited: bool = Field(description="Active and still on its way")
    explanation: dict[str, Any] = Field(description="The sourcing decision as data (codes and parameters)")
    explanation_text: list[str] = Field(description="The same in words, in the request's language")


class PartsOut(Schema):
    work_order_id: int
    waiting_for_parts: bool
    expected_arrival: datetime | None = Field(description="When the last awaited part should arrive")
    pauses_sla: bool = Field(description="The contract pauses the SLA clocks while the work order waits")
    reservations: list[ReservationOut]


class PartLineIn(StrictIn):
    part: str | None = Field(None, description="The part's reference, e.g. BELT")
    part_id: int | None = Field(None, description="Or its id")
    quantity: Decimal = Field(description="Whole units for a counted part; up to 3 decimals for metres…")


class ReserveIn(StrictIn):
    lines: list[PartLineIn]


class ReleaseQuery(Schema):
    reason: str = ""


def _row(row: ReservationRow) -> dict[str, Any]:
    words = explain(row.explanation)
    french = (get_language() or "en").startswith("fr")
    return {
        "id": row.id,
        "part_id": row.part_id,
        "part_reference": row.part_reference,
        "part_name": row.part_name_fr if french else row.part_name_en,
        "quantity": row.quantity,
        "unit": row.unit,
        "status": row.status,
        "location_code": row.location_code,
        "transfer_number": row.transfer_number,
        "transfer_status": row.transfer_status,
        "transfer_mode": row.transfer_mode,
        "source_code": row.source_code,
        "expected_arrival": row.expected_arrival,
        "awaited": row.awaited,
        "explanation": row.explanation,
        "explanation_text": [text for text in (words.summary, words.split, *words.considered) if text],
    }


def body(work_order_id: int) -> dict[str, Any]:
    found = parts.parts_status(work_order_id)
    return {
        "work_order_id": found.work_order_id,
        "waiting_for_parts": found.waiting_for_parts,
        "expected_arrival": found.expected_arrival,
        "pauses_sla": found.pauses_sla,
        "reservations": [_row(row) for row in found.reservations],
    }


@router.get("/workorders/{work_order_id}/parts", response=PartsOut, operation_id="work_order_parts")
@guard.api("api.workorders.parts.list")
def work_order_parts(request: HttpRequest, work_order_id: int) -> dict[str, Any]:
    """The work order's reservations (active first) with their explanation, and whether it waits."""
    order = access.access_work_order(actor_of(request), work_order_id)
    return body(order.pk)


@router.post(
    "/workorders/{work_order_id}/parts", response={201: PartsOut}, operation_id="reserve_work_order_parts"
)
@guard.api("api.workorders.parts.reserve")
@idempotent
def reserve_work_order_parts(
    request: HttpRequest, work_order_id: int, payload: ReserveIn, response: HttpResponse
) -> Status:
    """Reserve parts for the work order: from the technician's van, else the depot that gets them there
    first, else split; all lines or none."""
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    lines = [line.dict(exclude_none=True) for line in payload.lines]
    parts.reserve_parts(actor, work_order_id, lines)
    return Status(201, body(work_order_id))


@router.delete(
    "/workorders/{work_order_id}/parts/{reservation_id}",
    response={204: None},
    operation_id="release_work_order_part",
)
@guard.api("api.workorders.parts.release")
def release_work_order_part(
    request: HttpRequest, work_order_id: int, reservation_id: int, query: Query[ReleaseQuery]
) -> Status:
    """Release one reservation of the work order (a planned transfer is cancelled with it)."""
    actor = actor_of(request)
    access.access_work_order(actor, work_order_id)
    parts.release_parts(actor, work_order_id, reservation_id, reason=query.reason)
    return Status(204, None)
