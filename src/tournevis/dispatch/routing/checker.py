"""Independent re-validation of a plan against its problem (pure; no solver code, no Django).

It re-simulates each route from the plan's own times and the travel matrix and reports every broken
rule: unknown or repeated visits, skills, shifts (leave ≥ shift start, back ≤ shift end), breaks
(each of the shift's breaks taken once, inside its window, at its length, overlapping no visit),
time windows, earliest start, pins and locks, durations, travel consistent with the matrix (a leg
needs its travel time outside breaks between the previous end and the arrival), totals, overlaps.
The port refuses to return a plan with a violation (that would be a solver adapter bug).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Break, Location, Plan, Problem, Route, Stop, Technician, Visit
from .travel import Matrix
from .travel import matrix as build_matrix


@dataclass(frozen=True)
class Violation:
    code: str
    subject: str
    """The visit id, or the technician id (``tech#shift``) for route-level rules."""
    detail: str

    def __str__(self) -> str:
        return f"{self.code} [{self.subject}]: {self.detail}"


def check(problem: Problem, plan: Plan, matrix: Matrix | None = None) -> list[Violation]:
    """Every rule the plan breaks (an empty list means the plan is valid)."""
    travel = matrix if matrix is not None else build_matrix(problem)
    visits = {v.id: v for v in problem.visits}
    technicians = {t.id: t for t in problem.technicians}
    found: list[Violation] = []
    seen: dict[str, str] = {}
    routes_seen: set[tuple[str, int]] = set()

    for route in plan.routes:
        label = f"{route.technician}#{route.shift}"
        technician = technicians.get(route.technician)
        if technician is None:
            found.append(Violation("unknown_technician", label, "not in the problem"))
            continue
        if not 0 <= route.shift < len(technician.shifts):
            found.append(
                Violation("unknown_shift", label, f"the technician has {len(technician.shifts)} shifts")
            )
            continue
        if (route.technician, route.shift) in routes_seen:
            found.append(Violation("duplicate_route", label, "two routes for one shift"))
        routes_seen.add((route.technician, route.shift))
        for stop in route.stops:
            if stop.visit in seen:
                found.append(
                    Violation("duplicate_visit", stop.visit, f"served by {seen[stop.visit]} and {label}")
                )
            seen[stop.visit] = label
            if stop.visit not in visits:
                found.append(Violation("unknown_visit", stop.visit, "not in the problem"))
        found.extend(_check_route(route, technician, visits, travel, label))

    for item in plan.unassigned:
        if item.visit not in visits:
            found.append(Violation("unknown_visit", item.visit, "unassigned but not in the problem"))
        elif item.visit in seen:
            found.append(Violation("duplicate_visit", item.visit, "both served and unassigned"))
        seen.setdefault(item.visit, "unassigned")
    for visit_id in visits:
        if visit_id not in seen:
            found.append(Violation("missing_visit", visit_id, "neither served nor unassigned"))
    return found


def _check_route(
    route: Route, technician: Technician, visits: dict[str, Visit], travel: Matrix, label: str
) -> list[Violation]:
    found: list[Violation] = []
    shift = technician.shifts[route.shift]
    if route.leave < shift.start:
        found.append(
            Violation(
                "shift_start", label, f"leaves at {route.leave:%H:%M:%S}, shift starts {shift.start:%H:%M:%S}"
            )
        )
    if route.back > shift.end:
        found.append(
            Violation("shift_end", label, f"back at {route.back:%H:%M:%S}, shift ends {shift.end:%H:%M:%S}")
        )
    if route.back < route.leave:
        found.append(Violation("order", label, "back before leaving"))
    breaks = sorted(route.breaks)
    found.extend(_check_breaks(route, shift.breaks, breaks, shift.start, shift.end, label))

    place: Location = technician.home
    free_from = route.leave
    total_travel = 0
    total_metres = 0
    busy: list[tuple[datetime, datetime, str]] = [(a, b, "break") for a, b in breaks]
    for stop in route.stops:
        visit = visits.get(stop.visit)
        if visit is None:
            continue
        found.extend(_check_stop(stop, visit, technician, label))
        leg = travel.seconds(place, visit.location)
        total_travel += leg
        total_metres += travel.metres(place, visit.location)
        if stop.travel_seconds != leg:
            found.append(
                Violation("travel", stop.visit, f"travel {stop.travel_seconds} s, the matrix says {leg} s")
            )
        if _available(free_from, stop.arrival, breaks) < leg:
            found.append(
                Violation(
                    "arrival",
                    stop.visit,
                    f"arrives {stop.arrival:%H:%M:%S}, cannot before {_after(free_from, leg)}",
                )
            )
        busy.append((stop.start, stop.end, stop.visit))
        place = visit.location
        free_from = max(free_from, stop.end)
    if route.stops:
        leg = travel.seconds(place, technician.end_location)
        total_travel += leg
        total_metres += travel.metres(place, technician.end_location)
        if _available(free_from, route.back, breaks) < leg:
            found.append(
                Violation(
                    "back",
                    label,
                    f"back at {route.back:%H:%M:%S}, cannot before {_after(free_from, leg)}",
                )
            )
    if route.travel_seconds != total_travel:
        found.append(
            Violation(
                "route_travel", label, f"{route.travel_seconds} s, the stops add up to {total_travel} s"
            )
        )
    if route.distance_m != total_metres:
        found.append(
            Violation("route_distance", label, f"{route.distance_m} m, the stops add up to {total_metres} m")
        )
    busy.sort()
    for (_a1, b1, what1), (a2, _b2, what2) in itertools.pairwise(busy):
        if a2 < b1:
            found.append(
                Violation("overlap", what2 if what2 != "break" else what1, f"{what1} and {what2} overlap")
            )
    for previous, current in zip(route.stops, route.stops[1:], strict=False):
        if current.start < previous.end:
            found.append(Violation("order", current.visit, "starts before the previous visit ends"))
    if route.stops and route.stops[0].arrival < route.leave:
        found.append(Violation("arrival", route.stops[0].visit, "arrives before leaving home"))
    return found


def _check_stop(stop: Stop, visit: Visit, technician: Technician, label: str) -> list[Violation]:
    found: list[Violation] = []
    if stop.end - stop.start != timedelta(minutes=visit.minutes):
        found.append(
            Violation(
                "duration", visit.id, f"{stop.end - stop.start} on site, the visit takes {visit.minutes} min"
            )
        )
    if stop.start < stop.arrival:
        found.append(Violation("arrival", visit.id, "starts before arriving"))
    for code, level in visit.skills.items():
        if technician.skills.get(code, 0) < level:
            found.append(Violation("skill", visit.id, f"{technician.id} lacks {code} level {level}"))
    pin = visit.pin
    if pin is not None and pin.technician != technician.id:
        found.append(
            Violation("pin_technician", visit.id, f"pinned to {pin.technician}, planned for {technician.id}")
        )
    if pin is not None and pin.start is not None and stop.start != pin.start:
        found.append(
            Violation(
                "locked" if pin.locked else "pin_start",
                visit.id,
                f"starts {stop.start}, pinned at {pin.start}",
            )
        )
    if pin is not None and pin.locked:
        return found  # a locked visit keeps its start whatever its windows say
    if visit.windows and not any(a <= stop.start <= b for a, b in visit.windows):
        found.append(
            Violation("window", visit.id, f"starts {stop.start:%Y-%m-%d %H:%M:%S}, outside its windows")
        )
    if visit.earliest is not None and stop.start < visit.earliest:
        found.append(Violation("earliest", visit.id, f"starts {stop.start}, not before {visit.earliest}"))
    return found


def _check_breaks(
    route: Route,
    required: Sequence[Break],
    taken: Sequence[tuple[datetime, datetime]],
    shift_start: datetime,
    shift_end: datetime,
    label: str,
) -> list[Violation]:
    found: list[Violation] = []
    wanted = sorted(required, key=lambda b: (b.earliest, b.latest_end)) if route.stops else []
    if len(taken) != len(wanted):
        found.append(
            Violation("break_missing", label, f"{len(taken)} breaks taken, the shift has {len(wanted)}")
        )
        return found
    for (a, b), spec in zip(taken, wanted, strict=True):
        if b - a != timedelta(minutes=spec.minutes):
            found.append(
                Violation("break_length", label, f"break {a:%H:%M}-{b:%H:%M} is not {spec.minutes} min")
            )
        if a < spec.earliest or b > spec.latest_end:
            found.append(Violation("break_window", label, f"break {a:%H:%M}-{b:%H:%M} outside its window"))
        if a < shift_start or b > shift_end:
            found.append(Violation("break_window", label, f"break {a:%H:%M}-{b:%H:%M} outside the shift"))
    return found


def _available(start: datetime, end: datetime, breaks: Sequence[tuple[datetime, datetime]]) -> float:
    """Seconds in [start, end] not spent on a break (time usable for driving)."""
    if end <= start:
        return (end - start).total_seconds()
    total = (end - start).total_seconds()
    for a, b in breaks:
        overlap = (min(b, end) - max(a, start)).total_seconds()
        if overlap > 0:
            total -= overlap
    return total


def _after(moment: datetime, seconds: int) -> str:
    return f"{moment + timedelta(seconds=seconds):%H:%M:%S}"
