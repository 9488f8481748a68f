"""Read side of SLA clocks: the at-risk list, a subject's clocks, and the deadline preview."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from tournevis.contracts import domain
from tournevis.contracts.access import access_contract
from tournevis.contracts.clocks import ClockState
from tournevis.contracts.models import Calendar, Contract, SlaClock
from tournevis.contracts.queries import _targets, calendar_for, to_engine
from tournevis.contracts.services import terms_at
from tournevis.contracts.sla_services import TARGET_KINDS
from tournevis.core import business_time, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop


def visible_clocks(actor: Actor) -> QuerySet[SlaClock]:
    """Staff see every clock; a customer user only the clocks of its own customer's contracts."""
    rows = SlaClock.objects.all()
    if actor.is_customer:
        own = Contract.objects.filter(customer_id=actor.own_customer_id()).values("pk")
        rows = rows.filter(contract_id__in=own)
    return rows


def at_risk(
    actor: Actor,
    *,
    within: timedelta = timedelta(hours=4),
    limit: int = 100,
    offset: int = 0,
    now: datetime | None = None,
) -> list[SlaClock]:
    """Counting clocks (not paused, not stopped) that are breached, due within ``within`` or past their
    warning, by deadline. Uses the (state, deadline) index: a range per state, merged by deadline."""
    moment = now or clock.now()
    rows = (
        visible_clocks(actor)
        .filter(
            state__in=(ClockState.RUNNING.value, ClockState.BREACHED.value),
            stopped_at__isnull=True,
            paused_since__isnull=True,
        )
        .filter(Q(deadline__lte=moment + within) | Q(warning_at__lte=moment))
        .order_by("deadline", "id")
    )
    return list(rows[offset : offset + limit])


def clocks_of(actor: Actor, subject_type: str, subject_id: int) -> list[SlaClock]:
    return list(
        visible_clocks(actor).filter(subject_type=subject_type, subject_id=subject_id).order_by("kind", "id")
    )


# --- Preview ---------------------------------------------------------------------------------------

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(value: Any, field: str) -> timedelta:
    """A strict ISO-8601 duration of days, hours, minutes, seconds (``PT2H``, ``P1DT30M``), positive."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise InvalidInput(
            gettext_noop('Expected an ISO-8601 duration such as "PT2H" or "P1DT30M".'), field=field
        )
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise InvalidInput(gettext_noop("A target must be a positive duration."), field=field)
    return duration


def parse_moment(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(gettext_noop("Expected an ISO-8601 date-time with its UTC offset."), field=field)
    return moment


def _intervals(value: Any, field: str) -> list[tuple[datetime, datetime]]:
    if not isinstance(value, list):
        raise InvalidInput(gettext_noop("Expected a list of [start, end] pairs."), field=field)
    out = []
    for n, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInput(gettext_noop("Expected a list of [start, end] pairs."), field=f"{field}.{n}")
        start, end = parse_moment(pair[0], f"{field}.{n}"), parse_moment(pair[1], f"{field}.{n}")
        if end < start:
            raise InvalidInput(gettext_noop("The end comes before the start."), field=f"{field}.{n}")
        out.append((start, end))
    return out


def _calendar_row(spec: Any) -> Calendar:
    """An unsaved calendar row from a request's ``calendar`` object (errors name ``calendar.<field>``)."""
    if not isinstance(spec, Mapping):
        raise InvalidInput(gettext_noop("Expected a calendar object."), field="calendar")
    unknown = set(spec) - {"timezone", "slots", "holidays", "closures", "yearly_closures", "always_open"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(gettext_noop("Unknown field %(name)s."), field=f"calendar.{name}", name=name)
    if "timezone" not in spec:
        raise InvalidInput(gettext_noop("This field is required."), field="calendar.timezone")
    try:
        fields = domain.clean_calendar(spec)
    except DomainError as exc:
        exc.field = f"calendar.{exc.field}" if exc.field else "calendar"
        raise
    return Calendar(name="preview", **fields)


def preview(actor: Actor, data: Mapping[str, Any]) -> dict[str, str]:
    """Deadlines of ``targets`` from ``start`` on a calendar given inline (or a contract's calendar and
    tier targets for ``priority``), skipping ``pauses``; ISO-8601 in the calendar's time zone."""
    start = parse_moment(data.get("start"), "start")
    pauses = _intervals(data.get("pauses") or [], "pauses")
    targets: dict[str, timedelta] = {}
    if data.get("contract") is not None:
        if data.get("calendar") is not None or data.get("targets") is not None:
            raise InvalidInput(
                gettext_noop("Give either a contract and a priority, or a calendar and targets."),
                field="contract",
            )
        contract_id = data["contract"]
        if isinstance(contract_id, bool) or not isinstance(contract_id, int):
            raise InvalidInput(gettext_noop("Expected a contract id."), field="contract")
        try:
            contract = access_contract(actor, contract_id)
        except DomainError as exc:
            raise InvalidInput(exc.text(), field="contract") from None
        priority = data.get("priority")
        if priority not in {p.value for p in domain.Priority}:
            raise InvalidInput(gettext_noop("Expected a priority P1 to P4."), field="priority")
        row = calendar_for(contract=contract)
        day = start.astimezone(ZoneInfo(row.timezone)).date()
        minutes = _targets(terms_at(contract, day).sla_policy_id, priority, None) or {}
        targets = {TARGET_KINDS[name].value: timedelta(minutes=m) for name, m in minutes.items()}
    else:
        row = _calendar_row(data.get("calendar"))
        given = data.get("targets")
        if not isinstance(given, Mapping) or not given:
            raise InvalidInput(
                gettext_noop('Expected targets such as {"response": "PT2H"}.'), field="targets"
            )
        kinds = {k.value for k in TARGET_KINDS.values()}
        for name, value in given.items():
            if name not in kinds:
                raise InvalidInput(
                    gettext_noop("Unknown SLA target %(name)s."), field=f"targets.{name}", name=name
                )
            targets[name] = parse_duration(value, f"targets.{name}")
    engine: business_time.Calendar = to_engine(row, range(start.year - 1, start.year + 3))
    zone = ZoneInfo(row.timezone)
    return {
        name: business_time.add_business_time(engine, start, target, pauses).astimezone(zone).isoformat()
        for name, target in targets.items()
    }
