"""SLA clocks computed from their event log, in business time. Pure: no Django, no I/O.

A clock (first response, on-site arrival, resolution, customer update) is a log of
:class:`ClockEvent` — ``start`` (with a target), ``pause``, ``resume``, ``retarget`` (new target after a
priority or contract change) and ``stop`` — replayed by :func:`evaluate` against a business
:class:`~tournevis.core.business_time.Calendar` as of ``now``. The same log and calendar always give the
same :class:`ClockStatus`; replaying with another calendar recomputes history.

Decisions:

- Events are applied in time order, ties in the order given; events after ``now`` are not yet
  applied. The first applied event must be ``start``; a second ``start`` is an error. ``pause`` while
  paused and ``resume`` while running are ignored (logs repeat statuses); everything after ``stop``
  is ignored.
- The deadline is ``start + target`` of business time, skipping the business time spent paused
  (a pause extends the deadline by exactly the paused business time). A clock **paused at now**
  reports the deadline *as if resumed now* (it moves later while the pause lasts) and state ``paused``.
- A retarget keeps the consumed business time and replaces the target: the deadline becomes
  ``start + new target`` (with the pauses). If that is already past, the clock breaches at the
  retarget instant, not retroactively.
- A stop at or before the deadline → ``met``; a clock running after its deadline → ``breached`` with
  ``breached_at`` = the deadline. A breach is final: later retargets are ignored, a later stop only
  records ``stopped_at``. ``remaining`` is ``target - consumed`` (zero or negative once breached).
- Warnings and escalations are measured in consumed business time: a warning at share ``s`` fires
  when ``consumed >= s * target``, also once the clock has breached as long as it is not stopped
  (a warning never sent before the breach is still sent, saying it is breached); an escalation level
  with ``offset`` fires when ``consumed >= target + offset`` (negative offset = before the deadline),
  so neither fires while the clock is paused or outside business hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from tournevis.core.business_time import Calendar, add_business_time, business_time_between
from tournevis.core.errors import InvalidInput, gettext_noop


class ClockKind(StrEnum):
    RESPONSE = "response"
    ONSITE = "onsite"
    RESOLUTION = "resolution"
    UPDATE = "update"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class EscalationAction(StrEnum):
    NOTIFY_MANAGER = "notify_manager"
    MOVE_QUEUE = "move_queue"
    MOVE_TIER = "move_tier"
    RAISE_PRIORITY = "raise_priority"


EventKind = Literal["start", "pause", "resume", "retarget", "stop"]


@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    kind: EventKind
    target: timedelta | None = None  # required for start and retarget


@dataclass(frozen=True)
class ClockStatus:
    state: ClockState
    started_at: datetime
    target: timedelta
    deadline: datetime  # for a paused clock: as if resumed at ``now``
    consumed: timedelta  # business time run so far (until stop, or now)
    remaining: timedelta  # target - consumed; zero or negative once breached
    breached_at: datetime | None = None
    met_at: datetime | None = None
    stopped_at: datetime | None = None
    paused_since: datetime | None = None
    pauses: tuple[tuple[datetime, datetime], ...] = ()  # closed pauses; a running pause ends at now


@dataclass(frozen=True)
class EscalationLevel:
    offset: timedelta  # relative to the deadline in business time (negative = before)
    action: str  # an EscalationAction value
    params: Mapping[str, object] = field(default_factory=dict)  # e.g. {"queue": "level2"}, {"priority": "P1"}


def _target(event: ClockEvent) -> timedelta:
    if event.target is None or event.target <= timedelta(0):
        raise InvalidInput(
            gettext_noop("A clock target must be a positive duration."), field="target", kind=event.kind
        )
    return event.target


def evaluate(calendar: Calendar, events: Sequence[ClockEvent], now: datetime) -> ClockStatus:
    """The clock's status at ``now`` from its event log (see the module docstring for the rules)."""
    ordered = [e for _, e in sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0])) if e.at <= now]
    if not ordered or ordered[0].kind != "start":
        raise ValueError("a clock log starts with a start event")
    started_at = ordered[0].at
    target = _target(ordered[0])
    pauses: list[tuple[datetime, datetime]] = []
    paused_since: datetime | None = None
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    last_retarget = started_at

    def deadline(until: datetime) -> datetime:
        open_pause = [(paused_since, until)] if paused_since is not None else []
        return add_business_time(calendar, started_at, target, [*pauses, *open_pause])

    def check_breach(at: datetime) -> None:
        nonlocal breached_at
        if breached_at is None and paused_since is None:
            due = deadline(at)
            if due < at:
                breached_at = max(due, last_retarget)

    for event in ordered[1:]:
        if stopped_at is not None:
            break
        check_breach(event.at)
        if event.kind == "start":
            raise ValueError("a clock log has a single start event")
        if event.kind == "pause":
            if paused_since is None:
                paused_since = event.at
        elif event.kind == "resume":
            if paused_since is not None:
                pauses.append((paused_since, event.at))
                paused_since = None
        elif event.kind == "retarget":
            new_target = _target(event)
            if breached_at is None:
                target, last_retarget = new_target, event.at
                check_breach(event.at)
        elif event.kind == "stop":
            if paused_since is not None:
                pauses.append((paused_since, event.at))
                paused_since = None
            stopped_at = event.at
        else:
            raise ValueError(f"unknown clock event {event.kind!r}")
    if stopped_at is None:
        check_breach(now)
    until = stopped_at or now
    all_pauses = [*pauses, *([(paused_since, until)] if paused_since is not None else [])]
    consumed = business_time_between(calendar, started_at, until, all_pauses)
    due = deadline(until)
    if breached_at is not None:
        state = ClockState.BREACHED
    elif stopped_at is not None:
        state = ClockState.MET
    else:
        state = ClockState.PAUSED if paused_since is not None else ClockState.RUNNING
    return ClockStatus(
        state=state,
        started_at=started_at,
        target=target,
        deadline=due,
        consumed=consumed,
        remaining=target - consumed,
        breached_at=breached_at,
        met_at=stopped_at if state is ClockState.MET else None,
        stopped_at=stopped_at,
        paused_since=paused_since,
        pauses=tuple(all_pauses),
    )


