"""Telemetry use cases: store a batch of MQTT messages (dedupe, alert episodes), devices and rules.

``ingest`` runs one transaction per batch: parse every message (a bad one is counted, never stored),
insert the new readings with ``INSERT ... ON CONFLICT (device_id, seq) DO NOTHING RETURNING`` (which
tells exactly which readings are new on SQLite ≥ 3.35 and PostgreSQL), count duplicates, move each
device's last seen reading, and evaluate the alert rules on the new, non-stale readings only. The
intake acknowledges the batch to the broker only after this commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version, create_audited, delete_audited, update_audited
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, gettext_noop
from tournevis.installed_base.models import EquipmentModel, ServiceObject
from tournevis.telemetry import domain
from tournevis.telemetry.domain import Action, BadPayload, Kind, Operator, Payload, Point
from tournevis.telemetry.models import AlertRule, Device, Episode, Reading
from tournevis.tickets import services as tickets

logger = logging.getLogger(__name__)
CHANNEL = "iot"
INTAKE = Actor.system("mqtt intake")
_INSERT_CHUNK = 500


class _Counts:
    """Intake outcomes of one batch: one log line per message, counters written once per reason."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = defaultdict(list)

    def add(self, reason: str, detail: str) -> None:
        self.details[reason].append(detail)

    def flush(self) -> None:
        for reason, details in self.details.items():  # one counter write per reason and batch
            for detail in details[:-1]:
                logger.warning("intake %s: %s %s", CHANNEL, reason, detail[:300])
            tickets.count_intake(CHANNEL, reason, details[-1], count=len(details))


@dataclass(frozen=True)
class Inbound:
    """One MQTT message as received (the intake keeps the broker's message id to ack it)."""

    topic: str
    payload: bytes


@dataclass
class BatchResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    opened: list[int] = field(default_factory=list)  # episode ids
    closed: list[int] = field(default_factory=list)


# --- Intake ---------------------------------------------------------------------------------------


def ingest(messages: Sequence[Inbound], *, received_at: datetime | None = None) -> BatchResult:
    """Store one batch in one transaction; return what happened to it."""
    received_at = received_at or clock.now()
    result = BatchResult(received=len(messages))
    counts = _Counts()
    with transaction.atomic():
        parsed: list[Payload] = []
        for message in messages:
            try:
                parsed.append(domain.parse_payload(message.topic, message.payload))
            except BadPayload as bad:
                result.rejected += 1
                counts.add(bad.reason, bad.detail)
        devices = {
            d.device_id: d
            for d in Device.objects.select_related("service_object").filter(
                device_id__in={p.device for p in parsed}
            )
        }
        rows: list[Row] = []
        seen: set[tuple[int, int]] = set()
        for payload in parsed:
            device = devices.get(payload.device)
            if device is None or not device.active:
                result.rejected += 1
                reason = "unknown_device" if device is None else "inactive_device"
                counts.add(reason, f"{payload.device} seq {payload.seq}")
                continue
            key = (device.pk, payload.seq)
            if key in seen:
                result.duplicates += 1
                counts.add("duplicate", f"{payload.device} seq {payload.seq}")
                continue
            seen.add(key)
            rows.append(Row(device, payload.seq, payload.at, payload.values, payload.error_code))
        new = _insert(rows, received_at)
        fresh = [r for r in rows if (r.device.pk, r.seq) in new]
        for row in rows:
            if (row.device.pk, row.seq) not in new:
                result.duplicates += 1
                counts.add("duplicate", f"{row.device.device_id} seq {row.seq}")
        result.stored = len(fresh)
        current = _advance_devices(fresh)
        if current:
            _alerts(current, result)
        counts.flush()
    return result


@dataclass(slots=True)
class Row:
    """A reading on its way in (lighter than a model instance: thousands per second)."""

    device: Device
    seq: int
    at: datetime
    values: dict[str, float]
    error_code: str


