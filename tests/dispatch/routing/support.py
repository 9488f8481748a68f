"""Builders for routing tests: places on the equator one kilometre apart, driven at 60 km/h.

Along the equator a great-circle distance is exactly the radius times the longitude difference, so
with ``road_factor`` 1 and 60 km/h, ``km(n)`` and ``km(m)`` are |n - m| km and |n - m| minutes apart.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from tournevis.dispatch.routing.model import Location, Problem, Shift, Technician, Travel, Visit
from tournevis.dispatch.routing.travel import EARTH_RADIUS_M

DAY = (2026, 3, 10)
LINE = Travel(speed_kmh=60.0, road_factor=1.0)


def km(n: float) -> Location:
    return Location(0.0, math.degrees(n * 1000.0 / EARTH_RADIUS_M))


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def shift(start: tuple[int, int] = (8, 0), end: tuple[int, int] = (17, 0), **kwargs: object) -> Shift:
    return Shift(at(*start), at(*end), **kwargs)  # type: ignore[arg-type]


def tech(
    id: str, place: float = 0, skills: dict[str, int] | None = None, shifts: tuple[Shift, ...] | None = None
) -> Technician:
    return Technician(id, km(place), (shift(),) if shifts is None else shifts, skills or {})


def visit(id: str, place: float, minutes: int = 30, **kwargs: object) -> Visit:
    return Visit(id, km(place), minutes, **kwargs)  # type: ignore[arg-type]


def problem(technicians: list[Technician], visits: list[Visit]) -> Problem:
    return Problem(tuple(technicians), tuple(visits), LINE)
