"""Permission-matrix entries of a work order's spare parts (merged by test_permission_matrix._merge_parts).

The work order is the side's "Matrix order" (``matrix_workorders``: paused, its visit 2 unscheduled, so
its parts go to the nearest depot). Stock is staff data, one shared set made when first asked: a depot
"MX-PARTS" holding 50 units of part "MX-PART". Releasing needs a reservation of the side's order: one
unit, reserved when first asked (before the matrix takes its snapshot of the database).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import SYSTEM
from tests.identity.matrix_workorders import _paused_order
from tournevis.identity.domain import Role
from tournevis.stock import services
from tournevis.stock.models import Location, Part, Reservation
from tournevis.workorders import parts


def _part() -> Part:
    found = Part.objects.filter(reference="MX-PART").first()
    if found is None:
        found = services.create_part(
            SYSTEM, {"reference": "MX-PART", "name_en": "Belt", "name_fr": "Courroie"}
        )
        depot = Location.objects.filter(code="MX-PARTS").first() or services.create_location(
            SYSTEM, {"code": "MX-PARTS", "name": "Matrix parts", "kind": "depot", "region": "FR-IDF"}
        )
        services.receive(SYSTEM, depot.pk, found.pk, 50, reference="MX-PO")
    return found


def _reservation(scene: Any, own: bool) -> int:
    order_id = _paused_order(scene, own)
    found = Reservation.objects.filter(demand_type="workorder", demand_id=order_id, status="active").first()
    if found is None:
        part = _part()
        found = parts.reserve_parts(SYSTEM, order_id, [{"part_id": part.pk, "quantity": 1}])[0]
    return found.pk


def _lines(scene: Any) -> dict[str, Any]:
    _part()
    return {"lines": [{"part": "MX-PART", "quantity": 2}]}


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "reservation_id": lambda s, m, own: _reservation(s, own),
}
# The reservation belongs to the side's work order: hidden as the work order is.
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "reservation_id": frozenset({Role.CUSTOMER, Role.TECHNICIAN}),
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.workorders.parts.reserve": _lines,
}
