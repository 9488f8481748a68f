"""Periodic work of tickets, run by ``tournevis worker`` (step "tickets", before "outbox"):

(a) SLA escalation actions fired on ticket clocks (``contracts.sla_services.pending_actions``):
    ``move_queue`` {"queue": code} → the ticket moves to that queue; ``move_tier`` {"tier": n} → to the
    first queue of that tier by code, unless it is already in that tier; ``raise_priority`` → one step
    up (P4 → P3 → P2 → P1, P1 stays) or to ``{"to": "P1"}`` when that is more urgent. Each gets an
    "escalation" timeline Event and is marked handled in the same transaction (an action that cannot be
    applied — unknown queue, closed ticket — is recorded and marked handled too, never retried forever).
(b) the bug tracker's answers: the created issue's link (``bugs.store_issue_links``).
(c) customer updates overdue: an open ticket whose "update" clock is breached gets one
    "update_overdue" Event per clock (each update restarts the clock with a new row), naming the
    assignee, and the assignee is e-mailed. The manager hears through the tier's escalation levels.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tournevis.contracts import sla_services
from tournevis.contracts.models import SlaClock, SlaEscalation
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.notifications import services as outbox
from tournevis.tickets import bugs, domain, services
from tournevis.tickets.models import Event, Queue, Ticket

logger = logging.getLogger(__name__)
ACTOR = Actor.system("sla-escalation")
ACTIONS = ("move_queue", "move_tier", "raise_priority")
PRIORITIES = [p.value for p in domain.Priority]  # most urgent first


def tick(now: datetime) -> dict[str, int]:
    """Run (a), (b) and (c); returns counts for the worker's log line."""
    done: dict[str, int] = {}
    done.update(apply_escalations(now))
    done.update(bugs.store_issue_links(now))
    done.update(flag_overdue_updates(now))
    return done


# --- (a) SLA escalation actions -------------------------------------------------------------------


def raised(current: str, params: dict[str, Any]) -> str:
    """The priority after a ``raise_priority`` escalation (never lower than ``current``)."""
    target = params.get("to")
    if isinstance(target, str) and target in PRIORITIES:
        return target if PRIORITIES.index(target) < PRIORITIES.index(current) else current
    return PRIORITIES[max(PRIORITIES.index(current) - 1, 0)]


def _change(ticket: Ticket, escalation: SlaEscalation) -> tuple[dict[str, Any], str]:
    """The ``services.update`` fields for the escalation, or ({}, a code saying why nothing changes:
    already_in_queue, no_tier, already_in_tier, no_queue_of_tier, priority_already_as_high)."""
    params = escalation.params or {}
    if escalation.action == "move_queue":
        code = params.get("queue")
        if code == ticket.queue.code:
            return {}, "already_in_queue"
        return {"queue": code}, ""
    if escalation.action == "move_tier":
        tier = params.get("tier")
        if not isinstance(tier, int):
            return {}, "no_tier"
        if ticket.queue.tier == tier:
            return {}, "already_in_tier"
        queue = Queue.objects.filter(tier=tier, is_triage=False).order_by("code").first()
        if queue is None:
            return {}, "no_queue_of_tier"
        return {"queue": queue.code}, ""
    new = raised(ticket.priority, params)
    if new == ticket.priority:
        return {}, "priority_already_as_high"
    return {"priority": new}, ""


def _apply(escalation: SlaEscalation, now: datetime) -> bool:
    """Apply one escalation in one transaction; True when the ticket changed."""
    with transaction.atomic():
        row = SlaEscalation.objects.select_for_update().filter(pk=escalation.pk, handled_at__isnull=True)
        if not row.exists():
            return False  # another worker applied it
        ticket = Ticket.objects.select_related("queue").filter(pk=escalation.clock.subject_id).first()
        changed = False
        if ticket is None:
            logger.warning("SLA escalation %s names no ticket %s", escalation.pk, escalation.clock.subject_id)
        else:
            data: dict[str, Any] = {
                "level": escalation.level,
                "action": escalation.action,
                "clock": escalation.clock.kind,
                "params": escalation.params,
            }
            fields: dict[str, Any]
            if ticket.merged_into_id is not None or ticket.status not in domain.OPEN_STATUSES:
                fields, skipped = {}, "ticket_not_open"
            else:
                fields, skipped = _change(ticket, escalation)
            if fields:
                reason = f"SLA escalation level {escalation.level} ({escalation.clock.kind})"
                try:
                    services.update(ACTOR, ticket.pk, fields, reason=reason, at=now)
                    data["applied"] = fields
                    changed = True
                except DomainError as exc:
                    logger.error("SLA escalation %s on %s: %s", escalation.pk, ticket.number, exc.text())
                    data["error"] = exc.text()
            else:
                data["skipped"] = skipped
            services.event(ticket, "escalation", ACTOR, now, **data)
        sla_services.mark_handled(escalation.pk, now)
        return changed


def apply_escalations(now: datetime) -> dict[str, int]:
    applied = skipped = 0
    for escalation in sla_services.pending_actions("ticket", ACTIONS):
        if _apply(escalation, now):
            applied += 1
        else:
            skipped += 1
    return {"ticket_escalations_applied": applied, "ticket_escalations_skipped": skipped}


# --- (c) Customer updates overdue -----------------------------------------------------------------


def _tell_assignee(ticket: Ticket, assignee_id: int, deadline: datetime) -> None:
    user = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
    if user is None or not user.email:
        return
    with translation.override(getattr(user, "language", "") or "en"):
        params = {"number": ticket.number, "title": ticket.title, "deadline": deadline.isoformat()}
        subject = _("[%(number)s] Customer update overdue") % params
        body = (
            _(
                "The customer of ticket %(number)s (%(title)s) was due an update at %(deadline)s.\n"
                "Post a public message on the ticket to update them.\n"
            )
            % params
        )
    outbox.queue_email(
        ACTOR,
        to=user.email,
        subject=subject,
        body=body,
        purpose="ticket.update_overdue",
        language=getattr(user, "language", ""),
        subject_ref=f"ticket:{ticket.number}",
    )


def flag_overdue_updates(now: datetime) -> dict[str, int]:
    """One "update_overdue" Event (and an e-mail to the assignee) per breached update clock."""
    flagged = 0
    clocks = SlaClock.objects.filter(
        subject_type=services.SUBJECT,
        kind="update",
        stopped_at__isnull=True,
        breached_at__isnull=False,
        breached_at__lte=now,
    ).order_by("id")
    for clock_row in clocks:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update()
                .filter(pk=clock_row.subject_id, status__in=domain.OPEN_STATUSES, merged_into__isnull=True)
                .first()
            )
            if ticket is None:
                continue
            if Event.objects.filter(ticket=ticket, kind="update_overdue", data__clock=clock_row.pk).exists():
                continue
            services.event(
                ticket,
                "update_overdue",
                ACTOR,
                now,
                clock=clock_row.pk,
                deadline=clock_row.deadline.isoformat(),
                assignee=ticket.assignee_id,
            )
            if ticket.assignee_id is not None:
                _tell_assignee(ticket, ticket.assignee_id, clock_row.deadline)
            flagged += 1
    return {"ticket_updates_overdue": flagged}
