"""E-mail attachments in the outbox: stored with the row, sent with every attempt, checked on queueing."""

from __future__ import annotations

import pytest

from tests.api_support import db_state
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.notifications import services
from tournevis.notifications.models import OutboundEmailAttachment

ACTOR = Actor.system("tests")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 tiny\n"


def test_attachments_are_stored_and_sent_with_the_mail(db, smtp) -> None:
    queued = services.queue_email(
        ACTOR,
        to="marie@banque.example",
        subject="Report",
        body="Attached.",
        purpose="test",
        attachments=[("WO-1-1.pdf", "application/pdf", PDF), ("notes.txt", "text/plain", b"hello")],
    )

    assert [
        (a.position, a.filename, a.content_type, bytes(a.content), a.size)
        for a in OutboundEmailAttachment.objects.filter(email=queued)
    ] == [(0, "WO-1-1.pdf", "application/pdf", PDF, len(PDF)), (1, "notes.txt", "text/plain", b"hello", 5)]
    assert AuditEvent.objects.get(action="email.queue").after["attachments"] == [
        ["WO-1-1.pdf", "application/pdf", len(PDF)],
        ["notes.txt", "text/plain", 5],
    ]
    assert services.deliver_pending() == 1
    (message,) = smtp.messages
    files = [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in message.walk()
        if part.get_filename()
    ]
    assert files == [("WO-1-1.pdf", "application/pdf", PDF), ("notes.txt", "text/plain", b"hello")]
    assert message.get_content_type() == "multipart/mixed"


@pytest.mark.parametrize(
    ("attachments", "field"),
    [
        ([("../etc/passwd", "text/plain", b"x")], "attachments.0"),
        ([("a.pdf", "pdf", b"x")], "attachments.0"),
        ([("a.pdf", "application/pdf", "text")], "attachments.0"),
        ([("a.pdf", "application/pdf")], "attachments.0"),
        ([("a\r\nBcc: x.pdf", "application/pdf", b"x")], "attachments.0"),
        ([("a.bin", "application/octet-stream", b"0" * (10 * 1024 * 1024 + 1))], "attachments"),
        ([("a.txt", "text/plain", b"x")] * 11, "attachments"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_queued(db, attachments, field) -> None:
    before = db_state()

    with pytest.raises(InvalidInput) as refused:
        services.queue_email(
            ACTOR, to="a@b.example", subject="S", body="B", purpose="t", attachments=attachments
        )

    assert refused.value.field == field
    assert db_state() == before
