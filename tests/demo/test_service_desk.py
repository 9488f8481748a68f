"""The demo's service desk phase: calendars, tiers, contracts, agents, rules and tickets, exact for a seed."""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from tournevis.contracts import sla_queries
from tournevis.contracts.models import (
    Calendar,
    CalendarAssignment,
    Contract,
    EscalationRule,
    SlaClock,
    SlaPolicy,
)
from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.models import AuditEvent
from tournevis.customers.models import Customer
from tournevis.demo import loader
from tournevis.tickets.models import Agent, Message, Ticket, TriageRule

from .test_demo import DAY, Rollback

STAFF = Actor(user_id=None, label="tests", role="agent")


def load(seed: int = 1) -> loader.LoadReport:
    with clock.frozen(DAY):
        return loader.load(size="small", seed=seed, service_desk=True)


@pytest.fixture
def desk(db: None) -> loader.LoadReport:
    return load()


def fingerprint() -> list[tuple[object, ...]]:
    return list(
        Ticket.objects.order_by("number").values_list(
            "number",
            "title",
            "status",
            "priority",
            "channel",
            "queue__code",
            "customer__name",
            "assignee__username",
            "contract__number",
            "created_at",
        )
    )


def test_the_service_desk_has_exactly_the_rows_its_seed_produces(desk: loader.LoadReport) -> None:
    counts = {
        "calendars": Calendar.objects.count(),
        "assignments": CalendarAssignment.objects.count(),
        "sla_policies": SlaPolicy.objects.count(),
        "escalation_rules": EscalationRule.objects.count(),
        "contracts": Contract.objects.count(),
        "agents": Agent.objects.count(),
        "triage_rules": TriageRule.objects.count(),
        "tickets": Ticket.objects.count(),
    }
    assert counts == {
        "calendars": 5,
        "assignments": 20,
        "sla_policies": 3,
        "escalation_rules": 6,
        "contracts": 14,
        "agents": 2,
        "triage_rules": 3,
        "tickets": 40,
    }
    assert {k: desk.counts[k] for k in ("calendars", "sla_policies", "contracts", "agents", "tickets")} == {
        "calendars": 5,
        "sla_policies": 3,
        "contracts": 14,
        "agents": 2,
        "tickets": 40,
    }
    assert dict(Counter(Contract.objects.values_list("type", flat=True))) == {
        "maintenance": 10,
        "subscription": 2,
        "warranty": 2,
    }
    assert set(Contract.objects.values_list("status", flat=True)) == {"active"}
    assert set(Contract.objects.values_list("account_manager__username", flat=True)) == {"demo-manager"}
    soon = DAY.date() + timedelta(days=20)
    assert list(Contract.objects.filter(end_date__lte=soon).values_list("type", "end_date")) == [
        ("warranty", soon)
    ]
    assert Calendar.objects.get(is_default=True).name == "Paris office"


def test_every_ticket_has_a_queue_and_its_thread_starts_with_the_request(desk) -> None:
    tickets = list(Ticket.objects.select_related("queue").order_by("number"))
    merged = [t for t in tickets if t.merged_into_id is not None]
    assert len(merged) == 1 and merged[0].status == "closed"
    assert not Message.objects.filter(ticket=merged[0]).exists()  # its thread moved into the original
    for ticket in tickets:
        assert ticket.queue is not None
        if ticket.merged_into_id is not None:
            continue
        first = Message.objects.filter(ticket=ticket).order_by("created_at", "id").first()
        assert first is not None and first.from_customer and first.created_at == ticket.created_at, (
            ticket.number
        )
    assert dict(Counter(t.status for t in tickets)) == {
        "new": 16,
        "assigned": 5,
        "in_progress": 11,
        "waiting_customer": 2,
        "resolved": 3,
        "closed": 3,
    }
    assert dict(Counter(t.queue.code for t in tickets)) == {
        "level1": 22,
        "hardware": 16,
        "triage": 1,
        "software": 1,
    }
    assert dict(Counter(t.channel for t in tickets)) == {
        "email": 14,
        "snmp": 11,
        "phone": 7,
        "portal": 5,
        "api": 3,
    }
    bug = Ticket.objects.get(is_bug=True)
    assert (bug.queue.code, bug.category, bug.status) == ("software", "software", "in_progress")
    assert [t.title for t in tickets if t.customer_id is None] == [
        "Demande de devis : trois compteuses pour un nouveau magasin"
    ]
    assert all(t.created_at <= DAY for t in tickets)
    assert all(e.at <= DAY for t in tickets for e in t.events.all())


def test_some_clocks_are_breached_some_running_and_some_at_risk(desk) -> None:
    states = Counter(SlaClock.objects.filter(subject_type="ticket").values_list("state", flat=True))
    assert dict(states) == {"met": 44, "breached": 32, "running": 38, "paused": 12}
    assert set(SlaClock.objects.filter(stopped_at__isnull=True).values_list("evaluated_at", flat=True)) == {
        DAY
    }
    risky = sla_queries.at_risk(STAFF, now=DAY)
    assert len(risky) == 34 and {c.state for c in risky} == {"running", "breached"}
    # the showcase: P1s on the Gold 24/7 hotline contract left unanswered, 3 h and 12 minutes ago
    late, fresh = (
        Ticket.objects.get(
            priority="P1", contract__calendar__name="24/7 hotline", created_at=DAY - timedelta(minutes=m)
        )
        for m in (180, 12)
    )
    response = SlaClock.objects.get(subject_type="ticket", subject_id=late.pk, kind="response")
    assert (response.state, response.breached_at) == ("breached", DAY - timedelta(minutes=150))
    response = SlaClock.objects.get(subject_type="ticket", subject_id=fresh.pk, kind="response")
    assert (response.state, response.deadline, response.remaining_seconds) == (
        "running",
        DAY + timedelta(minutes=18),
        18 * 60,
    )
    assert response in risky


def test_the_phase_goes_through_the_services_with_their_audit_events(desk) -> None:
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["calendar.create"] == 5 and actions["sla_policy.create"] == 3
    assert actions["contract.create"] == 14 and actions["agent.create"] == 2
    assert actions["ticket.open"] == 40 and actions["ticket.merge"] == 1
    assert actions["demo.load"] == 1


def test_the_same_seed_gives_the_same_tickets(db: None) -> None:
    runs = []
    for _ in range(2):
        with suppress(Rollback), transaction.atomic():
            load(1)
            runs.append(
                (fingerprint(), list(Contract.objects.order_by("number").values_list("number", "type")))
            )
            raise Rollback
        assert not Customer.objects.exists()
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == 40


def test_the_command_loads_the_service_desk_once(db: None) -> None:
    out = StringIO()
    with clock.frozen(DAY):
        call_command("demo", "load", "--if-empty", "--no-progress", stdout=out)
        call_command("demo", "load", "--if-empty", "--no-progress", stdout=out)

    assert "40 tickets" in out.getvalue().splitlines()[0]
    assert Ticket.objects.count() == 40
    assert AuditEvent.objects.filter(action="demo.load").count() == 1
