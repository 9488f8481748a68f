"""Benchmark: the Solomon VRPTW set (56 instances) against the best-known solutions.

    .venv/bin/python bench/dispatch_solomon.py                        # all 56, at 2 s and 10 s, PyVRP
    .venv/bin/python bench/dispatch_solomon.py DIR --time-limits 2,10 --instances R101,C101
    .venv/bin/python bench/dispatch_solomon.py --solver vroom --time-limits 2
    .venv/bin/python bench/dispatch_solomon.py --json var/solomon.json  # also save the rows

DIR defaults to ``../shared/benchmarks/solomon`` relative to the repository root; it holds the
instance files (``C101.txt``...) and ``bks.csv`` (see its BKS_README.md). The gap is measured against
``distmin_distance``: the best-known total distance when the fleet of 25 is free to use (PyVRP
minimises distance with the fleet available, not vehicles first); distances are Euclidean in double
precision, not rounded. The vehicles used are printed next to ``hier_vehicles`` (the best-known
fleet size under the hierarchical objective) for reference. A negative gap beats the record.

It prints figures; it is not a test and asserts nothing. One instance runs at a time, one thread.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tournevis.dispatch.routing import solomon  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "directory", nargs="?", default=str(ROOT.parent / "shared" / "benchmarks" / "solomon")
    )
    parser.add_argument("--time-limits", default="2,10", help="Seconds per instance, comma-separated.")
    parser.add_argument("--instances", default="", help="Comma-separated names (default: every *.txt).")
    parser.add_argument("--solver", default="pyvrp", choices=["pyvrp", "vroom"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default="", help="Write the result rows to this file.")
    args = parser.parse_args(argv)

    directory = Path(args.directory)
    bks = {row["instance"]: row for row in csv.DictReader((directory / "bks.csv").open(encoding="utf-8"))}
    names = [n.strip().upper() for n in args.instances.split(",") if n.strip()] or sorted(
        path.stem for path in directory.glob("*.txt")
    )
    limits = [float(x) for x in args.time_limits.split(",")]
    console = Console(width=None if sys.stdout.isatty() else 110)
    rows: list[dict[str, object]] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("solving", total=len(names) * len(limits))
        for limit in limits:
            for name in names:
                progress.update(task, description=f"{name} @ {limit:g} s")
                result = solomon.solve_file(
                    directory / f"{name}.txt", time_limit=limit, seed=args.seed, solver=args.solver
                )
                best = bks[name]
                reference = float(best["distmin_distance"])
                result["time_limit"] = limit
                result["gap_pct"] = round(100.0 * (float(result["distance"]) - reference) / reference, 3)
                result["bks_distance"] = reference
                result["bks_vehicles"] = int(best["distmin_vehicles"])
                result["hier_vehicles"] = int(best["hier_vehicles"])
                rows.append(result)
                progress.advance(task)

    for limit in limits:
        table = Table(title=f"Solomon, {args.solver}, {limit:g} s per instance (gap to distmin_distance)")
        for column in (
            "instance",
            "distance",
            "BKS",
            "gap %",
            "vehicles",
            "BKS veh.",
            "hier veh.",
            "feasible",
        ):
            table.add_column(column, justify="right")
        subset = [row for row in rows if row["time_limit"] == limit]
        for row in subset:
            table.add_row(
                str(row["instance"]),
                f"{row['distance']:.2f}",
                f"{row['bks_distance']:.2f}",
                f"{row['gap_pct']:+.2f}",
                str(row["vehicles"]),
                str(row["bks_vehicles"]),
                str(row["hier_vehicles"]),
                "yes" if row["feasible"] else "NO",
            )
        console.print(table)
        gaps = [float(row["gap_pct"]) for row in subset]  # type: ignore[arg-type]
        families: dict[str, list[float]] = {}
        for row in subset:
            family = str(row["instance"]).rstrip("0123456789")
            families.setdefault(family, []).append(float(row["gap_pct"]))  # type: ignore[arg-type]
        console.print(
            f"[bold]{args.solver} @ {limit:g} s: mean gap {statistics.mean(gaps):+.3f} %"
            f" over {len(gaps)} instances"
            f" (max {max(gaps):+.2f} %), infeasible {sum(1 for r in subset if not r['feasible'])};"
            " by family: "
            + ", ".join(f"{k} {statistics.mean(v):+.2f} %" for k, v in sorted(families.items()))
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
