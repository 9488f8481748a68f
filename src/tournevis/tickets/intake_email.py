"""E-mail intake: one raw message in, exactly one outcome out, in one transaction.

``receive_email(raw, mailbox)`` is called by the SMTP listener (``intake_smtp``) and the IMAP poller
(``intake_imap``). In one transaction it

1. claims ``(mailbox, dedupe_key)`` in ``InboundEmail`` (the Message-ID, else ``sha256:`` of the raw
   bytes): a repeat is answered "duplicate" and changes nothing but the counter (and the IMAP
   checkpoint, so the poller moves past it). Two deliveries racing each other: the unique constraint
   lets one commit, the other rolls back completely and is answered "duplicate";
2. keeps the raw bytes whatever happens next (nothing acknowledged is lost);
3. decides: no sender address (not a mail) → "error"; a bounce, an automatic reply or bulk mail
   (RFC 3834) → "ignored_bounce" / "ignored_auto" / "ignored_bulk", no ticket, never a reply;
   a reply to a ticket (``[T-YYYY-NNNNNN]`` in the subject, else In-Reply-To / References naming a
   message of the thread) → ``add_message`` ("reply"); otherwise ``open_ticket`` ("ticket"), which
   acknowledges the new ticket at most once per thread, address and day (``AutoReply``);
4. saves the IMAP checkpoint ``(uidvalidity, uid)`` when one is given.

A service refusal (``DomainError``) stores the mail as "error" and counts it; a database failure
propagates, so the caller answers a temporary failure and the sender retries: nothing is half-written.
Attachments above ``TICKETS_ATTACHMENT_MAX_BYTES`` are left out of the ticket with a line in the
message saying so (the raw message, attachment included, stays in ``InboundEmail``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.customers.models import Contact
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import attachments, mail, services
from tournevis.tickets.models import InboundEmail, MailboxCheckpoint, Message, Ticket

logger = logging.getLogger(__name__)
CHANNEL = "email"
ACTOR = Actor.system("e-mail intake")
_IGNORED = {"bounce": "ignored_bounce", "auto_submitted": "ignored_auto", "bulk": "ignored_bulk"}


@dataclass(frozen=True)
class Outcome:
    """What happened to one message: ticket, reply, duplicate, ignored_auto, ignored_bulk,
    ignored_bounce or error."""

    outcome: str
    inbound_id: int | None
    ticket_id: int | None = None
    ticket_number: str = ""
    detail: str = ""


def checkpoint_of(mailbox: str) -> tuple[int, int] | None:
    """The saved IMAP position ``(uidvalidity, last_uid)`` of a mailbox, if any."""
    row = MailboxCheckpoint.objects.filter(mailbox=mailbox).first()
    return (row.uidvalidity, row.last_uid) if row is not None else None


def save_checkpoint(mailbox: str, uidvalidity: int, uid: int, at: datetime | None = None) -> None:
    """Move the checkpoint forward (never back within one UIDVALIDITY; a new UIDVALIDITY restarts it)."""
    at = at or clock.now()
    with transaction.atomic():
        row = MailboxCheckpoint.objects.select_for_update().filter(mailbox=mailbox).first()
        if row is None:
            MailboxCheckpoint.objects.create(
                mailbox=mailbox, uidvalidity=uidvalidity, last_uid=uid, updated_at=at
            )
            return
        if row.uidvalidity != uidvalidity:
            row.uidvalidity, row.last_uid = uidvalidity, uid
        else:
            row.last_uid = max(row.last_uid, uid)
        row.updated_at = at
        row.save(update_fields=["uidvalidity", "last_uid", "updated_at"])


def _contact(address: str) -> Contact | None:
    """The contact with this address (case-insensitive); None when unknown or when the address is
    shared by contacts of several customers (the ticket then goes to triage)."""
    if not address:
        return None
    found = list(Contact.objects.filter(email__iexact=address).select_related("customer").order_by("id")[:20])
    if not found or len({c.customer_id for c in found}) != 1:
        return None
    return found[0]


def _ticket_of_outbox(ids: list[str]) -> Ticket | None:
    """The ticket an e-mail we sent belongs to (its outbox row's ``subject_ref``: "ticket:<id>" or
    the ticket number)."""
    refs = (
        OutboundEmail.objects.filter(message_id__in=ids)
        .exclude(subject_ref="")
        .values_list("subject_ref", flat=True)
    )
    for ref in refs:
        kind, _sep, value = ref.partition(":")
        if kind == "ticket" and value.isdigit():
            found = Ticket.objects.filter(pk=int(value)).first()
        else:
            found = Ticket.objects.filter(number=ref).first()
        if found is not None:
            return found
    return None


def _thread(parsed: mail.ParsedEmail, contact: Contact | None) -> Ticket | None:
    """The ticket this mail answers: the reference in the subject, else a Message-ID of its thread.
    A merged ticket leads to the one it was merged into. A known contact of another customer than the
    ticket's does not write into it (a new ticket is opened instead)."""
    ticket = None
    if parsed.reference:
        ticket = Ticket.objects.filter(number=parsed.reference).first()
    if ticket is None and parsed.thread_ids:
        ids = [*parsed.thread_ids, *(f"<{i}>" for i in parsed.thread_ids)]
        message = (
            Message.objects.filter(email_message_id__in=ids).select_related("ticket").order_by("-id").first()
        )
        ticket = message.ticket if message is not None else _ticket_of_outbox(ids)
    for _hop in range(10):
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = ticket.merged_into
    if ticket is not None and contact is not None and ticket.customer_id not in (None, contact.customer_id):
        return None
    return ticket


