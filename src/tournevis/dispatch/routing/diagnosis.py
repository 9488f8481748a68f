"""Why a visit cannot be (or was not) planned, in the most specific terms a dispatcher understands.

Pure and independent of the solvers: it filters technicians by skills, pins, shifts (days), time
windows and reachability from home. ``impossible`` runs before solving (such visits are not given to
a solver at all); ``explain`` gives the reason for a visit a solver left out: the static reason if
any, otherwise a capacity reason (``pin_full``, ``locked_conflict``, ``no_room``, ``plan_full``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import reasons as r
from .encoding import start_windows
from .model import PRIORITY_WEIGHTS, Problem, Reason, Route, Shift, Technician, Visit
from .travel import UNREACHABLE, Matrix


def impossible(problem: Problem, matrix: Matrix) -> dict[str, Reason]:
    """Visits that no technician can serve whatever the rest of the plan, with their reason."""
    result: dict[str, Reason] = {}
    for visit in problem.visits:
        reason = static_reason(problem, matrix, visit)
        if reason is not None:
            result[visit.id] = reason
    return result


def can_meet_deadline(problem: Problem, matrix: Matrix, visit: Visit) -> bool:
    """Some qualified technician could start it by its deadline, if nothing else were planned."""
    if visit.deadline is None:
        return True
    horizon = problem.horizon()
    if horizon is None:
        return False
    windows = start_windows(visit, horizon, hard_deadline=True)
    return bool(windows) and bool(_reachable(problem, matrix, visit, _candidates(problem, visit), windows))


def explain(problem: Problem, matrix: Matrix, visit: Visit, routes: Sequence[Route]) -> Reason:
    """The reason for a visit the plan does not serve."""
    reason = static_reason(problem, matrix, visit)
    if reason is not None:
        return reason
    if visit.pin is not None:
        code = r.LOCKED_CONFLICT if visit.pin.locked else r.PIN_FULL
        return Reason(code, {"technician": visit.pin.technician})
    qualified = {t.id for t in problem.technicians if t.qualified_for(visit.skills)}
    weight = PRIORITY_WEIGHTS.get(visit.priority, 0)
    for route in routes:
        if route.technician in qualified and any(
            PRIORITY_WEIGHTS.get(s.priority, 0) < weight for s in route.stops
        ):
            return Reason(r.NO_ROOM)
    return Reason(r.PLAN_FULL)


def static_reason(problem: Problem, matrix: Matrix, visit: Visit) -> Reason | None:
    horizon = problem.horizon()
    tz = _zone(problem.timezone)
    if visit.pin is not None:
        return _pin_reason(problem, matrix, visit, horizon, tz)
    technicians = problem.technicians
    qualified = [t for t in technicians if t.qualified_for(visit.skills)]
    if not qualified and not visit.skills:
        return Reason(r.QUALIFIED_ABSENT)  # no technician at all
    if not qualified:
        for code, level in sorted(visit.skills.items()):
            if not any(t.skills.get(code, 0) >= level for t in technicians):
                return Reason(r.NO_SKILL, {"skill": code, "level": str(level)})
        return Reason(r.NO_SKILL_COMBINATION, {"skills": _skills_text(visit)})
    if horizon is None or not any(t.shifts for t in qualified):
        return Reason(r.QUALIFIED_ABSENT)
    windows = start_windows(visit, horizon)
    shifts = [(t, s) for t in qualified for s in t.shifts]
    candidates = [(t, s) for t, s in shifts if _fits_shift(visit, s, windows)]
    if not candidates:
        if all(visit.minutes * 60 > (s.end - s.start).total_seconds() for _, s in shifts):
            return Reason(r.TOO_LONG, {"minutes": str(visit.minutes)})
        if visit.earliest is not None and visit.earliest >= max(s.end for _, s in shifts):
            return Reason(r.STARTS_TOO_LATE, {"earliest": _local(visit.earliest, tz)})
        day = _day_of(visit, windows, horizon)
        params = {
            "day": day.astimezone(tz).date().isoformat(),
            "weekday": r.WEEKDAYS[day.astimezone(tz).weekday()],
        }
        if visit.skills:
            return Reason(r.NO_SKILL_ON_DAY, {"skill": _rarest_skill(problem, visit), **params})
        return Reason(r.NOBODY_WORKING, params)
    if not _reachable(problem, matrix, visit, candidates, windows):
        if all(_travel_in(matrix, t, visit) >= UNREACHABLE for t, _ in candidates):
            return Reason(r.NO_ROAD)
        return Reason(r.WINDOW_UNREACHABLE)
    return None


def _pin_reason(
    problem: Problem, matrix: Matrix, visit: Visit, horizon: tuple[datetime, datetime] | None, tz: ZoneInfo
) -> Reason | None:
    assert visit.pin is not None
    pin = visit.pin
    try:
        technician = problem.technician(pin.technician)
    except KeyError:
        return Reason(r.PIN_NOT_WORKING, {"technician": pin.technician})
    for code, level in sorted(visit.skills.items()):
        if technician.skills.get(code, 0) < level:
            return Reason(
                r.PIN_UNQUALIFIED, {"technician": technician.id, "skill": code, "level": str(level)}
            )
    if horizon is None or not technician.shifts:
        return Reason(r.PIN_NOT_WORKING, {"technician": technician.id})
    if pin.start is not None:
        outside = (visit.windows and not any(a <= pin.start <= b for a, b in visit.windows)) or (
            visit.earliest is not None and pin.start < visit.earliest
        )
        if outside and not pin.locked:
            return Reason(r.PIN_OUTSIDE_WINDOW, {"start": _local(pin.start, tz)})
        finish = pin.start + timedelta(minutes=visit.minutes)
        if not any(s.start <= pin.start and finish <= s.end for s in technician.shifts):
            return Reason(r.PIN_NOT_WORKING, {"technician": technician.id})
    windows = start_windows(visit, horizon)
    candidates = [(technician, s) for s in technician.shifts if _fits_shift(visit, s, windows)]
    if not candidates:
        return Reason(r.PIN_NOT_WORKING, {"technician": technician.id})
    if not _reachable(problem, matrix, visit, candidates, windows):
        return Reason(r.PIN_UNREACHABLE, {"technician": technician.id})
    return None


def _candidates(problem: Problem, visit: Visit) -> list[tuple[Technician, Shift]]:
    if visit.pin is not None:
        return [(t, s) for t in problem.technicians if t.id == visit.pin.technician for s in t.shifts]
    return [(t, s) for t in problem.technicians if t.qualified_for(visit.skills) for s in t.shifts]


def _fits_shift(visit: Visit, shift: Shift, windows: Iterable[tuple[datetime, datetime]]) -> bool:
    """Some start in the windows lets the visit lie inside the shift (travel ignored)."""
    last_start = shift.end - timedelta(minutes=visit.minutes)
    return any(a <= last_start and b >= shift.start for a, b in windows) and last_start >= shift.start


def _reachable(
    problem: Problem,
    matrix: Matrix,
    visit: Visit,
    candidates: Iterable[tuple[Technician, Shift]],
    windows: Sequence[tuple[datetime, datetime]],
) -> list[tuple[Technician, Shift]]:
    """Candidates that can leave home, arrive within a window, do the visit and get back in the shift."""
    result = []
    for technician, shift in candidates:
        going = _travel_in(matrix, technician, visit)
        coming = matrix.seconds(visit.location, technician.end_location)
        if going >= UNREACHABLE or coming >= UNREACHABLE:
            continue
        first = shift.start + timedelta(seconds=going)
        last = shift.end - timedelta(seconds=coming) - timedelta(minutes=visit.minutes)
        if any(max(a, first) <= min(b, last) for a, b in windows):
            result.append((technician, shift))
    return result


def _travel_in(matrix: Matrix, technician: Technician, visit: Visit) -> int:
    return matrix.seconds(technician.home, visit.location)


def _day_of(
    visit: Visit, windows: Sequence[tuple[datetime, datetime]], horizon: tuple[datetime, datetime]
) -> datetime:
    if windows:
        return windows[0][0]
    if visit.windows:
        return min(visit.windows)[0]
    return visit.earliest or horizon[0]


def _rarest_skill(problem: Problem, visit: Visit) -> str:
    def holders(item: tuple[str, int]) -> tuple[int, str]:
        code, level = item
        return sum(1 for t in problem.technicians if t.skills.get(code, 0) >= level), code

    code, level = min(visit.skills.items(), key=holders)
    return f"{code} L{level}"


def _skills_text(visit: Visit) -> str:
    return ", ".join(f"{code} L{level}" for code, level in sorted(visit.skills.items()))


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def unserved_breach(problem: Problem, visit: Visit) -> bool:
    """An unserved visit breaches its SLA when its deadline falls inside the planning horizon."""
    horizon = problem.horizon()
    return visit.deadline is not None and horizon is not None and visit.deadline <= horizon[1]
