"""Periodic contract work: tacit renewal, expiry of explicit terms, reminders to the account manager.

Run from the worker tick. contracts and notifications are independent siblings in the layer stack,
so the caller (``web``'s worker) passes ``notifications.services.queue_email`` as ``queue_email``;
it writes to the outbox in this function's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tournevis.contracts import domain
from tournevis.contracts.domain import Renewal, Status
from tournevis.contracts.models import Contract, ReminderSent
from tournevis.core import audit
from tournevis.core.actor import Actor

ACTOR = Actor.system("contracts")
QueueEmail = Callable[..., Any]


def _today(contract: Contract, now: datetime) -> Any:
    return now.astimezone(ZoneInfo(contract.customer.timezone)).date()


@transaction.atomic
def renew_and_expire(now: datetime) -> dict[str, int]:
    """Active terms past their end (in the customer's time zone): tacit ones are extended by whole
    renewal periods, explicit ones become expired. Each change is audited."""
    renewed = expired = 0
    for contract in (
        Contract.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(status=Status.ACTIVE, end_date__lte=now.date())  # local "today" ≤ UTC date + 1
        .order_by("id")
    ):
        today = _today(contract, now)
        if contract.end_date >= today:
            continue
        before = audit.snapshot(contract)
        if contract.renewal == Renewal.TACIT:
            contract.end_date = domain.renewed_end(contract.end_date, contract.renewal_months, today)
            action, renewed = "contract.renew", renewed + 1
        else:
            contract.status = domain.check_transition(contract.status, Status.EXPIRED)
            action, expired = "contract.expire", expired + 1
        contract.version += 1
        contract.updated_at = now
        contract.save()
        audit.record(ACTOR, action, contract, before=before, after=audit.snapshot(contract))
    return {"renewed": renewed, "expired": expired}


def _message(contract: Contract, kind: str) -> tuple[str, str]:
    params = {
        "number": contract.number,
        "customer": contract.customer.name,
        "end": contract.end_date.isoformat(),
        "notice_days": contract.notice_days,
    }
    if kind == "notice":
        subject = _("Contract %(number)s: renewal notice deadline approaching") % params
        body = (
            _(
                "Contract %(number)s with %(customer)s ends on %(end)s and renews only explicitly. "
                "The customer must be asked %(notice_days)s days before the end."
            )
            % params
        )
    else:
        subject = _("Contract %(number)s ends on %(end)s") % params
        body = _("Contract %(number)s with %(customer)s ends on %(end)s.") % params
    return subject, body


@transaction.atomic
def send_due_reminders(now: datetime, queue_email: QueueEmail) -> int:
    """Queue the reminders due today for active contracts with an account manager; each (contract,
    kind, term end) is queued at most once (``ReminderSent``). Returns how many were queued."""
    queued = 0
    contracts = (
        Contract.objects.select_related("customer", "account_manager")
        .filter(status=Status.ACTIVE, account_manager__isnull=False)
        .order_by("id")
    )
    for contract in contracts:
        manager = contract.account_manager
        if manager is None or not manager.email or not manager.is_active:
            continue
        sent = ReminderSent.objects.filter(contract=contract, term_end=contract.end_date).values_list(
            "kind", flat=True
        )
        kinds = domain.due_reminders(
            contract.end_date, contract.renewal, contract.notice_days, _today(contract, now), sent
        )
        for kind in kinds:
            with translation.override(manager.language or "en"):
                subject, body = _message(contract, kind)
            queue_email(ACTOR, to=manager.email, subject=subject, body=body, purpose=f"contract.{kind}")
            reminder = ReminderSent.objects.create(
                contract=contract, kind=kind, term_end=contract.end_date, sent_at=now
            )
            audit.record(ACTOR, "contract.remind", contract, after=audit.snapshot(reminder))
            queued += 1
    return queued


def tick(now: datetime, queue_email: QueueEmail) -> dict[str, int]:
    """The worker's contract step: renew or expire ended terms, then queue due reminders."""
    done = renew_and_expire(now)
    return {
        "contracts_renewed": done["renewed"],
        "contracts_expired": done["expired"],
        "contract_reminders_queued": send_due_reminders(now, queue_email),
    }
