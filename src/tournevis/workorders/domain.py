"""Pure rules of work orders: kinds, statuses, the transitions used so far, numbering. No Django."""

from __future__ import annotations

from enum import StrEnum

from tournevis.core.errors import Conflict, gettext_noop


class Kind(StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"
    INSTALLATION = "installation"
    REMOTE = "remote"


class Status(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    SCHEDULED = "scheduled"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    PAUSED = "paused"
    COMPLETED = "completed"
    VALIDATED = "validated"
    CANCELLED = "cancelled"


# Only what is used so far: a generated preventive work order is ready to be scheduled, or cancelled.
# The work-order issue completes this table.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.READY, Status.CANCELLED}),
    Status.READY: frozenset({Status.SCHEDULED, Status.CANCELLED}),
}


def check_transition(current: str, new: str) -> str:
    if Status(new) not in TRANSITIONS.get(Status(current), frozenset()):
        raise Conflict(
            gettext_noop("A work order cannot go from %(current)s to %(new)s."), current=current, new=new
        )
    return new


def format_number(year: int, sequence: int) -> str:
    return f"WO-{year:04d}-{sequence:06d}"
