"""The solver port: plan a problem, insert emergencies, pick a solver; every plan is re-checked.

- ``solve(problem, time_limit=, solver=, warm=, seed=)``: visits no one can serve are diagnosed
  first and not given to the solver. Pass 1 treats every reachable deadline as a hard bound on the
  start; if some deadline visits are left out, pass 2 (the rest of the time, warm-started from pass 1)
  lets those start late. The better plan by ``Plan.objective()`` wins (weighted breaches, then
  weighted unserved visits, then travel time).
- ``insert(problem, current, new_visits, time_limit=)``: minimal disruption. Pass "tight": every
  visit of ``current`` stays with its technician within ±15 minutes of its start (locked visits
  exactly); pass "same technician": they keep their technician at any time; pass "free": a full
  re-plan warm-started from ``current``, only when the first two cannot place the new visits. It
  stops as soon as a pass places them with no new SLA breach, nobody dropped and at most one visit
  moved per new visit; otherwise the best pass wins: new visits placed, then weighted breaches plus
  ``MOVE_COST`` (10, a P3 breach) per visit moved or dropped, then weighted unserved, then travel.
- ``available_solvers()`` and ``select_solver()``: VROOM for insertion and for problems with
  breaks, skills or pins; PyVRP otherwise; whichever is installed when only one is (docs/adr/0003).

Every returned plan has passed ``checker.check``; a violation raises ``InvalidPlan`` (an adapter bug).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from types import ModuleType

from tournevis.core.errors import InvalidInput, gettext_noop

from . import checker, diagnosis, pyvrp_adapter, vroom_adapter
from .encoding import Encoded, RawRoute, WarmRoute, decode, encode, start_windows, warm_routes
from .model import (
    MOVE_TOLERANCE_SECONDS,
    PRIORITY_WEIGHTS,
    Pin,
    Plan,
    Problem,
    Reason,
    Route,
    Unassigned,
    Visit,
)
from .travel import Matrix
from .travel import matrix as build_matrix

SOLVERS = ("pyvrp", "vroom")
MOVE_COST = PRIORITY_WEIGHTS["P3"]
"""In an insertion, moving (or dropping) a planned visit costs as much as a P3 SLA breach."""
RELAXED_SHARE = 0.25
"""Share of the time limit kept for the late-deadline pass when one may be needed."""
INSERT_RESERVE = 0.15
"""Share of an insertion's time limit kept for building and checking the plan."""


class InvalidPlan(RuntimeError):
    """A solver adapter produced a plan the checker refuses: a bug, never the user's fault."""

    def __init__(self, solver: str, violations: Sequence[checker.Violation]) -> None:
        self.violations = list(violations)
        shown = "; ".join(str(v) for v in self.violations[:5])
        super().__init__(f"{solver} produced an invalid plan ({len(self.violations)} violations): {shown}")


def _adapters() -> dict[str, ModuleType]:
    return {pyvrp_adapter.NAME: pyvrp_adapter, vroom_adapter.NAME: vroom_adapter}


def available_solvers() -> list[str]:
    """Solvers importable here, in ``SOLVERS`` order."""
    return [name for name, adapter in _adapters().items() if adapter.available()]


def preferred_solvers(problem: Problem, purpose: str = "solve") -> list[str]:
    """Solvers in order of preference for this problem (``purpose``: "solve" or "insert").

    VROOM for insertion and for problems with breaks or with visits that only some technicians may
    do (skills, pins); PyVRP otherwise. Measured in docs/adr/0003-dispatch-solvers.md.
    """
    if purpose == "insert" or has_breaks(problem) or has_restrictions(problem):
        return ["vroom", "pyvrp"]
    return ["pyvrp", "vroom"]


