"""The e-mail outbox delivers through a real SMTP listener and keeps what it could not send."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest

from tests.notifications.conftest import free_port
from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.notifications import queries, services
from tournevis.notifications.models import DeliveryAttempt, OutboundEmail

ACTOR = Actor.system("tests")


def test_queued_mail_is_delivered_over_smtp(db, smtp):
    services.queue_email(
        ACTOR,
        to="marie@banque.example",
        subject="Réinitialisation",
        body="Bonjour Marie,",
        purpose="password_reset",
    )

    assert services.deliver_pending() == 1

    (message,) = smtp.messages
    assert (message["To"], message["From"]) == ("marie@banque.example", "Tournevis <noreply@tournevis.test>")
    assert str(make_header(decode_header(message["Subject"]))) == "Réinitialisation"
    assert message.get_payload(decode=True).decode() == "Bonjour Marie,\r\n"  # SMTP line ending
    sent = OutboundEmail.objects.get()
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    assert services.deliver_pending() == 0


def test_a_failed_delivery_is_kept_and_retried_later(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    start = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    with clock.frozen(start):
        services.queue_email(ACTOR, to="a@b.example", subject="S", body="B", purpose="test")
        assert services.deliver_pending() == 0

    kept = OutboundEmail.objects.get()
    assert (kept.status, kept.attempts) == ("pending", 1)
    assert kept.last_error.startswith("ConnectionRefusedError")
    assert kept.next_attempt_at == start + timedelta(minutes=1)
    with clock.frozen(start + timedelta(seconds=30)):
        assert services.deliver_pending() == 0
    assert OutboundEmail.objects.get().attempts == 1  # not yet due


def test_backoff_doubles_up_to_four_hours():
    assert [services.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 9, 20)] == [1, 2, 4, 240, 240]


def test_the_worker_tick_delivers_and_purges(db, smtp, settings):
    from django.core.management import call_command

    from tournevis.identity.models import LoginFailure

    old = datetime(2020, 1, 1, tzinfo=UTC)
    LoginFailure.objects.create(account="x", ip="127.0.0.1", at=old)
    services.queue_email(ACTOR, to="a@b.example", subject="S", body="B", purpose="test")
    out = io.StringIO()

    call_command("worker", "--once", stdout=out)

    assert out.getvalue() == (
        "login_failures_purged=1, idempotency_keys_purged=0, "
        "contracts_renewed=0, contracts_expired=0, contract_reminders_queued=0, sla_escalations_fired=0, "
        "ticket_escalations_applied=0, ticket_escalations_skipped=0, bug_links_stored=0, "
        "bug_answers_unreadable=0, ticket_updates_overdue=0, "
        "preventive_work_orders_created=0, loans_reminded=0, loan_reminder_emails=0, "
        "sla_clocks_resumed_after_parts=0, service_reports_built=0, service_reports_failed=0, "
        "mobile_operations_purged=0, "
        "emails_sent=1, sms_sent=0, webhooks_sent=0\n"
    )
    assert len(smtp.messages) == 1


def test_a_failing_worker_step_does_not_stop_the_others(db, smtp, monkeypatch, caplog):
    from tournevis.contracts import sla_services
    from tournevis.web.management.commands.worker import tick

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(sla_services, "tick", broken)
    services.queue_email(ACTOR, to="a@b.example", subject="S", body="B", purpose="test")

    done = tick()

    assert done["emails_sent"] == 1
    assert "sla_escalations_fired" not in done
    assert "worker step sla failed" in caplog.text


T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
THREAD_HEADERS = {
    "In-Reply-To": "<CAB123@mail.banque.example>",
    "References": "<CAA001@mail.banque.example> <CAB123@mail.banque.example>",
    "Auto-Submitted": "auto-replied",
    "Reply-To": "support+T-2026-000042@tournevis.test",
}


def test_a_mail_carries_its_stable_message_id_language_and_thread_headers(db, smtp):
    # Given an acknowledgement queued in French, answering the customer's message
    with clock.frozen(T0):
        queued = services.queue_email(
            ACTOR,
            to="marie@banque.example",
            subject="[T-2026-000042] Demande reçue",
            body="Bonjour,",
            purpose="ticket.ack",
            language="fr",
            headers=THREAD_HEADERS,
            subject_ref="ticket:T-2026-000042",
        )

    # Then its Message-ID is fixed at queue time, on the returned row
    assert re.fullmatch(rf"<outbox-{queued.pk}\.[0-9a-f]{{16}}@tournevis\.test>", queued.message_id)
    assert OutboundEmail.objects.get().message_id == queued.message_id

    # When it is delivered
    with clock.frozen(T0 + timedelta(seconds=5)):
        assert services.deliver_outbox() == {"emails_sent": 1, "sms_sent": 0, "webhooks_sent": 0}

    # Then the receiver sees exactly those headers
    (message,) = smtp.messages
    assert message["Message-ID"] == queued.message_id
    assert message["Content-Language"] == "fr"
    assert {name: message[name] for name in THREAD_HEADERS} == THREAD_HEADERS
    assert queries.delivery_log("ticket:T-2026-000042") == [
        queries.LogEntry(
            "email", queued.pk, 1, T0 + timedelta(seconds=5), "sent", "", "ticket.ack", "marie@banque.example"
        )
    ]
    (event,) = AuditEvent.objects.filter(action="email.queue")
    assert event.after == {
        "to": "marie@banque.example",
        "subject": "[T-2026-000042] Demande reçue",
        "purpose": "ticket.ack",
        "subject_ref": "ticket:T-2026-000042",
        "message_id": queued.message_id,
    }


def test_the_existing_keyword_signature_still_works(db):
    row = services.queue_email(ACTOR, to="a@b.example", subject="S", body="B", purpose="contract.renewal")

    assert (row.language, row.headers, row.subject_ref, row.status) == ("", {}, "", "pending")
    assert row.message_id.startswith(f"<outbox-{row.pk}.")


@pytest.mark.parametrize(
    ("headers", "to"),
    [
        ({"Subject": "Other"}, "a@b.example"),
        ({"message-id": "<x@y>"}, "a@b.example"),
        ({"X-Ticket": "T-1\r\nBcc: everyone@example.com"}, "a@b.example"),
        ({"Bad Name": "x"}, "a@b.example"),
        (["In-Reply-To"], "a@b.example"),
        ({}, "a@b.example\r\nBcc: x@y.example"),
        ({}, ""),
    ],
)
def test_bad_headers_or_address_are_refused_and_nothing_is_queued(db, headers, to):
    with pytest.raises(InvalidInput) as refused:
        services.queue_email(ACTOR, to=to, subject="S", body="B", purpose="test", headers=headers)

    assert refused.value.field == ("to" if headers == {} else "headers")
    assert OutboundEmail.objects.count() == 0
    assert AuditEvent.objects.filter(action="email.queue").count() == 0


def test_a_refused_recipient_is_not_retried_and_the_log_says_why(db, smtp):
    with clock.frozen(T0):
        row = services.queue_email(
            ACTOR, to="nobody@banque.example", subject="S", body="B", purpose="test", subject_ref="ticket:T-9"
        )
        assert services.deliver_outbox()["emails_sent"] == 0

    kept = OutboundEmail.objects.get()
    assert (kept.status, kept.attempts, kept.claimed_by, kept.claimed_until) == ("failed", 1, "", None)
    assert kept.last_error.startswith(
        "SMTPRecipientsRefused: {'nobody@banque.example': (550, b'5.1.1 Mailbox"
    )
    (entry,) = queries.delivery_log("ticket:T-9")
    assert (entry.outbox_id, entry.attempt, entry.outcome, entry.error) == (
        row.pk,
        1,
        "refused",
        kept.last_error,
    )
    with clock.frozen(T0 + timedelta(days=1)):
        assert services.deliver_outbox()["emails_sent"] == 0
    assert smtp.messages == []


def test_the_delivery_log_keeps_every_attempt_of_a_subject(db, settings):
    # Given a mail whose first attempt finds no SMTP server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with clock.frozen(T0):
        row = services.queue_email(
            ACTOR, to="a@b.example", subject="S", body="B", purpose="ticket.ack", subject_ref="ticket:T-1"
        )
        services.queue_email(ACTOR, to="c@d.example", subject="S", body="B", purpose="other", subject_ref="x")
        services.deliver_outbox()

    # When the second attempt succeeds (console backend)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with clock.frozen(T0 + timedelta(minutes=1)):
        assert services.deliver_outbox()["emails_sent"] == 2

    # Then the ticket's log shows both attempts, oldest first, and its outbox row is sent
    log = queries.delivery_log("ticket:T-1")
    assert [(e.kind, e.outbox_id, e.attempt, e.at, e.outcome) for e in log] == [
        ("email", row.pk, 1, T0, "failed"),
        ("email", row.pk, 2, T0 + timedelta(minutes=1), "sent"),
    ]
    assert log[0].error.startswith("ConnectionRefusedError")
    (item,) = queries.outbox_for("ticket:T-1")
    assert (item.kind, item.outbox_id, item.status, item.attempts, item.sent_at, item.key) == (
        "email",
        row.pk,
        "sent",
        2,
        T0 + timedelta(minutes=1),
        row.message_id,
    )
    assert DeliveryAttempt.objects.count() == 4
