"""Pure stock rules: quantities (whole for a counted part, three decimals at most for a measured
one, positive) and the route between two regions (see also test_sourcing.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournevis.core.errors import InvalidInput
from tournevis.stock.domain import ShippingMode, Unit, quantity, signed_quantity
from tournevis.stock.sourcing import LaneRule, Route, route


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3, "unit", Decimal("3.000")),
        ("3", "unit", Decimal("3.000")),
        ("3.000", "unit", Decimal("3.000")),
        (" 2.5 ", "m", Decimal("2.500")),
        ("0.001", "kg", Decimal("0.001")),
        (1.25, "l", Decimal("1.250")),
    ],
)
def test_good_quantities(value: object, unit: str, expected: Decimal) -> None:
    assert quantity(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("1.5", "unit", "This part is counted in whole units: 1.5 is not a whole number."),
        (-2, "unit", "A quantity must be more than zero."),
        ("-0.5", "m", "A quantity must be more than zero."),
        (0, "unit", "A quantity must be more than zero."),
        ("0.0001", "m", "A quantity has at most three decimals."),
        ("abc", "unit", "A quantity is a number."),
        (None, "unit", "A quantity is a number."),
        (True, "unit", "A quantity is a number."),
        ("NaN", "m", "A quantity is a number."),
        ("Infinity", "m", "A quantity is a number."),
        ("1000000000", "unit", "This quantity is too large."),
    ],
)
def test_bad_quantities(value: object, unit: str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        quantity(value, unit, "counted")
    assert (raised.value.field, raised.value.message) == ("counted", message)


def test_zero_only_when_allowed_and_signed_corrections() -> None:
    assert quantity("0", "unit", allow_zero=True) == Decimal(0)
    assert signed_quantity("-2", "unit") == Decimal(-2)
    assert signed_quantity("1.5", "m") == Decimal("1.5")


@given(st.integers(min_value=1, max_value=999_999_999))
def test_every_whole_number_is_a_counted_quantity(n: int) -> None:
    assert quantity(n, Unit.UNIT) == Decimal(n)


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3))
def test_a_fraction_of_a_counted_part_is_refused_unless_whole(value: Decimal) -> None:
    if value == value.to_integral_value():
        assert quantity(value, Unit.UNIT) == value
    else:
        with pytest.raises(InvalidInput):
            quantity(value, Unit.UNIT)
    assert quantity(value, Unit.METRE) == value


LANES = [
    LaneRule("FR-IDF", "FR-ARA", ShippingMode.GROUND, 48),
    LaneRule("FR-IDF", "FR-ARA", ShippingMode.EXPRESS_AIR, 18),
]


@pytest.mark.parametrize(
    ("origin", "destination", "shipping_class", "expected"),
    [
        ("FR-IDF", "FR-ARA", "standard", Route(ShippingMode.EXPRESS_AIR, 18)),
        ("FR-IDF", "FR-ARA", "hazardous", Route(ShippingMode.GROUND, 48)),
        ("FR-IDF", "FR-IDF", "standard", Route(ShippingMode.GROUND, 24)),
        ("FR-ARA", "FR-IDF", "standard", None),
    ],
)
def test_routes(origin: str, destination: str, shipping_class: str, expected: Route | None) -> None:
    assert (
        route(LANES, origin, destination, shipping_class=shipping_class, default_ground_hours=24) == expected
    )
