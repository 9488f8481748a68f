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

Section ``at-risk``: creates 100,000 open clocks (``--open-clocks``; 10 % paused, plus 20,000 stopped
ones) with ``bulk_create`` in a fresh temporary SQLite database and, when ``DATABASE_URL`` is set, in
a sibling PostgreSQL database (``<name>_bench_sla``, created and dropped; the database named in the
URL only issues CREATE / DROP DATABASE), then times ``contracts.sla_queries.at_risk`` (staff, and a
customer user seeing a tenth of the clocks) over ``--rounds`` calls: p50 / p95 in milliseconds. Each
database runs in a child process (Django's settings are per process).

Sections are functions ``section_<name>(args) -> list[tuple[str, str]]`` registered in ``SECTIONS``;
add a new one (e.g. the at-risk list over the database) by writing the function and registering it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
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


def _sibling_url(url: str) -> tuple[str, str]:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_bench_sla"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _p50_p95(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms ({len(samples)} calls)"


def at_risk_worker(args: argparse.Namespace) -> None:
    """In a child process whose environment names the database: load the clocks, time at_risk."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tournevis.contracts import sla_queries
    from tournevis.contracts.models import Contract, SlaClock
    from tournevis.core.actor import Actor

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    now = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    stamp = now - timedelta(days=30)
    from tournevis.customers.models import Customer

    customers = [
        Customer.objects.create(
            name=f"Bench {n}", country="FR", timezone="Europe/Paris", created_at=stamp, updated_at=stamp
        )
        for n in range(10)
    ]
    contracts = [
        Contract.objects.create(
            number=f"C-BENCH-{n:03d}",
            customer=customer,
            type="maintenance",
            status="active",
            start_date=stamp.date(),
            end_date=(now + timedelta(days=300)).date(),
            renewal="tacit",
            price_minor=0,
            currency="EUR",
            billing_cycle="annual",
            created_at=stamp,
            updated_at=stamp,
        )
        for n, customer in enumerate(customers)
    ]
    kinds = ["response", "onsite", "resolution", "update"]
    began = time.perf_counter()
    rows = []
    for n in range(args.open_clocks + args.open_clocks // 5):
        stopped = n >= args.open_clocks
        started = now - timedelta(minutes=rng.randint(0, 5 * 1440))
        deadline = started + timedelta(minutes=rng.choice([60, 240, 480, 1440, 4320]) * rng.uniform(1, 3))
        paused = not stopped and rng.random() < 0.1
        state = "met" if stopped else "paused" if paused else "breached" if deadline < now else "running"
        rows.append(
            SlaClock(
                subject_type="tickets.ticket",
                subject_id=n // 4,
                kind=kinds[n % 4],
                contract=contracts[n % 10],
                priority="P2",
                target_minutes=240,
                state=state,
                started_at=started,
                deadline=deadline,
                warning_at=started + (deadline - started) * 0.75,
                consumed_seconds=0,
                remaining_seconds=0,
                paused_since=now if paused else None,
                met_at=deadline if stopped else None,
                stopped_at=deadline if stopped else None,
                evaluated_at=now,
            )
        )
    SlaClock.objects.bulk_create(rows, batch_size=5000)
    loaded = time.perf_counter() - began
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contracts_slaclock")
    staff = Actor(user_id=None, label="bench", role="dispatcher")
    customer = Actor(user_id=None, label="bench", role="customer", customer_id=contracts[0].customer_id)
    figures = [("clocks (open + stopped)", f"{len(rows):,} bulk_create in {loaded:.1f} s")]
    quiet = now - timedelta(days=30)  # before every clock started: nothing at risk, the worst case
    for label, actor, within, at in (
        ("at_risk staff, 4 h, limit 100", staff, timedelta(hours=4), now),
        ("at_risk staff, 0 h, limit 100", staff, timedelta(0), now),
        ("at_risk customer, 4 h, limit 100", customer, timedelta(hours=4), now),
        ("at_risk staff, nothing at risk", staff, timedelta(hours=4), quiet),
    ):
        samples = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            found = sla_queries.at_risk(actor, within=within, limit=100, now=at)
            samples.append(time.perf_counter() - t0)
        figures.append((label, f"{_p50_p95(samples)}, {len(found)} rows"))
    for label, figure in figures:
        print(f"{connection.vendor} {label}\t{figure}")


def section_at_risk(args: argparse.Namespace) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    url = os.environ.get("DATABASE_URL", "")
    backends = [("sqlite", None), *([("postgresql", url)] if url else [])]
    for _name, server in backends:
        env = {**os.environ, "TOURNEVIS_DEV": "1", "DJANGO_SETTINGS_MODULE": "tournevis.settings"}
        cleanup: Callable[[], None]
        if server:
            bench_url, db = _sibling_url(server)
            _admin(server, f'DROP DATABASE IF EXISTS "{db}"')
            _admin(server, f'CREATE DATABASE "{db}"')
            env["DATABASE_URL"] = bench_url

            def cleanup(server: str = server, db: str = db) -> None:
                _admin(server, f'DROP DATABASE IF EXISTS "{db}"')
        else:
            env.pop("DATABASE_URL", None)
            var = tempfile.TemporaryDirectory(prefix="tournevis-bench-sla-")
            env["TOURNEVIS_VAR_DIR"] = var.name
            cleanup = var.cleanup
        try:
            out = subprocess.run(  # noqa: S603 (our own interpreter and script)
                [
                    sys.executable,
                    __file__,
                    "--at-risk-worker",
                    "--open-clocks",
                    str(args.open_clocks),
                    "--rounds",
                    str(args.rounds),
                    "--seed",
                    str(args.seed),
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            cleanup()
        rows += [tuple(line.split("\t", 1)) for line in out.splitlines() if "\t" in line]  # type: ignore[misc]
    return rows


SECTIONS: dict[str, Callable[[argparse.Namespace], list[tuple[str, str]]]] = {
    "clocks": section_clocks,
    "at-risk": section_at_risk,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run one section")
    parser.add_argument("--clocks", type=int, default=10_000, help="clocks in the population")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--open-clocks", type=int, default=100_000, help="open clocks for at-risk")
    parser.add_argument("--rounds", type=int, default=50, help="at_risk calls timed per figure")
    parser.add_argument("--at-risk-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.at_risk_worker:
        at_risk_worker(args)
        return
    for name, section in SECTIONS.items():
        if args.only and name != args.only:
            continue
        print(f"== {name}")
        for label, figure in section(args):
            print(f"  {label:<44} {figure}")


if __name__ == "__main__":
    main()
