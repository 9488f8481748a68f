"""Work-order fixtures: the workforce crew (skills kiosk/atm, Léa tied to the technician user, Marc),
the tickets' Gold tier on party a's site, and helpers to make work orders and visit times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10, gold  # noqa: F401 (a fixture)
from tests.workforce.conftest import Crew, crew  # noqa: F401 (a fixture)
from tournevis.workorders import services
from tournevis.workorders.models import WorkOrder

# Tuesday 10 March 2026 in Paris (UTC+1): a visit from 09:00 to 11:00
TUESDAY_9 = datetime.fromisoformat("2026-03-10T09:00:00+01:00")
TUESDAY_11 = TUESDAY_9 + timedelta(hours=2)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+01:00")


def make_order(world: World, **extra: Any) -> WorkOrder:
    """A corrective work order on party a's counter, created ready on Monday 10:00."""
    data: dict[str, Any] = {
        "site_id": world.a.site.pk,
        "service_object_id": world.a.machine.pk,
        "title": "Replace the feeder belt",
        **extra,
    }
    return services.create_work_order(SYSTEM, data, at=MONDAY_10)


def planned(world: World, team: Crew, **extra: Any) -> WorkOrder:
    """A work order whose visit 1 is planned for Léa on Tuesday 09:00-11:00."""
    order = make_order(world, **extra)
    services.plan_visit(SYSTEM, order.pk, team.lea.pk, TUESDAY_9, TUESDAY_11, at=MONDAY_10)
    order.refresh_from_db()
    return order
