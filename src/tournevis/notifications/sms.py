"""SMS transport behind a provider-agnostic interface.

A backend is any class with ``send(to_e164, text, *, idempotency_key) -> provider_id``; the outbox
builds it from the dotted path in ``settings.SMS_BACKEND`` (default: the console backend). A backend
raises ``SmsRefused`` when the provider rejects the message for good (unknown number, opted out...);
any other exception is a transient failure, retried with backoff. ``idempotency_key`` is the same on
every attempt of one outbox row: a provider adapter passes it on (header or parameter) so that a
re-send after a crash is not delivered twice.

Backends shipped here: ``ConsoleBackend`` (prints one line to stdout, for development) and
``FileBackend`` (appends one JSON line per message to ``settings.SMS_FILE_PATH``, deduplicating on the
key: the stand-in for a provider in tests and demos).
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path
from typing import Protocol, TextIO

from django.conf import settings
from django.utils.module_loading import import_string

from tournevis.core import clock

DEFAULT_BACKEND = "tournevis.notifications.sms.ConsoleBackend"


class SmsRefused(Exception):
    """The provider rejected the message permanently; it is not retried."""


class SmsBackend(Protocol):
    def send(self, to_e164: str, text: str, *, idempotency_key: str) -> str:
        """Hand the message to the provider; return the provider's id for it."""
        ...


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()
    return backend


class ConsoleBackend:
    """Prints ``SMS to <number> [<key>]: <text>`` on stdout (or ``stream``)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, to_e164: str, text: str, *, idempotency_key: str) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {to_e164} [{idempotency_key}]: {text}\n")
        stream.flush()
        return f"console:{idempotency_key}"


def default_file_path() -> Path:
    configured = getattr(settings, "SMS_FILE_PATH", "")
    return Path(configured) if configured else Path(getattr(settings, "VAR_DIR", "var")) / "sms.jsonl"


class FileBackend:
    """Appends ``{"id", "to", "text", "idempotency_key", "at"}`` as one JSON line to ``SMS_FILE_PATH``.

    Like a provider honouring idempotency keys, a key already in the file is not appended again: the
    first message's id is returned. The file is locked (``flock``) while it is read and appended."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_file_path()

    def send(self, to_e164: str, text: str, *, idempotency_key: str) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.seek(0)
                lines = file.read().splitlines()
                for line in lines:
                    if not line.strip():
                        continue
                    sent = json.loads(line)
                    if sent.get("idempotency_key") == idempotency_key:
                        return str(sent["id"])
                provider_id = f"file-{len(lines) + 1}"
                record = {
                    "id": provider_id,
                    "to": to_e164,
                    "text": text,
                    "idempotency_key": idempotency_key,
                    "at": clock.now().isoformat(),
                }
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
                file.flush()
                return provider_id
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)


def messages_in(path: str | Path) -> list[dict[str, str]]:
    """The messages a ``FileBackend`` wrote to ``path`` (for tests, demos and support)."""
    file = Path(path)
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
