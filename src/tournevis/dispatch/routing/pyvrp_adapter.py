"""PyVRP adapter: encoded problem → ``pyvrp.ProblemData`` → raw routes.

Modelling (PyVRP 0.14):
- each shift is a vehicle type with one vehicle: start/end depots at the technician's home and end
  place, ``tw_early``/``tw_late`` = the shift;
- travel time is both the duration and the "distance" PyVRP minimises (``unit_distance_cost`` 1 on a
  seconds matrix), so its objective is travel time, not route duration;
- skills and pins are load dimensions: a job "delivers" 1 unit of each requirement key it has, a
  vehicle has capacity (number of jobs) for each key it offers and 0 for the others, so only a
  qualified vehicle may carry the job in a feasible solution;
- every job is optional with a prize (its value x ``PRIZE_PER_WEIGHT`` seconds of travel; locked
  visits ``LOCKED_PRIZE``); a job with several start windows is a mutually exclusive optional group
  of one client per window.

PyVRP has no break concept. When the shifts have breaks, each vehicle's ``shift_duration`` is
shortened by its breaks' total, and after solving the breaks are placed into each route by
``place_breaks`` (every position, before or after the leg); when a route cannot take them, its
lowest-value visits are dropped until it can. The port routes problems with breaks to VROOM when
it is installed, so this is the fallback (see docs/adr/0003-dispatch-solvers.md).
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .encoding import BreakSpec, Encoded, Job, RawRoute, RawStop, Vehicle, WarmRoute

NAME = "pyvrp"
PRIZE_PER_WEIGHT = 3600
LOCKED_PRIZE = 10 * 2 * 1000 * PRIZE_PER_WEIGHT
"""Ten times the prize of a P1 with a reachable deadline."""
MAX_PENALTY = 1e9
"""Above every prize, so that PyVRP's penalties can always outweigh a prize (default 1e5)."""


@functools.cache
def available() -> bool:
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return False
    return True


def prize(job: Job) -> int:
    return LOCKED_PRIZE if job.locked else job.value * PRIZE_PER_WEIGHT


def solve(
    encoded: Encoded,
    *,
    time_limit: float,
    seed: int = 0,
    warm: Sequence[WarmRoute] = (),
    reserve_breaks: bool = True,
) -> tuple[list[RawRoute], list[int]]:
    """Raw routes and the job numbers left out.

    ``reserve_breaks``: shorten each vehicle's maximum duration by its breaks (off when the visits'
    windows already come from a plan that has its breaks, as in an insertion's pinned passes).
    """
    import logging

    import pyvrp
    from pyvrp.stop import MaxRuntime

    logging.getLogger("pyvrp").setLevel(logging.WARNING)
    if not encoded.jobs or not encoded.vehicles:
        return [], [job.number for job in encoded.jobs]
    keys = sorted({key for job in encoded.jobs for key in job.keys})
    key_index = {key: i for i, key in enumerate(keys)}
    size = len(encoded.matrix.places)
    locations = [pyvrp.Location(x=float(i), y=0.0) for i in range(size)]

    depot_places = sorted({v.start_place for v in encoded.vehicles} | {v.end_place for v in encoded.vehicles})
    depot_index = {place: i for i, place in enumerate(depot_places)}
    depots = [pyvrp.Depot(location=place) for place in depot_places]

    clients: list[Any] = []
    client_job: list[tuple[int, int]] = []  # (job number, window index)
    groups: list[Any] = []
    for job in encoded.jobs:
        demand = [0] * len(keys)
        for key in job.keys:
            demand[key_index[key]] = 1
        first = len(clients)
        for w, (a, b) in enumerate(job.windows):
            clients.append(
                pyvrp.Client(
                    location=job.place,
                    delivery=demand,
                    service_duration=job.service,
                    tw_early=a,
                    tw_late=b,
                    prize=prize(job),
                    required=False,
                    group=len(groups) if len(job.windows) > 1 else None,
                    name=job.visit.id,
                )
            )
            client_job.append((job.number, w))
        if len(job.windows) > 1:
            groups.append(pyvrp.ClientGroup(list(range(first, len(clients))), required=False))

    many = len(clients)
    vehicle_types = []
    for vehicle in encoded.vehicles:
        capacity = [many if key in vehicle.keys else 0 for key in keys]
        resting = sum(spec.duration for spec in vehicle.breaks) if reserve_breaks else 0
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=1,
                capacity=capacity,
                start_depot=depot_index[vehicle.start_place],
                end_depot=depot_index[vehicle.end_place],
                tw_early=vehicle.open,
                tw_late=vehicle.close,
                shift_duration=max(0, vehicle.close - vehicle.open - resting),
                unit_distance_cost=1,
                unit_duration_cost=0,
                name=f"{vehicle.technician.id}#{vehicle.shift_index}",
            )
        )
    seconds: Any = np.ascontiguousarray(encoded.matrix.seconds_array, dtype=np.int64)
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[seconds],
        duration_matrices=[seconds],
        groups=groups,
    )
    initial = _initial(pyvrp, data, encoded, warm, clients, client_job)
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=MAX_PENALTY))
    with warnings.catch_warnings():
        # PenaltyBoundWarning and the like: the adapter repairs what PyVRP leaves infeasible
        warnings.simplefilter("ignore", UserWarning)
        result = pyvrp.solve(
            data,
            stop=MaxRuntime(max(0.01, time_limit)),
            seed=seed,
            collect_stats=False,
            display=False,
            params=params,
            initial_solution=initial,
        )
    routes: list[RawRoute] = []
    served: set[int] = set()
    for route in result.best.routes():
        vehicle = encoded.vehicles[route.vehicle_type()]
        numbers = [client_job[activity.idx][0] for activity in route if activity.is_client()]
        # an infeasible best solution (rare: PyVRP found no feasible one in time) is repaired
        numbers = [n for n in numbers if vehicle.can_do(encoded.jobs[n])]
        raw = schedule_route(encoded, vehicle, numbers)
        if raw is not None and raw.stops:
            routes.append(raw)
            served.update(stop.job for stop in raw.stops)
    return routes, [job.number for job in encoded.jobs if job.number not in served]


