"""Apply one operation a device sent, at most once, in the device's order (ADR 0004; the rules are in
docs/contexts/mobile.md).

``submit`` runs in one transaction holding the device's row lock: a key already stored is answered
with its stored answer (``replayed``); a sequence number other than the next one is refused (409
naming ``seq`` with ``expected``, nothing stored); the next one is applied inside a savepoint, and its
``Operation`` row (key, fingerprint, answer), any ``Conflict`` row and the device's ``last_seq`` are
written in the same transaction as the effect. A crash before the commit leaves nothing: the device
retries and the operation is applied then, once.

An operation is ``applied``, ``conflict`` (recorded, shown to the technician and the planners: the
visit was cancelled, completed or given to someone else, a version changed, the visit's status
refuses the step, a signature for another report content) or ``rejected`` (bad input: a 4xx problem
stored like any answer, so the device's outbox moves on). Photos are not sequenced: ``upload_photo``
is idempotent by the photo's client id.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict as ConflictError
from tournevis.core.errors import DomainError, InvalidInput, NotFound, PreconditionFailed, gettext_noop
from tournevis.identity.problems import problem_body
from tournevis.mobile import access, domain, ops, queries
from tournevis.mobile.access import DeviceRefused
from tournevis.mobile.domain import Reason
from tournevis.mobile.models import Conflict, Device, Operation
from tournevis.workforce.models import Technician
from tournevis.workorders import lifecycle, records
from tournevis.workorders.models import StatusChange, Visit

KEY_HEADER = "Idempotency-Key"
_IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')
MAX_SEQ = 2**62


class SeqRefused(ConflictError):
    """The sequence number is not the next one: 409 naming ``seq``, with the ``expected`` number."""

    def __init__(self, message: str, *, expected: int, **params: Any) -> None:
        super().__init__(message, field="seq", expected=expected, **params)
        self.expected = expected

    def problem_members(self, gettext: Any) -> dict[str, Any]:
        return {"expected": self.expected}


@dataclass(frozen=True)
class Envelope:
    """One operation as the device sent it (``op``, ``visit_id``, ``at`` and ``data`` unchecked yet:
    bad values there are rejected with the sequence number consumed)."""

    key: uuid.UUID
    seq: int
    op: Any
    visit_id: Any
    at: Any
    data: Any
    if_match: str | None
    fingerprint: str

    def payload(self) -> dict[str, Any]:
        return {
            "key": str(self.key),
            "seq": self.seq,
            "op": self.op,
            "visit_id": self.visit_id,
            "at": self.at,
            "data": self.data,
            "if_match": self.if_match,
        }


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def envelope(key: str | None, body: Any, if_match: str | None) -> Envelope:
    """The key and sequence number checked (422 naming them; nothing stored: without them the
    operation cannot be placed in the device's order)."""
    try:
        parsed = uuid.UUID((key or "").strip())
    except ValueError:
        raise InvalidInput(
            gettext_noop("Idempotency-Key must be the operation's UUID."), field=KEY_HEADER
        ) from None
    if not isinstance(body, dict):
        raise InvalidInput(gettext_noop("The body must be a JSON object."), field="body")
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise InvalidInput(gettext_noop("seq must be a whole number from 1."), field="seq")
    header = if_match.strip() if if_match else None
    values = {name: body.get(name) for name in ("op", "visit_id", "at", "data")}
    return Envelope(
        key=parsed,
        seq=seq,
        if_match=header,
        fingerprint=domain.fingerprint(seq=seq, if_match=header, **values),
        **values,
    )


def _if_match(value: str | None) -> int | None:
    if value in (None, "", "*"):
        return None
    match = _IF_MATCH.match(value or "")
    if match is None:
        raise InvalidInput(gettext_noop('If-Match must name one version, e.g. "3".'), field="If-Match")
    return int(match.group(1))


def _device_time(value: Any) -> datetime:
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            gettext_noop("at must be the device's time, ISO 8601 with its offset."), field="at"
        )
    return moment


def _visit_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ops.MAX_ID:
        raise InvalidInput(gettext_noop("visit_id must be a visit's id."), field="visit_id")
    return value


def _nul_at(value: Any, path: str) -> str | None:
    """The path of the first string (or key) holding a NUL character (PostgreSQL stores none)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return path or "data"
            found = _nul_at(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _nul_at(item, path)
            if found is not None:
                return found
    return None


def check_no_nul(value: Any, field: str) -> None:
    where = _nul_at(value, field)
    if where is not None:
        raise InvalidInput(gettext_noop("Text may not contain NUL characters."), field=storable(where))


def storable(value: Any) -> Any:
    """``value`` with every NUL character replaced (answers and payloads are stored as they are sent)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def _stored_visit_id(value: Any) -> int | None:
    try:
        return _visit_id(value)
    except InvalidInput:
        return None


def _earliest(visit: Visit) -> datetime | None:
    """The visit's last status change (or dispatch): the device's time of a step is not before it."""
    last = StatusChange.objects.filter(visit=visit).order_by("-at").values_list("at", flat=True).first()
    moments = [m for m in (last, visit.dispatched_at) if m is not None]
    return max(moments) if moments else None


