"""SMS through the outbox: E.164 only, console and file backends chosen by SMS_BACKEND, refusals logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.notifications import queries, services, sms
from tournevis.notifications.models import OutboundSms

ACTOR = Actor.system("tests")
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class RefusingBackend:
    """A provider that rejects the number for good."""

    def send(self, to_e164: str, text: str, *, idempotency_key: str) -> str:
        raise sms.SmsRefused("21614: not a mobile number")


class DownBackend:
    def send(self, to_e164: str, text: str, *, idempotency_key: str) -> str:
        raise ConnectionError("provider unreachable")


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "tournevis.notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def test_a_queued_sms_is_written_by_the_file_backend(db, sms_file):
    with clock.frozen(T0):
        row = services.queue_sms(
            ACTOR,
            to="+33612345678",
            text="Votre technicien arrive à 14 h",
            purpose="ticket.visit",
            subject_ref="ticket:T-1",
        )
        assert services.deliver_outbox() == {"emails_sent": 0, "sms_sent": 1, "webhooks_sent": 0}

    assert sms.messages_in(sms_file) == [
        {
            "id": "file-1",
            "to": "+33612345678",
            "text": "Votre technicien arrive à 14 h",
            "idempotency_key": row.idempotency_key,
            "at": "2026-05-04T08:00:00+00:00",
        }
    ]
    assert row.idempotency_key.startswith(f"outbox-sms-{row.pk}-")
    sent = OutboundSms.objects.get()
    assert (sent.status, sent.attempts, sent.provider_id, sent.sent_at) == ("sent", 1, "file-1", T0)
    assert [(e.kind, e.attempt, e.outcome, e.recipient) for e in queries.delivery_log("ticket:T-1")] == [
        ("sms", 1, "sent", "+33612345678")
    ]
    assert AuditEvent.objects.get(action="sms.queue").after == {
        "to": "+33612345678",
        "purpose": "ticket.visit",
        "subject_ref": "ticket:T-1",
    }


def test_the_file_backend_does_not_append_a_key_twice(tmp_path):
    backend = sms.FileBackend(tmp_path / "out.jsonl")

    first = backend.send("+15145550123", "Hello", idempotency_key="k-1")
    again = backend.send("+15145550123", "Hello", idempotency_key="k-1")
    other = backend.send("+15145550123", "Bye", idempotency_key="k-2")

    assert (first, again, other) == ("file-1", "file-1", "file-2")
    assert [m["idempotency_key"] for m in sms.messages_in(tmp_path / "out.jsonl")] == ["k-1", "k-2"]


def test_the_console_backend_is_the_default(db, settings, capsys):
    if hasattr(settings, "SMS_BACKEND"):
        del settings.SMS_BACKEND
    row = services.queue_sms(
        ACTOR, to="+15145550123", text="Your ticket T-2 is resolved", purpose="ticket.resolved"
    )

    assert services.deliver_outbox()["sms_sent"] == 1

    assert (
        capsys.readouterr().out
        == f"SMS to +15145550123 [{row.idempotency_key}]: Your ticket T-2 is resolved\n"
    )
    assert OutboundSms.objects.get().provider_id == f"console:{row.idempotency_key}"


@pytest.mark.parametrize(
    "number",
    ["0612345678", "+33 6 12 34 56 78", "+0612345678", "33612345678", "+3361234567890123", "", "+12345"],
)
def test_a_number_not_in_e164_is_refused_and_nothing_is_queued(db, number):
    with pytest.raises(InvalidInput) as refused:
        services.queue_sms(ACTOR, to=number, text="Bonjour", purpose="test")

    assert refused.value.field == "to"
    assert OutboundSms.objects.count() == 0
    assert AuditEvent.objects.filter(action="sms.queue").count() == 0


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("   ", "text"), ("x" * 1601, "text")])
def test_an_empty_or_too_long_text_is_refused(db, text, field):
    with pytest.raises(InvalidInput) as refused:
        services.queue_sms(ACTOR, to="+33612345678", text=text, purpose="test")

    assert refused.value.field == field
    assert OutboundSms.objects.count() == 0


def test_a_provider_refusal_is_final_and_a_provider_outage_is_retried(db, settings):
    with clock.frozen(T0):
        refused = services.queue_sms(ACTOR, to="+33612345678", text="A", purpose="test", subject_ref="s")
        settings.SMS_BACKEND = "tests.notifications.test_sms.RefusingBackend"
        assert services.deliver_outbox()["sms_sent"] == 0
        retried = services.queue_sms(ACTOR, to="+33612345679", text="B", purpose="test", subject_ref="s")
        settings.SMS_BACKEND = "tests.notifications.test_sms.DownBackend"
        assert services.deliver_outbox()["sms_sent"] == 0

    rows = {r.pk: r for r in OutboundSms.objects.all()}
    assert (rows[refused.pk].status, rows[refused.pk].last_error) == (
        "failed",
        "SmsRefused: 21614: not a mobile number",
    )
    assert (rows[retried.pk].status, rows[retried.pk].last_error) == (
        "pending",
        "ConnectionError: provider unreachable",
    )
    assert rows[retried.pk].next_attempt_at == T0 + timedelta(minutes=1)
    assert [(e.outbox_id, e.outcome) for e in queries.delivery_log("s")] == [
        (refused.pk, "refused"),
        (retried.pk, "failed"),
    ]
