"""Pure rules for customers and sites."""

from __future__ import annotations

import pytest

from tournevis.core.errors import InvalidInput
from tournevis.customers import domain


def test_access_hours_are_sorted_per_weekday_in_week_order():
    hours = {"tue": [["13:30", "18:00"], ["08:00", "12:00"]], "mon": [["08:00", "17:00"]], "sun": []}
    assert domain.clean_access_hours(hours) == {
        "mon": [["08:00", "17:00"]],
        "tue": [["08:00", "12:00"], ["13:30", "18:00"]],
    }


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"lun": [["08:00", "12:00"]]}, "access_hours.lun"),
        ({"mon": [["12:00", "08:00"]]}, "access_hours.mon"),
        ({"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}, "access_hours.mon"),
        ({"mon": [["8h", "12h"]]}, "access_hours.mon"),
        ({"mon": "08:00-12:00"}, "access_hours.mon"),
        (["mon"], "access_hours"),
    ],
)
def test_bad_access_hours_name_the_weekday(hours, field):
    with pytest.raises(InvalidInput) as error:
        domain.clean_access_hours(hours)
    assert error.value.field == field


def test_vat_numbers_are_compacted():
    assert domain.clean_vat_number("fr 40 303 265 045") == "FR40303265045"
    with pytest.raises(InvalidInput):
        domain.clean_vat_number("FR-4")


def test_a_site_region_must_belong_to_its_country():
    assert domain.clean_site({"country": "CA", "region": "QC"}) == {"country": "CA", "region": "QC"}
    with pytest.raises(InvalidInput) as error:
        domain.clean_site({"country": "FR", "region": "ON"})
    assert error.value.field == "region"


def test_coordinates_are_bounded():
    assert domain.clean_site({"latitude": 45.50884, "longitude": -73.58781}) == {
        "latitude": 45.50884,
        "longitude": -73.58781,
    }
    with pytest.raises(InvalidInput) as error:
        domain.clean_site({"latitude": 91})
    assert error.value.field == "latitude"