def _insert(rows: list[Row], received_at: datetime) -> set[tuple[int, int]]:
    """Insert with ON CONFLICT (device_id, seq) DO NOTHING; the keys actually inserted."""
    if not rows:
        return set()
    ops, quote = connection.ops, connection.ops.quote_name
    values_field = Reading._meta.get_field("values")
    columns = ", ".join(quote(c) for c in ("device_id", "seq", "at", "values", "error_code", "received_at"))
    received = ops.adapt_datetimefield_value(received_at)
    inserted: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            params: list[Any] = []
            for row in chunk:
                params += (
                    row.device.pk,
                    row.seq,
                    ops.adapt_datetimefield_value(row.at),
                    values_field.get_db_prep_save(row.values, connection),
                    row.error_code,
                    received,
                )
            one = "(%s, %s, %s, %s, %s, %s)"
            cursor.execute(
                f"INSERT INTO {quote(Reading._meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(chunk))} "
                f"ON CONFLICT ({quote('device_id')}, {quote('seq')}) DO NOTHING "
                f"RETURNING {quote('device_id')}, {quote('seq')}",
                params,
            )
            inserted.update((int(d), int(s)) for d, s in cursor.fetchall())
    return inserted


def _advance_devices(fresh: list[Row]) -> dict[Device, list[Row]]:
    """Move each device's last seen reading; the new readings not older than it (by device time),
    in time order — older ones (late redeliveries) are stored for the history but change no alert."""
    by_device: dict[Device, list[Row]] = defaultdict(list)
    for row in fresh:
        by_device[row.device].append(row)
    current: dict[Device, list[Row]] = {}
    for device, rows in by_device.items():
        rows.sort(key=lambda r: (r.at, r.seq))
        since = device.last_seen_at
        recent = [r for r in rows if since is None or r.at >= since]
        if recent:
            device.last_seen_at, device.last_seq = recent[-1].at, recent[-1].seq
            current[device] = recent
    if current:
        ops, quote = connection.ops, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(Device._meta.db_table)} SET {quote('last_seen_at')} = %s, "  # noqa: S608
                f"{quote('last_seq')} = %s WHERE {quote('id')} = %s",
                [(ops.adapt_datetimefield_value(d.last_seen_at), d.last_seq, d.pk) for d in current],
            )
    return current


def rules_for(devices: Iterable[Device]) -> dict[int, list[AlertRule]]:
    """Active rules of each device (by its object, or its object's equipment model)."""
    devices = list(devices)
    objects = {d.service_object_id for d in devices}
    models = {d.service_object.equipment_model_id for d in devices} - {None}
    found = list(
        AlertRule.objects.filter(active=True).filter(
            Q(service_object_id__in=objects) | Q(equipment_model_id__in=models)
        )
    )
    return {
        d.pk: [
            r
            for r in found
            if r.service_object_id == d.service_object_id
            or (
                r.equipment_model_id is not None
                and r.equipment_model_id == d.service_object.equipment_model_id
            )
        ]
        for d in devices
    }


def _as_rule(rule: AlertRule) -> domain.Rule:
    return domain.Rule(
        kind=Kind(rule.kind),
        metric=rule.metric,
        operator=Operator(rule.operator),
        value=rule.value,
        window_minutes=rule.window_minutes,
        clear_value=rule.clear_value,
        error_code=rule.error_code,
    )


def _window(device: Device, rule: AlertRule, rows: list[Row]) -> list[Point]:
    start = rows[0].at - timedelta(minutes=rule.window_minutes)
    stored = Reading.objects.filter(device=device, at__gte=start, at__lte=rows[-1].at).values_list(
        "at", "values"
    )
    return [Point(at, float(values[rule.metric])) for at, values in stored if rule.metric in values]


