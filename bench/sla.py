"""Benchmark of the SLA engine (``core.business_time`` and ``contracts.clocks``), pure Python.

    .venv/bin/python bench/sla.py                 # every section
    .venv/bin/python bench/sla.py --only clocks   # one section
    .venv/bin/python bench/sla.py --clocks 20000 --seed 7

Section ``clocks``: builds a realistic population of SLA clocks (response, on-site, resolution,
update) on four calendars (Paris split days with French holidays, Montréal with Québec holidays,
Tokyo with Japanese holidays, 24x7 Paris), with pauses, retargets and stops, started over the last
days (across Toronto's DST change), and evaluates each clock at ``now``. It prints clock evaluations per
second (first pass, calendars' day cache cold; then warm) and the raw ``add_business_time`` and
``business_time_between`` rates. It prints figures; it is not a test and asserts nothing.

Sections are functions ``section_<name>(args) -> list[tuple[str, str]]`` registered in ``SECTIONS``;
add a new one (e.g. the at-risk list over the database) by writing the function and registering it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tournevis.contracts.clocks import ClockEvent, ClockKind, evaluate  # noqa: E402
from tournevis.core import business_time  # noqa: E402
from tournevis.core.business_time import (  # noqa: E402
    WEEKDAYS,
    Calendar,
    add_business_time,
    business_time_between,
    holiday_dates,
)

NOW = datetime(2025, 11, 5, 10, 0, tzinfo=UTC)
TARGETS = {
    ClockKind.RESPONSE: [timedelta(hours=1), timedelta(hours=4)],
    ClockKind.ONSITE: [timedelta(hours=4), timedelta(hours=8), timedelta(hours=24)],
    ClockKind.RESOLUTION: [timedelta(hours=8), timedelta(hours=24), timedelta(hours=72)],
    ClockKind.UPDATE: [timedelta(hours=2), timedelta(hours=4)],
}


def calendars() -> list[Calendar]:
    years = range(2024, 2027)
    split = {day: [("08:00", "12:00"), ("13:30", "18:00")] for day in WEEKDAYS[:5]}
    return [
        Calendar("Europe/Paris", split, holidays=holiday_dates("FR", "57", years)),
        Calendar(
            "America/Toronto",
            {day: [("08:00", "17:00")] for day in WEEKDAYS[:6]},
            holidays=holiday_dates("CA", "QC", years),
            yearly_closures=(((12, 24), (1, 2)),),
        ),
        Calendar(
            "Asia/Tokyo",
            {day: [("09:00", "18:00")] for day in WEEKDAYS[:5]},
            holidays=holiday_dates("JP", None, years),
        ),
        Calendar.always_open("Europe/Paris"),
    ]


def clock_log(rng: random.Random) -> list[ClockEvent]:
    """A plausible log: start up to 10 days ago (Toronto's DST change of 2 November is inside),
    a few pause/resume pairs, maybe a retarget, maybe a stop."""
    kind = rng.choice(list(ClockKind))
    at = NOW - timedelta(minutes=rng.randint(0, 10 * 1440))
    events = [ClockEvent(at, "start", rng.choice(TARGETS[kind]))]
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        at += timedelta(minutes=rng.randint(5, 3000))
        events.append(ClockEvent(at, "pause"))
        at += timedelta(minutes=rng.randint(5, 3000))
        events.append(ClockEvent(at, "resume"))
    if rng.random() < 0.2:
        at += timedelta(minutes=rng.randint(5, 600))
        events.append(ClockEvent(at, "retarget", rng.choice(TARGETS[kind])))
    if rng.random() < 0.4:
        at += timedelta(minutes=rng.randint(5, 3000))
        events.append(ClockEvent(at, "stop"))
    return events


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({count:,} in {seconds:.2f} s)"


def section_clocks(args: argparse.Namespace) -> list[tuple[str, str]]:
    rng = random.Random(args.seed)
    cals = calendars()
    population = [(rng.choice(cals), clock_log(rng)) for _ in range(args.clocks)]
    rows: list[tuple[str, str]] = []
    business_time._compiled_cache.clear()
    for label in ("clock evaluations, cold day cache", "clock evaluations, warm"):
        began = time.perf_counter()
        states: dict[str, int] = {}
        for calendar, events in population:
            state = evaluate(calendar, events, NOW).state.value
            states[state] = states.get(state, 0) + 1
        rows.append((label, rate(len(population), time.perf_counter() - began)))
    rows.append(("states", ", ".join(f"{k} {v:,}" for k, v in sorted(states.items()))))
    starts = [events[0].at for _, events in population]
    began = time.perf_counter()
    for (calendar, _), start in zip(population, starts, strict=True):
        add_business_time(calendar, start, timedelta(hours=24))
    rows.append(("add_business_time (24 h)", rate(len(population), time.perf_counter() - began)))
    began = time.perf_counter()
    for (calendar, _), start in zip(population, starts, strict=True):
        business_time_between(calendar, start, NOW)
    rows.append(("business_time_between (to now)", rate(len(population), time.perf_counter() - began)))
    return rows


SECTIONS: dict[str, Callable[[argparse.Namespace], list[tuple[str, str]]]] = {"clocks": section_clocks}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run one section")
    parser.add_argument("--clocks", type=int, default=10_000, help="clocks in the population")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for name, section in SECTIONS.items():
        if args.only and name != args.only:
            continue
        print(f"== {name}")
        for label, figure in section(args):
            print(f"  {label:<36} {figure}")


if __name__ == "__main__":
    main()
