"""Helpers of the technician-app tests: sign a device in, send one operation, make a dispatched visit."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.test import Client, RequestFactory

from tests.conftest import PASSWORD, SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11
from tournevis.identity.models import User
from tournevis.mobile import services
from tournevis.mobile.models import Device
from tournevis.workforce.models import Technician
from tournevis.workorders import services as workorder_services
from tournevis.workorders import services_visits
from tournevis.workorders.models import Visit, WorkOrder

MONDAY_18 = datetime.fromisoformat("2026-03-09T18:00:00+01:00")
NOW = datetime.fromisoformat("2026-03-10T08:30:00+01:00").astimezone(UTC)  # Tuesday, Paris


def signed_in(user: User, name: str = "Phone", client_id: uuid.UUID | None = None) -> tuple[Client, Device]:
    """A browser session of ``user`` (as the app's login page leaves it) tied to a new device."""
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    request = RequestFactory().post("/m/login")
    request.session = client.session
    request.user = user
    device = services.register_device(request, user, client_id=client_id or uuid.uuid4(), name=name)
    request.session.save()
    return client, device


def dispatched_order(world: World, technician: Technician, **extra: Any) -> WorkOrder:
    """A work order on party a's counter, visit 1 dispatched to ``technician`` for Tuesday 09:00-11:00."""
    order = workorder_services.create_work_order(
        SYSTEM,
        {
            "site_id": world.a.site.pk,
            "service_object_id": world.a.machine.pk,
            "title": "Replace the feeder belt",
            **extra,
        },
        at=MONDAY_10,
    )
    visit = workorder_services.plan_visit(
        SYSTEM, order.pk, technician.pk, TUESDAY_9, TUESDAY_11, at=MONDAY_10
    )
    services_visits.dispatch_visit(SYSTEM, visit.pk, at=MONDAY_18)
    order.refresh_from_db()
    return order


def send(
    client: Client,
    device: Device,
    seq: int,
    op: str,
    visit: Visit | int,
    data: dict[str, Any] | None = None,
    *,
    key: uuid.UUID | str | None = None,
    at: str = "2026-03-10T08:29:00+01:00",
    if_match: str | None = None,
) -> Any:
    """POST one operation to the sync endpoint (a new key unless given); the response has ``.key``."""
    key = key or uuid.uuid4()
    headers = {"Idempotency-Key": str(key), "X-Device-Id": str(device.client_id)}
    if if_match is not None:
        headers["If-Match"] = if_match
    body = {"seq": seq, "op": op, "visit_id": visit if isinstance(visit, int) else visit.pk, "at": at}
    body["data"] = data if data is not None else {}
    response = client.post(
        "/api/v1/mobile/ops", data=json.dumps(body), content_type="application/json", headers=headers
    )
    response.key = str(key)
    return response
