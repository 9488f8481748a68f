"""Pure rules of contracts: enums, the status machine, validation, proration, reminders. No Django."""

from __future__ import annotations

import calendar as _gregorian
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import holidays as _holidays
import pycountry

from tournevis.core.domain import clean_text, clean_timezone
from tournevis.core.errors import InvalidInput, gettext_noop
from tournevis.customers.domain import clean_access_hours


class ContractType(StrEnum):
    MAINTENANCE = "maintenance"  # coverage with guaranteed times
    SUBSCRIPTION = "subscription"  # a fee for access; each intervention is paid (per_visit_price_minor)
    WARRANTY = "warranty"


class Status(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    TERMINATED = "terminated"


# Allowed status changes; anything else is refused naming ``status``. Terminated is final; an
# expired contract may be reactivated (after its end date was extended).
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.ACTIVE, Status.TERMINATED}),
    Status.ACTIVE: frozenset({Status.SUSPENDED, Status.EXPIRED, Status.TERMINATED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.EXPIRED, Status.TERMINATED}),
    Status.EXPIRED: frozenset({Status.ACTIVE, Status.TERMINATED}),
    Status.TERMINATED: frozenset(),
}


class Renewal(StrEnum):
    TACIT = "tacit"  # extended by renewal_months at the end unless terminated
    EXPLICIT = "explicit"  # expires at the end unless renewed; the customer is asked before the notice


class BillingCycle(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUAL = "semi_annual"
    ANNUAL = "annual"


CYCLE_MONTHS: Mapping[BillingCycle, int] = {
    BillingCycle.MONTHLY: 1,
    BillingCycle.QUARTERLY: 3,
    BillingCycle.SEMI_ANNUAL: 6,
    BillingCycle.ANNUAL: 12,
}


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


# Customer-update cadence defaults, in business minutes of the applicable calendar (never wall-clock):
# "every 2 h" = 120; "daily" = one 8-hour business day = 480; "weekly" = five such days = 2400.
BUSINESS_DAY_MINUTES = 480
DEFAULT_UPDATE_EVERY: Mapping[Priority, int] = {
    Priority.P1: 120,
    Priority.P2: BUSINESS_DAY_MINUTES,
    Priority.P3: BUSINESS_DAY_MINUTES,
    Priority.P4: 5 * BUSINESS_DAY_MINUTES,
}
TARGET_FIELDS = ("first_response_minutes", "on_site_minutes", "resolution_minutes", "update_every_minutes")

# Specificity of a coverage, most specific first (the entitlement tie-break).
COVERAGE_KINDS = ("object", "site", "category")

# Reminders to the account manager: days before the end date; plus, for explicit renewal, one week
# before the notice deadline (end date minus notice_days).
EXPIRY_REMINDER_DAYS = (90, 30, 7)
NOTICE_REMINDER_LEAD_DAYS = 7


def _choice(enum: type[StrEnum], value: Any, field: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("Must be one of %(choices)s."),
            field=field,
            choices=", ".join(item.value for item in enum),
        ) from None


def check_transition(current: str, new: str) -> str:
    """The new status if ``current → new`` is allowed (or unchanged); InvalidInput naming ``status``."""
    target = Status(_choice(Status, new, "status"))
    if target == Status(current) or target in TRANSITIONS[Status(current)]:
        return target.value
    raise InvalidInput(
        gettext_noop("A %(current)s contract cannot become %(new)s."),
        field="status",
        current=current,
        new=new,
    )


def clean_currency(value: Any, field: str = "currency") -> str:
    code = (value or "").strip().upper() if isinstance(value, str) else ""
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not an ISO 4217 currency code (e.g. EUR, CAD)."),
            field=field,
            value=value,
        )
    return code


def _non_negative_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(gettext_noop("A whole number, zero or more, is expected."), field=field)
    return value


def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(gettext_noop("A whole number greater than zero is expected."), field=field)
    return value


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(gettext_noop("A boolean is expected."), field=field)
    return value


