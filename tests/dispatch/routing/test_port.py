"""Solver selection and fallback, emergency insertion with minimal disruption."""

from __future__ import annotations

import dataclasses

import pytest

from tournevis.core.errors import InvalidInput
from tournevis.dispatch.routing import port, pyvrp_adapter, vroom_adapter
from tournevis.dispatch.routing.model import Break, Pin, Visit

from .support import at, problem, shift, tech, visit

LUNCH = Break(at(12), at(14), 30)
WITH_BREAKS = problem([tech("t", shifts=(shift(breaks=(LUNCH,)),))], [visit("a", 5)])
PLAIN = problem([tech("t")], [visit("a", 5)])
SKILLED = problem([tech("t", skills={"hvac": 2}), tech("u")], [visit("a", 5, skills={"hvac": 1})])
EVERYONE_SKILLED = problem(
    [tech("t", skills={"hvac": 2}), tech("u", skills={"hvac": 1})], [visit("a", 5, skills={"hvac": 1})]
)
PINNED = problem([tech("t"), tech("u")], [visit("a", 5, pin=Pin("t"))])


@pytest.mark.parametrize(
    ("given", "available", "purpose", "chosen"),
    [
        (PLAIN, ["pyvrp", "vroom"], "solve", "pyvrp"),
        (WITH_BREAKS, ["pyvrp", "vroom"], "solve", "vroom"),
        (SKILLED, ["pyvrp", "vroom"], "solve", "vroom"),
        (PINNED, ["pyvrp", "vroom"], "solve", "vroom"),
        (EVERYONE_SKILLED, ["pyvrp", "vroom"], "solve", "pyvrp"),
        (PLAIN, ["pyvrp", "vroom"], "insert", "vroom"),
        (WITH_BREAKS, ["pyvrp"], "solve", "pyvrp"),
        (PLAIN, ["pyvrp"], "insert", "pyvrp"),
        (PLAIN, ["vroom"], "solve", "vroom"),
    ],
)
def test_the_preferred_available_solver_is_chosen(given, available, purpose, chosen) -> None:  # type: ignore[no-untyped-def]
    assert port.select_solver(given, None, available, purpose) == chosen


def test_a_requested_solver_must_be_known_and_installed() -> None:
    with pytest.raises(InvalidInput) as caught:
        port.select_solver(PLAIN, "vroom", ["pyvrp"])
    assert (caught.value.field, caught.value.message) == (
        "solver",
        "the solver vroom is not installed here (available: pyvrp)",
    )
    with pytest.raises(InvalidInput) as caught:
        port.select_solver(PLAIN, "ortools", ["pyvrp", "vroom"])
    assert caught.value.message == "unknown solver ortools (choose from pyvrp, vroom)"
    with pytest.raises(InvalidInput) as caught:
        port.select_solver(PLAIN, None, [])
    assert caught.value.message == "no route optimisation solver is installed"


def test_without_vroom_the_port_plans_with_pyvrp_breaks_included(monkeypatch: pytest.MonkeyPatch) -> None:
    # given VROOM cannot be imported on this platform
    monkeypatch.setattr(vroom_adapter, "available", lambda: False)
    assert port.available_solvers() == ["pyvrp"]
    # when a problem with a lunch break is solved; then PyVRP plans it and places the break
    given = problem(
        [tech("t", shifts=(shift(breaks=(LUNCH,)),))],
        [
            visit("a", 10, 60, windows=((at(11, 30), at(11, 45)),)),
            visit("b", 20, 30, windows=((at(13), at(13, 15)),)),
        ],
    )
    plan = port.solve(given, time_limit=0.2)
    assert plan.solver == "pyvrp"
    assert plan.routes[0].breaks == ((at(12, 30), at(13)),)
    assert [s.start for s in plan.routes[0].stops] == [at(11, 30), at(13, 10)]


def test_without_pyvrp_the_port_plans_with_vroom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyvrp_adapter, "available", lambda: False)
    assert port.solve(PLAIN, time_limit=0.2).solver == "vroom"


