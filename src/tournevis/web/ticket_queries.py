"""Read side of the ticket pages: inbox rows with their nearest SLA deadline, queue counts, the detail
page's clocks, thread, timeline and links. Few queries per page, none per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from tournevis.contracts.clocks import ClockState
from tournevis.contracts.models import Calendar, SlaClock
from tournevis.contracts.queries import to_engine
from tournevis.core import business_time
from tournevis.core.actor import Actor
from tournevis.customers.access import visible_customers, visible_sites
from tournevis.installed_base.access import visible_objects
from tournevis.installed_base.models import ServiceObject
from tournevis.tickets import domain
from tournevis.tickets.access import sees_internal, visible_tickets
from tournevis.tickets.models import Event, Link, Message, Queue, Ticket
from tournevis.tickets.queries import list_tickets

SUBJECT = "ticket"
COUNTING = (ClockState.RUNNING.value, ClockState.BREACHED.value)


@dataclass(frozen=True)
class Countdown:
    """Where a clock stands at ``now``: ``breached`` (red), ``warning`` (amber) or ``running``."""

    kind: str
    deadline: datetime
    level: str
    left_minutes: int | None  # business minutes until the deadline; None once breached
    timezone: str


@dataclass(frozen=True)
class Filters:
    status: str = "open"  # "open", "all" or a status
    priority: str = ""
    queue: str = ""
    mine: str = ""  # "", "me" or "unassigned"
    customer_id: int | None = None
    q: str = ""

    @property
    def any(self) -> bool:
        return bool(
            self.status != "open"
            or self.priority
            or self.queue
            or self.mine
            or self.customer_id is not None
            or self.q
        )


def inbox(actor: Actor, filters: Filters) -> QuerySet[Ticket]:
    """The tickets of the inbox: visible to the actor (tickets.access), filtered, most urgent first."""
    status = filters.status if filters.status in {s.value for s in domain.Status} else None
    rows = list_tickets(
        actor,
        status=status,
        open=True if filters.status == "open" else None,
        queue=filters.queue or None,
        priority=filters.priority or None,
        assignee_id=actor.user_id if filters.mine == "me" else None,
        customer_id=filters.customer_id,
        q=filters.q or None,
    )
    if filters.mine == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    return rows


def queue_counts(actor: Actor) -> list[tuple[Queue, int]]:
    """Every queue with the number of open tickets in it the actor may see (one query each side)."""
    counts = dict(
        visible_tickets(actor)
        .filter(merged_into__isnull=True, status__in=domain.OPEN_STATUSES)
        .order_by()
        .values("queue_id")
        .annotate(n=Count("id"))
        .values_list("queue_id", "n")
    )
    return [(queue, counts.get(queue.pk, 0)) for queue in Queue.objects.order_by("tier", "code")]


def _engines(calendar_ids: set[int], now: datetime) -> dict[int, business_time.Calendar]:
    years = range(now.year, now.year + 2)
    return {pk: to_engine(row, years) for pk, row in Calendar.objects.in_bulk(calendar_ids).items()}


def _countdown(row: SlaClock, engine: business_time.Calendar, now: datetime) -> Countdown:
    if row.state == ClockState.BREACHED or row.deadline <= now:
        return Countdown(row.kind, row.deadline, "breached", None, engine.timezone)
    left = int(business_time.business_time_between(engine, now, row.deadline).total_seconds() // 60)
    level = "warning" if row.warning_at is not None and row.warning_at <= now else "running"
    return Countdown(row.kind, row.deadline, level, left, engine.timezone)


def nearest_deadlines(ticket_ids: list[int], now: datetime) -> dict[int, Countdown]:
    """The nearest deadline of each ticket's counting clocks (running or breached, not paused, not
    stopped): one query for the clocks, one for their calendars."""
    nearest: dict[int, SlaClock] = {}
    rows = SlaClock.objects.filter(
        subject_type=SUBJECT,
        subject_id__in=ticket_ids,
        state__in=COUNTING,
        stopped_at__isnull=True,
        paused_since__isnull=True,
    ).order_by("deadline", "id")
    for row in rows:
        nearest.setdefault(int(row.subject_id), row)
    engines = _engines({c.calendar_id for c in nearest.values() if c.calendar_id is not None}, now)
    fallback = business_time.Calendar.always_open(settings.CONTRACTS_FALLBACK_TIMEZONE)
    return {
        ticket_id: _countdown(row, engines.get(row.calendar_id or 0, fallback), now)
        for ticket_id, row in nearest.items()
    }


@dataclass(frozen=True)
class ClockRow:
    clock: SlaClock
    state: str  # running, warning, breached, paused, met, stopped
    left_minutes: int | None
    timezone: str


def clocks(ticket: Ticket, now: datetime) -> list[ClockRow]:
    """Every SLA clock of the ticket with its state at ``now`` (stopped ones too, for the record)."""
    rows = list(
        SlaClock.objects.filter(subject_type=SUBJECT, subject_id=ticket.pk).order_by("deadline", "id")
    )
    engines = _engines({c.calendar_id for c in rows if c.calendar_id is not None}, now)
    fallback = business_time.Calendar.always_open(settings.CONTRACTS_FALLBACK_TIMEZONE)
    out = []
    for row in rows:
        engine = engines.get(row.calendar_id or 0, fallback)
        if row.met_at is not None or row.state == ClockState.MET:
            out.append(ClockRow(row, "met", None, engine.timezone))
        elif row.stopped_at is not None:
            out.append(ClockRow(row, "stopped", None, engine.timezone))
        elif row.paused_since is not None or row.state == ClockState.PAUSED:
            left = int(row.remaining_seconds // 60)
            out.append(ClockRow(row, "paused", max(left, 0), engine.timezone))
        else:
            counted = _countdown(row, engine, now)
            out.append(ClockRow(row, counted.level, counted.left_minutes, engine.timezone))
    return out


def thread(actor: Actor, ticket: Ticket) -> list[Message]:
    """The messages the actor may read (a customer: public ones only), with their attachments."""
    rows = (
        ticket.messages.prefetch_related("attachments").select_related("author").order_by("created_at", "id")
    )
    if not sees_internal(actor):
        rows = rows.filter(public=True)
    visible = list(rows)
    for message in visible:
        message.files = [a for a in message.attachments.all() if not a.inline]  # type: ignore[attr-defined]
    return visible


def timeline(ticket: Ticket) -> list[Event]:
    return list(Event.objects.filter(ticket=ticket).order_by("at", "id"))


@dataclass(frozen=True)
class Related:
    merged_into: Ticket | None
    merged: list[Ticket]
    split_from: Ticket | None
    splits: list[Ticket]
    links: list[tuple[str, Ticket]]  # (kind as seen from this ticket, other ticket)


def related(actor: Actor, ticket: Ticket) -> Related:
    """Merge, split and link relations of a ticket, keeping only tickets the actor may see."""
    visible = visible_tickets(actor)
    out_links = Link.objects.filter(source=ticket).values_list("kind", "target_id")
    in_links = Link.objects.filter(target=ticket).values_list("kind", "source_id")
    pairs = [(kind, other) for kind, other in out_links] + [(f"{kind}_in", other) for kind, other in in_links]
    ids = {other for _kind, other in pairs}
    ids |= {pk for pk in (ticket.merged_into_id, ticket.split_from_id) if pk is not None}
    others = visible.filter(
        Q(pk__in=ids) | Q(merged_into_id=ticket.pk) | Q(split_from_id=ticket.pk)
    ).in_bulk()
    return Related(
        merged_into=others.get(ticket.merged_into_id or 0),
        merged=sorted((t for t in others.values() if t.merged_into_id == ticket.pk), key=lambda t: t.number),
        split_from=others.get(ticket.split_from_id or 0),
        splits=sorted((t for t in others.values() if t.split_from_id == ticket.pk), key=lambda t: t.number),
        links=[(kind, others[other]) for kind, other in pairs if other in others],
    )


def ticket_by_number(actor: Actor, number: str) -> Ticket | None:
    """The ticket with this number (any case, spaces around ignored) if the actor may see it."""
    return visible_tickets(actor).filter(number=number.strip().upper()).first()


def new_contact_choices(actor: Actor) -> dict[str, list[Any]]:
    """Customers and sites a phone agent may record an unknown caller at (by customer, then name)."""
    return {
        "customers": list(visible_customers(actor).order_by("name", "id")),
        "sites": list(
            visible_sites(actor).select_related("customer").order_by("customer__name", "name", "id")
        ),
    }


def objects_of_customers(actor: Actor, customer_ids: set[int]) -> list[ServiceObject]:
    """Objects of these customers the actor may see, for a picker (by site, then name)."""
    if not customer_ids:
        return []
    return list(
        visible_objects(actor)
        .filter(site__customer_id__in=customer_ids)
        .select_related("site", "site__customer")
        .order_by("site__customer__name", "site__name", "name", "id")
    )


def staff_users() -> list[Any]:
    """Active staff users an agent may assign a ticket to."""
    return list(
        get_user_model().objects.filter(is_active=True).exclude(role="customer").order_by("username", "id")
    )
