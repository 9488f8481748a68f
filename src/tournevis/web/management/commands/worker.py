"""tournevis worker: the periodic tick (deliver the outbox, purge login failures and old idempotency keys,
renew or expire contracts and queue their reminders, fire SLA escalations and apply their actions to
tickets, store bug-tracker links, flag overdue customer updates, generate preventive work orders,
remind customers of loaners due back, resume SLA clocks paused for parts that have arrived, purge the
technician app's old operation log).

Queued django-tasks run in ``tournevis db_worker``; this loop does the time-driven work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tournevis.contracts import services_reminders as contracts
from tournevis.contracts import sla_services
from tournevis.core import clock, idempotency
from tournevis.core.actor import Actor
from tournevis.identity import throttle
from tournevis.mobile import tasks as mobile_tasks
from tournevis.notifications import services as notifications
from tournevis.tickets import tasks as tickets_tasks
from tournevis.workorders import loaners as workorder_loaners
from tournevis.workorders import parts, preventive
from tournevis.workorders import report as workorder_report

logger = logging.getLogger(__name__)
LOANERS = Actor.system("loaners")  # who sends the loan reminders
PARTS = Actor.system("stock")  # who resumes SLA clocks once parts have arrived
REPORTS = Actor.system("reports")  # who builds and mails the service reports


def _steps() -> list[tuple[str, Callable[[], dict[str, int]]]]:
    """The tick's jobs, in order; e-mail goes last so what this tick queued leaves in this tick."""
    return [
        (
            "purges",
            lambda: {
                "login_failures_purged": throttle.purge_expired(),
                "idempotency_keys_purged": idempotency.purge(
                    clock.now() - timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
                ),
            },
        ),
        ("contracts", lambda: contracts.tick(clock.now(), notifications.queue_email)),
        ("sla", lambda: sla_services.tick(clock.now(), notifications.queue_email)),
        ("tickets", lambda: tickets_tasks.tick(clock.now())),
        ("preventive", lambda: preventive.tick(clock.now())),
        ("loaners", lambda: workorder_loaners.send_loan_reminders(LOANERS, clock.now())),
        ("parts", lambda: parts.resume_arrived(PARTS, clock.now())),
        ("reports", lambda: workorder_report.build_pending(REPORTS, clock.now())),
        ("mobile", lambda: mobile_tasks.tick(clock.now())),
        ("outbox", notifications.deliver_outbox),
    ]


def tick() -> dict[str, int]:
    """Run every job; one that fails is logged and retried next tick without stopping the others."""
    done: dict[str, int] = {}
    for name, step in _steps():
        try:
            done.update(step())
        except Exception:
            logger.exception("worker step %s failed; retried at the next tick", name)
    return done


class Command(BaseCommand):
    help = "Run the periodic tick: deliver queued e-mail, purge expired login failures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between ticks (default 5).")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            done = tick()
            if options["verbosity"] > 1 or options["once"]:
                self.stdout.write(", ".join(f"{k}={v}" for k, v in done.items()))
            if options["once"]:
                return
            time.sleep(options["interval"])
