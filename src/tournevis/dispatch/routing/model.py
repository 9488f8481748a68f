"""The dispatch problem and its plan as frozen dataclasses (pure: no Django, no I/O).

Every datetime is timezone-aware UTC. Times are at one-second resolution. A visit's ``windows``
constrain when the work *starts* (like a booked arrival slot); the whole visit, travel included,
must fit inside one shift of its technician. Priorities are ``P1`` (most urgent) to ``P4``.

Objective, in order (see docs/dispatch.md): SLA breaches weighted by priority, then unserved
visits weighted by priority, then travel time. ``PRIORITY_WEIGHTS`` gives the weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_WEIGHTS: Mapping[str, int] = {"P1": 1000, "P2": 100, "P3": 10, "P4": 1}
"""Weight of a breach or of an unserved visit by priority: one P1 outweighs nine P2s, and so on."""

MOVE_TOLERANCE_SECONDS = 15 * 60
"""A visit kept by the same technician and started at most this much earlier or later has not moved."""


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Break:
    """A break of ``minutes`` taken inside [earliest, latest_end] (the whole break inside)."""

    earliest: datetime
    latest_end: datetime
    minutes: int


@dataclass(frozen=True)
class Shift:
    """A working period (usually a day): leave home at or after ``start``, be back by ``end``."""

    start: datetime
    end: datetime
    breaks: tuple[Break, ...] = ()


@dataclass(frozen=True)
class Technician:
    id: str
    home: Location
    shifts: tuple[Shift, ...]
    skills: Mapping[str, int] = field(default_factory=dict)
    """Skill code → level (1 to 3)."""
    end: Location | None = None
    """Where the day ends; None means back home."""

    @property
    def end_location(self) -> Location:
        return self.end if self.end is not None else self.home

    def qualified_for(self, required: Mapping[str, int]) -> bool:
        return all(self.skills.get(code, 0) >= level for code, level in required.items())


@dataclass(frozen=True)
class Pin:
    """The visit must be done by ``technician`` (and start at ``start`` when given).

    ``locked`` (dispatched or en-route visits): never moved — same technician, same start; a locked
    visit ignores its time windows and deadline (the customer has been told already).
    """

    technician: str
    start: datetime | None = None
    locked: bool = False


@dataclass(frozen=True)
class Visit:
    id: str
    location: Location
    minutes: int
    windows: tuple[tuple[datetime, datetime], ...] = ()
    """Start windows; empty means whenever a technician works."""
    skills: Mapping[str, int] = field(default_factory=dict)
    """Required minimum level per skill code."""
    priority: str = "P3"
    deadline: datetime | None = None
    """SLA on-site deadline: starting later is a breach (the visit may still be served late)."""
    earliest: datetime | None = None
    """Cannot start before (e.g. the parts arrive)."""
    pin: Pin | None = None


@dataclass(frozen=True)
class Travel:
    """Haversine distance x ``road_factor`` at ``speed_kmh``, or road times from an OSRM server."""

    speed_kmh: float = 40.0
    road_factor: float = 1.3
    osrm_url: str | None = None


@dataclass(frozen=True)
class Problem:
    technicians: tuple[Technician, ...]
    visits: tuple[Visit, ...]
    travel: Travel = Travel()
    timezone: str = "UTC"
    """IANA zone used to name days in the reasons given to the dispatcher."""

    def technician(self, technician_id: str) -> Technician:
        for technician in self.technicians:
            if technician.id == technician_id:
                return technician
        raise KeyError(technician_id)

    def visit(self, visit_id: str) -> Visit:
        for visit in self.visits:
            if visit.id == visit_id:
                return visit
        raise KeyError(visit_id)

    def horizon(self) -> tuple[datetime, datetime] | None:
        """From the first shift start to the last shift end; None when nobody works."""
        shifts = [shift for technician in self.technicians for shift in technician.shifts]
        if not shifts:
            return None
        return min(s.start for s in shifts), max(s.end for s in shifts)


@dataclass(frozen=True)
class Stop:
    visit: str
    arrival: datetime
    start: datetime
    end: datetime
    travel_seconds: int
    """Travel from the previous place (home or the previous visit)."""
    priority: str = "P3"
    deadline: datetime | None = None

    @property
    def late(self) -> bool:
        return self.deadline is not None and self.start > self.deadline


@dataclass(frozen=True)
class Route:
    technician: str
    shift: int
    """Index in the technician's ``shifts``."""
    stops: tuple[Stop, ...]
    breaks: tuple[tuple[datetime, datetime], ...]
    travel_seconds: int
    """Total, including the way back."""
    distance_m: int
    leave: datetime
    back: datetime


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Unassigned:
    visit: str
    reason: Reason
    priority: str = "P3"
    breach: bool = False
    """The visit has a deadline inside the planning horizon: leaving it out breaches its SLA."""


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    solver: str
    seconds: float
    moved: tuple[str, ...] = ()
    """For ``port.insert``: visits dropped, given to another technician or started over 15 minutes away."""

    def stops(self) -> dict[str, tuple[Route, Stop]]:
        return {stop.visit: (route, stop) for route in self.routes for stop in route.stops}

    @property
    def served(self) -> int:
        return sum(len(route.stops) for route in self.routes)

    @property
    def late(self) -> tuple[str, ...]:
        return tuple(stop.visit for route in self.routes for stop in route.stops if stop.late)

    @property
    def breaches(self) -> int:
        """Visits started after their deadline plus unserved visits whose deadline is inside the horizon."""
        return len(self.late) + sum(1 for u in self.unassigned if u.breach)

    @property
    def weighted_breaches(self) -> int:
        late = sum(PRIORITY_WEIGHTS[s.priority] for r in self.routes for s in r.stops if s.late)
        return late + sum(PRIORITY_WEIGHTS[u.priority] for u in self.unassigned if u.breach)

    @property
    def weighted_unserved(self) -> int:
        return sum(PRIORITY_WEIGHTS[u.priority] for u in self.unassigned)

    @property
    def travel_seconds(self) -> int:
        return sum(route.travel_seconds for route in self.routes)

    @property
    def distance_m(self) -> int:
        return sum(route.distance_m for route in self.routes)

    def objective(self) -> tuple[int, int, int]:
        """What the port minimises, compared in this order."""
        return self.weighted_breaches, self.weighted_unserved, self.travel_seconds
