"""The e-mail outbox delivers through a real SMTP listener and keeps what it could not send."""

from __future__ import annotations

import io
import socket
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.notifications import services
from tournevis.notifications.models import OutboundEmail

ACTOR = Actor.system("tests")


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[override]
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.DEFAULT_FROM_EMAIL = "Tournevis <noreply@tournevis.test>"
    yield inbox
    controller.stop()


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
        "preventive_work_orders_created=0, emails_sent=1\n"
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
