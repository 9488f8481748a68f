"""Ticket use cases: open (triage, entitlement, clocks, acknowledgement), messages, transitions,
assignment, re-prioritisation, and bad input that changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import SYSTEM, make_user
from tests.tickets.conftest import MONDAY_10
from tournevis.contracts.models import Calendar, SlaClock
from tournevis.core.errors import Conflict, InvalidInput
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import services
from tournevis.tickets.models import Agent, Event, IntakeCounter, Queue, Ticket, TriageRule


def paris(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+01:00")


def jam(world, priority: str, *, contact: bool = False) -> Ticket:
    """A portal ticket on party a's covered counter, opened on Monday 10:00 in Paris."""
    return services.open_ticket(
        SYSTEM,
        title="Jam",
        channel="portal",
        service_object_id=world.a.machine.pk,
        contact_id=world.a.contact.pk if contact else None,
        priority=priority,
        at=MONDAY_10,
    )


def clocks(ticket: Ticket) -> dict[str, tuple[str, str]]:
    rows = SlaClock.objects.filter(subject_type="ticket", subject_id=ticket.pk, stopped_at__isnull=True)
    return {r.kind: (r.state, r.deadline.astimezone(MONDAY_10.tzinfo).isoformat()) for r in rows}


def test_open_ticket_on_a_covered_object_starts_the_tier_clocks_and_acknowledges(world, gold):
    ticket = services.open_ticket(
        SYSTEM,
        title="Counter jams on 50 EUR notes",
        description="Jams every 20 notes",
        channel="portal",
        service_object_id=world.a.machine.pk,
        contact_id=world.a.contact.pk,
        priority="P2",
        at=MONDAY_10,
    )
    assert ticket.number == "T-2026-000001"
    assert (ticket.customer_id, ticket.site_id) == (world.a.customer.pk, world.a.site.pk)
    assert (ticket.contract_id, ticket.coverage, ticket.queue.code, ticket.status) == (
        gold["contract"].pk,
        "site",
        "level1",
        "new",
    )
    assert clocks(ticket) == {
        "response": ("running", "2026-03-09T11:00:00+01:00"),
        "onsite": ("running", "2026-03-09T15:30:00+01:00"),
        "resolution": ("running", "2026-03-11T09:00:00+01:00"),
        "update": ("running", "2026-03-10T09:30:00+01:00"),
    }
    ack = OutboundEmail.objects.get(purpose="ticket.ack")
    assert ack.to == "c@alpha.example"
    assert ack.subject == "[T-2026-000001] Nous avons bien reçu votre demande : Counter jams on 50 EUR notes"
    assert list(ticket.messages.values_list("body", "public", "from_customer")) == [
        ("Jams every 20 notes", True, True)
    ]
    second = services.open_ticket(
        SYSTEM, title="Second", channel="api", site_id=world.b.site.pk, at=MONDAY_10
    )
    assert second.number == "T-2026-000002"
    assert (second.coverage, second.contract_id) == ("time_and_materials", None)
    assert clocks(second) == {}


def test_unknown_requester_lands_in_triage_without_clocks(world):
    ticket = services.open_ticket(
        SYSTEM, title="Hello", channel="email", requester_email="stranger@example.org", at=MONDAY_10
    )
    assert (ticket.queue.code, ticket.customer_id, ticket.assignee_id) == ("triage", None, None)
    assert OutboundEmail.objects.get().to == "stranger@example.org"