def visit_label(visit: Visit) -> str:
    return f"{visit.work_order.number} #{visit.number}"


def _gate(technician: Technician, visit: Visit) -> tuple[Reason, str] | None:
    """Whether the op may act on the visit: None, a conflict, or NotFound for a visit never the
    technician's."""
    if visit.technician_id != technician.pk:
        if not access.had_visit(technician.pk, visit.pk):
            raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit.pk)
        return Reason.VISIT_REASSIGNED, gettext_noop("This visit was given to another technician.")
    if visit.status == "cancelled":
        return Reason.VISIT_CANCELLED, gettext_noop("This visit was cancelled.")
    if visit.status == "completed":
        return Reason.VISIT_COMPLETED, gettext_noop("This visit is already completed.")
    return None


@dataclass
class _Outcome:
    status: int
    body: dict[str, Any]
    outcome: str
    conflict: tuple[Reason, str] | None = None
    visit: Visit | None = None
    device_at: datetime | None = None


def _current(visit: Visit | None, message: str) -> dict[str, Any]:
    if visit is None:
        return {"message": message}
    return {
        "message": message,
        "visit": queries.visit_state(visit),
        "visit_label": visit_label(visit),
        "technician": visit.technician.name if visit.technician is not None else "",
        "planned_start": queries.iso(visit.planned_start),
    }


def _run(actor: Actor, env: Envelope, now: datetime) -> _Outcome:
    """Check and apply the op inside a savepoint; a DomainError rolls the savepoint back and becomes
    a conflict or a rejection."""
    head = {"seq": env.seq, "key": str(env.key)}
    visit: Visit | None = None
    device_at = None
    try:
        for name in ("op", "at", "data"):
            check_no_nul(getattr(env, name), name)
        if not isinstance(env.op, str) or env.op not in ops.OPS:
            raise InvalidInput(gettext_noop("Unknown operation %(op)s."), field="op", op=str(env.op)[:40])
        visit_id = _visit_id(env.visit_id)
        device_at = _device_time(env.at)
        if_match = _if_match(env.if_match)
        technician = access.technician_of(actor)
        with transaction.atomic():
            _order, visit = lifecycle.lock_visit(visit_id)
            stop = _gate(technician, visit)
            if stop is not None:
                return _Outcome(200, head, "conflict", stop, visit, device_at)
            when = domain.event_time(
                device_at,
                now=now,
                skew=timedelta(seconds=settings.MOBILE_CLOCK_SKEW_SECONDS),
                earliest=_earliest(visit),
            )
            done = ops.OPS[env.op](ops.Context(actor, visit, env.key, when.used, if_match), env.data)
            visit.refresh_from_db()
        clock_info = {
            "device_at": queries.iso(when.device),
            "used_at": queries.iso(when.used),
            "adjusted": when.adjusted,
            "offset_seconds": when.offset_seconds,
        }
        body = {**head, "visit": queries.visit_state(visit), "record": done.record, "clock": clock_info}
        if when.adjusted:
            audit.record(
                actor,
                "mobile.clock_adjusted",
                object_type="workorders.visit",
                object_id=visit.pk,
                after={"op": env.op, "key": str(env.key), **clock_info},
            )
        if done.conflict is not None:
            return _Outcome(200, body, "conflict", done.conflict, visit, device_at)
        return _Outcome(200, {"result": "applied", **body}, "applied", None, visit, device_at)
    except PreconditionFailed as exc:
        return _Outcome(
            200, head, "conflict", (Reason.VERSION_CHANGED, exc.text(_)), _fresh(visit), device_at
        )
    except ConflictError as exc:
        return _Outcome(200, head, "conflict", (Reason.NOT_ALLOWED, exc.text(_)), _fresh(visit), device_at)
    except DomainError as exc:
        message = exc.text(_)
        errors = [{"field": exc.field, "message": message}] if exc.field else None
        body = problem_body(exc.status, _(exc.title), message, errors) | exc.problem_members(_)
        return _Outcome(exc.status, {**body, "result": "rejected", **head}, "rejected", None, None, device_at)


def _fresh(visit: Visit | None) -> Visit | None:
    """The visit as it is after the savepoint rolled back (None when it was never read)."""
    if visit is None:
        return None
    return Visit.objects.select_related("work_order", "technician").get(pk=visit.pk)


def _record_conflict(
    device: Device,
    operation: Operation | None,
    reason: Reason,
    message: str,
    visit: Visit | None,
    payload: dict[str, Any],
    now: datetime,
) -> Conflict:
    return Conflict.objects.create(
        device=device,
        operation=operation,
        visit=visit,
        reason=reason.value,
        payload=payload,
        current=_current(visit, message),
        created_at=now,
    )


