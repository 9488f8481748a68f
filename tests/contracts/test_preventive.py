"""Preventive plans: the pure scheduling rules (with hypothesis) and validation naming the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SYSTEM
from tournevis.contracts import preventive, services, services_preventive
from tournevis.contracts.models import PreventivePlan
from tournevis.contracts.preventive import Occurrence, Reading
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent


def test_monthly_occurrences_clamp_to_the_month_end_and_keep_the_anchor():
    days = [
        o.due
        for o in preventive.calendar_occurrences(
            date(2026, 1, 31), "months", 1, date(2026, 1, 1), date(2026, 5, 31)
        )
    ]
    assert days == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    leap = preventive.calendar_occurrences(date(2028, 1, 31), "months", 1, date(2028, 2, 1), date(2028, 3, 1))
    assert [o.due for o in leap] == [date(2028, 2, 29)]


def test_weekly_and_daily_occurrences_start_at_the_plan_start():
    weekly = preventive.calendar_occurrences(
        date(2026, 1, 5), "weeks", 2, date(2026, 1, 20), date(2026, 2, 28)
    )
    assert [o.key for o in weekly] == ["2026-02-02", "2026-02-16"]
    daily = preventive.calendar_occurrences(date(2026, 1, 1), "days", 10, date(2025, 1, 1), date(2026, 1, 21))
    assert [o.due for o in daily] == [date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 21)]


@settings(deadline=None)
@given(
    start=st.dates(date(2000, 1, 1), date(2060, 12, 31)),
    unit=st.sampled_from(["days", "weeks", "months"]),
    every=st.integers(1, 40),
    offset=st.integers(-400, 2000),
    span=st.integers(0, 800),
)
def test_calendar_occurrences_increase_stay_in_the_horizon_and_are_stable(start, unit, every, offset, span):
    since = start + timedelta(days=offset)
    until = since + timedelta(days=span)
    first = list(preventive.calendar_occurrences(start, unit, every, since, until))
    days = [o.due for o in first]
    assert days == sorted(set(days))
    assert all(max(since, start) <= d <= until for d in days)
    assert first == list(preventive.calendar_occurrences(start, unit, every, since, until))
    # Every occurrence is one of the plan's, k steps from its start, and none in the range is missed.
    every_one = [
        preventive.occurrence_date(start, unit, every, k)
        for k in range((max(offset, 0) + span) // every + 130)
    ]
    assert days == [d for d in every_one if since <= d <= until]


def test_a_counter_plan_is_due_when_its_threshold_is_estimated_or_reached():
    readings = [Reading(date(2026, 1, 5), 10_000), Reading(date(2026, 2, 4), 14_500)]
    # 150 units a day; 500 to go: 3.3 days, rounded up → Feb 8.
    assert preventive.counter_occurrences(readings, 5_000, date(2026, 3, 6)) == [
        Occurrence("counter:15000", date(2026, 2, 8))
    ]
    assert preventive.counter_occurrences(readings, 5_000, date(2026, 2, 7)) == []
    assert preventive.counter_occurrences(readings[:1], 5_000, date(2027, 1, 1)) == []
    crossed = [*readings, Reading(date(2026, 2, 6), 21_000)]
    assert preventive.counter_occurrences(crossed, 5_000, date(2026, 2, 10)) == [
        Occurrence("counter:20000", date(2026, 2, 6)),  # 15,000 and 20,000 jumped: one visit
        Occurrence("counter:25000", date(2026, 2, 8)),  # 3,250 a day; 4,000 to go → 2 days
    ]


@settings(deadline=None)
@given(
    values=st.lists(st.integers(0, 10**6), min_size=1, max_size=12),
    every=st.integers(1, 50_000),
)
def test_counter_occurrences_are_increasing_thresholds_and_stable(values, every):
    readings = [Reading(date(2026, 1, 1) + timedelta(days=i * 3), v) for i, v in enumerate(sorted(values))]
    found = preventive.counter_occurrences(readings, every, date(2030, 1, 1))
    thresholds = [int(o.key.split(":")[1]) for o in found]
    assert thresholds == sorted(set(thresholds))
    assert all(t % every == 0 and t > readings[0].value for t in thresholds)
    assert [o.due for o in found] == sorted(o.due for o in found)
    assert found == preventive.counter_occurrences(list(reversed(readings)), every, date(2030, 1, 1))


# --- Services -------------------------------------------------------------------------------------


def _contract(world, **extra):
    data = {
        "type": "warranty",
        "status": "active",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "currency": "EUR",
        "coverage": {"site_ids": [world.a.site.pk]},
        **extra,
    }
    return services.create_contract(SYSTEM, world.a.customer.pk, data)


def _plan_data(**extra):
    return {"name": "Yearly service", "unit": "months", "every": 1, "start_date": date(2026, 1, 31), **extra}


def test_a_plan_is_created_updated_and_deleted_with_audit(world):
    contract = _contract(world)
    plan = services_preventive.create_plan(
        SYSTEM, contract.pk, _plan_data(service_object_id=world.a.machine.pk, tolerance_after_days=7)
    )
    assert (plan.unit, plan.every, plan.service_object_id, plan.tolerance_after_days) == (
        "months",
        1,
        world.a.machine.pk,
        7,
    )
    plan = services_preventive.update_plan(SYSTEM, contract.pk, plan.pk, {"every": 3}, expected_version=1)
    assert (plan.every, plan.version) == (3, 2)
    services_preventive.delete_plan(SYSTEM, contract.pk, plan.pk, expected_version=2)
    assert PreventivePlan.objects.count() == 0
    assert list(
        AuditEvent.objects.filter(action__startswith="preventive_plan.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["preventive_plan.create", "preventive_plan.update", "preventive_plan.delete"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"every": 0}, "every"),
        ({"every": -3}, "every"),
        ({"unit": "years"}, "unit"),
        ({"service_object_id": None}, "service_object_id"),
        ({"category_id": "category"}, "service_object_id"),
        ({"service_object_id": "b_machine"}, "service_object_id"),
        ({"unit": "counter", "every": 5000}, "counter_key"),
        ({"unit": "counter", "every": 5000, "counter_key": "Bad Key"}, "counter_key"),
        ({"counter_key": "cycles"}, "counter_key"),
        ({"tolerance_before_days": -1}, "tolerance_before_days"),
        ({"name": ""}, "name"),
        ({"start_date": "soon"}, "start_date"),
    ],
)
def test_bad_plans_name_the_field_and_write_nothing(world, extra, field):
    contract = _contract(world)
    before = AuditEvent.objects.count()
    data = _plan_data(service_object_id=world.a.machine.pk)
    resolved = {
        k: {"b_machine": world.b.machine.pk, "category": world.category.pk}.get(v, v)
        if isinstance(v, str)
        else v
        for k, v in extra.items()
    }
    data.update(resolved)
    if data.get("service_object_id") is None:
        data.pop("service_object_id")
    with pytest.raises(InvalidInput) as raised:
        services_preventive.create_plan(SYSTEM, contract.pk, data)
    assert raised.value.field == field
    assert PreventivePlan.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_an_update_keeps_the_cross_field_rules(world):
    contract = _contract(world)
    plan = services_preventive.create_plan(SYSTEM, contract.pk, _plan_data(category_id=world.category.pk))
    with pytest.raises(InvalidInput) as raised:
        services_preventive.update_plan(
            SYSTEM, contract.pk, plan.pk, {"service_object_id": world.a.machine.pk}
        )
    assert raised.value.field == "service_object_id"
    plan.refresh_from_db()
    assert (plan.version, plan.service_object_id) == (1, None)
