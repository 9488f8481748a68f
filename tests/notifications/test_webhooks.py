"""Webhooks through the outbox, against a real local HTTP server: JSON body, Idempotency-Key, the answer kept
for the caller, redirects never followed, refusals final, failures retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.notifications.conftest import free_port
from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.notifications import queries, services
from tournevis.notifications.models import OutboundWebhook

ACTOR = Actor.system("tests")
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
ISSUE = {
    "title": "Counter GFS-220 rejects 50 € notes",
    "body": "Ticket T-2026-000042",
    "labels": ["customer"],
}


def test_a_webhook_is_posted_once_and_its_answer_is_readable_by_the_caller(db, receiver):
    # Given a tracker that answers 201 with the created issue
    created = {"number": 7, "html_url": "https://tracker.example/acme/counter/issues/7"}
    receiver.routes["/repos/acme/counter/issues"] = (
        201,
        {"Content-Type": "application/json"},
        json.dumps(created),
        0,
    )
    with clock.frozen(T0):
        hook = services.queue_webhook(
            ACTOR,
            url=f"{receiver.base}/repos/acme/counter/issues",
            body=ISSUE,
            purpose="tickets.bug_report",
            headers={"Authorization": "Bearer s3cret", "Accept": "application/vnd.github+json"},
            subject_ref="ticket:T-2026-000042",
        )

        # When the outbox is delivered (twice: the second run has nothing left)
        assert services.deliver_outbox() == {"emails_sent": 0, "sms_sent": 0, "webhooks_sent": 1}
        assert services.deliver_outbox() == {"emails_sent": 0, "sms_sent": 0, "webhooks_sent": 0}

    # Then the receiver got exactly one POST with the JSON body and the row's idempotency key
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/repos/acme/counter/issues", ISSUE)
    assert request.headers["Idempotency-Key"] == hook.idempotency_key
    assert hook.idempotency_key.startswith(f"outbox-webhook-{hook.pk}-")
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["Accept"] == "application/vnd.github+json"

    # And the caller reads the answer, then marks it handled exactly once
    (delivered,) = queries.delivered_webhooks("tickets.bug_report")
    assert (delivered.id, delivered.status, delivered.subject_ref, delivered.sent_at) == (
        hook.pk,
        201,
        "ticket:T-2026-000042",
        T0,
    )
    assert delivered.json()["html_url"] == "https://tracker.example/acme/counter/issues/7"
    assert queries.delivered_webhooks("tickets.bug_report", since_id=hook.pk) == []
    assert queries.delivered_webhooks("other.purpose") == []
    assert services.mark_webhook_handled(hook.pk) is True
    assert services.mark_webhook_handled(hook.pk) is False
    assert queries.delivered_webhooks("tickets.bug_report", unhandled=True) == []
    assert [(e.kind, e.outcome) for e in queries.delivery_log("ticket:T-2026-000042")] == [
        ("webhook", "sent")
    ]
    assert AuditEvent.objects.get(action="webhook.queue").after == {
        "url": f"{receiver.base}/repos/acme/counter/issues",
        "method": "POST",
        "purpose": "tickets.bug_report",
        "subject_ref": "ticket:T-2026-000042",
    }


def test_a_redirect_is_never_followed_and_is_recorded_with_its_location(db, receiver):
    elsewhere = f"{receiver.base}/elsewhere"
    receiver.routes["/hook"] = (302, {"Location": elsewhere}, "", 0)
    receiver.routes["/elsewhere"] = (200, {}, "{}", 0)
    with clock.frozen(T0):
        hook = services.queue_webhook(
            ACTOR, url=f"{receiver.base}/hook", body={"a": 1}, purpose="test", subject_ref="r"
        )
        assert services.deliver_outbox()["webhooks_sent"] == 0

    assert [r.path for r in receiver.requests] == ["/hook"]
    kept = OutboundWebhook.objects.get()
    assert (kept.status, kept.attempts, kept.response_status) == ("pending", 1, 302)
    assert kept.last_error == f"HTTP 302: redirect to {elsewhere} not followed"
    assert kept.next_attempt_at == T0 + timedelta(minutes=1)
    (entry,) = queries.delivery_log("r")
    assert (entry.outbox_id, entry.outcome, entry.error) == (hook.pk, "failed", kept.last_error)
    assert queries.delivered_webhooks("test") == []


def test_a_client_error_is_a_final_refusal_with_the_answer_kept(db, receiver):
    receiver.routes["/hook"] = (
        422,
        {"Content-Type": "application/json"},
        '{"message": "Validation Failed"}',
        0,
    )
    with clock.frozen(T0):
        services.queue_webhook(ACTOR, url=f"{receiver.base}/hook", body={}, purpose="test", subject_ref="r")
        services.deliver_outbox()
    with clock.frozen(T0 + timedelta(hours=1)):
        services.deliver_outbox()

    assert len(receiver.requests) == 1
    kept = OutboundWebhook.objects.get()
    assert (kept.status, kept.attempts, kept.response_status, kept.response_body) == (
        "failed",
        1,
        422,
        '{"message": "Validation Failed"}',
    )
    assert kept.last_error == 'HTTP 422: {"message": "Validation Failed"}'
    assert [e.outcome for e in queries.delivery_log("r")] == ["refused"]


def test_a_server_error_then_success_is_retried_with_the_same_key(db, receiver):
    receiver.routes["/hook"] = (503, {}, "maintenance", 0)
    with clock.frozen(T0):
        hook = services.queue_webhook(ACTOR, url=f"{receiver.base}/hook", body={"n": 1}, purpose="test")
        assert services.deliver_outbox()["webhooks_sent"] == 0
    receiver.routes["/hook"] = (200, {}, "ok", 0)
    with clock.frozen(T0 + timedelta(minutes=1)):
        assert services.deliver_outbox()["webhooks_sent"] == 1

    assert [r.headers["Idempotency-Key"] for r in receiver.requests] == [hook.idempotency_key] * 2
    kept = OutboundWebhook.objects.get()
    assert (kept.status, kept.attempts, kept.response_status, kept.response_body, kept.last_error) == (
        "sent",
        2,
        200,
        "ok",
        "",
    )


def test_no_listener_or_a_slow_receiver_is_a_failure_retried_later(db, receiver, settings):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.3
    receiver.routes["/slow"] = (200, {}, "late", 1.0)
    with clock.frozen(T0):
        services.queue_webhook(ACTOR, url=f"http://127.0.0.1:{free_port()}/x", body={}, purpose="test")
        services.queue_webhook(ACTOR, url=f"{receiver.base}/slow", body={}, purpose="test")
        assert services.deliver_outbox()["webhooks_sent"] == 0

    down, slow = OutboundWebhook.objects.order_by("id")
    assert (down.status, down.attempts) == ("pending", 1)
    assert down.last_error.startswith("ConnectionRefusedError")
    assert (slow.status, slow.attempts, slow.last_error) == ("pending", 1, "TimeoutError: timed out")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"url": "ftp://tracker.example/x"}, "url"),
        ({"url": "https:///no-host"}, "url"),
        ({"url": ""}, "url"),
        ({"method": "GET"}, "method"),
        ({"headers": {"Idempotency-Key": "mine"}}, "headers"),
        ({"headers": {"X-Token": "a\nb"}}, "headers"),
        ({"body": {"when": {1, 2}}}, "body"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_queued(db, kwargs, field):
    args = {"url": "https://tracker.example/hook", "body": {"a": 1}, "purpose": "test", **kwargs}

    with pytest.raises(InvalidInput) as refused:
        services.queue_webhook(ACTOR, **args)

    assert refused.value.field == field
    assert OutboundWebhook.objects.count() == 0
    assert AuditEvent.objects.filter(action="webhook.queue").count() == 0
