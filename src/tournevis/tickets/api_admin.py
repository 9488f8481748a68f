"""REST API of the tickets configuration (queues, agents, triage rules and their dry run) and of the bug
tracker hand-off (mark a ticket as a bug; the tracker's signed events). Thin: parse, access, one service.

``POST /bug-tracker/events`` is called by the tracker, not by a user: it authenticates with
``X-Tournevis-Signature`` (or GitHub's ``X-Hub-Signature-256``), the HMAC-SHA256 of the raw body with
``settings.TICKETS_BUG_WEBHOOK_SECRET``; without a valid signature the answer is 401, for users too.
"""

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.security import APIKeyHeader

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, NotFound, gettext_noop
from tournevis.core.idempotency import idempotent
from tournevis.core.rest import (
    IF_MATCH,
    PageIn,
    StrictIn,
    actor_of,
    current_state_as,
    expected_version,
    page_of,
    paginate,
    set_etag,
)
from tournevis.identity import guard
from tournevis.identity.permissions import roles_for
from tournevis.tickets import access, bugs, services_admin
from tournevis.tickets.api import TicketDetailOut, TicketOut, detail
from tournevis.tickets.models import Agent, Queue, TriageRule

router = Router(tags=["tickets"])


# --- Queues ---------------------------------------------------------------------------------------


class QueueAdminOut(Schema):
    id: int
    code: str
    name: str
    name_fr: str
    tier: int
    is_triage: bool
    skills: dict[str, int]
    calendar_id: int | None
    version: int
    created_at: datetime


class QueueIn(StrictIn):
    """``tier`` 1 (general), 2 (specialists) or 3; ``skills`` {skill: level 1..5} an agent of the queue
    needs; ``calendar_id`` the queue's business hours."""

    code: str = Field(..., examples=["printers"])
    name: str = Field(..., examples=["Printer specialists"])
    name_fr: str = ""
    tier: int = 1
    skills: dict[str, Any] = Field({}, examples=[{"printers": 2}])
    calendar_id: int | None = None


class QueuePatch(StrictIn):
    code: str | None = None
    name: str | None = None
    name_fr: str | None = None
    tier: int | None = None
    skills: dict[str, Any] | None = None
    calendar_id: int | None = None


@router.get("/tickets/queues", response=list[QueueAdminOut], operation_id="list_ticket_queues")
@guard.api("api.tickets.queues")
def list_queues(request: HttpRequest) -> Any:
    """Every queue, by tier then code. (This router is mounted before ``tickets.api``: the path's GET and
    POST must live in one router.)"""
    return Queue.objects.order_by("tier", "code")


@router.post("/tickets/queues", response={201: QueueAdminOut}, operation_id="create_queue")
@guard.api("api.tickets.queues.create")
@idempotent
def create_queue(request: HttpRequest, payload: QueueIn) -> Status:
    return Status(201, services_admin.create_queue(actor_of(request), payload.dict()))


@router.patch(
    "/tickets/queues/{queue_id}", response=QueueAdminOut, operation_id="update_queue", openapi_extra=IF_MATCH
)
@guard.api("api.tickets.queues.update")
def update_queue(request: HttpRequest, queue_id: int, payload: QueuePatch, response: HttpResponse) -> Queue:
    """Fields sent as null are left as they are, except ``calendar_id`` (null: no calendar)."""
    data = payload.dict(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k == "calendar_id"}
    with current_state_as(QueueAdminOut):
        queue = services_admin.update_queue(actor_of(request), queue_id, data, expected_version(request))
    set_etag(response, queue)
    return queue


# --- Agents ---------------------------------------------------------------------------------------


class AgentOut(Schema):
    user_id: int
    username: str
    name: str
    queues: list[str]
    skills: dict[str, int]
    calendar_id: int | None
    capacity: int
    active: bool

    @staticmethod
    def resolve_username(obj: Agent) -> str:
        return str(obj.user.get_username())

    @staticmethod
    def resolve_name(obj: Agent) -> str:
        return str(obj.user.get_full_name())

    @staticmethod
    def resolve_queues(obj: Agent) -> list[str]:
        return sorted(q.code for q in obj.queues.all())


