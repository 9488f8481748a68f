"""Dispatch services on the database: moves checked and undone, optimisation proposals accepted,
emergency insertion, dispatching a day, the iCalendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.api_support import db_state
from tests.conftest import SYSTEM
from tests.dispatch.conftest import Planning
from tournevis.dispatch import api, feeds, queries, services
from tournevis.dispatch.models import Move
from tournevis.notifications.models import OutboundEmail
from tournevis.workforce import services as workforce_services
from tournevis.workorders import services as workorder_services
from tournevis.workorders import services_visits
from tournevis.workorders.models import Visit

TUESDAY_9 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Paris


def test_a_move_plans_the_visit_and_undo_puts_it_back(planning: Planning) -> None:
    # Given a waiting kiosk visit
    visit = planning.visit(0)
    # When it is dropped on Ana (kiosk 2) on Tuesday at 09:00 Paris time
    move = services.move_visit(SYSTEM, visit.pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    # Then it is planned for an hour (the work order's estimate)
    visit.refresh_from_db()
    assert (visit.status, visit.technician_id, visit.planned_start, visit.planned_end) == (
        "planned",
        planning.ana.pk,
        TUESDAY_9,
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    )
    assert move.before == {"technician_id": None, "start": None, "end": None, "status": "unscheduled"}
    # And undo sends it back to the waiting list
    services.undo_move(SYSTEM, move.pk)
    visit.refresh_from_db()
    assert (visit.status, visit.technician_id, visit.planned_start) == ("unscheduled", None, None)
    assert Move.objects.get(pk=move.pk).undone_at is not None


def test_a_drop_on_a_technician_without_the_skill_is_refused_and_changes_nothing(planning: Planning) -> None:
    visit = planning.visit(0)
    before = db_state()
    with pytest.raises(services.MoveRefused) as refused:
        services.move_visit(SYSTEM, visit.pk, technician_id=planning.bruno.pk, start=TUESDAY_9)
    assert [i.text() for i in refused.value.result.errors] == [
        "Bruno Petit lacks the skill kiosk at level 2."
    ]
    assert db_state() == before


def test_a_drop_on_an_absent_technician_is_refused(planning: Planning) -> None:
    absence = workforce_services.request_absence(
        SYSTEM,
        planning.ana.pk,
        {
            "kind": "training",
            "start": datetime(2026, 11, 23, 23, 0, tzinfo=UTC),
            "end": datetime(2026, 11, 24, 23, 0, tzinfo=UTC),
        },
    )
    workforce_services.decide_absence(SYSTEM, absence.pk, True)
    visit = planning.visit(0)
    before = db_state()
    with pytest.raises(services.MoveRefused) as refused:
        services.move_visit(SYSTEM, visit.pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    assert [i.text() for i in refused.value.result.errors] == ["Ana Lopes is absent then (training)."]
    assert db_state() == before


def test_an_overlap_is_refused_and_a_deadline_warning_needs_confirmation(planning: Planning) -> None:
    first = planning.visit(0)
    services.move_visit(SYSTEM, first.pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    second = planning.visit(1)
    with pytest.raises(services.MoveRefused) as refused:
        services.move_visit(
            SYSTEM,
            second.pk,
            technician_id=planning.bruno.pk,
            start=datetime(2026, 11, 24, 17, 0, tzinfo=UTC),  # 18:00 Paris: after the shift
        )
    assert [i.code for i in refused.value.result.errors] == ["off_shift"]
    # A deadline already passed at the drop time is a warning: refused until confirmed
    order = planning.orders[1]
    order.onsite_deadline = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    order.save(update_fields=["onsite_deadline"])
    with pytest.raises(services.MoveRefused) as warned:
        services.move_visit(SYSTEM, second.pk, technician_id=planning.bruno.pk, start=TUESDAY_9)
    assert warned.value.needs_confirmation is True
    assert [w.code for w in warned.value.result.warnings] == ["deadline"]
    move = services.move_visit(
        SYSTEM, second.pk, technician_id=planning.bruno.pk, start=TUESDAY_9, confirm=True
    )
    assert [w["code"] for w in move.warnings] == ["deadline"]


def test_the_board_shows_technicians_visits_and_the_waiting_list(planning: Planning) -> None:
    services.move_visit(SYSTEM, planning.visit(0).pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    data = queries.board(date(2026, 11, 23), date(2026, 11, 29), planning.team.pk)
    assert [r["name"] for r in data["resources"]] == ["Ana Lopes", "Bruno Petit"]
    assert len(data["resources"][0]["windows"]) == 5  # Monday to Friday
    assert [(v["number"], v["technician_id"], v["start"]) for v in data["visits"]] == [
        (planning.orders[0].number, planning.ana.pk, "2026-11-24T08:00:00+00:00")
    ]
    assert [w["number"] for w in data["unassigned"]] == [planning.orders[1].number]


def test_an_optimisation_plans_both_visits_with_qualified_technicians(planning: Planning) -> None:
    proposal = services.start_optimisation(
        SYSTEM, team_id=planning.team.pk, first=date(2026, 11, 24), last=date(2026, 11, 24), time_limit=1
    )
    proposal = services.run_proposal(proposal.pk)
    assert proposal.status == "ready", proposal.error
    assert sorted((c["number"], c["technician_id"]) for c in proposal.changes) == [
        (planning.orders[0].number, planning.ana.pk),
        (planning.orders[1].number, planning.bruno.pk),
    ]
    assert proposal.unassigned == []
    accepted = services.accept(SYSTEM, proposal.pk)
    assert len(accepted.outcome["applied"]) == 2
    assert Visit.objects.filter(status="planned").count() == 2


def test_accepting_skips_a_visit_changed_since_the_solve(planning: Planning) -> None:
    proposal = services.start_optimisation(
        SYSTEM, team_id=None, first=date(2026, 11, 24), last=date(2026, 11, 24), time_limit=1
    )
    services.run_proposal(proposal.pk)
    services.move_visit(
        SYSTEM,
        planning.visit(0).pk,
        technician_id=planning.ana.pk,
        start=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
    )
    accepted = services.accept(SYSTEM, proposal.pk)
    assert [s["number"] for s in accepted.outcome["skipped"]] == [planning.orders[0].number]
    assert planning.visit(0).planned_start == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_bad_horizons_are_refused(planning: Planning) -> None:
    before = db_state()
    for first, last, limit, field in (
        (date(2026, 11, 25), date(2026, 11, 24), 5, "last_day"),
        (date(2026, 11, 1), date(2026, 12, 15), 5, "last_day"),
        (date(2026, 11, 24), date(2026, 11, 24), 0, "time_limit"),
    ):
        with pytest.raises(Exception) as refused:
            services.start_optimisation(SYSTEM, team_id=None, first=first, last=last, time_limit=limit)
        assert refused.value.field == field  # type: ignore[attr-defined]
    assert db_state() == before


def test_an_emergency_is_inserted_without_moving_the_planned_visit(planning: Planning) -> None:
    services.move_visit(SYSTEM, planning.visit(1).pk, technician_id=planning.bruno.pk, start=TUESDAY_9)
    urgent = planning.visit(0)
    proposal = services.insert_emergency(SYSTEM, urgent.pk, day=date(2026, 11, 24))
    assert proposal.status == "ready"
    assert [(c["key"], c["technician_id"]) for c in proposal.changes] == [(f"v{urgent.pk}", planning.ana.pk)]


def test_dispatching_a_day_tells_the_customer(planning: Planning) -> None:
    services.move_visit(SYSTEM, planning.visit(0).pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    before = OutboundEmail.objects.count()
    sent = services.dispatch_day(
        SYSTEM,
        planning.ana.pk,
        datetime(2026, 11, 23, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 23, 0, tzinfo=UTC),
    )
    assert [v.status for v in sent] == ["dispatched"]
    assert OutboundEmail.objects.count() == before + 1


def test_the_feed_keeps_uids_bumps_sequences_and_cancels_a_visit_that_left(planning: Planning) -> None:
    visit = planning.visit(0)
    services.move_visit(SYSTEM, visit.pk, technician_id=planning.ana.pk, start=TUESDAY_9)
    feed, token = feeds.create_feed(SYSTEM, planning.ana.pk)
    first = feeds.feed_document(token)
    assert first is not None
    uid = f"UID:visit-{visit.pk}@tournevis"
    assert uid in first and "STATUS:CONFIRMED" in first
    sequence = int(first.split("SEQUENCE:")[1].split("\r\n")[0])
    # the visit moves an hour later: same UID, higher SEQUENCE
    services.move_visit(
        SYSTEM, visit.pk, technician_id=planning.ana.pk, start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    )
    second = feeds.feed_document(token)
    assert second is not None and uid in second
    assert int(second.split("SEQUENCE:")[1].split("\r\n")[0]) > sequence
    assert "DTSTART:20261124T090000Z" in second
    # back to the waiting list: published once more as cancelled
    services_visits.unschedule_visit(SYSTEM, visit.pk)
    third = feeds.feed_document(token)
    assert third is not None and uid in third and "STATUS:CANCELLED" in third
    # a revoked token opens nothing
    feeds.revoke_feed(SYSTEM, feed.pk)
    assert feeds.feed_document(token) is None


def test_a_site_without_coordinates_is_left_out_with_the_reason(planning: Planning) -> None:
    order = workorder_services.create_work_order(
        SYSTEM, {"kind": "corrective", "site_id": planning.world.b.site.pk, "title": "Somewhere"}
    )
    proposal = services.start_optimisation(
        SYSTEM, team_id=None, first=date(2026, 11, 24), last=date(2026, 11, 24), time_limit=1
    )
    proposal = services.run_proposal(proposal.pk)
    [row] = [u for u in proposal.unassigned if u["work_order_id"] == order.pk]
    assert (row["code"], row["params"]) == ("no_location", {"site": "Beta HQ"})
    assert api.reason_text(row) == "the site Beta HQ has no coordinates: give it a latitude and a longitude"
