# ruff: noqa: F811 (the stockroom and smtp fixtures are imported, then asked for by name)
"""Completion of a visit (``workorders.completion``): the checklist gate, parts taken from the van (a
shortage never blocks), first-time fix, the ticket resolved with its SLA clocks, the follow-up work
order proposed; and the customer's signature checked against the report's hash."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api_support import db_state
from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom, stockroom  # noqa: F401 (a fixture)
from tests.tickets.conftest import MONDAY_10
from tests.workorders.completion_support import ARRIVED, DONE, on_site, png, uid
from tournevis.contracts.models import SlaClock
from tournevis.core import clock
from tournevis.core.errors import Conflict, InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.stock.models import Movement
from tournevis.tickets import services as ticket_services
from tournevis.tickets.models import Event, Ticket
from tournevis.workorders import checklists, completion, parts, records, report, services
from tournevis.workorders.domain_records import report_sha256
from tournevis.workorders.models import PartUsed, Signature, Visit, WorkOrder


def _ticket_order(world: World, stockroom: Stockroom) -> tuple[Ticket, WorkOrder, Visit]:
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
        SYSTEM, order.pk, stockroom.technician.pk, ARRIVED, ARRIVED + timedelta(hours=2), at=MONDAY_10
    )
    services.dispatch_visit(SYSTEM, visit.pk, at=MONDAY_10 + timedelta(hours=1))
    services.check_in(SYSTEM, visit.pk, at=ARRIVED)
    return ticket, order, visit


def test_a_fixed_visit_takes_its_parts_from_the_van_and_resolves_the_ticket(
    world: World, stockroom: Stockroom, gold
) -> None:
    ticket, order, visit = _ticket_order(world, stockroom)
    records.use_part(SYSTEM, visit.pk, client_id=uid(1), code="GL-100-BLT", quantity=1, at=ARRIVED)

    with clock.frozen(DONE):
        done = completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Belt replaced", expected_version=4)

    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (done.status, done.fixed, done.outcome, done.completed_at) == (
        "completed",
        True,
        "Belt replaced",
        DONE,
    )
    assert (order.status, order.first_time_fix) == ("completed", True)
    line = PartUsed.objects.get()
    assert (line.consumed_at, line.location_id) == (DONE, stockroom.van.pk)
    assert stockroom.level(stockroom.van, stockroom.belt) == ("0", "0")
    movement = Movement.objects.filter(kind="consumption").get()
    assert (movement.source_id, movement.quantity, movement.reference) == (
        stockroom.van.pk,
        1,
        f"{order.number}/1",
    )
    # The ticket is resolved at the completion time; its timeline says by which work order
    assert (ticket.status, ticket.resolved_at) == ("resolved", DONE)
    status_event = Event.objects.filter(ticket=ticket, kind="status").last()
    assert status_event.data == {
        "old": "new",
        "new": "resolved",
        "reason": f"{order.number} #1: Belt replaced",
    }
    clocks = {
        c.kind: (c.state, c.stopped_at is not None, c.paused_since)
        for c in SlaClock.objects.filter(subject_type="ticket", subject_id=ticket.pk)
    }
    assert clocks["onsite"] == ("breached", True, None)  # due Monday 15:30, arrived Tuesday 09:05
    assert clocks["response"][1] is True  # stopped at the latest on resolution
    assert clocks["resolution"] == ("paused", False, DONE)


def test_a_shortage_never_blocks_completion_and_is_recorded(world: World, stockroom: Stockroom) -> None:
    _order, visit = on_site(world, stockroom)
    records.use_part(SYSTEM, visit.pk, client_id=uid(1), part_id=stockroom.belt.pk, quantity=2, at=ARRIVED)
    records.use_part(SYSTEM, visit.pk, client_id=uid(2), part_id=stockroom.belt.pk, quantity=1, at=ARRIVED)
    records.use_part(SYSTEM, visit.pk, client_id=uid(3), part_id=stockroom.belt.pk, quantity=1, at=ARRIVED)
    records.remove_part_used(SYSTEM, visit.pk, client_id=uid(3))

    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done", at=DONE)

    lines = {
        str(line.client_id)[-1]: (line.consumed_at, line.removed_at is not None)
        for line in PartUsed.objects.all()
    }
    assert lines == {"1": (None, False), "2": (DONE, False), "3": (None, True)}
    assert stockroom.level(stockroom.van, stockroom.belt) == ("0", "0")
    (event,) = AuditEvent.objects.filter(action="visit.part.not_consumed")
    assert event.after == {
        "part": "BELT",
        "quantity": "2.000",
        "serials": [],
        "location": stockroom.van.pk,
        "error": "Only 1 of BELT available at VAN-LEA.",
    }
    assert Visit.objects.get(pk=visit.pk).status == "completed"


def test_required_checklist_items_refuse_completion_and_change_nothing(
    world: World, stockroom: Stockroom
) -> None:
    template = checklists.create_template(
        SYSTEM,
        {
            "code": "counter",
            "name_en": "Counter",
            "name_fr": "Compteuse",
            "items": [
                {
                    "label_en": "Belt tension",
                    "label_fr": "Tension courroie",
                    "kind": "check",
                    "required": True,
                },
                {"label_en": "Comment", "kind": "text"},
                {"label_en": "Notes counted", "kind": "number", "required": True, "unit": "notes"},
            ],
        },
    )
    tension, _comment, counted = template.items.order_by("position")
    _order, visit = on_site(world, stockroom)
    before = db_state()

    with pytest.raises(Conflict) as refused:
        completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done", at=DONE)

    assert (refused.value.field, refused.value.text()) == (
        "checklist",
        "Required checklist items are not answered: Belt tension, Notes counted.",
    )
    assert refused.value.problem_members(str) == {
        "items": [{"id": tension.pk, "label": "Belt tension"}, {"id": counted.pk, "label": "Notes counted"}]
    }
    assert db_state() == before
    records.set_checklist_result(SYSTEM, visit.pk, item_id=tension.pk, value=True)
    records.set_checklist_result(SYSTEM, visit.pk, item_id=counted.pk, value="200")
    assert completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done", at=DONE).status == "completed"


def test_an_unfixed_first_visit_is_no_first_time_fix_and_the_ticket_stays_open(
    world: World, stockroom: Stockroom, gold
) -> None:
    ticket, order, visit = _ticket_order(world, stockroom)

    completion.complete(SYSTEM, visit.pk, fixed=False, outcome="Belt on order", at=DONE)

    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (order.status, order.first_time_fix, ticket.status) == ("paused", False, "new")
    second = Visit.objects.get(work_order=order, number=2)
    assert second.status == "unscheduled"
    # The second visit fixes it: the ticket is resolved, the first-time fix stays False
    later = DONE + timedelta(days=2)
    services.plan_visit(SYSTEM, order.pk, stockroom.technician.pk, later, later + timedelta(hours=1))
    services.dispatch_visit(SYSTEM, second.pk, at=later - timedelta(hours=1))
    services.check_in(SYSTEM, second.pk, at=later)
    completion.complete(
        SYSTEM, second.pk, fixed=True, outcome="Belt fitted", at=later + timedelta(minutes=30)
    )
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (order.status, order.first_time_fix, ticket.status) == ("completed", False, "resolved")


def test_a_fixed_visit_needing_follow_up_proposes_a_draft_work_order(
    world: World, stockroom: Stockroom, gold
) -> None:
    ticket, order, visit = _ticket_order(world, stockroom)
    world.a.customer.language = "en"
    world.a.customer.save(update_fields=["language"])
    records.set_follow_up(SYSTEM, visit.pk, needed=True, reason="Rollers worn: replace next month")

    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Belt replaced", at=DONE)

    proposal = WorkOrder.objects.exclude(pk=order.pk).get()
    assert (
        proposal.status,
        proposal.title,
        proposal.description,
        proposal.customer_id,
        proposal.site_id,
        proposal.service_object_id,
        proposal.ticket_id,
        proposal.priority,
        proposal.kind,
    ) == (
        "draft",
        f"Follow-up of {order.number}",
        "Rollers worn: replace next month",
        world.a.customer.pk,
        world.a.site.pk,
        world.a.machine.pk,
        ticket.pk,
        "P2",
        "corrective",
    )
    assert Visit.objects.filter(work_order=proposal).count() == 0  # a draft has no visit yet
    assert AuditEvent.objects.filter(action="workorder.follow_up_proposed").get().after == {
        "from": order.number,
        "visit": 1,
        "ticket": ticket.pk,
    }
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_completion_refuses_a_visit_not_on_site_and_a_stale_version(
    world: World, stockroom: Stockroom
) -> None:
    _order, visit = on_site(world, stockroom)
    services.pause(SYSTEM, visit.pk, reason="Lunch")
    services.cancel_visit(SYSTEM, visit.pk, reason="Customer closed")

    with pytest.raises(Conflict) as refused:
        completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done")
    assert (refused.value.field, refused.value.text()) == (
        "status",
        "A visit cannot go from cancelled to completed.",
    )
    with pytest.raises(InvalidInput) as bad:
        completion.complete(SYSTEM, visit.pk, fixed="yes", outcome="Done")  # type: ignore[arg-type]
    assert bad.value.field == "fixed"


# --- Signature --------------------------------------------------------------------------------------


def test_a_signature_matching_the_servers_report_is_true_and_an_older_one_is_kept(
    world: World, stockroom: Stockroom
) -> None:
    _order, visit = on_site(world, stockroom)
    records.add_note(SYSTEM, visit.pk, client_id=uid(7), text="Customer present", at=ARRIVED)
    signed_content = report.report_content(visit, True, "Belt replaced")
    digest = report_sha256(signed_content)

    first, matches = completion.add_signature(
        SYSTEM,
        visit.pk,
        client_id=uid(8),
        signer_name="  Jeanne Client ",
        image_png=png(),
        report_sha256=digest,
        fixed=True,
        outcome="Belt replaced",
        at=DONE,
    )

    assert matches is True
    assert (first.signer_name, first.report_sha256, first.signed_at) == ("Jeanne Client", digest, DONE)
    # Replayed: the same row; the server has a note more since: the signature no longer matches
    records.add_note(SYSTEM, visit.pk, client_id=uid(9), text="Late note", at=DONE)
    again, matches = completion.add_signature(
        SYSTEM,
        visit.pk,
        client_id=uid(8),
        signer_name="Jeanne Client",
        image_png=png(),
        report_sha256=digest,
        fixed=True,
        outcome="Belt replaced",
    )
    assert (again.pk, matches) == (first.pk, False)
    _stale, matches = completion.add_signature(
        SYSTEM,
        visit.pk,
        client_id=uid(10),
        signer_name="Jeanne Client",
        image_png=png(),
        report_sha256=digest,
        fixed=True,
        outcome="Belt replaced",
        at=DONE,
    )
    assert matches is False and Signature.objects.count() == 2  # stored all the same
    assert AuditEvent.objects.filter(action="visit.signature").order_by("id").last().after["matches"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"image_png": b"GIF89a not a png"}, "image"),
        ({"image_png": b"\x89PNG" + b"0" * (512 * 1024)}, "image"),
        ({"report_sha256": "abc"}, "report_sha256"),
        ({"signer_name": "   "}, "signer_name"),
        ({"client_id": "not-a-uuid"}, "client_id"),
    ],
)
def test_a_bad_signature_is_refused_naming_the_field_and_nothing_is_written(
    world: World, stockroom: Stockroom, change: dict[str, object], field: str
) -> None:
    _order, visit = on_site(world, stockroom)
    data: dict[str, object] = {
        "client_id": uid(8),
        "signer_name": "Jeanne Client",
        "image_png": png(),
        "report_sha256": "0" * 64,
        "fixed": True,
        "outcome": "Done",
        **change,
    }
    before = db_state()

    with pytest.raises(InvalidInput) as refused:
        completion.add_signature(SYSTEM, visit.pk, **data)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert db_state() == before


def test_a_fixed_visit_releases_the_reservations_of_parts_not_used(
    world: World, stockroom: Stockroom
) -> None:
    order, visit = on_site(world, stockroom)
    (reservation,) = parts.reserve_parts(SYSTEM, order.pk, [{"part": "BELT", "quantity": 1}])
    assert (reservation.location_id, stockroom.level(stockroom.van, stockroom.belt)) == (
        stockroom.van.pk,
        ("1", "1"),
    )

    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Adjusted, no part needed", at=DONE)

    reservation.refresh_from_db()
    assert reservation.status == "released"
    assert stockroom.level(stockroom.van, stockroom.belt) == ("1", "0")
    assert not Movement.objects.filter(kind="consumption").exists()
