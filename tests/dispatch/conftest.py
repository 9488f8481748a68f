"""A small planning world: two technicians in Paris with a week of shifts, sites with coordinates,
work orders waiting for a visit. The clock is frozen on Monday 2026-11-23 07:00 UTC."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import SYSTEM, World
from tournevis.core import clock
from tournevis.customers import services as customer_services
from tournevis.workforce import services as workforce_services
from tournevis.workforce.models import Team, Technician
from tournevis.workorders import services as workorder_services
from tournevis.workorders.models import Visit, WorkOrder

MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
WEEK = [
    {
        "weekday": day,
        "start": "08:00",
        "end": "17:00",
        "break_earliest": "12:00",
        "break_latest": "14:00",
        "break_minutes": 45,
    }
    for day in range(5)
]


@dataclass
class Planning:
    world: World
    team: Team
    ana: Technician  # kiosk level 2
    bruno: Technician  # network level 1
    orders: list[WorkOrder]

    def visit(self, index: int) -> Visit:
        return Visit.objects.get(work_order=self.orders[index], status__in=["unscheduled", "planned"])


@pytest.fixture
def frozen() -> Iterator[Any]:
    with clock.frozen(MONDAY) as fixed:
        yield fixed


def technician(name: str, team: Team, lat: float, lon: float, skills: dict[str, int]) -> Technician:
    made = workforce_services.create_technician(
        SYSTEM,
        {
            "name": name,
            "team_id": team.pk,
            "home_latitude": lat,
            "home_longitude": lon,
            "timezone": "Europe/Paris",
            "holiday_country": "FR",
        },
    )
    workforce_services.set_skills(SYSTEM, made.pk, skills)
    workforce_services.set_shifts(SYSTEM, made.pk, WEEK)
    return made


@pytest.fixture
def planning(world: World, frozen: Any) -> Planning:
    return build_planning(world)


def build_planning(world: World) -> Planning:
    workforce_services.create_skill(SYSTEM, code="kiosk", name_en="Kiosks", name_fr="Bornes")
    workforce_services.create_skill(SYSTEM, code="network", name_en="Networks", name_fr="Réseaux")
    team = workforce_services.create_team(SYSTEM, code="idf", name="Île-de-France", region="IDF")
    ana = technician("Ana Lopes", team, 48.8566, 2.3522, {"kiosk": 2})
    bruno = technician("Bruno Petit", team, 48.9, 2.25, {"network": 1})
    customer_services.update_site(
        SYSTEM, world.a.site.pk, {"latitude": 48.87, "longitude": 2.33, "region": "IDF"}
    )
    orders = [
        workorder_services.create_work_order(
            SYSTEM,
            {
                "kind": "corrective",
                "site_id": world.a.site.pk,
                "title": title,
                "contact_id": world.a.contact.pk,
                "priority": priority,
                "estimated_minutes": 60,
                "skills": skills,
            },
        )
        for title, priority, skills in (
            ("Kiosk screen dead", "P2", {"kiosk": 2}),
            ("Switch port down", "P3", {"network": 1}),
        )
    ]
    return Planning(world, team, ana, bruno, orders)
