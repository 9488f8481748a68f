"""Solomon instances: parsing, double-precision distance and feasibility, C101 solved near its BKS."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tournevis.core.errors import InvalidInput
from tournevis.dispatch.routing import solomon

SOLOMON = Path(__file__).resolve().parents[4] / "shared" / "benchmarks" / "solomon"
needs_instances = pytest.mark.skipif(
    not (SOLOMON / "C101.txt").exists(), reason="the Solomon instances live in ../shared/benchmarks/solomon"
)

TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4          5          0         30         10
    2      6          8          5         20         60         10
"""


def test_parse_reads_fleet_capacity_depot_and_customers() -> None:
    instance = solomon.parse(TINY)
    assert (instance.name, instance.fleet, instance.capacity) == ("TINY", 2, 10)
    assert instance.depot == solomon.Customer(0, 0.0, 0.0, 0, 0.0, 100.0, 0.0)
    assert instance.customers[1] == solomon.Customer(2, 6.0, 8.0, 5, 20.0, 60.0, 10.0)


def test_distance_and_feasibility_in_double_precision() -> None:
    instance = solomon.parse(TINY)
    assert solomon.distance(instance, [[1, 2]]) == 20.0
    assert solomon.feasible(instance, [[1, 2]]) is True
    assert solomon.feasible(instance, [[2, 1]]) is False  # reaches customer 1 at 35, due 30
    assert solomon.feasible(instance, [[1]]) is False  # customer 2 missing
    assert solomon.feasible(instance, [[1], [2], []]) is False  # three routes, two vehicles


def test_the_tiny_instance_is_solved_optimally() -> None:
    result = solomon.solve(solomon.parse(TINY, name="tiny"), time_limit=0.2)
    assert {k: result[k] for k in ("instance", "vehicles", "distance", "feasible")} == {
        "instance": "tiny",
        "vehicles": 1,
        "distance": 20.0,
        "feasible": True,
    }


def test_a_file_that_is_not_solomon_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        solomon.parse("hello\nworld", name="x.txt")
    assert (caught.value.field, caught.value.message) == ("x.txt", "not a Solomon instance file")


SQUARE = """SQUARE

VEHICLE
NUMBER     CAPACITY
  3         100

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        1000         0
    1      0         10         10          0        1000        10
    2     10         10         10          0        1000        10
    3     10          0         10          0        1000        10
    4      5          5         10          0        1000        10
"""


def test_a_square_is_solved_to_its_optimum() -> None:
    # Given a depot at a corner of a 10 x 10 square, customers on the three other corners and the
    # centre, wide windows and one vehicle enough: the best tour is the perimeter with a detour
    # through the centre, 10 + 10 + 10 + 2 x sqrt(50) (one vehicle: more vehicles only add distance)
    result = solomon.solve(solomon.parse(SQUARE), time_limit=0.5)
    assert (result["instance"], result["vehicles"], result["feasible"]) == ("SQUARE", 1, True)
    assert result["distance"] == round(30 + 2 * 50**0.5, 2)


@needs_instances
def test_c101_within_one_percent_of_828_94_in_two_seconds() -> None:
    started = time.perf_counter()
    result = solomon.solve_file(SOLOMON / "C101.txt", time_limit=1.0)
    assert time.perf_counter() - started <= 2.0
    assert result["instance"] == "C101"
    assert result["feasible"] is True
    assert abs(result["distance"] - 828.94) / 828.94 <= 0.01
