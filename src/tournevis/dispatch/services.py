"""Dispatch use cases: optimise a horizon into a proposal, accept or discard it, move a visit on the
board (checked by ``domain.check_move``, kept for undo), insert an emergency, dispatch a technician's
day, and the technicians' calendar feeds.

Every write goes through the work-order services (``workorders.services_visits``), which keep the
status machine, versions, timeline and audit; this module decides *what* to write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import close_old_connections, transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.dispatch import domain, problem
from tournevis.dispatch.models import Move, Proposal, ProposalKind, ProposalStatus
from tournevis.dispatch.routing import model as rm
from tournevis.dispatch.routing import port
from tournevis.workforce.models import Absence, Team, Technician
from tournevis.workforce.queries import resources
from tournevis.workorders import parts, services_visits
from tournevis.workorders.domain import VisitStatus
from tournevis.workorders.models import Visit

logger = logging.getLogger(__name__)

MAX_HORIZON_DAYS = 31
TIME_LIMITS = (1.0, 300.0)
# A proposal still "running" this long after its time limit lost its process: shown as failed.
STALE_AFTER = timedelta(seconds=120)
SNAPSHOT = ("status", "outcome")


# --- Optimisation -------------------------------------------------------------------------------------


def _clean_horizon(first: Any, last: Any) -> tuple[date, date]:
    if not isinstance(first, date) or not isinstance(last, date):
        raise InvalidInput(gettext_noop("Give the first and last days of the horizon."), field="first_day")
    if last < first:
        raise InvalidInput(gettext_noop("The last day comes before the first."), field="last_day")
    if (last - first).days + 1 > MAX_HORIZON_DAYS:
        raise InvalidInput(
            gettext_noop("A horizon is at most %(days)s days."), field="last_day", days=MAX_HORIZON_DAYS
        )
    return first, last


def _clean_limit(value: Any) -> float:
    low, high = TIME_LIMITS
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(
            gettext_noop("The time limit is between %(low)s and %(high)s seconds."),
            field="time_limit",
            low=int(low),
            high=int(high),
        )
    return float(value)


@transaction.atomic
def start_optimisation(
    actor: Actor, *, team_id: int | None, first: Any, last: Any, time_limit: Any = 10.0
) -> Proposal:
    """A proposal row, running; ``run_proposal`` computes it (in a thread of the web process or inline)."""
    first, last = _clean_horizon(first, last)
    limit = _clean_limit(time_limit)
    if team_id is not None and not Team.objects.filter(pk=team_id).exists():
        raise InvalidInput(gettext_noop("No team with id %(id)s."), field="team_id", id=team_id)
    proposal = Proposal.objects.create(
        kind=ProposalKind.OPTIMISE,
        team_id=team_id,
        first_day=first,
        last_day=last,
        time_limit=limit,
        started_at=clock.now(),
        created_by_id=actor.user_id,
    )
    audit.record(actor, "dispatch.optimise", proposal, before=None, after=audit.snapshot(proposal, SNAPSHOT))
    return proposal


def _changes(built: problem.Built, plan: rm.Plan) -> list[dict[str, Any]]:
    """What accepting would write: one row per movable visit whose technician or start changes."""
    rows = []
    for route in plan.routes:
        for stop in route.stops:
            if stop.visit not in built.movable:
                continue
            visit = built.visits.get(stop.visit)
            old_technician = visit.technician_id if visit is not None else None
            old_start = visit.planned_start if visit is not None else None
            if old_technician == int(route.technician) and old_start == stop.start:
                continue
            rows.append(
                {
                    "key": stop.visit,
                    "work_order_id": built.orders[stop.visit].pk,
                    "number": built.orders[stop.visit].number,
                    "technician_id": int(route.technician),
                    "start": stop.start.isoformat(),
                    "end": stop.end.isoformat(),
                    "old_technician_id": old_technician,
                    "old_start": old_start.isoformat() if old_start else None,
                }
            )
    return sorted(rows, key=lambda r: (r["technician_id"], r["start"]))


def _unassigned(built: problem.Built, plan: rm.Plan) -> list[dict[str, Any]]:
    return [
        {
            "key": item.visit,
            "work_order_id": built.orders[item.visit].pk,
            "number": built.orders[item.visit].number,
            "code": item.reason.code,
            "params": dict(item.reason.params),
        }
        for item in (*plan.unassigned, *built.unroutable)
    ]


def _totals(plan: rm.Plan) -> dict[str, Any]:
    return {
        "served": plan.served,
        "unassigned": len(plan.unassigned),
        "breaches": plan.breaches,
        "travel_seconds": plan.travel_seconds,
        "distance_m": plan.distance_m,
        "seconds": round(plan.seconds, 3),
    }


def _solve_into(proposal: Proposal, compute: Callable[[problem.Built], rm.Plan]) -> Proposal:
    built = problem.build(proposal.team_id, proposal.first_day, proposal.last_day)
    plan = compute(built)
    proposal.basis = built.basis
    proposal.changes = _changes(built, plan)
    if proposal.kind == ProposalKind.EMERGENCY:  # visits the insertion did not move keep their times
        new = {key for key in built.movable if getattr(built.visits[key], "technician_id", None) is None}
        proposal.changes = [c for c in proposal.changes if c["key"] in set(plan.moved) | new]
    proposal.unassigned = _unassigned(built, plan)
    proposal.totals = _totals(plan)
    proposal.solver = plan.solver
    return proposal


def run_proposal(proposal_id: int) -> Proposal:
    """Solve a running proposal and store the result (ready) or the error (failed). Never raises."""
    proposal = Proposal.objects.get(pk=proposal_id)
    if proposal.status != ProposalStatus.RUNNING:
        return proposal
    try:
        _solve_into(proposal, lambda built: port.solve(built.problem, time_limit=proposal.time_limit))
        proposal.status = ProposalStatus.READY
    except Exception as error:  # the dispatcher sees the failure; the log has the traceback
        logger.exception("optimisation %s failed", proposal_id)
        proposal.status = ProposalStatus.FAILED
        proposal.error = str(error)[:2000]
    proposal.finished_at = clock.now()
    proposal.version += 1
    proposal.save()
    return proposal


def run_in_background(proposal_id: int) -> None:
    """After the proposal's row is committed, solve it in a thread of this process."""
    import threading

    def work() -> None:
        try:
            run_proposal(proposal_id)
        finally:
            close_old_connections()

    transaction.on_commit(lambda: threading.Thread(target=work, daemon=True).start())


