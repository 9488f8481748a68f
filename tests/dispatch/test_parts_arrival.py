"""Spare parts on their way give a visit its earliest start: the optimiser plans it at or after the
arrival, and a drag before it gets the "parts" warning that needs the dispatcher's confirmation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import SYSTEM
from tests.dispatch.conftest import Planning
from tournevis.dispatch import problem, services
from tournevis.stock import services as stock_services
from tournevis.stock.models import Transfer
from tournevis.workorders import parts

WEDNESDAY_10_PARIS = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TUESDAY_9_PARIS = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def awaiting(planning: Planning) -> Planning:
    """The kiosk work order waits for a board shipped from Lyon: Monday 08:00 Paris + 50 h by ground
    = Wednesday 10:00 Paris."""
    stock_services.set_lane(
        SYSTEM, origin_region="FR-ARA", destination_region="FR-IDF", mode="ground", lead_hours=50
    )
    depot = {"kind": "depot", "timezone": "Europe/Paris"}
    stock_services.create_location(
        SYSTEM,
        {"code": "PARIS", "name": "Paris", "region": "FR-IDF", "latitude": 48.86, "longitude": 2.35, **depot},
    )
    lyon = stock_services.create_location(
        SYSTEM,
        {"code": "LYON", "name": "Lyon", "region": "FR-ARA", "latitude": 45.76, "longitude": 4.84, **depot},
    )
    board = stock_services.create_part(SYSTEM, {"reference": "BOARD", "name_en": "Board", "name_fr": "Carte"})
    stock_services.receive(SYSTEM, lyon.pk, board.pk, 1, reference="PO-1")
    (made,) = parts.reserve_parts(SYSTEM, planning.orders[0].pk, [{"part": "BOARD", "quantity": 1}])
    assert made.transfer.expected_arrival == WEDNESDAY_10_PARIS
    return planning


def test_the_problem_gives_the_visit_the_arrival_as_its_earliest_start(awaiting: Planning) -> None:
    built = problem.build(awaiting.team.pk, date(2026, 11, 24), date(2026, 11, 25))
    earliest = {v.id: v.earliest for v in built.problem.visits}
    assert earliest == {
        f"v{awaiting.visit(0).pk}": WEDNESDAY_10_PARIS,
        f"v{awaiting.visit(1).pk}": None,
    }


def test_the_optimiser_plans_the_visit_at_or_after_the_arrival(awaiting: Planning) -> None:
    proposal = services.start_optimisation(
        SYSTEM, team_id=awaiting.team.pk, first=date(2026, 11, 24), last=date(2026, 11, 25), time_limit=1
    )
    proposal = services.run_proposal(proposal.pk)
    assert proposal.status == "ready", proposal.error
    starts = {c["number"]: datetime.fromisoformat(c["start"]) for c in proposal.changes}
    assert starts[awaiting.orders[0].number] >= WEDNESDAY_10_PARIS
    assert starts[awaiting.orders[1].number].date() == date(2026, 11, 24)  # nothing awaited: Tuesday


def test_a_drag_before_the_arrival_needs_confirmation(awaiting: Planning) -> None:
    visit = awaiting.visit(0)
    with pytest.raises(services.MoveRefused) as warned:
        services.move_visit(SYSTEM, visit.pk, technician_id=awaiting.ana.pk, start=TUESDAY_9_PARIS)
    assert warned.value.needs_confirmation is True
    assert [(w.code, w.text()) for w in warned.value.result.warnings] == [
        ("parts", "It starts before the parts can be there (2026-11-25T09:00+00:00).")
    ]
    move = services.move_visit(
        SYSTEM, visit.pk, technician_id=awaiting.ana.pk, start=TUESDAY_9_PARIS, confirm=True
    )
    assert [w["code"] for w in move.warnings] == ["parts"]
    # after the arrival: no warning
    later = services.move_visit(
        SYSTEM, visit.pk, technician_id=awaiting.ana.pk, start=datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    )
    assert later.warnings == []


def test_once_the_parts_are_received_the_visit_may_start_any_time(awaiting: Planning) -> None:
    found = Transfer.objects.get(demand_id=awaiting.orders[0].pk)
    stock_services.ship_transfer(SYSTEM, found.pk)
    stock_services.receive_transfer(SYSTEM, found.pk)
    built = problem.build(awaiting.team.pk, date(2026, 11, 24), date(2026, 11, 25))
    assert {v.earliest for v in built.problem.visits} == {None}
    move = services.move_visit(
        SYSTEM, awaiting.visit(0).pk, technician_id=awaiting.ana.pk, start=TUESDAY_9_PARIS
    )
    assert move.warnings == []
