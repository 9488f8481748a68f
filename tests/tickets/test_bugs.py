"""Bug hand-off against a real local HTTP server acting as the tracker: the issue is created through the
outbox (generic JSON and GitHub's REST format), its link is stored once, a redirect is never followed,
and the tracker's signed events mark the bug fixed and tell the customer."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tests.notifications.conftest import receiver  # noqa: F401  (the fixture: a real HTTP server)
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.notifications import queries as outbox_queries
from tournevis.notifications import services as outbox
from tournevis.notifications.models import OutboundEmail, OutboundWebhook
from tournevis.tickets import services, tasks
from tournevis.tickets.models import Event, IntakeCounter, Ticket

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
SECRET = "tracker-s3cret"
ISSUE = "https://github.com/acme/counter/issues/7"


@pytest.fixture
def ticket(world):
    with clock.frozen(T0):
        opened = services.open_ticket(
            SYSTEM,
            title="Counter rejects 50 EUR notes",
            description="Since firmware 4.2 every 50 EUR note is rejected.",
            channel="portal",
            service_object_id=world.a.machine.pk,
            contact_id=world.a.contact.pk,
            priority="P2",
        )
    OutboundEmail.objects.all().delete()  # the acknowledgement is not what these tests look at
    return opened


@pytest.fixture
def generic(settings, receiver):  # noqa: F811
    settings.TICKETS_BUG_TRACKER = {"kind": "generic", "url": f"{receiver.base}/bugs"}
    settings.TICKETS_BUG_WEBHOOK_SECRET = SECRET
    settings.TOURNEVIS_BASE_URL = "https://sav.example"
    return receiver


@pytest.fixture
def github(settings, receiver):  # noqa: F811
    settings.TICKETS_BUG_TRACKER = {
        "kind": "github",
        "url": f"{receiver.base}/repos/acme/counter/issues",
        "token": "ghp_t0ken",
        "labels": ["bug", "customer"],
    }
    settings.TICKETS_BUG_WEBHOOK_SECRET = SECRET
    settings.TOURNEVIS_BASE_URL = "https://sav.example"
    return receiver


def report(world, ticket, body=None):
    return call(api_client(world.staff[Role.AGENT]), "POST", f"/tickets/{ticket.pk}/bug", body or {})


def signed_post(client, payload, *, secret=SECRET, event="", header="X-Tournevis-Signature"):
    raw = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {header: signature if header == "X-Tournevis-Signature" else f"sha256={signature}"}
    if event:
        headers["X-GitHub-Event"] = event
    return client.post(
        "/api/v1/bug-tracker/events",
        data=raw,
        content_type="application/json",
        headers=headers,
    )


def bug_events(ticket):
    return [e.data for e in Event.objects.filter(ticket=ticket, kind="bug").order_by("id")]


def test_a_generic_tracker_gets_the_issue_and_its_link_is_stored_once(world, ticket, generic):
    generic.routes["/bugs"] = (201, {"Content-Type": "application/json"}, json.dumps({"url": ISSUE}), 0)

    # When an agent marks the ticket as a bug
    with clock.frozen(T0):
        response = report(world, ticket, {"summary": "Firmware 4.2 rejects 50 EUR notes"})

    # Then it is requested, and nothing leaves before the outbox runs
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["is_bug"], body["bug_state"], body["bug_url"], body["version"]) == (True, "requested", "", 2)
    assert generic.requests == []
    hook = OutboundWebhook.objects.get()
    assert (hook.purpose, hook.subject_ref, hook.headers) == ("ticket.bug", f"ticket:{ticket.number}", {})

    # When the outbox delivers it
    with clock.frozen(T0 + timedelta(seconds=5)):
        assert outbox.deliver_outbox()["webhooks_sent"] == 1

    # Then the tracker got the generic JSON body
    (request,) = generic.requests
    assert (request.method, request.path) == ("POST", "/bugs")
    assert request.body == {
        "ticket": ticket.number,
        "title": "Counter rejects 50 EUR notes",
        "description": "Firmware 4.2 rejects 50 EUR notes",
        "priority": "P2",
        "customer": "Alpha Bank",
        "object": {"id": world.a.machine.pk, "name": "Counter", "serial_number": "ALPHA-0001"},
        "link": f"https://sav.example/tickets/{ticket.pk}/",
    }

    # When the worker runs (twice)
    later = T0 + timedelta(minutes=1)
    first = tasks.tick(later)
    second = tasks.tick(later)

    # Then the link is stored once, with an Event and an audit record
    assert (first["bug_links_stored"], second["bug_links_stored"]) == (1, 0)
    ticket.refresh_from_db()
    assert (ticket.bug_state, ticket.bug_url, ticket.version) == ("open", ISSUE, 3)
    assert bug_events(ticket) == [
        {"state": "requested", "tracker": "generic", "webhook": hook.pk},
        {"state": "open", "url": ISSUE, "webhook": hook.pk},
    ]
    audit = AuditEvent.objects.get(action="ticket.bug_open")
    assert (audit.before["bug_state"], audit.after["bug_state"], audit.after["bug_url"]) == (
        "requested",
        "open",
        ISSUE,
    )

    # And the ticket cannot be reported twice while its issue is open
    again = report(world, ticket)
    assert fields_of(problem(again, 409)) == ["is_bug"]


def test_github_gets_the_rest_issue_format_and_the_html_url_is_kept(world, ticket, github):
    answer = {"number": 7, "url": "https://api.github.com/repos/acme/counter/issues/7", "html_url": ISSUE}
    github.routes["/repos/acme/counter/issues"] = (
        201,
        {"Content-Type": "application/json"},
        json.dumps(answer),
        0,
    )
    with clock.frozen(T0):
        assert report(world, ticket).status_code == 200
        outbox.deliver_outbox()

    (request,) = github.requests
    assert request.path == "/repos/acme/counter/issues"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["Authorization"] == "Bearer ghp_t0ken"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert request.body == {
        "title": f"[{ticket.number}] Counter rejects 50 EUR notes",
        "body": "\n".join(
            [
                "Since firmware 4.2 every 50 EUR note is rejected.",
                "",
                f"- Ticket: [{ticket.number}](https://sav.example/tickets/{ticket.pk}/)",
                "- Priority: P2",
                "- Customer: Alpha Bank",
                "- Object: Counter (S/N ALPHA-0001)",
            ]
        ),
        "labels": ["bug", "customer"],
    }
    assert tasks.tick(T0 + timedelta(minutes=1))["bug_links_stored"] == 1
    ticket.refresh_from_db()
    assert (ticket.bug_state, ticket.bug_url) == ("open", ISSUE)


def test_a_redirect_from_the_tracker_is_not_followed_and_the_ticket_stays_requested(world, ticket, generic):
    generic.routes["/bugs"] = (302, {"Location": f"{generic.base}/elsewhere"}, "", 0)
    generic.routes["/elsewhere"] = (201, {}, json.dumps({"url": ISSUE}), 0)
    with clock.frozen(T0):
        assert report(world, ticket).status_code == 200
        assert outbox.deliver_outbox()["webhooks_sent"] == 0

    assert [r.path for r in generic.requests] == ["/bugs"]
    assert tasks.tick(T0 + timedelta(minutes=1))["bug_links_stored"] == 0
    ticket.refresh_from_db()
    assert (ticket.bug_state, ticket.bug_url) == ("requested", "")
    (entry,) = outbox_queries.delivery_log(f"ticket:{ticket.number}")
    assert (entry.kind, entry.outcome, entry.error) == (
        "webhook",
        "failed",
        f"HTTP 302: redirect to {generic.base}/elsewhere not followed",
    )
    # the call is still pending (retried with backoff): a second report is refused
    assert fields_of(problem(report(world, ticket), 409)) == ["is_bug"]


def test_a_refused_call_may_be_reported_again(world, ticket, generic):
    generic.routes["/bugs"] = (400, {}, '{"message": "bad"}', 0)
    with clock.frozen(T0):
        report(world, ticket)
        outbox.deliver_outbox()
    assert OutboundWebhook.objects.get().status == "failed"

    with clock.frozen(T0 + timedelta(minutes=2)):
        again = report(world, ticket, {"summary": "Second try"})
    assert again.status_code == 200, again.content
    assert OutboundWebhook.objects.filter(status="pending").count() == 1


def test_an_answer_without_a_link_is_recorded_and_handled_once(world, ticket, generic):
    generic.routes["/bugs"] = (202, {}, "queued", 0)
    with clock.frozen(T0):
        report(world, ticket)
        outbox.deliver_outbox()
    assert tasks.tick(T0)["bug_answers_unreadable"] == 1
    assert tasks.tick(T0)["bug_answers_unreadable"] == 0
    ticket.refresh_from_db()
    assert ticket.bug_state == "requested"
    assert bug_events(ticket)[-1] == {
        "state": "no_link",
        "webhook": OutboundWebhook.objects.get().pk,
        "status": 202,
    }


def test_no_tracker_configured_is_a_conflict_and_writes_nothing(world, ticket, settings):
    settings.TICKETS_BUG_TRACKER = {}
    client = api_client(world.staff[Role.AGENT])
    before, audits = db_state(), audit_count()
    response = call(client, "POST", f"/tickets/{ticket.pk}/bug", {})
    assert fields_of(problem(response, 409)) == ["is_bug"]
    assert (db_state(), audit_count()) == (before, audits)


# --- Inbound events -------------------------------------------------------------------------------


@pytest.fixture
def open_bug(ticket, settings):
    settings.TICKETS_BUG_WEBHOOK_SECRET = SECRET
    Ticket.objects.filter(pk=ticket.pk).update(is_bug=True, bug_state="open", bug_url=ISSUE)
    ticket.refresh_from_db()
    return ticket


def test_a_released_fix_marks_the_bug_fixed_and_tells_the_customer_once(client, open_bug):
    with clock.frozen(T0):
        response = signed_post(client, {"issue_url": ISSUE, "state": "released"})
        repeated = signed_post(client, {"issue_url": ISSUE, "state": "released"})

    assert response.status_code == 200, response.content
    assert response.json() == {"outcome": "fixed", "tickets": [open_bug.number]}
    assert repeated.json() == {"outcome": "already_fixed", "tickets": []}
    open_bug.refresh_from_db()
    assert (open_bug.bug_state, open_bug.version) == ("fixed", 2)
    assert bug_events(open_bug) == [{"state": "fixed", "url": ISSUE, "link": ISSUE}]
    (mail,) = OutboundEmail.objects.all()
    assert (mail.to, mail.purpose) == ("c@alpha.example", "ticket.bug_fixed")
    assert mail.subject == f"[{open_bug.number}] Le correctif de votre problème est publié"
    assert ISSUE in mail.body
    assert AuditEvent.objects.get(action="ticket.bug_fixed").after["bug_state"] == "fixed"


def test_a_closed_github_issue_is_a_released_fix(client, open_bug):
    payload = {
        "action": "closed",
        "issue": {"number": 7, "html_url": ISSUE, "state": "closed", "state_reason": "completed"},
        "repository": {"html_url": "https://github.com/acme/counter"},
    }
    with clock.frozen(T0):
        response = signed_post(client, payload, event="issues", header="X-Hub-Signature-256")
    assert response.json() == {"outcome": "fixed", "tickets": [open_bug.number]}


def test_a_github_issue_closed_as_not_planned_or_reopened_changes_nothing(client, open_bug):
    before = db_state()
    for action, reason in (("closed", "not_planned"), ("reopened", None)):
        payload = {"action": action, "issue": {"html_url": ISSUE, "state_reason": reason}}
        response = signed_post(client, payload, event="issues")
        assert (response.status_code, response.json()["outcome"]) == (202, "ignored")
    assert db_state() == before


def test_a_github_release_naming_the_issue_fixes_it(client, open_bug):
    payload = {
        "action": "published",
        "release": {
            "tag_name": "v4.3",
            "html_url": "https://github.com/acme/counter/releases/tag/v4.3",
            "body": "## Fixes\n- Reject of 50 EUR notes (#7)\n- Unrelated #8",
            "draft": False,
            "prerelease": False,
        },
        "repository": {"html_url": "https://github.com/acme/counter"},
    }
    with clock.frozen(T0):
        response = signed_post(client, payload, event="release")
    assert response.json() == {"outcome": "fixed", "tickets": [open_bug.number]}
    (mail,) = OutboundEmail.objects.all()
    assert "https://github.com/acme/counter/releases/tag/v4.3" in mail.body


def test_an_unknown_issue_is_accepted_and_counted_only(client, open_bug):
    before, audits = db_state(), audit_count()
    response = signed_post(
        client, {"issue_url": "https://github.com/acme/counter/issues/99", "state": "released"}
    )
    assert (response.status_code, response.json()) == (202, {"outcome": "unknown_issue", "tickets": []})
    counter = IntakeCounter.objects.get(channel="bug_tracker", reason="unknown_issue")
    assert (counter.count, counter.last_detail) == (1, "https://github.com/acme/counter/issues/99")
    after = db_state()
    assert after.pop("tickets.IntakeCounter") == (1,)
    before.pop("tickets.IntakeCounter")
    assert (after, audit_count()) == (before, audits)


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_an_unsigned_or_badly_signed_event_is_refused_and_changes_nothing(client, open_bug, secret, world):
    before = db_state()
    payload = {"issue_url": ISSUE, "state": "released"}
    if secret:
        response = signed_post(client, payload, secret=secret)
    else:
        response = client.post("/api/v1/bug-tracker/events", data=payload, content_type="application/json")
    problem(response, 401)
    # a user's credentials are no signature either
    staff = api_client(world.staff[Role.ADMIN])
    before = db_state()
    assert call(staff, "POST", "/bug-tracker/events", payload).status_code == 401
    assert db_state() == before
    open_bug.refresh_from_db()
    assert open_bug.bug_state == "open"


def test_without_a_configured_secret_nothing_is_accepted(client, open_bug, settings):
    settings.TICKETS_BUG_WEBHOOK_SECRET = ""
    response = signed_post(client, {"issue_url": ISSUE, "state": "released"}, secret="")
    problem(response, 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"state": "released"}, "issue_url"), ({"issue_url": ISSUE}, "state"), ([1, 2], "body")],
)
def test_a_malformed_event_names_the_field(client, open_bug, payload, field):
    response = signed_post(client, payload)
    assert fields_of(problem(response, 422)) == [field]
