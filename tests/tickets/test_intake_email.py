"""receive_email: one ticket per mail, threading, dedupe, loops, bad input, checkpoint; in one transaction."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import SYSTEM
from tests.tickets.conftest import MONDAY_10
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import mail, services
from tournevis.tickets.intake_email import checkpoint_of, receive_email
from tournevis.tickets.models import (
    Attachment,
    AutoReply,
    InboundEmail,
    IntakeCounter,
    MailboxCheckpoint,
    Message,
    Ticket,
)

FIXTURES = Path(__file__).parent / "fixtures" / "mail"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def counters() -> dict[str, int]:
    return dict(IntakeCounter.objects.filter(channel="email").values_list("reason", "count"))


def compose(subject: str, body: str = "Bonjour", sender: str = "c@alpha.example", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "support@tournevis.example", subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_new_mail_from_a_known_contact_opens_one_ticket_for_the_customer_and_acknowledges(world):
    out = receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)
    ticket = Ticket.objects.get()
    assert (out.outcome, out.ticket_id, out.ticket_number) == ("ticket", ticket.pk, "T-2026-000001")
    assert (ticket.title, ticket.channel, ticket.customer_id, ticket.contact_id) == (
        "La compteuse bloque sur les billets de 50 € à l'accueil",
        "email",
        world.a.customer.pk,
        world.a.contact.pk,
    )
    assert (ticket.requester_email, ticket.queue.code, ticket.language) == ("c@alpha.example", "level1", "fr")
    [message] = ticket.messages.all()
    assert message.body.startswith("Bonjour,\n\nLa compteuse de l'accueil se bloque dès qu'on insère")
    assert (message.email_message_id, message.author_label, message.from_customer) == (
        "5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example",
        "Hélène Lefèvre <c@alpha.example>",
        True,
    )
    assert "<b>billets de 50 €</b>" in message.body_html
    row = InboundEmail.objects.get()
    assert (row.mailbox, row.dedupe_key, row.outcome, row.ticket_id, bytes(row.raw)) == (
        "smtp",
        "5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example",
        "ticket",
        ticket.pk,
        eml("alternative_fr.eml"),
    )
    assert list(OutboundEmail.objects.values_list("to", "purpose")) == [("c@alpha.example", "ticket.ack")]
    assert counters() == {}


def test_the_same_mail_three_times_makes_one_ticket_and_counts_two_duplicates(world):
    outcomes = [receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10).outcome for _ in range(3)]
    assert outcomes == ["ticket", "duplicate", "duplicate"]
    assert (Ticket.objects.count(), Message.objects.count(), InboundEmail.objects.count()) == (1, 1, 1)
    assert OutboundEmail.objects.count() == 1
    assert counters() == {"duplicate": 2}
    # another mailbox is another dedupe scope
    assert receive_email(eml("alternative_fr.eml"), "imap:other", at=MONDAY_10).outcome == "ticket"


def test_without_message_id_the_raw_hash_dedupes(world):
    raw = compose("Sans identifiant")
    assert b"Message-ID" not in raw
    assert [receive_email(raw, "smtp", at=MONDAY_10).outcome for _ in range(2)] == ["ticket", "duplicate"]
    assert InboundEmail.objects.get().dedupe_key.startswith("sha256:")


def test_reply_with_the_reference_threads_and_reopens_a_resolved_ticket(world):
    first = receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)
    ticket = Ticket.objects.get(pk=first.ticket_id)
    services.transition(SYSTEM, ticket.pk, "resolved", at=MONDAY_10)
    out = receive_email(eml("reply.eml"), "smtp", at=MONDAY_10 + timedelta(hours=1))
    assert (out.outcome, out.ticket_id) == ("reply", ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == "reopened"
    assert list(ticket.messages.values_list("body", "from_customer", "channel"))[-1] == (
        "Le problème revient ce matin.\n\n"
        "Le lun. 9 mars 2026 à 10:00, <support@tournevis.example> a écrit :\n> Bonjour,",
        True,
        "email",
    )
    assert OutboundEmail.objects.filter(purpose="ticket.ack").count() == 1  # no acknowledgement of replies


def test_reply_without_reference_threads_by_in_reply_to_and_references(world):
    first = receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)
    by_in_reply_to = compose(
        "Re: la compteuse", "Toujours en panne", In_Reply_To="<5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example>"
    )
    by_references = compose(
        "Re: Re: la compteuse",
        "Et maintenant ?",
        sender="tech@alpha.example",
        References="<unknown@x.example> <5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example>",
    )
    assert receive_email(by_in_reply_to, "smtp", at=MONDAY_10).outcome == "reply"
    assert receive_email(by_references, "smtp", at=MONDAY_10).outcome == "reply"
    assert Ticket.objects.count() == 1
    assert list(Message.objects.filter(ticket_id=first.ticket_id).values_list("body", flat=True))[1:] == [
        "Toujours en panne",
        "Et maintenant ?",
    ]


def test_a_contact_of_another_customer_quoting_a_reference_gets_a_new_ticket(world):
    receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)
    intruder = compose("Re: [T-2026-000001] hello", "let me in", sender="C@Beta.Example")
    out = receive_email(intruder, "smtp", at=MONDAY_10)
    assert (out.outcome, out.ticket_number) == ("ticket", "T-2026-000002")
    assert Ticket.objects.get(number="T-2026-000002").customer_id == world.b.customer.pk
    assert Ticket.objects.get(number="T-2026-000001").messages.count() == 1


def test_unknown_sender_lands_in_triage_and_is_counted(world):
    out = receive_email(eml("latin1.eml"), "smtp", at=MONDAY_10)
    ticket = Ticket.objects.get(pk=out.ticket_id)
    assert (ticket.customer_id, ticket.queue.code, ticket.requester_email, ticket.title) == (
        None,
        "triage",
        "jose.martin@alpha.example",
        "Problème de démarrage après coupure",
    )
    assert counters() == {"unknown_sender": 1}


def test_attachments_and_inline_images_are_stored_and_images_lose_exif(world):
    out = receive_email(eml("attachments.eml"), "smtp", at=MONDAY_10)
    rows = list(
        Attachment.objects.filter(ticket_id=out.ticket_id).values_list("filename", "content_type", "inline")
    )
    assert rows == [
        ("Relevé d'intervention.pdf", "application/pdf", False),
        ("IMG_0042.jpg", "image/jpeg", True),
    ]
    jpeg = Attachment.objects.get(filename="IMG_0042.jpg")
    assert b"EOS 5D SERIAL" not in bytes(jpeg.content) and bytes(jpeg.content).startswith(b"\xff\xd8")


def test_an_attachment_over_the_limit_is_left_out_and_the_text_kept(world, settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 1000
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "c@alpha.example", "Gros fichier", "<big@alpha.example>"
    msg.set_content("Voici le journal de la machine.")
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="octet-stream", filename="journal.log")
    msg.add_attachment(b"small", maintype="text", subtype="plain", filename="note.txt")
    out = receive_email(msg.as_bytes(), "smtp", at=MONDAY_10)
    assert (out.outcome, out.detail) == (
        "ticket",
        "Attachment journal.log (5000 bytes) was not kept: the limit is 1000 bytes.",
    )
    message = Message.objects.get(ticket_id=out.ticket_id)
    assert message.body == (
        "Voici le journal de la machine.\n\n"
        "Attachment journal.log (5000 bytes) was not kept: the limit is 1000 bytes."
    )
    assert list(message.attachments.values_list("filename", flat=True)) == ["note.txt"]
    assert len(bytes(InboundEmail.objects.get().raw)) > 6000  # the raw mail keeps it
    assert counters() == {"attachment_refused": 1}


@pytest.mark.parametrize(
    ("name", "outcome", "reason"),
    [
        ("auto_reply.eml", "ignored_auto", "auto_submitted"),
        ("bounce.eml", "ignored_bounce", "bounce"),
        ("newsletter.eml", "ignored_bulk", "bulk"),
    ],
)
def test_automatic_bounce_and_bulk_mail_make_no_ticket_and_no_reply(world, name, outcome, reason):
    receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)  # T-2026-000001, quoted by the auto reply
    before = (Ticket.objects.count(), Message.objects.count(), OutboundEmail.objects.count())
    out = receive_email(eml(name), "smtp", at=MONDAY_10)
    assert (out.outcome, out.ticket_id) == (outcome, None)
    assert (Ticket.objects.count(), Message.objects.count(), OutboundEmail.objects.count()) == before
    assert InboundEmail.objects.get(dedupe_key=mail.parse(eml(name)).dedupe_key).outcome == outcome
    assert counters() == {reason: 1}


def test_garbage_is_kept_as_an_error_and_counted(world):
    out = receive_email(eml("garbage.eml"), "smtp", at=MONDAY_10)
    assert (out.outcome, out.ticket_id, out.detail) == ("error", None, "no sender address")
    row = InboundEmail.objects.get()
    assert (row.outcome, bytes(row.raw)) == ("error", eml("garbage.eml"))
    assert Ticket.objects.count() == 0
    assert counters() == {"malformed": 1}
    assert receive_email(eml("garbage.eml"), "smtp", at=MONDAY_10).outcome == "duplicate"


def test_malformed_mime_still_makes_a_ticket_with_what_could_be_read(world):
    out = receive_email(eml("malformed.eml"), "smtp", at=MONDAY_10)
    message = Message.objects.get(ticket_id=out.ticket_id)
    assert (out.outcome, message.body) == ("ticket", "La machine est en panne.")
    assert list(message.attachments.values_list("filename", "size")) == [("dump.bin", 5)]


def test_one_acknowledgement_per_thread_address_and_day(world):
    receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)
    receive_email(eml("reply.eml"), "smtp", at=MONDAY_10)
    assert AutoReply.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


def test_checkpoint_is_saved_with_the_ticket_and_moves_past_duplicates(world):
    receive_email(eml("alternative_fr.eml"), "imap:a", checkpoint=(7, 10), at=MONDAY_10)
    assert checkpoint_of("imap:a") == (7, 10)
    receive_email(eml("alternative_fr.eml"), "imap:a", checkpoint=(7, 11), at=MONDAY_10)
    assert checkpoint_of("imap:a") == (7, 11)
    receive_email(eml("latin1.eml"), "imap:a", checkpoint=(7, 9), at=MONDAY_10)  # never backwards
    assert checkpoint_of("imap:a") == (7, 11)
    receive_email(eml("reply.eml"), "imap:a", checkpoint=(8, 2), at=MONDAY_10)  # new UIDVALIDITY
    assert checkpoint_of("imap:a") == (8, 2)
    assert MailboxCheckpoint.objects.count() == 1


def test_a_service_refusal_is_stored_as_error_and_nothing_else_is_written(world, monkeypatch):
    from tournevis.core.errors import InvalidInput

    def refuse(*args, **kwargs):
        raise InvalidInput("No.", field="title")

    monkeypatch.setattr(services, "open_ticket", refuse)
    out = receive_email(eml("latin1.eml"), "smtp", checkpoint=(1, 5), at=MONDAY_10)
    assert (out.outcome, out.detail) == ("error", "No.")
    assert (Ticket.objects.count(), InboundEmail.objects.get().outcome) == (0, "error")
    assert checkpoint_of("smtp") == (1, 5)
    assert counters() == {"rejected": 1}  # the unknown-sender count went with the refused ticket


def test_a_database_failure_rolls_everything_back(world):
    """The DB refuses the ticket insert: nothing at all is written, the exception reaches the caller."""
    from django.db import DatabaseError

    def refuse(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "tickets_message"'):
            raise DatabaseError("disk full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse), pytest.raises(DatabaseError):
        receive_email(eml("alternative_fr.eml"), "smtp", checkpoint=(1, 1), at=MONDAY_10)
    assert (Ticket.objects.count(), InboundEmail.objects.count(), MailboxCheckpoint.objects.count()) == (
        0,
        0,
        0,
    )
    assert OutboundEmail.objects.count() == 0
    assert receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10).outcome == "ticket"
    assert Ticket.objects.count() == 1


def test_query_budget_of_a_new_mail(world):
    with CaptureQueriesContext(connection) as ctx:
        receive_email(eml("alternative_fr.eml"), "smtp", at=MONDAY_10)
    assert len(ctx.captured_queries) < 60
