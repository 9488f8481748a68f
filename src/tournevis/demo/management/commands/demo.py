"""tournevis demo load [--size small|large] [--seed N] [--if-empty] | tournevis demo logins

``load`` fills an empty database with a deterministic demo network (see ``tournevis.demo.loader``);
``--if-empty`` makes it a no-op when customers already exist, so ``make demo`` can run it every time.
``logins`` prints the demo users with their password; development only (TOURNEVIS_DEV=1).
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tournevis.core.errors import DomainError
from tournevis.demo import loader
from tournevis.demo.logins import logins
from tournevis.demo.plan import SIZES

PHASES = {
    "plan": "Drawing the network",
    "customers": "Customers, sites, contacts",
    "objects": "Service objects",
    "service_desk": "Service desk: contracts, agents, tickets",
}


class Command(BaseCommand):
    help = "Load the demo network, or show the demo logins (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load a deterministic demo network into an empty database.")
        load.add_argument(
            "--size",
            choices=list(SIZES),
            default="small",
            help="small: 20 customers, 100 sites, 2,000 objects; large: 100,000 objects.",
        )
        load.add_argument("--seed", type=int, default=1, help="Same seed, same network (default 1).")
        load.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has customers.",
        )
        load.add_argument("--no-progress", action="store_true", help="No progress bar.")
        sub.add_parser("logins", help="Show the demo users and their password (TOURNEVIS_DEV=1 only).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "logins":
            self._logins()
        else:
            self._load(options)

    def _console(self) -> Console:
        stream: Any = self.stdout._out  # the wrapped stream (a StringIO under call_command)
        return Console(file=stream, highlight=False, soft_wrap=True)

    def _load(self, options: dict[str, Any]) -> None:
        if options["if_empty"] and loader.has_customers():
            self.stdout.write("demo: the database already has customers; nothing loaded (--if-empty).")
            return
        show = not options["no_progress"] and options["verbosity"] > 0
        console = Console(file=sys.stderr)
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not show,
            transient=False,
        )
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(PHASES.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            with bar:
                report = loader.load(
                    size=options["size"], seed=options["seed"], progress=progress, service_desk=True
                )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        counts = ", ".join(f"{v:,} {k}" for k, v in report.counts.items())
        self.stdout.write(
            f"demo: loaded the {report.size} network (seed {report.seed}) "
            f"in {report.seconds:.1f} s: {counts}."
        )
        if settings.DEV:
            self.stdout.write("demo: `tournevis demo logins` shows the demo users and their password.")
        else:
            self.stdout.write(
                "demo: demo users have no password outside development; "
                "set one with `tournevis changepassword <username>`."
            )

    def _logins(self) -> None:
        if not settings.DEV:
            raise CommandError("demo logins are shown only in development (TOURNEVIS_DEV=1).")
        rows = logins()
        if not rows:
            raise CommandError("no demo users: run `tournevis demo load` first.")
        table = Table(title="Demo logins")
        for column in ("username", "role", "password", "customer"):
            table.add_column(column)
        for row in rows:
            table.add_row(row.username, row.role, row.password, row.customer)
        self._console().print(table)
        if any(row.role == "technician" for row in rows):
            self.stdout.write(
                "technicians: the technician app (works offline, installable) is at /m/ "
                "(e.g. http://127.0.0.1:8000/m/): sign in there as demo-technician, "
                "on a phone or a narrow window."
            )
