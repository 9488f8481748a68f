"""Ticket SLA glue: the entitlement of a ticket, its clocks following its status, the recurring
customer-update clock, re-targeting after a priority or object change. The clocks themselves are
``contracts.sla_services`` rows with subject_type ``"ticket"``; a configuration problem (a calendar
with no opening slot) never blocks a ticket: ``run_safely`` records it on the timeline instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction

from tournevis.contracts import sla_services
from tournevis.contracts.models import SlaClock
from tournevis.contracts.queries import Entitlement, entitlement
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.tickets import domain
from tournevis.tickets.events import event
from tournevis.tickets.models import Ticket

logger = logging.getLogger(__name__)
SUBJECT = "ticket"
PAUSED_WHILE = frozenset({domain.Status.RESOLVED.value})


def entitlement_of(ticket: Ticket, at: datetime) -> Entitlement | None:
    if ticket.service_object is None and ticket.site is None:
        return None
    return entitlement(
        service_object=ticket.service_object, site=ticket.site, at=at, priority=ticket.priority
    )


def apply_entitlement(ticket: Ticket, found: Entitlement | None) -> None:
    ticket.contract_id = found.contract_id if found is not None else None
    ticket.coverage = (found.coverage or "") if found is not None and found.covered else "time_and_materials"


def follow_status(actor: Actor, ticket: Ticket, old: str, new: str, at: datetime) -> None:
    if new == domain.Status.CLOSED:
        for row in SlaClock.objects.filter(
            subject_type=SUBJECT, subject_id=ticket.pk, stopped_at__isnull=True
        ):
            sla_services.stop_clock(actor, SUBJECT, ticket.pk, row.kind, at=at)
        return
    if new == domain.Status.RESOLVED:
        for kind in ("response", "onsite"):
            stop_if_open(actor, ticket, kind, at)
        sla_services.pause_clocks(actor, SUBJECT, ticket.pk, at=at, reason=new)
        return
    sla_services.apply_status(actor, SUBJECT, ticket.pk, new, at=at)


def stop_if_open(actor: Actor, ticket: Ticket, kind: str, at: datetime) -> bool:
    if SlaClock.objects.filter(
        subject_type=SUBJECT, subject_id=ticket.pk, kind=kind, stopped_at__isnull=True
    ).exists():
        sla_services.stop_clock(actor, SUBJECT, ticket.pk, kind, at=at)
        return True
    return False


def restart_update_clock(actor: Actor, ticket: Ticket, at: datetime) -> None:
    """The customer-update clock is recurring: met by this update, a new cycle starts now."""
    row = SlaClock.objects.filter(
        subject_type=SUBJECT, subject_id=ticket.pk, kind="update", stopped_at__isnull=True
    ).first()
    if row is None:
        return
    sla_services.stop_clock(actor, SUBJECT, ticket.pk, "update", at=at)
    sla_services.start_clocks(
        actor,
        SUBJECT,
        ticket.pk,
        at=at,
        priority=ticket.priority,
        targets={"update": row.target_minutes},
        calendar_id=row.calendar_id,
        contract_id=row.contract_id,
        sla_policy_id=row.sla_policy_id,
    )
    if ticket.status in PAUSED_WHILE or ticket.status in settings.CONTRACTS_SLA_PAUSE_STATUSES:
        sla_services.pause_clocks(actor, SUBJECT, ticket.pk, at=at, reason=ticket.status, kinds=["update"])


def run_safely(actor: Actor, ticket: Ticket, at: datetime, step: Callable[[], object]) -> None:
    """Run an SLA step; a configuration problem (a calendar with no opening slot...) never blocks the
    ticket: it is recorded on the timeline and the log, and the ticket goes on without those clocks."""
    try:
        with transaction.atomic():
            step()
    except DomainError as exc:
        logger.error("ticket %s: SLA clocks not started: %s", ticket.number, exc.text())
        event(ticket, "sla_unavailable", actor, at, error=exc.text(), field=exc.field or "")


def retarget(actor: Actor, ticket: Ticket, at: datetime, reason: str) -> None:
    found = entitlement_of(ticket, at)
    apply_entitlement(ticket, found)
    if found is None or not found.targets:
        return
    if SlaClock.objects.filter(subject_type=SUBJECT, subject_id=ticket.pk).exists():
        run_safely(
            actor,
            ticket,
            at,
            lambda: sla_services.retarget(
                actor, SUBJECT, ticket.pk, at=at, priority=ticket.priority, entitlement=found, reason=reason
            ),
        )
    else:
        run_safely(
            actor,
            ticket,
            at,
            lambda: sla_services.start_clocks(
                actor, SUBJECT, ticket.pk, at=at, priority=ticket.priority, entitlement=found
            ),
        )
