"""Reservations under concurrency: many dispatchers reserving the same units at once never reserve more
than there is. On PostgreSQL the stock-level rows are locked (``select_for_update``, ascending pk); on
SQLite one writer runs at a time (``transaction_mode`` IMMEDIATE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.conftest import SYSTEM
from tournevis.core.errors import Conflict
from tournevis.stock import reservations, services
from tournevis.stock.ledger import transit_location
from tournevis.stock.models import Location, Part, Reservation, StockLevel, Transfer
from tournevis.stock.reservations import Destination

ROOT = Path(__file__).resolve().parents[2]


def _depot(code: str) -> Location:
    return services.create_location(
        SYSTEM,
        {
            "code": code,
            "name": code,
            "kind": "depot",
            "region": "FR-IDF",
            "latitude": 48.85,
            "longitude": 2.35,
        },
    )


def _stock(units: int) -> tuple[Part, Location, Location]:
    part = services.create_part(SYSTEM, {"reference": "BELT", "name_en": "Belt", "name_fr": "Courroie"})
    source, other = _depot("PARIS"), _depot("ORLY")
    services.receive(SYSTEM, source.pk, part.pk, units, reference="PO-1")
    transit_location()  # made once beforehand, as in production after the first transfer
    return part, source, other


def _race(count: int, reserve: Any) -> tuple[list[Any], list[Conflict], list[BaseException]]:
    """``count`` threads call ``reserve()`` together; what each got."""
    start = threading.Barrier(count)
    won: list[Any] = []
    refused: list[Conflict] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            start.wait(30)
            made = reserve()
            with lock:
                won.append(made)
        except Conflict as exc:
            with lock:
                refused.append(exc)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return won, refused, errors


def _fifty_reserve_one_of_ten(destination_of: str) -> None:
    # Given 10 units at one depot
    part, source, other = _stock(10)
    destination = Destination(source.pk if destination_of == "in place" else other.pk)

    # When 50 dispatchers each reserve 1 unit at the same time
    won, refused, errors = _race(
        50,
        lambda: reservations.reserve(
            SYSTEM,
            demand_type="workorder",
            demand_id=1,
            demand_label="WO-1",
            part_id=part.pk,
            quantity=1,
            destination=destination,
        ),
    )

    # Then exactly 10 succeed, 40 get a clear refusal, and the level holds exactly the 10
    assert errors == []
    assert (len(won), len(refused)) == (10, 40)
    assert {e.field for e in refused} == {"quantity"}
    assert {e.message for e in refused} <= {
        "Only 0 of BELT are available (1 asked): nothing was reserved.",
    }
    level = StockLevel.objects.get(part=part, location=source)
    assert (level.on_hand, level.reserved) == (Decimal(10), Decimal(10))
    assert Reservation.objects.filter(status="active").count() == 10
    assert Transfer.objects.count() == (0 if destination_of == "in place" else 10)
    assert not StockLevel.objects.filter(on_hand__lt=0).exists()
    assert not StockLevel.objects.filter(reserved__lt=0).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("destination_of", ["in place", "by transfer"])
def test_fifty_concurrent_reservations_of_ten_units_on_postgresql(destination_of):
    assert connection.vendor == "postgresql"
    _fifty_reserve_one_of_ten(destination_of)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_reserving_the_last_unit_get_one_success_and_one_refusal():
    part, source, other = _stock(1)
    won, refused, errors = _race(
        2,
        lambda: reservations.reserve(
            SYSTEM,
            demand_type="workorder",
            demand_id=2,
            part_id=part.pk,
            quantity=1,
            destination=Destination(other.pk),
        ),
    )
    assert errors == []
    assert (len(won), len(refused)) == (1, 1)
    assert refused[0].message == "Only 0 of BELT are available (1 asked): nothing was reserved."
    assert refused[0].field == "quantity"
    level = StockLevel.objects.get(part=part, location=source)
    assert (level.on_hand, level.reserved) == (Decimal(1), Decimal(1))
    assert Transfer.objects.count() == 1


def test_fifty_concurrent_reservations_of_ten_units_on_sqlite(tmp_path):
    """The same race on a SQLite file with the project's settings (WAL, busy timeout, IMMEDIATE
    transactions), in a fresh process: the test database of this run is in memory, where threads
    cannot wait for each other's write lock."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        TOURNEVIS_DEV="1", TOURNEVIS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tournevis.settings"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.stock.sqlite_race"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "vendor": "sqlite",
        "won": 10,
        "refused": 40,
        "errors": [],
        "messages": ["Only 0 of BELT are available (1 asked): nothing was reserved."],
        "on_hand": "10",
        "reserved": "10",
        "active_reservations": 10,
        "transfers": 10,
        "negative": 0,
    }
