"""Permission-matrix entries of the stock core API (merged by test_permission_matrix._merge_parts).

Stock is staff data, one shared set, except locations: the caller's own side of ``location_id`` is
the van of the technician-role user (a technician reads only that one), the other side a depot. Rows
are made when first asked: depot "MX-PAR" with 10 units of part "MX-BELT", the van "MX-VAN", the
defective area "MX-DEF", a lane, and a planned transfer of 1 MX-BELT from MX-PAR to the van. The
transfer steps' body functions bring that transfer to the state the step needs (shipped before a
receipt) before the matrix takes its snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import SYSTEM
from tournevis.identity.domain import Role
from tournevis.stock import services
from tournevis.stock.models import Lane, Location, Part, Transfer
from tournevis.workforce import services as workforce_services
from tournevis.workforce.models import Technician


def _part() -> Part:
    found = Part.objects.filter(reference="MX-BELT").first()
    if found is None:
        found = services.create_part(
            SYSTEM, {"reference": "MX-BELT", "name_en": "Belt", "name_fr": "Courroie"}
        )
    return found


def _depot() -> Location:
    found = Location.objects.filter(code="MX-PAR").first()
    if found is None:
        found = services.create_location(
            SYSTEM, {"code": "MX-PAR", "name": "Matrix depot", "kind": "depot", "region": "FR-IDF"}
        )
        services.receive(SYSTEM, found.pk, _part().pk, 10, reference="MX-PO")
    return found


def _van(scene: Any) -> Location:
    found = Location.objects.filter(code="MX-VAN").first()
    if found is not None:
        return found
    user = scene.world.staff[Role.TECHNICIAN]
    technician = Technician.objects.filter(user=user).first()
    if technician is None:
        technician = workforce_services.create_technician(
            SYSTEM,
            {
                "name": "Matrix own technician",
                "user_id": user.pk,
                "timezone": "Europe/Paris",
                "holiday_country": "FR",
                "home_latitude": 48.85,
                "home_longitude": 2.35,
            },
        )
    return services.create_location(
        SYSTEM,
        {
            "code": "MX-VAN",
            "name": "Matrix van",
            "kind": "van",
            "region": "FR-IDF",
            "technician_id": technician.pk,
            "depot_id": _depot().pk,
        },
    )


def _defective() -> Location:
    found = Location.objects.filter(code="MX-DEF").first()
    if found is None:
        found = services.create_location(
            SYSTEM, {"code": "MX-DEF", "name": "Matrix defective", "kind": "defective"}
        )
    return found


def _location(scene: Any, own: bool) -> int:
    return _van(scene).pk if own else _depot().pk


def _lane() -> int:
    found = Lane.objects.filter(origin_region="MX-A").first()
    if found is None:
        found = services.set_lane(
            SYSTEM, origin_region="MX-A", destination_region="MX-B", mode="ground", lead_hours=30
        )
    return found.pk


def _transfer(scene: Any) -> Transfer:
    found = Transfer.objects.filter(reason="matrix").first()
    if found is None:
        found = services.create_transfer(
            SYSTEM,
            part_id=_part().pk,
            quantity=1,
            source_id=_depot().pk,
            destination_id=_van(scene).pk,
            reason="matrix",
        )
    return found


def _shipped(scene: Any) -> dict[str, Any]:
    transfer = _transfer(scene)
    if transfer.status == "planned":
        services.ship_transfer(SYSTEM, transfer.pk)
    return {}


def _below_minimum(scene: Any) -> dict[str, Any]:
    van = _van(scene)
    services.set_limits(SYSTEM, van.pk, _part().pk, minimum=2, maximum=3)
    return {"location_id": van.pk}


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "part_id": lambda s, m, own: _part().pk,
    "location_id": lambda s, m, own: _location(s, own),
    "lane_id": lambda s, m, own: _lane(),
    "transfer_id": lambda s, m, own: _transfer(s).pk,
}
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "part_id": frozenset(),  # staff data, one shared set
    "location_id": frozenset({Role.TECHNICIAN}),  # a technician: their own van only
    "lane_id": frozenset(),
    "transfer_id": frozenset(),
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.stock.parts.create": lambda s: {"reference": "MX-NEW", "name_en": "Gear", "name_fr": "Engrenage"},
    "api.stock.parts.update": lambda s: {"name_en": "Drive belt"},
    "api.stock.locations.create": lambda s: {"code": "MX-LYON", "name": "Lyon", "kind": "depot"},
    "api.stock.locations.update": lambda s: {"address": "1 rue de la Paix, Paris"},
    "api.stock.lanes.set": lambda s: {
        "origin_region": "FR-IDF",
        "destination_region": "FR-ARA",
        "mode": "ground",
        "lead_hours": 48,
    },
    "api.stock.limits.set": lambda s: {
        "location_id": _depot().pk,
        "part_id": _part().pk,
        "minimum": 2,
        "maximum": 8,
    },
    "api.stock.receipts.create": lambda s: {"location_id": _depot().pk, "part_id": _part().pk, "quantity": 3},
    "api.stock.adjustments.create": lambda s: {
        "location_id": _depot().pk,
        "part_id": _part().pk,
        "counted": 9,
        "reason": "count",
    },
    "api.stock.consumptions.create": lambda s: {
        "location_id": _depot().pk,
        "part_id": _part().pk,
        "quantity": 1,
        "reference": "WO-MX",
    },
    "api.stock.defective_returns.create": lambda s: {
        "part_id": _part().pk,
        "quantity": 1,
        "defective_location_id": _defective().pk,
    },
    "api.stock.transfers.create": lambda s: {
        "part_id": _part().pk,
        "quantity": 2,
        "source_id": _depot().pk,
        "destination_id": _van(s).pk,
    },
    "api.stock.transfers.ship": lambda s: {},
    "api.stock.transfers.receive": _shipped,
    "api.stock.transfers.cancel": lambda s: {"reason": "not needed"},
    "api.stock.transfers.revise": lambda s: {"expected_arrival": "2031-05-04T10:00:00+02:00"},
    "api.stock.replenishment.create": _below_minimum,
}
ACTION_POSTS = {
    "api.stock.transfers.ship",
    "api.stock.transfers.receive",
    "api.stock.transfers.cancel",
    "api.stock.transfers.revise",
}
