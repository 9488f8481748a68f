"""Use cases of an SLA policy's escalation rules; each runs in one transaction and writes the audit log.

A rule fires ``offset_minutes`` of business time after a clock's deadline (negative: before it) for
the clocks of one ``kind`` of the policy's tickets and work orders. ``level`` (≥ 1) is unique per
(policy, kind); level 0 is the warning. Actions and their ``params``:

- ``notify_manager``: ``{}`` — contracts e-mails the contract's account manager when it fires;
- ``move_queue``: ``{"queue": "<queue code>"}``;
- ``move_tier``: ``{"tier": 1..3}``;
- ``raise_priority``: ``{"to": "P1".."P4"}``, or ``{}`` for one step up.

The last three are applied by the context owning the subject (tickets) from
``sla_services.pending_actions``. Queues belong to tickets, a higher context: contracts checks a
queue code's form, and its existence through the check tickets registers with ``set_queue_check``.
After every change the open clocks of the policy are replayed (their ``next_alert_at`` follows).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import transaction

from tournevis.contracts import sla_services
from tournevis.contracts.clocks import ClockKind, EscalationAction
from tournevis.contracts.domain import Priority
from tournevis.contracts.models import EscalationRule, SlaPolicy
from tournevis.core import audit
from tournevis.core.actor import Actor
from tournevis.core.editing import check_version, require
from tournevis.core.errors import InvalidInput, NotFound, gettext_noop

FIELDS = ("kind", "level", "offset_minutes", "action", "params")
MAX_LEVEL = 99
MAX_OFFSET_MINUTES = 366 * 24 * 60  # a year of business time either side of the deadline
TIERS = range(1, 4)
_QUEUE_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")

QueueCheck = Callable[[str], bool]
_queue_check: QueueCheck | None = None


def set_queue_check(check: QueueCheck | None) -> None:
    """Register how to tell whether a queue code exists (tickets does, from its AppConfig.ready)."""
    global _queue_check
    _queue_check = check


def _integer(value: Any, field: str, low: int, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(message, field=field, low=low, high=high)
    return value


def _clean_params(action: str, params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise InvalidInput(gettext_noop("The parameters must be a JSON object."), field="params")
    allowed = {
        EscalationAction.NOTIFY_MANAGER: set(),
        EscalationAction.MOVE_QUEUE: {"queue"},
        EscalationAction.MOVE_TIER: {"tier"},
        EscalationAction.RAISE_PRIORITY: {"to"},
    }[EscalationAction(action)]
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidInput(
            gettext_noop("The %(action)s action takes no parameter %(name)s."),
            field=f"params.{unknown[0]}",
            action=action,
            name=unknown[0],
        )
    if action == EscalationAction.MOVE_QUEUE:
        code = params.get("queue")
        if not isinstance(code, str) or not _QUEUE_CODE.match(code):
            raise InvalidInput(
                gettext_noop("Give the code of the queue to move to (letters, digits, - and _)."),
                field="params.queue",
            )
        if _queue_check is not None and not _queue_check(code):
            raise InvalidInput(gettext_noop("No queue with code %(code)s."), field="params.queue", code=code)
        return {"queue": code}
    if action == EscalationAction.MOVE_TIER:
        tier = _integer(
            params.get("tier"),
            "params.tier",
            TIERS.start,
            TIERS.stop - 1,
            gettext_noop("The tier is a whole number from %(low)s to %(high)s."),
        )
        return {"tier": tier}
    if action == EscalationAction.RAISE_PRIORITY and "to" in params:
        to = params["to"]
        if to not in {p.value for p in Priority}:
            raise InvalidInput(gettext_noop("The priority must be one of P1, P2, P3, P4."), field="params.to")
        return {"to": to}
    return {}


def clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Check the types and ranges of the given fields (``params`` is checked with the action)."""
    out: dict[str, Any] = {}
    if "kind" in data:
        if data["kind"] not in {k.value for k in ClockKind}:
            raise InvalidInput(
                gettext_noop("The clock must be one of response, onsite, resolution, update."), field="kind"
            )
        out["kind"] = data["kind"]
    if "level" in data:
        out["level"] = _integer(
            data["level"],
            "level",
            1,
            MAX_LEVEL,
            gettext_noop("The level is a whole number from %(low)s to %(high)s (0 is the warning)."),
        )
    if "offset_minutes" in data:
        out["offset_minutes"] = _integer(
            data["offset_minutes"],
            "offset_minutes",
            -MAX_OFFSET_MINUTES,
            MAX_OFFSET_MINUTES,
            gettext_noop("The offset is a whole number of minutes from %(low)s to %(high)s."),
        )
    if "action" in data:
        if data["action"] not in {a.value for a in EscalationAction}:
            raise InvalidInput(
                gettext_noop(
                    "The action must be one of notify_manager, move_queue, move_tier, raise_priority."
                ),
                field="action",
            )
        out["action"] = data["action"]
    if "params" in data:
        out["params"] = data["params"]
    return out