def select_solver(
    problem: Problem,
    requested: str | None = None,
    available: Sequence[str] | None = None,
    purpose: str = "solve",
) -> str:
    """The solver to use: the requested one (must be available) or the preferred available one."""
    present = list(available_solvers() if available is None else available)
    if requested:
        if requested not in SOLVERS:
            raise InvalidInput(
                gettext_noop("unknown solver %(solver)s (choose from %(choices)s)"),
                field="solver",
                solver=requested,
                choices=", ".join(SOLVERS),
            )
        if requested not in present:
            raise InvalidInput(
                gettext_noop("the solver %(solver)s is not installed here (available: %(choices)s)"),
                field="solver",
                solver=requested,
                choices=", ".join(present) or "-",
            )
        return requested
    for name in preferred_solvers(problem, purpose):
        if name in present:
            return name
    raise InvalidInput(gettext_noop("no route optimisation solver is installed"), field="solver")


def has_breaks(problem: Problem) -> bool:
    return any(shift.breaks for t in problem.technicians for shift in t.shifts)


def has_restrictions(problem: Problem) -> bool:
    """Some visit may be done by some working technicians only (a skill level or a pin)."""
    working = [t for t in problem.technicians if t.shifts]
    if len(working) < 2:
        return False
    return any(
        v.pin is not None or not all(t.qualified_for(v.skills) for t in working) for v in problem.visits
    )


def load_ratio(problem: Problem) -> float:
    """Visit minutes plus a quarter for travel, over shift minutes: above 1, not everything fits."""
    capacity = sum((s.end - s.start).total_seconds() for t in problem.technicians for s in t.shifts) / 60
    if capacity <= 0:
        return float("inf")
    work = sum(v.minutes for v in problem.visits)
    return (work * 1.25) / capacity


# --- solve ---------------------------------------------------------------------------------------


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    solver: str | None = None,
    warm: Plan | None = None,
    seed: int = 0,
    matrix: Matrix | None = None,
) -> Plan:
    """Plan the problem within about ``time_limit`` seconds."""
    started = time.perf_counter()
    _check_ids(problem)
    name = select_solver(problem, solver)
    travel = matrix if matrix is not None else build_matrix(problem)
    if problem.horizon() is None:
        return _plan(problem, travel, None, [], name, started)
    blocked = diagnosis.impossible(problem, travel)
    candidates = [v for v in problem.visits if v.id not in blocked]
    hard = {
        v.id for v in candidates if v.deadline is not None and diagnosis.can_meet_deadline(problem, travel, v)
    }
    may_relax = [v.id for v in candidates if v.id in hard and _can_start_late(problem, v)]
    first_share = 1.0 - RELAXED_SHARE if may_relax else 1.0
    ids = [v.id for v in candidates]

    encoded = encode(problem, travel, visits=ids, hard_deadlines=hard)
    warm_start = warm_routes(encoded, warm.routes) if warm is not None else []
    budget = max(0.05, time_limit * first_share - (time.perf_counter() - started))
    routes, _left = _run(name, encoded, budget, seed, warm_start)
    best = _plan(problem, travel, encoded, routes, name, started, blocked)

    late = [vid for vid in may_relax if vid not in best.stops()]
    remaining = time_limit - (time.perf_counter() - started)
    if late and remaining > 0.05:
        relaxed = encode(problem, travel, visits=ids, hard_deadlines=hard - set(late))
        routes, _left = _run(name, relaxed, remaining, seed, warm_routes(relaxed, best.routes))
        second = _plan(problem, travel, relaxed, routes, name, started, blocked)
        if second.objective() < best.objective():
            best = second
    return _checked(problem, travel, best)


def _check_ids(problem: Problem) -> None:
    for kind, ids in (
        ("technicians", [t.id for t in problem.technicians]),
        ("visits", [v.id for v in problem.visits]),
    ):
        seen: set[str] = set()
        for i, item in enumerate(ids):
            if item in seen:
                raise InvalidInput(gettext_noop("duplicate id %(id)s"), field=f"{kind}[{i}].id", id=item)
            seen.add(item)


def _can_start_late(problem: Problem, visit: Visit) -> bool:
    horizon = problem.horizon()
    if horizon is None or visit.deadline is None:
        return False
    return any(b > visit.deadline for _a, b in start_windows(visit, horizon))


