"""Pure rules of the sync protocol (docs/contexts/mobile.md): the operation's fingerprint, where its
sequence number stands against the device's, the device time an event keeps, and the op names.
No Django."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why an operation was recorded as a conflict instead of applied."""

    VISIT_CANCELLED = "visit_cancelled"
    VISIT_REASSIGNED = "visit_reassigned"  # the visit's technician is no longer the device's user
    VISIT_COMPLETED = "visit_completed"
    VERSION_CHANGED = "version_changed"  # If-Match named a version that is no longer current
    REPORT_CHANGED = "report_changed"  # a signature for another report content (signature kept)
    NOT_ALLOWED = "not_allowed"  # the visit's status refuses the step (or completion is refused)


STATUS_OPS = frozenset({"visit.travel", "visit.check_in", "visit.pause", "visit.resume", "visit.complete"})
RECORD_OPS = frozenset(
    {
        "visit.follow_up",
        "time.add",
        "expense.add",
        "part.use",
        "part.remove",
        "checklist.set",
        "note.add",
        "signature.add",
    }
)
OPS = STATUS_OPS | RECORD_OPS


def fingerprint(*, seq: Any, op: Any, visit_id: Any, at: Any, data: Any, if_match: str | None) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of what the device sent: the same key
    with another operation is told apart from a retry of the same one."""
    canonical = json.dumps(
        {"seq": seq, "op": op, "visit_id": visit_id, "at": at, "data": data, "if_match": if_match},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class Place(StrEnum):
    """Where a sequence number stands against the device's last applied one."""

    DONE = "done"  # already applied (a replay, or a reuse of the number by another operation)
    NEXT = "next"  # the one expected: apply it
    GAP = "gap"  # an earlier one is missing: refused until it arrives


def place(seq: int, last_seq: int) -> Place:
    if seq <= last_seq:
        return Place.DONE
    return Place.NEXT if seq == last_seq + 1 else Place.GAP


@dataclass(frozen=True)
class EventTime:
    """The time an event is stamped with: the device's when within bounds, else the server's."""

    used: datetime
    device: datetime
    adjusted: bool

    @property
    def offset_seconds(self) -> int:
        """How far the device's clock was from the time used (positive: the device was ahead)."""
        return round((self.device - self.used).total_seconds())


def event_time(
    device_at: datetime, *, now: datetime, skew: timedelta, earliest: datetime | None
) -> EventTime:
    """ADR 0004 rule 4: the device's time of an event is kept when it is not later than ``now`` plus
    ``skew`` and not before ``earliest`` (the visit's last status change or dispatch); otherwise the
    server's ``now`` is used and the difference is kept. Never used to pick a winner."""
    if device_at > now + skew or (earliest is not None and device_at < earliest):
        return EventTime(used=now, device=device_at, adjusted=True)
    return EventTime(used=device_at, device=device_at, adjusted=False)
