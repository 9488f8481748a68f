"""Configuration use cases of tickets: queues, agent profiles, triage rules (one transaction each,
audited), and the dry run of the triage rules (writes nothing).

Every value is checked before anything is written: enums against ``tickets.domain`` (and the customer
tiers of ``customers.domain``), references against existing rows; a bad value raises ``InvalidInput``
naming the field (``categories.1`` for the second item of a list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, ProtectedError

from tournevis.contracts.models import Calendar
from tournevis.contracts.queries import category_of
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version, referenced_row
from tournevis.core.errors import Conflict, InvalidInput, NotFound, gettext_noop
from tournevis.customers.domain import Tier
from tournevis.customers.models import Customer
from tournevis.installed_base.models import Category as ObjectCategory
from tournevis.installed_base.models import ServiceObject
from tournevis.tickets import domain, routing
from tournevis.tickets.models import Agent, Queue, TriageRule

TIERS = range(1, 4)
SKILL_LEVELS = range(1, 6)
MAX_CAPACITY = 500
MAX_LIST = 50
_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
_SKILL = re.compile(r"^[-a-z0-9_]{1,40}$")
QUEUE_FIELDS = ("code", "name", "name_fr", "tier", "skills", "calendar_id")
RULE_CONDITIONS = ("categories", "keywords", "object_categories", "customer_tiers", "channels")
RULE_ACTIONS = ("set_priority", "set_category", "set_queue")
RULE_FIELDS = ("position", "name", "active", *RULE_CONDITIONS, *RULE_ACTIONS)


def _integer(value: Any, field: str, allowed: range) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise InvalidInput(
            gettext_noop("Enter a whole number from %(low)s to %(high)s."),
            field=field,
            low=allowed.start,
            high=allowed.stop - 1,
        )
    return value


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(gettext_noop("Enter true or false."), field=field)
    return value


def clean_skills(value: Any, field: str = "skills") -> dict[str, int]:
    """``{"printers": 3}``: skill names in lower case (letters, digits, - and _), levels 1 to 5."""
    if not isinstance(value, dict):
        raise InvalidInput(gettext_noop("Give skills as an object {skill: level}."), field=field)
    out: dict[str, int] = {}
    for name, level in value.items():
        if not isinstance(name, str) or not _SKILL.match(name):
            raise InvalidInput(
                gettext_noop("A skill name has 1 to 40 lower-case letters, digits, - or _."),
                field=f"{field}.{name}",
            )
        out[name] = _integer(level, f"{field}.{name}", SKILL_LEVELS)
    return out


def _calendar(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(gettext_noop("Enter a whole number."), field="calendar_id")
    calendar = referenced_row(Calendar, value, "calendar_id")
    return calendar.pk if calendar is not None else None


# --- Queues ---------------------------------------------------------------------------------------


def clean_queue(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "code" in data:
        code = data["code"]
        if not isinstance(code, str) or not _CODE.match(code):
            raise InvalidInput(
                gettext_noop("A queue code has 1 to 40 letters, digits, - or _."), field="code"
            )
        out["code"] = code
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=100, required=True)
    if "name_fr" in data:
        out["name_fr"] = clean_text(data["name_fr"], "name_fr", max_length=100)
    if "tier" in data:
        out["tier"] = _integer(data["tier"], "tier", TIERS)
    if "skills" in data:
        out["skills"] = clean_skills(data["skills"])
    if "calendar_id" in data:
        out["calendar_id"] = _calendar(data["calendar_id"])
    return out


def _queue_snapshot(queue: Queue) -> dict[str, Any]:
    return audit.snapshot(queue)


@transaction.atomic
def create_queue(actor: Actor, data: dict[str, Any]) -> Queue:
    """A new queue (never the triage queue: there is one, made by the first migration)."""
    fields = clean_queue({k: v for k, v in data.items() if k in QUEUE_FIELDS})
    for name in ("code", "name"):
        if name not in fields:
            raise InvalidInput(gettext_noop("This field is required."), field=name)
    if Queue.objects.filter(code=fields["code"]).exists():
        raise Conflict(gettext_noop("A queue with code %(code)s exists."), field="code", code=fields["code"])
    queue = Queue.objects.create(**fields, created_at=clock.now())
    audit.record(actor, "queue.create", queue, after=_queue_snapshot(queue))
    return queue


@transaction.atomic
def update_queue(
    actor: Actor, queue_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Queue:
    """Rename, change tier, skills or calendar. The code does not change: escalation rules, filters and
    bookmarks name queues by code."""
    queue = Queue.objects.select_for_update().filter(pk=queue_id).first()
    if queue is None:
        raise NotFound(gettext_noop("No queue with id %(id)s."), id=queue_id)
    check_version(queue, expected_version)
    fields = clean_queue({k: v for k, v in data.items() if k in QUEUE_FIELDS})
    if "code" in fields and fields["code"] != queue.code:
        raise InvalidInput(
            gettext_noop("The code of a queue cannot change: escalation rules name it."), field="code"
        )
    before = _queue_snapshot(queue)
    for name, value in fields.items():
        setattr(queue, name, value)
    if _queue_snapshot(queue) != before:
        queue.version += 1
        queue.save()
        audit.record(actor, "queue.update", queue, before=before, after=_queue_snapshot(queue))
    return queue


# --- Agents ---------------------------------------------------------------------------------------


def _staff_user(user_id: int) -> Any:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(gettext_noop("No user with id %(id)s."), id=user_id)
    if user.role == "customer":
        raise InvalidInput(gettext_noop("Only staff users can be agents."), field="user_id")
    return user


def agent_of(user_id: int) -> Agent:
    """The agent profile of a staff user (NotFound for a user without one)."""
    _staff_user(user_id)
    agent = Agent.objects.select_related("user", "calendar").filter(user_id=user_id).first()
    if agent is None:
        raise NotFound(gettext_noop("User %(id)s has no agent profile."), id=user_id)
    return agent


def _agent_snapshot(agent: Agent) -> dict[str, Any]:
    out = audit.snapshot(agent)
    out["queues"] = sorted(agent.queues.values_list("code", flat=True))
    return out


def _queues_by_code(value: Any) -> list[Queue]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidInput(gettext_noop("Give a list of queue codes."), field="queues")
    found: list[Queue] = []
    for index, code in enumerate(value):
        queue = Queue.objects.filter(code=code).first() if isinstance(code, str) else None
        if queue is None:
            raise InvalidInput(gettext_noop("No queue %(code)s."), field=f"queues.{index}", code=code)
        if queue not in found:
            found.append(queue)
    return found


@transaction.atomic
def set_agent(actor: Actor, user_id: int, data: dict[str, Any]) -> Agent:
    """Create or replace a staff user's agent profile: queues (codes), skills with levels, calendar,
    capacity (open tickets at most) and whether the agent takes tickets."""
    user = get_user_model().objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(gettext_noop("No user with id %(id)s."), id=user_id)
    if user.role == "customer":
        raise InvalidInput(gettext_noop("Only staff users can be agents."), field="user_id")
    queues = _queues_by_code(data.get("queues", []))
    fields = {
        "skills": clean_skills(data.get("skills", {})),
        "calendar_id": _calendar(data.get("calendar_id")),
        "capacity": _integer(data.get("capacity", 10), "capacity", range(0, MAX_CAPACITY + 1)),
        "active": _boolean(data.get("active", True), "active"),
    }
    agent = Agent.objects.filter(user=user).first()
    if agent is None:
        agent = Agent.objects.create(user=user, **fields)
        agent.queues.set(queues)
        audit.record(actor, "agent.create", agent, after=_agent_snapshot(agent))
        return agent
    before = _agent_snapshot(agent)
    for name, value in fields.items():
        setattr(agent, name, value)
    agent.save()
    agent.queues.set(queues)
    after = _agent_snapshot(agent)
    if after != before:
        audit.record(actor, "agent.update", agent, before=before, after=after)
    return agent


# --- Triage rules ---------------------------------------------------------------------------------


def _choices(value: Any, field: str, allowed: set[str]) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidInput(gettext_noop("Give a list of values."), field=field)
    for index, item in enumerate(value):
        if item not in allowed:
            raise InvalidInput(
                gettext_noop("%(value)s is not one of %(choices)s."),
                field=f"{field}.{index}",
                value=item,
                choices=", ".join(sorted(allowed)),
            )
    return list(dict.fromkeys(value))


def _keywords(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidInput(gettext_noop("Give a list of words or phrases."), field="keywords")
    out: list[str] = []
    for index, item in enumerate(value):
        text = " ".join(item.split()) if isinstance(item, str) else ""
        if not text or len(text) > 100:
            raise InvalidInput(gettext_noop("A keyword has 1 to 100 characters."), field=f"keywords.{index}")
        if text not in out:
            out.append(text)
    return out


def _object_categories(value: Any) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidInput(gettext_noop("Give a list of category ids."), field="object_categories")
    known = set(
        ObjectCategory.objects.filter(
            pk__in=[v for v in value if isinstance(v, int) and not isinstance(v, bool)]
        ).values_list("pk", flat=True)
    )
    for index, item in enumerate(value):
        if isinstance(item, bool) or item not in known:
            raise InvalidInput(
                gettext_noop("No equipment category with id %(id)s."),
                field=f"object_categories.{index}",
                id=item,
            )
    return list(dict.fromkeys(value))


def _enum_value(value: Any, field: str, allowed: set[str]) -> str:
    if value in (None, ""):
        return ""
    if value not in allowed:
        raise InvalidInput(
            gettext_noop("%(value)s is not one of %(choices)s."),
            field=field,
            value=value,
            choices=", ".join(sorted(allowed)),
        )
    return str(value)


def clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Check the given fields of a triage rule; ``set_queue`` (a code) becomes ``set_queue_id``."""
    out: dict[str, Any] = {}
    if "position" in data:
        out["position"] = _integer(data["position"], "position", range(0, 1_000_000))
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=100, required=True)
    if "active" in data:
        out["active"] = _boolean(data["active"], "active")
    if "categories" in data:
        out["categories"] = _choices(data["categories"], "categories", {c.value for c in domain.Category})
    if "channels" in data:
        out["channels"] = _choices(data["channels"], "channels", {c.value for c in domain.Channel})
    if "customer_tiers" in data:
        out["customer_tiers"] = _choices(data["customer_tiers"], "customer_tiers", {t.value for t in Tier})
    if "keywords" in data:
        out["keywords"] = _keywords(data["keywords"])
    if "object_categories" in data:
        out["object_categories"] = _object_categories(data["object_categories"])
    if "set_priority" in data:
        out["set_priority"] = _enum_value(
            data["set_priority"], "set_priority", {p.value for p in domain.Priority}
        )
    if "set_category" in data:
        out["set_category"] = _enum_value(
            data["set_category"], "set_category", {c.value for c in domain.Category}
        )
    if "set_queue" in data:
        code = data["set_queue"]
        if code in (None, ""):
            out["set_queue_id"] = None
        else:
            queue = Queue.objects.filter(code=code).first() if isinstance(code, str) else None
            if queue is None:
                raise InvalidInput(gettext_noop("No queue %(code)s."), field="set_queue", code=code)
            out["set_queue_id"] = queue.pk
    return out