def _run(
    name: str,
    encoded: Encoded,
    time_limit: float,
    seed: int,
    warm: Sequence[WarmRoute],
    **options: int | bool,
) -> tuple[list[Route], list[int]]:
    adapter = _adapters()[name]
    raw: list[RawRoute]
    raw, left = adapter.solve(encoded, time_limit=time_limit, seed=seed, warm=warm, **options)
    return [decode(encoded, route) for route in raw], left


def _plan(
    problem: Problem,
    travel: Matrix,
    encoded: Encoded | None,
    routes: Sequence[Route],
    solver: str,
    started: float,
    blocked: dict[str, Reason] | None = None,
    moved: Iterable[str] = (),
) -> Plan:
    blocked = blocked if blocked is not None else diagnosis.impossible(problem, travel)
    order = {t.id: i for i, t in enumerate(problem.technicians)}
    ordered = tuple(sorted(routes, key=lambda r: (order.get(r.technician, 0), r.shift)))
    served = {stop.visit for route in ordered for stop in route.stops}
    unassigned = []
    for visit in problem.visits:
        if visit.id in served:
            continue
        reason = blocked.get(visit.id) or diagnosis.explain(problem, travel, visit, ordered)
        unassigned.append(
            Unassigned(visit.id, reason, visit.priority, breach=diagnosis.unserved_breach(problem, visit))
        )
    return Plan(
        routes=ordered,
        unassigned=tuple(unassigned),
        solver=solver,
        seconds=round(time.perf_counter() - started, 3),
        moved=tuple(moved),
    )


def _checked(problem: Problem, travel: Matrix, plan: Plan) -> Plan:
    violations = checker.check(problem, plan, travel)
    if violations:
        raise InvalidPlan(plan.solver, violations)
    return plan


# --- emergency insertion ---------------------------------------------------------------------------


def insert(
    problem: Problem,
    current: Plan,
    new_visits: Sequence[str],
    *,
    time_limit: float = 1.0,
    solver: str | None = None,
    seed: int = 0,
    matrix: Matrix | None = None,
) -> Plan:
    """Place ``new_visits`` (ids of ``problem.visits``) into ``current`` with minimal disruption."""
    started = time.perf_counter()
    _check_ids(problem)
    known = {v.id for v in problem.visits}
    served_before = current.stops()
    for i, visit_id in enumerate(new_visits):
        if visit_id not in known:
            raise InvalidInput(
                gettext_noop("unknown visit %(visit)s"), field=f"new_visits[{i}]", visit=visit_id
            )
        if visit_id in served_before:
            raise InvalidInput(
                gettext_noop("the visit %(visit)s is already in the plan"),
                field=f"new_visits[{i}]",
                visit=visit_id,
            )
    name = select_solver(problem, solver, purpose="insert")
    travel = matrix if matrix is not None else build_matrix(problem)
    if problem.horizon() is None:
        return _checked(problem, travel, _plan(problem, travel, None, [], name, started))
    blocked = diagnosis.impossible(problem, travel)
    wanted = [vid for vid in new_visits if vid not in blocked]
    kept = [v.id for v in problem.visits if v.id in served_before and v.id not in blocked]
    ids = kept + wanted
    by_id = {v.id: v for v in problem.visits}
    hard = {
        vid
        for vid in ids
        if by_id[vid].deadline is not None
        and (
            (vid in served_before and not served_before[vid][1].late)
            or (vid not in served_before and diagnosis.can_meet_deadline(problem, travel, by_id[vid]))
        )
    }
    shares = {"tight": 0.5, "same_technician": 0.7, "free": 1.0}
    attempts: list[Plan] = []
    for stage, share in shares.items():
        remaining = time_limit * (1 - INSERT_RESERVE) - (time.perf_counter() - started)
        if attempts and (remaining <= 0.02 or (stage == "free" and _places(attempts[-1], wanted))):
            break  # the free re-plan only when pinned passes cannot place the new visits
        variant = _variant(problem, current, stage, wanted)
        encoded = encode(variant, travel, visits=ids, hard_deadlines=hard, horizon=problem.horizon())
        warm = warm_routes(encoded, current.routes)
        # VROOM: the quickest exploration; PyVRP: the planned times already leave room for breaks
        options = {"exploration": 1} if name == vroom_adapter.NAME else {"reserve_breaks": stage == "free"}
        routes, _left = _run(name, encoded, max(0.02, remaining * share), seed, warm, **options)
        plan = _plan(
            problem, travel, encoded, routes, name, started, blocked, moved=disruption(current, routes)
        )
        attempts.append(plan)
        dropped = any(vid not in plan.stops() for vid in plan.moved)
        if (
            _places(plan, wanted)
            and plan.weighted_breaches <= current.weighted_breaches
            and not dropped
            and len(plan.moved) <= len(wanted)
        ):
            break  # placed, no new breach, nobody dropped, at most one visit moved per new one

    def rank(plan: Plan) -> tuple[int, int, int, int]:
        breaches, unserved, travel_seconds = plan.objective()
        placed = sum(1 for vid in wanted if vid in plan.stops())
        return -placed, breaches + MOVE_COST * len(plan.moved), unserved, travel_seconds

    best = min(attempts, key=rank)
    return _checked(
        problem, travel, dataclasses.replace(best, seconds=round(time.perf_counter() - started, 3))
    )


