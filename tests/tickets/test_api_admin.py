"""Admin API of tickets: queues, agents, triage rules (CRUD and dry run); bad input is a 422 naming the
field and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.contracts import services_tiers
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.tickets import services
from tournevis.tickets.models import Agent, Queue, TriageRule

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def manager(world):
    return api_client(world.staff[Role.MANAGER])


def agent_client(world):
    return api_client(world.staff[Role.AGENT])


@pytest.fixture
def calendar(world):
    return services_tiers.create_calendar(SYSTEM, {"name": "Office", "timezone": "Europe/Paris"})


# --- Queues ---------------------------------------------------------------------------------------


def test_a_queue_is_created_and_updated(world, calendar):
    client = manager(world)
    with clock.frozen(T0):
        created = call(
            client,
            "POST",
            "/tickets/queues",
            {
                "code": "printers",
                "name": "Printer specialists",
                "name_fr": "Spécialistes imprimantes",
                "tier": 2,
                "skills": {"printers": 3},
                "calendar_id": calendar.pk,
            },
            headers={"Idempotency-Key": "queue-1"},
        )
    assert created.status_code == 201, created.content
    body = created.json()
    queue_id = body.pop("id")
    assert body == {
        "code": "printers",
        "name": "Printer specialists",
        "name_fr": "Spécialistes imprimantes",
        "tier": 2,
        "is_triage": False,
        "skills": {"printers": 3},
        "calendar_id": calendar.pk,
        "version": 1,
        "created_at": "2026-03-09T09:00:00Z",
    }

    stale = call(client, "PATCH", f"/tickets/queues/{queue_id}", {"tier": 3}, {"If-Match": '"7"'})
    assert stale.status_code == 412
    updated = call(
        client, "PATCH", f"/tickets/queues/{queue_id}", {"tier": 3, "calendar_id": None}, {"If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.content
    assert (updated.json()["tier"], updated.json()["calendar_id"], updated["ETag"]) == (3, None, '"2"')
    assert [q["code"] for q in call(client, "GET", "/tickets/queues").json()] == [
        "level1",
        "triage",
        "hardware",
        "software",
        "printers",
    ]
    audit = AuditEvent.objects.filter(action="queue.update").get()
    assert (audit.before["tier"], audit.after["tier"], audit.after["calendar_id"]) == (2, 3, None)


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"code": "a b", "name": "X"}, "code", 422),
        ({"code": "x", "name": " "}, "name", 422),
        ({"code": "x", "name": "X", "tier": 4}, "tier", 422),
        ({"code": "x", "name": "X", "skills": {"printers": 6}}, "skills.printers", 422),
        ({"code": "x", "name": "X", "skills": {"Printers!": 2}}, "skills.Printers!", 422),
        ({"code": "x", "name": "X", "calendar_id": 999}, "calendar_id", 422),
        ({"code": "x", "name": "X", "colour": "red"}, "colour", 422),
        ({"code": "hardware", "name": "X"}, "code", 409),
    ],
)
def test_bad_queue_input_names_the_field_and_writes_nothing(world, body, field, status):
    client = manager(world)
    before, audits = db_state(), audit_count()
    response = call(client, "POST", "/tickets/queues", body)
    assert fields_of(problem(response, status)) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_a_queue_code_does_not_change(world):
    queue = Queue.objects.get(code="software")
    response = call(manager(world), "PATCH", f"/tickets/queues/{queue.pk}", {"code": "apps"})
    assert fields_of(problem(response, 422)) == ["code"]
    assert call(manager(world), "PATCH", "/tickets/queues/999999", {"tier": 2}).status_code == 404


# --- Agents ---------------------------------------------------------------------------------------


def test_an_agent_profile_is_set_read_and_replaced(world, calendar):
    user = world.staff[Role.AGENT]
    client = manager(world)
    assert call(client, "GET", f"/agents/{user.pk}").status_code == 404

    response = call(
        client,
        "PUT",
        f"/agents/{user.pk}",
        {
            "queues": ["software", "level1", "software"],
            "skills": {"software": 4, "network": 1},
            "calendar_id": calendar.pk,
            "capacity": 6,
        },
    )

    assert response.status_code == 200, response.content
    expected = {
        "user_id": user.pk,
        "username": "agent-user",
        "name": "",
        "queues": ["level1", "software"],
        "skills": {"software": 4, "network": 1},
        "calendar_id": calendar.pk,
        "capacity": 6,
        "active": True,
    }
    assert response.json() == expected
    assert call(agent_client(world), "GET", f"/agents/{user.pk}").json() == expected
    assert call(client, "GET", "/agents").json() == {"count": 1, "items": [expected]}
    assert AuditEvent.objects.get(action="agent.create").after["queues"] == ["level1", "software"]

    replaced = call(client, "PUT", f"/agents/{user.pk}", {"queues": ["hardware"], "active": False})
    assert replaced.json() | {} == expected | {
        "queues": ["hardware"],
        "skills": {},
        "calendar_id": None,
        "capacity": 10,
        "active": False,
    }
    audit = AuditEvent.objects.get(action="agent.update")
    assert (audit.before["queues"], audit.after["queues"]) == (["level1", "software"], ["hardware"])
    assert Agent.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"queues": ["nope"]}, "queues.0"),
        ({"skills": {"software": 0}}, "skills.software"),
        ({"capacity": -1}, "capacity"),
        ({"calendar_id": 999}, "calendar_id"),
    ],
)
def test_bad_agent_input_names_the_field_and_writes_nothing(world, body, field):
    client = manager(world)
    before, audits = db_state(), audit_count()
    response = call(client, "PUT", f"/agents/{world.staff[Role.AGENT].pk}", body)
    assert fields_of(problem(response, 422)) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_only_staff_users_are_agents(world):
    client = manager(world)
    before = db_state()
    response = call(client, "PUT", f"/agents/{world.a.user.pk}", {"queues": ["level1"]})
    assert fields_of(problem(response, 422)) == ["user_id"]
    assert call(client, "PUT", "/agents/999999", {}).status_code == 404
    assert db_state() == before


# --- Triage rules ---------------------------------------------------------------------------------

RULE = {
    "name": "Printers are hardware",
    "keywords": ["printer", "paper jam"],
    "channels": ["email", "portal"],
    "set_category": "hardware",
    "set_queue": "hardware",
}


def test_a_triage_rule_round_trips(world):
    client = manager(world)
    with clock.frozen(T0):
        created = call(client, "POST", "/triage-rules", RULE, headers={"Idempotency-Key": "rule-1"})
        replayed = call(client, "POST", "/triage-rules", RULE, headers={"Idempotency-Key": "rule-1"})
    assert created.status_code == 201, created.content
    assert replayed.json() == created.json()
    body = created.json()
    rule_id = body.pop("id")
    assert body == {
        "position": 10,
        "name": "Printers are hardware",
        "active": True,
        "categories": [],
        "keywords": ["printer", "paper jam"],
        "object_categories": [],
        "customer_tiers": [],
        "channels": ["email", "portal"],
        "set_priority": "",
        "set_category": "hardware",
        "set_queue": "hardware",
        "version": 1,
        "created_at": "2026-03-09T09:00:00Z",
        "updated_at": "2026-03-09T09:00:00Z",
    }
    assert created["ETag"] == '"1"'
    second = call(
        client, "POST", "/triage-rules", {"name": "VIP", "customer_tiers": ["gold"], "set_priority": "P2"}
    )
    assert second.json()["position"] == 20

    stale = call(client, "PATCH", f"/triage-rules/{rule_id}", {"active": False}, headers={"If-Match": '"7"'})
    assert problem(stale, 412)["current"]["version"] == 1
    patched = call(
        client,
        "PATCH",
        f"/triage-rules/{rule_id}",
        {"set_queue": None, "set_priority": "P2", "object_categories": [world.category.pk]},
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["set_queue"], patched.json()["set_priority"], patched.json()["version"]) == (
        None,
        "P2",
        2,
    )
    assert patched.json()["object_categories"] == [world.category.pk]
    assert call(agent_client(world), "GET", f"/triage-rules/{rule_id}").json()["version"] == 2
    listed = call(agent_client(world), "GET", "/triage-rules").json()
    assert [r["name"] for r in listed["items"]] == ["Printers are hardware", "VIP"]

    deleted = call(client, "DELETE", f"/triage-rules/{rule_id}", headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    assert list(TriageRule.objects.values_list("name", flat=True)) == ["VIP"]
    assert call(client, "GET", f"/triage-rules/{rule_id}").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="triage_rule.").count() == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (RULE | {"categories": ["hardware", "firmware"]}, "categories.1"),
        (RULE | {"channels": ["fax"]}, "channels.0"),
        (RULE | {"customer_tiers": ["bronze"]}, "customer_tiers.0"),
        (RULE | {"object_categories": [999999]}, "object_categories.0"),
        (RULE | {"keywords": ["ok", " "]}, "keywords.1"),
        (RULE | {"set_priority": "P5"}, "set_priority"),
        (RULE | {"set_category": "firmware"}, "set_category"),
        (RULE | {"set_queue": "nope"}, "set_queue"),
        (RULE | {"position": -1}, "position"),
        ({"name": "No condition", "set_priority": "P1"}, "categories"),
        ({"name": "No action", "keywords": ["printer"]}, "set_priority"),
        ({"keywords": ["printer"], "set_priority": "P1"}, "name"),
    ],
)
def test_bad_rule_input_names_the_field_and_writes_nothing(world, body, field):
    client = manager(world)
    before, audits = db_state(), audit_count()
    response = call(client, "POST", "/triage-rules", body)
    assert fields_of(problem(response, 422)) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_a_patch_cannot_leave_a_rule_without_condition(world):
    client = manager(world)
    rule = call(client, "POST", "/triage-rules", RULE).json()
    before = db_state()
    response = call(client, "PATCH", f"/triage-rules/{rule['id']}", {"keywords": [], "channels": []})
    assert fields_of(problem(response, 422)) == ["categories"]
    assert db_state() == before


def test_the_dry_run_says_which_rules_fire_and_writes_nothing(world):
    client = manager(world)
    printers = call(client, "POST", "/triage-rules", RULE).json()
    vip = call(
        client,
        "POST",
        "/triage-rules",
        {"name": "Gold customers", "customer_tiers": ["gold"], "set_priority": "P2", "set_queue": "level1"},
    ).json()
    call(
        client,
        "POST",
        "/triage-rules",
        {"name": "Hardware first", "categories": ["hardware"], "set_priority": "P1", "active": False},
    )
    call(
        client,
        "POST",
        "/triage-rules",
        {"name": "Bill counters", "object_categories": [world.category.pk], "set_priority": "P3"},
    )
    desk = agent_client(world)
    before, audits = db_state(), audit_count()

    response = call(
        desk,
        "POST",
        "/triage-rules/test",
        {
            "title": "Printer PAPER JAM again",
            "channel": "email",
            "service_object_id": world.a.machine.pk,
        },
    )

    assert response.status_code == 200, response.content
    rules = response.json().pop("rules")
    assert [r["id"] for r in rules] == [printers["id"], vip["id"], rules[2]["id"]]
    assert [r["name"] for r in rules] == ["Printers are hardware", "Gold customers", "Bill counters"]
    assert response.json() | {"rules": None} == {
        "rules": None,
        "priority": "P2",
        "category": "hardware",
        "queue": "hardware",
        "customer_tier": "gold",
        "object_category_id": world.category.pk,
    }
    assert (db_state(), audit_count()) == (before, audits)

    # The same rules decide a real ticket the same way
    ticket = services.open_ticket(
        SYSTEM, title="Printer PAPER JAM again", channel="email", service_object_id=world.a.machine.pk
    )
    assert (ticket.priority, ticket.category, ticket.queue.code) == ("P2", "hardware", "hardware")

    nothing = call(client, "POST", "/triage-rules/test", {"title": "Hello", "channel": "phone"})
    assert nothing.json() == {
        "rules": [],
        "priority": None,
        "category": None,
        "queue": None,
        "customer_tier": None,
        "object_category_id": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": " ", "channel": "email"}, "title"),
        ({"title": "x", "channel": "fax"}, "channel"),
        ({"title": "x", "channel": "email", "category": "firmware"}, "category"),
        ({"title": "x", "channel": "email", "service_object_id": 999999}, "service_object_id"),
    ],
)
def test_bad_dry_run_input_names_the_field(world, body, field):
    response = call(agent_client(world), "POST", "/triage-rules/test", body)
    assert fields_of(problem(response, 422)) == [field]


def test_writes_are_for_managers(world):
    desk, customer = agent_client(world), api_client(world.a.user)
    before = db_state()
    response = call(desk, "POST", "/triage-rules", RULE)
    assert problem(response, 403)
    assert call(customer, "GET", "/triage-rules").status_code == 404
    assert db_state() == before
