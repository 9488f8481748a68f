"""Pure rules of work orders: kinds, priorities, the two status machines (work order and visit), how a
work order's status follows its visits, field checks, numbering and a site's access windows. No Django.

Work order and visits
---------------------
A work order is done in one or more **visits**, one after the other. Every work order that can still be
worked (ready … paused) has exactly **one open visit** (not completed nor cancelled): the services
create visit 1 when the work order becomes ready and the next one when a visit ends without fixing the
problem (or is cancelled) — so the planner always has a visit to place. Draft, completed, validated and
cancelled work orders have no open visit.

The work order's status between ``ready`` and ``completed`` is never set by hand: it **follows its open
visit** (``follow_visit``):

============================  ===========================================================
open visit                    work order
============================  ===========================================================
unscheduled                   ``ready`` — or ``paused`` when an earlier visit ended unfixed
planned                       ``scheduled``
dispatched                    ``dispatched``
en_route                      ``en_route``
on_site                       ``on_site``
paused                        ``paused``
(completed with fixed=True)   ``completed`` (no open visit any more)
============================  ===========================================================

By hand: draft ⇄ ready, completed → validated (a manager), and → cancelled from any status before
completed (its open visit is cancelled with it). ``TRANSITIONS`` lists every edge the services may
take; ``check_transition`` refuses the others with a 409 naming ``status``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tournevis.core import business_time
from tournevis.core.errors import Conflict, InvalidInput, gettext_noop
from tournevis.tickets.domain import Priority


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


class VisitStatus(StrEnum):
    UNSCHEDULED = "unscheduled"
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


S, V = Status, VisitStatus
# Statuses in which a work order is being worked: it has exactly one open visit.
WORKING = frozenset({S.READY, S.SCHEDULED, S.DISPATCHED, S.EN_ROUTE, S.ON_SITE, S.PAUSED})
# No change after these (completed may still be validated).
FINAL = frozenset({S.VALIDATED, S.CANCELLED})
CANCELLABLE = frozenset({S.DRAFT} | WORKING)
# Status changes a user asks for directly (the others follow the visits).
MANUAL = {S.DRAFT: frozenset({S.READY}), S.READY: frozenset({S.DRAFT}), S.COMPLETED: frozenset({S.VALIDATED})}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.DRAFT, S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.READY, S.PAUSED, S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.READY, S.PAUSED, S.EN_ROUTE, S.ON_SITE, S.CANCELLED}),
    S.EN_ROUTE: frozenset({S.READY, S.PAUSED, S.ON_SITE, S.CANCELLED}),
    S.ON_SITE: frozenset({S.READY, S.PAUSED, S.COMPLETED, S.CANCELLED}),
    S.PAUSED: frozenset({S.READY, S.SCHEDULED, S.ON_SITE, S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.VALIDATED}),
    S.VALIDATED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Visits: unscheduled → planned → dispatched → (en_route →) on_site ⇄ paused → completed; cancelled from
# any status but completed. planned → planned (a move) is not a transition; a planned or dispatched
# visit may be unscheduled again (technician and times removed).
VISIT_TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    V.UNSCHEDULED: frozenset({V.PLANNED, V.CANCELLED}),
    V.PLANNED: frozenset({V.UNSCHEDULED, V.DISPATCHED, V.CANCELLED}),
    V.DISPATCHED: frozenset({V.UNSCHEDULED, V.EN_ROUTE, V.ON_SITE, V.CANCELLED}),
    V.EN_ROUTE: frozenset({V.ON_SITE, V.CANCELLED}),
    V.ON_SITE: frozenset({V.PAUSED, V.COMPLETED, V.CANCELLED}),
    V.PAUSED: frozenset({V.ON_SITE, V.COMPLETED, V.CANCELLED}),
    V.COMPLETED: frozenset(),
    V.CANCELLED: frozenset(),
}
OPEN_VISIT = frozenset(V) - {V.COMPLETED, V.CANCELLED}
# Visits the technician has been given: the planner never moves them (dispatch.domain.LOCKED_STATUSES).
UNDER_WAY = frozenset({V.DISPATCHED, V.EN_ROUTE, V.ON_SITE, V.PAUSED})
# What the open visit makes of the work order (unscheduled: see follow_visit)
_FOLLOWS = {
    V.PLANNED: S.SCHEDULED,
    V.DISPATCHED: S.DISPATCHED,
    V.EN_ROUTE: S.EN_ROUTE,
    V.ON_SITE: S.ON_SITE,
    V.PAUSED: S.PAUSED,
}


def check_transition(current: str, new: str) -> Status:
    """``new`` when the work-order table allows ``current`` → ``new``; Conflict (409, field status)."""
    try:
        target = Status(new)
    except ValueError:
        raise InvalidInput(
            gettext_noop("Unknown work-order status %(new)s."), field="status", new=new
        ) from None
    if target not in TRANSITIONS[Status(current)]:
        raise Conflict(
            gettext_noop("A work order cannot go from %(current)s to %(new)s."),
            field="status",
            current=current,
            new=new,
        )
    return target


def check_visit_transition(current: str, new: str) -> VisitStatus:
    """``new`` when the visit table allows ``current`` → ``new``; Conflict (409, field status)."""
    try:
        target = VisitStatus(new)
    except ValueError:
        raise InvalidInput(gettext_noop("Unknown visit status %(new)s."), field="status", new=new) from None
    if target not in VISIT_TRANSITIONS[VisitStatus(current)]:
        raise Conflict(
            gettext_noop("A visit cannot go from %(current)s to %(new)s."),
            field="status",
            current=current,
            new=new,
        )
    return target


def follow_visit(open_visit: str | None, earlier_visit_done: bool, fixed: bool = False) -> Status:
    """The work order's status given its open visit (None: none left) — see the module docstring.

    ``earlier_visit_done``: a visit of this work order was completed without fixing the problem;
    ``fixed``: the last visit was completed with the problem fixed (then there is no open visit).
    """
    if fixed:
        return S.COMPLETED
    if open_visit is None or open_visit == V.UNSCHEDULED:
        return S.PAUSED if earlier_visit_done else S.READY
    return _FOLLOWS[VisitStatus(open_visit)]


def check_manual(current: str, new: str) -> Status:
    """A status change asked for by hand (not one that follows the visits, not a cancellation)."""
    target = check_transition(current, new)
    if target not in MANUAL.get(Status(current), frozenset()):
        raise Conflict(
            gettext_noop("A work order goes to %(new)s through its visits, not by hand (it is %(current)s)."),
            field="status",
            current=current,
            new=new,
        )
    return target


def check_cancellable(current: str) -> None:
    if Status(current) not in CANCELLABLE:
        raise Conflict(
            gettext_noop("A work order cannot go from %(current)s to %(new)s."),
            field="status",
            current=current,
            new=S.CANCELLED.value,
        )


def check_visits_allowed(current: str) -> None:
    """Visits are planned only on a work order being worked (not a draft, nor a finished one)."""
    if Status(current) not in WORKING:
        raise Conflict(
            gettext_noop("A work order that is %(current)s gets no visit."), field="status", current=current
        )


def format_number(year: int, sequence: int) -> str:
    return f"WO-{year:04d}-{sequence:06d}"


# --- Field checks ------------------------------------------------------------------------------------

MAX_PARTS = 100
MAX_REFERENCE = 80
MAX_QUANTITY = 10_000
MAX_ESTIMATE = 7 * 24 * 60  # a week of work in one visit is a typo
MIN_LEVEL, MAX_LEVEL = 1, 3


def clean_kind(value: Any, field: str = "kind") -> str:
    try:
        return Kind(value).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("Kind must be one of %(choices)s."), field=field, choices=", ".join(Kind)
        ) from None


def clean_priority(value: Any, field: str = "priority") -> str:
    try:
        return Priority(value).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("Priority must be one of %(choices)s."), field=field, choices=", ".join(Priority)
        ) from None


def clean_estimated_minutes(value: Any, field: str = "estimated_minutes") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ESTIMATE:
        raise InvalidInput(
            gettext_noop("The estimated duration is a whole number of minutes from 1 to %(max)s."),
            field=field,
            max=MAX_ESTIMATE,
        )
    return value


def clean_parts(value: Any, field: str = "parts_needed") -> list[dict[str, Any]]:
    """``[{"reference": "FEED-ROLLER-2", "quantity": 2}, …]``: references trimmed, quantities > 0, one
    line per reference (until the spare-parts catalogue names them)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_PARTS:
        raise InvalidInput(
            gettext_noop("A list of at most %(max)s parts is expected."), field=field, max=MAX_PARTS
        )
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"{field}.{index}"
        if not isinstance(item, dict) or set(item) - {"reference", "quantity"}:
            raise InvalidInput(
                gettext_noop('Each part is {"reference": text, "quantity": number}.'), field=where
            )
        reference = item.get("reference")
        if not isinstance(reference, str) or not reference.strip() or len(reference.strip()) > MAX_REFERENCE:
            raise InvalidInput(
                gettext_noop("A part reference is 1 to %(max)s characters."),
                field=f"{where}.reference",
                max=MAX_REFERENCE,
            )
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
            raise InvalidInput(
                gettext_noop("A quantity is a whole number from 1 to %(max)s."),
                field=f"{where}.quantity",
                max=MAX_QUANTITY,
            )
        key = reference.strip().upper()
        if key in seen:
            raise InvalidInput(
                gettext_noop("The part %(reference)s is listed twice."),
                field=f"{where}.reference",
                reference=reference.strip(),
            )
        seen.add(key)
        out.append({"reference": reference.strip(), "quantity": quantity})
    return out