def state_of(proposal: Proposal, now: datetime | None = None) -> str:
    """The status to show: a running proposal whose process died long ago shows as failed."""
    now = now or clock.now()
    if (
        proposal.status == ProposalStatus.RUNNING
        and now - proposal.started_at > timedelta(seconds=proposal.time_limit) + STALE_AFTER
    ):
        return ProposalStatus.FAILED.value
    return str(proposal.status)


def progress_of(proposal: Proposal, now: datetime | None = None) -> int:
    """Percent of the time limit spent (the solver stops at its limit); 100 once finished."""
    if proposal.status != ProposalStatus.RUNNING:
        return 100
    elapsed = ((now or clock.now()) - proposal.started_at).total_seconds()
    return max(0, min(99, int(100 * elapsed / max(proposal.time_limit, 0.001))))


def _lock_proposal(proposal_id: int, expected_version: int | None) -> Proposal:
    found = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if found is None:
        raise NotFound(gettext_noop("No proposal with id %(id)s."), id=proposal_id)
    check_version(found, expected_version)
    if found.status != ProposalStatus.READY:
        raise Conflict(
            gettext_noop("This proposal is %(current)s: only a ready proposal can be accepted or discarded."),
            field="status",
            current=found.status,
        )
    return found


def _current_version(key: str) -> int | None:
    if key.startswith("v"):
        return Visit.objects.filter(pk=int(key[1:])).values_list("version", flat=True).first()
    return None