def _locked_policy(policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.select_for_update().filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(gettext_noop("No SLA policy with id %(id)s."), id=policy_id)
    return policy


def _locked_rule(policy_id: int, rule_id: int) -> EscalationRule:
    rule = EscalationRule.objects.select_for_update().filter(pk=rule_id, policy_id=policy_id).first()
    if rule is None:
        raise NotFound(gettext_noop("No escalation rule with id %(id)s."), id=rule_id)
    return rule


def _check_free(policy: SlaPolicy, kind: str, level: int, rule_id: int | None = None) -> None:
    taken = EscalationRule.objects.filter(policy=policy, kind=kind, level=level)
    if rule_id is not None:
        taken = taken.exclude(pk=rule_id)
    if taken.exists():
        raise InvalidInput(
            gettext_noop("The %(kind)s clock already has a level %(level)s in this policy."),
            field="level",
            kind=kind,
            level=level,
        )


@transaction.atomic
def create_rule(actor: Actor, policy_id: int, data: dict[str, Any]) -> EscalationRule:
    policy = _locked_policy(policy_id)
    fields = clean_rule({k: v for k, v in data.items() if k in FIELDS})
    require(fields, "kind", "level", "offset_minutes", "action")
    fields["params"] = _clean_params(fields["action"], fields.get("params", {}))
    _check_free(policy, fields["kind"], fields["level"])
    rule = EscalationRule.objects.create(policy=policy, **fields)
    audit.record(actor, "escalation_rule.create", rule, after=audit.snapshot(rule))
    sla_services.replay_policy(policy.pk)
    return rule


@transaction.atomic
def update_rule(
    actor: Actor, policy_id: int, rule_id: int, data: dict[str, Any], expected_version: int | None = None
) -> EscalationRule:
    """Edit some fields; ``params`` is checked against the (new) action: changing the action to one
    that needs parameters needs ``params`` too."""
    policy = _locked_policy(policy_id)
    rule = _locked_rule(policy_id, rule_id)
    check_version(rule, expected_version)
    changes = clean_rule({k: v for k, v in data.items() if k in FIELDS})
    merged = {name: getattr(rule, name) for name in FIELDS} | changes
    if "action" in changes and "params" not in changes and changes["action"] != rule.action:
        merged["params"] = {}
    merged["params"] = _clean_params(merged["action"], merged["params"])
    _check_free(policy, merged["kind"], merged["level"], rule.pk)
    before = audit.snapshot(rule)
    for name in FIELDS:
        setattr(rule, name, merged[name])
    if audit.snapshot(rule) == before:
        return rule
    rule.version += 1
    rule.save()
    audit.record(actor, "escalation_rule.update", rule, before=before, after=audit.snapshot(rule))
    sla_services.replay_policy(policy.pk)
    return rule


@transaction.atomic
def delete_rule(actor: Actor, policy_id: int, rule_id: int, expected_version: int | None = None) -> None:
    """Levels already fired stay recorded (``SlaEscalation``); open clocks stop waiting for this one."""
    policy = _locked_policy(policy_id)
    rule = _locked_rule(policy_id, rule_id)
    check_version(rule, expected_version)
    before = audit.snapshot(rule)
    rule.delete()
    audit.record(
        actor,
        "escalation_rule.delete",
        object_type="contracts.escalationrule",
        object_id=rule_id,
        before=before,
    )
    sla_services.replay_policy(policy.pk)
