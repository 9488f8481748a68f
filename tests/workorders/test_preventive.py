"""Preventive work orders generated from plans: dates, categories, counters, idempotence, catch-up."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext as _

from tests.conftest import SYSTEM
from tournevis.contracts import services, services_preventive
from tournevis.core import clock
from tournevis.core.errors import Conflict
from tournevis.core.models import AuditEvent
from tournevis.customers import services as customer_services
from tournevis.identity.domain import Role
from tournevis.installed_base import services as ib_services
from tournevis.installed_base.models import ServiceObject
from tournevis.notifications.models import OutboundEmail
from tournevis.workorders import domain, preventive, tasks
from tournevis.workorders.models import WorkOrder


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


def _plan(contract, **extra):
    data = {"name": "Service", "unit": "months", "every": 1, "start_date": date(2026, 1, 31), **extra}
    return services_preventive.create_plan(SYSTEM, contract.pk, data)


def _at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _rows():
    return list(
        WorkOrder.objects.order_by("service_object_id", "due_date").values_list(
            "service_object_id", "due_date", "window_start", "window_end", "occurrence_key"
        )
    )


def test_a_monthly_plan_follows_month_ends_over_a_90_day_horizon(world):
    contract = _contract(world)
    plan = _plan(
        contract, service_object_id=world.a.machine.pk, tolerance_before_days=3, tolerance_after_days=7
    )

    assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=90) == 3

    m = world.a.machine.pk
    assert _rows() == [
        (m, date(2026, 1, 31), date(2026, 1, 28), date(2026, 2, 7), "2026-01-31"),
        (m, date(2026, 2, 28), date(2026, 2, 25), date(2026, 3, 7), "2026-02-28"),
        (m, date(2026, 3, 31), date(2026, 3, 28), date(2026, 4, 7), "2026-03-31"),
    ]
    order = WorkOrder.objects.order_by("due_date").first()
    assert (order.number, order.kind, order.status, order.customer_id, order.site_id, order.contract_id) == (
        "WO-2026-000001",
        "preventive",
        "ready",
        world.a.customer.pk,
        world.a.site.pk,
        contract.pk,
    )
    assert order.source_plan_id == plan.pk
    assert AuditEvent.objects.filter(action="workorder.generate").count() == 3


def test_a_category_plan_covers_every_covered_object_of_the_category(world):
    second = ib_services.create_object(
        SYSTEM,
        {"site_id": world.a.site.pk, "name": "Counter 2", "equipment_model_id": world.model.pk},
    )
    contract = _contract(world)
    _plan(contract, category_id=world.category.pk, start_date=date(2026, 2, 1))

    assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=30) == 2

    # Objects of the category at the other customer's site, or without the category, are not covered.
    assert _rows() == [
        (world.a.machine.pk, date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 1), "2026-02-01"),
        (second.pk, date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 1), "2026-02-01"),
    ]


def test_a_counter_plan_is_due_when_the_next_multiple_is_estimated_or_reached(world):
    contract = _contract(world)
    _plan(
        contract,
        service_object_id=world.a.machine.pk,
        unit="counter",
        every=5000,
        counter_key="cycles",
        start_date=date(2026, 1, 1),
    )
    machine = world.a.machine.pk

    def reading(value, day):
        ib_services.set_attribute(SYSTEM, machine, key="cycles", value=value, valid_from=_at(day, 8))

    reading(10_000, date(2026, 1, 5))
    assert preventive.generate_preventive(_at(date(2026, 1, 5), 12), horizon_days=30) == 0  # no rate yet

    reading(14_500, date(2026, 2, 4))  # 150 a day: 15,000 estimated on Feb 8
    assert preventive.generate_preventive(_at(date(2026, 2, 4), 12), horizon_days=30) == 1
    assert _rows() == [(machine, date(2026, 2, 8), date(2026, 2, 8), date(2026, 2, 8), "counter:15000")]

    reading(15_200, date(2026, 2, 6))  # 15,000 reached: already generated; 20,000 at 350 a day → Feb 20
    assert preventive.generate_preventive(_at(date(2026, 2, 6), 12), horizon_days=30) == 1
    assert [r[1:] for r in _rows()] == [
        (date(2026, 2, 8), date(2026, 2, 8), date(2026, 2, 8), "counter:15000"),
        (date(2026, 2, 20), date(2026, 2, 20), date(2026, 2, 20), "counter:20000"),
    ]


def test_a_counter_plan_without_estimate_is_due_when_a_reading_crosses(world):
    contract = _contract(world)
    _plan(
        contract,
        service_object_id=world.a.machine.pk,
        unit="counter",
        every=5000,
        counter_key="cycles",
        start_date=date(2026, 1, 1),
    )
    for value, day in ((10_000, date(2026, 1, 5)), (14_500, date(2026, 2, 4)), (15_100, date(2026, 6, 1))):
        ib_services.set_attribute(
            SYSTEM, world.a.machine.pk, key="cycles", value=value, valid_from=_at(day, 8)
        )

    assert preventive.generate_preventive(_at(date(2026, 6, 1), 12), horizon_days=5) == 1
    assert [r[1:] for r in _rows()] == [
        (date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 1), "counter:15000")
    ]


def test_the_tick_twice_creates_nothing_twice(world, settings):
    settings.PREVENTIVE_HORIZON_DAYS = 90
    _plan(_contract(world), service_object_id=world.a.machine.pk)
    first, second = io.StringIO(), io.StringIO()
    with clock.frozen(_at(date(2026, 1, 20))):
        call_command("worker", "--once", stdout=first)
        call_command("worker", "--once", stdout=second)
    assert "preventive_work_orders_created=3," in first.getvalue()
    assert "preventive_work_orders_created=0," in second.getvalue()
    assert WorkOrder.objects.count() == 3
    assert AuditEvent.objects.filter(action="workorder.generate").count() == 3


def test_a_missed_tick_catches_up_with_the_original_due_dates(world):
    _plan(_contract(world), service_object_id=world.a.machine.pk, start_date=date(2026, 1, 15))
    assert preventive.generate_preventive(_at(date(2026, 1, 10)), horizon_days=30) == 1

    assert preventive.generate_preventive(_at(date(2026, 4, 20)), horizon_days=30) == 4  # ticks missed since

    assert [r[1] for r in _rows()] == [date(2026, m, 15) for m in (1, 2, 3, 4, 5)]
    assert list(WorkOrder.objects.order_by("id").values_list("number", flat=True)) == [
        f"WO-2026-{n:06d}" for n in range(1, 6)
    ]


def test_only_active_plans_contracts_and_objects_generate(world):
    draft = _contract(world, status="draft")
    _plan(draft, service_object_id=world.a.machine.pk)
    active = _contract(world)
    plan = _plan(active, service_object_id=world.a.module.pk)
    services_preventive.update_plan(SYSTEM, active.pk, plan.pk, {"active": False})
    retired = _plan(active, service_object_id=world.a.area.pk)
    ServiceObject.objects.filter(pk=world.a.area.pk).update(status="retired")

    assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=90) == 0
    assert WorkOrder.objects.count() == 0

    ServiceObject.objects.filter(pk=world.a.area.pk).update(status="active")
    assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=90) == 3
    assert set(WorkOrder.objects.values_list("source_plan_id", flat=True)) == {retired.pk}


def test_occurrences_stop_at_the_end_of_the_contract(world):
    _plan(_contract(world, end_date=date(2026, 2, 27)), service_object_id=world.a.machine.pk)
    assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=90) == 1


def test_the_task_generates_with_the_default_horizon(world, settings):
    settings.PREVENTIVE_HORIZON_DAYS = 400
    _plan(_contract(world), service_object_id=world.a.machine.pk)
    with clock.frozen(_at(date(2026, 1, 20))):
        assert tasks.generate_preventive_work_orders.call() == 12  # Jan 31 … Dec 31, within the term


def test_the_transition_table_allows_only_what_is_used():
    assert domain.check_transition("ready", "scheduled") == "scheduled"
    assert domain.format_number(2026, 42) == "WO-2026-000042"
    with pytest.raises(Conflict):
        domain.check_transition("ready", "completed")


def test_a_subscription_tells_the_manager_and_the_sites_contacts_when_a_service_is_due(world):
    # Given a subscription with an account manager, and contacts of the customer: one for every site
    # (French), one at the work order's site (English), and others who must not be told
    manager = world.staff[Role.MANAGER]
    manager.email, manager.language = "manager@example.com", "en"
    manager.save()
    site = world.a.site.pk
    elsewhere = customer_services.create_site(SYSTEM, world.a.customer.pk, {"name": "Branch"}).pk
    for name, data in (
        ("Bob Site", {"site_id": site, "email": "bob@alpha.example", "language": "en"}),
        ("Carl Branch", {"site_id": elsewhere, "email": "carl@alpha.example"}),
        ("Dana Quiet", {"site_id": site, "email": "dana@alpha.example", "notify_by_email": False}),
        ("Eve No-mail", {"site_id": site}),
    ):
        customer_services.create_contact(SYSTEM, world.a.customer.pk, {"name": name, **data})
    subscription = _contract(
        world, type="subscription", account_manager_id=manager.pk, per_visit_price_minor=18000
    )
    _plan(
        subscription,
        name="Quarterly service",
        service_object_id=world.a.machine.pk,
        tolerance_before_days=3,
        tolerance_after_days=7,
    )
    _plan(_contract(world), service_object_id=world.a.module.pk)  # a warranty: no notice

    # When the generation runs, then runs again
    with clock.frozen(_at(date(2026, 1, 20))):
        assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=20) == 2
        assert preventive.generate_preventive(_at(date(2026, 1, 20)), horizon_days=20) == 0

    # Then the manager, the contact for every site and the one at the site were each told once
    order = WorkOrder.objects.get(service_object=world.a.machine)
    mails = list(OutboundEmail.objects.order_by("id").values_list("to", "subject", "body", "purpose"))
    assert [m[0] for m in mails] == ["manager@example.com", "c@alpha.example", "bob@alpha.example"]
    assert mails[0] == (
        "manager@example.com",
        "Service due: Quarterly service on Counter, window 28 January 2026 – 7 February 2026",  # noqa: RUF001
        f"A service is due under contract {subscription.number}.\n\n"
        "Service: Quarterly service\nEquipment: Counter\nSite: Alpha HQ\n"
        f"Due on: 31 January 2026\nWindow: 28 January 2026 – 7 February 2026\nWork order: {order.number}",  # noqa: RUF001
        "workorder.service_due",
    )
    assert mails[2][1:3] == mails[0][1:3]
    with translation.override("fr"):  # the French catalogue's wording, with French dates
        french = _("Service due: %(plan)s on %(object)s, window %(start)s – %(end)s") % {  # noqa: RUF001
            "plan": "Quarterly service",
            "object": "Counter",
            "start": "28 janvier 2026",
            "end": "7 février 2026",
        }
    assert mails[1][1] == french
    assert AuditEvent.objects.filter(action="email.queue").count() == 3
