"""SLA clocks persisted: start, pause, resume, retarget, stop, replay and the worker's tick.

Each clock's ``SlaClockEvent`` rows are the truth; a clock's cached fields (state, deadline,
warning_at, consumed/remaining, breached/met) are always ``clocks.evaluate`` of its log against its
calendar (``None`` = the 24/7 fallback), written by ``replay`` after every event. Each service runs in
one transaction and writes an audit event per clock it changes. ``tick`` (worker) fires the warning
(level 0, at ``settings.CONTRACTS_SLA_WARNING_SHARE`` of the target — or at once, saying "breached",
for an open clock that breached before its warning was sent) and the tier's escalation levels once
each (``SlaEscalation``, with a copy of the rule's params), queueing an e-mail to the contract's
account manager through the ``queue_email`` the caller passes (contracts does not import
notifications). The warning and ``notify_manager`` are done when they fire (``handled_at`` set);
``move_queue``, ``move_tier`` and ``raise_priority`` wait in ``pending_actions`` for the context that
owns the subject (tickets) to apply them and ``mark_handled`` them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from tournevis.contracts import clocks
from tournevis.contracts.clocks import ClockEvent, ClockKind, ClockState, EscalationAction, EscalationLevel
from tournevis.contracts.models import Calendar, EscalationRule, SlaClock, SlaClockEvent, SlaEscalation
from tournevis.contracts.queries import Entitlement, fallback_calendar, to_engine
from tournevis.core import audit, business_time, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput, NotFound, gettext_noop

ACTOR = Actor.system("sla")
WARNING = "warning"  # the action of level 0
DONE_WHEN_FIRED = frozenset({WARNING, EscalationAction.NOTIFY_MANAGER.value})  # contracts does them
QueueEmail = Callable[..., Any]
OPEN = Q(stopped_at__isnull=True)
# Entitlement target field → clock kind
TARGET_KINDS = {
    "first_response_minutes": ClockKind.RESPONSE,
    "on_site_minutes": ClockKind.ONSITE,
    "resolution_minutes": ClockKind.RESOLUTION,
    "update_every_minutes": ClockKind.UPDATE,
}
_SNAPSHOT = ("state", "deadline", "warning_at", "consumed_seconds", "breached_at", "met_at", "version")


def engine_calendar(row: Calendar | None, around: datetime) -> business_time.Calendar:
    """The engine calendar of a clock's row (None: the 24/7 fallback), with holidays around ``around``."""
    return to_engine(row or fallback_calendar(), range(around.year - 1, around.year + 3))


def _log(row: SlaClock) -> list[ClockEvent]:
    return [
        ClockEvent(
            at=e.at,
            kind=e.kind,  # type: ignore[arg-type]
            target=timedelta(minutes=e.target_minutes) if e.target_minutes is not None else None,
        )
        for e in row.events.order_by("at", "id")
    ]


def _levels(row: SlaClock) -> list[tuple[int, EscalationLevel]]:
    if row.sla_policy_id is None:
        return []
    rules = EscalationRule.objects.filter(policy_id=row.sla_policy_id, kind=row.kind).order_by("level")
    return [
        (r.level, EscalationLevel(timedelta(minutes=r.offset_minutes), r.action, r.params)) for r in rules
    ]


