"""Benchmark: the planning board's data for a week of 200 technicians (DESIGN: ≤ 300 ms server time).

    .venv/bin/python bench/dispatch_board.py                    # a fresh temporary SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_board .venv/bin/python bench/dispatch_board.py

Loads (bulk) 200 technicians in 4 teams with Monday-Friday shifts, a lunch break and three skills
each, 20 approved absences, 4,000 visits planned in the week (four a day each) and 300 visits
waiting, then times ``dispatch.queries.board`` for the week and the whole API call
``GET /api/v1/dispatch/board`` (authentication, queries, JSON) through Django's test client. Prints
p50/p95 over the rounds. With DATABASE_URL, the database named there must
exist and be empty (it is migrated). It prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

MONDAY = date(2027, 3, 1)


def _p50_p95(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms ({len(samples)} calls)"


def load(technicians: int, seed: int) -> None:
    from tournevis.customers.models import Customer, Site
    from tournevis.identity.models import User
    from tournevis.workforce.models import Absence, Shift, Skill, Team, Technician, TechnicianSkill
    from tournevis.workorders.models import Visit, WorkOrder

    rng = random.Random(seed)
    stamp = datetime(2027, 2, 1, tzinfo=UTC)
    skills = [
        Skill.objects.create(code=f"s{i}", name_en=f"Skill {i}", name_fr=f"Compétence {i}") for i in range(5)
    ]
    teams = [Team.objects.create(code=f"t{i}", name=f"Team {i}", region=f"R{i}") for i in range(4)]
    people = Technician.objects.bulk_create(
        Technician(
            name=f"Technician {n:03d}",
            team=teams[n % 4],
            home_latitude=48.5 + rng.random(),
            home_longitude=2.0 + rng.random(),
            timezone="Europe/Paris",
            holiday_country="FR",
            languages=["fr"],
            created_at=stamp,
            updated_at=stamp,
        )
        for n in range(technicians)
    )
    Shift.objects.bulk_create(
        Shift(
            technician=t,
            weekday=d,
            start="08:00",
            end="17:00",
            break_earliest="12:00",
            break_latest="14:00",
            break_minutes=45,
        )
        for t in people
        for d in range(5)
    )
    TechnicianSkill.objects.bulk_create(
        TechnicianSkill(technician=t, skill=s, level=rng.randint(1, 3))
        for t in people
        for s in rng.sample(skills, 3)
    )
    Absence.objects.bulk_create(
        Absence(
            technician=t,
            kind="vacation",
            start=datetime(2027, 3, 3, 0, tzinfo=UTC),
            end=datetime(2027, 3, 4, 0, tzinfo=UTC),
            status="approved",
            created_at=stamp,
            updated_at=stamp,
        )
        for t in rng.sample(people, min(20, len(people)))
    )
    customer = Customer.objects.create(
        name="Bench bank", country="FR", timezone="Europe/Paris", created_at=stamp, updated_at=stamp
    )
    sites = Site.objects.bulk_create(
        Site(
            customer=customer,
            name=f"Branch {n}",
            city="Paris",
            country="FR",
            timezone="Europe/Paris",
            latitude=48.5 + rng.random(),
            longitude=2.0 + rng.random(),
            created_at=stamp,
            updated_at=stamp,
        )
        for n in range(200)
    )
    per_day = 4
    planned = [(t, d, k) for t in people for d in range(5) for k in range(per_day)]
    orders = WorkOrder.objects.bulk_create(
        WorkOrder(
            number=f"WO-2027-{n + 1:06d}",
            kind="corrective",
            status="scheduled" if n < len(planned) else "ready",
            customer=customer,
            site=rng.choice(sites),
            title=f"Bench job {n}",
            priority=rng.choice(["P1", "P2", "P3", "P4"]),
            estimated_minutes=90,
            created_at=stamp,
            updated_at=stamp,
        )
        for n in range(len(planned) + 300)
    )
    visits = []
    for order, (t, d, k) in zip(orders, planned, strict=False):
        start = datetime.combine(MONDAY + timedelta(days=d), datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=7 + 2 * k
        )
        visits.append(
            Visit(
                work_order=order,
                number=1,
                technician=t,
                planned_start=start,
                planned_end=start + timedelta(minutes=90),
                status="planned",
                created_at=stamp,
                updated_at=stamp,
            )
        )
    for order in orders[len(planned) :]:
        visits.append(
            Visit(work_order=order, number=1, status="unscheduled", created_at=stamp, updated_at=stamp)
        )
    Visit.objects.bulk_create(visits, batch_size=2000)
    User.objects.create_user(username="bench-dispatcher", password="bench-Password-1", role="dispatcher")  # noqa: S106


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--technicians", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    console = Console()
    folder = tempfile.mkdtemp(prefix="tournevis-board-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/board.sqlite3")
    os.environ.setdefault("TOURNEVIS_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tournevis.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tournevis.dispatch import queries

    with console.status("migrating and loading"):
        call_command("migrate", verbosity=0)
        load(args.technicians, args.seed)
    sunday = MONDAY + timedelta(days=6)
    queries.board(MONDAY, sunday)  # warm the holiday cache and the connection
    data = queries.board(MONDAY, sunday)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = str(Path(folder) / "board.prof")
        cProfile.runctx("queries.board(MONDAY, sunday)", globals(), locals(), profile)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    samples = []
    for _round in range(args.rounds):
        started = time.perf_counter()
        queries.board(MONDAY, sunday)
        samples.append(time.perf_counter() - started)
    client = Client(SERVER_NAME="localhost")
    assert client.login(username="bench-dispatcher", password="bench-Password-1")  # noqa: S106
    url = f"/api/v1/dispatch/board?first={MONDAY}&last={sunday}"
    client.get(url)
    calls = []
    size = 0
    for _round in range(args.rounds):
        started = time.perf_counter()
        response = client.get(url)
        calls.append(time.perf_counter() - started)
        size = len(response.content)
    console.print(f"database: {connection.vendor}")
    console.print(
        f"board week: {len(data['resources'])} technicians, {len(data['visits'])} visits, "
        f"{len(data['absences'])} absences, {len(data['unassigned'])} waiting"
    )
    console.print(f"queries.board: {_p50_p95(samples)} (10 queries: tests/dispatch/test_board_queries.py)")
    console.print(f"GET /api/v1/dispatch/board: {_p50_p95(calls)}, {size / 1024:.0f} KiB of JSON")


if __name__ == "__main__":
    main()
