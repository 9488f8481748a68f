"""``tournevis dispatch solve|solomon``: JSON out; a bad file is one readable line and a non-zero exit."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .test_solomon import SOLOMON, SQUARE, needs_instances

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "dispatch-problem.json"


def test_solve_prints_the_plan_of_the_example() -> None:
    out = io.StringIO()
    call_command("dispatch", "solve", str(EXAMPLE), "--time-limit", "0.5", stdout=out)
    plan = json.loads(out.getvalue())
    assert plan["totals"]["served"] == 6
    assert plan["totals"]["unassigned"] == 4
    assert sorted(plan) == ["moved", "routes", "seconds", "solver", "totals", "unassigned"]
    route = next(r for r in plan["routes"] if r["technician"] == "bruno")
    locked = next(s for s in route["stops"] if s["visit"] == "WO-1006")
    assert (locked["start"], locked["end"]) == ("2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z")
    assert sorted(locked) == ["arrival", "end", "late", "start", "travel_seconds", "visit"]
    first = plan["unassigned"][0]
    assert first == {
        "visit": "WO-1007",
        "priority": "P3",
        "breach": False,
        "reason": {
            "code": "no_skill",
            "params": {"skill": "plumbing", "level": "1"},
            "text": "no technician with skill plumbing level 1",
        },
    }


def bad_file(tmp_path: Path) -> Path:
    data = json.loads(EXAMPLE.read_text())
    data["visits"][3]["duration"] = 30
    path = tmp_path / "PROBLEM.json"
    path.write_text(json.dumps(data))
    return path


def test_a_bad_file_is_a_command_error_naming_the_path(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    with pytest.raises(CommandError) as caught:
        call_command("dispatch", "solve", str(path))
    assert str(caught.value) == f"{path}: visits[3].duration: unknown field"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("{not json", "not JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        (
            '{"technicians": [], "visits": [], "travel": {"speed_kmh": "fast"}}',
            "travel.speed_kmh: expected a number",
        ),
    ],
)
def test_other_bad_files(tmp_path: Path, content: str, line: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(CommandError) as caught:
        call_command("dispatch", "solve", str(path))
    assert str(caught.value) == f"{path}: {line}"


def test_the_command_line_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    env = {**os.environ, "TOURNEVIS_DEV": "1", "DJANGO_SETTINGS_MODULE": "tournevis.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "tournevis.cli", "dispatch", "solve", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"CommandError: {path}: visits[3].duration: unknown field"]


def test_solomon_prints_the_result(tmp_path: Path) -> None:
    path = tmp_path / "SQUARE.txt"
    path.write_text(SQUARE)
    out = io.StringIO()
    call_command("dispatch", "solomon", str(path), "--time-limit", "0.5", stdout=out)
    result = json.loads(out.getvalue())
    assert sorted(result) == ["distance", "feasible", "instance", "seconds", "vehicles"]
    assert (result["instance"], result["vehicles"], result["distance"], result["feasible"]) == (
        "SQUARE",
        1,
        44.14,
        True,
    )


@needs_instances
def test_solomon_solves_c101_from_the_shared_benchmarks() -> None:
    out = io.StringIO()
    call_command("dispatch", "solomon", str(SOLOMON / "C101.txt"), "--time-limit", "0.5", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["instance"], result["vehicles"], result["feasible"]) == ("C101", 10, True)
