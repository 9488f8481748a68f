"""The SMTP listener for real: aiosmtpd on a free loopback port, smtplib as the sending MTA.

Transactional tests: the listener's worker threads use their own database connections and must see
committed data.
"""

from __future__ import annotations

import importlib
import os
import smtplib
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.apps import apps
from django.db import DatabaseError, connection

from tests.tickets.conftest import MONDAY_10
from tournevis.core import clock
from tournevis.tickets import intake_smtp
from tournevis.tickets.intake_email import receive_email
from tournevis.tickets.models import Attachment, InboundEmail, IntakeCounter, Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURES = Path(__file__).parent / "fixtures" / "mail"
ROOT = Path(__file__).resolve().parents[2]
TO = ["support@tournevis.example"]


def eml(name: str) -> bytes:
    """The fixture as an MTA sends it: CRLF line ends (smtplib sends bytes as they are)."""
    return crlf((FIXTURES / name).read_bytes())


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def counters() -> dict[str, int]:
    return dict(IntakeCounter.objects.filter(channel="email").values_list("reason", "count"))


@pytest.fixture
def queues(world) -> None:
    """A transactional test starts from a flushed database: put back the queues the migration makes."""
    importlib.import_module("tournevis.tickets.migrations.0002_default_queues").create(apps, None)


@pytest.fixture
def listener(queues) -> Iterator[int]:
    port = free_port()
    with clock.frozen(MONDAY_10):
        controller = intake_smtp.start("127.0.0.1", port, "smtp", workers=2)
        try:
            yield port
        finally:
            intake_smtp.stop(controller)


