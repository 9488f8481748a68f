"""IMAP polling against a real Dovecot (Debian's dovecot-imapd) run from the fixture on a free port."""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from imapclient import IMAPClient

from tests.tickets.conftest import MONDAY_10
from tournevis.core import clock
from tournevis.tickets.intake_email import checkpoint_of
from tournevis.tickets.intake_imap import poll
from tournevis.tickets.models import InboundEmail, IntakeCounter, MailboxCheckpoint, Ticket

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
pytestmark = [
    pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
    pytest.mark.django_db(transaction=True),
]
CONFIG = """
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Imap:
    port: int
    user: str = "support"
    password: str = "Secret-imap-1"

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, *names: str, folder: str = "INBOX") -> None:
        with self.client() as client:
            for name in names:
                client.append(
                    folder, (FIXTURES / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                )

    def poll(self, folder: str = "INBOX"):
        return poll(
            "127.0.0.1",
            self.port,
            self.user,
            self.password,
            folder,
            ssl=False,
            mailbox_name=f"imap:test/{folder}",
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dovecot() -> Iterator[Imap]:
    """A foreground dovecot with one passwd-file user and a maildir in a temporary directory (not
    pytest's tmp_path: its parents are private to root and dovecot's auth worker must read the file)."""
    tmp_path = Path(tempfile.mkdtemp(prefix="tournevis-dovecot-"))
    try:
        yield from _dovecot(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _dovecot(tmp_path: Path) -> Iterator[Imap]:
    for sub in ("run", "state", "home"):
        (tmp_path / sub).mkdir()
    # Dovecot refuses mail access as root: the maildir belongs to nobody when the tests run as root.
    uid, gid = (65534, 65534) if os.getuid() == 0 else (os.getuid(), os.getgid())
    os.chmod(tmp_path, 0o755)  # noqa: S103 (dovecot's users must reach it)
    os.chmod(tmp_path / "home", 0o777)  # noqa: S103
    imap = Imap(free_port())
    (tmp_path / "passwd").write_text(f"{imap.user}:{{PLAIN}}{imap.password}\n")
    (tmp_path / "dovecot.conf").write_text(CONFIG.format(dir=tmp_path, uid=uid, gid=gid, port=imap.port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(tmp_path / "dovecot.conf")],  # type: ignore[list-item]
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", imap.port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None:
                    out = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"dovecot exited: {out}")
                time.sleep(0.1)
        yield imap
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def queues(world) -> None:
    importlib.import_module("tournevis.tickets.migrations.0002_default_queues").create(apps, None)


def test_poll_twice_makes_no_duplicates_and_the_checkpoint_advances(dovecot, queues):
    dovecot.append("alternative_fr.eml", "auto_reply.eml", "latin1.eml")
    with clock.frozen(MONDAY_10):
        first = dovecot.poll()
        assert dict(first.outcomes) == {"ticket": 2, "ignored_auto": 1}
        assert checkpoint_of("imap:test/INBOX") == (first.uidvalidity, 3)
        second = dovecot.poll()
        assert (dict(second.outcomes), second.last_uid) == ({}, 3)
        dovecot.append("reply.eml")
        third = dovecot.poll()
    assert (dict(third.outcomes), third.last_uid) == ({"reply": 1}, 4)
    assert checkpoint_of("imap:test/INBOX") == (first.uidvalidity, 4)
    assert sorted(Ticket.objects.values_list("number", flat=True)) == ["T-2026-000001", "T-2026-000002"]
    assert InboundEmail.objects.count() == 4
    with dovecot.client() as client:  # nothing deleted nor marked as read
        client.select_folder("INBOX", readonly=True)
        assert (len(client.search(["ALL"])), len(client.search(["SEEN"]))) == (4, 0)


def test_a_new_uidvalidity_restarts_from_zero_and_dedupe_prevents_duplicates(dovecot, queues):
    dovecot.append("alternative_fr.eml", "latin1.eml")
    with clock.frozen(MONDAY_10):
        first = dovecot.poll()
        MailboxCheckpoint.objects.filter(mailbox="imap:test/INBOX").update(uidvalidity=first.uidvalidity - 1)
        again = dovecot.poll()
    assert dict(again.outcomes) == {"duplicate": 2}
    assert checkpoint_of("imap:test/INBOX") == (first.uidvalidity, 2)
    assert Ticket.objects.count() == 2
    assert dict(IntakeCounter.objects.values_list("reason", "count")) == {
        "unknown_sender": 1,
        "uidvalidity_changed": 1,
        "duplicate": 2,
    }


def test_a_failure_mid_poll_resumes_after_the_last_committed_message(dovecot, queues, monkeypatch):
    from tournevis.tickets import intake_imap

    dovecot.append("alternative_fr.eml", "latin1.eml", "attachments.eml")
    real = intake_imap.receive_email
    calls: list[int] = []

    def dies_on_the_second(raw, mailbox, *, checkpoint=None):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return real(raw, mailbox, checkpoint=checkpoint)

    monkeypatch.setattr(intake_imap, "receive_email", dies_on_the_second)
    with clock.frozen(MONDAY_10), pytest.raises(ConnectionError):
        dovecot.poll()
    assert checkpoint_of("imap:test/INBOX")[1] == 1
    monkeypatch.setattr(intake_imap, "receive_email", real)
    with clock.frozen(MONDAY_10):
        resumed = dovecot.poll()
    assert (dict(resumed.outcomes), resumed.last_uid) == ({"ticket": 2}, 3)
    assert Ticket.objects.count() == 3
