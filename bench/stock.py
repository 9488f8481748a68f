"""Benchmark: spare-parts sourcing with 200 depots and 20,000 parts.

    .venv/bin/python bench/stock.py                   # a fresh temporary SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_stock .venv/bin/python bench/stock.py

Loads (bulk) 200 depots in 10 regions (ground lanes inside each region, ground and express-air lanes
between every two regions), 100 technicians each with a van, 20,000 parts (1 in 20 hazardous) and
their stock levels: each part at 2 to 10 random depots (0 to 8 units each) and, for a fifth of the
parts, in 20 of the vans (1 to 4 units). Then it times, for ``--needs`` random needs (a part, 1 to 8
units, for a random van — its technician's — or the depot nearest a random site):

- the sourcing *decision* alone (``stock.reservations.propose``: the part, the destination, the
  candidate stock levels in one query, the lanes, then ``sourcing.decide``; nothing written);
- the *reservation* (``stock.reservations.reserve``: the same plus the row locks, the transfer orders
  and the reservation rows) for ``--reservations`` of them, each rolled back afterwards so that every
  one sees the same stock.

Prints p50 / p95 / max in milliseconds and the queries per call. With DATABASE_URL, the database named
there must exist and be empty (it is migrated). It prints figures; it is not a test and asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

STAMP = datetime(2027, 3, 1, 8, tzinfo=UTC)
REGIONS = [f"R{n:02d}" for n in range(10)]
# Region centres spread over France (lat, lon)
CENTRES = [
    (48.86, 2.35),
    (45.76, 4.84),
    (43.30, 5.37),
    (44.84, -0.58),
    (47.22, -1.55),
    (50.63, 3.06),
    (48.58, 7.75),
    (43.60, 1.44),
    (47.32, 5.04),
    (48.11, -1.68),
]


def _stats(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:.2f} ms, p95 {cuts[94] * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms"


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def load(depots: int, parts: int, vans: int, seed: int, console: Console) -> dict[str, list[int]]:
    from tournevis.stock.models import Lane, Location, Part, StockLevel
    from tournevis.workforce.models import Technician

    rng = random.Random(seed)
    with _progress(console) as progress:
        task = progress.add_task("lanes, depots, vans", total=3)
        lanes = [Lane(origin_region=r, destination_region=r, mode="ground", lead_hours=8) for r in REGIONS]
        for a in REGIONS:
            for b in REGIONS:
                if a != b:
                    lanes.append(Lane(origin_region=a, destination_region=b, mode="ground", lead_hours=48))
                    lanes.append(
                        Lane(origin_region=a, destination_region=b, mode="express_air", lead_hours=20)
                    )
        Lane.objects.bulk_create(lanes)
        progress.advance(task)
        places = []
        for n in range(depots):
            region = n % len(REGIONS)
            lat, lon = CENTRES[region]
            places.append(
                Location(
                    code=f"D{n:03d}",
                    name=f"Depot {n}",
                    kind="depot",
                    region=REGIONS[region],
                    latitude=lat + rng.uniform(-0.8, 0.8),
                    longitude=lon + rng.uniform(-0.8, 0.8),
                    timezone="Europe/Paris",
                    created_at=STAMP,
                    updated_at=STAMP,
                )
            )
        depot_rows = Location.objects.bulk_create(places)
        progress.advance(task)
        people = Technician.objects.bulk_create(
            Technician(
                name=f"Technician {n:03d}",
                home_latitude=48.5,
                home_longitude=2.3,
                timezone="Europe/Paris",
                holiday_country="FR",
                languages=["fr"],
                created_at=STAMP,
                updated_at=STAMP,
            )
            for n in range(vans)
        )
        van_rows = Location.objects.bulk_create(
            Location(
                code=f"VAN{n:03d}",
                name=f"Van {n}",
                kind="van",
                region=REGIONS[n % len(REGIONS)],
                technician=person,
                depot=depot_rows[n % len(depot_rows)],
                timezone="Europe/Paris",
                created_at=STAMP,
                updated_at=STAMP,
            )
            for n, person in enumerate(people)
        )
        progress.advance(task)
        task = progress.add_task("parts", total=parts)
        part_rows: list[Part] = []
        for start in range(0, parts, 5000):
            part_rows += Part.objects.bulk_create(
                Part(
                    reference=f"P{n:05d}",
                    name_en=f"Part {n}",
                    name_fr=f"Pièce {n}",
                    shipping_class="hazardous" if n % 20 == 0 else "standard",
                    created_at=STAMP,
                    updated_at=STAMP,
                )
                for n in range(start, min(parts, start + 5000))
            )
            progress.update(task, completed=len(part_rows))
        task = progress.add_task("stock levels", total=parts)
        levels: list[StockLevel] = []
        count = 0
        for index, part in enumerate(part_rows):
            for depot in rng.sample(depot_rows, rng.randint(2, 10)):
                levels.append(StockLevel(location=depot, part=part, on_hand=Decimal(rng.randint(0, 8))))
            if index % 5 == 0:
                for van in rng.sample(van_rows, min(20, len(van_rows))):
                    levels.append(StockLevel(location=van, part=part, on_hand=Decimal(rng.randint(1, 4))))
            if len(levels) >= 10000:
                StockLevel.objects.bulk_create(levels)
                count += len(levels)
                levels = []
            progress.update(task, completed=index + 1)
        StockLevel.objects.bulk_create(levels)
        count += len(levels)
    console.print(
        f"loaded: {depots} depots, {vans} vans, {len(lanes)} lanes, {parts} parts, {count} stock levels"
    )
    return {
        "parts": [p.pk for p in part_rows],
        "depots": [d.pk for d in depot_rows],
        "vans": [v.pk for v in van_rows],
    }


def needs(ids: dict[str, list[int]], count: int, seed: int) -> list[tuple[int, int, object]]:
    from tournevis.stock.models import Location
    from tournevis.stock.reservations import Destination, nearest_depot

    rng = random.Random(seed + 1)
    out = []
    for _ in range(count):
        part = rng.choice(ids["parts"])
        lat, lon = rng.choice(CENTRES)
        lat, lon = lat + rng.uniform(-1, 1), lon + rng.uniform(-1, 1)
        if rng.random() < 0.5:
            van = rng.choice(ids["vans"])
            destination = Destination(van, lat, lon, "", van)
        else:
            depot = nearest_depot(lat, lon)
            assert depot is not None
            destination = Destination(depot.pk, lat, lon, Location.objects.get(pk=depot.pk).region)
        out.append((part, rng.choice((1, 1, 1, 2, 2, 3, 5, 8)), destination))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--depots", type=int, default=200)
    parser.add_argument("--parts", type=int, default=20000)
    parser.add_argument("--vans", type=int, default=100)
    parser.add_argument("--needs", type=int, default=1000)
    parser.add_argument("--reservations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    console = Console()
    if not os.environ.get("DATABASE_URL"):
        os.environ["TOURNEVIS_VAR_DIR"] = tempfile.mkdtemp(prefix="tournevis-stock-")  # the project's SQLite
    os.environ.setdefault("TOURNEVIS_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tournevis.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tournevis.core.actor import Actor
    from tournevis.core.errors import Conflict
    from tournevis.stock import reservations

    with console.status("migrating"):
        call_command("migrate", verbosity=0)
    ids = load(args.depots, args.parts, args.vans, args.seed, console)
    wanted = needs(ids, args.needs, args.seed)
    actor = Actor.system("bench")

    # Decisions: read and decide, nothing written
    strategies: dict[str, int] = {}
    decided: list[float] = []
    queries: list[int] = []
    reservations.propose(part_id=wanted[0][0], quantity=wanted[0][1], destination=wanted[0][2])  # warm up
    with _progress(console) as progress:
        task = progress.add_task("decisions", total=len(wanted))
        for part, quantity, destination in wanted:
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as seen:
                started = time.perf_counter()
                proposal = reservations.propose(part_id=part, quantity=quantity, destination=destination)
                decided.append(time.perf_counter() - started)
            queries.append(len(seen.captured_queries))
            strategy = proposal.decision.strategy
            strategies[strategy] = strategies.get(strategy, 0) + 1
            progress.advance(task)

    # Reservations: the same plus the locks and writes, each rolled back
    reserved: list[float] = []
    reserve_queries: list[int] = []
    refused = 0
    with _progress(console) as progress:
        task = progress.add_task("reservations", total=args.reservations)
        for part, quantity, destination in wanted[: args.reservations]:
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as seen:
                started = time.perf_counter()
                try:
                    with transaction.atomic():
                        reservations.reserve(
                            actor,
                            demand_type="bench",
                            demand_id=1,
                            part_id=part,
                            quantity=quantity,
                            destination=destination,  # type: ignore[arg-type]
                        )
                        transaction.set_rollback(True)
                except Conflict:
                    refused += 1
                reserved.append(time.perf_counter() - started)
            reserve_queries.append(len(seen.captured_queries))
            progress.advance(task)

    console.print(f"database: {connection.vendor}")
    console.print("decisions: " + ", ".join(f"{name} {count}" for name, count in sorted(strategies.items())))
    console.print(f"sourcing decision (propose): {_stats(decided)} over {len(decided)} needs")
    console.print(
        f"  queries per decision: {min(queries)}-{max(queries)} (median {statistics.median(queries):.0f})"
    )
    console.print(f"reservation with writes (reserve, rolled back): {_stats(reserved)} over {len(reserved)}")
    console.print(
        f"  queries per reservation: {min(reserve_queries)}-{max(reserve_queries)} "
        f"(median {statistics.median(reserve_queries):.0f}); refused: {refused}"
    )


if __name__ == "__main__":
    main()
