"""Permission-matrix entries of the technician app's API (merged by test_permission_matrix._merge_parts).

The technician user gets its technician record ("Matrix own technician", matrix_workforce) and a
signed-in device ("Matrix phone") named in ``X-Device-Id`` on its calls (``HEADERS``). On each side:
a device (own: the technician user's "Matrix tablet"; other: the agent's "Agent phone") and a sync
conflict recorded on it. Uploading a photo and syncing a note need the side's "Matrix visit"
(matrix_workorders) dispatched: their body functions dispatch it first.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

from PIL import Image

from tests.conftest import SYSTEM
from tests.identity.matrix_workforce import _technician
from tests.identity.matrix_workorders import _planned_visit
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.identity.models import User
from tournevis.mobile.models import Conflict, Device, Operation
from tournevis.workorders import services_visits
from tournevis.workorders.models import Visit

MOBILE = (
    "api.mobile.devices.list",
    "api.mobile.devices.revoke",
    "api.mobile.day",
    "api.mobile.ops",
    "api.mobile.photos.put",
    "api.mobile.conflicts.list",
    "api.mobile.conflicts.seen",
    "api.mobile.conflicts.resolve",
)


def _device(user: User, name: str) -> Device:
    found = Device.objects.filter(user=user, name=name).first()
    if found is None:
        now = clock.now()
        found = Device.objects.create(
            user=user, client_id=uuid.uuid4(), name=name, created_at=now, last_seen_at=now
        )
    return found


def _side_device(scene: Any, own: bool) -> Device:
    if own:
        return _device(scene.world.staff[Role.TECHNICIAN], "Matrix tablet")
    return _device(scene.world.staff[Role.AGENT], "Agent phone")


def _conflict(scene: Any, own: bool) -> int:
    device = _side_device(scene, own)
    found = Conflict.objects.filter(device=device).first()
    if found is None:
        now = clock.now()
        key = uuid.uuid4()
        operation = Operation.objects.create(
            device=device,
            seq=1,
            key=key,
            name="note.add",
            fingerprint="0" * 64,
            outcome="conflict",
            status_code=200,
            answer={},
            received_at=now,
        )
        found = Conflict.objects.create(
            device=device,
            operation=operation,
            reason="visit_cancelled",
            payload={"key": str(key), "seq": 1, "op": "note.add", "data": {"text": "Matrix"}},
            current={"message": "This visit was cancelled."},
            created_at=now,
        )
    return found.pk


def _dispatched(scene: Any, own: bool) -> int:
    visit_id = _planned_visit(scene, own)
    if Visit.objects.get(pk=visit_id).status == "planned":
        services_visits.dispatch_visit(SYSTEM, visit_id)
    return visit_id


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def _photo(scene: Any) -> bytes:
    _dispatched(scene, scene.side)
    return _jpeg()


def _op(scene: Any) -> dict[str, Any]:
    return {
        "seq": 1,
        "op": "note.add",
        "visit_id": _dispatched(scene, True),
        "at": clock.now().isoformat(),
        "data": {"text": "Matrix note"},
    }


def _headers(scene: Any, user: User) -> dict[str, str]:
    """A technician names its signed-in device; office staff call without one."""
    if user.role != Role.TECHNICIAN:
        return {}
    _technician(scene, True)
    return {"X-Device-Id": str(_device(user, "Matrix phone").client_id)}


TARGETS: dict[str, Callable[[Any, str, bool], Any]] = {
    "device_id": lambda s, m, own: _side_device(s, own).pk,
    "conflict_id": lambda s, m, own: _conflict(s, own),
    "client_id": lambda s, m, own: str(uuid.uuid4()),
}
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "device_id": frozenset({Role.TECHNICIAN}),  # a technician: its own devices only
    "conflict_id": frozenset({Role.TECHNICIAN}),  # a technician: its own devices' conflicts only
    "client_id": frozenset(),  # a new photo id
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.mobile.devices.revoke": lambda s: {},
    "api.mobile.ops": _op,
    "api.mobile.photos.put": _photo,
    "api.mobile.conflicts.seen": lambda s: {},
    "api.mobile.conflicts.resolve": lambda s: {"resolution": "Re-planned with the customer"},
}
HEADERS: dict[str, Callable[[Any, User], dict[str, str]]] = {name: _headers for name in MOBILE}
HEADERS["api.mobile.ops"] = lambda s, user: {**_headers(s, user), "Idempotency-Key": str(uuid.uuid4())}
ACTION_POSTS = {
    "api.mobile.devices.revoke",
    "api.mobile.ops",
    "api.mobile.conflicts.seen",
    "api.mobile.conflicts.resolve",
}