@transaction.atomic
def accept(actor: Actor, proposal_id: int, expected_version: int | None = None) -> Proposal:
    """Write the proposal's changes; a visit that changed since the solve is skipped and reported."""
    proposal = _lock_proposal(proposal_id, expected_version)
    before = audit.snapshot(proposal, SNAPSHOT)
    applied, skipped = [], []
    for change in proposal.changes:
        key = change["key"]
        if _current_version(key) != proposal.basis.get(key):
            skipped.append({"key": key, "number": change["number"], "why": "changed"})
            continue
        try:
            with transaction.atomic():
                services_visits.plan_visit(
                    actor,
                    change["work_order_id"],
                    change["technician_id"],
                    datetime.fromisoformat(change["start"]),
                    datetime.fromisoformat(change["end"]),
                    visit_id=int(key[1:]) if key.startswith("v") else None,
                )
            applied.append(key)
        except (Conflict, InvalidInput, NotFound) as error:
            skipped.append({"key": key, "number": change["number"], "why": error.text()})
    proposal.status = ProposalStatus.ACCEPTED
    proposal.outcome = {"applied": applied, "skipped": skipped}
    proposal.version += 1
    proposal.save()
    audit.record(actor, "dispatch.accept", proposal, before=before, after=audit.snapshot(proposal, SNAPSHOT))
    return proposal


@transaction.atomic
def discard(actor: Actor, proposal_id: int, expected_version: int | None = None) -> Proposal:
    proposal = _lock_proposal(proposal_id, expected_version)
    before = audit.snapshot(proposal, SNAPSHOT)
    proposal.status = ProposalStatus.DISCARDED
    proposal.version += 1
    proposal.save()
    audit.record(actor, "dispatch.discard", proposal, before=before, after=audit.snapshot(proposal, SNAPSHOT))
    return proposal


# --- Emergency insertion ------------------------------------------------------------------------------


def current_plan(built: problem.Built) -> rm.Plan:
    """Today's assignments as the plan the port starts from: per technician and shift, the planned
    visits in time order (only order, technician and start matter to ``port.insert``)."""
    by_id = {v.id: v for v in built.problem.visits}
    grouped: dict[tuple[str, int], list[rm.Stop]] = {}
    for technician in built.problem.technicians:
        for key, visit in built.visits.items():
            if visit is None or str(visit.technician_id) != technician.id or visit.planned_start is None:
                continue
            if key not in by_id:
                continue
            start = visit.planned_start
            shift = next(
                (i for i, s in enumerate(technician.shifts) if s.start <= start < s.end),
                None,
            )
            if shift is None:
                continue
            end = start + timedelta(minutes=by_id[key].minutes)
            grouped.setdefault((technician.id, shift), []).append(
                rm.Stop(key, start, start, end, 0, by_id[key].priority, by_id[key].deadline)
            )
    shifts = {t.id: t.shifts for t in built.problem.technicians}
    routes = tuple(
        rm.Route(
            technician=tech,
            shift=index,
            stops=tuple(sorted(stops, key=lambda s: s.start)),
            breaks=(),
            travel_seconds=0,
            distance_m=0,
            leave=shifts[tech][index].start,
            back=shifts[tech][index].end,
        )
        for (tech, index), stops in sorted(grouped.items())
    )
    return rm.Plan(routes=routes, unassigned=(), solver="current", seconds=0.0)


