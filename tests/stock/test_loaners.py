"""Loaner pool use cases and queries: what each writes and audits, every bad input refused with nothing
written, the lock that lets only one of two lends of a loaner succeed, and the reminder schedule."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.stock.loaner_support import DUE, NOW, depot, lent, loaner
from tournevis.core import clock
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.installed_base import services as ib_services
from tournevis.stock import queries_loaners as queries
from tournevis.stock import services_loaners as services
from tournevis.stock.models import Loan, Loaner


def refused(call: Callable[[], Any], error: type[DomainError], field: str | None) -> DomainError:
    """Run a call that must be refused; assert the field and that nothing was written."""
    before, audits = db_state(), audit_count()
    with pytest.raises(error) as caught:
        call()
    assert caught.value.field == field
    assert (db_state(), audit_count()) == (before, audits)
    return caught.value


# --- Create and update -------------------------------------------------------------------------------


def test_create_a_loaner_available_at_its_depot_with_its_audit_event(world: World):
    home = depot()
    with clock.frozen(NOW):
        item = services.create_loaner(
            SYSTEM,
            {
                "equipment_model_id": world.model.pk,
                "serial": " LN-42 ",
                "location_id": home.pk,
                "notes": "Box 3",
            },
        )
    item.refresh_from_db()
    assert (item.serial, item.status, item.location_id, item.notes, item.version) == (
        "LN-42",
        "available",
        home.pk,
        "Box 3",
        1,
    )
    assert (item.created_at, item.updated_at) == (NOW, NOW)
    event = AuditEvent.objects.get(action="stock.loaner.create")
    assert (event.object_type, event.object_id, event.after["serial"]) == (
        "stock.loaner",
        str(item.pk),
        "LN-42",
    )


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"serial": "  "}, InvalidInput, "serial"),
        ({"serial": "x" * 101}, InvalidInput, "serial"),
        ({"equipment_model_id": None}, InvalidInput, "equipment_model_id"),
        ({"equipment_model_id": 999999}, InvalidInput, "equipment_model_id"),
        ({"equipment_model_id": "abc"}, InvalidInput, "equipment_model_id"),
        ({"location_id": 999999}, InvalidInput, "location_id"),
        ({"location_id": "defective"}, InvalidInput, "location_id"),
        ({"location_id": "inactive"}, InvalidInput, "location_id"),
        ({"colour": "red"}, InvalidInput, "colour"),
        ({"serial": "ln-001"}, Conflict, "serial"),  # same model, same serial (any case)
    ],
)
def test_a_bad_loaner_is_refused_and_nothing_is_written(world: World, change, error, field):
    loaner(world, "LN-001")
    special = {
        "defective": depot("DEFECT", kind="defective").pk,
        "inactive": depot("OLD-DEP", active=False).pk,
    }
    data = {"equipment_model_id": world.model.pk, "serial": "LN-002", "location_id": depot().pk, **change}
    if data["location_id"] in special:
        data["location_id"] = special[data["location_id"]]
    refused(lambda: services.create_loaner(SYSTEM, data), error, field)


def test_the_same_serial_may_be_used_by_another_model(world: World):
    loaner(world, "LN-001")
    other = ib_services.create_equipment_model(
        SYSTEM, manufacturer="Glory", name="USF-51", category_id=world.category.pk
    )
    item = services.create_loaner(
        SYSTEM, {"equipment_model_id": other.pk, "serial": "LN-001", "location_id": depot().pk}
    )
    assert Loaner.objects.filter(serial="LN-001").count() == 2
    assert item.equipment_model_id == other.pk


def test_update_notes_and_home_depot_then_retire_and_reinstate(world: World):
    item = loaner(world)
    lyon = depot("DEP-LYS", region="FR-ARA")
    updated = services.update_loaner(SYSTEM, item.pk, {"notes": "Scratched", "location_id": lyon.pk}, 1)
    assert (updated.notes, updated.location_id, updated.version) == ("Scratched", lyon.pk, 2)
    retired = services.update_loaner(SYSTEM, item.pk, {"retired": True}, 2)
    assert (retired.status, retired.version) == ("retired", 3)
    back = services.update_loaner(SYSTEM, item.pk, {"retired": False})
    assert (back.status, back.version) == ("available", 4)
    assert AuditEvent.objects.filter(action="stock.loaner.update", object_id=str(item.pk)).count() == 3
    # Nothing changed: no new version, no audit event
    same = services.update_loaner(SYSTEM, item.pk, {"notes": "Scratched"})
    assert same.version == 4
    assert AuditEvent.objects.filter(action="stock.loaner.update").count() == 3


def test_bad_updates_are_refused_and_nothing_is_written(world: World):
    loan = lent(world)
    item = loan.loaner
    refused(lambda: services.update_loaner(SYSTEM, item.pk, {"retired": True}), Conflict, "retired")
    refused(lambda: services.update_loaner(SYSTEM, item.pk, {"retired": "yes"}), InvalidInput, "retired")
    refused(
        lambda: services.update_loaner(SYSTEM, item.pk, {"location_id": 999999}), InvalidInput, "location_id"
    )
    refused(lambda: services.update_loaner(SYSTEM, item.pk, {"serial": "X"}), InvalidInput, "serial")
    refused(
        lambda: services.update_loaner(SYSTEM, item.pk, {"notes": "x"}, 1), PreconditionFailed, "If-Match"
    )
    refused(lambda: services.update_loaner(SYSTEM, 999999, {"notes": "x"}), NotFound, None)


# --- Lend --------------------------------------------------------------------------------------------


def test_lend_an_available_loaner(world: World):
    item = loaner(world)
    with clock.frozen(NOW):
        loan = services.lend(
            SYSTEM,
            item.pk,
            customer_id=world.a.customer.pk,
            site_id=world.a.site.pk,
            due_back=DUE,
            demand_type="workorder",
            demand_id=7,
            demand_label="WO-2026-000007",
        )
    loan.refresh_from_db()
    item.refresh_from_db()
    assert (item.status, item.version) == ("lent", 2)
    assert (loan.customer_id, loan.site_id, loan.due_back, loan.lent_at, loan.returned_at) == (
        world.a.customer.pk,
        world.a.site.pk,
        DUE,
        NOW,
        None,
    )
    assert (loan.demand_type, loan.demand_id, loan.demand_label, loan.lent_by_label) == (
        "workorder",
        7,
        "WO-2026-000007",
        "tests",
    )
    assert list(
        AuditEvent.objects.filter(action__startswith="stock.loan")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "stock.loaner.create",
        "stock.loaner.lend",
        "stock.loan.create",
    ]
    assert AuditEvent.objects.get(action="stock.loaner.lend").after["status"] == "lent"


def test_due_back_is_today_or_later_in_the_customers_time_zone(world: World):
    # 02:00 UTC on 10 March is still 9 March in Toronto (party b)
    item = loaner(world)
    at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    with clock.frozen(at):
        refused(
            lambda: services.lend(
                SYSTEM, item.pk, customer_id=world.b.customer.pk, due_back=date(2026, 3, 8)
            ),
            InvalidInput,
            "due_back",
        )
        loan = services.lend(SYSTEM, item.pk, customer_id=world.b.customer.pk, due_back=date(2026, 3, 9))
    assert (loan.due_back, loan.site_id) == (date(2026, 3, 9), None)


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"due_back": date(2026, 3, 9)}, InvalidInput, "due_back"),  # yesterday in Paris
        ({"due_back": date(2027, 3, 12)}, InvalidInput, "due_back"),  # more than 366 days
        ({"due_back": "soon"}, InvalidInput, "due_back"),
        ({"customer_id": 999999}, InvalidInput, "customer_id"),
        ({"site_id": 999999}, InvalidInput, "site_id"),
        ({"site_id": "other"}, InvalidInput, "site_id"),  # party b's site
        ({"demand_label": "x" * 61}, InvalidInput, "demand_label"),
        ({"demand_type": "x" * 21}, InvalidInput, "demand_type"),
    ],
)
def test_a_bad_lend_is_refused_and_nothing_is_written(world: World, kwargs, error, field):
    item = loaner(world)
    data: dict[str, Any] = {"customer_id": world.a.customer.pk, "site_id": world.a.site.pk, "due_back": DUE}
    data.update(kwargs)
    if data["site_id"] == "other":
        data["site_id"] = world.b.site.pk
    with clock.frozen(NOW):
        refused(lambda: services.lend(SYSTEM, item.pk, **data), error, field)
    assert Loaner.objects.get(pk=item.pk).status == "available"


@pytest.mark.parametrize("status", ["lent", "inspection", "retired"])
def test_only_an_available_loaner_is_lent(world: World, status):
    item = loaner(world)
    Loaner.objects.filter(pk=item.pk).update(status=status)
    with clock.frozen(NOW):
        refused(
            lambda: services.lend(SYSTEM, item.pk, customer_id=world.a.customer.pk, due_back=DUE),
            Conflict,
            "loaner_id",
        )


def test_the_second_lend_of_a_loaner_is_a_conflict_and_writes_nothing(world: World):
    loan = lent(world)
    with clock.frozen(NOW):
        error = refused(
            lambda: services.lend(SYSTEM, loan.loaner_id, customer_id=world.b.customer.pk, due_back=DUE),
            Conflict,
            "loaner_id",
        )
    assert error.message == "Loaner LN-001 is already lent."
    assert Loan.objects.get().customer_id == world.a.customer.pk


def test_lending_an_unknown_loaner_is_not_found(world: World):
    with clock.frozen(NOW):
        refused(
            lambda: services.lend(SYSTEM, 999999, customer_id=world.a.customer.pk, due_back=DUE),
            NotFound,
            None,
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_lends_of_one_loaner_one_wins_one_conflicts():
    from tests.conftest import build_world

    world = build_world()
    item = loaner(world)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def lend(customer_id: int) -> None:
        try:
            start.wait(10)
            with clock.frozen(NOW):
                services.lend(SYSTEM, item.pk, customer_id=customer_id, due_back=DUE)
            outcomes.append("lent")
        except Conflict as exc:
            outcomes.append(f"conflict:{exc.field}")
        finally:
            connection.close()

    threads = [threading.Thread(target=lend, args=(p.customer.pk,)) for p in (world.a, world.b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict:loaner_id", "lent"]
    assert Loan.objects.filter(loaner=item).count() == 1
    assert Loaner.objects.get(pk=item.pk).status == "lent"


# --- Return, inspect, remind -----------------------------------------------------------------------


def test_return_puts_the_loaner_in_inspection(world: World):
    loan = lent(world)
    back_at = NOW + timedelta(days=5)
    with clock.frozen(back_at + timedelta(hours=1)):
        returned = services.return_loaner(SYSTEM, loan.pk, at=back_at, expected_version=1)
    assert (returned.returned_at, returned.version) == (back_at, 2)
    assert Loaner.objects.get(pk=loan.loaner_id).status == "inspection"
    assert AuditEvent.objects.filter(action__in=["stock.loan.return", "stock.loaner.return"]).count() == 2


def test_bad_returns_are_refused_and_nothing_is_written(world: World):
    loan = lent(world)
    with clock.frozen(NOW + timedelta(days=1)):
        refused(
            lambda: services.return_loaner(SYSTEM, loan.pk, at=NOW - timedelta(minutes=1)), InvalidInput, "at"
        )
        refused(
            lambda: services.return_loaner(SYSTEM, loan.pk, at=NOW + timedelta(days=2)), InvalidInput, "at"
        )
        naive = datetime(2026, 3, 10, 12, 0)  # noqa: DTZ001 - the service refuses it
        refused(lambda: services.return_loaner(SYSTEM, loan.pk, at=naive), InvalidInput, "at")
        refused(
            lambda: services.return_loaner(SYSTEM, loan.pk, expected_version=5),
            PreconditionFailed,
            "If-Match",
        )
        refused(lambda: services.return_loaner(SYSTEM, 999999), NotFound, None)
        services.return_loaner(SYSTEM, loan.pk)
        refused(lambda: services.return_loaner(SYSTEM, loan.pk), Conflict, "loan_id")


def test_a_passed_inspection_makes_the_loaner_available(world: World):
    loan = lent(world)
    with clock.frozen(NOW + timedelta(days=3)):
        services.return_loaner(SYSTEM, loan.pk)
        inspected = services.inspect(SYSTEM, loan.pk, result="passed", notes="Clean")
    assert (inspected.inspection, inspected.inspection_notes, inspected.version) == ("passed", "Clean", 3)
    assert Loaner.objects.get(pk=loan.loaner_id).status == "available"


def test_a_failed_inspection_retires_the_loaner_until_a_manager_reinstates_it(world: World):
    loan = lent(world)
    with clock.frozen(NOW + timedelta(days=3)):
        services.return_loaner(SYSTEM, loan.pk)
        refused(lambda: services.inspect(SYSTEM, loan.pk, result="failed"), InvalidInput, "notes")
        services.inspect(SYSTEM, loan.pk, result="failed", notes="Cracked feeder")
    assert Loaner.objects.get(pk=loan.loaner_id).status == "retired"
    assert Loan.objects.get(pk=loan.pk).inspection == "failed"
    services.update_loaner(SYSTEM, loan.loaner_id, {"retired": False})
    assert Loaner.objects.get(pk=loan.loaner_id).status == "available"


def test_bad_inspections_are_refused_and_nothing_is_written(world: World):
    loan = lent(world)
    with clock.frozen(NOW + timedelta(days=3)):
        refused(lambda: services.inspect(SYSTEM, loan.pk, result="passed"), Conflict, "loan_id")  # still out
        services.return_loaner(SYSTEM, loan.pk)
        refused(lambda: services.inspect(SYSTEM, loan.pk, result="maybe"), InvalidInput, "result")
        refused(
            lambda: services.inspect(SYSTEM, loan.pk, result="passed", expected_version=1),
            PreconditionFailed,
            "If-Match",
        )
        services.inspect(SYSTEM, loan.pk, result="passed")
        refused(lambda: services.inspect(SYSTEM, loan.pk, result="passed"), Conflict, "loan_id")


def test_mark_reminded(world: World):
    loan = lent(world)
    at = NOW + timedelta(days=8)
    with clock.frozen(at):
        reminded = services.mark_reminded(SYSTEM, loan.pk, at)
        assert (reminded.reminded_at, reminded.version) == (at, 2)
        services.return_loaner(SYSTEM, loan.pk)
        refused(lambda: services.mark_reminded(SYSTEM, loan.pk, at), Conflict, "loan_id")
    refused(lambda: services.mark_reminded(SYSTEM, 999999, at), NotFound, None)


# --- Queries -----------------------------------------------------------------------------------------


def test_the_pool_by_model_and_depot(world: World):
    paris, lyon = depot("DEP-PAR"), depot("DEP-LYS", region="FR-ARA")
    for n in range(3):
        loaner(world, f"P-{n}", paris)
    loaner(world, "L-1", lyon)
    loan = lent(world, "P-9")
    with clock.frozen(NOW):
        services.lend(
            SYSTEM, Loaner.objects.get(serial="P-0").pk, customer_id=world.a.customer.pk, due_back=DUE
        )
        services.return_loaner(SYSTEM, loan.pk)
    Loaner.objects.filter(serial="P-1").update(status="retired")
    rows = queries.pool()
    assert [
        (r.location_code, r.model, r.available, r.lent, r.inspection, r.retired, r.total) for r in rows
    ] == [
        ("DEP-LYS", "Glory GFS-220", 1, 0, 0, 0, 1),
        ("DEP-PAR", "Glory GFS-220", 1, 1, 1, 1, 3),
    ]
    assert [r.location_code for r in queries.pool(location_id=lyon.pk)] == ["DEP-LYS"]


def test_loans_out_say_who_has_what_since_when_and_how_late(world: World):
    late = lent(world, "LN-1", due_back=date(2026, 3, 12))
    on_time = lent(world, "LN-2", due_back=date(2026, 3, 25), own=False)
    now = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    rows = queries.loans_out(SYSTEM, now)
    assert [(r.loan.pk, r.lent_on, r.days_out, r.due_in, r.overdue) for r in rows] == [
        (late.pk, date(2026, 3, 10), 5, -3, 3),
        (on_time.pk, date(2026, 3, 10), 5, 10, 0),
    ]
    assert [r.loan.pk for r in queries.loans_out(SYSTEM, now, overdue_only=True)] == [late.pk]
    assert [loan.pk for loan in queries.list_loans(SYSTEM, now, state="overdue")] == [late.pk]
    with clock.frozen(now):
        services.return_loaner(SYSTEM, late.pk)
    assert [loan.pk for loan in queries.list_loans(SYSTEM, now, state="uninspected")] == [late.pk]
    assert [loan.pk for loan in queries.list_loans(SYSTEM, now, state="returned")] == [late.pk]
    assert [loan.pk for loan in queries.list_loans(SYSTEM, now, state="open")] == [on_time.pk]
    assert queries.overdue_days(Loan.objects.get(pk=late.pk), now) == 0  # back: no longer overdue
    with pytest.raises(InvalidInput) as caught:
        queries.list_loans(SYSTEM, now, state="lost")
    assert caught.value.field == "state"


def test_loans_due_for_a_reminder(world: World, settings):
    settings.STOCK_LOAN_REMINDER_DAYS = 2
    soon = lent(world, "LN-1", due_back=date(2026, 3, 12))  # due in 2 days at NOW
    later = lent(world, "LN-2", due_back=date(2026, 3, 13))  # due in 3 days
    assert [loan.pk for loan in queries.loans_due_for_reminder(NOW)] == [soon.pk]
    # Reminded now: not again within 2 days, again after
    with clock.frozen(NOW):
        services.mark_reminded(SYSTEM, soon.pk, NOW)
    assert queries.loans_due_for_reminder(NOW + timedelta(days=1)) == [
        Loan.objects.get(pk=later.pk)
    ]  # later is due in 2 days by then
    due = [loan.pk for loan in queries.loans_due_for_reminder(NOW + timedelta(days=2))]
    assert due == [soon.pk, later.pk]