def _alerts(current: dict[Device, list[Row]], result: BatchResult) -> None:
    rules = rules_for(current)
    if not any(rules.values()):
        return
    open_episodes = {
        (e.rule_id, e.device_id): e
        for e in Episode.objects.filter(
            closed_at__isnull=True,
            device__in=list(current),
            rule__in={r.pk for rs in rules.values() for r in rs},
        )
    }
    for device, rows in current.items():
        for rule in rules[device.pk]:
            spec = _as_rule(rule)
            window = _window(device, rule, rows) if spec.kind == Kind.RATE else []
            for row in rows:
                key = (rule.pk, device.pk)
                episode = open_episodes.get(key)
                outcome, measured = domain.evaluate(
                    spec, row.at, row.values, row.error_code, window, episode_open=episode is not None
                )
                action = domain.step(episode is not None, outcome)
                if action == Action.OPEN:
                    episode = _open(rule, device, row, measured)
                    open_episodes[key] = episode
                    result.opened.append(episode.pk)
                elif action == Action.EXTEND and episode is not None:
                    episode.peak_value = domain.peak(spec.operator, episode.peak_value, measured)
                    episode.readings += 1
                    episode.save(update_fields=["peak_value", "readings"])
                elif action == Action.CLOSE and episode is not None:
                    _close(episode, row)
                    del open_episodes[key]
                    result.closed.append(episode.pk)


def _describe(rule: AlertRule, device: Device, row: Row, measured: float | None) -> str:
    """The ticket's description, in the language of the customer whose equipment it is."""
    customer = device.service_object.site.customer
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        return _describe_now(rule, device, row, measured)


def _describe_now(rule: AlertRule, device: Device, row: Row, measured: float | None) -> str:
    if rule.kind == Kind.ERROR_CODE:
        return _("Device %(device)s reported error code %(code)s at %(at)s.") % {
            "device": device.device_id,
            "code": row.error_code,
            "at": row.at.isoformat(),
        }
    return _(
        "Device %(device)s: %(metric)s = %(value)s (rule: %(kind)s %(operator)s %(limit)s) at %(at)s."
    ) % {
        "device": device.device_id,
        "metric": rule.metric,
        "value": f"{measured:g}" if measured is not None else "?",
        "kind": rule.kind,
        "operator": rule.operator,
        "limit": f"{rule.value:g}",
        "at": row.at.isoformat(),
    }


def _open(rule: AlertRule, device: Device, row: Row, measured: float | None) -> Episode:
    ticket_id = None
    try:
        with transaction.atomic():
            ticket = tickets.open_ticket(
                INTAKE,
                title=f"{rule.title} — {device.service_object.name}"[:300],
                channel=CHANNEL,
                description=_describe(rule, device, row, measured),
                service_object_id=device.service_object_id,
                priority=rule.priority,
                external_ref=f"telemetry:{device.device_id}:rule-{rule.pk}",
                author_label=device.device_id,
            )
            ticket_id = ticket.pk
    except DomainError as exc:  # the episode is still recorded; the failure is logged and counted
        tickets.count_intake(CHANNEL, "ticket_failed", f"{device.device_id} rule {rule.pk}: {exc.text()}")
    episode = Episode.objects.create(
        rule=rule, device=device, opened_at=row.at, ticket_id=ticket_id, peak_value=measured
    )
    audit.record(INTAKE, "telemetry.episode.open", episode, after=audit.snapshot(episode))
    logger.info(
        "episode %s opened: rule %s on %s, ticket %s", episode.pk, rule.pk, device.device_id, ticket_id
    )
    return episode


def _close(episode: Episode, row: Row) -> None:
    before = audit.snapshot(episode)
    episode.closed_at = row.at
    episode.save(update_fields=["closed_at"])
    audit.record(INTAKE, "telemetry.episode.close", episode, before=before, after=audit.snapshot(episode))
    if episode.ticket_id is not None:
        with translation.override(settings.LANGUAGE_CODE):  # an internal note: the staff's language
            text = _("Condition cleared at %(at)s (device %(device)s, reading %(seq)s).") % {
                "at": row.at.isoformat(),
                "device": episode.device.device_id,
                "seq": row.seq,
            }
        tickets.add_message(
            INTAKE,
            episode.ticket_id,
            body=text,
            public=False,
            channel=CHANNEL,
            author_label=episode.device.device_id,
        )


# --- Devices --------------------------------------------------------------------------------------


def _object(pk: object, field_name: str = "service_object_id") -> ServiceObject:
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise InvalidInput(gettext_noop("This field is required."), field=field_name)
    obj = ServiceObject.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(gettext_noop("No service object with id %(id)s."), field=field_name, id=pk)
    return obj


def _locked_device(pk: int) -> Device:
    device = Device.objects.select_for_update().filter(pk=pk).first()
    if device is None:
        raise NotFound(gettext_noop("No device with id %(id)s."), id=pk)
    return device


