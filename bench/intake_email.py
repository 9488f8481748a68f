"""E-mails per minute through the real SMTP listener (aiosmtpd + receive_email), printed with rich.

    TOURNEVIS_DEV=1 .venv/bin/python bench/intake_email.py [--mails 300] [--connections 4]

Runs against a throwaway SQLite database in a temporary directory (``TOURNEVIS_VAR_DIR``), or, when
``DATABASE_URL`` is set, a sibling PostgreSQL database ``<name>_bench_email`` created and dropped here.
N French multipart mails (text + HTML + a small PDF) from a known contact are sent with smtplib over
``--connections`` parallel SMTP sessions; each becomes one ticket (numbered, triaged, acknowledged
through the outbox). The figure is tickets made per minute, counted in the database afterwards.
``run(console)`` is the entry point bench/intake.py can call; it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _mail(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Hélène Lefèvre <bench@alpha.example>"
    msg["To"] = "support@tournevis.example"
    msg["Subject"] = f"Compteuse n°{n} bloquée sur les billets de 50 €"
    msg["Message-ID"] = f"<bench-{n}-{os.getpid()}@alpha.example>"
    msg.set_content(f"Bonjour,\n\nLa compteuse n°{n} se bloque dès qu'on insère des billets.\n")
    msg.add_alternative(f"<p>Bonjour,</p><p>La compteuse n°{n} se bloque.</p>", subtype="html")
    msg.add_attachment(
        b"%PDF-1.4\n" + b"0" * 20_000, maintype="application", subtype="pdf", filename="releve.pdf"
    )
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _send(port: int, mails: list[bytes]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        for raw in mails:
            for attempt in range(5):  # a 451 (e.g. SQLite busy) is retried, as a sending MTA does
                try:
                    client.sendmail("bench@alpha.example", ["support@tournevis.example"], raw)
                    break
                except smtplib.SMTPDataError as exc:
                    if exc.smtp_code != 451 or attempt == 4:
                        raise
                    time.sleep(0.5)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tournevis.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tournevis.core.actor import Actor
    from tournevis.customers import services as customer_services

    actor = Actor.system("bench")
    customer = customer_services.create_customer(
        actor, {"name": "Bench Bank", "country": "FR", "timezone": "Europe/Paris", "language": "fr"}
    )
    customer_services.create_contact(actor, customer.pk, {"name": "Hélène", "email": "bench@alpha.example"})


def run(console: Any, mails: int = 300, connections: int = 4) -> dict[str, float]:
    """Set up a throwaway database, send ``mails`` through the listener, print and return the figures."""
    cleanup = _database()
    try:
        _setup()
        from django.db import connection

        from tournevis.tickets import intake_smtp
        from tournevis.tickets.models import Ticket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        bodies = [_mail(n) for n in range(mails)]
        controller = intake_smtp.start("127.0.0.1", port, "bench", workers=connections)
        try:
            began = time.perf_counter()
            with ThreadPoolExecutor(connections) as pool:
                list(pool.map(lambda i: _send(port, bodies[i::connections]), range(connections)))
            elapsed = time.perf_counter() - began
        finally:
            intake_smtp.stop(controller)
        tickets = Ticket.objects.count()
        figures = {
            "mails": float(mails),
            "tickets": float(tickets),
            "seconds": elapsed,
            "per_minute": tickets / elapsed * 60,
        }
        console.print(
            f"[bold]e-mail intake[/bold] ({connection.vendor}, {connections} SMTP sessions): "
            f"{figures['per_minute']:,.0f} e-mails/min "
            f"({tickets} tickets from {mails} mails in {elapsed:.1f} s)"
        )
        return figures
    finally:
        from django.db import connections as all_connections

        all_connections.close_all()
        cleanup()


def _database():
    """Point Django at a throwaway database; returns its cleanup."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'postgres'}_bench_email"

        def admin(sql: str) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(sql)  # type: ignore[arg-type]

        admin(f'DROP DATABASE IF EXISTS "{name}"')
        admin(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

        def drop() -> None:
            admin(f'DROP DATABASE IF EXISTS "{name}"')

        return drop
    var = tempfile.TemporaryDirectory(prefix="tournevis-bench-email-")
    os.environ["TOURNEVIS_VAR_DIR"] = var.name
    return var.cleanup


def main(argv: list[str] | None = None) -> None:
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args(argv)
    run(Console(), args.mails, args.connections)


if __name__ == "__main__":
    main()
