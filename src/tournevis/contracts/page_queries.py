"""Read side of the back-office contract and calendar pages: one function per page, few queries each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet

from tournevis.contracts import domain, queries
from tournevis.contracts.access import visible_contracts
from tournevis.contracts.models import (
    Amendment,
    Calendar,
    CalendarAssignment,
    Contract,
    PreventivePlan,
    SlaClock,
    SlaPolicy,
    SlaTarget,
)
from tournevis.contracts.services import base_terms, change_of
from tournevis.core import business_time
from tournevis.core.actor import Actor
from tournevis.customers.models import Site
from tournevis.installed_base.models import Category, ServiceObject


def contract_rows(
    actor: Actor, *, customer_name: str = "", status: str = "", type: str = ""
) -> QuerySet[Contract]:
    """The contracts list: the actor's contracts filtered by customer name, status and type."""
    rows = visible_contracts(actor)
    if customer_name:
        rows = rows.filter(customer__name__icontains=customer_name)
    if status:
        rows = rows.filter(status=status)
    if type:
        rows = rows.filter(type=type)
    return rows.order_by("number", "id")


@dataclass(frozen=True)
class AmendmentRow:
    amendment: Amendment
    prorated_amount_minor: int | None
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class CalendarChoice:
    """A calendar that applies and why: ``contract``, ``site``, ``customer``, ``default`` or ``fallback``."""

    calendar: Calendar
    reason: str
    site: Site | None = None


@dataclass(frozen=True)
class ContractPage:
    terms: domain.Terms
    policy: SlaPolicy | None
    sites: list[Site]
    objects: list[ServiceObject]
    categories: list[Category]
    targets: list[SlaTarget]
    amendments: list[AmendmentRow]
    calendars: list[CalendarChoice]


def _calendars(contract: Contract, sites: list[Site]) -> list[CalendarChoice]:
    """The contract's calendar and why; without its own, each covered site with its own calendar too."""
    if contract.calendar is not None:
        return [CalendarChoice(contract.calendar, "contract")]
    assigned = list(
        CalendarAssignment.objects.select_related("calendar").filter(
            Q(customer_id=contract.customer_id) | Q(site_id__in=[s.pk for s in sites])
        )
    )
    by_site = {a.site_id: a.calendar for a in assigned if a.site_id is not None}
    by_customer = next((a.calendar for a in assigned if a.customer_id is not None), None)
    if by_customer is not None:
        choice = CalendarChoice(by_customer, "customer")
    else:
        default = Calendar.objects.filter(is_default=True).first()
        choice = (
            CalendarChoice(default, "default")
            if default is not None
            else CalendarChoice(queries.fallback_calendar(), "fallback")
        )
    return [choice] + [CalendarChoice(by_site[s.pk], "site", s) for s in sites if s.pk in by_site]


def _labels(
    rows: Any, sites: dict[int, str], objects: dict[int, str], categories: dict[int, str]
) -> list[str]:
    out = []
    for row in rows:
        if row.site_id:
            out.append(sites.get(row.site_id, f"#{row.site_id}"))
        elif row.service_object_id:
            out.append(objects.get(row.service_object_id, f"#{row.service_object_id}"))
        elif row.category_id:
            out.append(categories.get(row.category_id, f"#{row.category_id}"))
    return out