def _initial(
    pyvrp: Any,
    data: Any,
    encoded: Encoded,
    warm: Sequence[WarmRoute],
    clients: list[Any],
    client_job: list[tuple[int, int]],
) -> Any:
    if not warm:
        return None
    first_client: dict[int, list[int]] = {}
    for index, (number, _w) in enumerate(client_job):
        first_client.setdefault(number, []).append(index)
    routes = []
    for route in warm:
        visits = [first_client[n][0] for n in route.jobs if n in first_client]
        if visits:
            routes.append(pyvrp.Route(data, visits, route.vehicle))
    try:
        return pyvrp.Solution(data, routes)
    except (ValueError, RuntimeError):
        return None


# --- scheduling a sequence (times, breaks) -------------------------------------------------------


def schedule_route(encoded: Encoded, vehicle: Vehicle, numbers: list[int]) -> RawRoute | None:
    """Times for a sequence (earliest start, leave as late as the first visit allows), breaks placed.

    Drops the lowest-value visits while the sequence (with its breaks) does not fit; None if empty.
    """
    numbers = list(numbers)
    while numbers:
        raw = _with_breaks(encoded, vehicle, numbers)
        if raw is not None:
            return raw
        weakest = min(range(len(numbers)), key=lambda i: (encoded.jobs[numbers[i]].value, -i))
        del numbers[weakest]
    return None


def _with_breaks(encoded: Encoded, vehicle: Vehicle, numbers: list[int]) -> RawRoute | None:
    if not vehicle.breaks:
        return _forward(encoded, vehicle, numbers, [])
    gaps = len(numbers) + 1
    options = [(gap, after) for gap in range(gaps) for after in (False, True)]
    best: RawRoute | None = None
    for placement in itertools.product(options, repeat=len(vehicle.breaks)):
        if any(placement[i] > placement[i + 1] for i in range(len(placement) - 1)):
            continue  # breaks in their order of earliest start
        raw = _forward(encoded, vehicle, numbers, list(zip(placement, vehicle.breaks, strict=True)))
        if raw is not None and (best is None or _rank(raw) < _rank(best)):
            best = raw
    return best


def _rank(raw: RawRoute) -> tuple[int, int]:
    """Prefer the earliest return, then the earliest visits."""
    return raw.back, sum(stop.start for stop in raw.stops)


def _forward(
    encoded: Encoded,
    vehicle: Vehicle,
    numbers: list[int],
    breaks: list[tuple[tuple[int, bool], BreakSpec]],
) -> RawRoute | None:
    """Earliest-start simulation; a break at (gap, after) is taken before the leg into position ``gap``
    (``after=False``) or on arrival there (``after=True``); gap ``len(numbers)`` is the way home."""
    seconds = encoded.matrix.seconds_array
    taken: list[tuple[int, int]] = []
    at_gap: dict[int, list[tuple[bool, BreakSpec]]] = {}
    for (gap, after), spec in breaks:
        at_gap.setdefault(gap, []).append((after, spec))

    def rest(clock: int, specs: list[BreakSpec]) -> int | None:
        for spec in specs:
            begin = max(clock, spec.earliest)
            if begin > spec.latest_start:
                return None
            taken.append((begin, begin + spec.duration))
            clock = begin + spec.duration
        return clock

    stops: list[RawStop] = []
    clock = vehicle.open
    place = vehicle.start_place
    for gap in range(len(numbers) + 1):
        before = [spec for after, spec in at_gap.get(gap, []) if not after]
        on_arrival = [spec for after, spec in at_gap.get(gap, []) if after]
        rested = rest(clock, before)
        if rested is None:
            return None
        clock = rested
        target = vehicle.end_place if gap == len(numbers) else encoded.jobs[numbers[gap]].place
        clock += int(seconds[place, target])
        arrival = clock
        rested = rest(clock, on_arrival)
        if rested is None:
            return None
        clock = rested
        if gap == len(numbers):
            if clock > vehicle.close:
                return None
            back = arrival if not on_arrival else clock
            leave = _latest_leave(encoded, vehicle, stops, taken)
            return RawRoute(vehicle=vehicle.number, stops=stops, breaks=taken, leave=leave, back=back)
        job = encoded.jobs[numbers[gap]]
        start = _earliest_start(job, clock)
        if start is None:
            return None
        stops.append(RawStop(job=job.number, arrival=arrival, start=start))
        clock = start + job.service
        place = job.place
    return None  # pragma: no cover - the loop always returns


def _earliest_start(job: Job, ready: int) -> int | None:
    starts = [max(ready, a) for a, b in job.windows if b >= ready]
    return min(starts) if starts else None


def _latest_leave(
    encoded: Encoded, vehicle: Vehicle, stops: list[RawStop], taken: list[tuple[int, int]]
) -> int:
    """Leave home as late as the first visit allows (no waiting on site), not before the shift."""
    if not stops:
        return vehicle.open
    first = stops[0]
    leg = int(encoded.matrix.seconds_array[vehicle.start_place, encoded.jobs[first.job].place])
    if any(a < first.start for a, _b in taken):
        return vehicle.open  # a break before the first visit: keep the earliest departure
    leave = max(vehicle.open, first.start - leg)
    first.arrival = leave + leg
    return leave