def _check_complete(rule: TriageRule) -> None:
    if not any(getattr(rule, name) for name in RULE_CONDITIONS):
        raise InvalidInput(
            gettext_noop(
                "A rule needs at least one condition: categories, keywords, object categories, "
                "customer tiers or channels."
            ),
            field="categories",
        )
    if not (rule.set_priority or rule.set_category or rule.set_queue_id is not None):
        raise InvalidInput(
            gettext_noop("A rule needs at least one action: set priority, category or queue."),
            field="set_priority",
        )


def _locked_rule(rule_id: int) -> TriageRule:
    rule = TriageRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(gettext_noop("No triage rule with id %(id)s."), id=rule_id)
    return rule


@transaction.atomic
def create_rule(actor: Actor, data: dict[str, Any]) -> TriageRule:
    """A new rule; without ``position`` it goes last (10 after the last one)."""
    fields = clean_rule({k: v for k, v in data.items() if k in RULE_FIELDS})
    if "name" not in fields:
        raise InvalidInput(gettext_noop("This field is required."), field="name")
    if "position" not in fields:
        last = TriageRule.objects.aggregate(last=Max("position"))["last"]
        fields["position"] = 10 if last is None else last + 10
    now = clock.now()
    rule = TriageRule(**fields, created_at=now, updated_at=now)
    _check_complete(rule)
    rule.save()
    audit.record(actor, "triage_rule.create", rule, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def update_rule(
    actor: Actor, rule_id: int, data: dict[str, Any], expected_version: int | None = None
) -> TriageRule:
    rule = _locked_rule(rule_id)
    check_version(rule, expected_version)
    fields = clean_rule({k: v for k, v in data.items() if k in RULE_FIELDS})
    before = audit.snapshot(rule)
    for name, value in fields.items():
        setattr(rule, name, value)
    _check_complete(rule)
    if audit.snapshot(rule) == before:
        return rule
    rule.version += 1
    rule.updated_at = clock.now()
    rule.save()
    audit.record(actor, "triage_rule.update", rule, before=before, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def delete_rule(actor: Actor, rule_id: int, expected_version: int | None = None) -> None:
    rule = _locked_rule(rule_id)
    check_version(rule, expected_version)
    before = audit.snapshot(rule)
    pk = rule.pk
    try:
        rule.delete()
    except ProtectedError:  # pragma: no cover - nothing references a rule today
        raise Conflict(gettext_noop("This rule is still referenced."), field="id") from None
    audit.record(actor, "triage_rule.delete", object_type="tickets.triagerule", object_id=pk, before=before)


# --- Dry run --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FiredRule:
    id: int
    position: int
    name: str


@dataclass(frozen=True)
class TriageTest:
    """What the active rules would do with a ticket: the rules that fire, in order, and the outcome
    (``None``: no rule sets that field; the ticket keeps what it was given or the defaults)."""

    rules: list[FiredRule]
    priority: str | None
    category: str | None
    queue: str | None
    customer_tier: str | None
    object_category_id: int | None


def try_rules(
    *,
    title: str,
    channel: str,
    description: str = "",
    category: str | None = None,
    service_object_id: int | None = None,
    customer_id: int | None = None,
) -> TriageTest:
    """Run the active rules (``routing.rules``, ``domain.triage``) on a ticket that is not created."""
    title = clean_text(title, "title", max_length=300, required=True)
    channel_value = _enum_value(channel, "channel", {c.value for c in domain.Channel})
    if not channel_value:
        raise InvalidInput(gettext_noop("This field is required."), field="channel")
    category_value = _enum_value(category, "category", {c.value for c in domain.Category}) or None
    obj = referenced_row(ServiceObject, service_object_id, "service_object_id")
    customer = referenced_row(Customer, customer_id, "customer_id")
    if obj is not None:
        owner = obj.site.customer
        if customer is not None and owner.pk != customer.pk:
            raise InvalidInput(
                gettext_noop("The service object belongs to another customer."), field="service_object_id"
            )
        customer = owner
    rules = routing.rules()
    item = domain.TriageInput(
        text=f"{title}\n{description or ''}",
        channel=channel_value,
        category=category_value,
        object_category_id=category_of(obj) if obj is not None else None,
        customer_tier=customer.tier if customer is not None else None,
    )
    result = domain.triage(rules, item)
    rows = {r.pk: r for r in TriageRule.objects.filter(pk__in=result.rule_ids)}
    queue = Queue.objects.filter(pk=result.queue_id).first() if result.queue_id is not None else None
    return TriageTest(
        rules=[FiredRule(i, rows[i].position, rows[i].name) for i in result.rule_ids],
        priority=result.priority,
        category=result.category,
        queue=queue.code if queue is not None else None,
        customer_tier=item.customer_tier,
        object_category_id=item.object_category_id,
    )
