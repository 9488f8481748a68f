"""The JSON problem and plan formats (documented in docs/dispatch.md), with strict parsing.

``parse_problem(data)`` accepts the decoded JSON and returns a ``model.Problem`` or raises
``InvalidInput`` whose ``field`` is the JSON path of the first fault (``visits[3].windows[0]``):
unknown fields, wrong types, naive date-times, shifts or windows ending before they start, breaks
outside their shift, pins to unknown technicians, duplicate ids. ``plan_to_json`` and
``problem_to_json`` write the other way (date-times in UTC, ``...Z``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tournevis.core.errors import InvalidInput, gettext_noop

from .model import PRIORITIES, Break, Location, Pin, Plan, Problem, Shift, Technician, Travel, Visit
from .reasons import describe

MAX_MINUTES = 7 * 24 * 60


def parse_problem(data: object) -> Problem:
    """A Problem from decoded JSON, or ``InvalidInput`` naming the JSON path at fault."""
    top = _object(
        data, "", {"technicians", "visits", "travel", "timezone"}, required={"technicians", "visits"}
    )
    timezone = "UTC"
    if "timezone" in top:
        timezone = _string(top["timezone"], "timezone")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(
                gettext_noop("unknown time zone %(value)s"), field="timezone", value=timezone
            ) from exc
    travel = _travel(top["travel"], "travel") if "travel" in top else Travel()
    technicians = tuple(
        _technician(item, f"technicians[{i}]")
        for i, item in enumerate(_list(top["technicians"], "technicians"))
    )
    _unique([t.id for t in technicians], "technicians")
    known = {t.id for t in technicians}
    visits = tuple(
        _visit(item, f"visits[{i}]", known) for i, item in enumerate(_list(top["visits"], "visits"))
    )
    _unique([v.id for v in visits], "visits")
    return Problem(technicians=technicians, visits=visits, travel=travel, timezone=timezone)


def _travel(value: object, path: str) -> Travel:
    obj = _object(value, path, {"speed_kmh", "road_factor", "osrm_url"})
    speed = _number(obj.get("speed_kmh", 40.0), f"{path}.speed_kmh", low=1.0, high=300.0)
    factor = _number(obj.get("road_factor", 1.3), f"{path}.road_factor", low=1.0, high=5.0)
    url = obj.get("osrm_url")
    if url is not None:
        url = _string(url, f"{path}.osrm_url")
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(gettext_noop("must be an http or https URL"), field=f"{path}.osrm_url")
    return Travel(speed_kmh=speed, road_factor=factor, osrm_url=url)


def _technician(value: object, path: str) -> Technician:
    obj = _object(value, path, {"id", "home", "end", "skills", "shifts"}, required={"id", "home", "shifts"})
    shifts = tuple(
        _shift(item, f"{path}.shifts[{i}]") for i, item in enumerate(_list(obj["shifts"], f"{path}.shifts"))
    )
    return Technician(
        id=_id(obj["id"], f"{path}.id"),
        home=_location(obj["home"], f"{path}.home"),
        end=_location(obj["end"], f"{path}.end") if obj.get("end") is not None else None,
        skills=_skills(obj.get("skills", {}), f"{path}.skills"),
        shifts=shifts,
    )


def _shift(value: object, path: str) -> Shift:
    obj = _object(value, path, {"start", "end", "breaks"}, required={"start", "end"})
    start = _datetime(obj["start"], f"{path}.start")
    end = _datetime(obj["end"], f"{path}.end")
    if end <= start:
        raise InvalidInput(gettext_noop("the shift ends before it starts"), field=path)
    breaks = []
    for i, item in enumerate(_list(obj.get("breaks", []), f"{path}.breaks")):
        where = f"{path}.breaks[{i}]"
        b = _object(
            item, where, {"earliest", "latest_end", "minutes"}, required={"earliest", "latest_end", "minutes"}
        )
        earliest = _datetime(b["earliest"], f"{where}.earliest")
        latest_end = _datetime(b["latest_end"], f"{where}.latest_end")
        minutes = _integer(b["minutes"], f"{where}.minutes", low=1, high=24 * 60)
        if latest_end <= earliest:
            raise InvalidInput(gettext_noop("the break window ends before it starts"), field=where)
        if (latest_end - earliest).total_seconds() < minutes * 60:
            raise InvalidInput(gettext_noop("the break is longer than its window"), field=where)
        if earliest < start or latest_end > end:
            raise InvalidInput(gettext_noop("the break window lies outside its shift"), field=where)
        breaks.append(Break(earliest=earliest, latest_end=latest_end, minutes=minutes))
    return Shift(start=start, end=end, breaks=tuple(breaks))


def _visit(value: object, path: str, technicians: set[str]) -> Visit:
    fields = {"id", "location", "minutes", "windows", "skills", "priority", "deadline", "earliest", "pin"}
    obj = _object(value, path, fields, required={"id", "location", "minutes"})
    windows = []
    for i, item in enumerate(_list(obj.get("windows", []), f"{path}.windows")):
        where = f"{path}.windows[{i}]"
        w = _object(item, where, {"start", "end"}, required={"start", "end"})
        start, end = _datetime(w["start"], f"{where}.start"), _datetime(w["end"], f"{where}.end")
        if end < start:
            raise InvalidInput(gettext_noop("the window ends before it starts"), field=where)
        windows.append((start, end))
    priority = obj.get("priority", "P3")
    if priority not in PRIORITIES:
        raise InvalidInput(
            gettext_noop("unknown priority %(value)s (P1 to P4)"),
            field=f"{path}.priority",
            value=str(priority),
        )
    pin = None
    if obj.get("pin") is not None:
        where = f"{path}.pin"
        p = _object(obj["pin"], where, {"technician", "start", "locked"}, required={"technician"})
        technician = _id(p["technician"], f"{where}.technician")
        if technician not in technicians:
            raise InvalidInput(
                gettext_noop("unknown technician %(id)s"), field=f"{where}.technician", id=technician
            )
        locked = p.get("locked", False)
        if not isinstance(locked, bool):
            raise InvalidInput(gettext_noop("expected true or false"), field=f"{where}.locked")
        pin_start = _datetime(p["start"], f"{where}.start") if p.get("start") is not None else None
        if locked and pin_start is None:
            raise InvalidInput(gettext_noop("a locked pin needs a start"), field=f"{where}.start")
        pin = Pin(technician=technician, start=pin_start, locked=locked)
    return Visit(
        id=_id(obj["id"], f"{path}.id"),
        location=_location(obj["location"], f"{path}.location"),
        minutes=_integer(obj["minutes"], f"{path}.minutes", low=1, high=MAX_MINUTES),
        windows=tuple(sorted(windows)),
        skills=_skills(obj.get("skills", {}), f"{path}.skills"),
        priority=str(priority),
        deadline=_datetime(obj["deadline"], f"{path}.deadline") if obj.get("deadline") is not None else None,
        earliest=_datetime(obj["earliest"], f"{path}.earliest") if obj.get("earliest") is not None else None,
        pin=pin,
    )


# --- primitives ---------------------------------------------------------------------------------


def _object(value: object, path: str, allowed: set[str], required: Iterable[str] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(gettext_noop("expected an object"), field=path or "problem")
    for key in value:
        if key not in allowed:
            raise InvalidInput(gettext_noop("unknown field"), field=_join(path, str(key)))
    for key in sorted(required):
        if key not in value:
            raise InvalidInput(gettext_noop("this field is required"), field=_join(path, key))
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(gettext_noop("expected a list"), field=path)
    return value


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(gettext_noop("expected a string"), field=path)
    return value


def _id(value: object, path: str) -> str:
    text = _string(value, path).strip()
    if not text or len(text) > 200:
        raise InvalidInput(
            gettext_noop("expected a non-empty identifier of at most 200 characters"), field=path
        )
    return text


def _integer(value: object, path: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(gettext_noop("expected an integer"), field=path)
    if not low <= value <= high:
        raise InvalidInput(
            gettext_noop("must be between %(low)s and %(high)s"), field=path, low=low, high=high
        )
    return value


def _number(value: object, path: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(gettext_noop("expected a number"), field=path)
    if not low <= value <= high:
        raise InvalidInput(
            gettext_noop("must be between %(low)s and %(high)s"), field=path, low=low, high=high
        )
    return float(value)


def _datetime(value: object, path: str) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(UTC)
    raise InvalidInput(
        gettext_noop("expected a date-time with a UTC offset (ISO 8601), e.g. 2026-03-10T08:00:00+01:00"),
        field=path,
    )


def _location(value: object, path: str) -> Location:
    obj = _object(value, path, {"lat", "lon"}, required={"lat", "lon"})
    return Location(
        lat=_number(obj["lat"], f"{path}.lat", low=-90.0, high=90.0),
        lon=_number(obj["lon"], f"{path}.lon", low=-180.0, high=180.0),
    )


def _skills(value: object, path: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise InvalidInput(gettext_noop("expected an object"), field=path)
    result = {}
    for code, level in value.items():
        if not str(code).strip():
            raise InvalidInput(
                gettext_noop("expected a non-empty identifier of at most 200 characters"), field=path
            )
        result[str(code)] = _integer(level, f"{path}.{code}", low=1, high=3)
    return result


def _unique(ids: list[str], path: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise InvalidInput(gettext_noop("duplicate id %(id)s"), field=f"{path}[{i}].id", id=item)
        seen.add(item)


# --- writing ------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_to_json(plan: Plan, gettext: Callable[[str], str] = lambda s: s) -> dict[str, Any]:
    """The plan as JSON-ready data: routes, unassigned visits with reason code and text, totals."""
    return {
        "solver": plan.solver,
        "seconds": plan.seconds,
        "totals": {
            "served": plan.served,
            "unassigned": len(plan.unassigned),
            "breaches": plan.breaches,
            "weighted_breaches": plan.weighted_breaches,
            "weighted_unserved": plan.weighted_unserved,
            "late": len(plan.late),
            "travel_seconds": plan.travel_seconds,
            "distance_m": plan.distance_m,
            "moved": len(plan.moved),
        },
        "routes": [
            {
                "technician": route.technician,
                "shift": route.shift,
                "leave": iso(route.leave),
                "back": iso(route.back),
                "travel_seconds": route.travel_seconds,
                "distance_m": route.distance_m,
                "breaks": [{"start": iso(a), "end": iso(b)} for a, b in route.breaks],
                "stops": [
                    {
                        "visit": stop.visit,
                        "arrival": iso(stop.arrival),
                        "start": iso(stop.start),
                        "end": iso(stop.end),
                        "travel_seconds": stop.travel_seconds,
                        "late": stop.late,
                    }
                    for stop in route.stops
                ],
            }
            for route in plan.routes
        ],
        "unassigned": [
            {
                "visit": item.visit,
                "priority": item.priority,
                "breach": item.breach,
                "reason": {
                    "code": item.reason.code,
                    "params": dict(item.reason.params),
                    "text": describe(item.reason, gettext),
                },
            }
            for item in plan.unassigned
        ],
        "moved": list(plan.moved),
    }


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The problem in the input format (``parse_problem(problem_to_json(p)) == p``)."""

    def location(place: Location) -> dict[str, float]:
        return {"lat": place.lat, "lon": place.lon}

    def technician(t: Technician) -> dict[str, Any]:
        data: dict[str, Any] = {"id": t.id, "home": location(t.home), "skills": dict(t.skills)}
        if t.end is not None:
            data["end"] = location(t.end)
        data["shifts"] = [
            {
                "start": iso(s.start),
                "end": iso(s.end),
                **(
                    {
                        "breaks": [
                            {
                                "earliest": iso(b.earliest),
                                "latest_end": iso(b.latest_end),
                                "minutes": b.minutes,
                            }
                            for b in s.breaks
                        ]
                    }
                    if s.breaks
                    else {}
                ),
            }
            for s in t.shifts
        ]
        return data

    def visit(v: Visit) -> dict[str, Any]:
        data: dict[str, Any] = {"id": v.id, "location": location(v.location), "minutes": v.minutes}
        if v.windows:
            data["windows"] = [{"start": iso(a), "end": iso(b)} for a, b in v.windows]
        if v.skills:
            data["skills"] = dict(v.skills)
        data["priority"] = v.priority
        for name in ("deadline", "earliest"):
            moment = getattr(v, name)
            if moment is not None:
                data[name] = iso(moment)
        if v.pin is not None:
            pin: dict[str, Any] = {"technician": v.pin.technician}
            if v.pin.start is not None:
                pin["start"] = iso(v.pin.start)
            if v.pin.locked:
                pin["locked"] = True
            data["pin"] = pin
        return data

    travel: dict[str, Any] = {
        "speed_kmh": problem.travel.speed_kmh,
        "road_factor": problem.travel.road_factor,
    }
    if problem.travel.osrm_url:
        travel["osrm_url"] = problem.travel.osrm_url
    return {
        "timezone": problem.timezone,
        "travel": travel,
        "technicians": [technician(t) for t in problem.technicians],
        "visits": [visit(v) for v in problem.visits],
    }