def replay(
    row: SlaClock,
    now: datetime | None = None,
    calendar: business_time.Calendar | None = None,
    *,
    log: list[ClockEvent] | None = None,
    levels: list[tuple[int, EscalationLevel]] | None = None,
) -> clocks.ClockStatus:
    """Recompute the clock's cached fields from its log as of ``now`` (never before its last event).
    A caller that already holds the log and the tier's levels (a clock being started) passes them."""
    events = _log(row) if log is None else log
    moment = max([now or clock.now(), *(e.at for e in events)])
    engine = calendar or engine_calendar(row.calendar, events[0].at)
    status = clocks.evaluate(engine, events, moment)
    share = settings.CONTRACTS_SLA_WARNING_SHARE
    is_open = status.stopped_at is None  # breached but open: its warning may still be owed
    row.state = status.state.value
    row.started_at = status.started_at
    row.target_minutes = int(status.target.total_seconds() // 60)
    row.deadline = status.deadline
    row.warning_at = clocks.warning_at(engine, status, share) if is_open else None
    row.consumed_seconds = int(status.consumed.total_seconds())
    row.remaining_seconds = int(status.remaining.total_seconds())
    row.paused_since = status.paused_since
    row.breached_at = status.breached_at
    row.met_at = status.met_at
    row.stopped_at = status.stopped_at
    row.evaluated_at = moment
    fired = set(row.escalations.values_list("level", flat=True)) if row.pk else set()
    pending: list[datetime] = []
    if is_open:
        if 0 not in fired and row.warning_at is not None:
            pending.append(row.warning_at)
        pending += [
            clocks.escalation_at(engine, status, lvl)
            for n, lvl in (_levels(row) if levels is None else levels)
            if n not in fired
        ]
    row.next_alert_at = min(pending) if pending else None
    row.save()
    return status


def _append(
    actor: Actor, row: SlaClock, kind: str, at: datetime, target: int | None = None, reason: str = ""
) -> None:
    before = audit.snapshot(row, _SNAPSHOT)
    SlaClockEvent.objects.create(
        clock=row,
        at=at,
        kind=kind,
        target_minutes=target,
        reason=reason[:200],
        actor_label=actor.label[:200],
        recorded_at=clock.now(),
    )
    row.version += 1
    replay(row, at)
    audit.record(actor, f"sla_clock.{kind}", row, before=before, after=audit.snapshot(row, _SNAPSHOT))


def _clean_targets(targets: Mapping[str, Any]) -> dict[ClockKind, int]:
    out: dict[ClockKind, int] = {}
    for name, value in targets.items():
        kind = TARGET_KINDS.get(name) or (ClockKind(name) if name in set(ClockKind) else None)
        if kind is None:
            raise InvalidInput(
                gettext_noop("Unknown SLA target %(name)s."), field=f"targets.{name}", name=name
            )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput(
                gettext_noop("A target is a positive number of business minutes."), field=f"targets.{name}"
            )
        out[kind] = value
    return out


@transaction.atomic
def start_clocks(
    actor: Actor,
    subject_type: str,
    subject_id: int,
    *,
    at: datetime,
    priority: str,
    entitlement: Entitlement | None = None,
    targets: Mapping[str, Any] | None = None,
    calendar_id: int | None = None,
    contract_id: int | None = None,
    sla_policy_id: int | None = None,
) -> list[SlaClock]:
    """Start one clock per target (response, onsite, resolution, update) of the entitlement, or of
    ``targets`` (``{"response": 120, ...}`` or the entitlement's ``*_minutes`` names). No targets
    (time and materials): no clocks. A subject's kind already started is refused (409-free: 422)."""
    if entitlement is not None:
        targets = entitlement.targets or {}
        calendar_id, contract_id = entitlement.calendar_id, entitlement.contract_id
        sla_policy_id = entitlement.sla_policy_id
    wanted = _clean_targets(targets or {})
    calendar = Calendar.objects.filter(pk=calendar_id).first() if calendar_id is not None else None
    if calendar_id is not None and calendar is None:
        raise NotFound(gettext_noop("No calendar with id %(id)s."), id=calendar_id)
    existing = set(  # a stopped clock does not count: the update clock restarts with a new row
        SlaClock.objects.filter(OPEN, subject_type=subject_type, subject_id=subject_id).values_list(
            "kind", flat=True
        )
    )
    engine = engine_calendar(calendar, at)
    levels: dict[str, list[tuple[int, EscalationLevel]]] = {}
    if sla_policy_id is not None and wanted:
        for rule in EscalationRule.objects.filter(policy_id=sla_policy_id).order_by("kind", "level"):
            levels.setdefault(rule.kind, []).append(
                (
                    rule.level,
                    EscalationLevel(timedelta(minutes=rule.offset_minutes), rule.action, rule.params),
                )
            )
    started: list[SlaClock] = []
    events: list[SlaClockEvent] = []
    for kind, minutes in wanted.items():
        if kind.value in existing:
            raise InvalidInput(
                gettext_noop("The %(kind)s clock of this subject is already started."),
                field="kind",
                kind=kind.value,
            )
        row = SlaClock(
            subject_type=subject_type,
            subject_id=subject_id,
            kind=kind.value,
            calendar=calendar,
            contract_id=contract_id,
            sla_policy_id=sla_policy_id,
            priority=priority,
            target_minutes=minutes,
            state=ClockState.RUNNING.value,
            started_at=at,
            deadline=at,
            evaluated_at=at,
        )
        start = ClockEvent(at=at, kind="start", target=timedelta(minutes=minutes))
        replay(row, at, engine, log=[start], levels=levels.get(kind.value, []))  # inserts the row
        events.append(
            SlaClockEvent(
                clock=row,
                at=at,
                kind="start",
                target_minutes=minutes,
                actor_label=actor.label[:200],
                recorded_at=clock.now(),
            )
        )
        audit.record(actor, "sla_clock.start", row, after=audit.snapshot(row, _SNAPSHOT))
        started.append(row)
    SlaClockEvent.objects.bulk_create(events)
    return started


def _open(subject_type: str, subject_id: int, kinds: Iterable[str] | None = None) -> list[SlaClock]:
    rows = SlaClock.objects.select_for_update(of=("self",)).filter(
        OPEN, subject_type=subject_type, subject_id=subject_id
    )
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return list(rows.select_related("calendar").order_by("id"))


@transaction.atomic
def pause_clocks(
    actor: Actor,
    subject_type: str,
    subject_id: int,
    *,
    at: datetime,
    reason: str = "",
    kinds: Iterable[str] | None = None,
) -> int:
    """Pause the subject's running clocks (all kinds unless ``kinds``); returns how many."""
    rows = [r for r in _open(subject_type, subject_id, kinds) if r.paused_since is None]
    for row in rows:
        _append(actor, row, "pause", at, reason=reason)
    return len(rows)


@transaction.atomic
def resume_clocks(
    actor: Actor,
    subject_type: str,
    subject_id: int,
    *,
    at: datetime,
    reason: str = "",
    kinds: Iterable[str] | None = None,
) -> int:
    """Resume the subject's paused clocks; returns how many."""
    rows = [r for r in _open(subject_type, subject_id, kinds) if r.paused_since is not None]
    for row in rows:
        _append(actor, row, "resume", at, reason=reason)
    return len(rows)


def apply_status(actor: Actor, subject_type: str, subject_id: int, status: str, *, at: datetime) -> int:
    """For the subject's new status: pause when it is one of ``settings.CONTRACTS_SLA_PAUSE_STATUSES``,
    resume otherwise. Returns how many clocks changed."""
    if status in settings.CONTRACTS_SLA_PAUSE_STATUSES:
        return pause_clocks(actor, subject_type, subject_id, at=at, reason=status)
    return resume_clocks(actor, subject_type, subject_id, at=at, reason=status)


@transaction.atomic
def retarget(
    actor: Actor,
    subject_type: str,
    subject_id: int,
    *,
    at: datetime,
    priority: str,
    entitlement: Entitlement | None = None,
    targets: Mapping[str, Any] | None = None,
    reason: str = "",
) -> int:
    """New targets after a priority or contract change; consumed business time is kept (the engine's
    retarget). Kinds without a new target keep theirs. Returns how many clocks changed."""
    if entitlement is not None:
        targets = entitlement.targets or {}
    wanted = _clean_targets(targets or {})
    rows = _open(subject_type, subject_id)
    for row in rows:
        row.priority = priority
        if entitlement is not None:
            row.contract_id, row.sla_policy_id = entitlement.contract_id, entitlement.sla_policy_id
        minutes = wanted.get(ClockKind(row.kind))
        if minutes is not None:
            _append(actor, row, "retarget", at, target=minutes, reason=reason or priority)
        else:
            row.save()
    return len(rows)


@transaction.atomic
def stop_clock(actor: Actor, subject_type: str, subject_id: int, kind: str, *, at: datetime) -> SlaClock:
    """Stop one clock: met when at or before its deadline, else it stays breached."""
    rows = _open(subject_type, subject_id, [kind])
    if not rows:
        raise NotFound(gettext_noop("No running %(kind)s clock for this subject."), kind=kind)
    _append(actor, rows[0], "stop", at)
    return rows[0]


@transaction.atomic
def replay_policy(policy_id: int, now: datetime | None = None) -> int:
    """Re-evaluate every open clock of an SLA policy (after its escalation rules changed), so that
    their ``next_alert_at`` follows the new levels; returns how many."""
    moment = now or clock.now()
    engines: dict[int | None, business_time.Calendar] = {}
    rows = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(OPEN, sla_policy_id=policy_id)
        .order_by("id")
    )
    fields = (*_SNAPSHOT, "next_alert_at")
    count = 0
    for row in rows:
        if row.calendar_id not in engines:
            engines[row.calendar_id] = engine_calendar(row.calendar, moment)
        before = audit.snapshot(row, fields)
        replay(row, moment, engines[row.calendar_id])
        after = audit.snapshot(row, fields)
        if audit.changed(before, after):
            audit.record(ACTOR, "sla_clock.replay", row, before=before, after=after)
        count += 1
    return count


