"""REST API of telemetry: devices, alert rules, an object's readings, alert episodes."""

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from tournevis.core import clock
from tournevis.core.errors import InvalidInput, NotFound, gettext_noop
from tournevis.core.idempotency import idempotent
from tournevis.core.rest import (
    IF_MATCH,
    PageIn,
    StrictIn,
    actor_of,
    current_state_as,
    expected_version,
    page_of,
    paginate,
    referenced,
    set_etag,
)
from tournevis.identity import guard
from tournevis.installed_base.access import access_object
from tournevis.telemetry import queries, services
from tournevis.telemetry.models import AlertRule, Device

router = Router(tags=["telemetry"])


class DeviceOut(Schema):
    id: int
    device_id: str
    service_object_id: int
    active: bool
    last_seq: int | None
    last_seen_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class DeviceIn(StrictIn):
    device_id: str = Field(..., max_length=64, examples=["cnt-0042"])
    service_object_id: int
    active: bool = True


class DevicePatch(StrictIn):
    service_object_id: int | None = None
    active: bool | None = None


class DeviceFilters(Schema):
    object_id: int | None = None
    active: bool | None = None


class RuleOut(Schema):
    id: int
    equipment_model_id: int | None
    service_object_id: int | None
    kind: str
    metric: str
    operator: str
    value: float
    clear_value: float | None
    window_minutes: int
    error_code: str
    priority: str
    title: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class RuleIn(StrictIn):
    """Exactly one of ``equipment_model_id`` / ``service_object_id``. ``kind``: threshold (``metric``
    ``operator`` ``value``), rate (change per minute over ``window_minutes``) or error_code (any code,
    or the one in ``error_code``). ``clear_value``: hysteresis, the episode closes only past it."""

    equipment_model_id: int | None = None
    service_object_id: int | None = None
    kind: str = Field(..., examples=["threshold"])
    metric: str = ""
    operator: str = ">"
    value: float = 0
    clear_value: float | None = None
    window_minutes: int = 0
    error_code: str = ""
    priority: str = "P3"
    title: str = Field(..., max_length=200)
    active: bool = True


class RulePatch(StrictIn):
    equipment_model_id: int | None = None
    service_object_id: int | None = None
    kind: str | None = None
    metric: str | None = None
    operator: str | None = None
    value: float | None = None
    clear_value: float | None = None
    window_minutes: int | None = None
    error_code: str | None = None
    priority: str | None = None
    title: str | None = None
    active: bool | None = None


class RuleFilters(Schema):
    equipment_model_id: int | None = None
    service_object_id: int | None = None
    active: bool | None = None


class ReadingOut(Schema):
    at: datetime
    value: float
    device: str
    seq: int
    error_code: str


class ReadingsIn(Schema):
    metric: str = Field(..., min_length=1, max_length=64, examples=["temperature"])
    since: datetime | None = Field(None, description="Default: 24 hours ago.")
    limit: int = Field(1000, ge=1, le=queries.MAX_READINGS)


class ReadingList(Schema):
    object_id: int
    metric: str
    since: datetime
    items: list[ReadingOut]


class EpisodeOut(Schema):
    id: int
    rule_id: int
    device_id: int
    device: str
    opened_at: datetime
    closed_at: datetime | None
    ticket_id: int | None
    peak_value: float | None
    readings: int

    @staticmethod
    def resolve_device(obj: Any) -> str:
        return str(obj.device.device_id)


class EpisodeFilters(Schema):
    object_id: int | None = None
    rule_id: int | None = None
    open: bool | None = None


def _device(pk: int) -> Device:
    device = Device.objects.filter(pk=pk).first()
    if device is None:
        raise NotFound(gettext_noop("No device with id %(id)s."), id=pk)
    return device


def _rule(pk: int) -> AlertRule:
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext_noop("No alert rule with id %(id)s."), id=pk)
    return rule


# --- Devices --------------------------------------------------------------------------------------


@router.get("/devices", response=page_of(DeviceOut), operation_id="list_devices")
@guard.api("api.devices.list")
def list_devices(request: HttpRequest, filters: Query[DeviceFilters], page: Query[PageIn]) -> dict[str, Any]:
    return paginate(queries.devices(filters.object_id, filters.active), page)


