"""The demo's work orders: from the open demo tickets and by hand, half of them planned on the next
working days for technicians not away, three dispatched — through the work-order services."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.demo import loader
from tournevis.demo.plan import SIZES, make_plan
from tournevis.demo.workorders import load_workorders
from tournevis.notifications.models import OutboundEmail
from tournevis.workorders.models import Visit, WorkOrder

from .test_demo import DAY  # Monday 2 March 2026, 10:00 in Paris

ACTOR = Actor.system("demo")


@pytest.fixture
def counts(db: None) -> dict[str, int]:
    with clock.frozen(DAY):
        report = loader.load(size="small", seed=1, service_desk=True)
        if "work_orders" in report.counts:  # the loader runs the phase itself
            return report.counts
        return load_workorders(make_plan(SIZES["small"], 1, date(2026, 3, 2)), ACTOR)


def test_the_demo_has_work_orders_planned_and_waiting(counts: dict[str, int]) -> None:
    assert counts["work_orders"] == WorkOrder.objects.count() == 30
    assert (counts["visits_planned"], counts["visits_dispatched"]) == (17, 5)
    assert dict(Counter(WorkOrder.objects.values_list("status", flat=True))) == {
        "ready": 13,
        "scheduled": 12,
        "dispatched": 5,
    }
    assert WorkOrder.objects.filter(ticket__isnull=False).count() == 15
    # The demo user's technician has two corrective visits today, dispatched, for the technician app
    today = Visit.objects.filter(technician__user__isnull=False, planned_start__date=DAY.date())
    assert [(v.planned_start, v.status, v.work_order.kind) for v in today.order_by("planned_start")] == [
        (DAY + timedelta(hours=1), "dispatched", "corrective"),
        (DAY + timedelta(hours=3), "dispatched", "corrective"),
    ]
    planned = Visit.objects.exclude(status="unscheduled").exclude(pk__in=today)
    # From Tuesday 3 March, working days only, never for the sick or the vacationing technician
    assert min(v.planned_start for v in planned).date() >= date(2026, 3, 3)
    assert all(v.planned_start.weekday() < 5 for v in planned)
    assert not planned.filter(technician__name__in=["Thomas Moreau"]).exists()
    # No technician has two visits at once
    starts = list(planned.values_list("technician_id", "planned_start"))
    assert len(starts) == len(set(starts))
    assert OutboundEmail.objects.filter(purpose="workorder.visit_window").count() >= 1
