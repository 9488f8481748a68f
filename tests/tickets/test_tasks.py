"""The tickets worker step: SLA escalation actions applied to tickets once, customer updates overdue
flagged once per clock (the bug links are in test_bugs)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import SYSTEM
from tests.tickets.conftest import MONDAY_10
from tournevis.contracts import services_escalations, sla_services
from tournevis.contracts.models import SlaEscalation
from tournevis.identity.domain import Role
from tournevis.notifications import services as outbox
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import services, tasks
from tournevis.tickets.models import Event, Queue


def paris(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+01:00")


def run(at: datetime) -> dict[str, int]:
    """The worker's order: contracts' SLA tick fires the levels, then the tickets step applies them."""
    sla_services.tick(at, outbox.queue_email)
    return tasks.tick(at)


def escalations(ticket):
    return [e.data for e in Event.objects.filter(ticket=ticket, kind="escalation").order_by("id")]


def rule(gold, level, offset, action, params):
    services_escalations.create_rule(
        SYSTEM,
        gold["policy"].pk,
        {"kind": "response", "level": level, "offset_minutes": offset, "action": action, "params": params},
    )


@pytest.fixture
def ticket(world, gold):
    return services.open_ticket(
        SYSTEM,
        title="Counter jams",
        channel="portal",
        service_object_id=world.a.machine.pk,
        contact_id=world.a.contact.pk,
        priority="P3",
        at=MONDAY_10,
    )


@pytest.mark.parametrize(
    ("action", "params", "before", "expected"),
    [
        ("raise_priority", {}, "P3", "P2"),
        ("raise_priority", {}, "P1", "P1"),
        ("raise_priority", {"to": "P1"}, "P3", "P1"),
        ("raise_priority", {"to": "P4"}, "P3", "P3"),
    ],
)
def test_raised_priority_never_lowers(action, params, before, expected):
    assert tasks.raised(before, params) == expected


def test_move_queue_then_raise_priority_are_applied_once_each(world, gold, ticket):
    # Given response-clock levels: at the deadline move to hardware, 30 minutes later raise priority
    rule(gold, 1, 0, "move_queue", {"queue": "hardware"})
    rule(gold, 2, 30, "raise_priority", {})
    # P3 response target 240 min from Monday 10:00 → 15:30 (lunch 12:00-13:30)

    assert run(paris("2026-03-09T15:29")) == {
        "ticket_escalations_applied": 0,
        "ticket_escalations_skipped": 0,
        "bug_links_stored": 0,
        "bug_answers_unreadable": 0,
        "ticket_updates_overdue": 0,
    }
    first = run(paris("2026-03-09T15:31"))
    assert (first["ticket_escalations_applied"], first["ticket_escalations_skipped"]) == (1, 0)
    ticket.refresh_from_db()
    assert (ticket.queue.code, ticket.priority) == ("hardware", "P3")

    second = run(paris("2026-03-09T16:01"))
    assert second["ticket_escalations_applied"] == 1
    assert run(paris("2026-03-09T16:30"))["ticket_escalations_applied"] == 0
    ticket.refresh_from_db()
    assert (ticket.queue.code, ticket.priority) == ("hardware", "P2")

    assert escalations(ticket) == [
        {
            "level": 1,
            "action": "move_queue",
            "clock": "response",
            "params": {"queue": "hardware"},
            "applied": {"queue": "hardware"},
        },
        {
            "level": 2,
            "action": "raise_priority",
            "clock": "response",
            "params": {},
            "applied": {"priority": "P2"},
        },
    ]
    queue_event = Event.objects.get(ticket=ticket, kind="queue")
    assert queue_event.data == {
        "old": "level1",
        "new": "hardware",
        "reason": "SLA escalation level 1 (response)",
    }
    assert Event.objects.get(ticket=ticket, kind="priority").data["new"] == "P2"
    assert not SlaEscalation.objects.filter(handled_at__isnull=True).exists()


def test_move_tier_goes_to_the_first_queue_of_the_tier_unless_already_there(world, gold, ticket):
    rule(gold, 1, 0, "move_tier", {"tier": 2})
    rule(gold, 2, 30, "move_tier", {"tier": 2})

    assert run(paris("2026-03-09T15:31"))["ticket_escalations_applied"] == 1
    ticket.refresh_from_db()
    assert ticket.queue.code == "hardware"  # tier 2: hardware before software

    result = run(paris("2026-03-09T16:01"))
    assert (result["ticket_escalations_applied"], result["ticket_escalations_skipped"]) == (0, 1)
    assert [e.get("applied") or e.get("skipped") for e in escalations(ticket)] == [
        {"queue": "hardware"},
        "already_in_tier",
    ]


def test_an_escalation_that_cannot_apply_is_recorded_and_handled(world, gold, ticket):
    gone = Queue.objects.create(code="gone", name="Gone", tier=2, created_at=MONDAY_10)
    rule(gold, 1, 0, "move_queue", {"queue": "gone"})
    gone.delete()  # removed after the rule was written
    result = run(paris("2026-03-09T15:31"))
    assert (result["ticket_escalations_applied"], result["ticket_escalations_skipped"]) == (0, 1)
    assert escalations(ticket)[0]["error"] == "No queue gone."
    ticket.refresh_from_db()
    assert ticket.queue.code == "level1"
    assert run(paris("2026-03-09T15:40"))["ticket_escalations_skipped"] == 0


def test_a_closed_ticket_is_not_escalated(world, gold, ticket):
    rule(gold, 1, 0, "raise_priority", {"to": "P1"})
    services.transition(SYSTEM, ticket.pk, "resolved", at=paris("2026-03-09T11:00"))
    services.transition(SYSTEM, ticket.pk, "closed", at=paris("2026-03-09T11:05"))
    # the clocks stopped with the ticket: nothing fires
    assert run(paris("2026-03-09T15:31"))["ticket_escalations_applied"] == 0
    ticket.refresh_from_db()
    assert ticket.priority == "P3"


def test_an_overdue_customer_update_is_flagged_once_per_clock_for_the_assignee(world, gold, ticket):
    agent = world.staff[Role.AGENT]
    services.assign(SYSTEM, ticket.pk, user_id=agent.pk, at=paris("2026-03-09T10:05"))
    # P3 update target 480 min from Monday 10:00 → Tuesday 09:30
    assert run(paris("2026-03-10T09:29"))["ticket_updates_overdue"] == 0
    OutboundEmail.objects.all().delete()

    assert run(paris("2026-03-10T09:31"))["ticket_updates_overdue"] == 1
    assert run(paris("2026-03-10T09:35"))["ticket_updates_overdue"] == 0

    (flag,) = Event.objects.filter(ticket=ticket, kind="update_overdue")
    update_clock = flag.data["clock"]
    assert flag.data == {
        "clock": update_clock,
        "deadline": "2026-03-10T08:30:00+00:00",
        "assignee": agent.pk,
    }
    mail = OutboundEmail.objects.get(purpose="ticket.update_overdue")
    assert (mail.to, mail.subject) == ("agent-user@example.com", f"[{ticket.number}] Customer update overdue")

    # When the agent updates the customer, a new cycle starts; its breach is flagged again
    services.add_message(SYSTEM, ticket.pk, body="We are on it", at=paris("2026-03-10T09:40"))
    assert run(paris("2026-03-11T09:09"))["ticket_updates_overdue"] == 0
    assert run(paris("2026-03-11T09:11"))["ticket_updates_overdue"] == 1
    flags = Event.objects.filter(ticket=ticket, kind="update_overdue").order_by("id")
    assert [f.data["deadline"] for f in flags] == ["2026-03-10T08:30:00+00:00", "2026-03-11T08:10:00+00:00"]
    assert flags[1].data["clock"] != update_clock


def test_a_resolved_ticket_has_no_overdue_update(world, gold, ticket):
    services.transition(SYSTEM, ticket.pk, "resolved", at=paris("2026-03-09T11:00"))
    assert run(paris("2026-03-11T09:11"))["ticket_updates_overdue"] == 0
