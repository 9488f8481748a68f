"""Read side of telemetry: readings of an object, the object page's charts, lists for the API.

Callers check access first (``installed_base.access.access_object``): these functions take ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Avg, FloatField, Max, Min, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncHour

from tournevis.core import clock
from tournevis.telemetry.models import AlertRule, Device, Episode, Reading

MAX_READINGS = 10_000


@dataclass(frozen=True)
class ReadingRow:
    at: datetime
    value: float
    device: str
    seq: int
    error_code: str


def _of_object(object_id: int) -> QuerySet[Reading]:
    return Reading.objects.filter(device__service_object_id=object_id)


def readings(
    object_id: int, metric: str, since: datetime, until: datetime | None = None, limit: int = MAX_READINGS
) -> list[ReadingRow]:
    """The object's readings of ``metric`` (from every device bound to it) since ``since``, oldest
    first, at most ``limit`` (the most recent ones when there are more)."""
    rows = _of_object(object_id).filter(at__gte=since, values__has_key=metric)
    if until is not None:
        rows = rows.filter(at__lt=until)
    latest = rows.order_by("-at", "-id").values_list(
        "at", "values", "device__device_id", "seq", "error_code"
    )[:limit]
    return [
        ReadingRow(at, float(values[metric]), device, seq, code) for at, values, device, seq, code in latest
    ][::-1]


def metrics_of(object_id: int, since: datetime) -> list[str]:
    """Metric names the object's devices reported since ``since`` (from the latest reading of each)."""
    names: set[str] = set()
    for device in Device.objects.filter(service_object_id=object_id):
        latest = Reading.objects.filter(device=device, at__gte=since).order_by("-at", "-id").first()
        if latest is not None:
            names.update(latest.values)
    return sorted(names)


# --- The object page's chart: an inline SVG, hourly average with the min-max band -------------------

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 22


@dataclass(frozen=True)
class Chart:
    metric: str
    since: datetime
    until: datetime
    count: int  # readings in the period
    line: str  # SVG polyline points of the hourly averages
    band: str  # SVG polygon points of the hourly min-max band
    low: float | None
    high: float | None
    last: float | None
    last_at: datetime | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return self.count == 0


def _hourly(
    object_id: int, metric: str, since: datetime, until: datetime
) -> list[tuple[datetime, float, float, float]]:
    """(hour, average, min, max) of the metric, by UTC hour."""
    value = Cast(KeyTextTransform(metric, "values"), FloatField())
    rows = (
        _of_object(object_id)
        .filter(at__gte=since, at__lt=until, values__has_key=metric)
        .annotate(hour=TruncHour("at", tzinfo=UTC))
        .values("hour")
        .annotate(avg=Avg(value), low=Min(value), high=Max(value))
        .order_by("hour")
    )
    return [(r["hour"], r["avg"], r["low"], r["high"]) for r in rows if r["avg"] is not None]


def chart(object_id: int, metric: str, *, days: int = 7, now: datetime | None = None) -> Chart:
    """Hourly points of ``metric`` over the last ``days`` for the object page (server-rendered SVG)."""
    until = now or clock.now()
    since = until - timedelta(days=days)
    hours = _hourly(object_id, metric, since, until)
    count = _of_object(object_id).filter(at__gte=since, at__lt=until, values__has_key=metric).count()
    latest = readings(object_id, metric, since, until, limit=1)
    if not hours:
        return Chart(metric, since, until, count, "", "", None, None, None, None)
    low = min(h[2] for h in hours)
    high = max(h[3] for h in hours)
    span = (high - low) or 1.0
    seconds = (until - since).total_seconds()

    def x(at: datetime) -> float:
        return LEFT + (WIDTH - RIGHT - LEFT) * (at + timedelta(minutes=30) - since).total_seconds() / seconds

    def y(v: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * (v - low) / span

    line = " ".join(f"{x(h[0]):.1f},{y(h[1]):.1f}" for h in hours)
    upper = [f"{x(h[0]):.1f},{y(h[3]):.1f}" for h in hours]
    lower = [f"{x(h[0]):.1f},{y(h[2]):.1f}" for h in reversed(hours)]
    return Chart(
        metric,
        since,
        until,
        count,
        line,
        " ".join(upper + lower),
        low,
        high,
        latest[-1].value if latest else None,
        latest[-1].at if latest else None,
    )


def charts_for_object(
    object_id: int, *, days: int = 7, now: datetime | None = None, limit: int = 4
) -> list[Chart]:
    """One chart per metric the object's devices report (at most ``limit``); none without devices."""
    until = now or clock.now()
    return [
        chart(object_id, m, days=days, now=until)
        for m in metrics_of(object_id, until - timedelta(days=days))[:limit]
    ]


# --- Lists for the API ------------------------------------------------------------------------------


def devices(object_id: int | None = None, active: bool | None = None) -> QuerySet[Device]:
    rows = Device.objects.all()
    if object_id is not None:
        rows = rows.filter(service_object_id=object_id)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("device_id")


def rules(
    equipment_model_id: int | None = None, service_object_id: int | None = None, active: bool | None = None
) -> QuerySet[AlertRule]:
    rows = AlertRule.objects.all()
    if equipment_model_id is not None:
        rows = rows.filter(equipment_model_id=equipment_model_id)
    if service_object_id is not None:
        rows = rows.filter(service_object_id=service_object_id)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("id")


def episodes(
    object_id: int | None = None, rule_id: int | None = None, is_open: bool | None = None
) -> QuerySet[Episode]:
    rows = Episode.objects.select_related("device")
    if object_id is not None:
        rows = rows.filter(device__service_object_id=object_id)
    if rule_id is not None:
        rows = rows.filter(rule_id=rule_id)
    if is_open is not None:
        rows = rows.filter(closed_at__isnull=is_open)
    return rows.order_by("-opened_at", "-id")
