"""Pure rules of the outbox: kinds, outcomes, backoff, E.164, header checks, HTTP status classes.

No Django import (import-linter checks it).
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

from tournevis.core.errors import InvalidInput, gettext_noop

MAX_ATTEMPTS = 8
SMS_MAX_LENGTH = 1600  # ten concatenated segments; providers refuse longer texts
RESPONSE_BODY_MAX = 10_000  # characters of a webhook response kept on the row
ERROR_MAX = 2000
ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024  # all of one e-mail's attachments together
ATTACHMENTS_MAX_COUNT = 10
CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,75}")

# Headers the outbox itself sets on an e-mail; a caller may not override them.
EMAIL_RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "message-id",
        "date",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
    }
)
# Headers the webhook transport sets itself.
WEBHOOK_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "content-type", "idempotency-key", "connection"}
)


class Kind(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class Outcome(StrEnum):
    """What one delivery attempt ended with (one ``DeliveryAttempt`` row each)."""

    SENT = "sent"  # accepted by the SMTP server / SMS provider / webhook receiver (2xx)
    FAILED = "failed"  # transient: retried with backoff until MAX_ATTEMPTS
    REFUSED = "refused"  # permanent: the receiver rejected it; not retried
    INTERRUPTED = "interrupted"  # the worker holding the lease never reported (killed): retried


def clean_attachments(attachments: object, field: str = "attachments") -> list[tuple[str, str, bytes]]:
    """``[(filename, content_type, bytes), …]`` checked: a plain file name (no path, no line break,
    at most 200 characters), a ``type/subtype`` content type, bytes; at most
    ``ATTACHMENTS_MAX_COUNT`` files of ``ATTACHMENTS_MAX_BYTES`` together. 422 naming ``field``."""
    if attachments is None:
        return []
    if not isinstance(attachments, list | tuple) or len(attachments) > ATTACHMENTS_MAX_COUNT:
        raise InvalidInput(
            gettext_noop("At most %(max)s attachments."), field=field, max=ATTACHMENTS_MAX_COUNT
        )
    cleaned: list[tuple[str, str, bytes]] = []
    for index, entry in enumerate(attachments):
        where = f"{field}.{index}"
        if not isinstance(entry, list | tuple) or len(entry) != 3:
            raise InvalidInput(gettext_noop("Give a file name, a content type and the bytes."), field=where)
        name, content_type, content = entry
        if (
            not isinstance(name, str)
            or not name.strip()
            or len(name) > 200
            or any(c in name for c in "/\\\r\n\0")
        ):
            raise InvalidInput(gettext_noop("Enter a file name without a path."), field=where)
        if not isinstance(content_type, str) or not CONTENT_TYPE.fullmatch(content_type):
            raise InvalidInput(gettext_noop("Enter a content type such as application/pdf."), field=where)
        if not isinstance(content, bytes | bytearray | memoryview):
            raise InvalidInput(gettext_noop("The content must be bytes."), field=where)
        cleaned.append((name.strip(), content_type, bytes(content)))
    if sum(len(content) for _, _, content in cleaned) > ATTACHMENTS_MAX_BYTES:
        raise InvalidInput(
            gettext_noop("The attachments exceed %(max)s bytes."), field=field, max=ATTACHMENTS_MAX_BYTES
        )
    return cleaned


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the ``attempts``-th attempt, at most 4 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def is_e164(number: str) -> bool:
    return bool(E164.fullmatch(number))


def clean_e164(number: str, field: str = "to") -> str:
    """Refuse anything that is not already an E.164 number (``+`` then 7 to 15 digits, no spaces)."""
    if not isinstance(number, str) or not is_e164(number):
        raise InvalidInput(
            gettext_noop(
                "“%(value)s” is not a phone number in international format (E.164, e.g. +33612345678)."
            ),
            field=field,
            value=str(number)[:40],
        )
    return number


def clean_headers(headers: object, reserved: frozenset[str], field: str = "headers") -> dict[str, str]:
    """A dict of header name → single-line string value; reserved names refused (case-insensitive)."""
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise InvalidInput(gettext_noop("Headers must be an object of names and values."), field=field)
    cleaned: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
            raise InvalidInput(
                gettext_noop("“%(name)s” is not a valid header name."), field=field, name=str(name)[:80]
            )
        if name.lower() in reserved:
            raise InvalidInput(
                gettext_noop("The header %(name)s is set by the outbox and cannot be given."),
                field=field,
                name=name,
            )
        if not isinstance(value, str) or "\r" in value or "\n" in value or len(value) > 2000:
            raise InvalidInput(
                gettext_noop("The value of header %(name)s must be one line of text."), field=field, name=name
            )
        cleaned[name] = value
    return cleaned


def http_outcome(status: int) -> Outcome:
    """2xx sent; 408, 425, 429 and 5xx are worth retrying; 3xx (never followed) is a failure retried later;
    any other 4xx is a permanent refusal."""
    if 200 <= status < 300:
        return Outcome.SENT
    if status in (408, 425, 429) or status >= 500 or 300 <= status < 400:
        return Outcome.FAILED
    return Outcome.REFUSED


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
