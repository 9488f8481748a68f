"""REST API of stock: parts, locations, lanes, levels and limits, receipts, count adjustments,
consumptions, defective returns and the movement journal (transfers and replenishment:
``stock.api_transfers``).

Thin: parse, access_*, one service or query call, serialise. Quantities are decimal strings in answers
(``"5"``, ``"25.5"``) and numbers or strings in requests. Writes a client may retry take an
``Idempotency-Key``; edits of parts, locations and transfer steps take ``If-Match`` (the row's
``ETag``). A technician reads their own van only (its location and levels).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator

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
from tournevis.stock.models import Lane, Location, Movement

router = Router(tags=["stock"])


def plain(value: Any) -> Any:
    """A Decimal as its shortest text: 5.000 → "5", 25.500 → "25.5"."""
    if not isinstance(value, Decimal):
        return value
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


Qty = Annotated[str, BeforeValidator(plain)]
QtyIn = int | float | str
Unit = Literal["unit", "m", "l", "kg"]
ShippingClass = Literal["standard", "fragile", "hazardous", "oversize"]
Kind = Literal["depot", "van", "consignment", "defective"]
Mode = Literal["ground", "express_air"]

# --- Parts -----------------------------------------------------------------------------------------


class PartOut(Schema):
    id: int
    reference: str
    name_en: str
    name_fr: str
    manufacturer_reference: str
    unit: str
    serialised: bool
    unit_cost_minor: int
    unit_price_minor: int
    currency: str
    shipping_class: str
    active: bool
    fits: list[int]
    version: int


class PartIn(StrictIn):
    reference: str
    name_en: str
    name_fr: str
    manufacturer_reference: str = ""
    unit: Unit = "unit"
    serialised: bool = False
    unit_cost_minor: int = 0
    unit_price_minor: int = 0
    currency: str = "EUR"
    shipping_class: ShippingClass = "standard"
    fits: list[int] = []
    active: bool = True


class PartPatch(StrictIn):
    reference: str | None = None
    name_en: str | None = None
    name_fr: str | None = None
    manufacturer_reference: str | None = None
    unit: Unit | None = None
    serialised: bool | None = None
    unit_cost_minor: int | None = None
    unit_price_minor: int | None = None
    currency: str | None = None
    shipping_class: ShippingClass | None = None
    fits: list[int] | None = None
    active: bool | None = None


class PartFilters(Schema):
    search: str = ""
    active: bool | None = None
    fits: int | None = None


class FitOut(Schema):
    id: int
    manufacturer: str
    name: str


def _part_out(response: HttpResponse, part_id: int) -> queries.PartRow:
    row = queries.part(part_id)
    assert row is not None
    set_etag(response, row)
    return row


@router.get("/stock/parts", response=page_of(PartOut), operation_id="list_parts")
@guard.api("api.stock.parts.list")
def list_parts(request: HttpRequest, filters: Query[PartFilters], page: Query[PageIn]) -> dict[str, Any]:
    """The catalogue by reference; ``search`` in reference, names and manufacturer reference;
    ``fits``: the parts of one equipment model."""
    return paginate(queries.parts(**filters.dict()), page)


@router.post("/stock/parts", response={201: PartOut}, operation_id="create_part")
@guard.api("api.stock.parts.create")
@idempotent
def create_part(request: HttpRequest, payload: PartIn, response: HttpResponse) -> Status:
    part = services.create_part(actor_of(request), payload.dict())
    return Status(201, _part_out(response, part.pk))


@router.get("/stock/parts/{part_id}", response=PartOut, operation_id="get_part")
@guard.api("api.stock.parts.get")
def get_part(request: HttpRequest, part_id: int, response: HttpResponse) -> queries.PartRow:
    access.access_part(actor_of(request), part_id)
    return _part_out(response, part_id)


@router.get("/stock/parts/{part_id}/fits", response=list[FitOut], operation_id="get_part_fits")
@guard.api("api.stock.parts.get")
def get_part_fits(request: HttpRequest, part_id: int) -> list[queries.FitRow]:
    """The equipment models the part fits."""
    access.access_part(actor_of(request), part_id)
    return queries.part_fits(part_id)


@router.patch("/stock/parts/{part_id}", response=PartOut, operation_id="update_part", openapi_extra=IF_MATCH)
@guard.api("api.stock.parts.update")
def update_part(
    request: HttpRequest, part_id: int, payload: PartPatch, response: HttpResponse
) -> queries.PartRow:
    """Unit and serialised cannot change once the part has had stock (409)."""
    actor = actor_of(request)
    access.access_part(actor, part_id)
    with current_state_as(PartOut):
        try:
            services.update_part(
                actor, part_id, payload.dict(exclude_unset=True), expected_version=expected_version(request)
            )
        except PreconditionFailed as exc:
            exc.current = queries.part(part_id)  # with its fits
            raise
    return _part_out(response, part_id)


# --- Locations -------------------------------------------------------------------------------------


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region: str
    address: str
    latitude: float | None
    longitude: float | None
    timezone: str
    technician_id: int | None
    site_id: int | None
    depot_id: int | None
    active: bool
    version: int


class LocationIn(StrictIn):
    code: str
    name: str
    kind: Kind
    region: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = "UTC"
    technician_id: int | None = None
    site_id: int | None = None
    depot_id: int | None = None
    active: bool = True


class LocationPatch(StrictIn):
    code: str | None = None
    name: str | None = None
    region: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    technician_id: int | None = None
    site_id: int | None = None
    depot_id: int | None = None
    active: bool | None = None


class LocationFilters(Schema):
    kind: Literal["depot", "van", "consignment", "in_transit", "defective"] | None = None
    region: str | None = None
    active: bool | None = None


@router.get("/stock/locations", response=page_of(LocationOut), operation_id="list_stock_locations")
@guard.api("api.stock.locations.list")
def list_locations(
    request: HttpRequest, filters: Query[LocationFilters], page: Query[PageIn]
) -> dict[str, Any]:
    return paginate(queries.locations(**filters.dict()), page)


@router.post("/stock/locations", response={201: LocationOut}, operation_id="create_stock_location")
@guard.api("api.stock.locations.create")
@idempotent
def create_location(request: HttpRequest, payload: LocationIn, response: HttpResponse) -> Status:
    location = services.create_location(actor_of(request), payload.dict())
    set_etag(response, location)
    return Status(201, location)


@router.get("/stock/locations/{location_id}", response=LocationOut, operation_id="get_stock_location")
@guard.api("api.stock.locations.get")
def get_location(request: HttpRequest, location_id: int, response: HttpResponse) -> Location:
    location = access.access_location(actor_of(request), location_id)
    set_etag(response, location)
    return location


@router.patch(
    "/stock/locations/{location_id}",
    response=LocationOut,
    operation_id="update_stock_location",
    openapi_extra=IF_MATCH,
)
@guard.api("api.stock.locations.update")
def update_location(
    request: HttpRequest, location_id: int, payload: LocationPatch, response: HttpResponse
) -> Location:
    """The kind of a location never changes; give latitude and longitude together."""
    actor = actor_of(request)
    access.access_location(actor, location_id)
    with current_state_as(LocationOut):
        location = services.update_location(
            actor, location_id, payload.dict(exclude_unset=True), expected_version=expected_version(request)
        )
    set_etag(response, location)
    return location


# --- Lanes -----------------------------------------------------------------------------------------


class LaneOut(Schema):
    id: int
    origin_region: str
    destination_region: str
    mode: str
    lead_hours: int
    version: int


class LaneIn(StrictIn):
    origin_region: str
    destination_region: str
    mode: Mode
    lead_hours: int


@router.get("/stock/lanes", response=list[LaneOut], operation_id="list_lanes")
@guard.api("api.stock.lanes.list")
def list_lanes(request: HttpRequest) -> Any:
    return Lane.objects.order_by("origin_region", "destination_region", "mode")


@router.put("/stock/lanes", response=LaneOut, operation_id="set_lane")
@guard.api("api.stock.lanes.set")
def set_lane(request: HttpRequest, payload: LaneIn) -> Lane:
    """Create or change the lane (origin region, destination region, mode): its lead time in hours."""
    return services.set_lane(actor_of(request), **payload.dict())


@router.delete("/stock/lanes/{lane_id}", response={204: None}, operation_id="delete_lane")
@guard.api("api.stock.lanes.delete")
def delete_lane(request: HttpRequest, lane_id: int) -> Status:
    services.delete_lane(actor_of(request), lane_id)
    return Status(204, None)


# --- Levels and limits -----------------------------------------------------------------------------


class LevelOut(Schema):
    location_id: int
    location_code: str
    location_name: str
    location_kind: str
    part_id: int
    part_reference: str
    part_name: str
    unit: str
    on_hand: Qty
    reserved: Qty
    available: Qty
    inbound: Qty
    projected: Qty
    minimum: Qty | None
    maximum: Qty | None
    below_minimum: bool


class LevelFilters(Schema):
    location_id: int | None = None
    part_id: int | None = None
    below_minimum: bool = False


class LimitsIn(StrictIn):
    location_id: int
    part_id: int
    minimum: QtyIn | None = None
    maximum: QtyIn | None = None


def _level(location_id: int, part_id: int) -> queries.LevelRow:
    return queries.levels(location_id=location_id, part_id=part_id)[0]


@router.get("/stock/levels", response=page_of(LevelOut), operation_id="list_stock_levels")
@guard.api("api.stock.levels.list")
def list_levels(request: HttpRequest, filters: Query[LevelFilters], page: Query[PageIn]) -> dict[str, Any]:
    """Levels by location code and part reference; ``below_minimum``: those whose projected quantity
    (available + inbound) is below their minimum. A technician gets their own van's."""
    limited = access.own_van_ids(actor_of(request))
    return paginate(queries.levels(**filters.dict(), location_ids=limited), page)


