"""IMAP intake: poll a folder with IMAPClient and hand each new message to ``receive_email``.

The position is a ``MailboxCheckpoint`` (UIDVALIDITY, last UID) saved in the same transaction as the
ticket made from each message, so a poller killed mid-way resumes after the last committed message
and never makes a ticket twice. When the server's UIDVALIDITY changes (folder recreated, server
migrated), every UID is new: polling restarts from UID 0 and the (mailbox, Message-ID) dedupe turns
the messages already seen into "duplicate". The folder is opened read-only and fetched with
``BODY.PEEK[]``: the poller never deletes, moves or flags mail.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from imapclient import IMAPClient

from tournevis.tickets import services
from tournevis.tickets.intake_email import CHANNEL, checkpoint_of, receive_email

logger = logging.getLogger(__name__)


@dataclass
class PollResult:
    mailbox: str
    uidvalidity: int
    last_uid: int
    outcomes: Counter[str] = field(default_factory=Counter)


def poll(
    host: str,
    port: int = 993,
    user: str = "",
    password: str = "",
    folder: str = "INBOX",
    *,
    ssl: bool = True,
    mailbox_name: str | None = None,
    batch: int = 50,
    timeout: float = 60.0,
) -> PollResult:
    """Fetch the messages above the checkpoint, oldest first, each in its own transaction."""
    name = mailbox_name or f"imap:{user}@{host}/{folder}"
    with IMAPClient(host, port=port, ssl=ssl, timeout=timeout) as client:
        client.login(user, password)
        info = client.select_folder(folder, readonly=True)
        uidvalidity = int(info[b"UIDVALIDITY"])
        saved = checkpoint_of(name)
        last = 0
        if saved is not None and saved[0] == uidvalidity:
            last = saved[1]
        elif saved is not None:
            services.count_intake(CHANNEL, "uidvalidity_changed", f"{name} {saved[0]} -> {uidvalidity}")
        # "n:*" always matches the highest UID, even below n: filter again
        uids = sorted(int(u) for u in client.search(["UID", f"{last + 1}:*"]) if int(u) > last)
        result = PollResult(name, uidvalidity, last)
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:  # expunged meanwhile
                    continue
                outcome = receive_email(bytes(raw), name, checkpoint=(uidvalidity, uid))
                result.outcomes[outcome.outcome] += 1
                result.last_uid = uid
        logger.info("imap intake %s: %s", name, dict(result.outcomes))
        return result
