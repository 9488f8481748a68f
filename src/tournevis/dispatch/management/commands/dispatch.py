"""tournevis dispatch solve|solomon: plan a JSON problem file, or solve a Solomon VRPTW instance.

    tournevis dispatch solve PROBLEM.json [--time-limit 10] [--solver pyvrp|vroom] [--seed 0]
    tournevis dispatch solomon FILE [--time-limit 10]

``solve`` prints the plan as JSON (routes with arrival/start/end per visit, unassigned visits with
their reason code and English text, totals); the problem format is in docs/dispatch.md. A bad file
exits non-zero with one line on stderr naming the JSON path at fault, e.g.
``PROBLEM.json: visits[3].duration: unknown field``. ``solomon`` prints
``{"instance", "vehicles", "distance", "feasible", "seconds"}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tournevis.core.errors import DomainError
from tournevis.dispatch.routing import port, schema, solomon


class Command(BaseCommand):
    help = "Route optimisation: solve a JSON dispatch problem, or a Solomon VRPTW instance."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        solve = sub.add_parser(
            "solve", help="Plan a JSON problem file (docs/dispatch.md) and print the plan."
        )
        solve.add_argument("problem", help="Path of the JSON problem file ('-' for standard input).")
        solve.add_argument("--time-limit", type=float, default=10.0, help="Seconds of search (default 10).")
        solve.add_argument("--solver", default=None, help="pyvrp or vroom (default: chosen per problem).")
        solve.add_argument("--seed", type=int, default=0)
        bench = sub.add_parser("solomon", help="Solve a Solomon VRPTW instance file with PyVRP.")
        bench.add_argument("file")
        bench.add_argument("--time-limit", type=float, default=10.0, help="Seconds of search (default 10).")
        bench.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit: must be a positive number of seconds")
        if options["action"] == "solve":
            self._solve(options["problem"], options["time_limit"], options["solver"], options["seed"])
        else:
            self._solomon(options["file"], options["time_limit"], options["seed"])

    def _solve(self, name: str, time_limit: float, solver: str | None, seed: int) -> None:
        try:
            text = self.stdin_text() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: {getattr(exc, 'strerror', None) or exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{name}: not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from exc
        try:
            problem = schema.parse_problem(data)
            plan = port.solve(problem, time_limit=time_limit, solver=solver, seed=seed)
        except DomainError as exc:
            where = f"{exc.field}: " if exc.field else ""
            raise CommandError(f"{name}: {where}{exc.text()}") from exc
        self.stdout.write(json.dumps(schema.plan_to_json(plan), indent=2, ensure_ascii=False))

    def _solomon(self, name: str, time_limit: float, seed: int) -> None:
        try:
            instance = solomon.read(name)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: {getattr(exc, 'strerror', None) or exc}") from exc
        except DomainError as exc:
            raise CommandError(f"{name}: {exc.text()}") from exc
        result = solomon.solve(instance, time_limit=time_limit, seed=seed)
        self.stdout.write(json.dumps(result))

    def stdin_text(self) -> str:
        import sys

        return sys.stdin.read()
