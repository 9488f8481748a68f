"""Pure rules of contracts: status machine, proration, billing periods, targets, calendars, reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournevis.contracts import domain
from tournevis.contracts.domain import TRANSITIONS, Status
from tournevis.core.errors import InvalidInput

prices = st.integers(min_value=0, max_value=10**12)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(st.sampled_from(list(Status)), st.sampled_from(list(Status)))
def test_a_status_change_is_allowed_exactly_when_the_table_says_so(current, new):
    allowed = new == current or new in TRANSITIONS[current]
    if allowed:
        assert domain.check_transition(current, new) == new.value
    else:
        with pytest.raises(InvalidInput) as refused:
            domain.check_transition(current, new)
        assert refused.value.field == "status"


def test_terminated_is_final_and_an_unknown_status_is_refused():
    assert TRANSITIONS[Status.TERMINATED] == frozenset()
    with pytest.raises(InvalidInput) as refused:
        domain.check_transition("active", "paused")
    assert (refused.value.field, refused.value.message) == (
        "status",
        "Must be one of draft, active, suspended, expired, terminated.",
    )


@given(prices, prices, days, st.integers(1, 400), st.integers(-50, 450))
def test_a_prorated_amount_lies_between_the_old_and_the_new_price(old, new, start, length, offset):
    end = start + timedelta(days=length)
    amount = domain.prorate(old, new, start, end, start + timedelta(days=offset))
    assert min(old, new) <= amount <= max(old, new)


@given(prices, prices, days, st.integers(1, 400))
def test_a_change_at_the_period_start_is_the_new_price_and_at_its_end_the_old(old, new, start, length):
    end = start + timedelta(days=length)
    assert domain.prorate(old, new, start, end, start) == new
    assert domain.prorate(old, new, start, end, end) == old


@given(prices, days, st.integers(1, 400), st.integers(0, 400))
def test_an_unchanged_price_is_not_prorated(price, start, length, offset):
    assert (
        domain.prorate(price, price, start, start + timedelta(days=length), start + timedelta(days=offset))
        == price
    )


def test_proration_counts_actual_days_and_rounds_half_up_once():
    # 31 days of January: 10 days at 31.00, 21 days at 62.00 → (10*3100 + 21*6200) / 31 = 5200
    assert domain.prorate(3100, 6200, date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 11)) == 5200
    # 1 of 2 days at 1, 1 at 2 → 1.5 → 2 (half up)
    assert domain.prorate(1, 2, date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 2)) == 2
    assert domain.round_half_up(-3, 2) == -2


def test_billing_periods_are_anchored_at_the_term_start_and_clamped_to_month_ends():
    assert domain.billing_period(date(2026, 1, 31), "monthly", date(2026, 3, 1)) == (
        date(2026, 2, 28),
        date(2026, 3, 31),
    )
    assert domain.billing_period(date(2026, 1, 15), "quarterly", date(2026, 7, 14)) == (
        date(2026, 4, 15),
        date(2026, 7, 15),
    )
    assert domain.billing_period(date(2026, 1, 1), "annual", date(2026, 12, 31)) == (
        date(2026, 1, 1),
        date(2027, 1, 1),
    )


@given(days, st.sampled_from(["monthly", "quarterly", "semi_annual", "annual"]), st.integers(0, 2000))
def test_the_billing_period_contains_its_day(start, cycle, offset):
    on = start + timedelta(days=offset)
    period_start, period_end = domain.billing_period(start, cycle, on)
    assert period_start <= on < period_end


def _targets(**override):
    rows = [
        {"priority": p, "first_response_minutes": 30, "on_site_minutes": 240, "resolution_minutes": 480}
        for p in ("P1", "P2", "P3", "P4")
    ]
    rows[0].update(override)
    return rows


def test_targets_get_the_default_update_cadence_per_priority():
    rows = domain.clean_targets(_targets())
    assert [r["update_every_minutes"] for r in rows] == [120, 480, 480, 2400]


@pytest.mark.parametrize("value", [0, -5, "4h", 1.5, None, True])
def test_a_target_must_be_a_positive_whole_number_of_minutes(value):
    with pytest.raises(InvalidInput) as refused:
        domain.clean_targets(_targets(on_site_minutes=value))
    assert refused.value.field == "targets.0.on_site_minutes"


def test_every_priority_needs_a_default_target():
    with pytest.raises(InvalidInput) as refused:
        domain.clean_targets(_targets()[:3])
    assert (refused.value.field, refused.value.params["missing"]) == ("targets", "P4")


def test_a_category_target_overrides_the_priority_default():
    rows = [
        *domain.clean_targets(_targets()),
        {**domain.clean_targets(_targets())[0], "category_id": 7, "on_site_minutes": 60},
    ]
    assert domain.pick_target(rows, "P1", 7)["on_site_minutes"] == 60
    assert domain.pick_target(rows, "P1", 8)["on_site_minutes"] == 240


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"country": "XX"}, "holidays.country"),
        ({"country": "FR", "subdivision": "ZZ"}, "holidays.subdivision"),
    ],
)
def test_unknown_holiday_regions_are_refused_naming_the_field(value, field):
    with pytest.raises(InvalidInput) as refused:
        domain.clean_calendar({"holidays": value})
    assert refused.value.field == field


def test_a_calendar_is_cleaned():
    cleaned = domain.clean_calendar(
        {
            "name": " Paris ",
            "timezone": "Europe/Paris",
            "slots": {"tue": [["13:30", "18:00"], ["08:00", "12:00"]]},
            "holidays": {"country": "ca", "subdivision": "qc"},
            "closures": [
                ["2026-08-03", "2026-08-21"],
                ["2026-05-04T12:00:00+02:00", "2026-05-04T18:00:00+02:00"],
            ],
            "yearly_closures": [["12-24", "01-01"]],
        }
    )
    assert cleaned == {
        "name": "Paris",
        "timezone": "Europe/Paris",
        "slots": {"tue": [["08:00", "12:00"], ["13:30", "18:00"]]},
        "holidays_country": "CA",
        "holidays_subdivision": "QC",
        "closures": [
            ["2026-05-04T12:00:00+02:00", "2026-05-04T18:00:00+02:00"],
            ["2026-08-03", "2026-08-21"],
        ],
        "yearly_closures": [["12-24", "01-01"]],
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"slots": {"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}}, "slots.mon"),
        ({"slots": {"mon": [["12:00", "08:00"]]}}, "slots.mon"),
        ({"closures": [["2026-08-21", "2026-08-03"]]}, "closures.0"),
        ({"closures": [["2026-08-03T10:00:00", "2026-08-03T12:00:00"]]}, "closures.0"),
        ({"yearly_closures": [["02-30", "03-01"]]}, "yearly_closures.0"),
    ],
)
def test_bad_calendar_values_are_refused_naming_the_field(data, field):
    with pytest.raises(InvalidInput) as refused:
        domain.clean_calendar(data)
    assert refused.value.field == field


def test_the_currency_is_an_iso_4217_code():
    assert domain.clean_currency("eur") == "EUR"
    with pytest.raises(InvalidInput) as refused:
        domain.clean_currency("EUX")
    assert refused.value.field == "currency"


def test_amendments_apply_in_date_order_up_to_the_day():
    base = domain.Terms(sla_policy_id=1, price_minor=100, site_ids=frozenset({1}))
    changes = [
        domain.Change(
            date(2026, 6, 1), 2, add={"site_ids": frozenset({3})}, remove={"site_ids": frozenset({1})}
        ),
        domain.Change(
            date(2026, 3, 1), 1, sla_policy_id=2, price_minor=150, add={"object_ids": frozenset({9})}
        ),
    ]
    assert domain.terms_at(base, changes, date(2026, 2, 28)) == base
    assert domain.terms_at(base, changes, date(2026, 3, 1)) == domain.Terms(
        2, 150, frozenset({1}), frozenset({9}), frozenset()
    )
    assert domain.terms_at(base, changes, date(2026, 12, 31)) == domain.Terms(
        2, 150, frozenset({3}), frozenset({9}), frozenset()
    )


def test_reminders_fall_due_once_each_and_late_ones_are_superseded():
    end = date(2026, 12, 31)
    assert domain.due_reminders(end, "tacit", 90, date(2026, 10, 1), []) == []
    assert domain.due_reminders(end, "tacit", 90, date(2026, 10, 2), []) == ["expiry_90"]
    assert domain.due_reminders(end, "tacit", 90, date(2026, 12, 25), ["expiry_90"]) == ["expiry_7"]
    assert domain.due_reminders(end, "tacit", 90, date(2026, 12, 25), ["expiry_7"]) == []
    # explicit renewal: one week before the notice deadline (Oct 2 - 7 days = Sep 25)
    assert domain.due_reminders(end, "explicit", 90, date(2026, 9, 25), []) == ["notice"]
    assert domain.due_reminders(end, "explicit", 90, date(2027, 1, 1), []) == []


def test_a_tacit_renewal_extends_by_whole_periods():
    assert domain.renewed_end(date(2026, 12, 31), 12, date(2027, 1, 1)) == date(2027, 12, 31)
    assert domain.renewed_end(date(2024, 1, 31), 1, date(2024, 3, 15)) == date(2024, 3, 31)
