"""SMTP intake: an aiosmtpd listener that hands each message to ``intake_email.receive_email``.

``250`` is answered only after the transaction that stored the message (and its ticket) committed;
any failure before that (database down, process killed) is a ``451`` or a dropped connection, so the
sending MTA keeps the message and retries, and the dedupe on Message-ID makes the retry harmless.

Size: ``TICKETS_SMTP_MAX_BYTES`` (default 35 MiB) is advertised in EHLO (``SIZE``) and enforced: a
larger message is refused with ``552`` (at ``MAIL FROM ... SIZE=`` when the client announces it, else
after DATA), so the sender's MTA returns it to the sender, who learns that nothing arrived. Below that,
an attachment over ``TICKETS_ATTACHMENT_MAX_BYTES`` is left out of the ticket with a line in its text
(see ``intake_email``); the mail and its text are kept.

The envelope sender is added as ``Return-Path`` (as a delivering MTA does), so a bounce (null sender
``<>``) is recognised even when its headers do not say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections, connections

from tournevis.tickets.intake_email import Outcome, receive_email

logger = logging.getLogger(__name__)

Receive = Callable[[bytes, str], Outcome]


def max_bytes() -> int:
    return int(getattr(settings, "TICKETS_SMTP_MAX_BYTES", 35 * 1024 * 1024))


def _receive_in_worker(raw: bytes, mailbox: str) -> Outcome:
    close_old_connections()
    try:
        return receive_email(raw, mailbox)
    finally:
        close_old_connections()


class IntakeHandler:
    """aiosmtpd handler: every accepted message goes through ``receive`` in a worker thread."""

    def __init__(
        self, mailbox: str = "smtp", receive: Receive = _receive_in_worker, workers: int = 4
    ) -> None:
        self.mailbox = mailbox
        self.receive = receive
        self.workers = workers
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smtp-intake")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else str(content).encode("utf-8", "surrogateescape")
        sender = envelope.mail_from or ""
        if not raw.lower().startswith(b"return-path:"):
            raw = b"Return-Path: <" + sender.encode("utf-8", "replace") + b">\r\n" + raw
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(self.executor, self.receive, raw, self.mailbox)
        except Exception:
            logger.exception("smtp intake: message from <%s> not stored; answered 451", sender)
            return "451 4.3.0 Temporary failure storing the message, please retry"
        logger.info(
            "smtp intake: <%s> %s %s %s", sender, outcome.outcome, outcome.ticket_number, outcome.detail[:200]
        )
        number = f" {outcome.ticket_number}" if outcome.ticket_number else ""
        return f"250 2.0.0 Stored ({outcome.outcome}{number})"

    def close(self) -> None:
        """Close every worker thread's database connections, then the pool. One blocking task per
        worker behind a barrier makes each thread run exactly one of them."""
        barrier = threading.Barrier(self.workers)

        def close_connections() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            connections.close_all()

        wait([self.executor.submit(close_connections) for _ in range(self.workers)], timeout=30)
        self.executor.shutdown(wait=True)


def start(
    host: str = "127.0.0.1",
    port: int = 2525,
    mailbox: str = "smtp",
    *,
    receive: Receive = _receive_in_worker,
    workers: int = 4,
) -> Controller:
    """Start the listener in a background thread and return its controller (``.stop()`` to end it)."""
    handler = IntakeHandler(mailbox, receive, workers)
    controller = Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=max_bytes(),
        server_hostname="tournevis",
        ready_timeout=10.0,
    )
    controller.start()
    return controller


def stop(controller: Controller) -> None:
    controller.stop()
    handler = controller.handler
    if isinstance(handler, IntakeHandler):
        handler.close()


def serve(host: str = "127.0.0.1", port: int = 2525, mailbox: str = "smtp") -> None:
    """Run the listener until SIGINT or SIGTERM (``tournevis intake smtp``)."""
    controller = start(host, port, mailbox)
    logger.warning(
        "smtp intake listening on %s:%s (mailbox %s, max %s bytes)", host, port, mailbox, max_bytes()
    )
    done = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        done.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        done.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop(controller)