def insert_emergency(
    actor: Actor, visit_id: int, *, day: date | None = None, time_limit: float = 1.0
) -> Proposal:
    """Place one new urgent visit into the day's plan with as few changes as possible: a ready
    proposal (kind emergency) the dispatcher accepts. The solver runs before the proposal's short
    write transaction, so other writers never wait for it."""
    visit = Visit.objects.select_related("work_order").filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit_id)
    if visit.status != VisitStatus.UNSCHEDULED:
        raise Conflict(
            gettext_noop("Only an unscheduled visit can be inserted; this one is %(current)s."),
            field="status",
            current=visit.status,
        )
    day = day or clock.now().date()
    proposal = Proposal(
        kind=ProposalKind.EMERGENCY,
        first_day=day,
        last_day=day,
        time_limit=time_limit,
        started_at=clock.now(),
        created_by_id=actor.user_id,
    )
    key = f"v{visit_id}"

    def compute(built: problem.Built) -> rm.Plan:
        if key not in built.movable:
            raise Conflict(gettext_noop("This visit cannot be planned on that day."), field="visit_id")
        return port.insert(built.problem, current_plan(built), [key], time_limit=time_limit)

    _solve_into(proposal, compute)
    proposal.status = ProposalStatus.READY
    proposal.finished_at = clock.now()
    with transaction.atomic():
        proposal.save()
        audit.record(
            actor, "dispatch.emergency", proposal, before=None, after=audit.snapshot(proposal, SNAPSHOT)
        )
    return proposal


# --- Board moves --------------------------------------------------------------------------------------


def _booked(technician_id: int, low: datetime, high: datetime) -> list[domain.Booked]:
    rows = (
        Visit.objects.filter(technician_id=technician_id, planned_start__lt=high, planned_end__gt=low)
        .exclude(status__in=[VisitStatus.CANCELLED.value, VisitStatus.UNSCHEDULED.value])
        .select_related("work_order")
    )
    return [
        domain.Booked(v.pk, f"{v.work_order.number} #{v.number}", v.planned_start, v.planned_end)  # type: ignore[arg-type]
        for v in rows
    ]


def _target(technician: Technician, start: datetime, end: datetime) -> domain.Target:
    first = (start - timedelta(days=1)).date()
    last = (end + timedelta(days=1)).date()
    found = resources([technician.pk], first, last)
    windows = found[0].windows if found else []
    skills = found[0].skills if found else {}
    absences = Absence.objects.filter(
        technician=technician, status="approved", start__lt=end, end__gt=start
    ).values_list("start", "end", "kind")
    return domain.Target(
        name=technician.name,
        skills=skills,
        shifts=[
            domain.Shift(w.start, w.end, w.break_earliest, w.break_latest, w.break_minutes) for w in windows
        ],
        absences=[domain.Absence(a, b, kind) for a, b, kind in absences],
        booked=_booked(technician.pk, start - timedelta(days=1), end + timedelta(days=1)),
    )


def _candidate(visit: Visit, start: datetime, end: datetime) -> domain.Candidate:
    order = visit.work_order
    first = (start - timedelta(days=1)).date()
    last = (end + timedelta(days=1)).date()
    return domain.Candidate(
        visit_id=visit.pk,
        status=visit.status,
        skills={row.skill.code: row.level for row in order.required_skills.select_related("skill")},
        windows=[domain.Span(a, b) for a, b in problem.windows_of(order, first, last)],
        deadline=order.onsite_deadline,
        earliest=parts.waiting([order.pk]).get(order.pk),  # the parts' expected arrival, if awaited
    )


def check(visit: Visit, technician: Technician, start: datetime, end: datetime) -> domain.MoveCheck:
    return domain.check_move(_candidate(visit, start, end), _target(technician, start, end), start, end)


class MoveRefused(Conflict):
    """The move breaks a rule (``errors``) or needs confirmation (``warnings``, ``needs_confirmation``)."""

    def __init__(self, result: domain.MoveCheck, needs_confirmation: bool) -> None:
        first = (result.errors or result.warnings)[0]
        super().__init__(first.message, field="start", **dict(first.params))
        self.result = result
        self.needs_confirmation = needs_confirmation

    def problem_members(self, gettext: Callable[[str], str]) -> dict[str, Any]:
        def rows(issues: tuple[domain.Issue, ...]) -> list[dict[str, str]]:
            return [{"code": i.code, "message": i.text(gettext)} for i in issues]

        return {
            "reasons": rows(self.result.errors),
            "warnings": rows(self.result.warnings),
            "needs_confirmation": self.needs_confirmation,
        }


