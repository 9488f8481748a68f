"""Importing the parts catalogue: the service (``imports.import_parts``) and the command
(``tournevis stock import``), with the example file docs/examples/parts.csv. A file with any bad row
writes nothing and lists every refused line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom, stock_state
from tournevis.installed_base import services as ib_services
from tournevis.stock import imports
from tournevis.stock.imports import Refused
from tournevis.stock.models import Part

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "parts.csv"
HEADER = ",".join(imports.COLUMNS) + "\n"


@pytest.fixture
def models(world: World) -> dict[str, int]:
    """The demo's Glory models the example file names."""
    return {
        name: ib_services.create_equipment_model(
            SYSTEM, manufacturer="Glory", name=name, category_id=world.category.pk
        ).pk
        for name in ("GFS-120", "RBG-100")
    }


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("stock", "import", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "parts.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_the_example_file_imports(models: dict[str, int]) -> None:
    assert run(EXAMPLE) == f"{EXAMPLE}: 4 rows: 4 created, 0 updated, 0 unchanged.\n"
    rows = {
        part.reference: (
            part.unit,
            part.serialised,
            part.unit_cost_minor,
            part.unit_price_minor,
            part.shipping_class,
        )
        for part in Part.objects.all()
    }
    assert rows == {
        "GL-BELT-120": ("unit", False, 1250, 2500, "standard"),
        "GL-BOARD-120": ("unit", True, 40000, 65000, "fragile"),
        "PWR-CABLE": ("m", False, 120, 350, "standard"),
        "UPS-BATT-12V": ("unit", False, 3500, 6990, "hazardous"),
    }
    battery = Part.objects.get(reference="UPS-BATT-12V")
    assert sorted(battery.fits.values_list("pk", flat=True)) == sorted(models.values())
    assert (battery.name_fr, battery.manufacturer_reference, battery.currency) == (
        "Batterie d'onduleur 12 V",
        "YU-12V7",
        "EUR",
    )
    # Again: nothing changes
    assert run(EXAMPLE) == f"{EXAMPLE}: 4 rows: 0 created, 0 updated, 4 unchanged.\n"


def test_dry_run_writes_nothing(models: dict[str, int]) -> None:
    before = stock_state()
    assert run(EXAMPLE, "--dry-run") == (
        f"{EXAMPLE}: 4 rows: 4 would create, 0 would update, 0 unchanged (dry run: nothing was written).\n"
    )
    assert stock_state() == before


def test_an_existing_reference_is_updated(stockroom: Stockroom, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "BELT,Feed belt v2,Courroie v2,GL-100-BLT,unit,no,13.00,26.00,EUR,standard,\n"
        "NEW-1,New,Neuve,,,,,,,,\n",
    )
    assert run(path) == f"{path}: 2 rows: 1 created, 1 updated, 0 unchanged.\n"
    belt = Part.objects.get(reference="BELT")
    assert (belt.name_en, belt.unit_cost_minor, belt.version, list(belt.fits.all())) == (
        "Feed belt v2",
        1300,
        2,
        [],
    )
    new = Part.objects.get(reference="NEW-1")
    assert (new.unit, new.serialised, new.unit_cost_minor, new.currency, new.shipping_class) == (
        "unit",
        False,
        0,
        "EUR",
        "standard",
    )


BAD_ROWS = (
    "GOOD-1,Good,Bonne,,,,,,,,\n"
    ",No reference,Sans référence,,,,,,,,\n"
    "BAD-UNIT,Bad,Mauvaise,,box,,,,,,\n"
    "BAD-SERIAL,Bad,Mauvaise,,m,yes,,,,,\n"
    "BAD-COST,Bad,Mauvaise,,,,12.505,,,,\n"
    "BAD-FITS,Bad,Mauvaise,,,,,,,,Glory:NOPE\n"
    "GOOD-1,Twice,Deux fois,,,,,,,,\n"
    "BAD-CURRENCY,Bad,Mauvaise,,,,1,,EURO,,\n"
    "BAD-FLAG,Bad,Mauvaise,,,maybe,,,,,\n"
    "BAD-WIDTH,Bad,Mauvaise,,,,,,,,,extra\n"
)


def test_the_service_lists_every_refused_row_and_writes_nothing(stockroom: Stockroom) -> None:
    import csv

    reader = csv.DictReader(StringIO(HEADER + BAD_ROWS))
    rows = [imports.NumberedRow(row, reader.line_num) for row in reader]
    steps: list[int] = []
    before = stock_state()
    report = imports.import_parts(SYSTEM, rows, progress=steps.append)
    assert stock_state() == before
    assert report.refused == [
        Refused(3, "reference", "This field is required."),
        Refused(4, "unit", "Must be one of unit, m, l, kg."),
        Refused(5, "serialised", "Only a part counted in units can have serial numbers."),
        Refused(6, "unit_cost", "EUR amounts have at most 2 decimals."),
        Refused(7, "fits", "No equipment model “Glory:NOPE” (write Manufacturer:Model, separated by |)."),
        Refused(8, "reference", "Reference GOOD-1 is already on line 2."),
        Refused(9, "currency", "“EURO” is not an ISO 4217 currency code (e.g. EUR, CAD)."),
        Refused(10, "serialised", "Write yes or no."),
        Refused(11, "", "This line has more values than the header."),
    ]
    assert (report.rows, report.written, steps) == (10, False, [1] * 10)


def test_the_command_prints_the_refused_lines_and_exits_1(stockroom: Stockroom, tmp_path: Path) -> None:
    path = write(
        tmp_path, "GOOD-1,Good,Bonne,,,,,,,,\nBAD-UNIT,Bad,Mauvaise,,box,,,,,,\nBELT,Belt,Courroie,,m,,,,,,\n"
    )
    out = StringIO()
    before = stock_state()
    with pytest.raises(CommandError) as raised:
        call_command("stock", "import", str(path), "--no-progress", stdout=out)
    assert str(raised.value) == f"{path}: 2 of 3 rows refused; nothing was imported."
    assert stock_state() == before
    printed = out.getvalue()
    assert "│ 3    │ unit   │ Must be one of unit, m, l, kg." in printed
    assert "│ 4    │ unit   │ BELT has had stock: its unit cannot change." in printed
    assert "GOOD-1" not in printed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file or directory."),
        (b"\xff\xfe\x00bad", "not UTF-8 text."),
        (b"", "the file is empty; the first line must name the columns."),
        (b"reference,name_en,colour\nX,Y,red\n", "the header (line 1) refused; nothing was imported."),
    ],
)
def test_unreadable_files_exit_1_with_one_line(
    db: Any, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "parts.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        run(path)
    assert str(raised.value) == f"{path}: {message}"
    assert Part.objects.count() == 0


def test_a_semicolon_separated_file_with_a_byte_order_mark(world: World, tmp_path: Path) -> None:
    path = tmp_path / "parts.csv"
    path.write_text(
        "\ufeffreference;name_en;name_fr;unit_price\nFAN-80;Fan;Ventilateur;9,90\nFAN-90;Fan;Ventilateur;9.90\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        run(path)
    assert str(raised.value) == f"{path}: 1 of 2 rows refused; nothing was imported."
    path.write_text(
        "\ufeffreference;name_en;name_fr;unit_price\nFAN-90;Fan;Ventilateur;9.90\n", encoding="utf-8"
    )
    assert run(path) == f"{path}: 1 rows: 1 created, 0 updated, 0 unchanged.\n"
    assert Part.objects.get(reference="FAN-90").unit_price_minor == 990


def test_the_command_exits_with_status_1(tmp_path: Path) -> None:
    """Through the real ``tournevis`` entry point: exit status and the one line on stderr."""
    import subprocess
    import sys

    path = tmp_path / "parts.csv"
    path.write_text("reference,name_en\nX,Y\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tournevis.cli", "stock", "import", str(path), "--no-progress"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "TOURNEVIS_DEV": "1"},
        check=False,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip().splitlines()[-1]
        == f"CommandError: {path}: the header (line 1) refused; nothing was imported."
    )