def clean_contract(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the contract fields present in ``data`` (partial updates allowed; dates checked together
    by ``check_term``)."""
    out: dict[str, Any] = {}
    if "number" in data:
        out["number"] = clean_text(data["number"], "number", max_length=30).upper()
    if "type" in data:
        out["type"] = _choice(ContractType, data["type"], "type")
    if "renewal" in data:
        out["renewal"] = _choice(Renewal, data["renewal"], "renewal")
    if "billing_cycle" in data:
        out["billing_cycle"] = _choice(BillingCycle, data["billing_cycle"], "billing_cycle")
    if "currency" in data:
        out["currency"] = clean_currency(data["currency"])
    for name in ("price_minor", "notice_days", "preventive_visits_per_year"):
        if name in data:
            out[name] = _non_negative_int(data[name], name)
    if "per_visit_price_minor" in data:
        value = data["per_visit_price_minor"]
        out["per_visit_price_minor"] = (
            None if value is None else _non_negative_int(value, "per_visit_price_minor")
        )
    if "renewal_months" in data:
        out["renewal_months"] = _positive_int(data["renewal_months"], "renewal_months")
    for name in ("parts_included", "labour_included", "loaner_included", "sla_pause_for_parts"):
        if name in data:
            out[name] = _flag(data[name], name)
    if "notes" in data:
        out["notes"] = clean_text(data["notes"], "notes", max_length=4000)
    return out


def check_term(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(gettext_noop("The end date is before the start date."), field="end_date")


def check_effective_date(effective: date, start: date, end: date) -> None:
    """An amendment takes effect within the term (start and end inclusive)."""
    if effective < start:
        raise InvalidInput(
            gettext_noop("An amendment cannot take effect before the contract starts (%(start)s)."),
            field="effective_date",
            start=start.isoformat(),
        )
    if effective > end:
        raise InvalidInput(
            gettext_noop("An amendment cannot take effect after the contract ends (%(end)s)."),
            field="effective_date",
            end=end.isoformat(),
        )


def format_number(year: int, sequence: int) -> str:
    return f"C-{year:04d}-{sequence:05d}"


# --- SLA targets -----------------------------------------------------------------------------------


def clean_targets(rows: Any, field: str = "targets") -> list[dict[str, Any]]:
    """Targets per (priority, category): minutes > 0; the four priorities without category are required.

    ``category_id`` None is the default row of a priority; a row with a category overrides it for
    objects of that category. ``update_every_minutes`` defaults to ``DEFAULT_UPDATE_EVERY``.
    """
    if not isinstance(rows, list):
        raise InvalidInput(gettext_noop("A list of targets is expected."), field=field)
    seen: set[tuple[str, int | None]] = set()
    out: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        where = f"{field}.{index}"
        if not isinstance(row, Mapping):
            raise InvalidInput(gettext_noop("A list of targets is expected."), field=field)
        priority = Priority(_choice(Priority, row.get("priority"), f"{where}.priority"))
        category = row.get("category_id")
        cleaned: dict[str, Any] = {"priority": priority.value, "category_id": category}
        for name in TARGET_FIELDS:
            value = row.get(name)
            if value is None and name == "update_every_minutes":
                value = DEFAULT_UPDATE_EVERY[priority]
            cleaned[name] = _positive_int(value, f"{where}.{name}")
        key = (priority.value, category)
        if key in seen:
            raise InvalidInput(
                gettext_noop("This priority is given twice for the same category."), field=where
            )
        seen.add(key)
        out.append(cleaned)
    missing = [p.value for p in Priority if (p.value, None) not in seen]
    if missing:
        raise InvalidInput(
            gettext_noop("Targets without a category are required for every priority; missing: %(missing)s."),
            field=field,
            missing=", ".join(missing),
        )
    return out


def pick_target(
    rows: Iterable[Mapping[str, Any]], priority: str, category_id: int | None
) -> Mapping[str, Any] | None:
    """The row for this priority and category, else the priority's default row (category None)."""
    default = None
    for row in rows:
        if row["priority"] != priority:
            continue
        if category_id is not None and row["category_id"] == category_id:
            return row
        if row["category_id"] is None:
            default = row
    return default


# --- Calendars -------------------------------------------------------------------------------------

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def clean_holidays(value: Any, field: str = "holidays") -> tuple[str, str]:
    """``{"country": "FR", "subdivision": "67"}`` (or None: no public holidays), checked against the
    ``holidays`` package; returns (country, subdivision), empty strings for none."""
    if value is None:
        return "", ""
    if not isinstance(value, Mapping):
        raise InvalidInput(gettext_noop("An object with country and subdivision is expected."), field=field)
    country = (value.get("country") or "").strip().upper()
    subdivision = (value.get("subdivision") or "").strip().upper()
    supported = _holidays.list_supported_countries()
    if country not in supported:
        raise InvalidInput(
            gettext_noop("No public holidays are known for country “%(value)s”."),
            field=f"{field}.country",
            value=value.get("country"),
        )
    if subdivision and subdivision not in {s.upper() for s in supported[country]}:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not a subdivision of %(country)s with known holidays."),
            field=f"{field}.subdivision",
            value=value.get("subdivision"),
            country=country,
        )
    if subdivision:
        subdivision = next(s for s in supported[country] if s.upper() == subdivision)
    return country, subdivision