class AgentIn(StrictIn):
    """The whole profile (PUT replaces it): ``queues`` by code, ``skills`` {skill: level 1..5},
    ``capacity`` open tickets at most, ``active`` whether automatic assignment may pick the agent."""

    queues: list[str] = Field([], examples=[["level1", "software"]])
    skills: dict[str, Any] = Field({}, examples=[{"software": 3, "network": 1}])
    calendar_id: int | None = None
    capacity: int = 10
    active: bool = True


@router.get("/agents", response=page_of(AgentOut), operation_id="list_agents")
@guard.api("api.agents.list")
def list_agents(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    rows = Agent.objects.select_related("user").prefetch_related("queues").order_by("user_id")
    return paginate(rows, page)


@router.get("/agents/{user_id}", response=AgentOut, operation_id="get_agent")
@guard.api("api.agents.get")
def get_agent(request: HttpRequest, user_id: int) -> Agent:
    return services_admin.agent_of(user_id)


@router.put("/agents/{user_id}", response=AgentOut, operation_id="set_agent")
@guard.api("api.agents.update")
def set_agent(request: HttpRequest, user_id: int, payload: AgentIn) -> Agent:
    return services_admin.set_agent(actor_of(request), user_id, payload.dict())


# --- Triage rules ---------------------------------------------------------------------------------


class TriageRuleOut(Schema):
    id: int
    position: int
    name: str
    active: bool
    categories: list[str]
    keywords: list[str]
    object_categories: list[int]
    customer_tiers: list[str]
    channels: list[str]
    set_priority: str
    set_category: str
    set_queue: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_set_queue(obj: TriageRule) -> str | None:
        return obj.set_queue.code if obj.set_queue is not None else None


class TriageRuleIn(StrictIn):
    """All given conditions must hold (at least one); ``keywords`` match whole words (a phrase: its
    text), any of them. At least one of ``set_priority``, ``set_category``, ``set_queue`` (a queue code).
    Rules apply by ``position``; the first rule to set a field wins it."""

    name: str = Field(..., examples=["Printers are hardware"])
    position: int | None = None
    active: bool = True
    categories: list[Any] = []
    keywords: list[Any] = Field([], examples=[["printer", "paper jam"]])
    object_categories: list[Any] = []
    customer_tiers: list[Any] = []
    channels: list[Any] = []
    set_priority: str = ""
    set_category: str = ""
    set_queue: str | None = Field(None, examples=["hardware"])


class TriageRulePatch(StrictIn):
    name: str | None = None
    position: int | None = None
    active: bool | None = None
    categories: list[Any] | None = None
    keywords: list[Any] | None = None
    object_categories: list[Any] | None = None
    customer_tiers: list[Any] | None = None
    channels: list[Any] | None = None
    set_priority: str | None = None
    set_category: str | None = None
    set_queue: str | None = None


class TriageTestIn(StrictIn):
    title: str
    description: str = ""
    channel: str = Field(..., examples=["email"])
    category: str | None = None
    service_object_id: int | None = None
    customer_id: int | None = None


class FiredRuleOut(Schema):
    id: int
    position: int
    name: str


class TriageTestOut(Schema):
    rules: list[FiredRuleOut]
    priority: str | None
    category: str | None
    queue: str | None
    customer_tier: str | None
    object_category_id: int | None


def _rules() -> Any:
    return TriageRule.objects.select_related("set_queue").order_by("position", "id")


@router.get("/triage-rules", response=page_of(TriageRuleOut), operation_id="list_triage_rules")
@guard.api("api.triage_rules.list")
def list_rules(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(_rules(), page)


@router.post("/triage-rules", response={201: TriageRuleOut}, operation_id="create_triage_rule")
@guard.api("api.triage_rules.create")
@idempotent
def create_rule(request: HttpRequest, payload: TriageRuleIn, response: HttpResponse) -> Status:
    data = payload.dict()
    if data["position"] is None:
        del data["position"]
    rule = services_admin.create_rule(actor_of(request), data)
    set_etag(response, rule)
    return Status(201, rule)


@router.post("/triage-rules/test", response=TriageTestOut, operation_id="test_triage_rules")
@guard.api("api.triage_rules.test")
def test_rules(request: HttpRequest, payload: TriageTestIn) -> Any:
    """Which active rules fire for this ticket and what they set. Nothing is written."""
    return services_admin.try_rules(**payload.dict())


def _rule(rule_id: int) -> TriageRule:
    rule = _rules().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(gettext_noop("No triage rule with id %(id)s."), id=rule_id)
    return rule


@router.get("/triage-rules/{triage_rule_id}", response=TriageRuleOut, operation_id="get_triage_rule")
@guard.api("api.triage_rules.get")
def get_rule(request: HttpRequest, triage_rule_id: int, response: HttpResponse) -> TriageRule:
    rule = _rule(triage_rule_id)
    set_etag(response, rule)
    return rule


@router.patch(
    "/triage-rules/{triage_rule_id}",
    response=TriageRuleOut,
    operation_id="update_triage_rule",
    openapi_extra=IF_MATCH,
)
@guard.api("api.triage_rules.update")
def update_rule(
    request: HttpRequest, triage_rule_id: int, payload: TriageRulePatch, response: HttpResponse
) -> TriageRule:
    """Fields sent as null are left as they are, except ``set_queue`` (null: no queue)."""
    data = payload.dict(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k == "set_queue"}
    with current_state_as(TriageRuleOut):
        rule = services_admin.update_rule(actor_of(request), triage_rule_id, data, expected_version(request))
    set_etag(response, rule)
    return _rule(rule.pk)


@router.delete(
    "/triage-rules/{triage_rule_id}",
    response={204: None},
    operation_id="delete_triage_rule",
    openapi_extra=IF_MATCH,
)
@guard.api("api.triage_rules.delete")
def delete_rule(request: HttpRequest, triage_rule_id: int) -> Status:
    with current_state_as(TriageRuleOut):
        services_admin.delete_rule(actor_of(request), triage_rule_id, expected_version(request))
    return Status(204, None)


# --- Bug hand-off ---------------------------------------------------------------------------------


class BugIn(StrictIn):
    summary: str = Field("", description="What the developers need to know (default: the description).")


@router.post("/tickets/{ticket_id}/bug", response=TicketDetailOut, operation_id="report_ticket_bug")
@guard.api("api.tickets.bug")
@idempotent
def report_bug(request: HttpRequest, ticket_id: int, payload: BugIn, response: HttpResponse) -> Any:
    """Mark the ticket as a software bug and create its issue in the bug tracker (through the outbox:
    ``bug_state`` is "requested" until the tracker answers, then "open" with ``bug_url``)."""
    actor = actor_of(request)
    access.access_ticket(actor, ticket_id)
    with current_state_as(TicketOut):
        ticket = bugs.report_bug(actor, ticket_id, summary=payload.summary)
    set_etag(response, ticket)
    return detail(ticket)


class TrackerSignature(APIKeyHeader):
    """The bug tracker, proved by the HMAC-SHA256 of the body (``bugs.signature_ok``)."""

    param_name = "X-Tournevis-Signature"

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.headers.get(self.param_name) or request.headers.get("X-Hub-Signature-256")

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        return bugs.ACTOR if key and bugs.signature_ok(request.body, key) else None


def signed(operation: str) -> Any:
    """Declare an operation called by a machine that proves itself with a signature (its route's
    ``auth``), not by a user: its entry in the permission table names no role."""
    if roles_for(operation):
        raise ValueError(f"{operation}: a signed operation grants no role")

    def decorate(func: Any) -> Any:
        setattr(func, guard.OPERATION_ATTR, operation)
        return func

    return decorate


class TrackerEventOut(Schema):
    outcome: str = Field(..., description="fixed, already_fixed, unknown_issue or ignored")
    tickets: list[str]


@router.post(
    "/bug-tracker/events",
    response={200: TrackerEventOut, 202: TrackerEventOut},
    operation_id="bug_tracker_event",
    auth=TrackerSignature(),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
@signed("api.bug_tracker.events")
def tracker_event(request: HttpRequest) -> Status:
    """The tracker reports a released fix: generic ``{"issue_url", "state": "released"}``, or GitHub's
    ``issues`` (closed) and ``release`` (published, naming the issue) events (``X-GitHub-Event``).
    200 when tickets were marked fixed (their customers notified); 202 when nothing was to be done."""
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        raise DomainError(gettext_noop("The request body is not valid JSON."), field="body") from None
    outcome = bugs.tracker_event(payload, event=request.headers.get("X-GitHub-Event", ""))
    return Status(outcome.status, {"outcome": outcome.outcome, "tickets": outcome.tickets})
