"""The technician app's API (``/api/v1/mobile/…``): devices, the day data, the sync endpoint, photo
uploads and sync conflicts. Thin: parse, access, one service call, serialise. The protocol is in
docs/contexts/mobile.md.

A technician's every call names its device (``X-Device-Id``; 401 for an unknown or revoked one).
"""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tournevis.core.errors import InvalidInput, RequestTooLarge, gettext_noop
from tournevis.core.rest import StrictIn, actor_of
from tournevis.identity import guard
from tournevis.identity.problems import CONTENT_TYPE as PROBLEM
from tournevis.identity.problems import problem_response
from tournevis.mobile import access, queries, services, sync
from tournevis.mobile.access import DEVICE_HEADER
from tournevis.mobile.models import Conflict, Device

router = Router(tags=["technician app"])

DEVICE_PARAMETER = {
    "in": "header",
    "name": DEVICE_HEADER,
    "required": False,
    "schema": {"type": "string", "format": "uuid"},
    "description": "The calling device (required for technicians; 401 when unknown or revoked).",
}
OPS_OPENAPI = {
    "parameters": [
        DEVICE_PARAMETER,
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
            "description": "The operation's UUID (also the client id of what it creates).",
        },
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string", "example": '"3"'},
            "description": "The version edited (visit.follow_up: the visit's; checklist.set: the result's).",
        },
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["seq", "op", "visit_id", "at", "data"],
                    "properties": {
                        "seq": {"type": "integer", "minimum": 1},
                        "op": {"type": "string", "example": "visit.check_in"},
                        "visit_id": {"type": "integer"},
                        "at": {"type": "string", "format": "date-time"},
                        "data": {"type": "object"},
                    },
                }
            }
        },
    },
}
PHOTO_OPENAPI = {
    "parameters": [DEVICE_PARAMETER],
    "requestBody": {
        "required": True,
        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    },
}
WITH_DEVICE = {"parameters": [DEVICE_PARAMETER]}


def _device(request: HttpRequest, *, required: bool = True) -> Device | None:
    device = access.device_for(actor_of(request), request.headers.get(DEVICE_HEADER), required=required)
    if device is not None:
        services.touch(device)
    return device


def _json(status: int, body: dict[str, Any], **headers: str) -> HttpResponse:
    content_type = PROBLEM if status >= 400 else "application/json"
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


# --- Devices ---------------------------------------------------------------------------------------


class DeviceOut(Schema):
    id: int
    client_id: str
    name: str
    username: str
    created_at: datetime
    last_seen_at: datetime
    last_sync_at: datetime | None
    last_seq: int
    revoked_at: datetime | None

    @staticmethod
    def resolve_client_id(obj: Device) -> str:
        return str(obj.client_id)

    @staticmethod
    def resolve_username(obj: Device) -> str:
        return str(obj.user.username)


@router.get(
    "/mobile/devices", response=list[DeviceOut], operation_id="mobile_list_devices", openapi_extra=WITH_DEVICE
)
@guard.api("api.mobile.devices.list")
def list_devices(request: HttpRequest) -> list[Device]:
    """A technician's own devices; managers see every device."""
    _device(request)
    return list(access.visible_devices(actor_of(request))[:500])


@router.post(
    "/mobile/devices/{device_id}/revoke",
    response=DeviceOut,
    operation_id="mobile_revoke_device",
    openapi_extra=WITH_DEVICE,
)
@guard.api("api.mobile.devices.revoke")
def revoke_device(request: HttpRequest, device_id: int) -> Device:
    """Sign a device out for good (lost, stolen): its session ends, its next call is a 401."""
    _device(request)
    actor = actor_of(request)
    found = access.access_device(actor, device_id)
    return services.revoke_device(actor, found.pk)


# --- The day and the sync endpoint ------------------------------------------------------------------


class DayQuery(Schema):
    days: int = Field(3, ge=1, le=queries.MAX_DAYS, description="Today and the next days (1-14).")


@router.get("/mobile/day", response=dict[str, Any], operation_id="mobile_day", openapi_extra=WITH_DEVICE)
@guard.api("api.mobile.day")
def day(request: HttpRequest, params: Query[DayQuery]) -> dict[str, Any]:
    """The technician's coming days in route order, with what the app needs offline."""
    device = _device(request)
    technician = access.technician_of(actor_of(request))
    return queries.day(technician, device, days=params.days)