def _parse_moment(value: Any, field: str) -> date | datetime:
    if isinstance(value, str):
        try:
            if "T" in value:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError
                return moment
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(
        gettext_noop("A date (YYYY-MM-DD) or a date-time with its offset is expected."), field=field
    )


def clean_closures(value: Any, field: str = "closures") -> list[list[str]]:
    """``[["2026-08-03", "2026-08-21"], ["2026-05-04T12:00:00+02:00", "2026-05-04T18:00:00+02:00"]]``.

    Dates are whole local days, both inclusive; date-times are aware and half-open [start, end).
    """
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise InvalidInput(gettext_noop("A list of [start, end] ranges is expected."), field=field)
    out: list[list[str]] = []
    for index, pair in enumerate(value):
        where = f"{field}.{index}"
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise InvalidInput(gettext_noop("A list of [start, end] ranges is expected."), field=where)
        start, end = (_parse_moment(item, where) for item in pair)
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise InvalidInput(gettext_noop("Both ends must be dates, or both date-times."), field=where)
        if end < start or (isinstance(start, datetime) and end == start):
            raise InvalidInput(gettext_noop("The end is before the start."), field=where)
        out.append([start.isoformat(), end.isoformat()])
    return sorted(out)


def _month_day(value: Any, field: str) -> tuple[int, int]:
    match = _MONTH_DAY.match(value) if isinstance(value, str) else None
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= _gregorian.monthrange(2024, month)[1]:  # 2024: Feb 29 exists
            return month, day
    raise InvalidInput(gettext_noop("A day of the year as MM-DD is expected."), field=field)