@transaction.atomic
def submit(actor: Actor, device_id: int, env: Envelope) -> Answer:
    """Place the operation in the device's order and answer it (see the module's docstring)."""
    device = Device.objects.select_for_update().get(pk=device_id)
    if device.revoked_at is not None:
        raise DeviceRefused(gettext_noop("This device was signed out; sign in again."), field="X-Device-Id")
    stored = Operation.objects.filter(key=env.key).first()
    if stored is not None:
        if stored.device_id != device.pk or stored.fingerprint != env.fingerprint:
            raise InvalidInput(
                gettext_noop("This Idempotency-Key was already used for another operation."),
                field=KEY_HEADER,
            )
        return Answer(stored.status_code, stored.answer, replayed=True)
    expected = device.last_seq + 1
    where = domain.place(env.seq, device.last_seq)
    if where == domain.Place.DONE:
        raise SeqRefused(
            gettext_noop(
                "Operation %(seq)s was already received with another key; the next is %(expected)s."
            ),
            expected=expected,
            seq=env.seq,
        )
    if where == domain.Place.GAP:
        raise SeqRefused(
            gettext_noop("Operations from %(expected)s are missing: send them first."), expected=expected
        )
    now = clock.now()
    result = _run(actor, env, now)
    operation = Operation.objects.create(
        device=device,
        seq=env.seq,
        key=env.key,
        name=storable(str(env.op))[:40] if env.op is not None else "",
        visit_id=_stored_visit_id(env.visit_id),
        fingerprint=env.fingerprint,
        outcome=result.outcome,
        status_code=result.status,
        answer={},
        device_at=result.device_at,
        received_at=now,
    )
    body = storable(result.body)
    if result.conflict is not None:
        reason, message = result.conflict
        text = _(message)
        row = _record_conflict(device, operation, reason, text, result.visit, storable(env.payload()), now)
        body = {
            "result": "conflict",
            **body,
            "conflict": {"id": row.pk, "reason": reason.value, "message": text},
        }
        if "visit" not in body and result.visit is not None:
            body["visit"] = queries.visit_state(result.visit)
    operation.answer = body
    operation.save(update_fields=["answer"])
    device.last_seq = env.seq
    device.last_sync_at = device.last_seen_at = now
    device.save(update_fields=["last_seq", "last_sync_at", "last_seen_at"])
    return Answer(result.status, body)


# --- Photos ----------------------------------------------------------------------------------------


def _photo_conflict(device: Device, client_id: uuid.UUID) -> Conflict | None:
    return Conflict.objects.filter(
        device=device, operation__isnull=True, payload__client_id=str(client_id)
    ).first()


@transaction.atomic
def upload_photo(
    actor: Actor,
    device: Device | None,
    visit_id: int,
    client_id: Any,
    content: bytes,
    *,
    purpose: str,
    caption: str,
    taken_at: Any,
) -> Answer:
    """Store a photo of a visit (not sequenced: idempotent by ``client_id``). The visit's technician,
    or one who had it before a reassignment (stored all the same, and a conflict recorded once). A
    cancelled or completed visit takes no new photo: a conflict is recorded and the photo refused."""
    try:
        key = uuid.UUID(str(client_id))
    except ValueError:
        raise InvalidInput(gettext_noop("A photo id is a UUID."), field="client_id") from None
    for name, value in (("purpose", purpose), ("caption", caption), ("taken_at", taken_at)):
        check_no_nul(value, name)
    if not 1 <= visit_id <= ops.MAX_ID:
        raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit_id)
    technician = access.technician_of(actor)
    _order, visit = lifecycle.lock_visit(visit_id)
    stop = _gate(technician, visit)
    stored, refused = None, None
    try:
        with transaction.atomic():
            stored = records.store_photo(
                actor,
                visit.pk,
                client_id=key,
                content=content,
                purpose=purpose or "visit",
                caption=caption,
                taken_at=taken_at or None,
            )
    except (
        ConflictError
    ) as exc:  # the visit takes no new record (a retry of a stored photo does not get here)
        refused = exc
    if stored is not None and stop is not None and stop[0] != Reason.VISIT_REASSIGNED:
        stop = None  # stored before the visit was closed: this is a retry
    if stop is None and refused is not None:
        stop = (Reason.NOT_ALLOWED, refused.text(_))
    body: dict[str, Any] = {"client_id": str(key), "visit": queries.visit_state(visit)}
    if stored is not None:
        body["photo"] = queries.photo(stored)
    if stop is None:
        return Answer(200, {"result": "applied", **body})
    if device is None:
        raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit.pk)
    reason, message = stop
    row = _photo_conflict(device, key)
    if row is None:
        payload = {
            "op": "photo.put",
            "client_id": str(key),
            "visit_id": visit.pk,
            "purpose": purpose,
            "caption": caption,
            "taken_at": taken_at,
            "size": len(content),
            "stored": stored is not None,
        }
        row = _record_conflict(device, None, reason, _(message), visit, payload, clock.now())
    body["conflict"] = {"id": row.pk, "reason": row.reason, "message": row.current.get("message", "")}
    return Answer(200, {"result": "conflict", **body})
