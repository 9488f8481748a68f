"""The technician app in a real browser: the world (Léa with her van, a visit dispatched to her today on
party a's bill counter, whose category has a checklist with a required item), a phone-sized context
with the service worker allowed, and the steps every app test takes (sign in, wait for the sync)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tests.conftest import PASSWORD, SYSTEM, World, build_world
from tests.stock.conftest import Stockroom, build_stockroom
from tournevis.core import clock
from tournevis.workforce.models import Technician
from tournevis.workorders import checklists, services, services_visits
from tournevis.workorders.models import ChecklistItem, Visit, WorkOrder

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "service_workers": "allow",
    "locale": "en-GB",
}


@dataclass
class MobileWorld:
    world: World
    room: Stockroom
    lea: Technician
    order: WorkOrder
    visit: Visit
    items: dict[str, ChecklistItem]  # "power" (check, required), "voltage" (number 220-240 V)


def build_mobile_world() -> MobileWorld:
    world = build_world()
    room = build_stockroom(world)  # Léa (the technician user), her van VAN-LEA with 1 BELT
    template = checklists.create_template(
        SYSTEM,
        {
            "code": "counter-check",
            "name_en": "Bill counter check",
            "name_fr": "Contrôle compteuse",
            "category_id": world.category.pk,
            "items": [
                {
                    "label_en": "Power cable intact",
                    "label_fr": "Câble intact",
                    "kind": "check",
                    "required": True,
                },
                {
                    "label_en": "Mains voltage",
                    "label_fr": "Tension secteur",
                    "kind": "number",
                    "minimum": "220",
                    "maximum": "240",
                    "unit": "V",
                },
            ],
        },
    )
    power, voltage = ChecklistItem.objects.filter(template=template).order_by("position")
    now = clock.now()
    order = services.create_work_order(
        SYSTEM,
        {
            "site_id": world.a.site.pk,
            "service_object_id": world.a.machine.pk,
            "title": "Replace the feeder belt",
        },
        at=now - timedelta(hours=2),
    )
    visit = services.plan_visit(
        SYSTEM,
        order.pk,
        room.technician.pk,
        now + timedelta(minutes=30),
        now + timedelta(hours=2, minutes=30),
        at=now - timedelta(hours=2),
    )
    services_visits.dispatch_visit(SYSTEM, visit.pk, at=now - timedelta(hours=1))
    visit.refresh_from_db()
    return MobileWorld(world, room, room.technician, order, visit, {"power": power, "voltage": voltage})


def new_phone(browser: Any, base_url: str) -> Any:
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(15_000)
    return context


def sign_in(page: Any, username: str = "technician-user") -> None:
    page.goto("/m/login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/m/$"))
    page.wait_for_selector("body[data-ready=true]")


def wait_controlled(page: Any) -> None:
    """The service worker controls the page (it cached the app's files)."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def wait_synced(page: Any) -> None:
    """Nothing waits in the outbox and the app is idle (online)."""
    page.wait_for_function(
        "document.getElementById('pending').dataset.count === '0'"
        " && document.getElementById('net').dataset.state === 'idle'"
    )


def pending(page: Any) -> int:
    return int(page.locator("#pending").get_attribute("data-count") or "0")
