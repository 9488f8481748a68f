"""The audit log: written with the change, in its transaction; append-only on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction

from tournevis.core import audit, clock, requestid
from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.customers import services
from tournevis.customers.models import Customer

ALICE = Actor(user_id=7, label="alice", role="manager")


def test_a_create_records_actor_action_object_after_time_and_request_id(db):
    token = requestid.set_current("req-1234abcd")
    try:
        with clock.frozen(datetime(2026, 3, 1, 9, 30, tzinfo=UTC)):
            customer = services.create_customer(
                ALICE, {"name": "Banque Alpha", "country": "fr", "timezone": "Europe/Paris"}
            )
    finally:
        requestid.reset(token)

    event = AuditEvent.objects.get()
    assert (event.actor_user_id, event.actor_label, event.action) == (7, "alice", "customer.create")
    assert (event.object_type, event.object_id) == ("customers.customer", str(customer.pk))
    assert event.at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert event.request_id == "req-1234abcd"
    assert event.before is None
    assert event.after["name"] == "Banque Alpha"
    assert event.after["country"] == "FR"


def test_an_update_records_before_and_after(db):
    customer = services.create_customer(ALICE, {"name": "Alpha", "country": "FR", "timezone": "Europe/Paris"})
    services.update_customer(ALICE, customer.pk, {"tier": "platinum"}, expected_version=1)

    event = AuditEvent.objects.filter(action="customer.update").get()
    assert (event.before["tier"], event.after["tier"]) == ("standard", "platinum")
    assert (event.before["version"], event.after["version"]) == (1, 2)


def test_an_update_changing_nothing_writes_nothing(db):
    customer = services.create_customer(ALICE, {"name": "Alpha", "country": "FR", "timezone": "Europe/Paris"})
    services.update_customer(ALICE, customer.pk, {"name": "Alpha"})

    assert AuditEvent.objects.count() == 1
    assert Customer.objects.get().version == 1


def test_refused_input_writes_neither_the_row_nor_an_audit_event(db):
    with pytest.raises(InvalidInput) as error:
        services.create_customer(ALICE, {"name": "Alpha", "country": "FR", "timezone": "Europe/Lutetia"})

    assert error.value.field == "timezone"
    assert (Customer.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_record_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(ALICE, "x.y", object_type="x", object_id=1)


def test_a_rolled_back_change_leaves_no_audit_event(db):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.create_customer(ALICE, {"name": "Alpha", "country": "FR", "timezone": "Europe/Paris"})
        1 / 0  # noqa: B018

    assert (Customer.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement", ["UPDATE core_auditevent SET action = 'forged'", "DELETE FROM core_auditevent"]
)
def test_postgresql_refuses_to_update_or_delete_audit_events(db, statement):
    services.create_customer(ALICE, {"name": "Alpha", "country": "FR", "timezone": "Europe/Paris"})

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["customer.create"]
