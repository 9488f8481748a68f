"""Permission-matrix entries of the dispatch API (merged by test_permission_matrix._merge_parts).

Rows are made when first asked, inside the case's savepoint: a technician working Monday to Friday,
an unscheduled work order at the own party's site, a board move, a ready proposal, a calendar feed.
The dates are a Monday far ahead (2027-03-01) so the real clock never gets in the way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from tests.conftest import SYSTEM
from tests.identity.matrix_workforce import _technician
from tournevis.customers import services as customer_services
from tournevis.dispatch import feeds, services
from tournevis.dispatch.models import Feed, Move, Proposal, ProposalStatus
from tournevis.workforce import services as workforce_services
from tournevis.workforce.models import Shift
from tournevis.workorders import services as workorder_services
from tournevis.workorders.models import Visit

MONDAY_10_PARIS = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _worker(scene: Any) -> int:
    """The own technician, with a week of shifts."""
    technician_id = _technician(scene, True)
    if not Shift.objects.filter(technician_id=technician_id).exists():
        workforce_services.set_shifts(
            SYSTEM, technician_id, [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(5)]
        )
    return technician_id


def _waiting_visit(scene: Any) -> Visit:
    found = Visit.objects.filter(status="unscheduled", work_order__title="Matrix dispatch").first()
    if found is None:
        customer_services.update_site(SYSTEM, scene.world.a.site.pk, {"latitude": 48.87, "longitude": 2.33})
        order = workorder_services.create_work_order(
            SYSTEM,
            {
                "kind": "corrective",
                "site_id": scene.world.a.site.pk,
                "title": "Matrix dispatch",
                "priority": "P1",
            },
        )
        found = Visit.objects.get(work_order=order, status="unscheduled")
    return found


def _move(scene: Any) -> int:
    found = Move.objects.filter(undone_at__isnull=True).first()
    if found is None:
        found = services.move_visit(
            SYSTEM, _waiting_visit(scene).pk, technician_id=_worker(scene), start=MONDAY_10_PARIS
        )
    return found.pk


def _planned(scene: Any) -> int:
    """The own technician, with one visit planned on the Monday (to dispatch)."""
    _move(scene)
    return _worker(scene)


def _proposal(scene: Any) -> int:
    found = Proposal.objects.filter(status=ProposalStatus.READY).first()
    if found is None:
        found = services.start_optimisation(
            SYSTEM, team_id=None, first=date(2027, 3, 1), last=date(2027, 3, 1), time_limit=1
        )
        found.status = ProposalStatus.READY
        found.save(update_fields=["status"])
    return found.pk


def _feed(scene: Any, own: bool) -> int:
    technician_id = _technician(scene, own)
    found = Feed.objects.filter(technician_id=technician_id, revoked_at__isnull=True).first()
    if found is None:
        found, _token = feeds.create_feed(SYSTEM, technician_id)
    return found.pk


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "move_id": lambda s, m, own: _move(s),
    "proposal_id": lambda s, m, own: _proposal(s),
    "feed_id": lambda s, m, own: _feed(s, own),
}
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "move_id": frozenset(),  # planners' data: one shared set
    "proposal_id": frozenset(),
    "feed_id": frozenset({"technician"}),  # a technician: the feeds of its own record only
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.dispatch.moves.create": lambda s: {
        "visit_id": _waiting_visit(s).pk,
        "technician_id": _worker(s),
        "start": MONDAY_10_PARIS.isoformat(),
    },
    "api.dispatch.moves.undo": lambda s: {},
    "api.dispatch.proposals.create": lambda s: {
        "first_day": "2027-03-01",
        "last_day": "2027-03-01",
        "time_limit": 1,
    },
    "api.dispatch.proposals.accept": lambda s: {},
    "api.dispatch.proposals.discard": lambda s: {},
    "api.dispatch.emergencies.create": lambda s: {"visit_id": _waiting_visit(s).pk, "day": "2027-03-01"},
    "api.dispatch.days.create": lambda s: {
        "technician_id": _planned(s),
        "start": "2027-03-01T00:00:00+01:00",
        "end": "2027-03-02T00:00:00+01:00",
    },
    "api.dispatch.feeds.create": lambda s: {},
    "api.dispatch.feeds.revoke": lambda s: {},
}
QUERIES: dict[str, Callable[[Any], str]] = {
    "api.dispatch.board": lambda s: "?first=2027-03-01&last=2027-03-07",
}
ACTION_POSTS = {
    "api.dispatch.moves.undo",
    "api.dispatch.proposals.accept",
    "api.dispatch.proposals.discard",
    "api.dispatch.days.create",
    "api.dispatch.feeds.revoke",
}
