"""What a technician records on a visit, one transaction each: time entries, expenses, photos, checklist
results, notes, parts used (and their removal), and the follow-up flag.

**When.** Records are accepted while the visit is dispatched, en route, on site or paused; otherwise
409 naming ``status`` (a cancelled or completed visit takes nothing new).

**Retries.** Rows created offline carry the device's ``client_id`` (the operation's
``Idempotency-Key``): the same ``client_id`` again returns the row made the first time — even once
the visit is over, so that a late retry loses nothing — and never makes a twin. The same photo id
with other bytes, or an id already used on another visit, is refused (422 naming ``client_id``).
Checklist results are edited in place: the edit names the ``version`` it changes (``If-Match``,
412 when stale).

**Who.** Ownership (which technician may record on which visit) is the caller's check (``mobile``,
``web``). Time entries and expenses are the acting user's when that user is a technician (the one
who did the work, even if the visit was reassigned since), else the visit's technician's. Parts are
taken, at completion, from that technician's van by default.

Each service locks the work order then the visit (``lifecycle.lock_visit``) and writes an audit event;
the checks they share are in ``record_checks``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.stock import domain as stock_domain
from tournevis.stock import ledger
from tournevis.stock.models import Part, SerialUnit
from tournevis.stock.services import clean_currency
from tournevis.stock.services_moves import location_of_technician
from tournevis.workforce.models import Technician
from tournevis.workorders import checklists, lifecycle, photos
from tournevis.workorders import record_checks as checks
from tournevis.workorders.domain_records import ExpenseKind, ItemKind, PhotoPurpose, TimeKind, decimal_text
from tournevis.workorders.models import (
    ChecklistItem,
    ChecklistResult,
    Expense,
    PartUsed,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
    WorkOrder,
)

RECORDING = checks.RECORDING
MAX_ENTRY = timedelta(hours=24)
MAX_TEXT = 2000
MAX_NOTE = 5000
MAX_AMOUNT = 100_000_000  # one million in major units
MAX_KM = Decimal("10000")
PHOTO_SNAPSHOT = ("visit", "client_id", "purpose", "caption", "width", "height", "size", "sha256", "taken_at")
RESULT_SNAPSHOT = ("visit", "item", "value", "photo", "passed", "version")
FOLLOW_UP_SNAPSHOT = ("follow_up_needed", "follow_up_reason", "version")


# --- Shared checks ---------------------------------------------------------------------------------


def _technician(actor: Actor, visit: Visit) -> Technician:
    """The acting technician, else the visit's."""
    if actor.user_id is not None:
        mine = Technician.objects.filter(user_id=actor.user_id).first()
        if mine is not None:
            return mine
    if visit.technician is None:  # a visit under way always has one (a database constraint)
        raise Conflict(gettext_noop("This visit has no technician."), field="status")
    return visit.technician


def _photo_of(visit: Visit, client_id: Any, field: str) -> VisitPhoto:
    key = checks.client_uuid(client_id, field)
    found = VisitPhoto.objects.filter(client_id=key, visit=visit).first()
    if found is None:
        raise InvalidInput(gettext_noop("No photo %(id)s on this visit."), field=field, id=str(key))
    return found


# --- Time and expenses -----------------------------------------------------------------------------


