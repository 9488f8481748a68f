"""The operation table of the sync endpoint: each op name, the shape of its ``data`` and the one
workorders service it calls (docs/contexts/mobile.md lists them).

A handler gets the checked context (the visit locked, the device's time bounded) and returns what the
answer carries: the record made or changed (in the day data's shape, ``queries``) and, for a
signature given for another report content, the conflict to record (the signature is stored all the
same). Records made offline take the operation's ``Idempotency-Key`` as their ``client_id``.

``If-Match`` is read by the ops that edit a field: ``visit.follow_up`` (the visit's version) and
``checklist.set`` (the result's version, when the item was answered already). Status steps are
commands checked by the visit's state machine; appended records (time, expenses, parts, notes,
signatures) edit nothing.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop
from tournevis.mobile import queries
from tournevis.mobile.domain import Reason
from tournevis.workorders import completion, records, services_visits
from tournevis.workorders.domain import VisitStatus
from tournevis.workorders.models import Expense, Visit

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class Context:
    actor: Actor
    visit: Visit  # locked, read before the op
    key: uuid.UUID  # the Idempotency-Key: the client id of what the op creates
    at: datetime  # the device's time, bounded (domain.event_time)
    if_match: int | None


@dataclass
class Done:
    """What an op did: the record (JSON) and, for a signature of another report, the reason and
    message of the conflict to record although the effect is kept."""

    record: dict[str, Any] | None = None
    conflict: tuple[Reason, str] | None = None


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Empty(_Data):
    pass


class _Pause(_Data):
    reason: str = ""


class _Complete(_Data):
    fixed: StrictBool
    outcome: str = ""


class _FollowUp(_Data):
    needed: StrictBool
    reason: str = ""


class _Time(_Data):
    kind: str
    started_at: str
    ended_at: str
    note: str = ""


class _Expense(_Data):
    kind: str
    amount_minor: int | str = 0
    currency: str | None = None
    distance_km: float | int | str | None = None
    receipt: str | None = None
    spent_on: str | None = None
    note: str = ""


class _PartUse(_Data):
    part_id: RowId | None = None
    code: str | None = None
    quantity: int | float | str
    serials: list[str] = []


class _PartRemove(_Data):
    client_id: str


class _Checklist(_Data):
    item_id: RowId
    value: Any
    photo: str | None = None


class _Note(_Data):
    text: str


class _Signature(_Data):
    signer_name: str
    image: str
    report_sha256: str
    fixed: StrictBool
    outcome: str = ""


def parse(schema: type[_Data], data: Any) -> Any:
    """The op's ``data`` checked against its shape; 422 naming ``data.<field>``."""
    if not isinstance(data, dict):
        raise InvalidInput(gettext_noop("data must be a JSON object."), field="data")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error.get("loc", ()))
        raise InvalidInput(str(error.get("msg", "")), field=f"data.{where}" if where else "data") from None


# --- Status steps ----------------------------------------------------------------------------------


def _travel(ctx: Context, data: Any) -> Done:
    parse(_Empty, data)
    services_visits.start_travel(ctx.actor, ctx.visit.pk, at=ctx.at)
    return Done()


def _check_in(ctx: Context, data: Any) -> Done:
    parse(_Empty, data)
    services_visits.check_in(ctx.actor, ctx.visit.pk, at=ctx.at)
    return Done()


def _pause(ctx: Context, data: Any) -> Done:
    body = parse(_Pause, data)
    services_visits.pause(ctx.actor, ctx.visit.pk, reason=body.reason.strip()[:300], at=ctx.at)
    return Done()


def _resume(ctx: Context, data: Any) -> Done:
    parse(_Empty, data)
    if ctx.visit.status != VisitStatus.PAUSED:
        raise Conflict(
            gettext_noop("Only a paused visit is resumed (it is %(current)s)."),
            field="status",
            current=ctx.visit.status,
        )
    services_visits.check_in(ctx.actor, ctx.visit.pk, at=ctx.at)
    return Done()


def _complete(ctx: Context, data: Any) -> Done:
    body = parse(_Complete, data)
    completion.complete(ctx.actor, ctx.visit.pk, fixed=body.fixed, outcome=body.outcome, at=ctx.at)
    return Done()


