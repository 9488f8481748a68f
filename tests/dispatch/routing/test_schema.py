"""The JSON problem format: strict parsing with the JSON path of the fault, and the round trip."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tournevis.core.errors import InvalidInput
from tournevis.dispatch.routing.model import Break, Location, Pin
from tournevis.dispatch.routing.schema import parse_problem, problem_to_json

from .support import at

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "dispatch-problem.json"


def minimal() -> dict[str, Any]:
    return {
        "technicians": [
            {
                "id": "t1",
                "home": {"lat": 45.0, "lon": 4.8},
                "skills": {"hvac": 2},
                "shifts": [
                    {
                        "start": "2026-03-10T08:00:00+01:00",
                        "end": "2026-03-10T17:00:00+01:00",
                        "breaks": [
                            {
                                "earliest": "2026-03-10T12:00:00+01:00",
                                "latest_end": "2026-03-10T14:00:00+01:00",
                                "minutes": 45,
                            }
                        ],
                    }
                ],
            }
        ],
        "visits": [
            {
                "id": "v1",
                "location": {"lat": 45.1, "lon": 4.9},
                "minutes": 30,
                "windows": [{"start": "2026-03-10T09:00:00Z", "end": "2026-03-10T11:00:00Z"}],
                "skills": {"hvac": 1},
                "priority": "P1",
                "deadline": "2026-03-10T12:00:00Z",
                "earliest": "2026-03-10T08:30:00Z",
                "pin": {"technician": "t1", "start": "2026-03-10T09:30:00Z", "locked": True},
            }
        ],
    }


def error(data: object) -> tuple[str | None, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_problem(data)
    return caught.value.field, caught.value.message


def test_a_complete_problem_parses_to_utc_values() -> None:
    # given the minimal problem with every field; when parsed
    problem = parse_problem(minimal())
    # then the values are typed, offsets converted to UTC, defaults filled
    technician = problem.technicians[0]
    assert technician.home == Location(45.0, 4.8)
    assert technician.end is None
    assert technician.shifts[0].start == at(7)
    assert technician.shifts[0].breaks == (Break(at(11), at(13), 45),)
    visit = problem.visits[0]
    assert visit.windows == ((at(9), at(11)),)
    assert visit.deadline == at(12)
    assert visit.earliest == at(8, 30)
    assert visit.pin == Pin("t1", at(9, 30), locked=True)
    assert problem.travel.speed_kmh == 40.0
    assert problem.travel.road_factor == 1.3
    assert problem.timezone == "UTC"


def test_the_round_trip_gives_the_same_problem() -> None:
    problem = parse_problem(json.loads(EXAMPLE.read_text()))
    assert parse_problem(json.loads(json.dumps(problem_to_json(problem)))) == problem


def mutate(path: str, value: object) -> dict[str, Any]:
    data = copy.deepcopy(minimal())
    target: Any = data
    keys = path.replace("]", "").replace("[", ".").split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("visits.0.duration", 4, "visits[0].duration", "unknown field"),
        ("extra", 1, "extra", "unknown field"),
        ("technicians.0.shifts.0.lunch", 1, "technicians[0].shifts[0].lunch", "unknown field"),
        ("visits.0.minutes", "30", "visits[0].minutes", "expected an integer"),
        ("visits.0.minutes", True, "visits[0].minutes", "expected an integer"),
        ("visits.0.minutes", 0, "visits[0].minutes", "must be between 1 and 10080"),
        ("visits.0.location.lat", "45", "visits[0].location.lat", "expected a number"),
        ("visits.0.location.lon", 200, "visits[0].location.lon", "must be between -180.0 and 180.0"),
        ("visits.0.location", DELETE, "visits[0].location", "this field is required"),
        ("visits", {}, "visits", "expected a list"),
        ("visits.0.skills.hvac", 4, "visits[0].skills.hvac", "must be between 1 and 3"),
        ("visits.0.priority", "P0", "visits[0].priority", "unknown priority P0 (P1 to P4)"),
        (
            "visits.0.deadline",
            "2026-03-10T12:00:00",
            "visits[0].deadline",
            "expected a date-time with a UTC offset (ISO 8601), e.g. 2026-03-10T08:00:00+01:00",
        ),
        (
            "visits.0.windows.0.end",
            "2026-03-10T08:00:00Z",
            "visits[0].windows[0]",
            "the window ends before it starts",
        ),
        (
            "technicians.0.shifts.0.end",
            "2026-03-10T07:00:00+01:00",
            "technicians[0].shifts[0]",
            "the shift ends before it starts",
        ),
        (
            "technicians.0.shifts.0.breaks.0.latest_end",
            "2026-03-10T18:00:00+01:00",
            "technicians[0].shifts[0].breaks[0]",
            "the break window lies outside its shift",
        ),
        (
            "technicians.0.shifts.0.breaks.0.minutes",
            150,
            "technicians[0].shifts[0].breaks[0]",
            "the break is longer than its window",
        ),
        ("visits.0.pin.technician", "nobody", "visits[0].pin.technician", "unknown technician nobody"),
        ("visits.0.pin.start", DELETE, "visits[0].pin.start", "a locked pin needs a start"),
        ("visits.0.pin.locked", "yes", "visits[0].pin.locked", "expected true or false"),
        ("travel", {"speed_kmh": 0}, "travel.speed_kmh", "must be between 1.0 and 300.0"),
        ("travel", {"osrm_url": "ftp://x"}, "travel.osrm_url", "must be an http or https URL"),
        ("timezone", "Mars/Olympus", "timezone", "unknown time zone Mars/Olympus"),
        (
            "technicians.0.id",
            "",
            "technicians[0].id",
            "expected a non-empty identifier of at most 200 characters",
        ),
    ],
)
def test_bad_input_names_the_json_path(path: str, value: object, field: str, message: str) -> None:
    # given a problem with one fault; when parsed; then InvalidInput names the path and the fault
    assert error(mutate(path, value)) == (field, message)


def test_duplicate_ids_are_refused() -> None:
    data = minimal()
    data["visits"].append(copy.deepcopy(data["visits"][0]))
    assert error(data) == ("visits[1].id", "duplicate id v1")
    data = minimal()
    data["technicians"].append(copy.deepcopy(data["technicians"][0]))
    assert error(data) == ("technicians[1].id", "duplicate id t1")


def test_the_top_level_must_be_an_object() -> None:
    assert error([1, 2]) == ("problem", "expected an object")
