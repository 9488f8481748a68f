"""The independent checker: solver plans pass it, and it finds every perturbation (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tournevis.dispatch.routing import port
from tournevis.dispatch.routing.checker import check
from tournevis.dispatch.routing.model import (
    Break,
    Pin,
    Plan,
    Problem,
    Reason,
    Route,
    Shift,
    Technician,
    Unassigned,
    Visit,
)

from .support import LINE, at, km

SOLVERS = port.available_solvers()
SKILLS = ("hvac", "kiosk")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """1-3 technicians and 1-7 visits on a 40 km line, one day, with breaks, windows, skills, pins."""
    technicians = []
    for n in range(draw(st.integers(1, 3))):
        start = draw(st.integers(7, 9))
        lunch = (Break(at(12), at(14), draw(st.sampled_from((30, 45)))),) if draw(st.booleans()) else ()
        skills = {code: draw(st.integers(1, 3)) for code in SKILLS if draw(st.booleans())}
        technicians.append(
            Technician(f"t{n}", km(draw(st.integers(0, 40))), (Shift(at(start), at(17), lunch),), skills)
        )
    visits = []
    for n in range(draw(st.integers(1, 7))):
        windows: tuple[tuple, ...] = ()
        if draw(st.booleans()):
            hour = draw(st.integers(8, 15))
            windows = ((at(hour), at(hour) + timedelta(minutes=draw(st.sampled_from((0, 30, 120))))),)
        pin = None
        if draw(st.integers(0, 5)) == 0:
            owner = draw(st.sampled_from(technicians)).id
            pin = (
                Pin(owner, at(draw(st.integers(9, 15))), locked=draw(st.booleans()))
                if draw(st.booleans())
                else Pin(owner)
            )
        visits.append(
            Visit(
                f"v{n}",
                km(draw(st.integers(0, 40))),
                draw(st.sampled_from((15, 30, 60, 90))),
                windows=windows,
                skills={code: 1 for code in SKILLS if draw(st.integers(0, 3)) == 0},
                priority=draw(st.sampled_from(("P1", "P2", "P3", "P4"))),
                deadline=at(draw(st.integers(9, 16))) if draw(st.integers(0, 3)) == 0 else None,
                earliest=at(10) if draw(st.integers(0, 5)) == 0 else None,
                pin=pin,
            )
        )
    return Problem(tuple(technicians), tuple(visits), LINE)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(SOLVERS))
def test_every_solver_plan_passes_the_checker(problem: Problem, solver: str) -> None:
    # when any small problem is solved (the port raises InvalidPlan on a violation)
    plan = port.solve(problem, time_limit=0.05, solver=solver)
    # then the independent checker agrees, and each visit is either served or explained
    assert check(problem, plan) == []
    assert plan.served + len(plan.unassigned) == len(problem.visits)


PERTURBATIONS = (
    "duration",
    "travel",
    "start_before_arrival",
    "drop",
    "serve_twice",
    "leave_early",
    "back_late",
    "route_travel",
    "route_distance",
    "teleport",
    "skill",
    "window",
    "locked",
    "break_window",
    "break_missing",
    "overlap",
)


def replace_stop(plan: Plan, r: int, s: int, **changes: object) -> Plan:
    route = plan.routes[r]
    stops = list(route.stops)
    stops[s] = dataclasses.replace(stops[s], **changes)  # type: ignore[arg-type]
    return replace_route(plan, r, stops=tuple(stops))


def replace_route(plan: Plan, r: int, **changes: object) -> Plan:
    routes = list(plan.routes)
    routes[r] = dataclasses.replace(routes[r], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(plan, routes=tuple(routes))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(problems(), st.sampled_from(PERTURBATIONS), st.data())
def test_the_checker_finds_each_perturbation(problem: Problem, kind: str, data: st.DataObject) -> None:
    # given a valid plan with at least one stop
    plan = port.solve(problem, time_limit=0.05, solver=SOLVERS[-1])
    assume(plan.routes)
    r = data.draw(st.integers(0, len(plan.routes) - 1))
    route: Route = plan.routes[r]
    s = data.draw(st.integers(0, len(route.stops) - 1))
    stop = route.stops[s]
    visit = problem.visit(stop.visit)
    technician = problem.technician(route.technician)
    shift = technician.shifts[route.shift]
    minute = timedelta(minutes=1)
    changed_problem = problem
    # when the plan (or, for skills, the problem) is perturbed
    if kind == "duration":
        bad = replace_stop(plan, r, s, end=stop.end + minute)
    elif kind == "travel":
        bad = replace_stop(plan, r, s, travel_seconds=stop.travel_seconds + 1)
    elif kind == "start_before_arrival":
        bad = replace_stop(
            plan, r, s, start=stop.arrival - minute, end=stop.arrival - minute + (stop.end - stop.start)
        )
    elif kind == "drop":
        bad = replace_route(plan, r, stops=route.stops[:s] + route.stops[s + 1 :])
    elif kind == "serve_twice":
        bad = dataclasses.replace(
            plan, unassigned=(*plan.unassigned, Unassigned(stop.visit, Reason("plan_full")))
        )
    elif kind == "leave_early":
        bad = replace_route(plan, r, leave=shift.start - timedelta(seconds=1))
    elif kind == "back_late":
        bad = replace_route(plan, r, back=shift.end + timedelta(seconds=1))
    elif kind == "route_travel":
        bad = replace_route(plan, r, travel_seconds=route.travel_seconds + 1)
    elif kind == "route_distance":
        bad = replace_route(plan, r, distance_m=route.distance_m - 1)
    elif kind == "teleport":
        assume(stop.travel_seconds > 0)
        previous_end = route.stops[s - 1].end if s else route.leave
        assume(not any(previous_end <= a < stop.arrival for a, _b in route.breaks))
        bad = replace_stop(plan, r, s, arrival=previous_end + timedelta(seconds=stop.travel_seconds - 1))
    elif kind == "skill":
        assume(technician.skills.get("welding", 0) == 0)
        changed_problem = dataclasses.replace(
            problem,
            visits=tuple(
                dataclasses.replace(v, skills={**v.skills, "welding": 1}) if v.id == visit.id else v
                for v in problem.visits
            ),
        )
        bad = plan
    elif kind == "window":
        assume(visit.windows and not (visit.pin and visit.pin.start))
        late = visit.windows[-1][1] + minute
        bad = replace_stop(plan, r, s, start=late, end=late + (stop.end - stop.start), arrival=late)
    elif kind == "locked":
        assume(visit.pin is not None and visit.pin.locked)
        bad = replace_stop(
            plan, r, s, start=stop.start + minute, end=stop.end + minute, arrival=stop.arrival + minute
        )
    elif kind == "break_window":
        assume(route.breaks)
        spec = shift.breaks[0]
        early = spec.earliest - minute
        bad = replace_route(
            plan, r, breaks=((early, early + timedelta(minutes=spec.minutes)), *route.breaks[1:])
        )
    elif kind == "break_missing":
        assume(route.breaks)
        bad = replace_route(plan, r, breaks=route.breaks[1:])
    else:  # overlap: a break in the middle of a visit
        assume(stop.end - stop.start >= timedelta(minutes=30) and not route.breaks and not shift.breaks)
        bad = replace_route(plan, r, breaks=((stop.start + minute, stop.start + 2 * minute),))
    codes = {v.code for v in check(changed_problem, bad)}
    # then the checker reports it
    expected = {
        "start_before_arrival": "arrival",
        "drop": "missing_visit",
        "serve_twice": "duplicate_visit",
        "leave_early": "shift_start",
        "back_late": "shift_end",
        "teleport": "arrival",
        "overlap": "overlap",
    }.get(kind, kind)
    assert expected in codes, (kind, codes)