@transaction.atomic
def replay_calendar(calendar_id: int, now: datetime | None = None) -> int:
    """Re-evaluate every open clock of a calendar (after the calendar changed); returns how many."""
    calendar = Calendar.objects.get(pk=calendar_id)
    moment = now or clock.now()
    engine = engine_calendar(calendar, moment)
    rows = SlaClock.objects.select_for_update().filter(OPEN, calendar_id=calendar_id).order_by("id")
    count = 0
    for row in rows:
        before = audit.snapshot(row, _SNAPSHOT)
        row.calendar = calendar
        replay(row, moment, engine)
        if audit.changed(before, audit.snapshot(row, _SNAPSHOT)):
            audit.record(ACTOR, "sla_clock.replay", row, before=before, after=audit.snapshot(row, _SNAPSHOT))
        count += 1
    return count


def _notify(row: SlaClock, level: int, action: str, queue_email: QueueEmail) -> None:
    manager = row.contract.account_manager if row.contract is not None else None
    if manager is None or not manager.email or not manager.is_active:
        return
    params = {
        "subject": f"{row.subject_type}#{row.subject_id}",
        "kind": row.kind,
        "deadline": row.deadline.astimezone(
            ZoneInfo((row.calendar or fallback_calendar()).timezone)
        ).isoformat(),
        "level": level,
    }
    breached = row.state == ClockState.BREACHED.value
    with translation.override(manager.language or "en"):
        if level == 0 and breached:
            subject = _("SLA breached: %(kind)s clock of %(subject)s") % params
        elif level == 0:
            subject = _("SLA warning: %(kind)s clock of %(subject)s") % params
        else:
            subject = _("SLA escalation level %(level)s: %(kind)s clock of %(subject)s") % params
        if breached:
            body = _("The %(kind)s clock of %(subject)s is breached: it was due at %(deadline)s.") % params
        else:
            body = _("The %(kind)s clock of %(subject)s is due at %(deadline)s.") % params
    queue_email(ACTOR, to=manager.email, subject=subject, body=body, purpose=f"sla.{action}")


