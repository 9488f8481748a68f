"""tournevis stock import FILE.csv [--dry-run] [--no-progress]: import the parts catalogue.

The CSV format is in ``tournevis.stock.imports`` (and docs/contexts/stock.md; an example is
docs/examples/parts.csv). Every row is checked first; when any is refused nothing is written, every
refused line is listed (line, column, message) and the command exits with status 1 and one line on
stderr, e.g. ``parts.csv: 2 of 5 rows refused; nothing was imported.``. An unreadable file exits 1
the same way. A progress bar (rich) runs on stderr.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tournevis.core.actor import Actor
from tournevis.stock import imports


def read_rows(name: str) -> tuple[list[str], list[imports.NumberedRow]]:
    """The header and the numbered rows of a CSV file (comma or semicolon separated, UTF-8 with or
    without a byte-order mark); CommandError when it cannot be read."""
    try:
        text = Path(name).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{name}: not UTF-8 text.") from None
    except OSError as exc:
        raise CommandError(f"{name}: {exc.strerror or exc}.") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip() for column in reader.fieldnames or []]
        if not header:
            raise CommandError(f"{name}: the file is empty; the first line must name the columns.")
        reader.fieldnames = header
        rows = [imports.NumberedRow(row, reader.line_num) for row in reader]
    except csv.Error as exc:
        raise CommandError(f"{name}: line {reader.line_num}: {exc}.") from None
    return header, rows


class Command(BaseCommand):
    help = "Spare parts: import the parts catalogue from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Create or update parts from a CSV file (all or nothing).")
        load.add_argument("file", help="Path of the CSV file (docs/examples/parts.csv shows the columns).")
        load.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        load.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        self._import(
            options["file"],
            dry_run=options["dry_run"],
            show=not options["no_progress"] and options["verbosity"] > 0,
        )

    def _console(self) -> Console:
        stream: Any = self.stdout._out  # the wrapped stream (a StringIO under call_command)
        return Console(file=stream, highlight=False, soft_wrap=True, width=120)

    def _import(self, name: str, *, dry_run: bool, show: bool) -> None:
        header, rows = read_rows(name)
        refused = imports.check_columns(header)
        report = imports.ImportReport(rows=len(rows), refused=refused, dry_run=dry_run)
        if not refused:
            bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
                disable=not show,
            )
            tasks = [bar.add_task(f"{Path(name).name}: checking", total=len(rows))]
            done = [0]

            def progress(step: int) -> None:
                """Rows checked, then rows written (a second bar, once every row is checked)."""
                done[0] += step
                if done[0] > len(rows) and len(tasks) == 1:
                    tasks.append(bar.add_task(f"{Path(name).name}: importing", total=len(rows)))
                bar.advance(tasks[-1], step)

            with bar:
                report = imports.import_parts(Actor.system("cli"), rows, progress=progress, dry_run=dry_run)
        if report.refused:
            self._refusals(report)
            bad = len({item.line for item in report.refused if item.line > 1})
            what = f"{bad} of {report.rows} rows"
            if any(item.line == 1 for item in report.refused):
                what = f"the header (line 1) and {what}" if bad else "the header (line 1)"
            what += " refused"
            raise CommandError(f"{name}: {what}; nothing was imported.")
        verb = ("would create", "would update") if dry_run else ("created", "updated")
        self.stdout.write(
            f"{name}: {report.rows} rows: {len(report.created)} {verb[0]}, {len(report.updated)} {verb[1]}, "
            f"{len(report.unchanged)} unchanged" + (" (dry run: nothing was written)." if dry_run else ".")
        )

    def _refusals(self, report: imports.ImportReport) -> None:
        table = Table(title="Refused lines")
        for column in ("line", "column", "message"):
            table.add_column(column)
        for item in sorted(report.refused, key=lambda refused: refused.line):
            table.add_row(str(item.line), item.field, item.message)
        self._console().print(table)