def _places(plan: Plan, visits: Iterable[str]) -> bool:
    stops = plan.stops()
    return all(vid in stops for vid in visits)


def disruption(current: Plan, routes: Iterable[Route]) -> tuple[str, ...]:
    """Visits of ``current`` now dropped, with another technician, or started > 15 minutes away."""
    now = {stop.visit: (route.technician, stop.start) for route in routes for stop in route.stops}
    moved = []
    for route in current.routes:
        for stop in route.stops:
            after = now.get(stop.visit)
            if (
                after is None
                or after[0] != route.technician
                or abs((after[1] - stop.start).total_seconds()) > MOVE_TOLERANCE_SECONDS
            ):
                moved.append(stop.visit)
    return tuple(moved)


def _variant(problem: Problem, current: Plan, stage: str, new_visits: Sequence[str] = ()) -> Problem:
    """The problem with the visits of ``current`` tied down as much as the stage says.

    "tight": same technician, start within ±15 minutes; "same_technician": the visits of technicians
    qualified for a new visit may move in time (same technician), the others stay tight; "free": as is.
    """
    if stage == "free":
        return problem
    newcomers = [v for v in problem.visits if v.id in set(new_visits)]
    loose = {
        t.id
        for t in problem.technicians
        if any(t.qualified_for(v.skills) and (v.pin is None or v.pin.technician == t.id) for v in newcomers)
    }
    served = current.stops()
    horizon = problem.horizon()
    assert horizon is not None
    tolerance = timedelta(seconds=MOVE_TOLERANCE_SECONDS)
    visits = []
    for visit in problem.visits:
        if visit.id not in served or (visit.pin is not None and visit.pin.locked):
            visits.append(visit)
            continue
        route, stop = served[visit.id]
        pin = visit.pin or Pin(route.technician)
        if stage == "same_technician" and route.technician in loose:
            visits.append(dataclasses.replace(visit, pin=pin))
            continue
        windows = _intersect(start_windows(visit, horizon), stop.start - tolerance, stop.start + tolerance)
        if not windows:
            visits.append(dataclasses.replace(visit, pin=pin))
            continue
        visits.append(dataclasses.replace(visit, pin=pin, windows=tuple(windows)))
    return dataclasses.replace(problem, visits=tuple(visits))


def _intersect(
    windows: Iterable[tuple[datetime, datetime]], low: datetime, high: datetime
) -> list[tuple[datetime, datetime]]:
    return [(max(a, low), min(b, high)) for a, b in windows if max(a, low) <= min(b, high)]
