"""Pure rules of the planning board: may this visit go to this technician at this time? No Django.

A dispatcher's drag and drop, the keyboard form and the API all come here before anything is written.
``check_move`` answers with *errors* (the move is refused: missing skill, not working or absent,
overlap with another visit, outside the site's access hours or the booked slot, a visit already
dispatched or under way) and *warnings* (the move is allowed once the dispatcher confirms: it starts
after the SLA on-site deadline, it leaves no room for the technician's break, it starts before the
parts can be there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tournevis.core.errors import gettext_noop
from tournevis.workorders.domain import UNDER_WAY, VisitStatus

# Visit statuses a move may not touch: the technician has it, or it is over.
LOCKED_STATUSES = UNDER_WAY | {VisitStatus.COMPLETED, VisitStatus.CANCELLED}


@dataclass(frozen=True)
class Issue:
    code: str
    message: str  # English, marked for translation; rendered with ``params``
    params: Mapping[str, str] = field(default_factory=dict)

    def text(self, gettext: object = None) -> str:
        translate = gettext if callable(gettext) else (lambda s: s)
        return str(translate(self.message)) % dict(self.params)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Shift:
    """A working window of the technician (UTC) with its break rule."""

    start: datetime
    end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_minutes: int = 0


@dataclass(frozen=True)
class Absence:
    start: datetime
    end: datetime
    kind: str


@dataclass(frozen=True)
class Booked:
    visit_id: int
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Target:
    """The technician the visit is dropped on, with their week."""

    name: str
    skills: Mapping[str, int]
    shifts: Sequence[Shift]
    absences: Sequence[Absence]
    booked: Sequence[Booked]


@dataclass(frozen=True)
class Candidate:
    """The visit being moved."""

    visit_id: int
    status: str
    skills: Mapping[str, int]
    windows: Sequence[Span] | None  # None: any time; otherwise the start and end must fit one of them
    deadline: datetime | None = None
    earliest: datetime | None = None


@dataclass(frozen=True)
class MoveCheck:
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]

    @property
    def allowed(self) -> bool:
        return not self.errors


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def _skill_errors(visit: Candidate, target: Target) -> list[Issue]:
    missing = []
    for code, level in sorted(visit.skills.items()):
        if target.skills.get(code, 0) < level:
            missing.append(
                Issue(
                    "skill",
                    gettext_noop("%(technician)s lacks the skill %(skill)s at level %(level)s."),
                    {"technician": target.name, "skill": code, "level": str(level)},
                )
            )
    return missing


def _room_for_break(shift: Shift, busy: Sequence[Span]) -> bool:
    """Whether ``break_minutes`` fit in the break window between the visits of the shift."""
    if not shift.break_minutes or shift.break_earliest is None or shift.break_latest is None:
        return True
    need = timedelta(minutes=shift.break_minutes)
    cursor = shift.break_earliest
    for span in sorted(busy, key=lambda s: s.start):
        if span.end <= cursor or span.start >= shift.break_latest:
            continue
        if span.start - cursor >= need:
            return True
        cursor = max(cursor, span.end)
    return shift.break_latest - cursor >= need


def check_move(visit: Candidate, target: Target, start: datetime, end: datetime) -> MoveCheck:
    """Errors refuse the move; warnings need the dispatcher's confirmation."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    if end <= start:
        errors.append(Issue("times", gettext_noop("The visit must end after it starts.")))
        return MoveCheck(tuple(errors), ())
    if visit.status in LOCKED_STATUSES:
        errors.append(
            Issue(
                "locked",
                gettext_noop("A visit that is %(status)s cannot be moved on the board."),
                {"status": visit.status.replace("_", " ")},
            )
        )
    errors += _skill_errors(visit, target)
    absent = [a for a in target.absences if _overlaps(a.start, a.end, start, end)]
    shift = next((s for s in target.shifts if s.start <= start and end <= s.end), None)
    if absent:
        errors.append(
            Issue(
                "absent",
                gettext_noop("%(technician)s is absent then (%(kind)s)."),
                {"technician": target.name, "kind": absent[0].kind},
            )
        )
    elif shift is None:
        errors.append(
            Issue(
                "off_shift", gettext_noop("%(technician)s is not working then."), {"technician": target.name}
            )
        )
    for other in target.booked:
        if other.visit_id != visit.visit_id and _overlaps(other.start, other.end, start, end):
            errors.append(
                Issue(
                    "overlap",
                    gettext_noop("It overlaps %(other)s, already planned for %(technician)s."),
                    {"other": other.label, "technician": target.name},
                )
            )
    if visit.windows is not None and not any(w.start <= start and end <= w.end for w in visit.windows):
        errors.append(
            Issue(
                "window",
                gettext_noop(
                    "It falls outside the site's access hours or the slot booked with the customer."
                ),
            )
        )
    if visit.deadline is not None and start > visit.deadline:
        warnings.append(
            Issue(
                "deadline",
                gettext_noop("It starts after the SLA on-site deadline (%(deadline)s)."),
                {"deadline": visit.deadline.isoformat(timespec="minutes")},
            )
        )
    if visit.earliest is not None and start < visit.earliest:
        warnings.append(
            Issue(
                "parts",
                gettext_noop("It starts before the parts can be there (%(earliest)s)."),
                {"earliest": visit.earliest.isoformat(timespec="minutes")},
            )
        )
    if shift is not None and not errors:
        busy = [Span(b.start, b.end) for b in target.booked if b.visit_id != visit.visit_id]
        busy.append(Span(start, end))
        if not _room_for_break(shift, busy):
            warnings.append(
                Issue(
                    "break",
                    gettext_noop("It leaves %(technician)s no room for the break."),
                    {"technician": target.name},
                )
            )
    return MoveCheck(tuple(errors), tuple(warnings))