def _attachments(parsed: mail.ParsedEmail) -> tuple[list[attachments.NewAttachment], list[str]]:
    """The parts to keep, and a line for each one refused for its size."""
    limit = attachments.max_bytes()
    kept: list[attachments.NewAttachment] = []
    notes: list[str] = []
    for part in parsed.attachments:
        if len(part.content) > limit:
            notes.append(
                _("Attachment %(name)s (%(size)s bytes) was not kept: the limit is %(limit)s bytes.")
                % {"name": part.filename, "size": len(part.content), "limit": limit}
            )
            continue
        kept.append(attachments.NewAttachment(part.filename, part.content_type, part.content, part.inline))
    return kept, notes


def _title(parsed: mail.ParsedEmail) -> str:
    if parsed.subject.strip():
        return parsed.subject.strip()
    first = next((line.strip() for line in parsed.text.splitlines() if line.strip()), "")
    return first[:120] or _("E-mail from %(sender)s") % {"sender": parsed.sender}


def _act(parsed: mail.ParsedEmail, at: datetime) -> tuple[str, Ticket, str]:
    """Open a ticket or add the reply; returns (outcome, ticket, detail)."""
    contact = _contact(parsed.sender)
    kept, notes = _attachments(parsed)
    body = parsed.text.strip() or parsed.subject.strip()
    if notes:
        body = "\n\n".join([body, *notes]) if body else "\n".join(notes)
        services.count_intake(CHANNEL, "attachment_refused", f"{parsed.sender} {'; '.join(notes)}")
    label = f"{parsed.sender_name} <{parsed.sender}>" if parsed.sender_name else parsed.sender
    ticket = _thread(parsed, contact)
    if ticket is not None:
        services.add_message(
            ACTOR,
            ticket.pk,
            body=body or _("(empty message)"),
            public=True,
            from_customer=True,
            channel=CHANNEL,
            body_html=parsed.html,
            attachments=kept,
            email_message_id=parsed.message_id,
            author_label=label,
            at=at,
        )
        return "reply", ticket, ""
    if contact is None:
        services.count_intake(CHANNEL, "unknown_sender", parsed.sender)
    ticket = services.open_ticket(
        ACTOR,
        title=_title(parsed),
        channel=CHANNEL,
        description=body,
        contact_id=contact.pk if contact is not None else None,
        site_id=contact.site_id if contact is not None else None,
        requester_email=parsed.sender if "@" in parsed.sender else "",
        body_html=parsed.html,
        attachments=kept,
        email_message_id=parsed.message_id,
        author_label=label,
        at=at,
    )
    return "ticket", ticket, "; ".join(notes)


