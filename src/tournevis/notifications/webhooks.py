"""HTTP transport of outbound webhooks: one request with ``http.client``, a timeout, never a redirect.

``http.client`` does not follow redirects at all, so a 3xx comes back as a response like any other;
the outbox records it as a failure with its ``Location``. Proxies from the environment are ignored.
"""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

READ_LIMIT = 64 * 1024  # bytes of the response body read at most
USER_AGENT = "Tournevis-Webhook/1"


@dataclass(frozen=True)
class Response:
    status: int
    location: str
    body: str


def timeout() -> float:
    return float(getattr(settings, "NOTIFICATIONS_WEBHOOK_TIMEOUT", 10.0))


def call(method: str, url: str, body: Any, headers: dict[str, str], idempotency_key: str) -> Response:
    """Send ``body`` as JSON; return the status, the ``Location`` header and the body (decoded, capped).
    Connection errors and timeouts raise (``OSError``, ``http.client.HTTPException``)."""
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout(), context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout())
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        connection.request(
            method,
            target,
            body=payload,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                **headers,
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": idempotency_key,
            },
        )
        response = connection.getresponse()
        raw = response.read(READ_LIMIT)
        charset = response.headers.get_content_charset() or "utf-8"
        return Response(response.status, response.getheader("Location") or "", raw.decode(charset, "replace"))
    finally:
        connection.close()
