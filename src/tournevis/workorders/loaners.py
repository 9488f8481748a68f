"""Loaners for work orders: who is entitled to one, lending one for a repair, and the reminders.

**Entitlement.** A work order entitles its customer to a loaner when its contract is active and
includes a loaner (``Contract.loaner_included``). Without that entitlement a manager (or an admin) may
still lend one, giving a reason (``override_reason``): the reason is written in the work order's
audit event (``workorder.loaner.lend``), so the exception can be found and billed later. Anyone else
is refused (403) — desk agents and dispatchers lend only what the contract promises. A reason given
for an entitled work order is refused too (422): there is nothing to override.

The loan is lent to the work order's customer, at its site, for the work order (demand
``workorder``), through ``stock.services_loaners.lend``. A work order has at most one loan out at a
time; a work order that is completed, validated or cancelled gets none.

**Reminders.** ``send_loan_reminders`` (run by the worker's tick) e-mails the customer about each
loan due back within ``STOCK_LOAN_REMINDER_DAYS`` days or overdue, through the notifications outbox,
in each recipient's language, then marks the loan reminded; a loan is reminded at most once per
period of ``STOCK_LOAN_REMINDER_DAYS`` days. Recipients: for a work order's loan, the work order's
(``notify.recipients``); else the customer's contacts at the loan's site who want e-mail notices, else
all of the customer's contacts who do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from tournevis.contracts.domain import Status as ContractStatus
from tournevis.core import audit
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.errors import Conflict, Forbidden, InvalidInput, NotFound, gettext_noop
from tournevis.customers.models import Contact
from tournevis.identity.domain import Role
from tournevis.notifications import services as outbox
from tournevis.stock import queries_loaners, services_loaners
from tournevis.stock.models import Loan
from tournevis.tickets.domain import subject_with_reference
from tournevis.workorders import notify
from tournevis.workorders.domain import Status
from tournevis.workorders.models import WorkOrder

DEMAND = "workorder"
PURPOSE = "workorder.loan_reminder"
OVERRIDERS = frozenset({Role.ADMIN, Role.MANAGER, "system"})
CLOSED = frozenset({Status.COMPLETED, Status.VALIDATED, Status.CANCELLED})


def entitled(order: WorkOrder) -> bool:
    """Whether the work order's contract promises a loaner (an active contract that includes one)."""
    contract = order.contract
    return contract is not None and contract.status == ContractStatus.ACTIVE and contract.loaner_included


def open_loan(order: WorkOrder) -> Loan | None:
    """The work order's loan still out, if any."""
    return (
        Loan.objects.select_related("loaner", "loaner__equipment_model", "customer", "site")
        .filter(demand_type=DEMAND, demand_id=order.pk, returned_at__isnull=True)
        .first()
    )


@dataclass(frozen=True)
class LoanerSituation:
    """What the work-order page and API show: the entitlement and the loans made for the work order."""

    entitled: bool
    contract_number: str | None
    current: Loan | None
    past: list[Loan]
    can_lend: bool  # the order is still open and has no loan out


def situation(order: WorkOrder) -> LoanerSituation:
    loans = list(
        Loan.objects.select_related("loaner", "loaner__equipment_model", "customer", "site")
        .filter(demand_type=DEMAND, demand_id=order.pk)
        .order_by("-lent_at", "-id")
    )
    current = next((loan for loan in loans if loan.returned_at is None), None)
    return LoanerSituation(
        entitled=entitled(order),
        contract_number=order.contract.number if order.contract is not None else None,
        current=current,
        past=[loan for loan in loans if loan is not current],
        can_lend=current is None and order.status not in CLOSED,
    )


@transaction.atomic
def lend_for_work_order(
    actor: Actor,
    work_order_id: int,
    loaner_id: int,
    due_back: date,
    *,
    override_reason: str = "",
) -> Loan:
    """Lend a loaner to the work order's customer at its site until ``due_back``; see the module
    docstring for the entitlement and the manager's override."""
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("contract")
        .filter(pk=work_order_id)
        .first()
    )
    if order is None:
        raise NotFound(gettext_noop("No work order with id %(id)s."), id=work_order_id)
    reason = clean_text(override_reason, "override_reason", max_length=300)
    if order.status in CLOSED:
        raise Conflict(
            gettext_noop("Work order %(number)s is closed: no loaner is lent for it."),
            field="loaner_id",
            number=order.number,
        )
    if open_loan(order) is not None:
        raise Conflict(
            gettext_noop("A loaner is already out for work order %(number)s."),
            field="loaner_id",
            number=order.number,
        )
    is_entitled = entitled(order)
    if is_entitled and reason:
        raise InvalidInput(
            gettext_noop("The contract includes a loaner: there is nothing to override."),
            field="override_reason",
        )
    if not is_entitled:
        if actor.role not in OVERRIDERS:
            raise Forbidden(
                gettext_noop("The contract does not include a loaner: only a manager may lend one."),
                field="override_reason",
            )
        if not reason:
            raise InvalidInput(
                gettext_noop("The contract does not include a loaner: give the reason for lending one."),
                field="override_reason",
            )
    loan = services_loaners.lend(
        actor,
        loaner_id,
        customer_id=order.customer_id,
        site_id=order.site_id,
        due_back=due_back,
        demand_type=DEMAND,
        demand_id=order.pk,
        demand_label=order.number,
    )
    audit.record(
        actor,
        "workorder.loaner.lend",
        order,
        after={
            "loan_id": loan.pk,
            "loaner_id": loan.loaner_id,
            "due_back": loan.due_back.isoformat(),
            "entitled": is_entitled,
            "override_reason": reason,
        },
    )
    return loan