@transaction.atomic
def create_device(actor: Actor, data: dict[str, Any]) -> Device:
    device_id = domain.clean_device_id(data.get("device_id"))
    obj = _object(data.get("service_object_id"))
    if Device.objects.filter(device_id=device_id).exists():
        raise Conflict(
            gettext_noop("A device “%(device_id)s” exists."), field="device_id", device_id=device_id
        )
    return create_audited(
        actor,
        Device,
        "telemetry.device.create",
        {"device_id": device_id, "service_object": obj, "active": bool(data.get("active", True))},
    )


@transaction.atomic
def update_device(actor: Actor, pk: int, data: dict[str, Any], expected_version: int | None = None) -> Device:
    """Rebind a device to another object, or (de)activate it. Its id is fixed (readings refer to it)."""
    device = _locked_device(pk)
    check_version(device, expected_version)
    changes: dict[str, Any] = {}
    if data.get("service_object_id") is not None:
        changes["service_object"] = _object(data["service_object_id"])
    if data.get("active") is not None:
        changes["active"] = bool(data["active"])
    return update_audited(actor, device, "telemetry.device.update", changes, None)


@transaction.atomic
def delete_device(actor: Actor, pk: int) -> None:
    device = _locked_device(pk)
    if Reading.objects.filter(device=device).exists():
        raise Conflict(gettext_noop("This device has readings; deactivate it instead."), field="active")
    delete_audited(actor, device, "telemetry.device.delete")


# --- Alert rules ----------------------------------------------------------------------------------

_RULE_FIELDS = (
    "kind",
    "metric",
    "operator",
    "value",
    "clear_value",
    "window_minutes",
    "error_code",
    "priority",
    "title",
)


def _target(data: dict[str, Any]) -> dict[str, Any]:
    model_id, object_id = data.get("equipment_model_id"), data.get("service_object_id")
    if (model_id is None) == (object_id is None):
        raise InvalidInput(
            gettext_noop("A rule applies to exactly one equipment model or one service object."),
            field="equipment_model_id",
        )
    if model_id is not None:
        model = EquipmentModel.objects.filter(pk=model_id).first()
        if model is None:
            raise InvalidInput(
                gettext_noop("No equipment model with id %(id)s."), field="equipment_model_id", id=model_id
            )
        return {"equipment_model": model, "service_object": None}
    return {"equipment_model": None, "service_object": _object(object_id)}


def _locked_rule(pk: int) -> AlertRule:
    rule = AlertRule.objects.select_for_update().filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext_noop("No alert rule with id %(id)s."), id=pk)
    return rule


@transaction.atomic
def create_rule(actor: Actor, data: dict[str, Any]) -> AlertRule:
    fields = domain.clean_rule(data)
    fields.update(_target(data))
    fields["active"] = bool(data.get("active", True))
    return create_audited(actor, AlertRule, "telemetry.rule.create", fields)


@transaction.atomic
def update_rule(
    actor: Actor, pk: int, data: dict[str, Any], expected_version: int | None = None
) -> AlertRule:
    rule = _locked_rule(pk)
    check_version(rule, expected_version)
    merged = {name: getattr(rule, name) for name in _RULE_FIELDS}
    merged.update({k: v for k, v in data.items() if k in _RULE_FIELDS})
    changes: dict[str, Any] = domain.clean_rule(merged)
    if "equipment_model_id" in data or "service_object_id" in data:
        target = {
            "equipment_model_id": data.get("equipment_model_id"),
            "service_object_id": data.get("service_object_id"),
        }
        changes.update(_target(target))
    if data.get("active") is not None:
        changes["active"] = bool(data["active"])
    return update_audited(actor, rule, "telemetry.rule.update", changes, None)


@transaction.atomic
def delete_rule(actor: Actor, pk: int) -> None:
    rule = _locked_rule(pk)
    if Episode.objects.filter(rule=rule).exists():
        raise Conflict(gettext_noop("This rule has alert episodes; deactivate it instead."), field="active")
    delete_audited(actor, rule, "telemetry.rule.delete")