def deliver(port: int, raw: bytes, sender: str = "c@alpha.example") -> tuple[int, bytes]:
    """One SMTP transaction; the server's reply to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo("mx.alpha.example")
        assert client.mail(sender)[0] == 250
        assert client.rcpt(TO[0])[0] == 250
        return client.data(raw)


def test_a_new_mail_makes_one_ticket_and_250_comes_after_the_commit(listener):
    code, text = deliver(listener, eml("alternative_fr.eml"))
    assert (code, text) == (250, b"2.0.0 Stored (ticket T-2026-000001)")
    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.channel, ticket.contact.email) == (
        "T-2026-000001",
        "email",
        "c@alpha.example",
    )
    assert InboundEmail.objects.get().outcome == "ticket"


def test_the_same_mail_three_times_makes_one_ticket_and_two_counted_duplicates(listener):
    replies = [deliver(listener, eml("alternative_fr.eml")) for _ in range(3)]
    assert replies == [
        (250, b"2.0.0 Stored (ticket T-2026-000001)"),
        (250, b"2.0.0 Stored (duplicate)"),
        (250, b"2.0.0 Stored (duplicate)"),
    ]
    assert (Ticket.objects.count(), Message.objects.count(), InboundEmail.objects.count()) == (1, 1, 1)
    assert counters() == {"duplicate": 2}


def test_a_reply_with_the_reference_in_the_subject_threads(listener):
    deliver(listener, eml("alternative_fr.eml"))
    assert deliver(listener, eml("reply.eml")) == (250, b"2.0.0 Stored (reply T-2026-000001)")
    assert Ticket.objects.count() == 1
    assert list(Message.objects.values_list("email_message_id", flat=True)) == [
        "5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example",
        "CAF=reply-1@mail.gmail.com",
    ]


def big_mail(size: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "c@alpha.example", TO[0], "Journal complet"
    msg["Message-ID"] = "<big-journal@alpha.example>"
    msg.set_content("Voici le journal complet de la machine.")
    msg.add_attachment(
        os.urandom(size), maintype="application", subtype="octet-stream", filename="journal.bin"
    )
    return crlf(msg.as_bytes())


def test_a_30_mb_attachment_is_refused_with_552_and_nothing_is_stored(listener):
    raw = big_mail(30 * 1000 * 1000)
    assert len(raw) > intake_smtp.max_bytes()
    with smtplib.SMTP("127.0.0.1", listener, timeout=120) as client:
        client.ehlo("mx.alpha.example")
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == 35 * 1024 * 1024
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # announced with SIZE= at MAIL FROM
            client.sendmail("c@alpha.example", TO, raw)
        assert refused.value.smtp_code == 552
        client.rset()
        assert client.mail("c@alpha.example")[0] == 250  # not announced: refused after DATA
        assert client.rcpt(TO[0])[0] == 250
        assert client.data(raw) == (552, b"Error: Too much mail data")
    assert (Ticket.objects.count(), InboundEmail.objects.count()) == (0, 0)


def test_an_attachment_over_the_attachment_limit_keeps_the_mail_text(listener, settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 1024 * 1024
    assert deliver(listener, big_mail(2 * 1024 * 1024)) == (250, b"2.0.0 Stored (ticket T-2026-000001)")
    message = Message.objects.get()
    assert message.body == (
        "Voici le journal complet de la machine.\n\n"
        "Attachment journal.bin (2097152 bytes) was not kept: the limit is 1048576 bytes."
    )
    assert Attachment.objects.count() == 0
    assert len(bytes(InboundEmail.objects.get().raw)) > 2 * 1024 * 1024
    assert counters() == {"attachment_refused": 1}


def test_malformed_mime_and_junk_are_accepted_kept_and_counted(listener):
    assert deliver(listener, eml("malformed.eml")) == (250, b"2.0.0 Stored (ticket T-2026-000001)")
    assert deliver(listener, eml("garbage.eml")) == (250, b"2.0.0 Stored (error)")
    assert list(InboundEmail.objects.order_by("id").values_list("outcome", "detail")) == [
        ("ticket", ""),
        ("error", "no sender address"),
    ]
    assert Message.objects.get().body == "La machine est en panne."
    assert counters() == {"unknown_sender": 1, "malformed": 1}


def test_an_auto_submitted_mail_and_a_bounce_make_no_ticket(listener):
    assert deliver(listener, eml("auto_reply.eml"), sender="pierre@alpha.example") == (
        250,
        b"2.0.0 Stored (ignored_auto)",
    )
    bounce_without_headers = b"From: mx@alpha.example\r\nSubject: failure\r\n\r\nUser unknown\r\n"
    assert deliver(listener, bounce_without_headers, sender="") == (250, b"2.0.0 Stored (ignored_bounce)")
    assert Ticket.objects.count() == 0
    assert counters() == {"auto_submitted": 1, "bounce": 1}


def test_a_database_refusal_answers_451_writes_nothing_and_the_resend_makes_one_ticket(queues):
    """The worker's database connection refuses the ticket's message insert on the first attempt."""
    attempts: list[int] = []

    def refusing(raw: bytes, mailbox: str):
        attempts.append(1)

        def refuse(execute, sql, params, many, context):
            if len(attempts) == 1 and 'INSERT INTO "tickets_message"' in sql:
                raise DatabaseError("could not extend file: No space left on device")
            return execute(sql, params, many, context)

        with connection.execute_wrapper(refuse):
            return receive_email(raw, mailbox)

    port = free_port()
    with clock.frozen(MONDAY_10):
        controller = intake_smtp.start("127.0.0.1", port, "smtp", receive=refusing, workers=1)
        try:
            first = deliver(port, eml("alternative_fr.eml"))
            assert first == (451, b"4.3.0 Temporary failure storing the message, please retry")
            assert (Ticket.objects.count(), InboundEmail.objects.count(), IntakeCounter.objects.count()) == (
                0,
                0,
                0,
            )
            assert deliver(port, eml("alternative_fr.eml")) == (250, b"2.0.0 Stored (ticket T-2026-000001)")
        finally:
            intake_smtp.stop(controller)
    assert (Ticket.objects.count(), Message.objects.count(), InboundEmail.objects.count()) == (1, 1, 1)


CHILD = """
import os, sys, time
import django
django.setup()
from django.db import transaction
from tournevis.tickets import intake_smtp
from tournevis.tickets.intake_email import receive_email

def killed_before_commit(raw, mailbox):
    with transaction.atomic():
        receive_email(raw, mailbox)  # everything written, not committed
        os._exit(9)  # the process dies here, as with kill -9

intake_smtp.start("127.0.0.1", int(sys.argv[1]), "smtp", receive=killed_before_commit, workers=1)
print("ready", flush=True)
time.sleep(120)
"""


@pytest.mark.postgres
def test_listener_killed_between_receipt_and_commit_loses_nothing_and_duplicates_nothing(queues):
    """A real process, killed after storing the ticket but before the commit: the client sees the
    connection drop (no 250), the database has nothing, and the retry makes exactly one ticket."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TOURNEVIS_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "tournevis.settings",
    }
    env["PYTHONPATH"] = str(ROOT / "src")
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(port)], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        with pytest.raises(smtplib.SMTPServerDisconnected):
            deliver(port, eml("alternative_fr.eml"))
        assert child.wait(timeout=30) == 9
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert (Ticket.objects.count(), InboundEmail.objects.count(), Message.objects.count()) == (0, 0, 0)
    port = free_port()
    controller = intake_smtp.start("127.0.0.1", port, "smtp", workers=1)
    try:
        assert deliver(port, eml("alternative_fr.eml"))[0] == 250
        assert deliver(port, eml("alternative_fr.eml")) == (250, b"2.0.0 Stored (duplicate)")
    finally:
        intake_smtp.stop(controller)
    assert (Ticket.objects.count(), InboundEmail.objects.count(), Message.objects.count()) == (1, 1, 1)