# --- Reminders -------------------------------------------------------------------------------------


def _recipients(loan: Loan, order: WorkOrder | None) -> list[tuple[str, str]]:
    if order is not None:
        found = notify.recipients(order)
        if found:
            return found
    contacts = Contact.objects.filter(customer_id=loan.customer_id, notify_by_email=True).exclude(email="")
    at_site = contacts.filter(site_id=loan.site_id) if loan.site_id is not None else contacts.none()
    chosen = at_site if at_site.exists() else contacts
    return [(str(c.email), c.language or "en") for c in chosen.order_by("name", "id")]


def _reminder_texts(loan: Loan, order: WorkOrder | None, now: datetime, language: str) -> tuple[str, str]:
    overdue = queries_loaners.overdue_days(loan, now)
    with translation.override(language):
        params = {
            "model": str(loan.loaner.equipment_model),
            "serial": loan.loaner.serial,
            "lent": formats.date_format(
                services_loaners.local_today(loan.lent_at, loan.customer.timezone), "DATE_FORMAT"
            ),
            "day": formats.date_format(loan.due_back, "DATE_FORMAT"),
            "site": loan.site.name if loan.site is not None else loan.customer.name,
            "reference": order.number if order is not None else loan.demand_label,
        }
        if overdue:
            subject = _("Loaned equipment %(serial)s was due back on %(day)s") % params
            when = _("was due back on %(day)s") % params
        else:
            subject = _("Loaned equipment %(serial)s is due back on %(day)s") % params
            when = _("is due back on %(day)s") % params
        body = _(
            "Hello,\n\nThe %(model)s (serial number %(serial)s) lent to you at %(site)s on %(lent)s "
            "%(when)s.\nPlease have it ready for collection or tell us when we may pick it up by "
            "replying to this e-mail.\n"
        ) % {**params, "when": when}
        if params["reference"]:
            body += _("Work order: %(reference)s\n") % params
    if order is not None:
        reference = order.ticket.number if order.ticket is not None else order.number
        subject = subject_with_reference(reference, subject)
    return subject, body


def _remind(actor: Actor, loan_id: int, now: datetime) -> int | None:
    """Remind the customer of one loan (locked, re-checked: a concurrent tick sends nothing twice);
    how many e-mails were queued, None when the loan needed no reminder after all."""
    with transaction.atomic():
        loan = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("loaner", "loaner__equipment_model", "customer", "site")
            .filter(pk=loan_id)
            .first()
        )
        if loan is None or not queries_loaners.needs_reminder(loan, now):
            return None
        order = None
        if loan.demand_type == DEMAND and loan.demand_id is not None:
            order = (
                WorkOrder.objects.select_related("contact", "ticket", "ticket__contact", "site")
                .filter(pk=loan.demand_id)
                .first()
            )
        sent = 0
        for address, language in _recipients(loan, order):
            subject, body = _reminder_texts(loan, order, now, language)
            outbox.queue_email(
                actor,
                to=address,
                subject=subject,
                body=body,
                purpose=PURPOSE,
                language=language,
                subject_ref=f"loan:{loan.pk}",
            )
            sent += 1
        # Marked even without a recipient: the loan shows on the loans-out page, nobody is spammed.
        services_loaners.mark_reminded(actor, loan.pk, now)
        return sent


def send_loan_reminders(actor: Actor, now: datetime) -> dict[str, int]:
    """Remind customers of the loans due back soon or overdue (each loan in its own transaction)."""
    loans = reminded = 0
    for loan in queries_loaners.loans_due_for_reminder(now):
        sent = _remind(actor, loan.pk, now)
        if sent is not None:
            loans, reminded = loans + 1, reminded + sent
    return {"loans_reminded": loans, "loan_reminder_emails": reminded}
