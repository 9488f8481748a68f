"""What the adapters share: the problem as integer seconds, jobs, vehicles and raw routes.

Times are whole seconds from ``origin`` (the first shift start). Each shift is one vehicle (start
at home, end at the technician's end place, time window = the shift). A visit becomes one job with
its *start* windows: the visit's windows (or the whole horizon), cut by ``earliest``, by a pinned
start, and — when the port asks for it — by the deadline (``hard_deadline``). Skills and pins are
requirement keys: a job needs every key it has, a vehicle offers keys
(``("skill", code, n)`` for each level n ≤ the technician's; ``("tech", id)`` for its technician).

Adapters return ``RawRoute``s (integer times); ``decode`` turns them into ``model.Route``s using the
matrix for travel and distance. The checker never uses this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .model import PRIORITY_WEIGHTS, Break, Problem, Route, Shift, Stop, Technician, Visit
from .travel import Matrix

Key = tuple[str, ...]


@dataclass(frozen=True)
class Job:
    number: int
    visit: Visit
    place: int
    service: int
    windows: tuple[tuple[int, int], ...]
    keys: frozenset[Key]
    value: int
    """Objective weight of serving it (priority weight, doubled while its deadline is hard)."""
    hard_deadline: bool
    locked: bool


@dataclass(frozen=True)
class BreakSpec:
    earliest: int
    latest_start: int
    duration: int
    source: Break


@dataclass(frozen=True)
class Vehicle:
    number: int
    technician: Technician
    shift_index: int
    shift: Shift
    start_place: int
    end_place: int
    open: int
    close: int
    breaks: tuple[BreakSpec, ...]
    keys: frozenset[Key]

    def can_do(self, job: Job) -> bool:
        return job.keys <= self.keys


@dataclass
class RawStop:
    job: int
    arrival: int
    start: int


@dataclass
class RawRoute:
    vehicle: int
    stops: list[RawStop]
    breaks: list[tuple[int, int]] = field(default_factory=list)
    leave: int = 0
    back: int = 0


@dataclass(frozen=True)
class Encoded:
    problem: Problem
    matrix: Matrix
    origin: datetime
    end: int
    jobs: tuple[Job, ...]
    vehicles: tuple[Vehicle, ...]

    def seconds(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds())

    def moment(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=int(seconds))

    def job_by_visit(self) -> dict[str, Job]:
        return {job.visit.id: job for job in self.jobs}

    def vehicle_for(self, technician: str, shift: int) -> Vehicle | None:
        for vehicle in self.vehicles:
            if vehicle.technician.id == technician and vehicle.shift_index == shift:
                return vehicle
        return None

    @property
    def has_breaks(self) -> bool:
        return any(vehicle.breaks for vehicle in self.vehicles)


def start_windows(
    visit: Visit, horizon: tuple[datetime, datetime], *, hard_deadline: bool = False
) -> list[tuple[datetime, datetime]]:
    """When the visit may start, as sorted disjoint intervals (empty when never)."""
    if visit.pin is not None and visit.pin.locked and visit.pin.start is not None:
        return [(visit.pin.start, visit.pin.start)]
    windows = sorted(visit.windows) if visit.windows else [horizon]
    low, high = horizon[0], horizon[1]
    if visit.earliest is not None:
        low = max(low, visit.earliest)
    if hard_deadline and visit.deadline is not None:
        high = min(high, visit.deadline)
    if visit.pin is not None and visit.pin.start is not None:
        low, high = max(low, visit.pin.start), min(high, visit.pin.start)
    result: list[tuple[datetime, datetime]] = []
    for a, b in windows:
        a, b = max(a, low), min(b, high)
        if a > b:
            continue
        if result and a <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], b))
        else:
            result.append((a, b))
    return result


def requirement_keys(visit: Visit) -> frozenset[Key]:
    keys: set[Key] = {("skill", code, str(level)) for code, level in visit.skills.items() if level > 0}
    if visit.pin is not None:
        keys.add(("tech", visit.pin.technician))
    return frozenset(keys)


def offered_keys(technician: Technician, wanted: Iterable[Key]) -> frozenset[Key]:
    offered: set[Key] = {("tech", technician.id)}
    for key in wanted:
        if key[0] == "skill" and technician.skills.get(key[1], 0) >= int(key[2]):
            offered.add(key)
    return frozenset(offered)


def encode(
    problem: Problem,
    matrix: Matrix,
    *,
    visits: Iterable[str] | None = None,
    hard_deadlines: Iterable[str] = (),
    horizon: tuple[datetime, datetime] | None = None,
) -> Encoded:
    """Jobs for ``visits`` (default: all) and one vehicle per shift.

    ``hard_deadlines``: visits whose deadline is a hard bound on their start in this pass.
    """
    horizon = horizon or problem.horizon()
    if horizon is None:
        raise ValueError("a problem without shifts has no horizon")
    origin = horizon[0]
    wanted = set(visits) if visits is not None else None
    hard = set(hard_deadlines)

    def seconds(moment: datetime) -> int:
        return int((moment - origin).total_seconds())

    jobs: list[Job] = []
    for visit in problem.visits:
        if wanted is not None and visit.id not in wanted:
            continue
        is_hard = visit.id in hard and visit.deadline is not None
        windows = start_windows(visit, horizon, hard_deadline=is_hard)
        weight = PRIORITY_WEIGHTS.get(visit.priority, 1)
        locked = visit.pin is not None and visit.pin.locked
        jobs.append(
            Job(
                number=len(jobs),
                visit=visit,
                place=matrix.index[visit.location],
                service=visit.minutes * 60,
                windows=tuple((seconds(a), seconds(b)) for a, b in windows),
                keys=requirement_keys(visit),
                value=weight * (2 if is_hard else 1),
                hard_deadline=is_hard,
                locked=locked,
            )
        )
    all_keys = {key for job in jobs for key in job.keys}
    vehicles: list[Vehicle] = []
    for technician in problem.technicians:
        keys = offered_keys(technician, all_keys)
        for shift_index, shift in enumerate(technician.shifts):
            if shift.end <= shift.start:
                continue
            vehicles.append(
                Vehicle(
                    number=len(vehicles),
                    technician=technician,
                    shift_index=shift_index,
                    shift=shift,
                    start_place=matrix.index[technician.home],
                    end_place=matrix.index[technician.end_location],
                    open=seconds(shift.start),
                    close=seconds(shift.end),
                    breaks=tuple(
                        BreakSpec(
                            earliest=seconds(b.earliest),
                            latest_start=seconds(b.latest_end) - b.minutes * 60,
                            duration=b.minutes * 60,
                            source=b,
                        )
                        for b in sorted(shift.breaks, key=lambda b: b.earliest)
                    ),
                    keys=keys,
                )
            )
    if vehicles:
        # a requirement every shift meets constrains nothing: the solvers need not see it
        universal = frozenset.intersection(*(vehicle.keys for vehicle in vehicles))
        if universal:
            jobs = [dataclasses.replace(job, keys=job.keys - universal) for job in jobs]
    return Encoded(problem, matrix, origin, seconds(horizon[1]), tuple(jobs), tuple(vehicles))


def decode(encoded: Encoded, raw: RawRoute) -> Route:
    """A model Route from a raw one: travel and distance from the matrix, end = start + duration."""
    vehicle = encoded.vehicles[raw.vehicle]
    seconds = encoded.matrix.seconds_array
    metres = encoded.matrix.metres_array
    stops: list[Stop] = []
    previous = vehicle.start_place
    travel = distance = 0
    for raw_stop in raw.stops:
        job = encoded.jobs[raw_stop.job]
        leg = int(seconds[previous, job.place])
        travel += leg
        distance += int(metres[previous, job.place])
        stops.append(
            Stop(
                visit=job.visit.id,
                arrival=encoded.moment(raw_stop.arrival),
                start=encoded.moment(raw_stop.start),
                end=encoded.moment(raw_stop.start + job.service),
                travel_seconds=leg,
                priority=job.visit.priority,
                deadline=job.visit.deadline,
            )
        )
        previous = job.place
    travel += int(seconds[previous, vehicle.end_place])
    distance += int(metres[previous, vehicle.end_place])
    return Route(
        technician=vehicle.technician.id,
        shift=vehicle.shift_index,
        stops=tuple(stops),
        breaks=tuple((encoded.moment(a), encoded.moment(b)) for a, b in sorted(raw.breaks)),
        travel_seconds=travel,
        distance_m=distance,
        leave=encoded.moment(raw.leave),
        back=encoded.moment(raw.back),
    )


@dataclass(frozen=True)
class WarmRoute:
    """A previous route for a warm start: its vehicle, job numbers, and for each break the number of
    jobs done before it."""

    vehicle: int
    jobs: list[int]
    breaks_after: list[int] = field(default_factory=list)


def warm_routes(encoded: Encoded, routes: Iterable[Route]) -> list[WarmRoute]:
    """A previous plan's routes for a warm start (unknown technicians, shifts or visits skipped)."""
    by_visit = encoded.job_by_visit()
    result: list[WarmRoute] = []
    used: set[int] = set()
    for route in routes:
        vehicle = encoded.vehicle_for(route.technician, route.shift)
        if vehicle is None:
            continue
        numbers = []
        starts = []
        for stop in route.stops:
            job = by_visit.get(stop.visit)
            if job is not None and job.number not in used and vehicle.can_do(job):
                numbers.append(job.number)
                starts.append(stop.start)
                used.add(job.number)
        breaks_after = [sum(1 for start in starts if start < begin) for begin, _end in sorted(route.breaks)]
        if numbers and len(breaks_after) == len(vehicle.breaks):
            result.append(WarmRoute(vehicle.number, numbers, breaks_after))
        elif numbers:
            result.append(WarmRoute(vehicle.number, numbers))
    return result
