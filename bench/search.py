"""Benchmark of the installed-base search (``installed_base.queries.search``) on the large demo.

    .venv/bin/python bench/search.py                      # SQLite, in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tournevis .venv/bin/python bench/search.py

It loads the demo network (``--size large``: 100,000 service objects) into a FRESH database, then
runs a realistic mix of searches many times and prints p50/p95/p99/max per kind of query, as the
server sees them (the function call, results materialised; no HTTP). With ``DATABASE_URL`` it
creates a sibling database on the same server (``<name>_bench_search``), and drops it at the end;
the database named in the URL is only used to issue CREATE / DROP DATABASE.

Options: --size small|large, --seed N, --rounds N (repetitions of each query), --keep (leave the
database and print where it is), --reuse (use a kept database as it is, without reloading).
It prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
console = Console(width=None if sys.stdout.isatty() else 160)


# --- Database set-up (before Django is imported) ---------------------------------------------------


def _sibling_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_bench_search"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _admin(url: str, sql: str, params: tuple[str, ...] = ()) -> bool:
    """Run one statement on the server of ``url``; True when it returned a row."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return cursor.description is not None and cursor.fetchone() is not None


def prepare_database(args: argparse.Namespace) -> Callable[[], None]:
    """Point the settings at a fresh database; return the clean-up to run at the end."""
    os.environ.setdefault("TOURNEVIS_DEV", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tournevis.settings"
    url = os.environ.get("DATABASE_URL", "")
    if url:
        bench_url, name = _sibling_url(url)
        exists = _admin(url, "SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists and not args.reuse:
            _admin(url, f'DROP DATABASE "{name}"')
        if not exists or not args.reuse:
            _admin(url, f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = bench_url

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            if args.keep:
                console.print(f"kept database [bold]{name}[/] on {urlsplit(url).hostname}")
            else:
                _admin(url, f'DROP DATABASE IF EXISTS "{name}"')

        return drop
    var_dir = (
        Path(tempfile.gettempdir()) / "tournevis-bench-search"
        if (args.keep or args.reuse)
        else Path(tempfile.mkdtemp(prefix="tournevis-bench-search-"))
    )
    if not args.reuse:
        for leftover in var_dir.glob("tournevis.sqlite3*"):
            leftover.unlink()
    os.environ["TOURNEVIS_VAR_DIR"] = str(var_dir)

    def remove() -> None:
        if args.keep:
            console.print(f"kept database [bold]{var_dir / 'tournevis.sqlite3'}[/]")
            return
        for path in var_dir.glob("tournevis.sqlite3*"):
            path.unlink()
        var_dir.rmdir()

    return remove


# --- The query mix ----------------------------------------------------------------------------------


def query_mix(seed: int, per_kind: int) -> dict[str, list[str]]:
    """Search terms as people type them, drawn from the loaded data."""
    from tournevis.customers.models import Customer
    from tournevis.demo.places import CITIES
    from tournevis.installed_base.models import ServiceObject

    rng = random.Random(seed)
    serials = list(ServiceObject.objects.exclude(serial_number="").values_list("serial_number", flat=True))
    serials = rng.sample(serials, min(len(serials), per_kind * 3))
    districts = sorted({d.name for city in CITIES for d in city.districts})
    customers = sorted(Customer.objects.values_list("name", flat=True))
    words = [
        "Trieuse",
        "Sorter",
        "Kiosk",
        "Borne",
        "Feeder",
        "Cassette 2",
        "Routeur",
        "Switch",
        "Coin counter",
        "Imprimante",
        "Card reader",
        "Salle de comptage",
        "Lobby",
        "Module",
    ]

    def pick(values: list[str]) -> list[str]:
        shuffled = rng.sample(values, len(values))
        return [shuffled[i % len(shuffled)] for i in range(per_kind)]

    return {
        "serial exact": serials[:per_kind],
        "serial exact, lower case": [s.lower() for s in serials[per_kind : 2 * per_kind]],
        "serial prefix": [s[: rng.randint(4, 7)] for s in serials[:per_kind]],
        "partial serial": [s[len(s) // 2 - 2 : len(s) // 2 + 3] for s in serials[2 * per_kind :]],
        "object name word": pick(words),
        "site name": pick(districts),
        "customer name": pick([max(c.split(" "), key=len) for c in customers]),
        "miss": pick(["ZZQX-404", "nonexistent", "Atlantis branch", "QWERTY99", "Zürich"]),
        "two characters": pick([s[:2] for s in serials[:6]] + ["Zq", "xw"]),
    }


def percentiles(samples: list[float]) -> tuple[float, float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98], max(samples)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tournevis.core.actor import Actor
    from tournevis.customers.models import Customer
    from tournevis.demo import loader
    from tournevis.identity.models import User
    from tournevis.identity.services import actor_for
    from tournevis.installed_base.queries import search

    vendor = (
        f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}"
    )
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - t0
    load_s: float | None = None
    if not (args.reuse and Customer.objects.exists()):
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(f"load: {phase}", total=total)
                bar.update(tasks[phase], completed=done, total=total)

            report = loader.load(size=args.size, seed=args.seed, progress=progress)
        load_s = report.seconds
        counts = report.counts
        if connection.vendor == "postgresql":
            # Settle first: otherwise autovacuum, woken by 260,000 new rows, competes for the 2 cores.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    else:
        counts = {"objects": loader.ServiceObject.objects.count()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor = f"postgresql {cursor.fetchone()[0]}"

    staff = Actor(user_id=None, label="bench", role="agent")
    customer_user = User.objects.filter(username="demo-customer").first()
    mix = query_mix(args.seed, args.terms)
    kinds: list[tuple[str, Actor, list[str]]] = [(kind, staff, terms) for kind, terms in mix.items()]
    if customer_user is not None:
        scoped = [t for terms in mix.values() for t in terms[:3]]
        kinds.append(("customer user (all kinds)", actor_for(customer_user), scoped))

    results: dict[str, list[float]] = {}
    examples: dict[str, str] = {}
    hits: dict[str, float] = {}
    total = sum(len(terms) for _, _, terms in kinds) * args.rounds
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("searching", total=total)
        for kind, actor, terms in kinds:
            for term in terms:  # warm-up: first use of each statement and page cache
                search(actor, term)
            samples: list[float] = []
            found = 0
            for _ in range(args.rounds):
                for term in terms:
                    start = time.perf_counter()
                    res = search(actor, term)
                    samples.append((time.perf_counter() - start) * 1000)
                    found += bool(res.objects or res.sites or res.customers)
                bar.advance(task, len(terms))
            results[kind] = samples
            examples[kind] = ", ".join(repr(t) for t in terms[:3])
            hits[kind] = found / len(samples)

    table = Table(title=f"installed_base.queries.search — {counts['objects']:,} objects on {vendor.strip()}")
    for name in ("query kind", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "found", "examples"):
        table.add_column(name, justify="left" if name in ("query kind", "examples") else "right")
    every: list[float] = []
    for kind, samples in results.items():
        every.extend(samples)
        p50, p95, p99, top = percentiles(samples)
        table.add_row(
            kind,
            str(len(samples)),
            f"{p50:.2f}",
            f"{p95:.2f}",
            f"{p99:.2f}",
            f"{top:.2f}",
            f"{hits[kind]:.0%}",
            examples[kind],
        )
    p50, p95, p99, top = percentiles(every)
    table.add_row(
        "[bold]overall",
        str(len(every)),
        f"[bold]{p50:.2f}",
        f"[bold]{p95:.2f}",
        f"[bold]{p99:.2f}",
        f"[bold]{top:.2f}",
        "",
        "",
    )
    console.print(table)
    loaded = f"{load_s:.1f} s" if load_s is not None else "reused"
    console.print(
        f"migrate: {migrate_s:.1f} s   demo load ({args.size}, seed {args.seed}): {loaded}   "
        + "   ".join(f"{k}: {v:,}" for k, v in counts.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="large", choices=["small", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--terms", type=int, default=20, help="distinct terms per query kind (default 20)")
    parser.add_argument("--rounds", type=int, default=10, help="times each term is searched (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database (no reload)")
    args = parser.parse_args()
    cleanup = prepare_database(args)
    try:
        run(args)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