@router.put("/stock/limits", response=LevelOut, operation_id="set_stock_limits")
@guard.api("api.stock.limits.set")
def set_limits(request: HttpRequest, payload: LimitsIn) -> queries.LevelRow:
    """The minimum and maximum of a part at a location (null clears one)."""
    level = services.set_limits(
        actor_of(request),
        payload.location_id,
        payload.part_id,
        minimum=payload.minimum,
        maximum=payload.maximum,
    )
    return _level(level.location_id, level.part_id)


# --- Quantity changes ------------------------------------------------------------------------------


class MovementOut(Schema):
    id: int
    at: datetime
    kind: str
    part_id: int
    part_reference: str
    quantity: Qty
    source_id: int | None
    source_code: str
    destination_id: int | None
    destination_code: str
    serial: str
    transfer_id: int | None
    transfer_number: str
    reference: str
    reason: str
    actor_label: str


class ChangeOut(Schema):
    """The level after the change, and the movement row written (the first one: a serialised part
    gets one row per serial number; see ``GET /stock/movements``)."""

    level: LevelOut
    movement: MovementOut | None


class ReceiptIn(StrictIn):
    location_id: int
    part_id: int
    quantity: QtyIn
    serials: list[str] = []
    reason: str = ""
    reference: str = ""


class AdjustmentIn(StrictIn):
    location_id: int
    part_id: int
    counted: QtyIn
    reason: str
    serials: list[str] | None = None


