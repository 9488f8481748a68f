"""Travel times and distances between the problem's places (pure maths, plus an optional OSRM client).

Default model: great-circle (haversine) distance x ``road_factor``, driven at ``speed_kmh``; seconds
and metres are rounded to integers. With ``Travel.osrm_url`` set, the OSRM ``table`` service gives
road durations and distances instead (``GET {url}/table/v1/driving/{lon,lat;...}``), asked in blocks
of at most ``OSRM_BLOCK`` x ``OSRM_BLOCK`` places (OSRM's default ``max-table-size`` is 100).
A pair OSRM cannot route gets ``UNREACHABLE`` seconds, which the diagnosis reports as "no road".
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from tournevis.core.domain import EARTH_RADIUS_M, great_circle_m
from tournevis.core.errors import DomainError, gettext_noop

from .model import Location, Problem, Travel

UNREACHABLE = 10_000_000
"""Seconds standing for "no route" (about 116 days; still fits the solvers' integer types)."""
OSRM_BLOCK = 100
OSRM_TIMEOUT_S = 30.0


class TravelError(DomainError):
    """The routing server could not answer."""

    status = 503
    title = gettext_noop("Routing server unavailable")


def haversine_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres."""
    return great_circle_m(a.lat, a.lon, b.lat, b.lon)


class Matrix:
    """Seconds and metres between places; ``index`` maps a Location to its row."""

    def __init__(self, places: Sequence[Location], seconds: np.ndarray, metres: np.ndarray) -> None:
        self.places = list(places)
        self.index = {place: i for i, place in enumerate(self.places)}
        self.seconds_array = seconds.astype(np.int64)
        self.metres_array = metres.astype(np.int64)

    def seconds(self, a: Location, b: Location) -> int:
        return int(self.seconds_array[self.index[a], self.index[b]])

    def metres(self, a: Location, b: Location) -> int:
        return int(self.metres_array[self.index[a], self.index[b]])


def places(problem: Problem) -> list[Location]:
    """Every distinct place of the problem: homes, day ends, visits (first-seen order)."""
    seen: dict[Location, None] = {}
    for technician in problem.technicians:
        seen.setdefault(technician.home, None)
        seen.setdefault(technician.end_location, None)
    for visit in problem.visits:
        seen.setdefault(visit.location, None)
    return list(seen)


def matrix(problem: Problem, *, opener: Callable[..., Any] | None = None) -> Matrix:
    """The travel matrix of the problem's places under its ``Travel`` settings."""
    return build(places(problem), problem.travel, opener=opener)


def build(points: Sequence[Location], travel: Travel, *, opener: Callable[..., Any] | None = None) -> Matrix:
    if travel.osrm_url:
        seconds, metres = osrm_table(travel.osrm_url, points, opener=opener)
        return Matrix(points, seconds, metres)
    metres_f = haversine_matrix(points) * travel.road_factor
    seconds_f = metres_f / (travel.speed_kmh / 3.6)
    return Matrix(points, np.rint(seconds_f), np.rint(metres_f))


def haversine_matrix(points: Sequence[Location]) -> np.ndarray:
    """Great-circle distances in metres (float), vectorised."""
    if not points:
        return np.zeros((0, 0))
    lat = np.radians(np.array([p.lat for p in points], dtype=float))
    lon = np.radians(np.array([p.lon for p in points], dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


# --- OSRM ---------------------------------------------------------------------------------------


def osrm_request_url(
    base_url: str, points: Sequence[Location], sources: Iterable[int], destinations: Iterable[int]
) -> str:
    """``{base}/table/v1/driving/lon,lat;...?sources=..&destinations=..&annotations=duration,distance``."""
    coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
    query = urllib.parse.urlencode(
        {
            "sources": ";".join(str(i) for i in sources),
            "destinations": ";".join(str(i) for i in destinations),
            "annotations": "duration,distance",
        },
        safe=";,",
    )
    return f"{base_url.rstrip('/')}/table/v1/driving/{coordinates}?{query}"


def parse_osrm_table(body: bytes | str, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Durations (s) and distances (m) from an OSRM ``table`` answer; ``null`` → ``UNREACHABLE``."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise TravelError(gettext_noop("the routing server answered something that is not JSON")) from exc
    if not isinstance(data, dict) or data.get("code") != "Ok":
        code = data.get("code", "?") if isinstance(data, dict) else "?"
        message = data.get("message", "") if isinstance(data, dict) else ""
        raise TravelError(
            gettext_noop("the routing server refused the request: %(code)s %(detail)s"),
            code=str(code),
            detail=str(message),
        )
    seconds = _grid(data.get("durations"), rows, columns, "durations")
    metres = _grid(data.get("distances"), rows, columns, "distances")
    unreachable = np.isnan(seconds) | np.isnan(metres)
    seconds = np.where(unreachable, UNREACHABLE, np.rint(np.nan_to_num(seconds)))
    metres = np.where(unreachable, UNREACHABLE, np.rint(np.nan_to_num(metres)))
    return seconds.astype(np.int64), metres.astype(np.int64)


def osrm_table(
    base_url: str,
    points: Sequence[Location],
    *,
    opener: Callable[..., Any] | None = None,
    timeout: float = OSRM_TIMEOUT_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Full matrices, asked block by block (each request carries only that block's places)."""
    size = len(points)
    seconds = np.zeros((size, size), dtype=np.int64)
    metres = np.zeros((size, size), dtype=np.int64)
    open_url = opener or urllib.request.urlopen
    for row_start in range(0, size, OSRM_BLOCK):
        row_ids = list(range(row_start, min(size, row_start + OSRM_BLOCK)))
        for column_start in range(0, size, OSRM_BLOCK):
            column_ids = list(range(column_start, min(size, column_start + OSRM_BLOCK)))
            block_points = [points[i] for i in row_ids] + [points[j] for j in column_ids]
            url = osrm_request_url(
                base_url,
                block_points,
                range(len(row_ids)),
                range(len(row_ids), len(row_ids) + len(column_ids)),
            )
            try:
                with open_url(url, timeout=timeout) as answer:
                    body = answer.read()
            except urllib.error.HTTPError as exc:
                body = exc.read()
                if not body:
                    raise TravelError(
                        gettext_noop("the routing server %(url)s answered HTTP %(status)s"),
                        url=base_url,
                        status=str(exc.code),
                    ) from exc
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                raise TravelError(
                    gettext_noop("the routing server %(url)s is unreachable: %(error)s"),
                    url=base_url,
                    error=str(reason),
                ) from exc
            block_seconds, block_metres = parse_osrm_table(body, len(row_ids), len(column_ids))
            seconds[row_start : row_start + len(row_ids), column_start : column_start + len(column_ids)] = (
                block_seconds
            )
            metres[row_start : row_start + len(row_ids), column_start : column_start + len(column_ids)] = (
                block_metres
            )
    np.fill_diagonal(seconds, 0)
    np.fill_diagonal(metres, 0)
    return seconds, metres


def _grid(value: object, rows: int, columns: int, name: str) -> np.ndarray:
    if (
        not isinstance(value, list)
        or len(value) != rows
        or any(not isinstance(row, list) or len(row) != columns for row in value)
    ):
        raise TravelError(
            gettext_noop("the routing server's answer has no %(name)s table of the expected size"), name=name
        )
    try:
        return np.array(
            [[math.nan if cell is None else float(cell) for cell in row] for row in value], dtype=float
        )
    except (TypeError, ValueError) as exc:
        raise TravelError(
            gettext_noop("the routing server's answer has no %(name)s table of the expected size"), name=name
        ) from exc
