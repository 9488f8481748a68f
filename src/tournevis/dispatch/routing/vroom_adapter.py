"""VROOM (pyvroom) adapter: encoded problem → VROOM input → raw routes.

Each shift is one vehicle (start at home, end at the technician's end place, time window = shift);
breaks are VROOM breaks (start window [earliest, latest_end - minutes], service = minutes).
Requirement keys (skill at level ≥ n, pinned technician) become integer VROOM skills. Visits are
jobs with their start windows and a VROOM priority (0-100; VROOM maximises the sum of priorities of
the jobs served first, then the number served, then minimises cost = travel time):

    ============  ========  =============================
    priority      plain     deadline still reachable
    ============  ========  =============================
    P1            50        100
    P2            10        20
    P3            2         4
    P4            0         1
    locked        100       100
    ============  ========  =============================

A warm start gives vehicles their previous ``steps`` (VROOM starts its search from them). The
exploration level falls with the problem size (``exploration_level``) so that the time limit holds.
pyvroom is imported lazily: on platforms without a wheel the module imports and ``available()``
says False.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from .encoding import Encoded, Job, RawRoute, RawStop, WarmRoute

NAME = "vroom"
PRIORITY = {"P1": 50, "P2": 10, "P3": 2, "P4": 0}
PRIORITY_HARD = {"P1": 100, "P2": 20, "P3": 4, "P4": 1}
LOCKED_PRIORITY = 100


@functools.cache
def available() -> bool:
    try:
        import vroom  # noqa: F401
    except ImportError:
        return False
    return True


def vroom_priority(job: Job) -> int:
    if job.locked:
        return LOCKED_PRIORITY
    table = PRIORITY_HARD if job.hard_deadline else PRIORITY
    return table.get(job.visit.priority, 0)


def solve(
    encoded: Encoded,
    *,
    time_limit: float,
    seed: int = 0,
    warm: Sequence[WarmRoute] = (),
    exploration: int | None = None,
) -> tuple[list[RawRoute], list[int]]:
    """Raw routes and the job numbers left out. ``seed`` is unused (VROOM is deterministic).

    VROOM refuses warm-start steps it finds infeasible (e.g. a changed shift): then it starts cold.
    """
    import vroom

    level = exploration if exploration is not None else exploration_level(len(encoded.jobs))
    try:
        return _solve(vroom, encoded, time_limit, warm, level)
    except vroom._vroom.VroomInputException:
        if not warm:
            raise
    return _solve(vroom, encoded, time_limit, (), level)


def exploration_level(jobs: int) -> int:
    """VROOM's exploration level for a problem size.

    VROOM builds all its initial solutions before it looks at the clock, and a higher level builds
    more of them: with 1,000 jobs and 180 shifts, level 5 took 26 s for a 14 s limit, level 1 kept
    to 14 s and found 20 % less travel (docs/adr/0003-dispatch-solvers.md).
    """
    if jobs <= 150:
        return 5
    if jobs <= 400:
        return 3
    return 1


def _solve(
    vroom: Any, encoded: Encoded, time_limit: float, warm: Sequence[WarmRoute], exploration: int
) -> tuple[list[RawRoute], list[int]]:
    if not encoded.jobs or not encoded.vehicles:
        return [], [job.number for job in encoded.jobs]
    problem = vroom.Input()
    seconds = np.minimum(encoded.matrix.seconds_array, np.iinfo(np.uint32).max).astype(np.uint32)
    problem.set_durations_matrix("car", seconds)
    skill_ids: dict[tuple[str, ...], int] = {}
    for job in encoded.jobs:
        for key in sorted(job.keys):
            skill_ids.setdefault(key, len(skill_ids) + 1)
    warm_steps = {route.vehicle: route for route in warm}

    vehicles: list[Any] = []
    for vehicle in encoded.vehicles:
        breaks = [
            vroom.Break(
                vehicle.number * 100 + k + 1,
                time_windows=[vroom.TimeWindow(spec.earliest, max(spec.earliest, spec.latest_start))],
                service=spec.duration,
            )
            for k, spec in enumerate(vehicle.breaks)
        ]
        steps: list[Any] = []
        previous = warm_steps.get(vehicle.number)
        if previous is not None:
            steps = [vroom.VehicleStepStart()]
            for position, number in enumerate([*previous.jobs, None]):
                for k, after in enumerate(previous.breaks_after):
                    if after == position:
                        steps.append(vroom.VehicleStepBreak(breaks[k].id))
                if number is not None:
                    steps.append(vroom.VehicleStepSingle(number + 1))
            steps.append(vroom.VehicleStepEnd())
        vehicles.append(
            vroom.Vehicle(
                vehicle.number + 1,
                start=vehicle.start_place,
                end=vehicle.end_place,
                skills={skill_ids[key] for key in vehicle.keys if key in skill_ids},
                time_window=vroom.TimeWindow(vehicle.open, vehicle.close),
                breaks=breaks,
                steps=steps,
            )
        )
    problem.add_vehicle(vehicles)
    problem.add_job(
        [
            vroom.Job(
                job.number + 1,
                location=job.place,
                default_service=job.service,
                skills={skill_ids[key] for key in job.keys},
                priority=vroom_priority(job),
                time_windows=[vroom.TimeWindow(a, b) for a, b in job.windows],
            )
            for job in encoded.jobs
        ]
    )
    solution = problem.solve(
        exploration_level=exploration, nb_threads=1, timeout=timedelta(seconds=max(0.01, time_limit))
    )
    return _read(solution, encoded)


def _read(solution: Any, encoded: Encoded) -> tuple[list[RawRoute], list[int]]:
    steps = np.asarray(solution._routes_numpy())
    routes: dict[int, RawRoute] = {}
    served: set[int] = set()
    for step in steps:
        vehicle = int(step["vehicle_id"]) - 1
        route = routes.setdefault(vehicle, RawRoute(vehicle=vehicle, stops=[]))
        kind = bytes(step["type"]).decode()
        arrival = int(step["arrival"])
        start = arrival + int(step["waiting_time"]) + int(step["setup"])
        if kind == "start":
            route.leave = arrival
        elif kind == "end":
            route.back = arrival
        elif kind == "break":
            route.breaks.append((start, start + int(step["service"])))
        elif kind == "job":
            number = int(step["id"]) - 1
            served.add(number)
            route.stops.append(RawStop(job=number, arrival=arrival, start=start))
    left_out = [job.number for job in encoded.jobs if job.number not in served]
    return [route for route in routes.values() if route.stops], left_out
