"""Permission-matrix entries of the work-order API (merged by test_permission_matrix._merge_parts).

Rows are made when first asked. On each side (the own party's site, the other party's site):

- "Matrix order": visit 1 done unfixed by the side's technician (own: the technician user's record, so
  that user sees the order; other: a technician without a user), visit 2 unscheduled, the order paused —
  it can be edited, re-skilled, cancelled, and get a visit planned;
- "Matrix visit": a work order whose visit 1 is planned for the side's technician — it can be moved
  and dispatched (a technician dispatches only its own).

Validation needs a completed order: its body function completes the side's order first (before the
matrix takes its snapshot of the database).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.conftest import SYSTEM
from tests.identity.matrix_workforce import _technician
from tournevis.identity.domain import Role
from tournevis.workforce import services as workforce_services
from tournevis.workforce.models import Skill
from tournevis.workorders import services
from tournevis.workorders.models import Visit, WorkOrder

START = datetime(2027, 3, 2, 8, tzinfo=UTC)  # a Tuesday far ahead
END = datetime(2027, 3, 2, 10, tzinfo=UTC)


def _skill() -> None:
    if not Skill.objects.filter(code="matrix-kiosk").exists():
        workforce_services.create_skill(SYSTEM, code="matrix-kiosk", name_en="Kiosk", name_fr="Borne")


def _order(scene: Any, own: bool, title: str) -> WorkOrder | None:
    party = scene.party(own)
    return WorkOrder.objects.filter(customer=party.customer, title=title).first()


def _paused_order(scene: Any, own: bool) -> int:
    _skill()
    found = _order(scene, own, "Matrix order")
    if found is None:
        found = services.create_work_order(
            SYSTEM, {"site_id": scene.party(own).site.pk, "title": "Matrix order"}
        )
        visit = services.plan_visit(SYSTEM, found.pk, _technician(scene, own), START, END)
        services.dispatch_visit(SYSTEM, visit.pk)
        services.check_in(SYSTEM, visit.pk)
        services.complete_visit(SYSTEM, visit.pk, False, "Part missing")
    return found.pk


def _planned_visit(scene: Any, own: bool) -> int:
    order = _order(scene, own, "Matrix visit")
    if order is None:
        order = services.create_work_order(
            SYSTEM, {"site_id": scene.party(own).site.pk, "title": "Matrix visit"}
        )
        services.plan_visit(SYSTEM, order.pk, _technician(scene, own), START, END)
    return Visit.objects.get(work_order=order, number=1).pk


def _completed(scene: Any) -> dict[str, Any]:
    """Complete the side's order (visit 2, fixed) so that it may be validated; no body."""
    order_id = _paused_order(scene, scene.side)
    visit = Visit.objects.get(work_order_id=order_id, number=2)
    if visit.status == "unscheduled":
        services.plan_visit(SYSTEM, order_id, _technician(scene, scene.side), START, END)
        services.dispatch_visit(SYSTEM, visit.pk)
        services.check_in(SYSTEM, visit.pk)
        services.complete_visit(SYSTEM, visit.pk, True, "Fixed")
    return {}


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "work_order_id": lambda s, m, own: _paused_order(s, own),
    "visit_id": lambda s, m, own: _planned_visit(s, own),
}
# A technician sees only work orders with a visit of its own; a customer user its own customer's.
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "work_order_id": frozenset({Role.CUSTOMER, Role.TECHNICIAN}),
    "visit_id": frozenset({Role.CUSTOMER, Role.TECHNICIAN}),
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.workorders.create": lambda s: {
        "site_id": s.world.a.site.pk,
        "title": "Counter jams",
        "priority": "P2",
    },
    "api.workorders.update": lambda s: {"notes": "Gate code 1234", "estimated_minutes": 90},
    "api.workorders.skills": lambda s: {"skills": [{"skill": "matrix-kiosk", "level": 2}]},
    "api.workorders.transition": lambda s: {"status": "cancelled", "reason": "Matrix"},
    "api.workorders.validate": _completed,
    "api.workorders.visits.create": lambda s: {
        "technician_id": _technician(s, s.side),
        "start": "2027-03-03T09:00:00+01:00",
        "end": "2027-03-03T11:00:00+01:00",
    },
    "api.visits.update": lambda s: {"start": "2027-03-02T10:00:00+01:00", "end": "2027-03-02T12:00:00+01:00"},
    "api.visits.transition": lambda s: {"status": "dispatched"},
}
ACTION_POSTS = {"api.workorders.transition", "api.workorders.validate", "api.visits.transition"}