def _receive(
    raw: bytes, mailbox: str, parsed: mail.ParsedEmail | None, problem: str, key: str,
    checkpoint: tuple[int, int] | None, at: datetime,
) -> Outcome:  # fmt: skip
    existing = InboundEmail.objects.filter(mailbox=mailbox, dedupe_key=key).values("id", "ticket_id").first()
    if existing is not None:
        if checkpoint is not None:
            save_checkpoint(mailbox, *checkpoint, at=at)
        services.count_intake(CHANNEL, "duplicate", f"{mailbox} {key}")
        return Outcome("duplicate", existing["id"], existing["ticket_id"], detail=key)
    row = InboundEmail.objects.create(
        mailbox=mailbox[:200],
        dedupe_key=key,
        message_id=parsed.message_id if parsed is not None else "",
        sender=parsed.sender if parsed is not None else "",
        subject=parsed.subject[:500] if parsed is not None else "",
        raw=raw,
        outcome="pending",
        received_at=at,
    )
    ticket: Ticket | None = None
    detail = ""
    if parsed is None or not parsed.sender:
        outcome, detail = "error", problem or "no sender address"
        services.count_intake(CHANNEL, "malformed", f"{mailbox} {key} {detail}")
    elif parsed.loop_signal is not None:
        outcome, detail = _IGNORED[parsed.loop_signal], parsed.sender
        services.count_intake(CHANNEL, parsed.loop_signal, f"{parsed.sender} {parsed.subject}")
    else:
        try:
            with transaction.atomic():
                outcome, ticket, detail = _act(parsed, at)
        except DatabaseError:
            raise
        except DomainError as exc:
            outcome, detail = "error", exc.text()
            services.count_intake(CHANNEL, "rejected", f"{mailbox} {key} {detail}")
        except Exception as exc:
            logger.exception("e-mail %s in %s could not be processed", key, mailbox)
            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
            services.count_intake(CHANNEL, "failed", f"{mailbox} {key} {detail}")
    row.outcome, row.detail, row.ticket = outcome, detail[:500], ticket
    row.save(update_fields=["outcome", "detail", "ticket"])
    if checkpoint is not None:
        save_checkpoint(mailbox, *checkpoint, at=at)
    return Outcome(outcome, row.pk, ticket.pk if ticket else None, ticket.number if ticket else "", detail)


def receive_email(
    raw: bytes, mailbox: str, *, checkpoint: tuple[int, int] | None = None, at: datetime | None = None
) -> Outcome:
    """Turn one raw message into at most one ticket or reply; see the module docstring."""
    at = at or clock.now()
    problem = ""
    parsed: mail.ParsedEmail | None
    try:
        parsed = mail.parse(raw)
    except Exception as exc:
        parsed, problem = None, f"unparseable: {type(exc).__name__}"
    key = parsed.dedupe_key if parsed is not None else f"sha256:{hashlib.sha256(raw).hexdigest()}"
    key = key if len(key) <= 600 else f"sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    try:
        with transaction.atomic():
            return _receive(raw, mailbox, parsed, problem, key, checkpoint, at)
    except IntegrityError:
        # Another delivery of the same message committed between our check and our insert.
        if not InboundEmail.objects.filter(mailbox=mailbox, dedupe_key=key).exists():
            raise
        with transaction.atomic():
            return _receive(raw, mailbox, parsed, problem, key, checkpoint, at)