@router.post(
    "/mobile/ops", response=dict[str, Any], operation_id="mobile_submit_op", openapi_extra=OPS_OPENAPI
)
@guard.api("api.mobile.ops")
def submit_op(request: HttpRequest) -> HttpResponse:
    """Apply one operation of the device's outbox, at most once and in its order (docs/contexts/mobile.md)."""
    device = _device(request)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        detail = _("The request body is not valid JSON.")
        return problem_response(400, _("Malformed JSON"), detail, [{"field": "body", "message": detail}])
    env = sync.envelope(request.headers.get("Idempotency-Key"), body, request.headers.get("If-Match"))
    assert device is not None  # a technician's call always names its device (access.device_for)
    try:
        answer = sync.submit(actor_of(request), device.pk, env)
    except IntegrityError:
        # Another request of this device stored this sequence number first (SQLite has no row lock to
        # make them wait; PostgreSQL does): nothing of this one was kept, the device sends it again and
        # is then answered as for any operation (a replay if the other request was this one).
        detail = _("Another request of this device was being applied; send this one again.")
        busy = problem_response(503, _("Busy"), detail, [{"field": "seq", "message": detail}])
        busy["Retry-After"] = "1"
        return busy
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return _json(answer.status, answer.body, **headers)


class PhotoQuery(Schema):
    purpose: str = "visit"
    caption: str = ""
    taken_at: str = ""


@router.put(
    "/mobile/visits/{visit_id}/photos/{client_id}",
    response=dict[str, Any],
    operation_id="mobile_put_photo",
    openapi_extra=PHOTO_OPENAPI,
)
@guard.api("api.mobile.photos.put")
def put_photo(request: HttpRequest, visit_id: int, client_id: str, params: Query[PhotoQuery]) -> HttpResponse:
    """Upload a photo of a visit as a raw JPEG body, named by its UUID (idempotent). A body larger
    than ``MOBILE_PHOTO_MAX_BYTES`` is refused with 413 from its Content-Length, before it is read."""
    device = _device(request)
    limit = settings.MOBILE_PHOTO_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    too_big = RequestTooLarge(
        gettext_noop("A photo may be at most %(max)s MB."), field="photo", max=round(limit / (1024 * 1024))
    )
    if declared.strip().isdigit() and int(declared) > limit:
        raise too_big
    content = request.read(limit + 1)
    if len(content) > limit:
        raise too_big
    if not content:
        raise InvalidInput(gettext_noop("Send the photo as the request body."), field="photo")
    answer = sync.upload_photo(
        actor_of(request),
        device,
        visit_id,
        client_id,
        content,
        purpose=params.purpose,
        caption=params.caption,
        taken_at=params.taken_at,
    )
    return _json(answer.status, answer.body)


# --- Conflicts -------------------------------------------------------------------------------------


class ResolveIn(StrictIn):
    resolution: str = Field(description="What was done about it (re-planned, records re-entered, …)")


@router.get(
    "/mobile/conflicts",
    response=list[dict[str, Any]],
    operation_id="mobile_list_conflicts",
    openapi_extra=WITH_DEVICE,
)
@guard.api("api.mobile.conflicts.list")
def list_conflicts(request: HttpRequest) -> list[dict[str, Any]]:
    """A technician's own conflicts (newest first); planners: the open ones."""
    _device(request)
    actor = actor_of(request)
    rows = access.visible_conflicts(actor)
    if actor.role in access.CONFLICT_PLANNERS:
        rows = rows.filter(resolved_at__isnull=True)
    return [queries.conflict(row) for row in rows.order_by("-created_at", "-id")[:500]]


def _conflict_out(row: Conflict) -> dict[str, Any]:
    return queries.conflict(Conflict.objects.select_related("operation", "device").get(pk=row.pk))


@router.post(
    "/mobile/conflicts/{conflict_id}/seen",
    response=dict[str, Any],
    operation_id="mobile_conflict_seen",
    openapi_extra=WITH_DEVICE,
)
@guard.api("api.mobile.conflicts.seen")
def conflict_seen(request: HttpRequest, conflict_id: int) -> dict[str, Any]:
    """The technician has read the conflict: it leaves the app's list."""
    _device(request)
    actor = actor_of(request)
    found = access.access_conflict(actor, conflict_id)
    return _conflict_out(services.mark_seen(actor, found.pk))


@router.post(
    "/mobile/conflicts/{conflict_id}/resolve",
    response=dict[str, Any],
    operation_id="mobile_conflict_resolve",
    openapi_extra=WITH_DEVICE,
)
@guard.api("api.mobile.conflicts.resolve")
def conflict_resolve(request: HttpRequest, conflict_id: int, payload: ResolveIn) -> dict[str, Any]:
    """A planner closes the conflict, saying what was done."""
    _device(request, required=False)
    actor = actor_of(request)
    found = access.access_conflict(actor, conflict_id)
    return _conflict_out(services.resolve_conflict(actor, found.pk, resolution=payload.resolution))