# --- Records ---------------------------------------------------------------------------------------


def _follow_up(ctx: Context, data: Any) -> Done:
    body = parse(_FollowUp, data)
    records.set_follow_up(
        ctx.actor,
        ctx.visit.pk,
        needed=body.needed,
        reason=body.reason,
        expected_version=ctx.if_match,
        at=ctx.at,
    )
    return Done()


def _time(ctx: Context, data: Any) -> Done:
    body = parse(_Time, data)
    row = records.add_time_entry(
        ctx.actor,
        ctx.visit.pk,
        client_id=ctx.key,
        kind=body.kind,
        started_at=body.started_at,
        ended_at=body.ended_at,
        note=body.note,
        at=ctx.at,
    )
    return Done(queries.time_entry(row))


def _expense(ctx: Context, data: Any) -> Done:
    body = parse(_Expense, data)
    row = records.add_expense(
        ctx.actor,
        ctx.visit.pk,
        client_id=ctx.key,
        kind=body.kind,
        amount_minor=body.amount_minor,
        currency=body.currency,
        distance_km=body.distance_km,
        receipt=body.receipt,
        spent_on=body.spent_on,
        note=body.note,
        at=ctx.at,
    )
    return Done(queries.expense(Expense.objects.select_related("receipt").get(pk=row.pk)))


def _part_use(ctx: Context, data: Any) -> Done:
    body = parse(_PartUse, data)
    row = records.use_part(
        ctx.actor,
        ctx.visit.pk,
        client_id=ctx.key,
        part_id=body.part_id,
        code=body.code,
        quantity=body.quantity,
        serials=body.serials,
        at=ctx.at,
    )
    return Done(queries.part_used(row))


def _part_remove(ctx: Context, data: Any) -> Done:
    body = parse(_PartRemove, data)
    row = records.remove_part_used(ctx.actor, ctx.visit.pk, client_id=body.client_id, at=ctx.at)
    return Done(queries.part_used(row))


def _checklist(ctx: Context, data: Any) -> Done:
    body = parse(_Checklist, data)
    row = records.set_checklist_result(
        ctx.actor,
        ctx.visit.pk,
        item_id=body.item_id,
        value=body.value,
        photo=body.photo,
        expected_version=ctx.if_match,
        at=ctx.at,
    )
    return Done({"item_id": row.item_id, **queries.checklist_result(row)})


def _note(ctx: Context, data: Any) -> Done:
    body = parse(_Note, data)
    row = records.add_note(ctx.actor, ctx.visit.pk, client_id=ctx.key, text=body.text, at=ctx.at)
    return Done(queries.note(row))


def png_of(data_url: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,…`` URL (422 naming ``data.image`` otherwise)."""
    if not data_url.startswith(DATA_URL_PREFIX):
        raise InvalidInput(gettext_noop("The signature must be a PNG data URL."), field="data.image")
    try:
        return base64.b64decode(data_url[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            gettext_noop("The signature must be a PNG data URL."), field="data.image"
        ) from None


def _signature(ctx: Context, data: Any) -> Done:
    body = parse(_Signature, data)
    row, matches = completion.add_signature(
        ctx.actor,
        ctx.visit.pk,
        client_id=ctx.key,
        signer_name=body.signer_name,
        image_png=png_of(body.image),
        report_sha256=body.report_sha256,
        fixed=body.fixed,
        outcome=body.outcome,
        at=ctx.at,
    )
    done = Done(queries.signature(row))
    if not matches:
        done.conflict = (
            Reason.REPORT_CHANGED,
            gettext_noop(
                "The report changed after it was signed: the signature is kept, for the earlier version."
            ),
        )
    return done


OPS: dict[str, Callable[[Context, Any], Done]] = {
    "visit.travel": _travel,
    "visit.check_in": _check_in,
    "visit.pause": _pause,
    "visit.resume": _resume,
    "visit.complete": _complete,
    "visit.follow_up": _follow_up,
    "time.add": _time,
    "expense.add": _expense,
    "part.use": _part_use,
    "part.remove": _part_remove,
    "checklist.set": _checklist,
    "note.add": _note,
    "signature.add": _signature,
}
