"""tournevis intake smtp|imap|snmp|mqtt: the long-running listeners that turn inbound requests into tickets.

    tournevis intake smtp [--host 127.0.0.1] [--port 2525] [--mailbox smtp]
    tournevis intake imap [--interval 60] [--once]       (TICKETS_IMAP_* settings)
    tournevis intake snmp [--host 0.0.0.0] [--port 1162]  (TICKETS_SNMP_* settings)
    tournevis intake mqtt [--url mqtt://127.0.0.1:1883] [--client-id tournevis-intake]

Each listener acknowledges only what it has committed (SMTP 250, MQTT PUBACK, IMAP checkpoint), so a
killed process loses nothing; deduplication makes redeliveries harmless. It lives in ``web`` because it
starts listeners of two contexts (tickets and telemetry).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tournevis.telemetry import intake_mqtt
from tournevis.tickets import intake_imap, intake_smtp, intake_snmp


class Command(BaseCommand):
    help = "Run an intake listener: smtp, imap, snmp or mqtt."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="channel", required=True)
        smtp = sub.add_parser("smtp", help="Receive e-mail over SMTP (aiosmtpd).")
        smtp.add_argument("--host", default="127.0.0.1")
        smtp.add_argument("--port", type=int, default=2525)
        smtp.add_argument("--mailbox", default="smtp", help="Name of the mailbox for deduplication.")
        imap = sub.add_parser("imap", help="Poll an IMAP mailbox (TICKETS_IMAP_* settings).")
        imap.add_argument("--interval", type=float, default=60.0, help="Seconds between polls.")
        imap.add_argument("--once", action="store_true", help="Poll once and exit.")
        snmp = sub.add_parser("snmp", help="Receive SNMP traps (TICKETS_SNMP_* settings).")
        snmp.add_argument("--host", default="0.0.0.0")  # noqa: S104 - traps come from the network
        snmp.add_argument("--port", type=int, default=1162)
        mqtt = sub.add_parser("mqtt", help="Ingest IoT telemetry from the MQTT broker (MQTT_URL).")
        mqtt.add_argument("--url", default="")
        mqtt.add_argument("--client-id", default="tournevis-intake")

    def handle(self, *args: Any, **options: Any) -> None:
        channel = options["channel"]
        try:
            if channel == "smtp":
                intake_smtp.serve(options["host"], options["port"], options["mailbox"])
            elif channel == "imap":
                self._imap(options["interval"], options["once"])
            elif channel == "snmp":
                asyncio.run(intake_snmp.serve(options["host"], options["port"]))
            else:
                intake_mqtt.run(url=options["url"] or None, client_id=options["client_id"])
        except (ImproperlyConfigured, OSError) as exc:
            raise CommandError(f"intake {channel}: {exc}") from exc
        except KeyboardInterrupt:
            return

    def _imap(self, interval: float, once: bool) -> None:
        if not settings.TICKETS_IMAP_HOST:
            raise CommandError("intake imap: set TICKETS_IMAP_HOST, TICKETS_IMAP_USER, TICKETS_IMAP_PASSWORD")
        while True:
            result = intake_imap.poll(
                settings.TICKETS_IMAP_HOST,
                settings.TICKETS_IMAP_PORT,
                settings.TICKETS_IMAP_USER,
                settings.TICKETS_IMAP_PASSWORD,
                settings.TICKETS_IMAP_FOLDER,
                ssl=settings.TICKETS_IMAP_SSL,
            )
            self.stdout.write(str(result))
            if once:
                return
            time.sleep(interval)
