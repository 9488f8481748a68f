"""REST API of an SLA policy's escalation rules: parse, access_*, one service call."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from tournevis.contracts import access, services_escalations
from tournevis.contracts.models import EscalationRule
from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
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

router = Router(tags=["contracts"])
PATH = "/sla-policies/{policy_id}/escalation-rules"


class EscalationRuleOut(Schema):
    id: int
    policy_id: int
    kind: str
    level: int
    offset_minutes: int
    action: str
    params: dict[str, Any]
    version: int


class EscalationRuleIn(StrictIn):
    """Fires for the policy's ``kind`` clocks ``offset_minutes`` of business time after the deadline
    (negative: before it). ``level`` ≥ 1, unique per (policy, kind). ``action`` and its ``params``:
    ``notify_manager`` ``{}``; ``move_queue`` ``{"queue": "<queue code>"}``; ``move_tier``
    ``{"tier": 1..3}``; ``raise_priority`` ``{"to": "P1".."P4"}`` or ``{}`` for one step up."""

    kind: str = Field(..., examples=["resolution"])
    level: int = Field(..., examples=[1])
    offset_minutes: int = Field(..., examples=[-60])
    action: str = Field(..., examples=["move_queue"])
    params: dict[str, Any] = Field({}, examples=[{"queue": "level2"}])


class EscalationRulePatch(StrictIn):
    """Changing ``action`` to one that takes parameters needs ``params`` in the same request."""

    kind: str | None = None
    level: int | None = None
    offset_minutes: int | None = None
    action: str | None = None
    params: dict[str, Any] | None = None


def _rule(actor: Actor, policy_id: int, rule_id: int) -> EscalationRule:
    policy = access.access_sla_policy(actor, policy_id)
    rule = EscalationRule.objects.filter(policy=policy, pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No escalation rule with id %(id)s.") % {"id": rule_id})
    return rule


@router.get(PATH, response=page_of(EscalationRuleOut), operation_id="list_escalation_rules")
@guard.api("api.sla_policies.escalations.list")
def list_rules(request: HttpRequest, policy_id: int, page: Query[PageIn]) -> dict[str, Any]:
    policy = access.access_sla_policy(actor_of(request), policy_id)
    return paginate(EscalationRule.objects.filter(policy=policy).order_by("kind", "level", "id"), page)


@router.post(PATH, response={201: EscalationRuleOut}, operation_id="create_escalation_rule")
@guard.api("api.sla_policies.escalations.create")
@idempotent
def create_rule(
    request: HttpRequest, policy_id: int, payload: EscalationRuleIn, response: HttpResponse
) -> Status:
    actor = actor_of(request)
    access.access_sla_policy(actor, policy_id)
    rule = services_escalations.create_rule(actor, policy_id, payload.dict())
    set_etag(response, rule)
    return Status(201, rule)


@router.get(PATH + "/{rule_id}", response=EscalationRuleOut, operation_id="get_escalation_rule")
@guard.api("api.sla_policies.escalations.get")
def get_rule(request: HttpRequest, policy_id: int, rule_id: int, response: HttpResponse) -> EscalationRule:
    rule = _rule(actor_of(request), policy_id, rule_id)
    set_etag(response, rule)
    return rule


@router.patch(
    PATH + "/{rule_id}",
    response=EscalationRuleOut,
    operation_id="update_escalation_rule",
    openapi_extra=IF_MATCH,
)
@guard.api("api.sla_policies.escalations.update")
def update_rule(
    request: HttpRequest, policy_id: int, rule_id: int, payload: EscalationRulePatch, response: HttpResponse
) -> EscalationRule:
    actor = actor_of(request)
    _rule(actor, policy_id, rule_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    with current_state_as(EscalationRuleOut):
        rule = services_escalations.update_rule(actor, policy_id, rule_id, data, expected_version(request))
    set_etag(response, rule)
    return rule


@router.delete(
    PATH + "/{rule_id}",
    response={204: None},
    operation_id="delete_escalation_rule",
    openapi_extra=IF_MATCH,
)
@guard.api("api.sla_policies.escalations.delete")
def delete_rule(request: HttpRequest, policy_id: int, rule_id: int) -> Status:
    """Levels already fired stay recorded; open clocks stop waiting for this one."""
    actor = actor_of(request)
    _rule(actor, policy_id, rule_id)
    with current_state_as(EscalationRuleOut):
        services_escalations.delete_rule(actor, policy_id, rule_id, expected_version(request))
    return Status(204, None)
