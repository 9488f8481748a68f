"""Read side of the workforce: technician lists, skills, and availability (working windows) for the
planning board and the optimiser — a constant number of queries whatever the number of technicians.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet

from tournevis.core.actor import Actor
from tournevis.core.business_time import holiday_dates
from tournevis.core.errors import InvalidInput
from tournevis.workforce.access import visible_technicians
from tournevis.workforce.domain import AbsenceStatus, ShiftDay, Window, working_windows
from tournevis.workforce.models import Absence, Shift, Technician, TechnicianSkill

MAX_AVAILABILITY_DAYS = 62


def holidays_for(country: str, subdivision: str, first: date, last: date) -> frozenset[date]:
    """Public holidays of a technician's calendar between two dates (cached by ``holiday_dates``);
    a calendar the ``holidays`` package does not know has none."""
    try:
        return holiday_dates(country, subdivision or None, range(first.year, last.year + 1))
    except InvalidInput:
        return frozenset()


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants that contain every local day first … last in any time zone (±14 h)."""
    return (
        datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC),
        datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC),
    )


def _planning_queryset(technician_ids: Iterable[int] | None) -> QuerySet[Technician]:
    rows = Technician.objects.filter(active=True)
    if technician_ids is not None:
        rows = rows.filter(pk__in=list(technician_ids))
    return rows.order_by("name", "id")


@dataclass(frozen=True)
class _Calendar:
    """What the windows of one technician depend on, read as plain values (no model instances)."""

    timezone: str
    holiday_country: str
    holiday_subdivision: str


def _patterns(technicians: QuerySet[Technician]) -> dict[int, list[ShiftDay]]:
    found: dict[int, list[ShiftDay]] = defaultdict(list)
    rows = Shift.objects.filter(technician__in=technicians.values("pk")).values_list(
        "technician_id", "weekday", "start", "end", "break_earliest", "break_latest", "break_minutes"
    )
    for technician_id, weekday, start, end, earliest, latest, minutes in rows:
        found[technician_id].append(ShiftDay(weekday, start, end, earliest, latest, minutes))
    return found


@dataclass(frozen=True)
class _Period:
    start: datetime
    end: datetime
    status: str = AbsenceStatus.APPROVED.value


def _approved(technicians: QuerySet[Technician], first: date, last: date) -> dict[int, list[_Period]]:
    low, high = utc_bounds(first, last)
    found: dict[int, list[_Period]] = defaultdict(list)
    rows = Absence.objects.filter(
        technician__in=technicians.values("pk"),
        status=AbsenceStatus.APPROVED.value,
        start__lt=high,
        end__gt=low,
    ).values_list("technician_id", "start", "end")
    for technician_id, start, end in rows:
        found[technician_id].append(_Period(start, end))
    return found


def _windows(
    calendar: _Calendar, pattern: list[ShiftDay], absences: list[_Period], first: date, last: date
) -> list[Window]:
    holidays = holidays_for(calendar.holiday_country, calendar.holiday_subdivision, first, last)
    return working_windows(pattern, absences, holidays, calendar.timezone, first, last)


def availability(technician_ids: Iterable[int] | None, first: date, last: date) -> dict[int, list[Window]]:
    """Working windows (UTC) of each active technician for the local days ``first`` … ``last``
    (inclusive): the weekly pattern minus public holidays and approved absences. ``None``: every active
    technician. An inactive or unknown id is absent from the answer. Three queries, plain values."""
    if last < first:
        return {}
    technicians = _planning_queryset(technician_ids)
    calendars = {
        pk: _Calendar(*fields)
        for pk, *fields in technicians.values_list("pk", "timezone", "holiday_country", "holiday_subdivision")
    }
    patterns = _patterns(technicians)
    absences = _approved(technicians, first, last)
    return {
        pk: _windows(calendar, patterns.get(pk, []), absences.get(pk, []), first, last)
        for pk, calendar in calendars.items()
    }


def skills_of(technician_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{technician_id: {skill_code: level}}`` in one query; a technician without skills maps to {}."""
    ids = list(technician_ids)
    found: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = TechnicianSkill.objects.filter(technician_id__in=ids).values_list(
        "technician_id", "skill__code", "level"
    )
    for technician_id, code, level in rows.order_by("technician_id", "skill__code"):
        found[technician_id][code] = level
    return found


@dataclass(frozen=True)
class Resource:
    """What the planner needs of one technician over a horizon."""

    id: int
    name: str
    team_id: int | None
    timezone: str
    home_latitude: float
    home_longitude: float
    languages: tuple[str, ...]
    skills: dict[str, int]
    windows: list[Window] = field(default_factory=list)


def resources(technician_ids: Iterable[int] | None, first: date, last: date) -> list[Resource]:
    """Active technicians with home base, skills and working windows for ``first`` … ``last``, sorted by
    name; ``None``: all active technicians. Five queries."""
    technicians = list(_planning_queryset(technician_ids))
    ids = [t.pk for t in technicians]
    windows = availability(ids, first, last) if technicians else {}
    skills = skills_of(ids)
    return [
        Resource(
            id=t.pk,
            name=t.name,
            team_id=t.team_id,
            timezone=t.timezone,
            home_latitude=t.home_latitude,
            home_longitude=t.home_longitude,
            languages=tuple(t.languages or ()),
            skills=skills[t.pk],
            windows=windows.get(t.pk, []),
        )
        for t in technicians
    ]


# --- Lists ---------------------------------------------------------------------------------------


def list_technicians(
    actor: Actor,
    *,
    team_id: int | None = None,
    skill: str | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> QuerySet[Technician]:
    """Technicians the actor may see, filtered; skills (with their skill) and shifts prefetched."""
    rows = visible_technicians(actor).prefetch_related(
        Prefetch("skills", queryset=TechnicianSkill.objects.select_related("skill").order_by("skill__code")),
        Prefetch("shifts", queryset=Shift.objects.order_by("weekday")),
    )
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    if skill and skill.strip():
        rows = rows.filter(skills__skill__code=skill.strip().lower())
    if q and q.strip():
        term = q.strip()
        rows = rows.filter(Q(name__icontains=term) | Q(email__icontains=term))
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("name", "id")


@dataclass(frozen=True)
class TechnicianRow:
    """One line of the technicians list page."""

    id: int
    name: str
    team: str
    region: str
    skills: dict[str, int]
    languages: tuple[str, ...]
    timezone: str
    active: bool


def technician_rows(
    actor: Actor,
    *,
    team_id: int | None = None,
    skill: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    limit: int = 500,
) -> list[TechnicianRow]:
    """The list page's rows (at most ``limit``), in three queries."""
    rows = list_technicians(actor, team_id=team_id, skill=skill, q=q, active=active)[:limit]
    return [
        TechnicianRow(
            id=t.pk,
            name=t.name,
            team=t.team.name if t.team else "",
            region=t.team.region if t.team else "",
            skills={row.skill.code: row.level for row in t.skills.all()},
            languages=tuple(t.languages or ()),
            timezone=t.timezone,
            active=t.active,
        )
        for t in rows
    ]


def absences_of(technician_id: int, *, status: str | None = None) -> QuerySet[Absence]:
    rows = Absence.objects.filter(technician_id=technician_id).select_related("requested_by", "decided_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-start", "-id")


def pending_absences() -> QuerySet[Absence]:
    """Requested absences waiting for a decision, oldest request first."""
    return (
        Absence.objects.filter(status=AbsenceStatus.REQUESTED.value)
        .select_related("technician")
        .order_by("created_at", "id")
    )
