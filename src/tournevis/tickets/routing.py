"""Triage rules and automatic assignment, read from the database and decided by tickets.domain."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q

from tournevis.contracts.queries import to_engine
from tournevis.core import business_time, clock
from tournevis.tickets import domain
from tournevis.tickets.models import Agent, Queue, Ticket, TriageRule


def rules() -> list[domain.Rule]:
    return [
        domain.Rule(
            id=r.pk,
            categories=frozenset(r.categories),
            keywords=tuple(r.keywords),
            object_category_ids=frozenset(int(i) for i in r.object_categories),
            customer_tiers=frozenset(r.customer_tiers),
            channels=frozenset(r.channels),
            set_priority=r.set_priority or None,
            set_category=r.set_category or None,
            set_queue_id=r.set_queue_id,
        )
        for r in TriageRule.objects.filter(active=True).order_by("position", "id")
    ]


# The queues every installation starts with (migration 0002 creates them; a database emptied by hand
# or by a test flush gets them back on first use).
DEFAULT_QUEUES = [
    ("triage", "Triage", "Tri", 1, True, {}),
    ("level1", "Level 1 - general questions", "Niveau 1 - questions générales", 1, False, {}),
    ("software", "Software specialists", "Spécialistes logiciel", 2, False, {"software": 1}),
    ("hardware", "Hardware specialists", "Spécialistes matériel", 2, False, {"hardware": 1}),
]


def ensure_default_queues() -> None:
    now = clock.now()
    for code, name, name_fr, tier, is_triage, skills in DEFAULT_QUEUES:
        Queue.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_fr": name_fr,
                "tier": tier,
                "is_triage": is_triage,
                "skills": skills,
                "created_at": now,
            },
        )


def triage_queue() -> Queue:
    queue = Queue.objects.filter(is_triage=True).order_by("id").first()
    return queue if queue is not None else default_queue()


def default_queue() -> Queue:
    """The first non-triage queue of the lowest tier (level 1)."""
    queue = Queue.objects.filter(is_triage=False).order_by("tier", "id").first()
    if queue is None and not Queue.objects.exists():
        ensure_default_queues()
        queue = Queue.objects.filter(is_triage=False).order_by("tier", "id").first()
    if queue is None:
        queue = Queue.objects.order_by("id").first()
    assert queue is not None
    return queue


def on_shift(agent: Agent, at: datetime) -> bool:
    """Whether the agent's calendar is open at ``at`` (no calendar: always)."""
    if agent.calendar is None:
        return True
    engine = to_engine(agent.calendar, range(at.year - 1, at.year + 2))
    return any(True for _ in business_time.open_intervals(engine, at, at + timedelta(minutes=1)))


def candidates(queue: Queue, at: datetime) -> list[domain.Candidate]:
    agents = (
        Agent.objects.filter(active=True, user__is_active=True, queues=queue)
        .select_related("user", "calendar")
        .order_by("user_id")
    )
    loads = dict(
        Ticket.objects.filter(assignee_id__in=[a.user_id for a in agents], status__in=domain.OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return [
        domain.Candidate(
            user_id=a.user_id,
            label=a.user.get_full_name() or a.user.get_username(),
            skills={k: int(v) for k, v in a.skills.items()},
            open_tickets=loads.get(a.user_id, 0),
            capacity=a.capacity,
            on_shift=on_shift(a, at),
        )
        for a in agents
    ]


def required_skills(ticket: Ticket, queue: Queue) -> dict[str, int]:
    """The queue's skills, plus the ticket category as a skill at level 1 for specialist queues."""
    wanted = {k: int(v) for k, v in queue.skills.items()}
    if queue.tier > 1 and ticket.category in (domain.Category.HARDWARE, domain.Category.SOFTWARE):
        wanted.setdefault(ticket.category, 1)
    return wanted


def open_load(user_id: int) -> int:
    return Ticket.objects.filter(Q(assignee_id=user_id), status__in=domain.OPEN_STATUSES).count()
