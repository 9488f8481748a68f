"""/api/v1/sla-policies/{id}/escalation-rules: round trip, every bad input, open clocks replayed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.contracts import services_escalations, services_tiers, sla_services
from tournevis.contracts.models import EscalationRule, SlaClock
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role

TARGETS = [
    {"priority": p, "first_response_minutes": 60, "on_site_minutes": 240, "resolution_minutes": 480}
    for p in ("P1", "P2", "P3", "P4")
]
START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # clocks on the 24/7 fallback calendar
RULE = {
    "kind": "resolution",
    "level": 1,
    "offset_minutes": -60,
    "action": "move_queue",
    "params": {"queue": "level2"},
}


@pytest.fixture
def policy(world):
    return services_tiers.create_sla_policy(SYSTEM, {"name": "Gold", "targets": TARGETS})


@pytest.fixture
def queues():
    """Queues belong to tickets: the check it registers, here a fixed set of codes."""
    services_escalations.set_queue_check(lambda code: code in {"level2", "hardware"})
    yield
    services_escalations.set_queue_check(None)


def url(policy, rule_id=None):
    base = f"/sla-policies/{policy.pk}/escalation-rules"
    return base if rule_id is None else f"{base}/{rule_id}"


def manager(world):
    return api_client(world.staff[Role.MANAGER])


def test_a_rule_round_trips(world, policy, queues):
    client = manager(world)
    created = call(client, "POST", url(policy), RULE, headers={"Idempotency-Key": "rule-1"})
    replayed = call(client, "POST", url(policy), RULE, headers={"Idempotency-Key": "rule-1"})

    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule == {
        "id": rule["id"],
        "policy_id": policy.pk,
        "kind": "resolution",
        "level": 1,
        "offset_minutes": -60,
        "action": "move_queue",
        "params": {"queue": "level2"},
        "version": 1,
    }
    assert (created["ETag"], replayed.status_code, replayed.json()) == ('"1"', 201, rule)
    assert replayed["Idempotent-Replayed"] == "true"
    assert EscalationRule.objects.count() == 1

    second = {"kind": "resolution", "level": 2, "offset_minutes": 0, "action": "raise_priority"}
    assert call(client, "POST", url(policy), second).json()["params"] == {}
    listed = call(api_client(world.staff[Role.DISPATCHER]), "GET", url(policy)).json()
    assert (listed["count"], [r["level"] for r in listed["items"]]) == (2, [1, 2])

    got = call(client, "GET", url(policy, rule["id"]))
    assert (got.status_code, got["ETag"]) == (200, '"1"')
    edited = call(
        client,
        "PATCH",
        url(policy, rule["id"]),
        {"action": "move_tier", "params": {"tier": 3}},
        headers={"If-Match": '"1"'},
    )
    assert (edited.status_code, edited["ETag"]) == (200, '"2"'), edited.content
    assert (edited.json()["action"], edited.json()["params"]) == ("move_tier", {"tier": 3})
    stale = problem(
        call(client, "PATCH", url(policy, rule["id"]), {"offset_minutes": 5}, headers={"If-Match": '"1"'}),
        412,
    )
    assert (stale["current"]["version"], stale["current"]["params"]) == (2, {"tier": 3})
    unchanged = call(client, "PATCH", url(policy, rule["id"]), {"offset_minutes": -60})
    assert (unchanged.status_code, unchanged["ETag"]) == (200, '"2"')  # nothing changed: same version

    deleted = call(client, "DELETE", url(policy, rule["id"]), headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    problem(call(client, "GET", url(policy, rule["id"])), 404)
    actions = list(
        AuditEvent.objects.filter(action__startswith="escalation_rule.").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "escalation_rule.create",
        "escalation_rule.create",
        "escalation_rule.delete",
        "escalation_rule.update",
    ]


def test_a_rule_of_another_policy_or_an_unknown_policy_is_not_found(world, policy):
    other = services_tiers.create_sla_policy(SYSTEM, {"name": "Silver", "targets": TARGETS})
    rule = services_escalations.create_rule(
        SYSTEM, other.pk, {"kind": "response", "level": 1, "offset_minutes": 0, "action": "notify_manager"}
    )
    client = manager(world)

    problem(call(client, "GET", url(policy, rule.pk)), 404)
    problem(call(client, "PATCH", url(policy, rule.pk), {"level": 3}), 404)
    problem(call(client, "DELETE", url(policy, rule.pk)), 404)
    problem(call(client, "GET", "/sla-policies/999999/escalation-rules"), 404)
    assert EscalationRule.objects.get().level == 1


def test_agents_read_but_only_managers_write(world, policy):
    agent = api_client(world.staff[Role.AGENT])
    assert call(agent, "GET", url(policy)).status_code == 200
    problem(call(agent, "POST", url(policy), RULE), 403)
    problem(call(api_client(world.a.user), "GET", url(policy)), 404)
    assert EscalationRule.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "triage"}, "kind"),
        ({"level": 0}, "level"),
        ({"level": -1}, "level"),
        ({"level": 100}, "level"),
        ({"level": "first"}, "level"),
        ({"offset_minutes": 600_000}, "offset_minutes"),
        ({"offset_minutes": None}, "offset_minutes"),
        ({"action": "page_the_ceo"}, "action"),
        ({"params": {}}, "params.queue"),
        ({"params": {"queue": "Level 2!"}}, "params.queue"),
        ({"params": {"queue": "software"}}, "params.queue"),  # no such queue
        ({"params": {"queue": "level2", "tier": 2}}, "params.tier"),
        ({"params": ["level2"]}, "params"),
        ({"action": "move_tier", "params": {"tier": 4}}, "params.tier"),
        ({"action": "move_tier", "params": {"tier": 0}}, "params.tier"),
        ({"action": "move_tier", "params": {"tier": "2"}}, "params.tier"),
        ({"action": "move_tier", "params": {"tier": True}}, "params.tier"),
        ({"action": "move_tier", "params": {}}, "params.tier"),
        ({"action": "raise_priority", "params": {"to": "P0"}}, "params.to"),
        ({"action": "raise_priority", "params": {"to": None}}, "params.to"),
        ({"action": "notify_manager", "params": {"queue": "level2"}}, "params.queue"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_names_the_field_and_writes_nothing(world, policy, queues, change, field):
    client = manager(world)
    before, audits = db_state(), audit_count()

    body = problem(call(client, "POST", url(policy), {**RULE, **change}), 422)

    assert fields_of(body) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_a_level_is_unique_per_policy_and_clock(world, policy, queues):
    client = manager(world)
    assert call(client, "POST", url(policy), RULE).status_code == 201
    assert call(client, "POST", url(policy), {**RULE, "kind": "onsite"}).status_code == 201
    before, audits = db_state(), audit_count()

    duplicate = problem(call(client, "POST", url(policy), {**RULE, "offset_minutes": 30}), 422)

    assert fields_of(duplicate) == ["level"]
    assert duplicate["detail"] == "The resolution clock already has a level 1 in this policy."
    assert (db_state(), audit_count()) == (before, audits)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"action": "move_tier"}, "params.tier"),  # a new action needs its params
        ({"kind": "onsite"}, "level"),  # onsite already has level 1
        ({"params": {"queue": "nowhere"}}, "params.queue"),
        ({"level": 0}, "level"),
    ],
)
def test_a_bad_edit_names_the_field_and_writes_nothing(world, policy, queues, change, field):
    client = manager(world)
    rule = call(client, "POST", url(policy), RULE).json()
    call(client, "POST", url(policy), {**RULE, "kind": "onsite"})
    before, audits = db_state(), audit_count()

    body = problem(call(client, "PATCH", url(policy, rule["id"]), change), 422)

    assert fields_of(body) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_without_a_registered_check_a_well_formed_queue_code_is_accepted(world, policy):
    response = call(manager(world), "POST", url(policy), {**RULE, "params": {"queue": "any-queue_1"}})
    assert (response.status_code, response.json()["params"]) == (201, {"queue": "any-queue_1"})


def test_a_rule_change_recomputes_the_next_alert_of_the_policys_open_clocks(world, policy):
    # Given a response clock of 60 minutes on the 24/7 calendar: warning at 08:45 (0.75), due at 09:00
    with clock.frozen(START):
        sla_services.start_clocks(
            SYSTEM,
            "tickets.ticket",
            1,
            at=START,
            priority="P2",
            targets={"response": 60},
            sla_policy_id=policy.pk,
        )
    other = SlaClock.objects.get()
    assert other.next_alert_at == datetime(2026, 3, 9, 8, 45, tzinfo=UTC)
    body = {"kind": "response", "level": 1, "offset_minutes": -30, "action": "notify_manager"}
    now = datetime(2026, 3, 9, 8, 10, tzinfo=UTC)

    with clock.frozen(now):
        client = manager(world)
        # When a level fires 30 minutes before the deadline, then is moved after it, then deleted
        rule = call(client, "POST", url(policy), body).json()
        after_create = SlaClock.objects.get().next_alert_at
        call(client, "PATCH", url(policy, rule["id"]), {"offset_minutes": 30})
        after_update = SlaClock.objects.get().next_alert_at
        call(client, "DELETE", url(policy, rule["id"]))
        after_delete = SlaClock.objects.get().next_alert_at

    # Then the clock's next alert follows: 08:30, then the warning at 08:45 again
    assert (after_create, after_update, after_delete) == (
        datetime(2026, 3, 9, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 8, 45, tzinfo=UTC),
        datetime(2026, 3, 9, 8, 45, tzinfo=UTC),
    )
    assert (
        AuditEvent.objects.filter(action="sla_clock.replay").count() == 2
    )  # create, update; the delete: no change


def test_the_rule_fires_with_its_params_and_waits_for_the_context_that_applies_it(world, policy, queues):
    with clock.frozen(START):
        sla_services.start_clocks(
            SYSTEM,
            "tickets.ticket",
            7,
            at=START,
            priority="P2",
            targets={"response": 60},
            sla_policy_id=policy.pk,
        )
        call(manager(world), "POST", url(policy), {**RULE, "kind": "response", "offset_minutes": 0})
    sent: list[dict[str, object]] = []

    def queue_email(actor, **kwargs):
        sent.append(kwargs)

    with clock.frozen(datetime(2026, 3, 9, 9, 0, tzinfo=UTC)):
        assert sla_services.tick(clock.now(), queue_email) == {"sla_escalations_fired": 2}

    pending = sla_services.pending_actions("tickets.ticket", ["move_queue", "move_tier", "raise_priority"])
    assert [(e.clock.subject_id, e.level, e.action, e.params, e.handled_at) for e in pending] == [
        (7, 1, "move_queue", {"queue": "level2"}, None)
    ]
    assert sla_services.pending_actions("workorders.workorder", ["move_queue"]) == []
    handled_at = datetime(2026, 3, 9, 9, 1, tzinfo=UTC)
    sla_services.mark_handled(pending[0].pk, handled_at)
    sla_services.mark_handled(pending[0].pk, datetime(2026, 3, 9, 9, 5, tzinfo=UTC))  # already handled
    assert sla_services.pending_actions("tickets.ticket", ["move_queue"]) == []
    pending[0].refresh_from_db()
    assert pending[0].handled_at == handled_at
    assert AuditEvent.objects.filter(action="sla_escalation.handle").count() == 1
