"""What the customer is told: in the contact's language, by e-mail and SMS when the contact wants it,
threaded to their first e-mail, and automatic messages at most once per ticket, address and day."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import SYSTEM
from tests.tickets.conftest import MONDAY_10
from tournevis.customers import services as customer_services
from tournevis.notifications.models import OutboundEmail, OutboundSms
from tournevis.tickets import notify, services


def test_the_acknowledgement_is_automatic_threaded_and_sent_once_a_day(world):
    ticket = services.open_ticket(
        SYSTEM,
        title="Bourrage",
        channel="email",
        contact_id=world.a.contact.pk,
        email_message_id="<abc@alpha.example>",
        at=MONDAY_10,
    )
    ack = OutboundEmail.objects.get()
    assert (ack.to, ack.language, ack.purpose) == ("c@alpha.example", "fr", "ticket.ack")
    assert ack.headers == {
        "Auto-Submitted": "auto-replied",
        "In-Reply-To": "<abc@alpha.example>",
        "References": "<abc@alpha.example>",
    }
    assert notify.customer(ticket, "ack", at=MONDAY_10 + timedelta(hours=3), automatic=True) == 0
    assert notify.customer(ticket, "ack", at=MONDAY_10 + timedelta(days=1), automatic=True) == 1
    assert OutboundEmail.objects.filter(purpose="ticket.ack").count() == 2


def test_a_contact_who_wants_sms_gets_one_in_their_language(world):
    customer_services.update_contact(
        SYSTEM, world.a.contact.pk, {"phone": "+33 6 12 34 56 78", "notify_by_sms": True}
    )
    ticket = services.open_ticket(
        SYSTEM, title="Écran noir", channel="phone", contact_id=world.a.contact.pk, at=MONDAY_10
    )
    services.transition(SYSTEM, ticket.pk, "in_progress", at=MONDAY_10 + timedelta(minutes=5))
    services.transition(SYSTEM, ticket.pk, "resolved", at=MONDAY_10 + timedelta(hours=1))
    assert list(OutboundSms.objects.order_by("id").values_list("to", "text")) == [
        ("+33612345678", f"[{ticket.number}] Nous avons bien reçu votre demande : Écran noir"),
        ("+33612345678", f"[{ticket.number}] Votre demande est maintenant : en cours"),
        ("+33612345678", f"[{ticket.number}] Votre demande est résolue"),
    ]
    assert list(OutboundEmail.objects.order_by("id").values_list("purpose", flat=True)) == [
        "ticket.ack",
        "ticket.status",
        "ticket.resolved",
    ]


def test_nobody_to_tell_queues_nothing(world):
    ticket = services.open_ticket(SYSTEM, title="Trap", channel="snmp", site_id=world.a.site.pk, at=MONDAY_10)
    assert notify.customer(ticket, "resolved", at=MONDAY_10) == 0
    assert (OutboundEmail.objects.count(), OutboundSms.objects.count()) == (0, 0)
