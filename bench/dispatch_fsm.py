"""Benchmark: a field-service plan and emergency insertion on generated (seeded) problems.

    .venv/bin/python bench/dispatch_fsm.py                        # every section, solver chosen by the port
    .venv/bin/python bench/dispatch_fsm.py --only plan --solvers vroom,pyvrp --time-limit 20
    .venv/bin/python bench/dispatch_fsm.py --only plan --no-breaks     # PyVRP's home ground
    .venv/bin/python bench/dispatch_fsm.py --only insert --emergencies 20
    .venv/bin/python bench/dispatch_fsm.py --only overbooked --overbooked-solvers vroom,pyvrp

Section ``plan``: 1,000 visits, 100 technicians, 5 skills with levels, two days of shifts
08:00-17:00 (Europe/Paris) with a 45-minute lunch break, about 8 % of technicians absent each day,
customer slots, priorities, SLA deadlines, parts arriving late (``tournevis.dispatch.routing.samples``).
It prints visits served, why the others are not, SLA breaches (started late, or unserved with a
deadline in the horizon), travel time and the wall-clock solve time (goal: ≤ 30 s).

Section ``insert``: one day of 50 technicians and 400 visits is planned; visits starting before
10:30 are then locked (dispatched or en route). At 10:00 a new P1 (60 minutes, due by 14:00) arrives
at a random place and ``port.insert`` places it (time limit 1 s): latency (wall clock, the matrix,
diagnosis and checker included; goal ≤ 1 s), whether it was served on time, and the visits moved
(another technician, more than 15 minutes, or dropped).

Section ``overbooked``: one day of 500 visits for 40 technicians with 3 skills and no breaks (more
work than time), solved by each solver in 10 s: who serves more, and at what travel per visit.

It prints figures; it is not a test and asserts nothing. One thread.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tournevis.dispatch.routing import port, samples  # noqa: E402
from tournevis.dispatch.routing.model import Pin, Plan, Problem  # noqa: E402

console = Console(width=None if sys.stdout.isatty() else 110)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def summary(problem: Problem, plan: Plan, wall: float) -> dict[str, Any]:
    with_deadline = sum(1 for v in problem.visits if v.deadline is not None)
    return {
        "solver": plan.solver,
        "visits": len(problem.visits),
        "served": plan.served,
        "unassigned": len(plan.unassigned),
        "reasons": dict(Counter(u.reason.code for u in plan.unassigned).most_common()),
        "unserved_by_priority": dict(sorted(Counter(u.priority for u in plan.unassigned).items())),
        "with_deadline": with_deadline,
        "late": len(plan.late),
        "breaches": plan.breaches,
        "weighted_breaches": plan.weighted_breaches,
        "weighted_unserved": plan.weighted_unserved,
        "travel_hours": round(plan.travel_seconds / 3600, 1),
        "travel_minutes_per_visit": round(plan.travel_seconds / 60 / max(1, plan.served), 1),
        "distance_km": round(plan.distance_m / 1000),
        "seconds": round(wall, 1),
    }


def section_plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    problem = samples.fsm(args.seed, technicians=100, visits=1000, days=2, breaks=not args.no_breaks)
    console.print(
        f"plan: {len(problem.visits)} visits, {len(problem.technicians)} technicians, "
        f"{sum(len(t.shifts) for t in problem.technicians)} shifts, breaks: {not args.no_breaks}, "
        f"load ratio {port.load_ratio(problem):.2f}, time limit {args.time_limit:g} s"
    )
    rows = []
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    with progress() as bar:
        task = bar.add_task("solving", total=len(solvers))
        for solver in solvers:
            bar.update(task, description=f"plan with {solver}")
            started = time.perf_counter()
            plan = port.solve(
                problem, time_limit=args.time_limit, solver=None if solver == "auto" else solver
            )
            rows.append(summary(problem, plan, time.perf_counter() - started))
            bar.advance(task)
    table = Table(title="1,000 visits / 100 technicians / 2 days")
    columns = (
        "solver",
        "served",
        "unassigned",
        "late",
        "breaches",
        "weighted_breaches",
        "travel_hours",
        "seconds",
    )
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)
    for row in rows:
        console.print(
            f"{row['solver']}: unserved {row['unserved_by_priority']} because {row['reasons']}; "
            f"{row['with_deadline']} visits have a deadline; "
            f"{row['travel_minutes_per_visit']} min of travel per visit"
        )
    return rows


def locked_day(problem: Problem, plan: Plan, until_hour: float) -> Problem:
    """Visits starting before ``until_hour`` (local) become locked to their technician and start."""
    limit = samples.local(samples.FIRST_DAY, until_hour)
    stops = plan.stops()
    visits = []
    for visit in problem.visits:
        if visit.id in stops and stops[visit.id][1].start < limit:
            route, stop = stops[visit.id]
            visits.append(dataclasses.replace(visit, pin=Pin(route.technician, stop.start, locked=True)))
        else:
            visits.append(visit)
    return dataclasses.replace(problem, visits=tuple(visits))


def section_insert(args: argparse.Namespace) -> list[dict[str, Any]]:
    base = samples.fsm(args.seed + 1, technicians=50, visits=400, days=1, breaks=not args.no_breaks)
    solver = None if args.insert_solver == "auto" else args.insert_solver
    started = time.perf_counter()
    day = port.solve(base, time_limit=args.day_time_limit, solver=solver)
    console.print(
        f"insert: planned day of {len(base.technicians)} technicians / {len(base.visits)} visits"
        f" with {day.solver} in {time.perf_counter() - started:.1f} s: {day.served} served"
    )
    problem = locked_day(base, day, 10.5)
    current = dataclasses.replace(day)
    locked = sum(1 for v in problem.visits if v.pin is not None and v.pin.locked)
    rows = []
    with progress() as bar:
        task = bar.add_task("inserting", total=args.emergencies + 1)
        for k in range(args.emergencies + 1):  # k = 0 warms the process up (imports) and is not counted
            urgent = samples.emergency(1000 + k)
            with_urgent = dataclasses.replace(problem, visits=(*problem.visits, urgent))
            started = time.perf_counter()
            plan = port.insert(with_urgent, current, [urgent.id], time_limit=1.0, solver=solver)
            wall = time.perf_counter() - started
            stop = plan.stops().get(urgent.id)
            dropped = sum(1 for vid in plan.moved if vid not in plan.stops())
            if k:
                rows.append(
                    {
                        "emergency": urgent.id,
                        "solver": plan.solver,
                        "seconds": round(wall, 3),
                        "served": stop is not None,
                        "on_time": stop is not None and not stop[1].late,
                        "moved": len(plan.moved),
                        "dropped": dropped,
                        "reason": next((u.reason.code for u in plan.unassigned if u.visit == urgent.id), ""),
                    }
                )
            bar.advance(task)
    table = Table(title=f"Emergency P1 into a planned day ({locked} visits locked)")
    for column in ("emergency", "solver", "seconds", "served", "on_time", "moved", "dropped", "reason"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    latencies = [r["seconds"] for r in rows]
    console.print(
        f"[bold]insertion latency: median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s; "
        f"served {sum(r['served'] for r in rows)}/{len(rows)}, on time {sum(r['on_time'] for r in rows)}; "
        f"visits moved: mean {statistics.mean(r['moved'] for r in rows):.1f}, "
        f"max {max(r['moved'] for r in rows)}"
        f" (dropped: {sum(r['dropped'] for r in rows)})"
    )
    return rows


def section_overbooked(args: argparse.Namespace) -> list[dict[str, Any]]:
    problem = samples.fsm(args.seed + 2, technicians=40, visits=500, days=1, breaks=False, skill_count=3)
    console.print(
        f"overbooked: {len(problem.visits)} visits, {len(problem.technicians)} technicians, 3 skills, "
        f"one day, no breaks, load ratio {port.load_ratio(problem):.2f}, "
        f"{args.overbooked_time_limit:g} s per solver"
    )
    rows = []
    solvers = [s.strip() for s in args.overbooked_solvers.split(",") if s.strip()]
    with progress() as bar:
        task = bar.add_task("solving", total=len(solvers))
        for solver in solvers:
            started = time.perf_counter()
            plan = port.solve(
                problem, time_limit=args.overbooked_time_limit, solver=None if solver == "auto" else solver
            )
            rows.append(summary(problem, plan, time.perf_counter() - started))
            bar.advance(task)
    table = Table(title="Over-booked day: 500 visits / 40 technicians")
    columns = (
        "solver",
        "served",
        "breaches",
        "weighted_breaches",
        "weighted_unserved",
        "travel_minutes_per_visit",
        "seconds",
    )
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)
    return rows


SECTIONS = {"plan": section_plan, "insert": section_insert, "overbooked": section_overbooked}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), default="")
    parser.add_argument(
        "--solvers", default="auto", help="Comma-separated: auto, vroom, pyvrp (plan section)."
    )
    parser.add_argument("--time-limit", type=float, default=20.0, help="Seconds for the 1,000-visit plan.")
    parser.add_argument("--no-breaks", action="store_true", help="Generate shifts without lunch breaks.")
    parser.add_argument("--emergencies", type=int, default=10)
    parser.add_argument("--insert-solver", default="auto")
    parser.add_argument(
        "--day-time-limit", type=float, default=10.0, help="Seconds to plan the day before inserting."
    )
    parser.add_argument("--overbooked-solvers", default="vroom,pyvrp")
    parser.add_argument("--overbooked-time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default="", help="Write the result rows to this file.")
    args = parser.parse_args(argv)
    results = {
        name: section(args) for name, section in SECTIONS.items() if not args.only or args.only == name
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