def test_pyvrp_drops_the_weakest_visit_when_a_break_does_not_fit() -> None:
    # given a lunch that only fits if one of two back-to-back visits goes (PyVRP's break repair)
    given = problem(
        [tech("t", shifts=(shift((11, 0), (15, 0), breaks=(Break(at(12), at(13), 60),)),))],
        [
            visit("p4", 0, 60, priority="P4", windows=((at(12), at(12)),)),
            visit("p2", 0, 60, priority="P2", windows=((at(11), at(11)),)),
        ],
    )
    plan = port.solve(given, time_limit=0.2, solver="pyvrp")
    assert [s.visit for s in plan.routes[0].stops] == ["p2"]
    assert plan.routes[0].breaks == ((at(12), at(13)),)
    assert [u.visit for u in plan.unassigned] == ["p4"]


def day() -> tuple:  # type: ignore[type-arg]
    """Three technicians, nine visits in the morning; a0's first visit is locked (en route)."""
    technicians = [tech("a", 0), tech("b", 20), tech("c", 40)]
    visits = [
        visit(f"{t.id}{n}", place, 45, windows=((at(8 + n, 30), at(8 + n, 30)),))
        for t, place in ((technicians[0], 2), (technicians[1], 22), (technicians[2], 42))
        for n in range(3)
    ]
    visits[0] = dataclasses.replace(visits[0], pin=Pin("a", at(8, 30), locked=True))
    return technicians, visits


@pytest.mark.parametrize("solver", port.available_solvers())
def test_an_emergency_is_inserted_without_moving_anyone(solver: str) -> None:
    # given a planned morning
    technicians, visits = day()
    given = problem(technicians, visits)
    current = port.solve(given, time_limit=0.3, solver=solver)
    assert current.served == 9
    # when a P1 due by 12:00 near b is inserted
    urgent = Visit("P1", given.visits[3].location, 60, priority="P1", deadline=at(12), earliest=at(9, 30))
    after = port.insert(
        dataclasses.replace(given, visits=(*given.visits, urgent)),
        current,
        ["P1"],
        time_limit=0.5,
        solver=solver,
    )
    # then it is served on time, nobody moved, the locked visit kept its start
    _route, stop = after.stops()["P1"]
    assert stop.start <= at(12)
    assert after.moved == ()
    assert after.served == 10
    assert after.stops()["a0"][1].start == at(8, 30)
    assert port.disruption(current, after.routes) == ()


def test_insertion_reports_moves_when_it_must_move_visits() -> None:
    # given one technician whose 09:00 visit blocks the only slot for a P1 that must start by 09:10
    given = problem([tech("a", 0)], [visit("x", 1, 60, windows=((at(9), at(11)),))])
    current = port.solve(given, time_limit=0.2, solver="vroom")
    assert current.stops()["x"][1].start == at(9)
    urgent = Visit("P1", given.visits[0].location, 30, priority="P1", windows=((at(9), at(9, 10)),))
    after = port.insert(
        dataclasses.replace(given, visits=(*given.visits, urgent)), current, ["P1"], time_limit=0.5
    )
    # then x moved later, and the plan says so
    assert after.stops()["P1"][1].start == at(9)
    assert after.stops()["x"][1].start == at(9, 30)
    assert after.moved == ("x",)


def test_insertion_refuses_unknown_or_already_planned_visits() -> None:
    current = port.solve(PLAIN, time_limit=0.1)
    with pytest.raises(InvalidInput) as caught:
        port.insert(PLAIN, current, ["zzz"])
    assert (caught.value.field, caught.value.message) == ("new_visits[0]", "unknown visit zzz")
    with pytest.raises(InvalidInput) as caught:
        port.insert(PLAIN, current, ["a"])
    assert caught.value.message == "the visit a is already in the plan"


def test_duplicate_ids_are_refused_by_the_port_too() -> None:
    given = problem([tech("t")], [visit("a", 1), visit("a", 2)])
    with pytest.raises(InvalidInput) as caught:
        port.solve(given, time_limit=0.1)
    assert (caught.value.field, caught.value.message) == ("visits[1].id", "duplicate id a")


def test_without_technicians_every_visit_is_explained() -> None:
    plan = port.solve(problem([], [visit("a", 1)]), time_limit=0.1)
    assert [(u.visit, u.reason.code) for u in plan.unassigned] == [("a", "qualified_absent")]