class ConsumptionIn(StrictIn):
    location_id: int
    part_id: int
    quantity: QtyIn
    reference: str
    reason: str = ""
    serials: list[str] = []
    reservation_id: int | None = None


class DefectiveReturnIn(StrictIn):
    part_id: int
    quantity: QtyIn
    defective_location_id: int
    from_location_id: int | None = None
    serials: list[str] = []
    reference: str = ""
    reason: str = ""


def _change(location_id: int, part_id: int, movement: Movement | None) -> dict[str, Any]:
    return {
        "level": _level(location_id, part_id),
        "movement": queries.movement(movement.pk) if movement is not None else None,
    }


@router.post("/stock/receipts", response={201: ChangeOut}, operation_id="receive_parts")
@guard.api("api.stock.receipts.create")
@idempotent
def receive(request: HttpRequest, payload: ReceiptIn) -> Status:
    """Parts from a supplier arrive at a depot, van or consignment stock (one new serial number per
    unit for a serialised part)."""
    data = payload.dict()
    movement = services.receive(
        actor_of(request), data.pop("location_id"), data.pop("part_id"), data.pop("quantity"), **data
    )
    return Status(201, _change(payload.location_id, payload.part_id, movement))


@router.post("/stock/adjustments", response={201: ChangeOut}, operation_id="adjust_stock")
@guard.api("api.stock.adjustments.create")
@idempotent
def adjust(request: HttpRequest, payload: AdjustmentIn) -> Status:
    """After a count: on hand becomes ``counted`` (never below what is reserved); ``movement`` is null
    when nothing differed. A serialised part lists the serial numbers found."""
    movement = services.adjust(
        actor_of(request),
        payload.location_id,
        payload.part_id,
        payload.counted,
        reason=payload.reason,
        serials=payload.serials,
    )
    return Status(201, _change(payload.location_id, payload.part_id, movement))


@router.post("/stock/consumptions", response={201: ChangeOut}, operation_id="consume_parts")
@guard.api("api.stock.consumptions.create")
@idempotent
def consume(request: HttpRequest, payload: ConsumptionIn) -> Status:
    """Parts used on a visit (``reference``: the visit or work order): a reservation's units, or
    available ones."""
    data = payload.dict()
    movement = services.consume(
        actor_of(request), data.pop("location_id"), data.pop("part_id"), data.pop("quantity"), **data
    )
    return Status(201, _change(payload.location_id, payload.part_id, movement))


@router.post("/stock/defective-returns", response={201: ChangeOut}, operation_id="return_defective_parts")
@guard.api("api.stock.defective_returns.create")
@idempotent
def return_defective(request: HttpRequest, payload: DefectiveReturnIn) -> Status:
    """A replaced part comes back into a defective-returns area (its serial number, if any, becomes
    defective)."""
    data = payload.dict()
    movement = services.return_defective(actor_of(request), data.pop("part_id"), data.pop("quantity"), **data)
    return Status(201, _change(payload.defective_location_id, payload.part_id, movement))


class MovementFilters(Schema):
    part_id: int | None = None
    location_id: int | None = None
    kind: (
        Literal["receipt", "transfer_out", "transfer_in", "consumption", "defective_return", "adjustment"]
        | None
    ) = None
    since: datetime | None = None
    until: datetime | None = None


@router.get("/stock/movements", response=page_of(MovementOut), operation_id="list_stock_movements")
@guard.api("api.stock.movements.list")
def list_movements(
    request: HttpRequest, filters: Query[MovementFilters], page: Query[PageIn]
) -> dict[str, Any]:
    """The journal, newest first; ``location_id`` matches either end; ``since`` inclusive, ``until``
    exclusive."""
    criteria = filters.dict()
    return {
        "count": queries.count_movements(**criteria),
        "items": queries.movements(**criteria, limit=page.limit, offset=page.offset),
    }