def _check_share(share: float) -> None:
    if not 0 < share <= 1:
        raise InvalidInput(
            gettext_noop("The warning share must be above 0 and at most 1 (got %(value)s)."),
            field="warning_share",
            value=share,
        )


def warning_at(calendar: Calendar, status: ClockStatus, share: float) -> datetime:
    """The instant the warning at ``share`` of the target fires (pauses known to ``status`` skipped)."""
    _check_share(share)
    return add_business_time(calendar, status.started_at, status.target * share, status.pauses)


def warning_due(status: ClockStatus, share: float) -> bool:
    """True when a clock still open (not stopped) has consumed at least ``share`` of its target.

    A clock that breached before anyone looked at its warning point is still open, so its warning is
    due too (the caller fires it once, saying it is breached); a stopped clock warns no more.
    """
    _check_share(share)
    if status.stopped_at is not None or status.state is ClockState.MET:
        return False
    return status.consumed >= status.target * share


def escalation_at(calendar: Calendar, status: ClockStatus, level: EscalationLevel) -> datetime:
    """The instant ``level`` fires: when consumed business time reaches ``target + offset``."""
    threshold = max(status.target + level.offset, timedelta(0))
    return add_business_time(calendar, status.started_at, threshold, status.pauses)


def due_escalations(status: ClockStatus, levels: Sequence[EscalationLevel]) -> list[EscalationLevel]:
    """The levels due for a clock not stopped (``status`` evaluated at now), by offset.

    The caller remembers which levels it already acted on; a stopped clock escalates no more.
    """
    if status.stopped_at is not None:
        return []
    return sorted(
        (level for level in levels if status.consumed >= status.target + level.offset),
        key=lambda level: level.offset,
    )


def next_update_deadline(
    calendar: Calendar,
    last_update: datetime,
    cadence: timedelta,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """When the next public update to the customer is due: ``cadence`` of business time after the last."""
    if cadence <= timedelta(0):
        raise InvalidInput(gettext_noop("The update cadence must be a positive duration."), field="cadence")
    return add_business_time(calendar, last_update, cadence, pauses)


def update_clock_events(
    opened_at: datetime, public_updates: Sequence[datetime], cadence: timedelta
) -> list[ClockEvent]:
    """The ``update`` clock's log for the current cycle: it restarts at the latest public update."""
    last = max([opened_at, *public_updates])
    return [ClockEvent(at=last, kind="start", target=cadence)]
