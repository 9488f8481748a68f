"""The port plans with each installed solver: exact routes and times, skills, breaks, pins, deadlines."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tournevis.dispatch.routing import port
from tournevis.dispatch.routing.model import Break, Pin, Plan, Route, Stop
from tournevis.dispatch.routing.schema import parse_problem, plan_to_json
from tournevis.dispatch.routing.travel import matrix

from .support import at, km, problem, shift, tech, visit

SOLVERS = port.available_solvers()
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "dispatch-problem.json"


def only_route(plan: Plan) -> Route:
    assert len(plan.routes) == 1
    return plan.routes[0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_tiny_problem_gets_its_only_feasible_order_and_exact_times(solver: str) -> None:
    # given slots that leave one order (a at km 10, b at km 30, c at km 20; 1 km = 1 minute)
    given = problem(
        [tech("t", shifts=(shift((7, 0), (17, 0)),))],
        [
            visit("a", 10, windows=((at(8), at(8)),)),
            visit("b", 30, windows=((at(8, 50), at(8, 50)),)),
            visit("c", 20, windows=((at(9, 30), at(9, 30)),)),
        ],
    )
    # when solved
    plan = port.solve(given, time_limit=0.2, solver=solver)
    # then the route and every time are exact
    assert plan.solver == solver
    assert only_route(plan) == Route(
        technician="t",
        shift=0,
        stops=(
            Stop("a", at(8), at(8), at(8, 30), 600),
            Stop("b", at(8, 50), at(8, 50), at(9, 20), 1200),
            Stop("c", at(9, 30), at(9, 30), at(10), 600),
        ),
        breaks=(),
        travel_seconds=3600,
        distance_m=60000,
        leave=at(7, 50),
        back=at(10, 20),
    )
    assert (plan.served, plan.unassigned, plan.breaches, plan.travel_seconds, plan.distance_m) == (
        3,
        (),
        0,
        3600,
        60000,
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_route_is_the_shortest_tour(solver: str) -> None:
    # given four visits around home (not on a line); when solved
    places = {"n": (0.0, 0.09), "ne": (0.09, 0.09), "e": (0.09, 0.0), "s": (-0.05, 0.02)}
    given = problem([tech("t")], [visit(k, 0) for k in places])
    given = given.__class__(
        given.technicians,
        tuple(v.__class__(v.id, v.location.__class__(*places[v.id]), v.minutes) for v in given.visits),
        given.travel,
    )
    plan = port.solve(given, time_limit=0.3, solver=solver)
    # then its travel is the minimum over every order (brute force over the matrix)
    grid = matrix(given)
    home = given.technicians[0].home

    def tour(order: tuple[str, ...]) -> int:
        stops = [home, *(given.visit(v).location for v in order), home]
        return sum(grid.seconds(a, b) for a, b in itertools.pairwise(stops))

    best = min(tour(order) for order in itertools.permutations(places))
    assert plan.travel_seconds == best
    assert tour(tuple(s.visit for s in only_route(plan).stops)) == best


@pytest.mark.parametrize("solver", SOLVERS)
def test_skills_send_the_visit_to_the_qualified_technician(solver: str) -> None:
    # given a near technician at hvac level 1 and a far one at level 3; a visit needing level 2
    given = problem(
        [tech("near", 0, {"hvac": 1}), tech("far", 50, {"hvac": 3})],
        [visit("fix", 10, skills={"hvac": 2}), visit("easy", 1, skills={"hvac": 1})],
    )
    plan = port.solve(given, time_limit=0.2, solver=solver)
    served = {stop.visit: route.technician for route in plan.routes for stop in route.stops}
    assert served == {"fix": "far", "easy": "near"}


def lunch_problem() -> tuple[Break, object]:
    lunch = Break(at(12), at(14), 30)
    return lunch, problem(
        [tech("t", shifts=(shift(breaks=(lunch,)),))],
        [
            visit("a", 10, 60, windows=((at(11, 30), at(11, 45)),)),
            visit("b", 20, 30, windows=((at(13), at(13, 15)),)),
        ],
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_break_is_taken_inside_its_window_between_visits(solver: str) -> None:
    # given a lunch break (30 min between 12:00 and 14:00) that must fall between a and b
    _lunch, given = lunch_problem()
    plan = port.solve(given, time_limit=0.2, solver=solver)  # type: ignore[arg-type]
    route = only_route(plan)
    # then: a 11:30-12:30, lunch 12:30-13:00, 10 minutes' drive, b 13:10-13:40
    assert route.breaks == ((at(12, 30), at(13)),)
    assert [(s.visit, s.start, s.end) for s in route.stops] == [
        ("a", at(11, 30), at(12, 30)),
        ("b", at(13, 10), at(13, 40)),
    ]
    assert (route.leave, route.back) == (at(11, 20), at(14))


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_locked_visit_keeps_its_technician_and_start(solver: str) -> None:
    # given a visit locked to the far technician at 10:00 while a nearer one is free
    given = problem(
        [tech("near", 10), tech("far", 60)],
        [visit("done", 11, pin=Pin("far", at(10), locked=True)), visit("other", 12)],
    )
    plan = port.solve(given, time_limit=0.2, solver=solver)
    route, stop = plan.stops()["done"]
    assert (route.technician, stop.start, stop.end) == ("far", at(10), at(10, 30))


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_pin_to_a_technician_who_does_not_work_then_is_unassigned_with_the_reason(solver: str) -> None:
    # given a visit pinned to a technician at 18:00, after the end of the shift
    given = problem([tech("t"), tech("u")], [visit("late", 5, pin=Pin("t", at(18))), visit("fine", 5)])
    plan = port.solve(given, time_limit=0.2, solver=solver)
    assert [(u.visit, u.reason.code, dict(u.reason.params)) for u in plan.unassigned] == [
        ("late", "pin_not_working", {"technician": "t"})
    ]
    assert plan.served == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_p1_with_a_deadline_wins_the_last_slot_over_a_p4(solver: str) -> None:
    # given two hours of shift and two visits of 90 minutes: a P4 first in the file, a P1 due at 10:00
    given = problem(
        [tech("t", shifts=(shift((8, 0), (10, 0)),))],
        [visit("low", 1, 90, priority="P4"), visit("urgent", 2, 90, priority="P1", deadline=at(10))],
    )
    plan = port.solve(given, time_limit=0.2, solver=solver)
    assert [s.visit for s in only_route(plan).stops] == ["urgent"]
    assert [(u.visit, u.reason.code) for u in plan.unassigned] == [("low", "plan_full")]
    assert (plan.breaches, plan.weighted_breaches, plan.weighted_unserved) == (0, 0, 1)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_deadline_that_cannot_be_met_is_served_late_and_counted(solver: str) -> None:
    # given a P2 due at 08:00 that nobody can reach before 08:10
    given = problem([tech("t")], [visit("overdue", 10, priority="P2", deadline=at(8))])
    plan = port.solve(given, time_limit=0.2, solver=solver)
    stop = only_route(plan).stops[0]
    assert (stop.start, stop.late) == (at(8, 10), True)
    assert (plan.breaches, plan.weighted_breaches, plan.late) == (1, 100, ("overdue",))


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_documented_example_is_planned(solver: str) -> None:
    given = parse_problem(json.loads(EXAMPLE.read_text()))
    plan = port.solve(given, time_limit=0.5, solver=solver)
    reasons = {u.visit: (u.reason.code, dict(u.reason.params)) for u in plan.unassigned}
    assert reasons == {
        "WO-1007": ("no_skill", {"skill": "plumbing", "level": "1"}),
        "WO-1008": ("qualified_absent", {}),
        "WO-1009": ("no_skill_on_day", {"skill": "hvac L1", "day": "2026-03-11", "weekday": "Wednesday"}),
        "WO-1010": ("pin_not_working", {"technician": "bruno"}),
    }
    stops = plan.stops()
    assert stops["WO-1006"][0].technician == "bruno"
    assert stops["WO-1006"][1].start == at(14, 30)
    assert stops["WO-1005"][0].technician == "alice"
    assert stops["WO-1003"][0].technician == "bruno"
    assert plan.served == 6
    assert plan.breaches == 0
    text = plan_to_json(plan)["unassigned"][0]["reason"]["text"]
    assert text == "no technician with skill plumbing level 1"


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_visit_of_a_multi_day_horizon_is_placed_in_its_days_shift(solver: str) -> None:
    # given two shifts on two days and one visit per day
    given = problem(
        [tech("t", shifts=(shift(), shift((8, 0), (17, 0)).__class__(at(8, day=11), at(17, day=11))))],
        [
            visit("tue", 5, windows=((at(9), at(12)),)),
            visit("wed", 5, windows=((at(9, day=11), at(12, day=11)),)),
        ],
    )
    plan = port.solve(given, time_limit=0.2, solver=solver)
    assert {s.visit: r.shift for r in plan.routes for s in r.stops} == {"tue": 0, "wed": 1}
    assert km(5) == given.visits[0].location


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_warm_start_keeps_a_plan_at_least_as_good(solver: str) -> None:
    # given a plan; when solved again from it
    given = problem([tech("a", 0), tech("b", 30)], [visit(f"v{n}", n * 4, 30) for n in range(8)])
    first = port.solve(given, time_limit=0.2, solver=solver)
    again = port.solve(given, time_limit=0.2, solver=solver, warm=first)
    # then it is no worse
    assert again.objective() <= first.objective()
    assert again.served == 8


def test_nobody_working_leaves_every_visit_unassigned_with_its_reason() -> None:
    given = problem([tech("a", shifts=())], [visit("v", 1), visit("w", 2, skills={"hvac": 1})])
    plan = port.solve(given, time_limit=0.1)
    assert plan.routes == ()
    assert [(u.visit, u.reason.code) for u in plan.unassigned] == [
        ("v", "qualified_absent"),
        ("w", "no_skill"),
    ]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_deadline_lost_to_capacity_is_served_late_by_the_second_pass(solver: str) -> None:
    # given two P2 due by 09:00, each reachable in time alone, but not both (one technician)
    given = problem(
        [tech("t")],
        [
            visit("x", 10, 60, priority="P2", deadline=at(9)),
            visit("y", 10, 60, priority="P2", deadline=at(9)),
        ],
    )
    plan = port.solve(given, time_limit=0.4, solver=solver)
    # then one starts on time at 08:10, the other right after it, late
    starts = sorted(stop.start for stop in only_route(plan).stops)
    assert starts == [at(8, 10), at(9, 10)]
    assert (plan.served, len(plan.late), plan.breaches, plan.weighted_breaches) == (2, 1, 1, 100)