def contract_page(contract: Contract, day: date) -> ContractPage:
    """Everything the contract page shows for ``day``: terms, coverage, SLA targets of the tier in force,
    amendments with their prorated amounts, and the calendars that apply."""
    base = base_terms(contract)
    amendments = list(
        contract.amendments.select_related("sla_policy")
        .prefetch_related("coverage")
        .order_by("effective_date", "sequence")
    )
    changes = [change_of(a) for a in amendments]
    terms = domain.terms_at(base, changes, day)
    all_coverage = [row for a in amendments for row in a.coverage.all()]
    site_ids = set(terms.site_ids) | {r.site_id for r in all_coverage if r.site_id}
    object_ids = set(terms.object_ids) | {r.service_object_id for r in all_coverage if r.service_object_id}
    category_ids = set(terms.category_ids) | {r.category_id for r in all_coverage if r.category_id}
    site_rows = {s.pk: s for s in Site.objects.filter(pk__in=site_ids).order_by("name", "id")}
    object_rows = {
        o.pk: o
        for o in ServiceObject.objects.select_related("site").filter(pk__in=object_ids).order_by("path")
    }
    category_rows = {c.pk: c for c in Category.objects.filter(pk__in=category_ids).order_by("code", "id")}
    names = (
        {k: v.name for k, v in site_rows.items()},
        {k: v.name for k, v in object_rows.items()},
        {k: str(v) for k, v in category_rows.items()},
    )
    rows: list[AmendmentRow] = []
    for index, amendment in enumerate(amendments):
        amount = None
        if amendment.price_minor is not None:
            start, end = domain.billing_period(
                contract.start_date, contract.billing_cycle, amendment.effective_date
            )
            old = domain.terms_at(base, changes[:index], amendment.effective_date).price_minor
            amount = domain.prorate(old, amendment.price_minor, start, end, amendment.effective_date)
        coverage = list(amendment.coverage.all())
        rows.append(
            AmendmentRow(
                amendment,
                amount,
                _labels([r for r in coverage if r.op == "add"], *names),
                _labels([r for r in coverage if r.op == "remove"], *names),
            )
        )
    policy = SlaPolicy.objects.filter(pk=terms.sla_policy_id).first() if terms.sla_policy_id else None
    targets = (
        list(
            SlaTarget.objects.select_related("category")
            .filter(policy_id=terms.sla_policy_id)
            .order_by(
                "priority", F("category__code").asc(nulls_first=True), "id"
            )  # "all" first on both databases
        )
        if terms.sla_policy_id is not None
        else []
    )
    covered_sites = [s for pk, s in site_rows.items() if pk in terms.site_ids]
    return ContractPage(
        terms=terms,
        policy=policy,
        sites=covered_sites,
        objects=[o for pk, o in object_rows.items() if pk in terms.object_ids],
        categories=[c for pk, c in category_rows.items() if pk in terms.category_ids],
        targets=targets,
        amendments=rows,
        calendars=_calendars(contract, covered_sites),
    )


# --- Calendars -------------------------------------------------------------------------------------


def calendar_rows() -> QuerySet[Calendar]:
    return Calendar.objects.annotate(
        contract_count=Count("contracts", distinct=True), assignment_count=Count("assignments", distinct=True)
    ).order_by("name", "id")


def next_holidays(calendar: Calendar, today: date, count: int = 5) -> list[date]:
    if calendar.always_open or not calendar.holidays_country:
        return []
    days = business_time.holiday_dates(
        calendar.holidays_country, calendar.holidays_subdivision or None, [today.year, today.year + 1]
    )
    return sorted(d for d in days if d >= today)[:count]


def openings(calendar: Calendar, start: datetime, count: int = 10) -> list[tuple[datetime, datetime]]:
    """The next ``count`` openings of a (possibly unsaved) calendar from ``start``, in its time zone."""
    engine = queries.to_engine(calendar, range(start.year, start.year + 3))
    zone = ZoneInfo(calendar.timezone)
    return [
        (a.astimezone(zone), b.astimezone(zone)) for a, b in business_time.next_openings(engine, start, count)
    ]


def attach_clock_context(clocks: list[SlaClock], now: datetime) -> None:
    """Give each clock of a page its contract, its calendar's time zone, whether it is past its
    deadline at ``now`` and the business time left until then (cached fields date from the last event)."""
    contract_ids = {c.contract_id for c in clocks if c.contract_id is not None}
    calendar_ids = {c.calendar_id for c in clocks if c.calendar_id is not None}
    contracts = Contract.objects.select_related("customer").in_bulk(contract_ids)
    years = range(now.year, now.year + 2)
    fallback = business_time.Calendar.always_open(settings.CONTRACTS_FALLBACK_TIMEZONE)
    engines = {
        pk: queries.to_engine(row, years) for pk, row in Calendar.objects.in_bulk(calendar_ids).items()
    }
    for item in clocks:
        engine = engines.get(item.calendar_id, fallback) if item.calendar_id else fallback
        item.contract_row = contracts.get(item.contract_id) if item.contract_id else None  # type: ignore[attr-defined]
        item.timezone = engine.timezone  # type: ignore[attr-defined]
        item.overdue = item.deadline <= now  # type: ignore[attr-defined]
        item.left_minutes = (  # type: ignore[attr-defined]
            None
            if item.overdue  # type: ignore[attr-defined]
            else int(business_time.business_time_between(engine, now, item.deadline).total_seconds() // 60)
        )


def plans_of(contract: Contract) -> list[PreventivePlan]:
    """The contract's preventive plans with their target, active ones first."""
    return list(
        PreventivePlan.objects.filter(contract=contract)
        .select_related("service_object", "category")
        .order_by("-active", "name", "id")
    )