def clean_span(
    start: datetime | None, end: datetime | None, start_field: str, end_field: str, *, required: bool
) -> tuple[datetime | None, datetime | None]:
    """Both or neither (``required``: both); aware; end after start."""
    if start is None and end is None and not required:
        return None, None
    if start is None:
        raise InvalidInput(gettext_noop("This field is required."), field=start_field)
    if end is None:
        raise InvalidInput(gettext_noop("This field is required."), field=end_field)
    for value, name in ((start, start_field), (end, end_field)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(
                gettext_noop("Give a date and time with its offset, e.g. 2026-03-09T10:00:00+01:00."),
                field=name,
            )
    if end <= start:
        raise InvalidInput(gettext_noop("The end must be after the start."), field=end_field)
    return start, end


def clean_skills(value: Any, field: str = "skills") -> dict[str, int]:
    """``[{"skill": "kiosk", "level": 2}, …]`` or ``{"kiosk": 2}`` → ``{"kiosk": 2}`` (levels 1 to 3)."""
    pairs: list[tuple[Any, Any]]
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or "skill" not in item:
                raise InvalidInput(
                    gettext_noop('Each required skill is {"skill": code, "level": 1 to 3}.'),
                    field=f"{field}.{index}",
                )
            pairs.append((item["skill"], item.get("level", MIN_LEVEL)))
    else:
        raise InvalidInput(
            gettext_noop('Each required skill is {"skill": code, "level": 1 to 3}.'), field=field
        )
    out: dict[str, int] = {}
    for code, level in pairs:
        if not isinstance(code, str) or not code.strip():
            raise InvalidInput(gettext_noop("A skill code is required."), field=field)
        if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise InvalidInput(
                gettext_noop("A skill level is 1, 2 or 3."), field=f"{field}.{code}", code=code
            )
        if code.strip() in out:
            raise InvalidInput(
                gettext_noop("The skill %(code)s is listed twice."), field=f"{field}.{code}", code=code
            )
        out[code.strip()] = level
    return out


# --- Access windows ------------------------------------------------------------------------------------


def access_windows(
    access_hours: Mapping[str, Sequence[Sequence[str]]], timezone: str, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The site's access windows from ``first`` to ``last`` (local days, inclusive) as aware UTC
    ``[start, end)`` intervals, in order.

    ``access_hours`` is the site's weekly pattern (``customers.domain.clean_access_hours``:
    ``{"mon": [["08:00", "12:00"], ["13:30", "18:00"]]}``, ``"24:00"`` ends a day) in the site's
    ``timezone``, read on the wall clock like business calendars (``core.business_time``): across a DST
    change an 08:00-12:00 slot is still 08:00-12:00 local time; on the spring-forward night a slot
    starting in the skipped hour opens at the jump. Adjacent slots (``["20:00", "24:00"]`` then the
    next day's ``["00:00", "06:00"]``) merge into one window. **No access hours means no restriction**:
    the whole range is one window.
    """
    zone = ZoneInfo(timezone)
    if last < first:
        return []
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    if not any(access_hours.get(day) for day in business_time.WEEKDAYS):
        return [(start.astimezone(UTC), end.astimezone(UTC))]
    calendar = business_time.Calendar(
        timezone=timezone,
        slots={day: tuple((a, b) for a, b in slots) for day, slots in access_hours.items()},
    )
    return list(business_time.open_intervals(calendar, start, end))


def within_windows(start: datetime, end: datetime, windows: Sequence[tuple[datetime, datetime]]) -> bool:
    """True when ``[start, end)`` lies inside one window (a visit needs uninterrupted access)."""
    return any(a <= start and end <= b for a, b in windows)