@transaction.atomic
def tick(now: datetime, queue_email: QueueEmail) -> dict[str, int]:
    """Refresh clocks whose deadline or next alert has passed; fire each due warning/level once."""
    fired = 0
    rows = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar", "contract__account_manager")
        .filter(OPEN, paused_since__isnull=True)
        .filter(Q(next_alert_at__lte=now) | Q(state=ClockState.RUNNING.value, deadline__lte=now))
        .order_by("id")
    )
    for row in rows:
        before = audit.snapshot(row, _SNAPSHOT)
        status = replay(row, now)
        done = set(row.escalations.values_list("level", flat=True))
        due: list[tuple[int, str, dict[str, Any]]] = []
        if 0 not in done and clocks.warning_due(status, settings.CONTRACTS_SLA_WARNING_SHARE):
            due.append((0, WARNING, {}))
        levels = dict(_levels(row))
        for level in clocks.due_escalations(status, list(levels.values())):
            number = next(n for n, lvl in levels.items() if lvl is level)
            if number not in done:
                due.append((number, level.action, dict(level.params)))
        for number, action, params in due:
            escalation = SlaEscalation.objects.create(
                clock=row,
                level=number,
                action=action,
                params=params,
                fired_at=now,
                handled_at=now if action in DONE_WHEN_FIRED else None,
            )
            _notify(row, number, action, queue_email)
            audit.record(ACTOR, "sla_clock.escalate", row, after=audit.snapshot(escalation))
            fired += 1
        if due:
            replay(row, now)  # next_alert_at moves past the fired levels
        elif audit.changed(before, audit.snapshot(row, _SNAPSHOT)):
            audit.record(ACTOR, "sla_clock.refresh", row, before=before, after=audit.snapshot(row, _SNAPSHOT))
    return {"sla_escalations_fired": fired}


# --- Escalation actions applied above contracts ----------------------------------------------------


def pending_actions(subject_type: str, actions: Iterable[str], limit: int = 200) -> list[SlaEscalation]:
    """Fired escalations of ``subject_type`` clocks whose action (one of ``actions``, e.g. ``move_queue``,
    ``move_tier``, ``raise_priority``) nobody has applied yet, oldest first, with their clock.

    The context owning the subject applies each one (``escalation.params``, ``escalation.clock``) and
    calls ``mark_handled`` in the same transaction."""
    return list(
        SlaEscalation.objects.select_related("clock")
        .filter(clock__subject_type=subject_type, action__in=list(actions), handled_at__isnull=True)
        .order_by("fired_at", "id")[:limit]
    )


@transaction.atomic
def mark_handled(escalation_id: int, at: datetime) -> None:
    """Record that a fired escalation's action was applied (or deliberately skipped). Marking one
    already handled keeps its first ``handled_at`` and writes nothing."""
    escalation = SlaEscalation.objects.select_for_update().filter(pk=escalation_id).first()
    if escalation is None:
        raise NotFound(gettext_noop("No fired escalation with id %(id)s."), id=escalation_id)
    if escalation.handled_at is not None:
        return
    before = audit.snapshot(escalation)
    escalation.handled_at = at
    escalation.save(update_fields=["handled_at"])
    audit.record(ACTOR, "sla_escalation.handle", escalation, before=before, after=audit.snapshot(escalation))
