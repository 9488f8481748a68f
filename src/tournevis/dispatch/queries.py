"""Read side of the planning board: technicians as resources, their visits, absences and the visits
waiting for a technician — a constant number of queries whatever the number of technicians.

Times are ISO 8601 in UTC; the page shows them in the dispatcher's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q

from tournevis.dispatch.models import Feed, Move, Proposal
from tournevis.workforce.models import Absence, Team
from tournevis.workforce.queries import resources, utc_bounds
from tournevis.workorders.domain import UNDER_WAY, VisitStatus
from tournevis.workorders.models import Visit

MAX_BOARD_DAYS = 42
# Visits the dispatcher may no longer drag (the technician has them, or they are over)
LOCKED = UNDER_WAY | {VisitStatus.COMPLETED}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def board(first: date, last: date, team_id: int | None = None) -> dict[str, Any]:
    """Everything the board draws for the local days ``first`` … ``last`` (at most 42 days):
    ``resources`` (technicians with skills), ``visits`` (blocks), ``absences`` (shaded),
    ``off`` (working windows, to shade the rest) and ``unassigned`` (visits waiting for a technician).
    Seven queries."""
    ids = None
    if team_id is not None:
        ids = list(Team.objects.get(pk=team_id).technicians.filter(active=True).values_list("pk", flat=True))
    people = resources(ids, first, last)
    technician_ids = [r.id for r in people]
    low, high = utc_bounds(first, last)
    visits = (
        Visit.objects.filter(technician_id__in=technician_ids, planned_start__lt=high, planned_end__gt=low)
        .exclude(status=VisitStatus.CANCELLED.value)
        .order_by("planned_start", "id")
        .values_list(*VISIT_COLUMNS)
    )
    absences = (
        Absence.objects.filter(
            technician_id__in=technician_ids,
            status__in=("approved", "requested"),
            start__lt=high,
            end__gt=low,
        )
        .values_list("id", "technician_id", "kind", "status", "start", "end")
        .order_by("start", "id")
    )
    waiting = (
        Visit.objects.filter(status=VisitStatus.UNSCHEDULED.value)
        .filter(Q(work_order__window_start__isnull=True) | Q(work_order__window_start__lte=last))
        .order_by("work_order__onsite_deadline", "work_order__priority", "id")
        .values_list(*WAITING_COLUMNS)[:500]
    )
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "resources": [
            {
                "id": r.id,
                "name": r.name,
                "team_id": r.team_id,
                "skills": r.skills,
                "windows": [[_iso(w.start), _iso(w.end)] for w in r.windows],
            }
            for r in people
        ],
        "visits": [_visit_row(row) for row in visits],
        "absences": [
            {
                "id": pk,
                "technician_id": tech,
                "kind": kind,
                "status": status,
                "start": _iso(a),
                "end": _iso(b),
            }
            for pk, tech, kind, status, a, b in absences
        ],
        "unassigned": [_waiting_row(row) for row in waiting],
    }


# Plain columns, no model instances: a week of 200 technicians is thousands of rows.
VISIT_COLUMNS = (
    "id",
    "version",
    "technician_id",
    "planned_start",
    "planned_end",
    "status",
    "pinned",
    "work_order_id",
    "work_order__number",
    "work_order__title",
    "work_order__priority",
    "work_order__customer__name",
    "work_order__site__name",
    "work_order__site__city",
    "work_order__onsite_deadline",
)
WAITING_COLUMNS = (
    "id",
    "version",
    "work_order_id",
    "work_order__number",
    "work_order__title",
    "work_order__priority",
    "work_order__estimated_minutes",
    "work_order__customer__name",
    "work_order__site__name",
    "work_order__site__city",
    "work_order__onsite_deadline",
)


def _place(site: str, city: str) -> str:
    return ", ".join(p for p in (site, city) if p)


def _visit_row(row: tuple[Any, ...]) -> dict[str, Any]:
    (pk, version, technician_id, start, end, status, pinned, order_id, number, title, priority) = row[:11]
    customer, site, city, deadline = row[11:]
    return {
        "id": pk,
        "version": version,
        "technician_id": technician_id,
        "start": _iso(start),
        "end": _iso(end),
        "status": status,
        "pinned": pinned,
        "locked": status in LOCKED,
        "work_order_id": order_id,
        "number": number,
        "title": title,
        "priority": priority,
        "customer": customer,
        "site": _place(site, city),
        "deadline": _iso(deadline),
        "late": bool(deadline and start and start > deadline),
    }


def _waiting_row(row: tuple[Any, ...]) -> dict[str, Any]:
    pk, version, order_id, number, title, priority, minutes, customer, site, city, deadline = row
    return {
        "id": pk,
        "version": version,
        "work_order_id": order_id,
        "number": number,
        "title": title,
        "priority": priority,
        "minutes": minutes,
        "customer": customer,
        "site": _place(site, city),
        "deadline": _iso(deadline),
    }


@dataclass(frozen=True)
class DayStop:
    number: int
    label: str
    start: datetime
    end: datetime
    latitude: float | None
    longitude: float | None


def day_of(technician_id: int, day_start: datetime) -> list[DayStop]:
    """The technician's visits in the 24 hours from ``day_start``, in time order (for the day map)."""
    rows = (
        Visit.objects.filter(
            technician_id=technician_id,
            planned_start__gte=day_start,
            planned_start__lt=day_start + timedelta(days=1),
        )
        .exclude(status=VisitStatus.CANCELLED.value)
        .select_related("work_order__site", "work_order__customer")
        .order_by("planned_start", "id")
    )
    return [
        DayStop(
            index,
            f"{v.work_order.number} · {v.work_order.customer.name}",
            v.planned_start,  # type: ignore[arg-type]
            v.planned_end,  # type: ignore[arg-type]
            v.work_order.site.latitude,
            v.work_order.site.longitude,
        )
        for index, v in enumerate(rows, start=1)
    ]


def recent_proposals(limit: int = 10) -> list[Proposal]:
    return list(Proposal.objects.select_related("team").order_by("-started_at", "-id")[:limit])


def last_moves(user_id: int | None, limit: int = 5) -> list[Move]:
    return list(
        Move.objects.filter(by_id=user_id, undone_at__isnull=True)
        .select_related("visit__work_order")
        .order_by("-at", "-id")[:limit]
    )


def feeds_of(technician_id: int) -> list[Feed]:
    return list(Feed.objects.filter(technician_id=technician_id).order_by("-created_at", "-id"))


def feed_by_token_hash(token_hash: str) -> Feed | None:
    return (
        Feed.objects.filter(token_hash=token_hash, revoked_at__isnull=True)
        .select_related("technician")
        .first()
    )


def feed_visits(technician_id: int, low: datetime, high: datetime) -> list[Visit]:
    """Visits of the technician for the feed, cancelled and unscheduled ones included (their UID then
    says CANCELLED). A visit moved to another technician is no longer in this feed's query."""
    return list(
        Visit.objects.filter(technician_id=technician_id, planned_start__gte=low, planned_start__lt=high)
        .select_related("work_order__site", "work_order__customer")
        .order_by("planned_start", "id")
    )
