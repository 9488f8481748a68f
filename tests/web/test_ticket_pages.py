"""Ticket pages: the inbox (scoping, filters, SLA countdowns, polling), the ticket page (thread, clocks,
entitlement, timeline), its forms (one service call each; bad input re-renders with the field error and
writes nothing), phone intake and the customer's new-ticket form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10, gold  # noqa: F401 (a fixture)
from tests.web.markup import attribute, document, find, find_all, rows, text
from tests.web.test_pages import client_for, french_catalogue  # noqa: F401 (a fixture)
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.customers import services as customer_services
from tournevis.customers.models import Contact
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.tickets import services
from tournevis.tickets.attachments import NewAttachment
from tournevis.tickets.models import Event, Link, Message, Ticket

HALF_PAST = MONDAY_10 + timedelta(minutes=30)  # 10:30 in Paris, response due at 11:00


def _ticket(world: World, **changes: object) -> Ticket:
    values: dict[str, object] = {
        "title": "Counter jams on 50 EUR notes",
        "description": "Jams every 20 notes",
        "channel": "portal",
        "service_object_id": world.a.machine.pk,
        "contact_id": world.a.contact.pk,
        "priority": "P2",
        "at": MONDAY_10,
        **changes,
    }
    return services.open_ticket(SYSTEM, **values)  # type: ignore[arg-type]


def _inbox_rows(client: Client, query: str = "") -> list[list[str]]:
    tables = find_all(document(client.get(f"/tickets/{query}")), "table", id="tickets")
    return rows(tables[0]) if tables else []


def _snapshot(ticket: Ticket) -> tuple[object, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.priority,
        ticket.queue_id,
        ticket.assignee_id,
        ticket.version,
        Message.objects.filter(ticket=ticket).count(),
        Event.objects.filter(ticket=ticket).count(),
        AuditEvent.objects.count(),
    )


# --- Inbox -----------------------------------------------------------------------------------------


def test_the_inbox_shows_queues_rows_and_the_nearest_sla_countdown(world: World, gold) -> None:  # noqa: F811
    covered = _ticket(world)
    _ticket(
        world,
        title="Printer offline",
        service_object_id=None,
        contact_id=None,
        site_id=world.b.site.pk,
        priority="P4",
    )
    agent = client_for("agent-user")
    with clock.frozen(HALF_PAST):
        page = document(agent.get("/tickets/"))
    assert rows(find(page, "table", id="tickets")) == [
        [
            "T-2026-000001",
            "Counter jams on 50 EUR notes",
            "Alpha Bank",
            "Counter",
            "P2",
            "New",
            "—",
            "First response: 30 min",
        ],
        ["T-2026-000002", "Printer offline", "Beta Bank", "—", "P4", "New", "—", "—"],
    ]
    sla = find(find(page, "tr", data_ticket_id=str(covered.pk)), "span", class_="sla")
    assert attribute(sla, "data-level") == "running"
    assert text(find(page, id="ticket-count")) == "2 tickets"
    assert [text(a) for a in find_all(find(page, "nav", id="queues"), "a")] == [
        "All queues",
        "Level 1 - general questions 2",
        "Triage 0",
        "Hardware specialists 0",
        "Software specialists 0",
    ]
    rows_div = find(page, "div", id="ticket-rows")
    assert (attribute(rows_div, "hx-get"), attribute(rows_div, "hx-trigger")) == (
        "/tickets/rows/",
        "every 15s",
    )
    assert attribute(find(page, "a", id="nav-tickets"), "aria-current") == "page"

    with clock.frozen(MONDAY_10 + timedelta(hours=1, minutes=30)):
        late = document(agent.get("/tickets/rows/?priority=P2", headers={"HX-Request": "true"}))
    assert find_all(late, "html") == []
    assert rows(find(late, "table", id="tickets"))[0][-1] == "First response: breached"
    assert attribute(find(late, "span", class_="sla"), "data-level") == "breached"
    assert attribute(find(late, "div", id="ticket-rows"), "hx-get") == "/tickets/rows/?priority=P2"


def test_the_inbox_filters_by_status_priority_queue_assignee_customer_and_text(world: World) -> None:
    first = _ticket(world)
    second = _ticket(
        world,
        title="Printer offline",
        service_object_id=None,
        contact_id=None,
        site_id=world.b.site.pk,
        priority="P4",
    )
    agent = world.staff[Role.AGENT]
    services.assign(actor_for(agent), first.pk, user_id=agent.pk)
    services.transition(SYSTEM, second.pk, "resolved")
    client = client_for("agent-user")

    def numbers(query: str) -> list[str]:
        return [row[0] for row in _inbox_rows(client, query)]

    assert numbers("") == ["T-2026-000001"]  # open tickets only by default
    assert numbers("?status=all") == ["T-2026-000001", "T-2026-000002"]
    assert numbers("?status=resolved") == ["T-2026-000002"]
    assert numbers("?status=all&priority=P4") == ["T-2026-000002"]
    assert numbers("?mine=me") == ["T-2026-000001"]
    assert numbers("?status=all&mine=unassigned") == ["T-2026-000002"]
    assert numbers(f"?status=all&customer={world.b.customer.pk}") == ["T-2026-000002"]
    assert numbers("?status=all&q=printer") == ["T-2026-000002"]
    assert numbers("?status=all&q=T-2026-000001") == ["T-2026-000001"]
    assert numbers("?queue=hardware") == []
    assert numbers("?status=bogus&priority=P9&customer=x") == [
        "T-2026-000001"
    ]  # unknown values filter nothing


def test_customers_see_their_own_tickets_and_technicians_their_assigned_ones(world: World) -> None:
    first = _ticket(world)
    _ticket(world, title="Printer offline", service_object_id=None, contact_id=None, site_id=world.b.site.pk)
    technician = world.staff[Role.TECHNICIAN]
    services.assign(SYSTEM, first.pk, user_id=technician.pk)

    alpha = document(client_for("alpha-user").get("/tickets/"))
    assert rows(find(alpha, "table", id="tickets")) == [
        ["T-2026-000001", "Counter jams on 50 EUR notes", "Counter", "P2", "Assigned", "—"]
    ]
    assert find_all(alpha, "nav", id="queues") == []
    assert find_all(alpha, "select", name="mine") == []
    assert [text(a) for a in find_all(alpha, "a", id="nav-tickets")] == ["Tickets"]
    assert text(find(alpha, "a", id="new-ticket")) == "New ticket"
    assert [row[0] for row in _inbox_rows(client_for("beta-user"))] == ["T-2026-000002"]
    assert [row[0] for row in _inbox_rows(client_for("technician-user"))] == ["T-2026-000001"]


def test_the_inbox_keeps_to_its_query_budget(world: World, gold, django_assert_max_num_queries) -> None:  # noqa: F811
    for n in range(12):
        _ticket(world, title=f"Ticket {n}")
    agent = client_for("agent-user")
    with clock.frozen(HALF_PAST), django_assert_max_num_queries(12):
        response = agent.get("/tickets/")
    assert len(rows(find(document(response), "table", id="tickets"))) == 12


# --- Ticket page -----------------------------------------------------------------------------------


def test_the_ticket_page_shows_header_thread_clocks_entitlement_object_and_timeline(
    world: World,
    gold,  # noqa: F811
) -> None:
    ticket = _ticket(world)
    with clock.frozen(MONDAY_10 + timedelta(minutes=5)):
        services.add_message(actor_for(world.staff[Role.AGENT]), ticket.pk, body="Looking", public=False)
    with clock.frozen(HALF_PAST):
        page = document(client_for("agent-user").get(f"/tickets/{ticket.pk}/"))
    assert text(find(page, "h1")) == "T-2026-000001 Counter jams on 50 EUR notes"
    assert text(find(page, id="status")) == "New"
    assert {
        name: text(find(page, "dd", id=f"info-{name}"))
        for name in ("priority", "queue", "assignee", "channel", "customer", "object", "entitlement")
    } == {
        "priority": "P2 – severely degraded",  # noqa: RUF001 (an en dash)
        "queue": "Level 1 - general questions",
        "assignee": "—",
        "channel": "Portal",
        "customer": "Alpha Bank",
        "object": "Counter ALPHA-0001",
        "entitlement": f"{gold['contract'].number} · covered: site",
    }
    assert (
        attribute(find(find(page, "dd", id="info-object"), "a"), "href") == f"/objects/{world.a.machine.pk}/"
    )
    messages = find_all(page, "li", class_="message")
    assert [(attribute(m, "data-public"), "internal" in attribute(m, "class")) for m in messages] == [
        ("true", False),
        ("false", True),
    ]
    assert text(find(messages[1], "div", class_="body")) == "Looking"
    thread = find(page, "section", id="thread")
    assert (attribute(thread, "hx-get"), attribute(thread, "hx-trigger")) == (
        f"/tickets/{ticket.pk}/thread/",
        "every 10s",
    )
    assert rows(find(page, "table", id="clock-table")) == [
        ["First response", "Running", "09/03/2026 11:00 Europe/Paris", "30 min"],
        ["On-site arrival", "Running", "09/03/2026 15:30 Europe/Paris", "3 h 30 min"],
        ["Customer update", "Running", "10/03/2026 09:30 Europe/Paris", "7 h 30 min"],
        ["Resolution", "Running", "11/03/2026 09:00 Europe/Paris", "15 h 30 min"],
    ]
    assert [text(find(li, "span", class_="what")) for li in find_all(find(page, id="events"), "li")] == [
        "Created by Portal in queue level1, priority P2",
        "Automatic assignment: No agent of the queue is on shift with the skills and capacity.",
        "Internal note added",
    ]
    assert [text(o) for o in find_all(find(page, "select", name="status"), "option")] == [
        "Triaged",
        "Assigned",
        "In progress",
        "Resolved",
        "Closed",
    ]


def test_a_customer_never_sees_internal_messages_nor_another_customers_ticket(world: World) -> None:
    ticket = _ticket(world)
    agent = actor_for(world.staff[Role.AGENT])
    services.add_message(agent, ticket.pk, body="Secret diagnosis", public=False)
    internal = services.add_message(
        agent, ticket.pk, body="log", public=False, attachments=[NewAttachment("log.txt", "text/plain", b"x")]
    )
    public = services.add_message(
        agent, ticket.pk, body="On our way", attachments=[NewAttachment("plan.txt", "text/plain", b"plan")]
    )
    alpha, beta = client_for("alpha-user"), client_for("beta-user")

    page = alpha.get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200
    assert b"Secret diagnosis" not in page.content and b"log.txt" not in page.content
    bodies = [text(find(m, "div", class_="body")) for m in find_all(document(page), "li", class_="message")]
    assert bodies == ["Jams every 20 notes", "On our way"]
    assert find_all(document(page), "input", value="internal") == []
    assert find_all(document(page), "section", id="timeline") == []
    assert find_all(document(page), "form", id="assign-form") == []
    thread = alpha.get(f"/tickets/{ticket.pk}/thread/")
    assert b"Secret diagnosis" not in thread.content and b"On our way" in thread.content
    files = {a.filename: a.pk for a in ticket.attachments.all()}
    download = alpha.get(f"/tickets/{ticket.pk}/attachments/{files['plan.txt']}/")
    assert (download.status_code, download.content, download["X-Content-Type-Options"]) == (
        200,
        b"plan",
        "nosniff",
    )
    assert download["Content-Disposition"] == 'attachment; filename="plan.txt"'
    assert alpha.get(f"/tickets/{ticket.pk}/attachments/{files['log.txt']}/").status_code == 404
    assert internal.public is False and public.public is True

    before = _snapshot(ticket)
    for url in ("", "thread/", f"attachments/{files['plan.txt']}/"):
        response = beta.get(f"/tickets/{ticket.pk}/{url}")
        assert response.status_code == 404
        assert b"Counter jams" not in response.content
    assert beta.post(f"/tickets/{ticket.pk}/reply/", {"body": "hi"}).status_code == 404
    assert alpha.post(f"/tickets/{ticket.pk}/transition/", {"status": "closed"}).status_code == 404
    assert alpha.post(f"/tickets/{ticket.pk}/assign/", {"who": "auto"}).status_code == 404
    assert _snapshot(ticket) == before


def test_pages_answer_403_to_staff_roles_without_the_permission(world: World) -> None:
    ticket = _ticket(world)
    before = _snapshot(ticket)
    technician, dispatcher = client_for("technician-user"), client_for("dispatcher-user")
    services.assign(SYSTEM, ticket.pk, user_id=world.staff[Role.TECHNICIAN].pk)
    before = _snapshot(ticket)
    assert technician.get(f"/tickets/{ticket.pk}/").status_code == 200
    assert technician.post(f"/tickets/{ticket.pk}/assign/", {"who": "me"}).status_code == 403
    assert technician.post(f"/tickets/{ticket.pk}/update/", {"priority": "P1"}).status_code == 403
    assert dispatcher.post(f"/tickets/{ticket.pk}/transition/", {"status": "in_progress"}).status_code == 403
    assert technician.get("/tickets/phone/").status_code == 403
    assert client_for("agent-user").get("/tickets/new/").status_code == 403
    assert _snapshot(ticket) == before
    other = _ticket(world, title="Not theirs")
    assert technician.get(f"/tickets/{other.pk}/").status_code == 404
    assert Client().get("/tickets/")["Location"] == "/login/?next=/tickets/"


def test_a_public_reply_and_an_internal_note_are_posted_as_such(world: World) -> None:
    ticket = _ticket(world)
    agent = client_for("agent-user")
    response = agent.post(f"/tickets/{ticket.pk}/reply/", {"body": "We are on it", "visibility": "public"})
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{ticket.pk}/")
    agent.post(f"/tickets/{ticket.pk}/reply/", {"body": "Call the vendor", "visibility": "internal"})
    client_for("alpha-user").post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Thanks", "visibility": "internal"}
    )
    assert list(
        Message.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("body", "public", "from_customer", "channel", "author_label")
    ) == [
        ("Jams every 20 notes", True, True, "portal", "c@alpha.example"),
        ("We are on it", True, False, "back_office", "agent-user"),
        ("Call the vendor", False, False, "back_office", "agent-user"),
        ("Thanks", True, True, "portal", "alpha-user"),
    ]
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.version == 4


def test_an_empty_reply_re_renders_with_the_field_error_and_writes_nothing(world: World) -> None:
    ticket = _ticket(world)
    before = _snapshot(ticket)
    response = client_for("agent-user").post(
        f"/tickets/{ticket.pk}/reply/", {"body": "  ", "visibility": "internal"}
    )
    assert response.status_code == 422
    page = document(response)
    assert text(find(page, "p", id="error-body")) == "A message needs text or an attachment."
    assert "checked" in dict(find(page, "input", value="internal").attributes)
    assert _snapshot(ticket) == before


def test_a_transition_moves_the_status_and_a_forbidden_one_changes_nothing(world: World) -> None:
    ticket = _ticket(world)
    agent = client_for("agent-user")
    response = agent.post(
        f"/tickets/{ticket.pk}/transition/", {"status": "in_progress", "reason": "Started", "version": "1"}
    )
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{ticket.pk}/")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("in_progress", 2)
    assert Event.objects.filter(ticket=ticket, kind="status").get().data == {
        "old": "new",
        "new": "in_progress",
        "reason": "Started",
    }
    page = document(agent.get(f"/tickets/{ticket.pk}/"))
    assert [attribute(o, "value") for o in find_all(find(page, "select", name="status"), "option")] == [
        "assigned",
        "waiting_customer",
        "waiting_parts",
        "resolved",
    ]

    before = _snapshot(ticket)
    bad = agent.post(f"/tickets/{ticket.pk}/transition/", {"status": "closed", "version": "2"})
    assert bad.status_code == 422
    assert (
        text(find(document(bad), "p", id="error-status")) == "A ticket cannot go from in_progress to closed."
    )
    stale = agent.post(f"/tickets/{ticket.pk}/transition/", {"status": "resolved", "version": "1"})
    assert stale.status_code == 422
    assert text(find(document(stale), "p", id="error-transition-form")).startswith("This record changed")
    assert _snapshot(ticket) == before


def test_assignment_to_me_to_a_user_and_a_bad_choice(world: World) -> None:
    ticket = _ticket(world)
    agent = client_for("agent-user")
    response = agent.post(f"/tickets/{ticket.pk}/assign/", {"who": "me", "version": "1"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status, ticket.version) == (world.staff[Role.AGENT].pk, "assigned", 2)
    technician = world.staff[Role.TECHNICIAN]
    agent.post(
        f"/tickets/{ticket.pk}/assign/", {"who": "user", "user_id": str(technician.pk), "version": "2"}
    )
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status, ticket.version) == (technician.pk, "assigned", 3)

    before = _snapshot(ticket)
    for data, message in (
        ({"who": "user", "user_id": str(world.a.user.pk)}, f"No staff user with id {world.a.user.pk}."),
        ({"who": "user", "user_id": ""}, "Choose a user."),
    ):
        bad = agent.post(f"/tickets/{ticket.pk}/assign/", data)
        assert bad.status_code == 422
        assert text(find(document(bad), "p", id="error-assignee_id")) == message
    assert _snapshot(ticket) == before
    fresh = _ticket(world, title="Nobody on shift")
    before = _snapshot(fresh)
    bad = agent.post(f"/tickets/{fresh.pk}/assign/", {"who": "auto"})
    assert bad.status_code == 422
    assert text(find(document(bad), "p", id="error-assignee_id")) == (
        "No agent of the queue is on shift with the skills and capacity."
    )
    assert _snapshot(fresh) == before


def test_priority_and_queue_change_and_a_bad_queue_changes_nothing(world: World) -> None:
    ticket = _ticket(world)
    manager = client_for("manager-user")
    response = manager.post(
        f"/tickets/{ticket.pk}/update/", {"priority": "P1", "queue": "hardware", "version": "1"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.queue.code, ticket.version) == ("P1", "hardware", 2)
    assert [
        (e.kind, e.data["old"], e.data["new"])
        for e in Event.objects.filter(ticket=ticket, kind__in=("priority", "queue"))
    ] == [
        ("priority", "P2", "P1"),
        ("queue", "level1", "hardware"),
    ]
    before = _snapshot(ticket)
    bad = manager.post(
        f"/tickets/{ticket.pk}/update/", {"priority": "P3", "queue": "nowhere", "version": "2"}
    )
    assert bad.status_code == 422
    assert text(find(document(bad), "p", id="error-queue")) == "No queue nowhere."
    assert _snapshot(ticket) == before


# --- Merge, split, link ----------------------------------------------------------------------------


def _relations_state() -> tuple[object, ...]:
    return (
        list(
            Ticket.objects.order_by("id").values_list("number", "status", "merged_into_id", "split_from_id")
        ),
        list(Message.objects.order_by("id").values_list("id", "ticket_id")),
        list(Link.objects.values_list("source_id", "target_id", "kind")),
        Event.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_desk_sees_the_merge_split_and_link_forms_and_customers_do_not(world: World) -> None:
    ticket = _ticket(world)
    with clock.frozen(MONDAY_10 + timedelta(minutes=5)):
        services.add_message(
            actor_for(world.staff[Role.AGENT]), ticket.pk, body="Second problem", public=False
        )
    page = document(client_for("agent-user").get(f"/tickets/{ticket.pk}/"))
    assert [
        attribute(find(page, "form", id=f"{name}-form"), "action") for name in ("merge", "split", "link")
    ] == [
        f"/tickets/{ticket.pk}/merge/",
        f"/tickets/{ticket.pk}/split/",
        f"/tickets/{ticket.pk}/link/",
    ]
    assert [
        text(label) for label in find_all(find(page, "form", id="split-form"), "label", data_message_id=None)
    ] == [
        "c@alpha.example 09/03/2026 09:00 Jams every 20 notes",
        "agent-user 09/03/2026 09:05 Second problem",
    ]
    assert [
        attribute(i, "value") for i in find_all(find(page, "form", id="split-form"), "input", type="checkbox")
    ] == [str(m.pk) for m in Message.objects.filter(ticket=ticket).order_by("id")]
    assert [
        (attribute(o, "value"), text(o)) for o in find_all(find(page, "select", name="kind"), "option")
    ] == [
        ("related", "Related to"),
        ("duplicate", "Duplicate of"),
        ("caused_by", "Caused by"),
    ]
    for username in ("alpha-user", "technician-user"):
        services.assign(SYSTEM, ticket.pk, user_id=world.staff[Role.TECHNICIAN].pk)
        other = document(client_for(username).get(f"/tickets/{ticket.pk}/"))
        assert [find_all(other, "form", id=f"{name}-form") for name in ("merge", "split", "link")] == [
            [],
            [],
            [],
        ]


def test_merge_by_number_moves_the_thread_and_redirects_to_the_target(world: World) -> None:
    duplicate = _ticket(world)
    services.add_message(
        actor_for(world.staff[Role.AGENT]), duplicate.pk, body="Same as the other", public=False
    )
    target = _ticket(world, title="Counter down", description="Counter stopped")
    response = client_for("agent-user").post(
        f"/tickets/{duplicate.pk}/merge/", {"into_number": " t-2026-000002 "}
    )
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{target.pk}/")
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("closed", target.pk)
    assert list(Message.objects.filter(ticket=target).order_by("id").values_list("body", flat=True)) == [
        "Jams every 20 notes",
        "Same as the other",
        "Counter stopped",
    ]
    assert Message.objects.filter(ticket=duplicate).count() == 0
    page = document(client_for("agent-user").get(f"/tickets/{duplicate.pk}/"))
    assert text(find(page, "li", data_relation="merged_into")) == "Merged into T-2026-000002"
    assert find_all(page, "form", id="merge-form") == []


def test_a_bad_merge_target_re_renders_with_the_field_error_and_changes_nothing(world: World) -> None:
    ticket = _ticket(world)
    _ticket(world, title="Printer offline", service_object_id=None, contact_id=None, site_id=world.b.site.pk)
    agent = client_for("agent-user")
    before = _relations_state()
    for number, message in (
        ("T-2026-000099", "No ticket T-2026-000099."),
        ("", "Enter a ticket number."),
        ("T-2026-000001", "A ticket cannot be merged into itself."),
        ("T-2026-000002", "Only tickets of the same customer can be merged."),
    ):
        bad = agent.post(f"/tickets/{ticket.pk}/merge/", {"into_number": number})
        assert bad.status_code == 422
        page = document(bad)
        assert text(find(page, "p", id="error-into_number")) == message
        assert attribute(find(page, "input", name="into_number"), "value") == number
    assert _relations_state() == before


def test_split_moves_the_chosen_message_to_a_new_ticket(world: World) -> None:
    ticket = _ticket(world)
    agent_actor = actor_for(world.staff[Role.AGENT])
    moved = services.add_message(agent_actor, ticket.pk, body="Also the printer is down", public=False)
    services.add_message(agent_actor, ticket.pk, body="Looking at the counter", public=False)
    agent = client_for("agent-user")
    response = agent.post(
        f"/tickets/{ticket.pk}/split/", {"message_ids": [str(moved.pk)], "title": "Printer down"}
    )
    created = Ticket.objects.get(title="Printer down")
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{created.pk}/")
    assert (created.number, created.split_from_id, created.customer_id, created.priority) == (
        "T-2026-000002",
        ticket.pk,
        world.a.customer.pk,
        "P2",
    )
    assert list(Message.objects.filter(ticket=created).values_list("body", flat=True)) == [
        "Also the printer is down"
    ]
    assert list(Message.objects.filter(ticket=ticket).order_by("id").values_list("body", flat=True)) == [
        "Jams every 20 notes",
        "Looking at the counter",
    ]
    assert Event.objects.get(ticket=ticket, kind="split").data == {
        "into": "T-2026-000002",
        "messages": [moved.pk],
    }


def test_a_bad_split_re_renders_with_the_field_error_and_changes_nothing(world: World) -> None:
    ticket = _ticket(world)
    second = services.add_message(actor_for(world.staff[Role.AGENT]), ticket.pk, body="More", public=False)
    first = Message.objects.filter(ticket=ticket).order_by("id").first()
    assert first is not None
    agent = client_for("agent-user")
    before = _relations_state()
    for data, error_id, message in (
        ({"title": "Other"}, "error-message_ids", "Choose messages of this ticket to split off."),
        (
            {"message_ids": ["x"], "title": "Other"},
            "error-message_ids",
            "Choose messages of this ticket to split off.",
        ),
        (
            {"message_ids": [str(first.pk), str(second.pk)], "title": "Other"},
            "error-message_ids",
            "At least one message must stay on the ticket.",
        ),
        ({"message_ids": [str(second.pk)], "title": " "}, "error-title", "A ticket needs a title."),
    ):
        bad = agent.post(f"/tickets/{ticket.pk}/split/", data)
        assert bad.status_code == 422
        page = document(bad)
        assert text(find(page, "p", id=error_id)) == message
        checked = [
            attribute(i, "value")
            for i in find_all(find(page, "form", id="split-form"), "input", type="checkbox")
            if "checked" in dict(i.attributes)
        ]
        assert checked == [v for v in data.get("message_ids", []) if v != "x"]
    assert _relations_state() == before


def test_a_link_is_created_and_a_second_one_or_a_bad_kind_is_refused(world: World) -> None:
    ticket = _ticket(world)
    other = _ticket(
        world, title="Printer offline", service_object_id=None, contact_id=None, site_id=world.b.site.pk
    )
    agent = client_for("agent-user")
    response = agent.post(
        f"/tickets/{ticket.pk}/link/", {"target_number": "T-2026-000002", "kind": "caused_by"}
    )
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{ticket.pk}/")
    assert list(Link.objects.values_list("source_id", "target_id", "kind")) == [
        (ticket.pk, other.pk, "caused_by")
    ]
    page = document(agent.get(f"/tickets/{ticket.pk}/"))
    assert text(find(page, "li", data_relation="caused_by")) == "Caused by T-2026-000002 Printer offline"
    before = _relations_state()
    for data, error_id, message in (
        (
            {"target_number": "T-2026-000002", "kind": "caused_by"},
            "error-target_number",
            "These tickets are already linked.",
        ),
        ({"target_number": "T-2026-000002", "kind": "bogus"}, "error-kind", "Unknown link kind bogus."),
        (
            {"target_number": "T-2026-000001", "kind": "related"},
            "error-target_number",
            "A ticket cannot be linked to itself.",
        ),
        ({"target_number": "nope", "kind": "related"}, "error-target_number", "No ticket NOPE."),
    ):
        bad = agent.post(f"/tickets/{ticket.pk}/link/", data)
        assert bad.status_code == 422
        assert text(find(document(bad), "p", id=error_id)) == message
    assert _relations_state() == before


def test_customers_and_technicians_cannot_merge_split_or_link(world: World) -> None:
    ticket = _ticket(world)
    _ticket(world, title="Another")
    first = Message.objects.get(ticket=ticket)
    services.assign(SYSTEM, ticket.pk, user_id=world.staff[Role.TECHNICIAN].pk)
    before = _relations_state()
    for username, status in (
        ("alpha-user", 404),  # a customer user never learns what exists
        ("beta-user", 404),
        ("technician-user", 403),
        ("dispatcher-user", 403),
    ):
        client = client_for(username)
        for url, data in (
            ("merge", {"into_number": "T-2026-000002"}),
            ("split", {"message_ids": [str(first.pk)], "title": "Split"}),
            ("link", {"target_number": "T-2026-000002", "kind": "related"}),
        ):
            assert client.post(f"/tickets/{ticket.pk}/{url}/", data).status_code == status
    assert client_for("agent-user").get(f"/tickets/{ticket.pk}/merge/").status_code == 405
    assert _relations_state() == before


# --- Phone intake ----------------------------------------------------------------------------------


def test_phone_intake_finds_the_caller_and_opens_a_ticket(world: World) -> None:
    customer_services.update_contact(SYSTEM, world.a.contact.pk, {"phone": "+33 6 12 34 56 78"})
    existing = _ticket(world)
    agent = client_for("agent-user")
    fragment = document(agent.get("/tickets/phone/?phone=%2B33612345678", headers={"HX-Request": "true"}))
    assert find_all(fragment, "html") == []
    assert text(find(fragment, "h2", id="caller-title")) == "Calling: +33612345678"
    assert (
        text(find(fragment, "label", data_contact_id=str(world.a.contact.pk))) == "Alpha Contact · Alpha Bank"
    )
    assert [
        attribute(li, "data-ticket-id") for li in find_all(find(fragment, id="caller-tickets"), "li")
    ] == [str(existing.pk)]
    objects = [text(o) for o in find_all(find(fragment, "select", name="service_object_id"), "option")]
    assert objects == [
        "None",
        "Alpha Bank · Alpha HQ · Cash room",
        "Alpha Bank · Alpha HQ · Counter (ALPHA-0001)",
        "Alpha Bank · Alpha HQ · Feeder",
    ]
    response = agent.post(
        "/tickets/phone/",
        {
            "phone": "+33612345678",
            "contact_id": str(world.a.contact.pk),
            "title": "Counter beeps",
            "priority": "P1",
            "service_object_id": str(world.a.machine.pk),
        },
    )
    created = Ticket.objects.get(title="Counter beeps")
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{created.pk}/")
    assert (
        created.channel,
        created.contact_id,
        created.requester_phone,
        created.priority,
        created.service_object_id,
        created.customer_id,
    ) == ("phone", world.a.contact.pk, "+33612345678", "P1", world.a.machine.pk, world.a.customer.pk)


def test_phone_intake_refuses_a_bad_number_or_another_customers_object(world: World) -> None:
    customer_services.update_contact(SYSTEM, world.a.contact.pk, {"phone": "+33612345678"})
    agent = client_for("agent-user")
    lookup = document(agent.get("/tickets/phone/?phone=12", headers={"HX-Request": "true"}))
    assert text(find(lookup, "p", id="error-phone-lookup")) == "“12” is not a phone number."
    count = Ticket.objects.count()
    bad_number = agent.post("/tickets/phone/", {"phone": "12", "title": "x"})
    assert bad_number.status_code == 422
    assert text(find(document(bad_number), "p", id="error-phone")) == "“12” is not a phone number."
    wrong = agent.post(
        "/tickets/phone/",
        {
            "phone": "+33612345678",
            "contact_id": str(world.a.contact.pk),
            "title": "Beeps",
            "service_object_id": str(world.b.machine.pk),
        },
    )
    assert wrong.status_code == 422
    assert (
        text(find(document(wrong), "p", id="error-contact_id")) == "The contact belongs to another customer."
    )
    no_title = agent.post("/tickets/phone/", {"phone": "+33612345678", "contact_id": str(world.a.contact.pk)})
    assert text(find(document(no_title), "p", id="error-title")) == "A ticket needs a title."
    assert Ticket.objects.count() == count


def test_phone_intake_records_an_unknown_caller_as_a_contact_with_the_ticket(world: World) -> None:
    agent = client_for("agent-user")
    fragment = document(agent.get("/tickets/phone/?phone=%2B33699887766", headers={"HX-Request": "true"}))
    assert (
        text(find(fragment, "p", id="no-contact")) == "No contact has this number: the ticket goes to triage."
    )
    assert [text(o) for o in find_all(find(fragment, "select", name="customer_id"), "option")] == [
        "None (unknown caller)",
        "Alpha Bank",
        "Beta Bank",
    ]
    assert [text(o) for o in find_all(find(fragment, "select", name="site_id"), "option")] == [
        "None",
        "Alpha Bank · Alpha HQ",
        "Beta Bank · Beta HQ",
    ]
    assert attribute(find(fragment, "input", name="caller_name"), "form") == "phone-form"
    last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = agent.post(
        "/tickets/phone/",
        {
            "phone": "+33 6 99 88 77 66",
            "customer_id": str(world.a.customer.pk),
            "site_id": str(world.a.site.pk),
            "caller_name": "Jeanne Martin",
            "caller_email": "J.Martin@alpha.example",
            "title": "Safe door stuck",
            "priority": "P2",
        },
    )
    created = Ticket.objects.get(title="Safe door stuck")
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{created.pk}/")
    contact = Contact.objects.get(name="Jeanne Martin")
    assert (contact.customer_id, contact.site_id, contact.phone, contact.email, contact.language) == (
        world.a.customer.pk,
        world.a.site.pk,
        "+33699887766",
        "j.martin@alpha.example",
        "fr",
    )
    assert (
        created.channel,
        created.contact_id,
        created.customer_id,
        created.requester_phone,
        created.priority,
    ) == ("phone", contact.pk, world.a.customer.pk, "+33699887766", "P2")
    assert list(
        AuditEvent.objects.filter(id__gt=last_audit, action__in=("contact.create", "ticket.open"))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["contact.create", "ticket.open"]
    again = document(agent.get("/tickets/phone/?phone=%2B33699887766", headers={"HX-Request": "true"}))
    assert (
        text(find(again, "label", data_contact_id=str(contact.pk))) == "Jeanne Martin · Alpha Bank · Alpha HQ"
    )
    assert find_all(again, "section", id="new-contact") == []


def test_phone_intake_with_a_refused_ticket_or_contact_writes_nothing_at_all(world: World) -> None:
    agent = client_for("agent-user")
    before = (Contact.objects.count(), Ticket.objects.count(), AuditEvent.objects.count())
    base = {
        "phone": "+33699887766",
        "customer_id": str(world.a.customer.pk),
        "caller_name": "Jeanne Martin",
        "title": "Safe door stuck",
    }
    for changes, error_id, message in (
        ({"title": "  "}, "error-title", "A ticket needs a title."),
        ({"priority": "P9"}, "error-priority", "P9 is not a valid priority."),
        ({"caller_name": ""}, "error-caller_name", "This field is required."),
        ({"caller_email": "nope"}, "error-caller_email", "“nope” is not an e-mail address."),
        (
            {"site_id": str(world.b.site.pk)},
            "error-site_id",
            f"No site with id {world.b.site.pk} at this customer.",
        ),
        ({"customer_id": "999999"}, "error-customer_id", "No customer with id 999999."),
    ):
        bad = agent.post("/tickets/phone/", {**base, **changes})
        assert bad.status_code == 422
        page = document(bad)
        assert text(find(page, "p", id=error_id)) == message
        assert attribute(find(page, "input", name="caller_name"), "value") == changes.get(
            "caller_name", "Jeanne Martin"
        )
    assert (Contact.objects.count(), Ticket.objects.count(), AuditEvent.objects.count()) == before


# --- New ticket (customer users) -------------------------------------------------------------------


def test_a_customer_user_opens_a_ticket_on_its_own_equipment(world: World) -> None:
    alpha = client_for("alpha-user")
    page = document(alpha.get("/tickets/new/"))
    assert [text(o) for o in find_all(find(page, "select", name="priority"), "option")] == [
        "P3 – degraded",  # noqa: RUF001 (an en dash)
        "P4 – information or help",  # noqa: RUF001 (an en dash)
    ]
    assert len(find_all(find(page, "select", name="service_object_id"), "option")) == 4  # "—" and three
    response = alpha.post(
        "/tickets/new/",
        {"title": "Feeder noisy", "description": "Since Monday", "service_object_id": str(world.a.module.pk)},
    )
    created = Ticket.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/tickets/{created.pk}/")
    assert (
        created.channel,
        created.priority,
        created.customer_id,
        created.site_id,
        created.service_object_id,
    ) == (
        "portal",
        "P3",
        world.a.customer.pk,
        world.a.site.pk,
        world.a.module.pk,
    )


def test_the_new_ticket_form_refuses_p1_and_another_customers_equipment(world: World) -> None:
    alpha = client_for("alpha-user")
    urgent = alpha.post("/tickets/new/", {"title": "Down", "priority": "P1"})
    assert urgent.status_code == 422
    assert text(find(document(urgent), "p", id="error-priority")) == "Choose P3 or P4."
    other = alpha.post("/tickets/new/", {"title": "Down", "service_object_id": str(world.b.machine.pk)})
    assert other.status_code == 422
    assert text(find(document(other), "p", id="error-service_object_id")) == (
        f"No service object with id {world.b.machine.pk}."
    )
    assert attribute(find(document(other), "input", name="title"), "value") == "Down"
    assert Ticket.objects.count() == 0


@pytest.mark.usefixtures("french_catalogue")
def test_the_ticket_pages_speak_french(world: World, gold) -> None:  # noqa: F811
    ticket = _ticket(world)
    client = client_for("agent-user", language="fr")
    with clock.frozen(MONDAY_10 + timedelta(hours=2)):
        inbox = document(client.get("/tickets/"))
        page = document(client.get(f"/tickets/{ticket.pk}/"))
    headers = [text(th) for th in find_all(find(inbox, "table", id="tickets"), "th")]
    assert headers[0] == "Numéro" and headers[2] == "Client" and headers[4] == "Priorité"
    assert headers[5] == "Statut"
    assert [text(th) for th in find_all(find(page, "table", id="clock-table"), "th")][1:3] == [
        "État",
        "Échéance",
    ]