def _place(visit: Visit) -> dict[str, Any]:
    return {
        "technician_id": visit.technician_id,
        "start": visit.planned_start.isoformat() if visit.planned_start else None,
        "end": visit.planned_end.isoformat() if visit.planned_end else None,
        "status": visit.status,
    }


@transaction.atomic
def move_visit(
    actor: Actor,
    visit_id: int,
    *,
    technician_id: int,
    start: datetime,
    end: datetime | None = None,
    expected_version: int | None = None,
    confirm: bool = False,
) -> Move:
    """Plan or move a visit from the board. Refused (409, nothing written) when ``check_move`` finds
    an error, or a warning the dispatcher has not confirmed (``confirm``)."""
    visit = Visit.objects.select_related("work_order").filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit_id)
    check_version(visit, expected_version)
    technician = Technician.objects.filter(pk=technician_id, active=True).first()
    if technician is None:
        raise InvalidInput(
            gettext_noop("No active technician with id %(id)s."), field="technician_id", id=technician_id
        )
    if end is None:
        length = (
            visit.planned_end - visit.planned_start
            if visit.planned_start and visit.planned_end
            else timedelta(minutes=visit.work_order.estimated_minutes)
        )
        end = start + length
    result = check(visit, technician, start, end)
    if result.errors or (result.warnings and not confirm):
        raise MoveRefused(result, needs_confirmation=not result.errors)
    before = _place(visit)
    moved = services_visits.plan_visit(
        actor, visit.work_order_id, technician.pk, start, end, pinned=visit.pinned, visit_id=visit.pk
    )
    return Move.objects.create(
        visit=moved,
        at=clock.now(),
        by_id=actor.user_id,
        before=before,
        after=_place(moved),
        version_after=moved.version,
        warnings=[{"code": w.code, "message": w.message, "params": dict(w.params)} for w in result.warnings],
    )


@transaction.atomic
def undo_move(actor: Actor, move_id: int) -> Visit:
    """Put the visit back where it was before the move, if nothing touched it since."""
    move = Move.objects.select_for_update().filter(pk=move_id).first()
    if move is None:
        raise NotFound(gettext_noop("No move with id %(id)s."), id=move_id)
    if move.undone_at is not None:
        raise Conflict(gettext_noop("This move was already undone."), field="move_id")
    visit = Visit.objects.get(pk=move.visit_id)
    if visit.version != move.version_after:
        raise Conflict(
            gettext_noop("The visit changed after this move; it cannot be undone."), field="move_id"
        )
    before = move.before
    if before["technician_id"] is None:
        restored = services_visits.unschedule_visit(actor, visit.pk)
    else:
        restored = services_visits.plan_visit(
            actor,
            visit.work_order_id,
            before["technician_id"],
            datetime.fromisoformat(before["start"]),
            datetime.fromisoformat(before["end"]),
            pinned=visit.pinned,
            visit_id=visit.pk,
        )
    move.undone_at = clock.now()
    move.save(update_fields=["undone_at"])
    return restored


# --- Dispatching a day ---------------------------------------------------------------------------------


@transaction.atomic
def dispatch_day(actor: Actor, technician_id: int, low: datetime, high: datetime) -> list[Visit]:
    """Give the technician every planned visit starting in ``[low, high)``; each customer is told the
    visit window (``workorders.services_visits.dispatch_visit``)."""
    if not Technician.objects.filter(pk=technician_id).exists():
        raise NotFound(gettext_noop("No technician with id %(id)s."), id=technician_id)
    ids = list(
        Visit.objects.filter(
            technician_id=technician_id,
            status=VisitStatus.PLANNED.value,
            planned_start__gte=low,
            planned_start__lt=high,
        )
        .order_by("planned_start")
        .values_list("pk", flat=True)
    )
    return [services_visits.dispatch_visit(actor, pk) for pk in ids]