def clean_yearly_closures(value: Any, field: str = "yearly_closures") -> list[list[str]]:
    """``[["12-24", "01-01"]]``: the same local days every year, both inclusive (may wrap the year end)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise InvalidInput(gettext_noop("A list of [start, end] ranges is expected."), field=field)
    out: list[list[str]] = []
    for index, pair in enumerate(value):
        where = f"{field}.{index}"
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise InvalidInput(gettext_noop("A list of [start, end] ranges is expected."), field=where)
        for item in pair:
            _month_day(item, where)
        out.append([pair[0], pair[1]])
    return out


def clean_calendar(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=100, required=True)
    if "timezone" in data:
        out["timezone"] = clean_timezone(data["timezone"])
    if "slots" in data:
        out["slots"] = clean_access_hours(data["slots"], "slots")
    if "holidays" in data:
        out["holidays_country"], out["holidays_subdivision"] = clean_holidays(data["holidays"])
    if "closures" in data:
        out["closures"] = clean_closures(data["closures"])
    if "yearly_closures" in data:
        out["yearly_closures"] = clean_yearly_closures(data["yearly_closures"])
    for name in ("always_open", "is_default"):
        if name in data:
            out[name] = _flag(data[name], name)
    return out


def yearly_pairs(rows: Iterable[Iterable[str]]) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    pairs = []
    for start, end in rows:
        pairs.append((_month_day(start, "yearly_closures"), _month_day(end, "yearly_closures")))
    return tuple(pairs)


# --- Billing periods and proration ------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _gregorian.monthrange(year, month + 1)[1]))


def billing_period(term_start: date, cycle: str, on: date) -> tuple[date, date]:
    """The billing period [start, end) containing ``on``, periods anchored at the term's start."""
    months = CYCLE_MONTHS[BillingCycle(cycle)]
    count = max(((on.year - term_start.year) * 12 + on.month - term_start.month) // months, 0)
    start = add_months(term_start, count * months)
    while start > on and count > 0:
        count -= 1
        start = add_months(term_start, count * months)
    while add_months(term_start, (count + 1) * months) <= on:
        count += 1
        start = add_months(term_start, count * months)
    return start, add_months(term_start, (count + 1) * months)


def round_half_up(numerator: int, denominator: int) -> int:
    """The one rounding rule of contract money: nearest minor unit, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def prorate(
    old_price: int, new_price: int, period_start: date, period_end: date, effective_date: date
) -> int:
    """The amount due for a billing period [period_start, period_end) when the price changes on
    ``effective_date`` (minor units).

    Day count: actual days; the days before ``effective_date`` are charged at ``old_price`` and the
    days from it on at ``new_price``, each price being the whole period's amount. One rounding, at the
    end (``round_half_up``). An effective date at or before the period start gives ``new_price``, at or
    after its end ``old_price``.
    """
    days = (period_end - period_start).days
    if days <= 0:
        raise ValueError("a billing period lasts at least one day")
    old_days = min(max((effective_date - period_start).days, 0), days)
    return round_half_up(old_price * old_days + new_price * (days - old_days), days)


# --- Renewal and reminders -------------------------------------------------------------------------


def renewed_end(end: date, renewal_months: int, today: date) -> date:
    """A tacitly renewed term's end: extended by whole renewal periods until ``today`` is within it
    (counted from the original end, so a month-end stays a month-end: Jan 31 → Feb 29 → Mar 31)."""
    periods, renewed = 0, end
    while renewed < today:
        periods += 1
        renewed = add_months(end, periods * renewal_months)
    return renewed


def reminder_schedule(end: date, renewal: str, notice_days: int) -> dict[str, date]:
    """When each reminder of a term falls due: ``expiry_90``... and, for explicit renewal, ``notice``."""
    schedule = {f"expiry_{days}": end - timedelta(days=days) for days in EXPIRY_REMINDER_DAYS}
    if renewal == Renewal.EXPLICIT:
        schedule["notice"] = end - timedelta(days=notice_days + NOTICE_REMINDER_LEAD_DAYS)
    return schedule


def due_reminders(end: date, renewal: str, notice_days: int, today: date, sent: Iterable[str]) -> list[str]:
    """Reminders to send today for a term ending on ``end`` (inclusive), never one already sent.

    Due means its date has come and the term has not ended. When several expiry reminders are due at
    once (a contract entered late), only the closest to the end is sent: the others are superseded.
    """
    if today > end:
        return []
    already = set(sent)
    schedule = reminder_schedule(end, renewal, notice_days)
    due = [kind for kind, when in schedule.items() if when <= today]
    expiry = [k for k in due if k.startswith("expiry_")]
    latest = min(expiry, key=lambda k: int(k.split("_")[1])) if expiry else None
    return [k for k in due if (not k.startswith("expiry_") or k == latest) and k not in already]


# --- State at a date -------------------------------------------------------------------------------

COVERAGE_FIELDS = ("site_ids", "object_ids", "category_ids")


@dataclass(frozen=True)
class Terms:
    """What a contract grants on one day: its tier, price and coverage (ids)."""

    sla_policy_id: int | None
    price_minor: int
    site_ids: frozenset[int] = frozenset()
    object_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Change:
    """One amendment: new tier and/or price, coverage added and removed (keyed by ``COVERAGE_FIELDS``)."""

    effective_date: date
    sequence: int
    sla_policy_id: int | None = None
    price_minor: int | None = None
    add: Mapping[str, frozenset[int]] = field(default_factory=dict)
    remove: Mapping[str, frozenset[int]] = field(default_factory=dict)


def terms_at(base: Terms, changes: Iterable[Change], day: date) -> Terms:
    """The base with every change effective on or before ``day`` applied, in (effective date, sequence)
    order; within one change removals apply after additions."""
    terms = base
    for change in sorted(changes, key=lambda c: (c.effective_date, c.sequence)):
        if change.effective_date > day:
            break
        updates: dict[str, Any] = {}
        if change.sla_policy_id is not None:
            updates["sla_policy_id"] = change.sla_policy_id
        if change.price_minor is not None:
            updates["price_minor"] = change.price_minor
        for name in COVERAGE_FIELDS:
            current: frozenset[int] = getattr(terms, name)
            updates[name] = (current | change.add.get(name, frozenset())) - change.remove.get(
                name, frozenset()
            )
        terms = replace(terms, **updates)
    return terms
