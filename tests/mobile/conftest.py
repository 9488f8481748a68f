"""Technician-app fixtures: Léa (the technician user) with a van holding two parts, a work order on
party a's counter whose visit 1 is dispatched to her for Tuesday 10 March 2026 09:00-11:00 (Paris),
her phone signed in, and the clock frozen on Tuesday 08:30 (Paris)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.conftest import SYSTEM, World, api_client
from tests.mobile.support import NOW, dispatched_order, signed_in
from tests.workforce.conftest import Crew, crew  # noqa: F401 (a fixture)
from tournevis.core import clock
from tournevis.core.clock import FixedClock
from tournevis.identity.domain import Role
from tournevis.identity.models import User
from tournevis.mobile.models import Device
from tournevis.stock import services as stock_services
from tournevis.stock import services_moves
from tournevis.stock.models import Location, Part
from tournevis.workorders.models import Visit, WorkOrder


@dataclass
class Field:
    world: World
    crew: Crew
    user: User  # Léa's user
    order: WorkOrder
    visit: Visit
    device: Device
    client: Client  # Léa's API client (Bearer token)
    van: Location
    belt: Part  # 5 in the van
    roller: Part  # serialised, not in the van
    clock: FixedClock

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Device-Id": str(self.device.client_id)}


@pytest.fixture
def now() -> Iterator[FixedClock]:
    with clock.frozen(NOW) as fixed:
        yield fixed


@pytest.fixture
def field(world: World, crew: Crew, now: FixedClock) -> Field:  # noqa: F811 (crew is a fixture)
    user = world.staff[Role.TECHNICIAN]
    van = stock_services.create_location(
        SYSTEM, {"code": "VAN-LEA", "name": "Léa's van", "kind": "van", "technician_id": crew.lea.pk}
    )
    belt = stock_services.create_part(
        SYSTEM, {"reference": "BELT-220", "name_en": "Feeder belt", "name_fr": "Courroie", "fits": []}
    )
    roller = stock_services.create_part(
        SYSTEM,
        {
            "reference": "ROLL-9",
            "name_en": "Pick roller",
            "name_fr": "Rouleau",
            "manufacturer_reference": "GL-ROLL-9",
            "serialised": True,
        },
    )
    services_moves.receive(SYSTEM, van.pk, belt.pk, 5)
    order = dispatched_order(world, crew.lea)
    visit = Visit.objects.get(work_order=order, number=1)
    _, device = signed_in(user, "Léa's phone")
    return Field(world, crew, user, order, visit, device, api_client(user), van, belt, roller, now)
