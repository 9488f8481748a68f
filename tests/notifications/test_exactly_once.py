"""Exactly once: one claim per row, a killed worker's row is sent by the next run with the same key, and two
concurrent deliverers (threads, PostgreSQL) send each row once to a real SMTP listener and SMS file."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.notifications import delivery, queries, services, sms
from tournevis.notifications.domain import Kind
from tournevis.notifications.models import OutboundEmail, OutboundSms

ACTOR = Actor.system("tests")
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=300)


class Killed(BaseException):
    """Stands for the worker process dying (SIGKILL): nothing after it runs."""


def queue(n: int = 0) -> OutboundEmail:
    return services.queue_email(
        ACTOR,
        to=f"client{n}@banque.example",
        subject=f"Mail {n}",
        body="B",
        purpose="test",
        subject_ref=f"s{n}",
    )


def test_a_row_claimed_by_a_live_worker_is_not_taken_by_another(db, smtp):
    with clock.frozen(T0):
        row = queue()
        assert delivery.claim_row(Kind.EMAIL, row.pk, "worker-a") is not None
        assert delivery.claim_row(Kind.EMAIL, row.pk, "worker-b") is None
    with clock.frozen(T0 + LEASE - timedelta(seconds=1)):
        assert services.deliver_outbox()["emails_sent"] == 0

    assert smtp.messages == []
    held = OutboundEmail.objects.get()
    assert (held.status, held.attempts, held.claimed_by, held.claimed_until) == (
        "pending",
        1,
        "worker-a",
        T0 + LEASE,
    )


def test_a_row_claimed_by_a_killed_worker_is_sent_once_by_the_next_run_with_the_same_message_id(db, smtp):
    # Given a worker that claimed the row and died before sending it
    with clock.frozen(T0):
        row = queue()
        delivery.claim_row(Kind.EMAIL, row.pk, "host:1234:dead")

    # When the next run comes after the lease ended
    with clock.frozen(T0 + LEASE + timedelta(seconds=1)):
        assert services.deliver_outbox()["emails_sent"] == 1
        assert services.deliver_outbox()["emails_sent"] == 0

    # Then the message left exactly once, with the Message-ID fixed when it was queued
    (message,) = smtp.messages
    assert message["Message-ID"] == row.message_id
    sent = OutboundEmail.objects.get()
    assert (sent.status, sent.attempts, sent.claimed_by, sent.claimed_until) == ("sent", 2, "", None)
    log = queries.delivery_log("s0")
    assert [(e.attempt, e.outcome, e.at) for e in log] == [
        (1, "interrupted", T0 + LEASE + timedelta(seconds=1)),
        (2, "sent", T0 + LEASE + timedelta(seconds=1)),
    ]
    assert log[0].error == (
        "worker host:1234:dead did not report before its lease ended at 2026-05-04T08:05:00+00:00 (killed?);"
        " the message may have left: it is sent again with the same key"
    )


def test_a_worker_killed_after_the_smtp_server_accepted_resends_the_same_message_id(db, smtp, monkeypatch):
    # Given a worker killed between the server's acceptance and the commit of the outcome
    record = delivery._record

    def killed(*args, **kwargs):
        raise Killed

    with clock.frozen(T0):
        row = queue()
        monkeypatch.setattr(delivery, "_record", killed)
        with pytest.raises(Killed):
            services.deliver_outbox()
    monkeypatch.setattr(delivery, "_record", record)

    # When the next run comes after the lease ended
    with clock.frozen(T0 + LEASE + timedelta(seconds=1)):
        assert services.deliver_outbox()["emails_sent"] == 1

    # Then the receiver got two copies carrying one Message-ID, which it deduplicates on
    assert [m["Message-ID"] for m in smtp.messages] == [row.message_id, row.message_id]
    assert OutboundEmail.objects.get().status == "sent"
    assert [(e.attempt, e.outcome) for e in queries.delivery_log("s0")] == [(1, "interrupted"), (2, "sent")]


def test_an_sms_resent_after_a_kill_reaches_an_idempotent_provider_once(db, settings, tmp_path, monkeypatch):
    settings.SMS_BACKEND = "tournevis.notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    record = delivery._record

    def killed(*args, **kwargs):
        raise Killed

    with clock.frozen(T0):
        row = services.queue_sms(
            ACTOR, to="+33612345678", text="Arrivée 14 h", purpose="test", subject_ref="s"
        )
        monkeypatch.setattr(delivery, "_record", killed)
        with pytest.raises(Killed):
            services.deliver_outbox()
    monkeypatch.setattr(delivery, "_record", record)
    with clock.frozen(T0 + LEASE + timedelta(seconds=1)):
        assert services.deliver_outbox()["sms_sent"] == 1

    assert [(m["id"], m["idempotency_key"]) for m in sms.messages_in(tmp_path / "sms.jsonl")] == [
        ("file-1", row.idempotency_key)
    ]
    assert (OutboundSms.objects.get().status, OutboundSms.objects.get().provider_id) == ("sent", "file-1")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliverers_send_each_row_once(smtp, settings, tmp_path):
    # Given 40 e-mails and 40 SMS due
    settings.SMS_BACKEND = "tournevis.notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    mails = [queue(n) for n in range(40)]
    texts = [
        services.queue_sms(ACTOR, to=f"+3361234{n:04d}", text=f"SMS {n}", purpose="test") for n in range(40)
    ]
    start = threading.Barrier(2)
    done: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(10)
            done.append(services.deliver_outbox(limit=100))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # When two workers deliver at the same time
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Then every message arrived exactly once and every row is sent after one attempt
    assert errors == []
    assert len(done) == 2
    assert sum(d["emails_sent"] for d in done) == 40
    assert sum(d["sms_sent"] for d in done) == 40
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(m.message_id for m in mails)
    assert sorted(m["idempotency_key"] for m in sms.messages_in(tmp_path / "sms.jsonl")) == sorted(
        t.idempotency_key for t in texts
    )
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert set(OutboundSms.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_row_whose_last_attempt_was_interrupted_gives_up(db, smtp, settings):
    # Given a row that killed its worker on each of its 8 attempts
    with clock.frozen(T0):
        row = queue()
    at = T0
    for n in range(8):
        with clock.frozen(at):
            assert delivery.claim_row(Kind.EMAIL, row.pk, f"host:{n}:dead") is not None
        at += LEASE + timedelta(seconds=1)

    # When the next run finds the last lease expired
    with clock.frozen(at):
        assert services.deliver_outbox()["emails_sent"] == 0

    # Then the row is failed, nothing was sent, and the log shows 8 interrupted attempts
    kept = OutboundEmail.objects.get()
    assert (kept.status, kept.attempts, kept.claimed_by, kept.claimed_until) == ("failed", 8, "", None)
    assert kept.last_error.endswith("; no attempt left after 8")
    assert [(e.attempt, e.outcome) for e in queries.delivery_log("s0")] == [
        (n, "interrupted") for n in range(1, 9)
    ]
    assert smtp.messages == []
