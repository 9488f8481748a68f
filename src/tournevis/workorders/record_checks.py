"""The checks every visit record shares (``records``, ``records_parts``): the visit under way, the
client id of a retried creation, JSON values (times, dates, texts, kinds), and the audit of a new row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from tournevis.core import audit
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop
from tournevis.workorders import lifecycle
from tournevis.workorders.domain import VisitStatus
from tournevis.workorders.domain_records import ExpenseKind, PhotoPurpose, TimeKind
from tournevis.workorders.models import Visit, WorkOrder

RECORDING = frozenset({VisitStatus.DISPATCHED, VisitStatus.EN_ROUTE, VisitStatus.ON_SITE, VisitStatus.PAUSED})


def check_recording(visit: Visit) -> None:
    """409 naming ``status`` unless the visit is under way."""
    if visit.status not in RECORDING:
        raise Conflict(
            gettext_noop("A visit that is %(current)s takes no new records."),
            field="status",
            current=visit.status,
        )


def lock_recording(visit_id: int) -> tuple[WorkOrder, Visit]:
    """The work order and the visit, locked; 409 naming ``status`` unless the visit is under way."""
    order, visit = lifecycle.lock_visit(visit_id)
    check_recording(visit)
    return order, visit


def client_uuid(value: Any, field: str = "client_id") -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(gettext_noop("Enter a UUID."), field=field) from None


def existing_row(model: Any, client_id: uuid.UUID, visit_id: int) -> Any:
    """The row a retry already made (None for a new id); an id used on another visit is a 422."""
    found = model.objects.filter(client_id=client_id).first()
    if found is not None and found.visit_id != visit_id:
        raise InvalidInput(gettext_noop("This id is already used on another visit."), field="client_id")
    return found


def moment(value: Any, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(gettext_noop("Enter a date and time."), field=field) from None
    if not isinstance(value, datetime):
        raise InvalidInput(gettext_noop("Enter a date and time."), field=field)
    if value.tzinfo is None:
        raise InvalidInput(gettext_noop("Give the time with its UTC offset."), field=field)
    return value


def day(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(gettext_noop("Enter a date."), field=field) from None


def json_text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    """``clean_text`` for a value that came as JSON: anything but a string (or None) is a 422."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(gettext_noop("Enter a text."), field=field)
    return clean_text(value, field, max_length=max_length, required=required)


def one_of(value: Any, allowed: type[TimeKind] | type[ExpenseKind] | type[PhotoPurpose]) -> bool:
    return isinstance(value, str) and value in {member.value for member in allowed}


def record_created(actor: Actor, action: str, instance: Any, fields: Sequence[str] | None = None) -> None:
    audit.record(actor, action, instance, after=audit.snapshot(instance, fields))