def test_triage_rules_set_priority_category_and_queue_in_order(world, gold):
    hardware = Queue.objects.get(code="hardware")
    now = MONDAY_10
    TriageRule.objects.create(
        position=1,
        name="Down",
        keywords=["down", "hors service"],
        set_priority="P1",
        created_at=now,
        updated_at=now,
    )
    TriageRule.objects.create(
        position=2,
        name="Jams",
        keywords=["jam", "bourrage"],
        set_category="hardware",
        created_at=now,
        updated_at=now,
    )
    TriageRule.objects.create(
        position=3,
        name="HW queue",
        categories=["hardware"],
        set_queue=hardware,
        set_priority="P3",
        created_at=now,
        updated_at=now,
    )
    ticket = services.open_ticket(
        SYSTEM,
        title="Compteuse hors service",
        description="Bourrage permanent",
        channel="phone",
        service_object_id=world.a.machine.pk,
        at=now,
    )
    assert (ticket.priority, ticket.category, ticket.queue.code) == ("P1", "hardware", "hardware")
    created = Event.objects.get(ticket=ticket, kind="created")
    assert created.data["rules"] == list(TriageRule.objects.order_by("position").values_list("pk", flat=True))
    assert clocks(ticket)["response"] == ("running", "2026-03-09T10:30:00+01:00")


def test_staff_public_message_meets_response_and_restarts_update_clock(world, gold):
    ticket = jam(world, "P2", contact=True)
    agent = actor_for(world.staff[Role.AGENT])
    services.add_message(agent, ticket.pk, body="We are on it.", at=paris("2026-03-09T10:40:00"))
    response = SlaClock.objects.get(subject_type="ticket", subject_id=ticket.pk, kind="response")
    assert (response.state, response.met_at.isoformat()) == ("met", "2026-03-09T09:40:00+00:00")
    updates = SlaClock.objects.filter(subject_type="ticket", subject_id=ticket.pk, kind="update").order_by(
        "id"
    )
    assert [(u.state, u.stopped_at is not None) for u in updates] == [("met", True), ("running", False)]
    # 8 business hours from 10:40: 10:40-12:00, 13:30-18:00 (5h50), then Tuesday 08:00 + 2h10
    assert clocks(ticket)["update"] == ("running", "2026-03-10T10:10:00+01:00")
    ticket.refresh_from_db()
    assert ticket.first_response_at == paris("2026-03-09T10:40:00")
    assert OutboundEmail.objects.filter(purpose="ticket.update").count() == 1
    services.add_message(
        agent, ticket.pk, body="Internal note", public=False, at=paris("2026-03-09T10:50:00")
    )
    assert OutboundEmail.objects.filter(purpose="ticket.update").count() == 1


def test_waiting_for_customer_pauses_and_a_customer_reply_resumes(world, gold):
    ticket = jam(world, "P2")
    agent = actor_for(world.staff[Role.AGENT])
    services.transition(agent, ticket.pk, "in_progress", at=MONDAY_10)
    services.transition(agent, ticket.pk, "waiting_customer", at=paris("2026-03-09T10:30:00"))
    assert {k: v[0] for k, v in clocks(ticket).items()} == {
        "response": "paused",
        "onsite": "paused",
        "resolution": "paused",
        "update": "paused",
    }
    customer = actor_for(world.a.user)
    services.add_message(customer, ticket.pk, body="Here is the photo", at=paris("2026-03-09T11:30:00"))
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    # one business hour paused: the response deadline moves from 11:00 to 12:00
    assert clocks(ticket)["response"] == ("running", "2026-03-09T12:00:00+01:00")


def test_priority_change_retargets_keeping_consumed_time(world, gold):
    ticket = jam(world, "P3")
    manager = actor_for(world.staff[Role.MANAGER])
    services.update(
        manager, ticket.pk, {"priority": "P1"}, reason="bank closed", at=paris("2026-03-09T10:20:00")
    )
    # P1 response = 30 business minutes, 20 already consumed: 10:30
    assert clocks(ticket)["response"] == ("running", "2026-03-09T10:30:00+01:00")
    assert Event.objects.get(ticket=ticket, kind="priority").data == {
        "old": "P3",
        "new": "P1",
        "reason": "bank closed",
    }


