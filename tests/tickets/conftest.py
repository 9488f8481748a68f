"""Tickets fixtures: a Gold tier on a Paris business calendar covering party a's site."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.conftest import SYSTEM
from tournevis.contracts import services, services_tiers
from tournevis.identity.domain import Role

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
# Monday 9 March 2026, 10:00 in Paris (UTC+1): inside the morning slot
MONDAY_10 = datetime.fromisoformat("2026-03-09T10:00:00+01:00")


def targets(first: int, on_site: int, resolution: int, update: int) -> dict[str, int]:
    return {
        "first_response_minutes": first,
        "on_site_minutes": on_site,
        "resolution_minutes": resolution,
        "update_every_minutes": update,
    }


@pytest.fixture
def gold(world):
    calendar = services_tiers.create_calendar(
        SYSTEM,
        {
            "name": "Paris office",
            "timezone": "Europe/Paris",
            "slots": {day: [["08:00", "12:00"], ["13:30", "18:00"]] for day in WEEKDAYS},
            "holidays": {"country": "FR"},
        },
    )
    policy = services_tiers.create_sla_policy(
        SYSTEM,
        {
            "name": "Gold",
            "targets": [
                {"priority": "P1", **targets(30, 120, 480, 120)},
                {"priority": "P2", **targets(60, 240, 960, 480)},
                {"priority": "P3", **targets(240, 960, 2880, 480)},
                {"priority": "P4", **targets(480, 2400, 4800, 2400)},
            ],
        },
    )
    manager = world.staff[Role.MANAGER]
    contract = services.create_contract(
        SYSTEM,
        world.a.customer.pk,
        {
            "type": "maintenance",
            "status": "active",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
            "currency": "EUR",
            "sla_policy_id": policy.pk,
            "calendar_id": calendar.pk,
            "account_manager_id": manager.pk,
            "coverage": {"site_ids": [world.a.site.pk]},
        },
    )
    return {"calendar": calendar, "policy": policy, "contract": contract}
