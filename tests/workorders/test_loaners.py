"""Loaners for work orders: the contract's entitlement, the manager's override with a reason, one loan
out per work order, and the reminder e-mails (the contact's language, once per period, from the
worker's tick)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.stock.loaner_support import DUE, NOW, loaner
from tests.workorders.conftest import make_order
from tournevis.contracts import services as contract_services
from tournevis.contracts.models import Contract
from tournevis.core import clock
from tournevis.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tournevis.core.models import AuditEvent
from tournevis.customers.models import Contact
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.notifications.models import OutboundEmail
from tournevis.stock import services_loaners
from tournevis.stock.models import Loan
from tournevis.web.management.commands import worker
from tournevis.workorders import loaners
from tournevis.workorders.models import WorkOrder


def refused(call: Callable[[], Any], error: type[DomainError], field: str | None) -> DomainError:
    before, audits = db_state(), audit_count()
    with pytest.raises(error) as caught:
        call()
    assert caught.value.field == field
    assert (db_state(), audit_count()) == (before, audits)
    return caught.value


def contract(world: World, *, loaner_included: bool, status: str = "active") -> Contract:
    return contract_services.create_contract(
        SYSTEM,
        world.a.customer.pk,
        {
            "type": "warranty",
            "status": status,
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
            "currency": "EUR",
            "price_minor": 120000,
            "loaner_included": loaner_included,
            "coverage": {"site_ids": [world.a.site.pk]},
        },
    )


def order_under(world: World, *, loaner_included: bool, status: str = "active") -> WorkOrder:
    found = contract(world, loaner_included=loaner_included, status=status)
    return make_order(world, contract_id=found.pk)


def as_role(world: World, role: str) -> Any:
    return actor_for(world.staff[role])


# --- Entitlement ---------------------------------------------------------------------------------------


def test_an_entitled_work_order_gets_a_loaner_from_the_desk(world: World):
    order = order_under(world, loaner_included=True)
    item = loaner(world)
    with clock.frozen(NOW):
        loan = loaners.lend_for_work_order(as_role(world, Role.AGENT), order.pk, item.pk, DUE)
    assert (loan.customer_id, loan.site_id, loan.due_back) == (world.a.customer.pk, world.a.site.pk, DUE)
    assert (loan.demand_type, loan.demand_id, loan.demand_label) == ("workorder", order.pk, order.number)
    event = AuditEvent.objects.get(action="workorder.loaner.lend")
    assert (event.object_type, event.object_id) == ("workorders.workorder", str(order.pk))
    assert event.after == {
        "loan_id": loan.pk,
        "loaner_id": item.pk,
        "due_back": "2026-03-20",
        "entitled": True,
        "override_reason": "",
    }
    found = loaners.situation(order)
    assert (found.entitled, found.current, found.past, found.can_lend) == (True, loan, [], False)


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER])
def test_without_entitlement_the_desk_is_refused(world: World, role):
    order = order_under(world, loaner_included=False)
    item = loaner(world)
    with clock.frozen(NOW):
        refused(
            lambda: loaners.lend_for_work_order(
                as_role(world, role), order.pk, item.pk, DUE, override_reason="VIP customer"
            ),
            Forbidden,
            "override_reason",
        )


def test_without_entitlement_a_manager_lends_with_a_reason(world: World):
    order = order_under(world, loaner_included=False)
    item = loaner(world)
    manager = as_role(world, Role.MANAGER)
    with clock.frozen(NOW):
        refused(
            lambda: loaners.lend_for_work_order(manager, order.pk, item.pk, DUE),
            InvalidInput,
            "override_reason",
        )
        loan = loaners.lend_for_work_order(manager, order.pk, item.pk, DUE, override_reason=" Key account ")
    event = AuditEvent.objects.get(action="workorder.loaner.lend")
    assert (event.after["entitled"], event.after["override_reason"], event.actor_label) == (
        False,
        "Key account",
        manager.label,
    )
    assert loan.demand_id == order.pk


def test_a_suspended_contract_or_no_contract_entitles_nobody(world: World):
    suspended = order_under(world, loaner_included=True)
    Contract.objects.filter(pk=suspended.contract_id).update(status="suspended")
    suspended.refresh_from_db()
    bare = make_order(world)
    assert (loaners.entitled(suspended), loaners.entitled(bare)) == (False, False)
    item = loaner(world)
    with clock.frozen(NOW):
        refused(
            lambda: loaners.lend_for_work_order(as_role(world, Role.AGENT), bare.pk, item.pk, DUE),
            Forbidden,
            "override_reason",
        )


def test_a_reason_for_an_entitled_work_order_is_refused(world: World):
    order = order_under(world, loaner_included=True)
    item = loaner(world)
    with clock.frozen(NOW):
        refused(
            lambda: loaners.lend_for_work_order(SYSTEM, order.pk, item.pk, DUE, override_reason="Why not"),
            InvalidInput,
            "override_reason",
        )


def test_one_loan_out_per_work_order_and_none_once_closed(world: World):
    order = order_under(world, loaner_included=True)
    first, second = loaner(world, "LN-1"), loaner(world, "LN-2")
    with clock.frozen(NOW):
        loan = loaners.lend_for_work_order(SYSTEM, order.pk, first.pk, DUE)
        refused(lambda: loaners.lend_for_work_order(SYSTEM, order.pk, second.pk, DUE), Conflict, "loaner_id")
        services_loaners.return_loaner(SYSTEM, loan.pk)
        again = loaners.lend_for_work_order(SYSTEM, order.pk, second.pk, DUE)
    found = loaners.situation(order)
    assert (found.current, found.past) == (again, [Loan.objects.get(pk=loan.pk)])
    WorkOrder.objects.filter(pk=order.pk).update(status="cancelled")
    with clock.frozen(NOW):
        services_loaners.return_loaner(SYSTEM, again.pk)
        refused(lambda: loaners.lend_for_work_order(SYSTEM, order.pk, first.pk, DUE), Conflict, "loaner_id")
    assert loaners.situation(WorkOrder.objects.get(pk=order.pk)).can_lend is False


def test_the_stock_refusals_come_through(world: World):
    order = order_under(world, loaner_included=True)
    item = loaner(world)
    with clock.frozen(NOW):
        refused(lambda: loaners.lend_for_work_order(SYSTEM, 999999, item.pk, DUE), NotFound, None)
        refused(
            lambda: loaners.lend_for_work_order(SYSTEM, order.pk, item.pk, NOW.date() - timedelta(days=1)),
            InvalidInput,
            "due_back",
        )
        refused(lambda: loaners.lend_for_work_order(SYSTEM, order.pk, 999999, DUE), NotFound, None)


# --- Reminders -----------------------------------------------------------------------------------------


def lent_for(world: World, due_back: date, language: str = "fr") -> tuple[WorkOrder, Loan]:
    Contact.objects.filter(pk=world.a.contact.pk).update(language=language)
    order = order_under(world, loaner_included=True)
    with clock.frozen(NOW):
        loan = loaners.lend_for_work_order(SYSTEM, order.pk, loaner(world).pk, due_back)
    return order, loan


def test_a_reminder_goes_to_the_contact_in_their_language(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    order, loan = lent_for(world, date(2026, 3, 12), language="en")

    with clock.frozen(NOW):
        done = loaners.send_loan_reminders(SYSTEM, NOW)

    assert done == {"loans_reminded": 1, "loan_reminder_emails": 1}
    mail = OutboundEmail.objects.get()
    assert (mail.to, mail.language, mail.purpose, mail.subject_ref) == (
        "c@alpha.example",
        "en",
        "workorder.loan_reminder",
        f"loan:{loan.pk}",
    )
    assert mail.subject == f"[{order.number}] Loaned equipment LN-001 is due back on 12 March 2026"
    assert mail.body == (
        "Hello,\n\nThe Glory GFS-220 (serial number LN-001) lent to you at Alpha HQ on 10 March 2026 "
        "is due back on 12 March 2026.\nPlease have it ready for collection or tell us when we may pick "
        f"it up by replying to this e-mail.\nWork order: {order.number}\n"
    )
    assert Loan.objects.get(pk=loan.pk).reminded_at == NOW


def test_a_french_contact_gets_french_dates_and_no_second_reminder_within_the_period(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    order, loan = lent_for(world, date(2026, 3, 11))
    with clock.frozen(NOW):
        loaners.send_loan_reminders(SYSTEM, NOW)
    mail = OutboundEmail.objects.get()
    assert mail.language == "fr"
    assert "11 mars 2026" in mail.subject and order.number in mail.subject

    # A day later, still within the period: nothing more
    later = NOW + timedelta(days=1, hours=23)
    with clock.frozen(later):
        assert loaners.send_loan_reminders(SYSTEM, later) == {"loans_reminded": 0, "loan_reminder_emails": 0}
    assert OutboundEmail.objects.count() == 1

    # Two days later it is overdue: a second reminder, worded as overdue
    overdue = NOW + timedelta(days=2)
    with clock.frozen(overdue):
        assert loaners.send_loan_reminders(SYSTEM, overdue) == {
            "loans_reminded": 1,
            "loan_reminder_emails": 1,
        }
    second = OutboundEmail.objects.order_by("id").last()
    assert second is not None and second.language == "fr"
    assert "11 mars 2026" in second.subject and second.subject != mail.subject  # "was due back"
    assert Loan.objects.get(pk=loan.pk).reminded_at == overdue


def test_an_overdue_reminder_says_so(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    order, _loan = lent_for(world, date(2026, 3, 11), language="en")
    later = NOW + timedelta(days=3)
    with clock.frozen(later):
        loaners.send_loan_reminders(SYSTEM, later)
    mail = OutboundEmail.objects.get()
    assert mail.subject == f"[{order.number}] Loaned equipment LN-001 was due back on 11 March 2026"
    assert "on 10 March 2026 was due back on 11 March 2026.\n" in mail.body


def test_a_loan_not_yet_due_and_a_returned_loan_get_no_reminder(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    _order, loan = lent_for(world, date(2026, 3, 13))
    with clock.frozen(NOW):
        assert loaners.send_loan_reminders(SYSTEM, NOW)["loans_reminded"] == 0
        services_loaners.return_loaner(SYSTEM, loan.pk)
    later = NOW + timedelta(days=10)
    with clock.frozen(later):
        assert loaners.send_loan_reminders(SYSTEM, later)["loans_reminded"] == 0
    assert OutboundEmail.objects.count() == 0


def test_a_loan_without_a_work_order_reminds_the_customers_contacts(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    Contact.objects.create(
        customer=world.a.customer,
        site=world.a.site,
        name="Site desk",
        email="desk@alpha.example",
        language="fr",
        created_at=NOW,
        updated_at=NOW,
    )
    with clock.frozen(NOW):
        loan = services_loaners.lend(
            SYSTEM,
            loaner(world).pk,
            customer_id=world.a.customer.pk,
            site_id=world.a.site.pk,
            due_back=NOW.date(),
        )
        loaners.send_loan_reminders(SYSTEM, NOW)
    mail = OutboundEmail.objects.get()
    assert (mail.to, mail.language, mail.subject_ref) == ("desk@alpha.example", "fr", f"loan:{loan.pk}")
    assert "10 mars 2026" in mail.subject


def test_the_worker_tick_sends_the_reminders_once(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    lent_for(world, date(2026, 3, 11), language="en")
    with clock.frozen(NOW):
        first = worker.tick()
        second = worker.tick()
    assert (first["loans_reminded"], second["loans_reminded"]) == (1, 0)
    assert OutboundEmail.objects.filter(purpose="workorder.loan_reminder").count() == 1
