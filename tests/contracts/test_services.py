"""Which calendar applies, the engine's calendar, tacit renewal, expiry and reminders (idempotent)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import SYSTEM
from tournevis.contracts import queries, services, services_reminders, services_tiers
from tournevis.contracts.models import Contract, ReminderSent
from tournevis.core import business_time
from tournevis.core.models import AuditEvent
from tournevis.notifications.models import OutboundEmail
from tournevis.notifications.services import queue_email


def _contract(world, **extra):
    data = {
        "type": "warranty",
        "status": "active",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "currency": "EUR",
        "coverage": {"site_ids": [world.a.site.pk]},
        **extra,
    }
    return services.create_contract(SYSTEM, world.a.customer.pk, data)


def test_the_most_specific_calendar_applies(world):
    def calendar(name):
        return services_tiers.create_calendar(SYSTEM, {"name": name, "timezone": "Europe/Paris"})

    contract = _contract(world)
    assert (queries.calendar_for(contract=contract).name, queries.calendar_for().pk) == ("24/7 UTC", None)
    default = services_tiers.create_calendar(
        SYSTEM, {"name": "Default", "timezone": "UTC", "is_default": True}
    )
    assert queries.calendar_for(contract=contract) == default
    by_customer = calendar("Customer")
    services_tiers.assign_calendar(SYSTEM, by_customer.pk, customer_id=world.a.customer.pk)
    assert queries.calendar_for(contract=contract, site=world.a.site) == by_customer
    by_site = calendar("Site")
    services_tiers.assign_calendar(SYSTEM, by_site.pk, site_id=world.a.site.pk)
    assert queries.calendar_for(contract=contract, site=world.a.site) == by_site
    assert queries.calendar_for(site=world.b.site) == default
    by_contract = calendar("Contract")
    services.update_contract(SYSTEM, contract.pk, {"calendar_id": by_contract.pk})
    contract.refresh_from_db()
    assert queries.calendar_for(contract=contract, site=world.a.site) == by_contract


def test_a_stored_calendar_becomes_the_engines_calendar(world):
    row = services_tiers.create_calendar(
        SYSTEM,
        {
            "name": "Paris",
            "timezone": "Europe/Paris",
            "slots": {"mon": [["08:00", "12:00"], ["13:30", "18:00"]]},
            "holidays": {"country": "FR"},
            "closures": [
                ["2026-08-03", "2026-08-04"],
                ["2026-05-05T12:00:00+02:00", "2026-05-05T18:00:00+02:00"],
            ],
            "yearly_closures": [["12-24", "01-01"]],
        },
    )
    engine = queries.to_engine(row, [2026])
    paris = engine.closures[0][0].tzinfo
    assert engine == business_time.Calendar(
        timezone="Europe/Paris",
        slots={"mon": (("08:00", "12:00"), ("13:30", "18:00"))},
        holidays=business_time.holiday_dates("FR", None, [2026]),
        closures=(
            (
                datetime.fromisoformat("2026-05-05T12:00:00+02:00"),
                datetime.fromisoformat("2026-05-05T18:00:00+02:00"),
            ),
            (datetime(2026, 8, 3, tzinfo=paris), datetime(2026, 8, 5, tzinfo=paris)),
        ),
        yearly_closures=(((12, 24), (1, 1)),),
    )
    assert date(2026, 7, 14) in engine.holidays
    assert queries.to_engine(queries.fallback_calendar(), [2026]) == business_time.Calendar.always_open("UTC")


def test_tacit_terms_renew_and_explicit_ones_expire_at_their_end(world):
    tacit = _contract(world)
    explicit = _contract(world, renewal="explicit")
    done = services_reminders.renew_and_expire(datetime(2027, 1, 1, 12, tzinfo=UTC))
    assert done == {"renewed": 1, "expired": 1}
    tacit.refresh_from_db()
    explicit.refresh_from_db()
    assert (tacit.end_date, tacit.version, explicit.status, explicit.version) == (
        date(2027, 12, 31),
        2,
        "expired",
        2,
    )
    assert AuditEvent.objects.get(action="contract.renew").after["end_date"] == "2027-12-31"
    assert services_reminders.renew_and_expire(datetime(2027, 1, 2, tzinfo=UTC)) == {
        "renewed": 0,
        "expired": 0,
    }


def test_the_term_ends_in_the_customers_time_zone(world):
    contract = _contract(world)
    # 23:30 UTC on Dec 31 is already Jan 1 in Paris
    assert services_reminders.renew_and_expire(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))["renewed"] == 0
    assert services_reminders.renew_and_expire(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))["renewed"] == 1
    assert Contract.objects.get(pk=contract.pk).end_date == date(2027, 12, 31)


def test_reminders_go_once_to_the_account_manager(world):
    manager = world.staff["manager"]
    contract = _contract(world, renewal="explicit", notice_days=60, account_manager_id=manager.pk)
    _contract(world)  # no account manager: no reminder

    first = services_reminders.send_due_reminders(datetime(2026, 10, 25, 8, tzinfo=UTC), queue_email)
    again = services_reminders.send_due_reminders(datetime(2026, 10, 26, 8, tzinfo=UTC), queue_email)
    later = services_reminders.send_due_reminders(datetime(2026, 12, 1, 8, tzinfo=UTC), queue_email)

    # Oct 25: 90 days before the end, and a week before the notice deadline (Nov 1)
    assert (first, again, later) == (2, 0, 1)
    sent = list(ReminderSent.objects.order_by("id").values_list("kind", "term_end"))
    assert sent == [
        ("expiry_90", date(2026, 12, 31)),
        ("notice", date(2026, 12, 31)),
        ("expiry_30", date(2026, 12, 31)),
    ]
    mails = list(OutboundEmail.objects.order_by("id").values_list("to", "subject"))
    assert mails[0] == (manager.email, f"Contract {contract.number} ends on 2026-12-31")
    assert mails[1] == (manager.email, f"Contract {contract.number}: renewal notice deadline approaching")
