"""Pure rules of tickets: statuses and their transition table, priorities, channels, numbering,
triage rule matching and agent scoring. No Django."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tournevis.core.errors import Conflict, gettext_noop


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_PARTS = "waiting_parts"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class Priority(StrEnum):
    P1 = "P1"  # production down, critical impact
    P2 = "P2"  # severely degraded, no workaround
    P3 = "P3"  # degraded, most activity continues
    P4 = "P4"  # information, help with installation or configuration


class Channel(StrEnum):
    PORTAL = "portal"
    API = "api"
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    SNMP = "snmp"
    IOT = "iot"
    BACK_OFFICE = "back_office"


class Category(StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    QUESTION = "question"
    INSTALLATION = "installation"
    OTHER = "other"


_WORKING = {Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.WAITING_PARTS}
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset(
        {Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}
    ),
    Status.TRIAGED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.ASSIGNED: frozenset({Status.TRIAGED, Status.ASSIGNED, *_WORKING, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.ASSIGNED, *_WORKING, Status.RESOLVED} - {Status.IN_PROGRESS}),
    Status.WAITING_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.WAITING_PARTS, Status.RESOLVED}),
    Status.WAITING_PARTS: frozenset({Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset({Status.TRIAGED, Status.ASSIGNED, *_WORKING, Status.RESOLVED}),
}
OPEN_STATUSES = frozenset(Status) - {Status.RESOLVED, Status.CLOSED}
# Statuses from which a customer's new message moves the ticket back to work
CUSTOMER_REPLY_RESUMES = frozenset({Status.WAITING_CUSTOMER})


def check_transition(current: str, new: str) -> Status:
    """The new status when the table allows ``current`` → ``new``; Conflict (409) otherwise."""
    try:
        target = Status(new)
    except ValueError:
        raise Conflict(gettext_noop("Unknown ticket status %(new)s."), field="status", new=new) from None
    if target not in TRANSITIONS[Status(current)]:
        raise Conflict(
            gettext_noop("A ticket cannot go from %(current)s to %(new)s."),
            field="status",
            current=current,
            new=new,
        )
    return target


def format_number(year: int, sequence: int) -> str:
    return f"T-{year:04d}-{sequence:06d}"


_REFERENCE = re.compile(r"\[(?:#|Ticket\s*#?\s*)?(T-\d{4}-\d{6})\]", re.IGNORECASE)


def reference_in(subject: str) -> str | None:
    """The ticket number quoted in an e-mail subject, as ``[T-2026-000042]`` (our outgoing form)."""
    match = _REFERENCE.search(subject or "")
    return match.group(1).upper() if match else None


def subject_with_reference(number: str, subject: str) -> str:
    return subject if reference_in(subject) == number else f"[{number}] {subject}"


# --- Triage ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageInput:
    """What rules look at: the ticket as it arrives."""

    text: str
    channel: str
    category: str | None = None
    object_category_id: int | None = None
    customer_tier: str | None = None


@dataclass(frozen=True)
class Rule:
    """Conditions (all given ones must hold) and what they set. Keywords match whole words, any of them."""

    id: int
    categories: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    object_category_ids: frozenset[int] = frozenset()
    customer_tiers: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    set_priority: str | None = None
    set_category: str | None = None
    set_queue_id: int | None = None


@dataclass(frozen=True)
class TriageResult:
    priority: str | None = None
    category: str | None = None
    queue_id: int | None = None
    rule_ids: tuple[int, ...] = ()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def rule_matches(rule: Rule, item: TriageInput) -> bool:
    if rule.categories and item.category not in rule.categories:
        return False
    if rule.channels and item.channel not in rule.channels:
        return False
    if rule.object_category_ids and item.object_category_id not in rule.object_category_ids:
        return False
    if rule.customer_tiers and item.customer_tier not in rule.customer_tiers:
        return False
    if rule.keywords:
        words, text = _words(item.text), item.text.casefold()
        return any((k.casefold() in text) if " " in k else (k.casefold() in words) for k in rule.keywords)
    return True


def triage(rules: Sequence[Rule], item: TriageInput) -> TriageResult:
    """Apply rules in order; the first rule to set a field wins that field. Category set by an earlier
    rule is visible to later rules' category conditions."""
    priority: str | None = None
    category = item.category
    category_set: str | None = None
    queue_id: int | None = None
    fired: list[int] = []
    for rule in rules:
        current = TriageInput(item.text, item.channel, category, item.object_category_id, item.customer_tier)
        if not rule_matches(rule, current):
            continue
        fired.append(rule.id)
        if priority is None and rule.set_priority:
            priority = rule.set_priority
        if category_set is None and rule.set_category:
            category_set = category = rule.set_category
        if queue_id is None and rule.set_queue_id is not None:
            queue_id = rule.set_queue_id
    return TriageResult(priority, category_set, queue_id, tuple(fired))


# --- Assignment -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    user_id: int
    label: str
    skills: Mapping[str, int] = field(default_factory=dict)  # skill → level 1..5
    open_tickets: int = 0
    capacity: int = 10
    on_shift: bool = True
    in_queue: bool = True


@dataclass(frozen=True)
class Choice:
    user_id: int | None
    reasons: tuple[str, ...]  # gettext_noop msgids with their params, rendered by the caller
    params: Mapping[str, object] = field(default_factory=dict)


def choose_agent(candidates: Iterable[Candidate], required: Mapping[str, int]) -> Choice:
    """The most qualified available agent: in the ticket's queue, on shift now, with every required
    skill at its level, below capacity; then the highest total level over the required skills, then the
    lightest load (open tickets / capacity), then the lowest id. ``reasons`` says why."""
    eligible = []
    for c in candidates:
        if not c.in_queue or not c.on_shift or c.open_tickets >= c.capacity:
            continue
        if any(c.skills.get(skill, 0) < level for skill, level in required.items()):
            continue
        score = sum(c.skills.get(skill, 0) for skill in required)
        eligible.append(((-score, c.open_tickets / max(c.capacity, 1), c.user_id), c, score))
    if not eligible:
        return Choice(
            None, (gettext_noop("No agent of the queue is on shift with the skills and capacity."),)
        )
    _key, best, score = min(eligible, key=lambda item: item[0])
    return Choice(
        best.user_id,
        (
            gettext_noop("%(agent)s is on shift in the queue and has the required skills (score %(score)s)."),
            gettext_noop("Load %(load)s of %(capacity)s open tickets, among %(count)s eligible agents."),
        ),
        {
            "agent": best.label,
            "score": score,
            "load": best.open_tickets,
            "capacity": best.capacity,
            "count": len(eligible),
        },
    )
