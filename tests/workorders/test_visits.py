"""Visits: plan and move, unschedule, dispatch (the customer hears the window), travel, check in (the
ticket's on-site clock stops), pause, complete fixed or not, cancel — the work order following each —
bad input that changes nothing, and random sequences that never reach an illegal state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.workforce.conftest import Crew
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11, make_order, paris, planned
from tournevis.contracts.models import SlaClock
from tournevis.core.errors import Conflict, DomainError, InvalidInput, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.customers import services as customer_services
from tournevis.installed_base.models import HistoryEntry
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import services as ticket_services
from tournevis.tickets.models import Event
from tournevis.workforce import services as workforce_services
from tournevis.workorders import domain, services
from tournevis.workorders.models import StatusChange, Visit, WorkOrder


def status_of(order: WorkOrder) -> str:
    order.refresh_from_db()
    return order.status


def visits(order: WorkOrder) -> list[tuple[int, str]]:
    return list(Visit.objects.filter(work_order=order).order_by("number").values_list("number", "status"))


def first_visit(order: WorkOrder) -> Visit:
    return Visit.objects.get(work_order=order, number=1)


def test_planning_schedules_the_work_order_and_a_move_keeps_its_status(world: World, crew: Crew) -> None:
    order = make_order(world)
    visit = services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11, at=MONDAY_10)

    assert (visit.number, visit.status, visit.technician_id, visit.version) == (1, "planned", crew.lea.pk, 2)
    assert (visit.planned_start, visit.planned_end, visit.pinned) == (TUESDAY_9, TUESDAY_11, False)
    assert (status_of(order), order.version) == ("scheduled", 2)

    # Another technician, an hour later, pinned: the same visit moves; the work order does not change
    moved = services.plan_visit(
        SYSTEM,
        order.pk,
        crew.marc.pk,
        TUESDAY_9 + timedelta(hours=1),
        TUESDAY_11 + timedelta(hours=1),
        pinned=True,
        visit_id=visit.pk,
        expected_version=2,
    )
    assert (moved.pk, moved.technician_id, moved.planned_start, moved.pinned, moved.version) == (
        visit.pk,
        crew.marc.pk,
        paris("2026-03-10T10:00:00"),
        True,
        3,
    )
    assert (status_of(order), order.version) == ("scheduled", 2)
    assert AuditEvent.objects.filter(action="visit.move", object_id=str(visit.pk)).count() == 1
    assert StatusChange.objects.filter(visit=visit).count() == 2  # created, planned: a move is no status


def test_unscheduling_puts_the_visit_back_and_the_order_is_ready_again(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = first_visit(order)
    services.dispatch_visit(SYSTEM, visit.pk)

    services.unschedule_visit(SYSTEM, visit.pk)

    visit.refresh_from_db()
    assert (visit.status, visit.technician_id, visit.planned_start, visit.dispatched_at) == (
        "unscheduled",
        None,
        None,
        None,
    )
    assert (status_of(order), visits(order)) == ("ready", [(1, "unscheduled")])


def test_dispatching_tells_the_contact_the_window_in_their_language(world: World, crew: Crew) -> None:
    contact = customer_services.create_contact(
        SYSTEM, world.a.customer.pk, {"name": "Eve", "email": "eve@alpha.example", "language": "en"}
    )
    order = planned(world, crew, contact_id=contact.pk)

    services.dispatch_visit(SYSTEM, first_visit(order).pk, at=MONDAY_10)

    assert status_of(order) == "dispatched"
    assert first_visit(order).dispatched_at == MONDAY_10
    mail = OutboundEmail.objects.get()
    assert (mail.to, mail.language, mail.purpose, mail.subject_ref) == (
        "eve@alpha.example",
        "en",
        "workorder.visit_window",
        f"workorder:{order.pk}",
    )
    assert mail.subject == "[WO-2026-000001] Technician visit on 10 March 2026 between 09:00 and 11:00"
    assert mail.body == (
        "Hello,\n\nA technician will come to Alpha HQ on 10 March 2026 between 09:00 and 11:00 "
        "(Europe/Paris time) for: Replace the feeder belt.\n"
        "Technician: Léa Martin\nWork order: WO-2026-000001\n\n"
        "If this time does not suit you, please reply to this e-mail.\n"
    )


def test_without_a_contact_the_site_contacts_hear_it_in_french(world: World, crew: Crew) -> None:
    customer_services.create_contact(
        SYSTEM,
        world.a.customer.pk,
        {"name": "Zoé Site", "email": "zoe@alpha.example", "language": "fr", "site_id": world.a.site.pk},
    )
    order = planned(world, crew)

    services.dispatch_visit(SYSTEM, first_visit(order).pk)

    mail = OutboundEmail.objects.get()
    assert (mail.to, mail.language) == ("zoe@alpha.example", "fr")
    assert "10 mars 2026" in mail.subject and "09:00" in mail.subject and "11:00" in mail.subject


def test_from_a_ticket_the_requester_hears_it_with_the_ticket_reference(world: World, crew: Crew) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM,
        title="Jam",
        channel="email",
        site_id=world.a.site.pk,
        requester_email="boss@alpha.example",
        language="en",
        acknowledge=False,
        at=MONDAY_10,
    )
    order = services.create_from_ticket(SYSTEM, ticket.pk, at=MONDAY_10)
    services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11)

    services.dispatch_visit(SYSTEM, first_visit(order).pk)

    mail = OutboundEmail.objects.get()
    assert mail.to == "boss@alpha.example"
    assert mail.subject == "[T-2026-000001] Technician visit on 10 March 2026 between 09:00 and 11:00"


def test_checking_in_stops_the_tickets_on_site_clock_once(world: World, gold, crew: Crew) -> None:
    ticket = ticket_services.open_ticket(
        SYSTEM,
        title="Jam",
        channel="phone",
        service_object_id=world.a.machine.pk,
        priority="P2",
        at=MONDAY_10,
    )
    order = services.create_from_ticket(SYSTEM, ticket.pk, at=MONDAY_10)
    visit = services.plan_visit(
        SYSTEM, order.pk, crew.lea.pk, paris("2026-03-09T14:00:00"), paris("2026-03-09T16:00:00")
    )
    services.dispatch_visit(SYSTEM, visit.pk, at=paris("2026-03-09T13:00:00"))
    services.start_travel(SYSTEM, visit.pk, at=paris("2026-03-09T13:30:00"))

    services.check_in(SYSTEM, visit.pk, at=paris("2026-03-09T14:10:00"))

    assert status_of(order) == "on_site"
    onsite = SlaClock.objects.get(subject_type="ticket", subject_id=ticket.pk, kind="onsite")
    assert (onsite.state, onsite.stopped_at, onsite.met_at) == (
        "met",
        paris("2026-03-09T14:10:00"),
        paris("2026-03-09T14:10:00"),
    )
    assert Event.objects.filter(ticket=ticket, kind="work_order").last().data == {
        "work_order": order.pk,
        "number": order.number,
        "status": "on_site",
        "visit": 1,
        "onsite_clock_stopped": True,
    }
    # A pause and a return on site: the first arrival stays, the clock is not touched again
    services.pause(SYSTEM, visit.pk, reason="Lunch", at=paris("2026-03-09T15:00:00"))
    assert status_of(order) == "paused"
    services.check_in(SYSTEM, visit.pk, at=paris("2026-03-09T15:45:00"))
    visit.refresh_from_db()
    assert (visit.on_site_at, visit.paused_at, visit.en_route_at) == (
        paris("2026-03-09T14:10:00"),
        paris("2026-03-09T15:00:00"),
        paris("2026-03-09T13:30:00"),
    )
    assert Event.objects.filter(ticket=ticket, kind="work_order").count() == 2


def test_a_visit_ending_unfixed_leaves_the_order_paused_for_the_next_visit(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = first_visit(order)
    services.dispatch_visit(SYSTEM, visit.pk)
    services.check_in(SYSTEM, visit.pk)

    services.complete_visit(SYSTEM, visit.pk, False, "Belt on order")

    assert (status_of(order), visits(order)) == ("paused", [(1, "completed"), (2, "unscheduled")])
    # Visit 2 is planned: scheduled again; completed fixed: the work order is completed
    second = services.plan_visit(
        SYSTEM, order.pk, crew.marc.pk, paris("2026-03-12T09:00:00"), paris("2026-03-12T10:00:00")
    )
    assert (second.number, status_of(order)) == (2, "scheduled")
    services.dispatch_visit(SYSTEM, second.pk)
    services.check_in(SYSTEM, second.pk)
    services.complete_visit(SYSTEM, second.pk, True, "Belt replaced, 200 notes counted")
    assert (status_of(order), visits(order)) == ("completed", [(1, "completed"), (2, "completed")])
    assert list(
        StatusChange.objects.filter(work_order=order, visit__isnull=True).values_list("old", "new")
    ) == [
        ("", "ready"),
        ("ready", "scheduled"),
        ("scheduled", "dispatched"),
        ("dispatched", "on_site"),
        ("on_site", "paused"),
        ("paused", "scheduled"),
        ("scheduled", "dispatched"),
        ("dispatched", "on_site"),
        ("on_site", "completed"),
    ]
    # The counter's history shows both visits
    assert list(
        HistoryEntry.objects.filter(service_object=world.a.machine, kind="visit")
        .order_by("id")
        .values_list("summary", "data")
    ) == [
        ("WO-2026-000001 #1: Belt on order", {"work_order": "WO-2026-000001", "visit": 1, "fixed": False}),
        (
            "WO-2026-000001 #2: Belt replaced, 200 notes counted",
            {"work_order": "WO-2026-000001", "visit": 2, "fixed": True},
        ),
    ]


def test_a_cancelled_visit_is_replaced_by_an_unscheduled_one(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = first_visit(order)
    services.dispatch_visit(SYSTEM, visit.pk)
    services.start_travel(SYSTEM, visit.pk)

    services.cancel_visit(SYSTEM, visit.pk, "Van broke down")

    assert (status_of(order), visits(order)) == ("ready", [(1, "cancelled"), (2, "unscheduled")])
    assert StatusChange.objects.get(visit=visit, new="cancelled").reason == "Van broke down"


# --- Bad input ---------------------------------------------------------------------------------------


def _refused(call: Callable[[], Any], error: type[DomainError], field: str | None, message: str) -> None:
    before = (db_state(), audit_count())
    with pytest.raises(error) as caught:
        call()
    assert (caught.value.field, caught.value.text()) == (field, message)
    assert (db_state(), audit_count()) == before


def test_a_visit_on_a_cancelled_work_order_is_refused(world: World, crew: Crew) -> None:
    order = make_order(world)
    services.cancel(SYSTEM, order.pk)
    _refused(
        lambda: services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11),
        Conflict,
        "status",
        "A work order that is cancelled gets no visit.",
    )


def test_a_visit_ending_before_it_starts_or_without_a_technician_is_refused(world: World, crew: Crew) -> None:
    order = make_order(world)
    _refused(
        lambda: services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_11, TUESDAY_9),
        InvalidInput,
        "end",
        "The end must be after the start.",
    )
    workforce_services.update_technician(SYSTEM, crew.marc.pk, {"active": False})
    _refused(
        lambda: services.plan_visit(SYSTEM, order.pk, crew.marc.pk, TUESDAY_9, TUESDAY_11),
        InvalidInput,
        "technician_id",
        f"No active technician with id {crew.marc.pk}.",
    )


def test_visit_steps_out_of_order_are_conflicts(world: World, crew: Crew) -> None:
    order = make_order(world)
    unscheduled = first_visit(order)
    _refused(
        lambda: services.dispatch_visit(SYSTEM, unscheduled.pk),
        Conflict,
        "status",
        "A visit cannot go from unscheduled to dispatched.",
    )
    _refused(
        lambda: services.cancel_visit(SYSTEM, unscheduled.pk),
        Conflict,
        "status",
        "An unscheduled visit is not cancelled on its own: cancel the work order.",
    )
    services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11)
    _refused(
        lambda: services.check_in(SYSTEM, unscheduled.pk),
        Conflict,
        "status",
        "A visit cannot go from planned to on_site.",
    )
    services.dispatch_visit(SYSTEM, unscheduled.pk)
    _refused(
        lambda: services.plan_visit(SYSTEM, order.pk, crew.marc.pk, TUESDAY_9, TUESDAY_11),
        Conflict,
        "status",
        "A visit that is dispatched is not moved; unschedule it first.",
    )
    _refused(
        lambda: services.complete_visit(SYSTEM, unscheduled.pk, True, "Done"),
        Conflict,
        "status",
        "A visit cannot go from dispatched to completed.",
    )


def test_a_stale_visit_version_is_refused(world: World, crew: Crew) -> None:
    order = planned(world, crew)
    visit = first_visit(order)
    before = (db_state(), audit_count())
    with pytest.raises(PreconditionFailed):
        services.dispatch_visit(SYSTEM, visit.pk, expected_version=1)
    assert (db_state(), audit_count()) == before


# --- Random sequences: never an illegal state, every change logged ---------------------------------

STEPS = (
    "plan",
    "move",
    "unschedule",
    "dispatch",
    "travel",
    "check_in",
    "pause",
    "complete_fixed",
    "complete_unfixed",
    "cancel_visit",
    "cancel",
    "validate",
    "draft",
    "ready",
)


def _apply(step: str, order: WorkOrder, crew: Crew) -> None:
    visit = Visit.objects.filter(work_order=order).order_by("-number").first()
    vid = visit.pk if visit is not None else 0
    start = TUESDAY_9 + timedelta(hours=len(step))
    calls: dict[str, Callable[[], Any]] = {
        "plan": lambda: services.plan_visit(SYSTEM, order.pk, crew.lea.pk, TUESDAY_9, TUESDAY_11),
        "move": lambda: services.plan_visit(
            SYSTEM, order.pk, crew.marc.pk, start, start + timedelta(hours=1), visit_id=vid
        ),
        "unschedule": lambda: services.unschedule_visit(SYSTEM, vid),
        "dispatch": lambda: services.dispatch_visit(SYSTEM, vid),
        "travel": lambda: services.start_travel(SYSTEM, vid),
        "check_in": lambda: services.check_in(SYSTEM, vid),
        "pause": lambda: services.pause(SYSTEM, vid),
        "complete_fixed": lambda: services.complete_visit(SYSTEM, vid, True, "fixed"),
        "complete_unfixed": lambda: services.complete_visit(SYSTEM, vid, False, "not yet"),
        "cancel_visit": lambda: services.cancel_visit(SYSTEM, vid),
        "cancel": lambda: services.cancel(SYSTEM, order.pk),
        "validate": lambda: services.validate(SYSTEM, order.pk),
        "draft": lambda: services.transition(SYSTEM, order.pk, "draft"),
        "ready": lambda: services.transition(SYSTEM, order.pk, "ready"),
    }
    calls[step]()


def _fingerprint(order: WorkOrder) -> tuple[Any, ...]:
    return (
        WorkOrder.objects.filter(pk=order.pk).values_list("status", "version").get(),
        visits(order),
        StatusChange.objects.filter(work_order=order).count(),
    )


def _chain(changes: list[tuple[str, str]], table: dict[Any, frozenset[Any]], final: str) -> None:
    """The logged changes form one path from creation to the current status, along the table."""
    assert changes[0][0] == ""
    for (_old, new), (next_old, next_new) in pairwise(changes):
        assert next_old == new
        assert next_new in table[next_old]
    assert changes[-1][1] == final


def _check_invariants(order: WorkOrder) -> None:
    order.refresh_from_db()
    rows = list(Visit.objects.filter(work_order=order).order_by("number"))
    open_rows = [v for v in rows if v.status in domain.OPEN_VISIT]
    if order.status in domain.WORKING:
        assert len(open_rows) == 1
        earlier = any(v.status == "completed" for v in rows)
        assert order.status == domain.follow_visit(open_rows[0].status, earlier)
    else:
        assert open_rows == []
    for v in rows:
        if v.status == "unscheduled":
            assert (v.technician_id, v.planned_start) == (None, None)
        elif v.status != "cancelled":
            assert v.technician_id is not None and v.planned_start is not None
        log = list(StatusChange.objects.filter(visit=v).order_by("id").values_list("old", "new"))
        _chain(log, domain.VISIT_TRANSITIONS, v.status)
    log = list(
        StatusChange.objects.filter(work_order=order, visit__isnull=True)
        .order_by("id")
        .values_list("old", "new")
    )
    _chain(log, domain.TRANSITIONS, order.status)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=14))
def test_random_sequences_never_reach_an_illegal_state(world: World, crew: Crew, steps: list[str]) -> None:
    order = make_order(world)
    for step in steps:
        before = _fingerprint(order)
        try:
            _apply(step, order, crew)
        except DomainError:
            assert _fingerprint(order) == before  # a refusal changes nothing
        _check_invariants(order)
