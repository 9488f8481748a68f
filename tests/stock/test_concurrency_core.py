"""Quantity changes and transfer numbers under concurrency (PostgreSQL: stock levels locked in
ascending pk order, the numbering serialised on the in-transit location row)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from tests.conftest import SYSTEM
from tournevis.core.errors import Conflict
from tournevis.stock import services
from tournevis.stock.models import Location, Movement, Part, StockLevel, Transfer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _given(units: int) -> tuple[Part, Location, Location]:
    part = services.create_part(SYSTEM, {"reference": "BELT", "name_en": "Belt", "name_fr": "Courroie"})
    paris = services.create_location(
        SYSTEM, {"code": "PARIS", "name": "Paris", "kind": "depot", "region": "FR-IDF"}
    )
    orly = services.create_location(
        SYSTEM, {"code": "ORLY", "name": "Orly", "kind": "depot", "region": "FR-IDF"}
    )
    services.receive(SYSTEM, paris.pk, part.pk, units)
    services.transit_location()
    return part, paris, orly


def _race(count: int, call: Callable[[int], Any]) -> tuple[int, list[Conflict], list[BaseException]]:
    start = threading.Barrier(count)
    lock = threading.Lock()
    won: list[Any] = []
    refused: list[Conflict] = []
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait(30)
            made = call(index)
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

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return len(won), refused, errors


def test_twenty_consumptions_of_one_from_five_units() -> None:
    assert connection.vendor == "postgresql"
    part, paris, _ = _given(5)
    won, refused, errors = _race(
        20, lambda i: services.consume(SYSTEM, paris.pk, part.pk, 1, reference=f"WO-{i}")
    )
    assert (errors, won, len(refused)) == ([], 5, 15)
    assert {exc.message for exc in refused} == {"Only 0 of BELT available at PARIS."}
    level = StockLevel.objects.get(location=paris, part=part)
    assert (level.on_hand, level.reserved) == (Decimal(0), Decimal(0))
    assert Movement.objects.filter(kind="consumption").count() == 5


def test_concurrent_transfers_hold_no_more_than_there_is_and_number_without_gaps() -> None:
    part, paris, orly = _given(12)
    won, refused, errors = _race(
        8,
        lambda i: services.create_transfer(
            SYSTEM, part_id=part.pk, quantity=2, source_id=paris.pk, destination_id=orly.pk
        ),
    )
    assert (errors, won, len(refused)) == ([], 6, 2)
    level = StockLevel.objects.get(location=paris, part=part)
    assert (level.on_hand, level.reserved) == (Decimal(12), Decimal(12))
    numbers = sorted(Transfer.objects.values_list("number", flat=True))
    year = numbers[0][3:7]
    assert numbers == [f"TR-{year}-{n:05d}" for n in range(1, 7)]
