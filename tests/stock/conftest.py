"""Stock fixtures: ``stockroom`` — two regions, two depots, a technician's van, four parts, lanes and
some stock, all written through the services (so the fixture exercises them too).

Values (clock: the real one; transfers are not created here):

- regions ``FR-IDF`` and ``FR-ARA``;
- locations: ``PARIS`` (depot, FR-IDF, 48.8566 / 2.3522, Europe/Paris), ``LYON`` (depot, FR-ARA,
  45.764 / 4.8357, Europe/Paris), ``VAN-LEA`` (van of technician *Léa Martin* — tied to the
  technician user of ``world`` —, FR-IDF, home depot PARIS), ``DEFECTIVE`` (defective-returns area,
  FR-IDF, home depot PARIS);
- parts: ``BELT`` (counted, standard, cost 1250 / price 2500 EUR, fits ``world.model``), ``CABLE``
  (unit ``m``), ``BOARD`` (serialised, fragile, cost 40000 / price 65000), ``BATTERY`` (counted,
  hazardous);
- lanes: FR-IDF → FR-ARA and FR-ARA → FR-IDF, ground 48 h and express_air 18 h each;
- stock received: PARIS 5 BELT, LYON 3 BELT, VAN-LEA 1 BELT, PARIS 25.5 m CABLE, PARIS BOARD SN-1 and
  SN-2, LYON 4 BATTERY. No limits, no reservations.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import SYSTEM, World
from tournevis.identity.domain import Role
from tournevis.stock import services
from tournevis.stock.models import Location, Part, StockLevel
from tournevis.workforce import services as workforce_services
from tournevis.workforce.models import Technician


@dataclass
class Stockroom:
    paris: Location
    lyon: Location
    van: Location
    defective: Location
    technician: Technician
    belt: Part
    cable: Part
    board: Part
    battery: Part

    def level(self, location: Location, part: Part) -> tuple[str, str]:
        """(on hand, reserved) as plain strings ("5", "0"), ("0", "0") when there is no row."""
        row = StockLevel.objects.filter(location=location, part=part).first()
        if row is None:
            return ("0", "0")
        return (_plain(row.on_hand), _plain(row.reserved))


def _plain(value: object) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def build_stockroom(world: World) -> Stockroom:
    technician = workforce_services.create_technician(
        SYSTEM,
        {
            "name": "Léa Martin",
            "timezone": "Europe/Paris",
            "holiday_country": "FR",
            "home_latitude": 48.85,
            "home_longitude": 2.35,
            "user_id": world.staff[Role.TECHNICIAN].pk,
        },
    )
    paris = services.create_location(
        SYSTEM,
        {
            "code": "PARIS",
            "name": "Dépôt Paris",
            "kind": "depot",
            "region": "FR-IDF",
            "address": "12 rue de Rivoli, 75001 Paris",
            "latitude": 48.8566,
            "longitude": 2.3522,
            "timezone": "Europe/Paris",
        },
    )
    lyon = services.create_location(
        SYSTEM,
        {
            "code": "LYON",
            "name": "Dépôt Lyon",
            "kind": "depot",
            "region": "FR-ARA",
            "latitude": 45.764,
            "longitude": 4.8357,
            "timezone": "Europe/Paris",
        },
    )
    van = services.create_location(
        SYSTEM,
        {
            "code": "VAN-LEA",
            "name": "Véhicule Léa",
            "kind": "van",
            "region": "FR-IDF",
            "technician_id": technician.pk,
            "depot_id": paris.pk,
            "timezone": "Europe/Paris",
        },
    )
    defective = services.create_location(
        SYSTEM,
        {
            "code": "DEFECTIVE",
            "name": "Retours défectueux",
            "kind": "defective",
            "region": "FR-IDF",
            "depot_id": paris.pk,
        },
    )
    belt = services.create_part(
        SYSTEM,
        {
            "reference": "BELT",
            "name_en": "Feed belt",
            "name_fr": "Courroie d'alimentation",
            "manufacturer_reference": "GL-100-BLT",
            "unit_cost_minor": 1250,
            "unit_price_minor": 2500,
            "fits": [world.model.pk],
        },
    )
    cable = services.create_part(
        SYSTEM,
        {"reference": "CABLE", "name_en": "Power cable", "name_fr": "Câble d'alimentation", "unit": "m"},
    )
    board = services.create_part(
        SYSTEM,
        {
            "reference": "BOARD",
            "name_en": "Main board",
            "name_fr": "Carte mère",
            "serialised": True,
            "shipping_class": "fragile",
            "unit_cost_minor": 40000,
            "unit_price_minor": 65000,
        },
    )
    battery = services.create_part(
        SYSTEM,
        {"reference": "BATTERY", "name_en": "Battery", "name_fr": "Batterie", "shipping_class": "hazardous"},
    )
    for origin, destination in (("FR-IDF", "FR-ARA"), ("FR-ARA", "FR-IDF")):
        services.set_lane(
            SYSTEM, origin_region=origin, destination_region=destination, mode="ground", lead_hours=48
        )
        services.set_lane(
            SYSTEM, origin_region=origin, destination_region=destination, mode="express_air", lead_hours=18
        )
    services.receive(SYSTEM, paris.pk, belt.pk, 5, reference="PO-1")
    services.receive(SYSTEM, lyon.pk, belt.pk, 3, reference="PO-2")
    services.receive(SYSTEM, van.pk, belt.pk, 1, reference="PO-3")
    services.receive(SYSTEM, paris.pk, cable.pk, "25.5", reference="PO-4")
    services.receive(SYSTEM, paris.pk, board.pk, 2, serials=["SN-1", "SN-2"], reference="PO-5")
    services.receive(SYSTEM, lyon.pk, battery.pk, 4, reference="PO-6")
    return Stockroom(paris, lyon, van, defective, technician, belt, cable, board, battery)


@pytest.fixture
def stockroom(world: World) -> Stockroom:
    return build_stockroom(world)


def stock_state() -> dict[str, object]:
    """Everything a refused stock operation must leave as it was: every table's fingerprint, the
    levels, serial units, transfers and reservations in detail, and the audit log's length."""
    from tests.api_support import audit_count, db_state
    from tournevis.stock.models import Movement, Reservation, SerialUnit, Transfer

    return {
        "tables": db_state(),
        "levels": sorted(
            StockLevel.objects.values_list(
                "location_id", "part_id", "on_hand", "reserved", "minimum", "maximum"
            )
        ),
        "serials": sorted(
            SerialUnit.objects.values_list("serial", "location_id", "status", "reservation_id")
        ),
        "transfers": sorted(Transfer.objects.values_list("number", "status", "expected_arrival")),
        "reservations": sorted(Reservation.objects.values_list("pk", "status", "quantity", "location_id")),
        "movements": Movement.objects.count(),
        "audit": audit_count(),
    }
