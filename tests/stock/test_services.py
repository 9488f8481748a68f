"""Stock services: the catalogue, locations, lanes, limits, receipts, count adjustments, consumption
and defective returns. Every refusal is asserted with its field and message, and with nothing changed.
Transfers and replenishment: test_services_transfers.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom, stock_state
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.stock import services
from tournevis.stock.models import Lane, Location, Movement, Reservation, SerialUnit, StockLevel
from tournevis.workforce import services as workforce_services

ALICE = Actor(user_id=None, label="Alice Dispatch", role="dispatcher")


def refused(error: type[DomainError], call: Any, *args: Any, **kwargs: Any) -> DomainError:
    """Run ``call``, assert it raised ``error`` and that nothing was written; the error."""
    before = stock_state()
    with pytest.raises(error) as raised:
        call(*args, **kwargs)
    assert stock_state() == before
    return raised.value


def movement_rows(**filters: Any) -> list[tuple[Any, ...]]:
    return list(
        Movement.objects.filter(**filters)
        .order_by("id")
        .values_list("kind", "part__reference", "quantity", "source__code", "destination__code", "serial")
    )


# --- Catalogue ----------------------------------------------------------------------------------------


def test_create_part_stores_every_field_and_audits(world: World) -> None:
    part = services.create_part(
        ALICE,
        {
            "reference": "ROLLER-7",
            "name_en": "Pick roller",
            "name_fr": "Rouleau de prise",
            "manufacturer_reference": "GL-7",
            "unit": "unit",
            "serialised": False,
            "unit_cost_minor": 990,
            "unit_price_minor": 1990,
            "currency": "cad",
            "shipping_class": "oversize",
            "fits": [world.model.pk, world.model.pk],
        },
    )
    part.refresh_from_db()
    assert (part.reference, part.currency, part.unit_cost_minor, part.unit_price_minor) == (
        "ROLLER-7",
        "CAD",
        990,
        1990,
    )
    assert (part.shipping_class, part.active, part.version) == ("oversize", True, 1)
    assert list(part.fits.values_list("pk", flat=True)) == [world.model.pk]
    event = AuditEvent.objects.get(action="stock.part.create")
    assert event.actor_label == "Alice Dispatch"
    assert event.after["fits"] == [world.model.pk]
    assert event.after["reference"] == "ROLLER-7"


@pytest.mark.parametrize(
    ("fields", "error", "field", "message"),
    [
        ({"reference": "BELT"}, Conflict, "reference", "A part with reference BELT exists."),
        ({"reference": "BAD REF"}, InvalidInput, "reference", "A reference has no spaces."),
        ({"name_fr": ""}, InvalidInput, "name_fr", "This field is required."),
        (
            {"unit": "m", "serialised": True},
            InvalidInput,
            "serialised",
            "Only a part counted in units can have serial numbers.",
        ),
        ({"unit": "box"}, InvalidInput, "unit", "Must be one of unit, m, l, kg."),
        (
            {"currency": "EURO"},
            InvalidInput,
            "currency",
            "“EURO” is not an ISO 4217 currency code (e.g. EUR, CAD).",
        ),
        ({"unit_cost_minor": -1}, InvalidInput, "unit_cost_minor", "An amount cannot be negative."),
        (
            {"unit_price_minor": 12.5},
            InvalidInput,
            "unit_price_minor",
            "An amount in cents is a whole number.",
        ),
        (
            {"shipping_class": "explosive"},
            InvalidInput,
            "shipping_class",
            "Must be one of standard, fragile, hazardous, oversize.",
        ),
        ({"fits": [999999]}, InvalidInput, "fits", "No equipment model with id 999999."),
        ({"colour": "red"}, InvalidInput, "colour", "Unknown field."),
    ],
)
def test_create_part_refuses_bad_fields(
    stockroom: Stockroom, fields: dict[str, Any], error: type[DomainError], field: str, message: str
) -> None:
    data = {"reference": "NEW-1", "name_en": "New", "name_fr": "Neuve", **fields}
    raised = refused(error, services.create_part, SYSTEM, data)
    assert (raised.field, raised.message) == (field, message)


def test_update_part_changes_names_and_checks_the_version(stockroom: Stockroom) -> None:
    part = services.update_part(SYSTEM, stockroom.cable.pk, {"name_en": "Mains cable"}, expected_version=1)
    assert (part.name_en, part.version) == ("Mains cable", 2)
    same = services.update_part(SYSTEM, stockroom.cable.pk, {"name_en": "Mains cable"})
    assert same.version == 2  # nothing changed: no new version, no audit event
    assert AuditEvent.objects.filter(action="stock.part.update").count() == 1
    raised = refused(
        PreconditionFailed,
        services.update_part,
        SYSTEM,
        stockroom.cable.pk,
        {"name_en": "X"},
        expected_version=1,
    )
    assert raised.message == "This record changed since you read it (version 1, now 2)."
    refused(NotFound, services.update_part, SYSTEM, 999999, {"name_en": "X"})


def test_unit_and_serialised_are_fixed_once_a_part_has_had_stock(stockroom: Stockroom) -> None:
    raised = refused(Conflict, services.update_part, SYSTEM, stockroom.belt.pk, {"unit": "m"})
    assert (raised.field, raised.message) == ("unit", "BELT has had stock: its unit cannot change.")
    raised = refused(Conflict, services.update_part, SYSTEM, stockroom.board.pk, {"serialised": False})
    assert raised.field == "serialised"
    fresh = services.create_part(SYSTEM, {"reference": "NUT", "name_en": "Nut", "name_fr": "Écrou"})
    assert services.update_part(SYSTEM, fresh.pk, {"unit": "kg"}).unit == "kg"


# --- Locations ----------------------------------------------------------------------------------------


def test_locations_of_the_fixture(stockroom: Stockroom) -> None:
    van = stockroom.van
    assert (van.kind, van.technician_id, van.depot_id, van.region) == (
        "van",
        stockroom.technician.pk,
        stockroom.paris.pk,
        "FR-IDF",
    )
    assert (stockroom.paris.latitude, stockroom.paris.longitude, stockroom.paris.timezone) == (
        48.8566,
        2.3522,
        "Europe/Paris",
    )


@pytest.mark.parametrize(
    ("fields", "error", "field", "message"),
    [
        ({"code": "PARIS"}, Conflict, "code", "A location with code PARIS exists."),
        ({"kind": "in_transit"}, InvalidInput, "kind", "The in-transit location exists already."),
        (
            {"kind": "shop"},
            InvalidInput,
            "kind",
            "Must be one of depot, van, consignment, in_transit, defective.",
        ),
        ({"latitude": 45.0}, InvalidInput, "longitude", "Give both latitude and longitude, or neither."),
        ({"latitude": 91, "longitude": 2}, InvalidInput, "latitude", "Must be between -90 and 90."),
        ({"latitude": 45, "longitude": "east"}, InvalidInput, "longitude", "A coordinate is a number."),
        (
            {"timezone": "Europe/Lyon"},
            InvalidInput,
            "timezone",
            "“Europe/Lyon” is not an IANA time zone (e.g. Europe/Paris).",
        ),
        ({"kind": "van"}, InvalidInput, "technician_id", "This field is required."),
        (
            {"kind": "van", "technician_id": 999999},
            InvalidInput,
            "technician_id",
            "No technician with id 999999.",
        ),
        ({"kind": "consignment"}, InvalidInput, "site_id", "This field is required."),
        ({"technician_id": 1}, InvalidInput, "technician_id", "Only a van has a technician."),
        ({"depot_id": 999999}, InvalidInput, "depot_id", "No stock location with id 999999."),
    ],
)
def test_create_location_refuses_bad_fields(
    stockroom: Stockroom, fields: dict[str, Any], error: type[DomainError], field: str, message: str
) -> None:
    data = {"code": "NANTES", "name": "Dépôt Nantes", "kind": "depot", **fields}
    raised = refused(error, services.create_location, SYSTEM, data)
    assert (raised.field, raised.message) == (field, message)


def test_one_van_per_technician_and_a_home_depot_must_be_a_depot(stockroom: Stockroom) -> None:
    data = {"code": "VAN-2", "name": "Second van", "kind": "van", "technician_id": stockroom.technician.pk}
    raised = refused(Conflict, services.create_location, SYSTEM, data)
    assert (raised.field, raised.message) == ("technician_id", "This technician already has van VAN-LEA.")
    other = workforce_services.create_technician(
        SYSTEM,
        {
            "name": "Marc",
            "timezone": "Europe/Paris",
            "holiday_country": "FR",
            "home_latitude": 45.7,
            "home_longitude": 4.8,
        },
    )
    data = {**data, "technician_id": other.pk, "depot_id": stockroom.van.pk}
    raised = refused(InvalidInput, services.create_location, SYSTEM, data)
    assert (raised.field, raised.message) == ("depot_id", "VAN-LEA is not a depot.")
    van = services.create_location(SYSTEM, {**data, "depot_id": stockroom.lyon.pk})
    assert (van.technician_id, van.depot_id, van.timezone) == (other.pk, stockroom.lyon.pk, "UTC")


def test_consignment_stock_at_a_customer_site(world: World) -> None:
    place = services.create_location(
        SYSTEM,
        {
            "code": "CONS-ALPHA",
            "name": "Alpha consignment",
            "kind": "consignment",
            "site_id": world.a.site.pk,
        },
    )
    assert (place.kind, place.site_id) == ("consignment", world.a.site.pk)


def test_update_location(stockroom: Stockroom) -> None:
    place = services.update_location(
        SYSTEM, stockroom.lyon.pk, {"name": "Lyon Gerland", "active": False}, expected_version=1
    )
    assert (place.name, place.active, place.version) == ("Lyon Gerland", False, 2)
    raised = refused(Conflict, services.update_location, SYSTEM, stockroom.lyon.pk, {"kind": "van"})
    assert (raised.field, raised.message) == ("kind", "The kind of a location cannot change.")
    raised = refused(Conflict, services.update_location, SYSTEM, stockroom.lyon.pk, {"code": "PARIS"})
    assert raised.field == "code"
    refused(
        PreconditionFailed,
        services.update_location,
        SYSTEM,
        stockroom.lyon.pk,
        {"name": "X"},
        expected_version=1,
    )
    transit = services.transit_location()
    refused(NotFound, services.update_location, SYSTEM, transit.pk, {"name": "X"})


def test_transit_location_is_created_once(db: Any) -> None:
    first = services.transit_location()
    assert services.transit_location().pk == first.pk
    assert (first.code, first.kind) == ("IN-TRANSIT", "in_transit")
    assert Location.objects.filter(kind="in_transit").count() == 1


# --- Lanes and limits ---------------------------------------------------------------------------------


def test_set_lane_upserts_and_delete_lane(stockroom: Stockroom) -> None:
    lane = services.set_lane(
        SYSTEM, origin_region="FR-IDF", destination_region="FR-ARA", mode="ground", lead_hours=36
    )
    assert Lane.objects.count() == 4
    assert Lane.objects.get(pk=lane.pk).lead_hours == 36
    assert lane.version == 2
    services.delete_lane(SYSTEM, lane.pk)
    assert Lane.objects.count() == 3
    assert AuditEvent.objects.filter(action="stock.lane.delete", object_id=str(lane.pk)).count() == 1
    refused(NotFound, services.delete_lane, SYSTEM, lane.pk)


@pytest.mark.parametrize(
    ("mode", "hours", "field", "message"),
    [
        ("none", 5, "mode", "A lane is ground or express air."),
        ("boat", 5, "mode", "Must be one of none, ground, express_air."),
        ("ground", 0, "lead_hours", "A lead time is 1 to 2160 whole hours."),
        ("ground", 2.5, "lead_hours", "A lead time is 1 to 2160 whole hours."),
    ],
)
def test_set_lane_refuses(stockroom: Stockroom, mode: str, hours: Any, field: str, message: str) -> None:
    raised = refused(
        InvalidInput,
        services.set_lane,
        SYSTEM,
        origin_region="FR-IDF",
        destination_region="FR-IDF",
        mode=mode,
        lead_hours=hours,
    )
    assert (raised.field, raised.message) == (field, message)


def test_set_limits(stockroom: Stockroom) -> None:
    level = services.set_limits(SYSTEM, stockroom.van.pk, stockroom.belt.pk, minimum=2, maximum=4)
    assert (level.minimum, level.maximum, level.on_hand) == (Decimal(2), Decimal(4), Decimal(1))
    level = services.set_limits(SYSTEM, stockroom.van.pk, stockroom.belt.pk, minimum=None, maximum=None)
    assert (level.minimum, level.maximum) == (None, None)
    assert AuditEvent.objects.filter(action="stock.level.limits").count() == 2
    raised = refused(
        InvalidInput, services.set_limits, SYSTEM, stockroom.van.pk, stockroom.belt.pk, minimum=4, maximum=2
    )
    assert (raised.field, raised.message) == ("maximum", "The maximum cannot be below the minimum.")
    raised = refused(
        InvalidInput,
        services.set_limits,
        SYSTEM,
        stockroom.van.pk,
        stockroom.belt.pk,
        minimum="1.5",
        maximum=None,
    )
    assert (raised.field, raised.message) == (
        "minimum",
        "This part is counted in whole units: 1.5 is not a whole number.",
    )
    raised = refused(
        Conflict, services.set_limits, SYSTEM, stockroom.defective.pk, stockroom.belt.pk, minimum=1, maximum=2
    )
    assert raised.message == "DEFECTIVE does not hold stock that can be used or shipped."


# --- Receipts -----------------------------------------------------------------------------------------


def test_receive_adds_on_hand_and_records_who_and_why(stockroom: Stockroom) -> None:
    movement = services.receive(
        ALICE, stockroom.paris.pk, stockroom.belt.pk, "2", reason="restock", reference="PO-9"
    )
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("7", "0")
    assert (movement.kind, movement.quantity, movement.source_id, movement.destination_id) == (
        "receipt",
        Decimal(2),
        None,
        stockroom.paris.pk,
    )
    assert (movement.actor_label, movement.reason, movement.reference) == (
        "Alice Dispatch",
        "restock",
        "PO-9",
    )
    event = AuditEvent.objects.filter(action="stock.level.receive").latest("id")
    assert (event.before["on_hand"], event.after["on_hand"]) == ("5.000", "7.000")
    services.receive(SYSTEM, stockroom.paris.pk, stockroom.cable.pk, "1.25")
    assert stockroom.level(stockroom.paris, stockroom.cable) == ("26.75", "0")


def test_receive_serialised_units(stockroom: Stockroom) -> None:
    services.receive(SYSTEM, stockroom.lyon.pk, stockroom.board.pk, 2, serials=[" SN-3", "SN-4"])
    assert stockroom.level(stockroom.lyon, stockroom.board) == ("2", "0")
    assert sorted(SerialUnit.objects.values_list("serial", "location__code", "status")) == [
        ("SN-1", "PARIS", "in_stock"),
        ("SN-2", "PARIS", "in_stock"),
        ("SN-3", "LYON", "in_stock"),
        ("SN-4", "LYON", "in_stock"),
    ]
    assert movement_rows(destination=stockroom.lyon, part=stockroom.board) == [
        ("receipt", "BOARD", Decimal(1), None, "LYON", "SN-3"),
        ("receipt", "BOARD", Decimal(1), None, "LYON", "SN-4"),
    ]


@pytest.mark.parametrize(
    ("part", "quantity", "serials", "error", "field", "message"),
    [
        ("unknown", 1, (), InvalidInput, "part_id", "No part with id 999999."),
        ("belt", -2, (), InvalidInput, "quantity", "A quantity must be more than zero."),
        ("belt", 0, (), InvalidInput, "quantity", "A quantity must be more than zero."),
        (
            "belt",
            "1.5",
            (),
            InvalidInput,
            "quantity",
            "This part is counted in whole units: 1.5 is not a whole number.",
        ),
        ("belt", "two", (), InvalidInput, "quantity", "A quantity is a number."),
        ("cable", "1.2345", (), InvalidInput, "quantity", "A quantity has at most three decimals."),
        ("belt", 1, ("X-1",), InvalidInput, "serials", "BELT has no serial numbers."),
        (
            "board",
            2,
            ("SN-9",),
            InvalidInput,
            "serials",
            "BOARD is serialised: give one serial number per unit (2).",
        ),
        ("board", 2, ("SN-9", "SN-9"), InvalidInput, "serials", "Serial SN-9 is given twice."),
        ("board", 1, ("SN-1",), Conflict, "serials", "Serial SN-1 of BOARD is already at PARIS."),
    ],
)
def test_receive_refuses_bad_input(
    stockroom: Stockroom,
    part: str,
    quantity: Any,
    serials: tuple[str, ...],
    error: type[DomainError],
    field: str,
    message: str,
) -> None:
    part_id = 999999 if part == "unknown" else getattr(stockroom, part).pk
    raised = refused(error, services.receive, SYSTEM, stockroom.lyon.pk, part_id, quantity, serials=serials)
    assert (raised.field, raised.message) == (field, message)


def test_receive_only_at_a_stocking_location(stockroom: Stockroom) -> None:
    transit = services.transit_location()
    raised = refused(Conflict, services.receive, SYSTEM, transit.pk, stockroom.belt.pk, 1)
    assert (raised.field, raised.message) == (
        "location_id",
        "IN-TRANSIT does not hold stock that can be used or shipped.",
    )
    refused(InvalidInput, services.receive, SYSTEM, 999999, stockroom.belt.pk, 1)


# --- Adjustments --------------------------------------------------------------------------------------


def test_adjust_records_the_loss_or_the_gain(stockroom: Stockroom) -> None:
    loss = services.adjust(ALICE, stockroom.paris.pk, stockroom.belt.pk, 3, reason="yearly count")
    assert loss is not None
    assert (loss.kind, loss.quantity, loss.source_id, loss.destination_id, loss.reason) == (
        "adjustment",
        Decimal(2),
        stockroom.paris.pk,
        None,
        "yearly count",
    )
    gain = services.adjust(ALICE, stockroom.paris.pk, stockroom.belt.pk, "6", reason="found a box")
    assert gain is not None
    assert (gain.quantity, gain.source_id, gain.destination_id) == (Decimal(3), None, stockroom.paris.pk)
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("6", "0")
    assert services.adjust(ALICE, stockroom.paris.pk, stockroom.belt.pk, 6, reason="again") is None
    assert services.adjust(ALICE, stockroom.lyon.pk, stockroom.cable.pk, 0, reason="none here") is None


def test_adjust_refuses(stockroom: Stockroom) -> None:
    raised = refused(
        InvalidInput, services.adjust, SYSTEM, stockroom.paris.pk, stockroom.belt.pk, 3, reason=" "
    )
    assert (raised.field, raised.message) == ("reason", "This field is required.")
    raised = refused(
        InvalidInput, services.adjust, SYSTEM, stockroom.paris.pk, stockroom.belt.pk, -1, reason="count"
    )
    assert (raised.field, raised.message) == ("counted", "A quantity must be more than zero.")
    services.create_transfer(
        SYSTEM,
        part_id=stockroom.belt.pk,
        quantity=3,
        source_id=stockroom.paris.pk,
        destination_id=stockroom.lyon.pk,
    )
    raised = refused(
        Conflict, services.adjust, SYSTEM, stockroom.paris.pk, stockroom.belt.pk, 2, reason="count"
    )
    assert (raised.field, raised.message) == ("counted", "3 are reserved here: the count cannot be lower.")


def test_adjust_serialised_writes_off_the_missing_and_adds_the_found(stockroom: Stockroom) -> None:
    first = services.adjust(
        SYSTEM, stockroom.paris.pk, stockroom.board.pk, 2, reason="count", serials=["SN-1", "SN-3"]
    )
    assert first is not None
    assert stockroom.level(stockroom.paris, stockroom.board) == ("2", "0")
    assert sorted(SerialUnit.objects.values_list("serial", "location__code", "status")) == [
        ("SN-1", "PARIS", "in_stock"),
        ("SN-2", None, "consumed"),
        ("SN-3", "PARIS", "in_stock"),
    ]
    assert movement_rows(kind="adjustment") == [
        ("adjustment", "BOARD", Decimal(1), "PARIS", None, "SN-2"),
        ("adjustment", "BOARD", Decimal(1), None, "PARIS", "SN-3"),
    ]
    raised = refused(
        InvalidInput,
        services.adjust,
        SYSTEM,
        stockroom.paris.pk,
        stockroom.board.pk,
        2,
        reason="count",
        serials=["SN-1"],
    )
    assert raised.field == "serials"


# --- Consumption --------------------------------------------------------------------------------------


def test_consume_from_the_van(stockroom: Stockroom) -> None:
    movement = services.consume(
        ALICE, stockroom.van.pk, stockroom.belt.pk, 1, reference="WO-2025-00001", reason="visit 12"
    )
    assert stockroom.level(stockroom.van, stockroom.belt) == ("0", "0")
    assert (movement.kind, movement.source_id, movement.destination_id, movement.reference) == (
        "consumption",
        stockroom.van.pk,
        None,
        "WO-2025-00001",
    )
    raised = refused(
        Conflict, services.consume, SYSTEM, stockroom.van.pk, stockroom.belt.pk, 1, reference="WO-1"
    )
    assert (raised.field, raised.message) == ("quantity", "Only 0 of BELT available at VAN-LEA.")
    raised = refused(
        InvalidInput, services.consume, SYSTEM, stockroom.paris.pk, stockroom.belt.pk, 1, reference=""
    )
    assert (raised.field, raised.message) == ("reference", "This field is required.")


def _reservation(stockroom: Stockroom, quantity: int) -> Reservation:
    """A reservation held at PARIS (as ``reservations`` would make it: counted in the level)."""
    from tournevis.core import clock

    StockLevel.objects.filter(location=stockroom.paris, part=stockroom.belt).update(reserved=quantity)
    now = clock.now()
    return Reservation.objects.create(
        part=stockroom.belt,
        location=stockroom.paris,
        quantity=quantity,
        demand_type="workorder",
        demand_id=7,
        created_at=now,
        updated_at=now,
    )


def test_consume_a_reservation_in_two_goes(stockroom: Stockroom) -> None:
    reservation = _reservation(stockroom, 4)
    raised = refused(
        Conflict, services.consume, SYSTEM, stockroom.paris.pk, stockroom.belt.pk, 2, reference="WO-7"
    )
    assert raised.message == "Only 1 of BELT available at PARIS."
    raised = refused(
        Conflict,
        services.consume,
        SYSTEM,
        stockroom.paris.pk,
        stockroom.belt.pk,
        5,
        reference="WO-7",
        reservation_id=reservation.pk,
    )
    assert (raised.field, raised.message) == ("quantity", "This reservation holds only 4.")
    services.consume(
        SYSTEM, stockroom.paris.pk, stockroom.belt.pk, 3, reference="WO-7", reservation_id=reservation.pk
    )
    reservation.refresh_from_db()
    assert (reservation.status, reservation.quantity) == ("active", Decimal(1))
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("2", "1")
    services.consume(
        SYSTEM, stockroom.paris.pk, stockroom.belt.pk, 1, reference="WO-7", reservation_id=reservation.pk
    )
    reservation.refresh_from_db()
    assert (reservation.status, reservation.quantity) == ("consumed", Decimal(1))
    assert stockroom.level(stockroom.paris, stockroom.belt) == ("1", "0")
    raised = refused(
        Conflict,
        services.consume,
        SYSTEM,
        stockroom.paris.pk,
        stockroom.belt.pk,
        1,
        reference="WO-7",
        reservation_id=reservation.pk,
    )
    assert (raised.field, raised.message) == ("reservation_id", "This reservation has been used already.")


def test_consume_a_serialised_unit(stockroom: Stockroom) -> None:
    services.consume(SYSTEM, stockroom.paris.pk, stockroom.board.pk, 1, reference="WO-8", serials=["SN-2"])
    assert SerialUnit.objects.get(serial="SN-2").location_id is None
    assert SerialUnit.objects.get(serial="SN-2").status == "consumed"
    assert stockroom.level(stockroom.paris, stockroom.board) == ("1", "0")
    raised = refused(
        Conflict,
        services.consume,
        SYSTEM,
        stockroom.paris.pk,
        stockroom.board.pk,
        1,
        reference="WO-8",
        serials=["SN-2"],
    )
    assert (raised.field, raised.message) == ("serials", "Serial SN-2 of BOARD is not in stock at PARIS.")


# --- Defective returns --------------------------------------------------------------------------------


def test_return_defective_puts_the_part_in_the_defective_area(stockroom: Stockroom) -> None:
    services.consume(SYSTEM, stockroom.paris.pk, stockroom.board.pk, 1, reference="WO-8", serials=["SN-1"])
    movement = services.return_defective(
        ALICE,
        stockroom.board.pk,
        1,
        from_location_id=stockroom.van.pk,
        defective_location_id=stockroom.defective.pk,
        serials=[
            "SN-1",
        ],
        reference="WO-8",
        reason="burnt",
    )
    assert (movement.kind, movement.source_id, movement.destination_id, movement.serial) == (
        "defective_return",
        stockroom.van.pk,
        stockroom.defective.pk,
        "SN-1",
    )
    assert stockroom.level(stockroom.defective, stockroom.board) == ("1", "0")
    assert stockroom.level(stockroom.van, stockroom.board) == ("0", "0")
    unit = SerialUnit.objects.get(serial="SN-1")
    assert (unit.location_id, unit.status) == (stockroom.defective.pk, "defective")
    services.return_defective(
        SYSTEM,
        stockroom.board.pk,
        1,
        from_location_id=None,
        defective_location_id=stockroom.defective.pk,
        serials=["OLD-77"],
    )
    assert SerialUnit.objects.get(serial="OLD-77").status == "defective"
    services.return_defective(
        SYSTEM, stockroom.belt.pk, 2, from_location_id=None, defective_location_id=stockroom.defective.pk
    )
    assert stockroom.level(stockroom.defective, stockroom.belt) == ("2", "0")


def test_return_defective_refuses(stockroom: Stockroom) -> None:
    raised = refused(
        InvalidInput,
        services.return_defective,
        SYSTEM,
        stockroom.belt.pk,
        1,
        from_location_id=None,
        defective_location_id=stockroom.paris.pk,
    )
    assert (raised.field, raised.message) == (
        "defective_location_id",
        "PARIS is not a defective-returns area.",
    )
    raised = refused(
        Conflict,
        services.return_defective,
        SYSTEM,
        stockroom.board.pk,
        1,
        from_location_id=None,
        defective_location_id=stockroom.defective.pk,
        serials=["SN-2"],
    )
    assert (raised.field, raised.message) == ("serials", "Serial SN-2 of BOARD is already at PARIS.")
    raised = refused(
        InvalidInput,
        services.return_defective,
        SYSTEM,
        stockroom.belt.pk,
        "0.5",
        from_location_id=None,
        defective_location_id=stockroom.defective.pk,
    )
    assert raised.field == "quantity"