def test_resolve_pauses_close_stops_and_reply_after_resolution_reopens(world, gold):
    ticket = jam(world, "P2", contact=True)
    agent = actor_for(world.staff[Role.AGENT])
    services.transition(agent, ticket.pk, "in_progress", at=MONDAY_10)
    services.transition(agent, ticket.pk, "resolved", at=paris("2026-03-09T10:45:00"))
    assert OutboundEmail.objects.filter(purpose="ticket.resolved").count() == 1
    assert {k: v[0] for k, v in clocks(ticket).items()} == {"resolution": "paused", "update": "paused"}
    services.add_message(
        actor_for(world.a.user), ticket.pk, body="Still jams", at=paris("2026-03-09T11:45:00")
    )
    ticket.refresh_from_db()
    assert ticket.status == "reopened"
    assert clocks(ticket)["resolution"][0] == "running"
    services.transition(agent, ticket.pk, "resolved", at=paris("2026-03-09T13:45:00"))
    services.transition(agent, ticket.pk, "closed", at=paris("2026-03-09T14:00:00"))
    assert clocks(ticket) == {}
    with pytest.raises(Conflict) as refused:
        services.transition(agent, ticket.pk, "in_progress")
    assert refused.value.params == {"current": "closed", "new": "in_progress"}


def test_automatic_assignment_picks_the_most_qualified_agent_on_shift(world, gold):
    hardware = Queue.objects.get(code="hardware")
    expert = make_user("expert", Role.AGENT)
    novice = make_user("novice", Role.AGENT)
    off = make_user("off-shift", Role.AGENT)
    night = Calendar.objects.create(
        name="Nights",
        timezone="Europe/Paris",
        slots={"mon": [["22:00", "23:00"]]},
        created_at=MONDAY_10,
        updated_at=MONDAY_10,
    )
    for user, skills, calendar in (
        (expert, {"hardware": 3}, None),
        (novice, {"hardware": 1}, None),
        (off, {"hardware": 5}, night),
    ):
        agent = Agent.objects.create(user=user, skills=skills, calendar=calendar)
        agent.queues.add(hardware)
    ticket = services.open_ticket(
        SYSTEM, title="Broken", channel="phone", category="hardware", site_id=world.a.site.pk, at=MONDAY_10
    )
    assert ticket.queue.code == "level1" and ticket.assignee_id is None  # no rule routes it
    manager = actor_for(world.staff[Role.MANAGER])
    services.update(manager, ticket.pk, {"queue": "hardware"})
    assigned = services.assign(manager, ticket.pk, user_id=None, at=MONDAY_10)
    assert (assigned.assignee_id, assigned.status) == (expert.pk, "assigned")
    routing = Event.objects.filter(ticket=ticket, kind="routing").last()
    assert routing.data["params"] == {"agent": "expert", "score": 3, "load": 0, "capacity": 10, "count": 2}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " ", "channel": "api"}, "title"),
        ({"title": "x", "channel": "fax"}, "channel"),
        ({"title": "x", "channel": "api", "priority": "P9"}, "priority"),
        ({"title": "x", "channel": "api", "service_object_id": 999999}, "service_object_id"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, fields, field):
    with pytest.raises(InvalidInput) as refused:
        services.open_ticket(SYSTEM, **fields)
    assert refused.value.field == field
    assert (Ticket.objects.count(), OutboundEmail.objects.count()) == (0, 0)


def test_customer_cannot_open_a_ticket_for_another_customer(world):
    with pytest.raises(InvalidInput) as refused:
        services.open_ticket(actor_for(world.a.user), title="x", channel="portal", site_id=world.b.site.pk)
    assert refused.value.field == "customer_id"
    assert Ticket.objects.count() == 0


def test_count_intake_counts_and_keeps_the_last_detail(db):
    services.count_intake("snmp", "unknown_agent", "10.0.0.9")
    services.count_intake("snmp", "unknown_agent", "10.0.0.7")
    row = IntakeCounter.objects.get()
    assert (row.channel, row.reason, row.count, row.last_detail) == ("snmp", "unknown_agent", 2, "10.0.0.7")