@transaction.atomic
def add_time_entry(
    actor: Actor,
    visit_id: int,
    *,
    client_id: Any,
    kind: str,
    started_at: Any,
    ended_at: Any,
    note: str = "",
    at: datetime | None = None,
) -> TimeEntry:
    """Work or travel time from ``started_at`` to ``ended_at`` (at most 24 hours), in whole minutes."""
    at = at or clock.now()
    key = checks.client_uuid(client_id)
    _order, visit = lifecycle.lock_visit(visit_id)
    found = checks.existing_row(TimeEntry, key, visit.pk)
    if found is not None:
        return found
    checks.check_recording(visit)
    if not checks.one_of(kind, TimeKind):
        raise InvalidInput(gettext_noop("Choose a kind: work or travel."), field="kind")
    start, end = checks.moment(started_at, "started_at"), checks.moment(ended_at, "ended_at")
    if end <= start:
        raise InvalidInput(gettext_noop("The end must be after the start."), field="ended_at")
    if end - start > MAX_ENTRY:
        raise InvalidInput(gettext_noop("A time entry lasts at most 24 hours."), field="ended_at")
    entry = TimeEntry.objects.create(
        visit=visit,
        client_id=key,
        technician=_technician(actor, visit),
        kind=kind,
        started_at=start,
        ended_at=end,
        minutes=int(((end - start).total_seconds() + 30) // 60),
        note=checks.json_text(note, "note", 300),
        created_at=at,
    )
    checks.record_created(actor, "visit.time.add", entry)
    return entry


def default_currency(order: WorkOrder) -> str:
    """The work order's contract's currency, else ``settings.DEFAULT_CURRENCY`` (EUR)."""
    if order.contract_id is not None:
        return str(order.contract.currency)  # type: ignore[union-attr]
    return str(getattr(settings, "DEFAULT_CURRENCY", "EUR"))


def _amount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(gettext_noop("Enter an amount in minor units (cents)."), field="amount_minor")
    try:
        amount = int(str(value).strip())
    except ValueError:
        raise InvalidInput(
            gettext_noop("Enter an amount in minor units (cents)."), field="amount_minor"
        ) from None
    if amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(
            gettext_noop("Enter an amount between 0 and %(max)s."), field="amount_minor", max=MAX_AMOUNT
        )
    return amount


def _distance(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(gettext_noop("Enter a distance in kilometres."), field="distance_km")
    try:
        km = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(gettext_noop("Enter a distance in kilometres."), field="distance_km") from None
    if not km.is_finite() or km <= 0 or km > MAX_KM or km != km.quantize(Decimal("0.1")):
        raise InvalidInput(
            gettext_noop("Enter a distance above 0 and up to %(max)s km, with at most one decimal."),
            field="distance_km",
            max=int(MAX_KM),
        )
    return km.quantize(Decimal("0.1"))


@transaction.atomic
def add_expense(
    actor: Actor,
    visit_id: int,
    *,
    client_id: Any,
    kind: str,
    amount_minor: Any = 0,
    currency: str | None = None,
    distance_km: Any = None,
    receipt: Any = None,
    spent_on: Any = None,
    note: str = "",
    at: datetime | None = None,
) -> Expense:
    """An expense: ``distance`` needs ``distance_km`` (its amount may be 0: the mileage rate applies
    later); tolls, meals, parking and others need an amount above 0. ``receipt``: the client id of a
    photo of this visit. ``spent_on`` defaults to today at the site."""
    at = at or clock.now()
    key = checks.client_uuid(client_id)
    order, visit = lifecycle.lock_visit(visit_id)
    found = checks.existing_row(Expense, key, visit.pk)
    if found is not None:
        return found
    checks.check_recording(visit)
    if not checks.one_of(kind, ExpenseKind):
        raise InvalidInput(
            gettext_noop("Choose a kind: distance, toll, meal, parking or other."), field="kind"
        )
    amount = _amount(amount_minor)
    km = _distance(distance_km)
    if kind == ExpenseKind.DISTANCE and km is None:
        raise InvalidInput(gettext_noop("Enter the distance driven."), field="distance_km")
    if kind != ExpenseKind.DISTANCE and amount == 0:
        raise InvalidInput(gettext_noop("Enter the amount spent."), field="amount_minor")
    expense = Expense.objects.create(
        visit=visit,
        client_id=key,
        technician=_technician(actor, visit),
        kind=kind,
        amount_minor=amount,
        currency=clean_currency(currency) if currency else default_currency(order),
        distance_km=km,
        receipt=_photo_of(visit, receipt, "receipt") if receipt not in (None, "") else None,
        spent_on=checks.day(spent_on, "spent_on")
        if spent_on not in (None, "")
        else at.astimezone(ZoneInfo(order.site.timezone)).date(),
        note=checks.json_text(note, "note", 300),
        created_at=at,
    )
    checks.record_created(actor, "visit.expense.add", expense)
    return expense


# --- Photos ----------------------------------------------------------------------------------------


@transaction.atomic
def store_photo(
    actor: Actor,
    visit_id: int,
    *,
    client_id: Any,
    content: bytes,
    purpose: str = PhotoPurpose.VISIT.value,
    caption: str = "",
    taken_at: Any = None,
    at: datetime | None = None,
) -> VisitPhoto:
    """Store a photo re-encoded by ``photos.clean_photo`` (413 too large, 422 not an image). The same
    ``client_id`` with the same bytes returns the stored photo; with other bytes, a 422."""
    at = at or clock.now()
    photos.check_size(content)
    key = checks.client_uuid(client_id)
    _order, visit = lifecycle.lock_visit(visit_id)
    found = checks.existing_row(VisitPhoto, key, visit.pk)
    if found is not None:
        if found.received_sha256 != photos.received_hash(content):
            raise InvalidInput(
                gettext_noop("This photo id was already used for another picture."), field="client_id"
            )
        return found
    checks.check_recording(visit)
    if not checks.one_of(purpose, PhotoPurpose):
        raise InvalidInput(gettext_noop("Choose a purpose: visit, checklist or receipt."), field="purpose")
    caption = checks.json_text(caption, "caption", 300)
    taken = checks.moment(taken_at, "taken_at") if taken_at not in (None, "") else at
    clean = photos.clean_photo(content)
    photo = VisitPhoto.objects.create(
        visit=visit,
        client_id=key,
        purpose=purpose,
        caption=caption,
        content=clean.content,
        content_type="image/jpeg",
        width=clean.width,
        height=clean.height,
        size=clean.size,
        sha256=clean.sha256,
        received_sha256=clean.received_sha256,
        taken_at=taken,
        uploaded_by_id=actor.user_id,
        created_at=at,
    )
    checks.record_created(actor, "visit.photo.add", photo, PHOTO_SNAPSHOT)
    return photo


# --- Checklist results -----------------------------------------------------------------------------


def clean_value(item: ChecklistItem, value: Any, visit: Visit) -> tuple[Any, bool | None, VisitPhoto | None]:
    """The answer to ``item`` as stored (JSON value), whether it passed, and the photo it names."""

    def bad(message: str, **params: Any) -> InvalidInput:
        return InvalidInput(message, field="value", **params)

    if item.kind == ItemKind.CHECK:
        if not isinstance(value, bool):
            raise bad(gettext_noop("Answer yes (true) or no (false)."))
        return value, value, None
    if item.kind == ItemKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise bad(gettext_noop("Enter a number."))
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise bad(gettext_noop("Enter a number.")) from None
        if not number.is_finite() or abs(number) >= checklists.RANGE_LIMIT:
            raise bad(gettext_noop("Enter a number."))
        low, high = item.minimum, item.maximum
        passed = (
            None
            if low is None and high is None
            else (low is None or number >= low) and (high is None or number <= high)
        )
        return decimal_text(number), passed, None
    if item.kind == ItemKind.TEXT:
        if not isinstance(value, str) or not value.strip():
            raise bad(gettext_noop("Enter a text."))
        if len(value.strip()) > MAX_TEXT:
            raise bad(gettext_noop("At most %(max)s characters."), max=MAX_TEXT)
        return value.strip(), None, None
    if item.kind == ItemKind.CHOICE:
        values = [str(choice.get("value")) for choice in item.choices]
        if not isinstance(value, str) or value not in values:
            raise bad(gettext_noop("Choose one of: %(choices)s."), choices=", ".join(values))
        return value, None, None
    photo = _photo_of(visit, value, "value")
    return str(photo.client_id), None, photo


def _applies(visit: Visit, item_id: Any) -> ChecklistItem:
    if isinstance(item_id, bool) or not isinstance(item_id, int | str) or not str(item_id).strip().isdigit():
        raise InvalidInput(gettext_noop("No checklist item with id %(id)s."), field="item_id", id=item_id)
    item = ChecklistItem.objects.select_related("template").filter(pk=int(item_id)).first()
    if item is None:
        raise InvalidInput(gettext_noop("No checklist item with id %(id)s."), field="item_id", id=item_id)
    applies = {template.pk for template in checklists.templates_for(visit.work_order)}
    answered = ChecklistResult.objects.filter(visit=visit, item=item).exists()
    if item.template_id not in applies and not answered:
        raise InvalidInput(
            gettext_noop("Item %(id)s is not on this visit's checklist."), field="item_id", id=item.pk
        )
    return item


@transaction.atomic
def set_checklist_result(
    actor: Actor,
    visit_id: int,
    *,
    item_id: Any,
    value: Any,
    photo: Any = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> ChecklistResult:
    """Answer a checklist item (see ``clean_value``), or change the answer (``expected_version``: the
    result's version read; the version goes up by one when the answer changes). ``photo``: the client
    id of a photo of this visit that goes with the answer."""
    at = at or clock.now()
    _order, visit = checks.lock_recording(visit_id)
    item = _applies(visit, item_id)
    stored, passed, named = clean_value(item, value, visit)
    if named is None and photo not in (None, ""):
        named = _photo_of(visit, photo, "photo")
    result = ChecklistResult.objects.select_for_update().filter(visit=visit, item=item).first()
    if result is None:
        result = ChecklistResult.objects.create(
            visit=visit,
            item=item,
            value=stored,
            photo=named,
            passed=passed,
            recorded_at=at,
            recorded_by_label=actor.label[:200],
        )
        checks.record_created(actor, "visit.checklist.set", result, RESULT_SNAPSHOT)
        return result
    check_version(result, expected_version)
    if (result.value, result.photo_id, result.passed) == (stored, named.pk if named else None, passed):
        return result
    before = audit.snapshot(result, RESULT_SNAPSHOT)
    result.value, result.photo, result.passed = stored, named, passed
    result.recorded_at, result.recorded_by_label = at, actor.label[:200]
    result.version += 1
    result.save()
    audit.record(
        actor, "visit.checklist.set", result, before=before, after=audit.snapshot(result, RESULT_SNAPSHOT)
    )
    return result


# --- Notes, parts, follow-up -----------------------------------------------------------------------


@transaction.atomic
def add_note(
    actor: Actor, visit_id: int, *, client_id: Any, text: str, at: datetime | None = None
) -> VisitNote:
    """A note on the visit (appended; notes are never edited)."""
    at = at or clock.now()
    key = checks.client_uuid(client_id)
    _order, visit = lifecycle.lock_visit(visit_id)
    found = checks.existing_row(VisitNote, key, visit.pk)
    if found is not None:
        return found
    checks.check_recording(visit)
    note = VisitNote.objects.create(
        visit=visit,
        client_id=key,
        text=checks.json_text(text, "text", MAX_NOTE, required=True),
        author_label=actor.label[:200],
        author_user_id=actor.user_id,
        written_at=at,
    )
    checks.record_created(actor, "visit.note.add", note)
    return note


def part_for_code(code: str) -> tuple[Part, str | None]:
    """The part a scanned label names: its reference, its manufacturer's reference, or the serial number
    of one of its units (then that serial too). 422 naming ``code`` when unknown or ambiguous."""
    text = checks.json_text(code, "code", 200, required=True)
    by_reference = Part.objects.filter(reference__iexact=text).first()
    if by_reference is not None:
        return by_reference, None
    by_maker = list(Part.objects.filter(manufacturer_reference__iexact=text).order_by("reference")[:2])
    units = list(
        SerialUnit.objects.filter(serial=text).select_related("part").order_by("part__reference")[:2]
    )
    matches = len(by_maker) + len(units)
    if matches == 1:
        return (by_maker[0], None) if by_maker else (units[0].part, units[0].serial)
    if matches > 1:
        raise InvalidInput(
            gettext_noop("Several parts have the label %(code)s: choose the part."), field="code", code=text
        )
    raise InvalidInput(gettext_noop("No part has the label %(code)s."), field="code", code=text)


@transaction.atomic
def use_part(
    actor: Actor,
    visit_id: int,
    *,
    client_id: Any,
    part_id: int | None = None,
    code: str | None = None,
    quantity: Any,
    serials: Sequence[str] = (),
    at: datetime | None = None,
) -> PartUsed:
    """A part fitted on the visit, named by ``part_id`` or by a scanned ``code`` (``part_for_code``); the
    stock moves when the visit is completed, from the technician's van (when it has one)."""
    at = at or clock.now()
    key = checks.client_uuid(client_id)
    _order, visit = lifecycle.lock_visit(visit_id)
    found = checks.existing_row(PartUsed, key, visit.pk)
    if found is not None:
        return found
    checks.check_recording(visit)
    scanned, serial = "", None
    if part_id is not None:
        number = (
            str(part_id).strip() if isinstance(part_id, int | str) and not isinstance(part_id, bool) else ""
        )
        part = Part.objects.filter(pk=int(number)).first() if number.isdigit() else None
        if part is None:
            raise InvalidInput(gettext_noop("No part with id %(id)s."), field="part_id", id=part_id)
    elif code not in (None, ""):
        part, serial = part_for_code(code)  # type: ignore[arg-type]
        scanned = str(code).strip()
    else:
        raise InvalidInput(gettext_noop("Choose a part or scan its label."), field="part_id")
    q = stock_domain.quantity(quantity, part.unit)
    given = [str(s) for s in serials] if isinstance(serials, list | tuple) else None
    if given is None:
        raise InvalidInput(gettext_noop("Give the serial numbers as a list."), field="serials")
    if serial is not None and serial not in given:
        given.append(serial)
    units = ledger.clean_serials(part, q, given)
    technician = _technician(actor, visit)
    line = PartUsed.objects.create(
        visit=visit,
        client_id=key,
        part=part,
        quantity=q,
        serials=units,
        location=location_of_technician(technician.pk),
        scanned_code=scanned[:200],
        recorded_at=at,
        recorded_by_label=actor.label[:200],
    )
    checks.record_created(actor, "visit.part.use", line)
    return line


@transaction.atomic
def remove_part_used(actor: Actor, visit_id: int, *, client_id: Any, at: datetime | None = None) -> PartUsed:
    """Take back a part line recorded by mistake (kept, marked removed); refused once consumed."""
    at = at or clock.now()
    key = checks.client_uuid(client_id)
    _order, visit = lifecycle.lock_visit(visit_id)
    line = PartUsed.objects.select_for_update().filter(client_id=key, visit=visit).first()
    if line is None:
        raise NotFound(gettext_noop("No part line %(id)s on this visit."), field="client_id", id=str(key))
    if line.removed_at is not None:
        return line
    if line.consumed_at is not None:
        raise Conflict(
            gettext_noop("This part was taken from stock when the visit was completed."), field="client_id"
        )
    checks.check_recording(visit)
    before = audit.snapshot(line, ("removed_at",))
    line.removed_at = at
    line.save(update_fields=["removed_at"])
    audit.record(actor, "visit.part.remove", line, before=before, after=audit.snapshot(line, ("removed_at",)))
    return line


@transaction.atomic
def set_follow_up(
    actor: Actor,
    visit_id: int,
    *,
    needed: bool,
    reason: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Visit:
    """Say whether the visit calls for follow-up work (and why): a fixed visit with it set proposes a
    follow-up work order at completion. Bumps the visit's version."""
    at = at or clock.now()
    _order, visit = lifecycle.lock_visit(visit_id)
    check_version(visit, expected_version)
    checks.check_recording(visit)
    if not isinstance(needed, bool):
        raise InvalidInput(gettext_noop("Answer yes (true) or no (false)."), field="needed")
    text = checks.json_text(reason, "reason", 500) if needed else ""
    if (visit.follow_up_needed, visit.follow_up_reason) == (needed, text):
        return visit
    before = audit.snapshot(visit, FOLLOW_UP_SNAPSHOT)
    visit.follow_up_needed, visit.follow_up_reason = needed, text
    visit.version += 1
    visit.updated_at = at
    visit.save(update_fields=["follow_up_needed", "follow_up_reason", "version", "updated_at"])
    audit.record(
        actor, "visit.follow_up", visit, before=before, after=audit.snapshot(visit, FOLLOW_UP_SNAPSHOT)
    )
    return visit
