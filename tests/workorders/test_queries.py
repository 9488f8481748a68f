"""Read side for the planning board and the optimiser: visits of a period per technician and open
visits with what a solver needs, each in a constant number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.workforce.conftest import Crew
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11, make_order, paris
from tournevis.customers import services as customer_services
from tournevis.workorders import queries, services


def test_visits_between_takes_two_queries_whatever_the_number_of_visits(
    world: World, crew: Crew, django_assert_num_queries
) -> None:
    customer_services.update_site(
        SYSTEM,
        world.a.site.pk,
        {"latitude": 48.87, "longitude": 2.33, "access_hours": {"tue": [["08:00", "18:00"]]}},
    )
    for hour in range(6):
        order = make_order(world, skills={"kiosk": 2}, priority="P2", estimated_minutes=50)
        technician = crew.lea if hour % 2 == 0 else crew.marc
        start = TUESDAY_9 + timedelta(hours=hour)
        services.plan_visit(SYSTEM, order.pk, technician.pk, start, start + timedelta(minutes=50))
    cancelled = make_order(world)
    visit = services.plan_visit(SYSTEM, cancelled.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11)
    services.dispatch_visit(SYSTEM, visit.pk)
    services.cancel_visit(SYSTEM, visit.pk)

    with django_assert_num_queries(2):
        rows = queries.visits_between(
            [crew.lea.pk, crew.marc.pk], paris("2026-03-10T10:00:00"), paris("2026-03-10T13:00:00")
        )

    # 09:00-09:50 ends before 10:00, 13:00 starts at the end; the cancelled visit is not on the board
    assert [(r.technician_id, r.planned_start.astimezone(TUESDAY_9.tzinfo).hour, r.status) for r in rows] == [
        (crew.lea.pk, 11, "planned"),
        (crew.marc.pk, 10, "planned"),
        (crew.marc.pk, 12, "planned"),
    ]
    first = rows[0]
    assert (first.work_order_number, first.priority, first.duration_minutes, first.required_skills) == (
        "WO-2026-000003",
        "P2",
        50,
        {"kiosk": 2},
    )
    assert (first.site_name, first.latitude, first.longitude, first.site_timezone) == (
        "Alpha HQ",
        48.87,
        2.33,
        "Europe/Paris",
    )
    assert first.access_windows(date(2026, 3, 10), date(2026, 3, 10)) == [
        (datetime(2026, 3, 10, 7, tzinfo=UTC), datetime(2026, 3, 10, 17, tzinfo=UTC))
    ]


def test_open_visits_are_the_unscheduled_and_planned_ones_most_urgent_first(
    world: World, gold, crew: Crew, django_assert_num_queries
) -> None:
    slow = make_order(world, priority="P4", title="Paint")
    urgent = make_order(
        world,
        priority="P1",
        onsite_deadline=MONDAY_10 + timedelta(hours=4),
        slot_start=TUESDAY_9,
        slot_end=TUESDAY_11,
        skills={"atm": 1},
    )
    planned = make_order(world, priority="P1", onsite_deadline=MONDAY_10 + timedelta(hours=2))
    visit = services.plan_visit(SYSTEM, planned.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11, pinned=True)
    under_way = make_order(world, priority="P2")
    busy = services.plan_visit(SYSTEM, under_way.pk, crew.marc.pk, TUESDAY_9, TUESDAY_11)
    services.dispatch_visit(SYSTEM, busy.pk)

    with django_assert_num_queries(2):
        rows = queries.open_visits()

    assert [(r.work_order_id, r.status, r.pinned, r.locked) for r in rows] == [
        (planned.pk, "planned", True, False),
        (urgent.pk, "unscheduled", False, False),
        (slow.pk, "unscheduled", False, False),
    ]
    second = rows[1]
    assert (second.onsite_deadline, second.slot_start, second.slot_end, second.required_skills) == (
        MONDAY_10 + timedelta(hours=4),
        TUESDAY_9,
        TUESDAY_11,
        {"atm": 1},
    )
    assert rows[0].visit_id == visit.pk
    # With the visits under way, locked; planned ones after a date left out
    everything = queries.open_visits(
        statuses=["unscheduled", "planned", "dispatched"], planned_before=TUESDAY_9
    )
    assert [(r.work_order_id, r.locked) for r in everything] == [(urgent.pk, False), (slow.pk, False)]
    around = queries.open_visits(statuses=["dispatched"])
    assert [(r.work_order_id, r.locked, r.technician_id) for r in around] == [
        (under_way.pk, True, crew.marc.pk)
    ]