@router.post("/devices", response={201: DeviceOut}, operation_id="create_device")
@guard.api("api.devices.create")
@idempotent
def create_device(request: HttpRequest, payload: DeviceIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    referenced(access_object, actor, payload.service_object_id, "service_object_id")
    device = services.create_device(actor, payload.dict())
    set_etag(response, device)
    return Status(201, device)


@router.get("/devices/{device_pk}", response=DeviceOut, operation_id="get_device")
@guard.api("api.devices.get")
def get_device(request: HttpRequest, device_pk: int, response: HttpResponse) -> Device:
    device = _device(device_pk)
    set_etag(response, device)
    return device


@router.patch(
    "/devices/{device_pk}", response=DeviceOut, operation_id="update_device", openapi_extra=IF_MATCH
)
@guard.api("api.devices.update")
def update_device(
    request: HttpRequest, device_pk: int, payload: DevicePatch, response: HttpResponse
) -> Device:
    actor = actor_of(request)
    _device(device_pk)
    if payload.service_object_id is not None:
        referenced(access_object, actor, payload.service_object_id, "service_object_id")
    with current_state_as(DeviceOut):
        device = services.update_device(
            actor, device_pk, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, device)
    return device


@router.delete("/devices/{device_pk}", response={204: None}, operation_id="delete_device")
@guard.api("api.devices.delete")
def delete_device(request: HttpRequest, device_pk: int) -> Status:
    _device(device_pk)
    services.delete_device(actor_of(request), device_pk)
    return Status(204, None)


# --- Alert rules ----------------------------------------------------------------------------------


@router.get("/alert-rules", response=page_of(RuleOut), operation_id="list_alert_rules")
@guard.api("api.alert_rules.list")
def list_rules(request: HttpRequest, filters: Query[RuleFilters], page: Query[PageIn]) -> dict[str, Any]:
    return paginate(
        queries.rules(filters.equipment_model_id, filters.service_object_id, filters.active), page
    )


@router.post("/alert-rules", response={201: RuleOut}, operation_id="create_alert_rule")
@guard.api("api.alert_rules.create")
@idempotent
def create_rule(request: HttpRequest, payload: RuleIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    if payload.service_object_id is not None:
        referenced(access_object, actor, payload.service_object_id, "service_object_id")
    rule = services.create_rule(actor, payload.dict())
    set_etag(response, rule)
    return Status(201, rule)


@router.get("/alert-rules/{alert_rule_id}", response=RuleOut, operation_id="get_alert_rule")
@guard.api("api.alert_rules.get")
def get_rule(request: HttpRequest, alert_rule_id: int, response: HttpResponse) -> AlertRule:
    rule = _rule(alert_rule_id)
    set_etag(response, rule)
    return rule


@router.patch(
    "/alert-rules/{alert_rule_id}", response=RuleOut, operation_id="update_alert_rule", openapi_extra=IF_MATCH
)
@guard.api("api.alert_rules.update")
def update_rule(
    request: HttpRequest, alert_rule_id: int, payload: RulePatch, response: HttpResponse
) -> AlertRule:
    actor = actor_of(request)
    _rule(alert_rule_id)
    if payload.service_object_id is not None:
        referenced(access_object, actor, payload.service_object_id, "service_object_id")
    with current_state_as(RuleOut):
        rule = services.update_rule(
            actor, alert_rule_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, rule)
    return rule


@router.delete("/alert-rules/{alert_rule_id}", response={204: None}, operation_id="delete_alert_rule")
@guard.api("api.alert_rules.delete")
def delete_rule(request: HttpRequest, alert_rule_id: int) -> Status:
    _rule(alert_rule_id)
    services.delete_rule(actor_of(request), alert_rule_id)
    return Status(204, None)


# --- Readings and episodes ------------------------------------------------------------------------


@router.get("/objects/{object_id}/readings", response=ReadingList, operation_id="object_readings")
@guard.api("api.objects.readings")
def object_readings(request: HttpRequest, object_id: int, query: Query[ReadingsIn]) -> dict[str, Any]:
    """Readings of one metric from the devices bound to the object (a customer user: its own objects)."""
    obj = access_object(actor_of(request), object_id)
    if query.since is not None and query.since.tzinfo is None:
        raise InvalidInput(
            gettext_noop("A time with an offset is expected (e.g. 2026-03-09T09:00:00Z)."), field="since"
        )
    since = query.since or clock.now() - timedelta(hours=24)
    rows = queries.readings(obj.pk, query.metric, since, limit=query.limit)
    return {"object_id": obj.pk, "metric": query.metric, "since": since, "items": rows}


@router.get("/episodes", response=page_of(EpisodeOut), operation_id="list_episodes")
@guard.api("api.episodes.list")
def list_episodes(
    request: HttpRequest, filters: Query[EpisodeFilters], page: Query[PageIn]
) -> dict[str, Any]:
    return paginate(queries.episodes(filters.object_id, filters.rule_id, filters.open), page)
