"""Work-order use cases: creation by hand and from a ticket (consistency, entitlement, on-site deadline,
ticket timeline), updates with versions, required skills, status changes by hand, cancel, validate —
and bad input that changes nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.workforce.conftest import Crew
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11, make_order, paris, planned
from tournevis.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.tickets import services as ticket_services
from tournevis.tickets.models import Event
from tournevis.workorders import services
from tournevis.workorders.models import StatusChange, Visit, WorkOrder


def changes(order: WorkOrder) -> list[tuple[int | None, str, str]]:
    return [
        (c.visit.number if c.visit else None, c.old, c.new)
        for c in StatusChange.objects.filter(work_order=order).select_related("visit").order_by("id")
    ]


def visits(order: WorkOrder) -> list[tuple[int, str]]:
    return list(Visit.objects.filter(work_order=order).order_by("number").values_list("number", "status"))


def test_a_work_order_by_hand_takes_its_customer_from_the_site_and_its_contract_from_the_entitlement(
    world: World, gold, crew: Crew
) -> None:
    order = make_order(
        world,
        priority="P2",
        estimated_minutes=90,
        slot_start="2026-03-10T09:00:00+01:00",
        slot_end="2026-03-10T12:00:00+01:00",
        parts_needed=[{"reference": " BELT-42 ", "quantity": 2}],
        skills=[{"skill": "kiosk", "level": 2}],
        contact_id=world.a.contact.pk,
        notes="Ask for the cash-room key",
    )

    order.refresh_from_db()
    assert (order.number, order.kind, order.status, order.priority) == (
        "WO-2026-000001",
        "corrective",
        "ready",
        "P2",
    )
    assert (order.customer_id, order.site_id, order.service_object_id, order.contract_id) == (
        world.a.customer.pk,
        world.a.site.pk,
        world.a.machine.pk,
        gold["contract"].pk,
    )
    assert (order.estimated_minutes, order.slot_start, order.slot_end) == (
        90,
        paris("2026-03-10T09:00:00"),
        paris("2026-03-10T12:00:00"),
    )
    assert order.parts_needed == [{"reference": "BELT-42", "quantity": 2}]
    assert services.skills_of(order) == {"kiosk": 2}
    assert (order.contact_id, order.notes, order.onsite_deadline, order.version) == (
        world.a.contact.pk,
        "Ask for the cash-room key",
        None,
        1,
    )
    # Ready with visit 1 unscheduled, both creations logged at the creation time
    assert visits(order) == [(1, "unscheduled")]
    assert changes(order) == [(None, "", "ready"), (1, "", "unscheduled")]
    assert set(StatusChange.objects.values_list("at", flat=True)) == {MONDAY_10}
    assert AuditEvent.objects.filter(action="workorder.create", object_id=str(order.pk)).count() == 1


def test_a_draft_has_no_visit_until_it_is_ready(world: World) -> None:
    order = make_order(world, status="draft", site_id=world.b.site.pk, service_object_id=None)
    assert (order.status, order.contract_id, visits(order)) == ("draft", None, [])

    services.transition(SYSTEM, order.pk, "ready", expected_version=1, at=MONDAY_10)
    order.refresh_from_db()
    assert (order.status, order.version, visits(order)) == ("ready", 2, [(1, "unscheduled")])

    services.transition(SYSTEM, order.pk, "draft", at=MONDAY_10)
    services.transition(SYSTEM, order.pk, "ready", at=MONDAY_10)
    assert visits(order) == [(1, "cancelled"), (2, "unscheduled")]
    assert changes(order) == [
        (None, "", "draft"),
        (None, "draft", "ready"),
        (1, "", "unscheduled"),
        (1, "unscheduled", "cancelled"),
        (None, "ready", "draft"),
        (None, "draft", "ready"),
        (2, "", "unscheduled"),
    ]


def test_numbers_continue_after_work_orders_numbered_before_the_sequence_existed(world: World) -> None:
    first = make_order(world)
    WorkOrder.objects.filter(pk=first.pk).update(number="WO-2026-000041")
    from tournevis.workorders.models import NumberSequence

    NumberSequence.objects.all().delete()
    assert make_order(world).number == "WO-2026-000042"
    assert make_order(world).number == "WO-2026-000043"


def test_from_a_ticket_the_order_copies_the_ticket_and_its_on_site_deadline(world: World, gold) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM,
        title="Counter jams on 50 EUR notes",
        description="Jams every 20 notes",
        channel="portal",
        service_object_id=world.a.machine.pk,
        contact_id=world.a.contact.pk,
        priority="P2",
        at=MONDAY_10,
    )

    order = services.create_from_ticket(SYSTEM, ticket.pk, {"estimated_minutes": 120}, at=MONDAY_10)

    assert (order.kind, order.status, order.ticket_id, order.title, order.description) == (
        "corrective",
        "ready",
        ticket.pk,
        "Counter jams on 50 EUR notes",
        "Jams every 20 notes",
    )
    assert (order.customer_id, order.site_id, order.service_object_id, order.contact_id) == (
        world.a.customer.pk,
        world.a.site.pk,
        world.a.machine.pk,
        world.a.contact.pk,
    )
    assert (order.priority, order.contract_id, order.estimated_minutes) == ("P2", gold["contract"].pk, 120)
    # Gold P2: on site within 4 business hours from Monday 10:00 (08:00-12:00, 13:30-18:00) = 15:30
    assert order.onsite_deadline == paris("2026-03-09T15:30:00")
    event = Event.objects.get(ticket=ticket, kind="work_order")
    assert (event.at, event.data) == (
        MONDAY_10,
        {"work_order": order.pk, "number": "WO-2026-000001", "status": "ready"},
    )


def test_a_ticket_without_site_gives_no_work_order(world: World) -> None:
    ticket = ticket_services.open_ticket(SYSTEM, title="Call me", channel="phone", at=MONDAY_10)
    before = (db_state(), audit_count())
    with pytest.raises(InvalidInput) as caught:
        services.create_from_ticket(SYSTEM, ticket.pk, {})
    assert (caught.value.field, caught.value.text()) == (
        "ticket_id",
        "Ticket T-2026-000001 has no site: set its equipment or site first.",
    )
    assert (db_state(), audit_count()) == before


def test_an_update_checks_the_version_and_the_fields(world: World) -> None:
    order = make_order(world)
    updated = services.update_work_order(
        SYSTEM,
        order.pk,
        {"title": "Replace both belts", "priority": "P1", "slot_start": TUESDAY_9, "slot_end": TUESDAY_11},
        expected_version=1,
    )
    assert (updated.title, updated.priority, updated.slot_start, updated.slot_end, updated.version) == (
        "Replace both belts",
        "P1",
        TUESDAY_9,
        TUESDAY_11,
        2,
    )
    # Only the end moves: the start is kept and checked with it
    services.update_work_order(SYSTEM, order.pk, {"slot_end": paris("2026-03-10T10:00:00")})
    order.refresh_from_db()
    assert (order.slot_start, order.slot_end, order.version) == (TUESDAY_9, paris("2026-03-10T10:00:00"), 3)
    # Nothing changed: no new version
    services.update_work_order(SYSTEM, order.pk, {"title": "Replace both belts"})
    order.refresh_from_db()
    assert order.version == 3


def test_required_skills_are_replaced_as_a_whole(world: World, crew: Crew) -> None:
    order = make_order(world, skills={"kiosk": 1})
    services.set_required_skills(SYSTEM, order.pk, [{"skill": "atm", "level": 3}], expected_version=1)
    order.refresh_from_db()
    assert (services.skills_of(order), order.version) == ({"atm": 3}, 2)
    services.set_required_skills(SYSTEM, order.pk, [])
    assert services.skills_of(order) == {}


def test_cancelling_cancels_the_open_visit_and_tells_the_ticket(world: World, crew: Crew) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM, title="Jam", channel="phone", site_id=world.a.site.pk, at=MONDAY_10
    )
    order = services.create_from_ticket(SYSTEM, ticket.pk, at=MONDAY_10)
    services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11, at=MONDAY_10)

    services.cancel(SYSTEM, order.pk, "Customer fixed it himself", at=MONDAY_10)

    order.refresh_from_db()
    assert (order.status, visits(order)) == ("cancelled", [(1, "cancelled")])
    assert changes(order)[-2:] == [(1, "planned", "cancelled"), (None, "scheduled", "cancelled")]
    assert StatusChange.objects.filter(work_order=order).last().reason == "Customer fixed it himself"
    assert Event.objects.filter(ticket=ticket, kind="work_order").last().data == {
        "work_order": order.pk,
        "number": order.number,
        "status": "cancelled",
        "reason": "Customer fixed it himself",
    }


def test_a_completed_work_order_is_validated(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = order.visits.get()
    for step in (services.dispatch_visit, services.check_in):
        step(SYSTEM, visit.pk)
    services.complete_visit(SYSTEM, visit.pk, True, "Belt replaced")

    services.validate(SYSTEM, order.pk)

    order.refresh_from_db()
    assert order.status == "validated"
    assert changes(order)[-1] == (None, "completed", "validated")


# --- Bad input: a clear error naming the field, nothing written ---------------------------------------


def _refused(call, error: type[Exception], field: str, message: str) -> None:
    before = (db_state(), audit_count())
    with pytest.raises(error) as caught:
        call()
    assert (caught.value.field, caught.value.text()) == (field, message)  # type: ignore[attr-defined]
    assert (db_state(), audit_count()) == before


def test_a_site_of_another_customer_is_refused(world: World) -> None:
    _refused(
        lambda: make_order(world, customer_id=world.b.customer.pk),
        InvalidInput,
        "site_id",
        "The site belongs to another customer.",
    )


def test_an_object_at_another_site_is_refused(world: World) -> None:
    _refused(
        lambda: make_order(world, site_id=world.b.site.pk),
        InvalidInput,
        "service_object_id",
        "The service object is not at this site.",
    )


def test_a_contract_or_contact_of_another_customer_is_refused(world: World, gold) -> None:
    other = gold["contract"]
    _refused(
        lambda: make_order(world, site_id=world.b.site.pk, service_object_id=None, contract_id=other.pk),
        InvalidInput,
        "contract_id",
        "The contract belongs to another customer.",
    )
    _refused(
        lambda: make_order(world, contact_id=world.b.contact.pk),
        InvalidInput,
        "contact_id",
        "The contact belongs to another customer.",
    )


def test_an_unknown_skill_is_refused(world: World, crew: Crew) -> None:
    _refused(
        lambda: make_order(world, skills=[{"skill": "kiosk", "level": 2}, {"skill": "teleport", "level": 1}]),
        InvalidInput,
        "skills",
        "No skill teleport.",
    )
    order = make_order(world, skills={"kiosk": 2})
    _refused(
        lambda: services.set_required_skills(SYSTEM, order.pk, [{"skill": "teleport"}]),
        InvalidInput,
        "skills",
        "No skill teleport.",
    )
    _refused(
        lambda: services.set_required_skills(SYSTEM, order.pk, [{"skill": "kiosk", "level": 4}]),
        InvalidInput,
        "skills.kiosk",
        "A skill level is 1, 2 or 3.",
    )


def test_a_slot_ending_before_it_starts_is_refused(world: World) -> None:
    _refused(
        lambda: make_order(world, slot_start=TUESDAY_11, slot_end=TUESDAY_9),
        InvalidInput,
        "slot_end",
        "The end must be after the start.",
    )
    _refused(
        lambda: make_order(world, slot_start=TUESDAY_9),
        InvalidInput,
        "slot_end",
        "This field is required.",
    )
    order = make_order(world, slot_start=TUESDAY_9, slot_end=TUESDAY_11)
    _refused(
        lambda: services.update_work_order(SYSTEM, order.pk, {"slot_end": TUESDAY_9}),
        InvalidInput,
        "slot_end",
        "The end must be after the start.",
    )
    _refused(
        lambda: make_order(world, slot_start=datetime(2026, 3, 10, 9), slot_end=TUESDAY_11),  # noqa: DTZ001
        InvalidInput,
        "slot_start",
        "Give a date and time with its offset, e.g. 2026-03-09T10:00:00+01:00.",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "  "}, "title", "A work order needs a title."),
        ({"priority": "P0"}, "priority", "Priority must be one of P1, P2, P3, P4."),
        ({"kind": "magic"}, "kind", "Kind must be one of corrective, preventive, installation, remote."),
        (
            {"estimated_minutes": 0},
            "estimated_minutes",
            "The estimated duration is a whole number of minutes from 1 to 10080.",
        ),
        (
            {"parts_needed": [{"reference": "BELT", "quantity": 0}]},
            "parts_needed.0.quantity",
            "A quantity is a whole number from 1 to 10000.",
        ),
        (
            {"parts_needed": [{"reference": "BELT", "quantity": 1}, {"reference": "belt", "quantity": 2}]},
            "parts_needed.1.reference",
            "The part belt is listed twice.",
        ),
        ({"status": "scheduled"}, "status", "A new work order is draft or ready."),
        ({"due_date": "tomorrow"}, "due_date", "Give a date, e.g. 2026-03-09."),
        ({"number": "WO-1"}, "number", "The field number cannot be set here."),
        ({"site_id": None, "service_object_id": None}, "site_id", "This field is required."),
        ({"site_id": 999_999}, "site_id", "No site with id 999999."),
    ],
)
def test_bad_fields_are_refused(world: World, data: dict[str, object], field: str, message: str) -> None:
    _refused(lambda: make_order(world, **data), InvalidInput, field, message)


def test_a_transition_not_allowed_is_a_conflict_naming_the_status(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    _refused(
        lambda: services.transition(SYSTEM, order.pk, "completed"),
        Conflict,
        "status",
        "A work order cannot go from scheduled to completed.",
    )
    _refused(
        lambda: services.transition(SYSTEM, order.pk, "dispatched"),
        Conflict,
        "status",
        "A work order goes to dispatched through its visits, not by hand (it is scheduled).",
    )
    _refused(
        lambda: services.validate(SYSTEM, order.pk),
        Conflict,
        "status",
        "A work order cannot go from scheduled to validated.",
    )
    ready = make_order(world)
    _refused(
        lambda: services.transition(SYSTEM, ready.pk, "scheduled"),
        Conflict,
        "status",
        "A work order goes to scheduled through its visits, not by hand (it is ready).",
    )
    _refused(
        lambda: services.transition(SYSTEM, ready.pk, "sleeping"),
        InvalidInput,
        "status",
        "Unknown work-order status sleeping.",
    )


def test_a_cancelled_work_order_is_not_cancelled_again_nor_changed(world: World) -> None:
    order = make_order(world)
    services.cancel(SYSTEM, order.pk)
    _refused(
        lambda: services.cancel(SYSTEM, order.pk),
        Conflict,
        "status",
        "A work order cannot go from cancelled to cancelled.",
    )
    _refused(
        lambda: services.update_work_order(SYSTEM, order.pk, {"title": "Again"}),
        Conflict,
        "status",
        "A work order that is cancelled cannot be changed.",
    )


def test_a_stale_version_is_refused_with_the_current_state(world: World) -> None:
    order = make_order(world)
    services.update_work_order(SYSTEM, order.pk, {"notes": "Gate code 1234"})
    before = (db_state(), audit_count())
    with pytest.raises(PreconditionFailed) as caught:
        services.update_work_order(SYSTEM, order.pk, {"notes": "Gate code 9999"}, expected_version=1)
    assert caught.value.field == "If-Match"
    assert caught.value.current.version == 2  # type: ignore[attr-defined]
    assert (db_state(), audit_count()) == before
    with pytest.raises(PreconditionFailed):
        services.transition(SYSTEM, order.pk, "cancelled", expected_version=1)
    assert (db_state(), audit_count()) == before


def test_an_unknown_work_order_is_not_found(world: World) -> None:
    _refused(
        lambda: services.update_work_order(SYSTEM, 999_999, {"title": "x"}),
        NotFound,
        None,  # type: ignore[arg-type]
        "No work order with id 999999.",
    )


def test_due_dates_are_kept(world: World) -> None:
    order = make_order(world, due_date="2026-03-20")
    assert order.due_date == date(2026, 3, 20)
