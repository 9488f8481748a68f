"""Persisted SLA clocks: started from an entitlement, paused, retargeted, replayed, stopped, escalated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import SYSTEM
from tournevis.contracts import queries, services, services_tiers, sla_queries, sla_services
from tournevis.contracts.models import EscalationRule, SlaClock, SlaClockEvent, SlaEscalation
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.notifications.models import OutboundEmail
from tournevis.notifications.services import queue_email

SPLIT = [["08:00", "12:00"], ["13:30", "18:00"]]
FRIDAY_17 = datetime.fromisoformat("2026-03-06T17:00:00+01:00")
TICKET = "tickets.ticket"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def paris(hhmm: str, day: int = 9) -> datetime:
    return datetime.fromisoformat(f"2026-03-{day:02d}T{hhmm}:00+01:00")


def targets(first: int, on_site: int, resolution: int, update: int) -> dict[str, int]:
    return {
        "first_response_minutes": first,
        "on_site_minutes": on_site,
        "resolution_minutes": resolution,
        "update_every_minutes": update,
    }


@pytest.fixture
def setup(world):
    calendar = services_tiers.create_calendar(
        SYSTEM,
        {
            "name": "Paris",
            "timezone": "Europe/Paris",
            "slots": {day: SPLIT for day in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "FR", "subdivision": "57"},
        },
    )
    rows = [
        {"priority": "P1", **targets(30, 120, 480, 120)},
        {"priority": "P2", **targets(60, 240, 960, 480)},
        {"priority": "P3", **targets(240, 960, 2880, 480)},
        {"priority": "P4", **targets(480, 2400, 4800, 2400)},
    ]
    policy = services_tiers.create_sla_policy(SYSTEM, {"name": "Gold", "targets": rows})
    manager = world.staff[Role.MANAGER]
    manager.email = "manager@example.com"
    manager.save()

    def contract(party):
        return services.create_contract(
            SYSTEM,
            party.customer.pk,
            {
                "type": "maintenance",
                "status": "active",
                "start_date": date(2026, 1, 1),
                "end_date": date(2026, 12, 31),
                "currency": "EUR",
                "sla_policy_id": policy.pk,
                "calendar_id": calendar.pk,
                "account_manager_id": manager.pk,
                "coverage": {"site_ids": [party.site.pk]},
            },
        )

    return {"calendar": calendar, "policy": policy, "a": contract(world.a), "b": contract(world.b)}


def start(world, subject_id=1, priority="P2", party="a", at=FRIDAY_17):
    site = world.a.site if party == "a" else world.b.site
    right = queries.entitlement(site=site, at=at, priority=priority)
    with clock.frozen(at):
        return sla_services.start_clocks(
            SYSTEM, TICKET, subject_id, at=at, priority=priority, entitlement=right
        )


def clocks(subject_id=1) -> dict[str, SlaClock]:
    return {c.kind: c for c in SlaClock.objects.filter(subject_type=TICKET, subject_id=subject_id)}


def local(moment):
    return moment.astimezone(FRIDAY_17.tzinfo).isoformat()


def test_clocks_start_from_the_entitlement_on_the_paris_calendar(world, setup):
    started = start(world)

    assert [c.kind for c in started] == ["response", "onsite", "resolution", "update"]
    rows = clocks()
    assert {k: local(c.deadline) for k, c in rows.items()} == {
        "response": "2026-03-06T18:00:00+01:00",
        "onsite": "2026-03-09T11:00:00+01:00",
        "resolution": "2026-03-10T16:00:00+01:00",
        "update": "2026-03-09T16:30:00+01:00",
    }
    assert local(rows["response"].warning_at) == "2026-03-06T17:45:00+01:00"
    response = rows["response"]
    assert (response.state, response.contract_id, response.calendar_id, response.priority) == (
        "running",
        setup["a"].pk,
        setup["calendar"].pk,
        "P2",
    )
    assert (response.target_minutes, response.consumed_seconds, response.remaining_seconds) == (60, 0, 3600)
    assert AuditEvent.objects.filter(action="sla_clock.start").count() == 4
    assert SlaClockEvent.objects.filter(kind="start").count() == 4


def test_time_and_materials_starts_no_clock(world):
    right = queries.entitlement(site=world.a.site, at=FRIDAY_17, priority="P1")
    assert sla_services.start_clocks(SYSTEM, TICKET, 1, at=FRIDAY_17, priority="P1", entitlement=right) == []


def test_pause_and_resume_extend_the_deadline_by_the_paused_business_time(world, setup):
    start(world)
    with clock.frozen(paris("08:30")):
        assert sla_services.apply_status(SYSTEM, TICKET, 1, "waiting_customer", at=paris("08:30")) == 4
    assert clocks()["onsite"].state == "paused"
    assert at_risk_ids(world, now=paris("08:30")) == []  # paused clocks are not listed, even breached
    with clock.frozen(paris("10:00")):
        assert sla_services.apply_status(SYSTEM, TICKET, 1, "in_progress", at=paris("10:00")) == 4

    onsite = clocks()["onsite"]
    assert (onsite.state, local(onsite.deadline)) == ("running", "2026-03-09T14:00:00+01:00")
    assert onsite.consumed_seconds == 90 * 60  # Friday 17:00-18:00, Monday 08:00-08:30
    assert SlaClockEvent.objects.filter(clock=onsite).values_list("kind", flat=True).count() == 3


def test_retarget_on_a_priority_change_keeps_the_consumed_time(world, setup):
    start(world)
    at = paris("08:30")
    right = queries.entitlement(site=world.a.site, at=at, priority="P1")
    with clock.frozen(at):
        assert sla_services.retarget(SYSTEM, TICKET, 1, at=at, priority="P1", entitlement=right) == 4

    onsite = clocks()["onsite"]
    assert (onsite.priority, onsite.target_minutes, local(onsite.deadline)) == (
        "P1",
        120,
        "2026-03-09T09:00:00+01:00",
    )
    assert (onsite.consumed_seconds, onsite.remaining_seconds) == (90 * 60, 30 * 60)
    resolution = clocks()["resolution"]
    assert local(resolution.deadline) == "2026-03-09T16:30:00+01:00"  # 480 min: Fri 1 h, Mon 4 h + 3 h


def test_a_calendar_change_replays_every_open_clock(world, setup):
    start(world)
    with clock.frozen(paris("07:00")):
        services_tiers.update_calendar(
            SYSTEM,
            setup["calendar"].pk,
            {"slots": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], **{d: SPLIT for d in WEEKDAYS[1:5]}}},
        )

    rows = clocks()
    assert local(rows["onsite"].deadline) == "2026-03-09T12:00:00+01:00"
    assert local(rows["update"].deadline) == "2026-03-09T17:30:00+01:00"
    assert rows["response"].state == "breached"  # replayed as of Monday 07:00
    assert local(rows["response"].breached_at) == "2026-03-06T18:00:00+01:00"
    assert AuditEvent.objects.filter(action="sla_clock.replay").count() == 4


def test_a_stop_before_the_deadline_is_met_and_after_it_stays_breached(world, setup):
    start(world)
    with clock.frozen(paris("17:30", 6)):
        response = sla_services.stop_clock(SYSTEM, TICKET, 1, "response", at=paris("17:30", 6))
    assert (response.state, local(response.met_at)) == ("met", "2026-03-06T17:30:00+01:00")
    with clock.frozen(paris("12:00")):
        onsite = sla_services.stop_clock(SYSTEM, TICKET, 1, "onsite", at=paris("12:00"))
    assert (onsite.state, local(onsite.breached_at), onsite.met_at) == (
        "breached",
        "2026-03-09T11:00:00+01:00",
        None,
    )
    assert onsite.remaining_seconds == -60 * 60
    with pytest.raises(Exception, match="No running onsite clock"):
        sla_services.stop_clock(SYSTEM, TICKET, 1, "onsite", at=paris("12:30"))


def test_the_tick_marks_breaches_and_fires_each_warning_and_level_once(world, setup):
    EscalationRule.objects.create(
        policy=setup["policy"], kind="onsite", level=1, offset_minutes=-60, action="notify_manager"
    )
    start(world)

    with clock.frozen(paris("17:50", 6)):
        assert sla_services.tick(paris("17:50", 6), queue_email) == {"sla_escalations_fired": 1}
        assert sla_services.tick(paris("17:50", 6), queue_email) == {"sla_escalations_fired": 0}
    with clock.frozen(paris("10:00")):
        assert sla_services.tick(paris("10:00"), queue_email) == {"sla_escalations_fired": 2}
        assert sla_services.tick(paris("10:00"), queue_email) == {"sla_escalations_fired": 0}

    fired = sorted(SlaEscalation.objects.values_list("clock__kind", "level", "action", "params"))
    assert fired == [
        ("onsite", 0, "warning", {}),
        ("onsite", 1, "notify_manager", {}),
        ("response", 0, "warning", {}),
    ]
    # the warning and notify_manager are done when they fire: nothing waits for a higher context
    assert all(e.handled_at == e.fired_at for e in SlaEscalation.objects.all())
    assert sla_services.pending_actions(TICKET, ["warning", "notify_manager"]) == []
    mails = list(OutboundEmail.objects.order_by("id").values_list("to", "subject"))
    assert mails == [
        ("manager@example.com", "SLA warning: response clock of tickets.ticket#1"),
        ("manager@example.com", "SLA warning: onsite clock of tickets.ticket#1"),
        ("manager@example.com", "SLA escalation level 1: onsite clock of tickets.ticket#1"),
    ]
    assert clocks()["response"].state == "breached"


def test_a_warning_the_tick_first_sees_after_the_breach_is_sent_once_saying_breached(world, setup):
    # Given a P2 ticket opened on Friday 17:00: the response clock warns at 17:45 and is due at 18:00
    start(world)
    monday = paris("08:30")

    # When the worker's first tick runs on Monday 08:30 (the clock breached on Friday 18:00), twice
    with clock.frozen(monday):
        first = sla_services.tick(monday, queue_email)
        second = sla_services.tick(monday, queue_email)

    # Then exactly one e-mail went out, saying the clock is breached, and nothing the second time
    assert (first, second) == ({"sla_escalations_fired": 1}, {"sla_escalations_fired": 0})
    assert list(OutboundEmail.objects.values_list("to", "subject", "body")) == [
        (
            "manager@example.com",
            "SLA breached: response clock of tickets.ticket#1",
            "The response clock of tickets.ticket#1 is breached: it was due at 2026-03-06T18:00:00+01:00.",
        )
    ]
    response = clocks()["response"]
    assert (response.state, local(response.breached_at), response.next_alert_at) == (
        "breached",
        "2026-03-06T18:00:00+01:00",
        None,
    )
    escalation = SlaEscalation.objects.get()
    assert (escalation.clock_id, escalation.level, escalation.action, escalation.handled_at) == (
        response.pk,
        0,
        "warning",
        monday,
    )


def test_a_clock_that_breaches_while_paused_sends_its_warning_once_it_runs_again(world, setup):
    start(world)
    with clock.frozen(paris("08:30")):  # paused after the response deadline (Friday 18:00)
        sla_services.apply_status(SYSTEM, TICKET, 1, "waiting_customer", at=paris("08:30"))
        assert sla_services.tick(paris("08:30"), queue_email) == {"sla_escalations_fired": 0}
    with clock.frozen(paris("09:00")):
        sla_services.apply_status(SYSTEM, TICKET, 1, "in_progress", at=paris("09:00"))
        assert sla_services.tick(paris("09:00"), queue_email) == {"sla_escalations_fired": 1}

    assert list(OutboundEmail.objects.values_list("subject", flat=True)) == [
        "SLA breached: response clock of tickets.ticket#1"
    ]


def test_a_stopped_breached_clock_sends_no_warning(world, setup):
    start(world)
    with clock.frozen(paris("08:30")):
        sla_services.stop_clock(SYSTEM, TICKET, 1, "response", at=paris("08:30"))
        assert sla_services.tick(paris("08:30"), queue_email) == {"sla_escalations_fired": 0}
    assert (clocks()["response"].state, OutboundEmail.objects.count()) == ("breached", 0)


def at_risk_ids(world, role=Role.DISPATCHER, own=True, **kwargs):
    return [c.pk for c in sla_queries.at_risk(actor_for(world.user(role, own)), **kwargs)]


def test_at_risk_is_ordered_by_deadline_and_scoped_to_the_customer(world, setup):
    start(world, subject_id=1, party="a")
    start(world, subject_id=2, party="b", at=paris("08:00"))
    now = paris("08:30")
    with clock.frozen(now):
        ids = at_risk_ids(world, within=timedelta(hours=1), now=now)
        mine = at_risk_ids(world, Role.CUSTOMER, within=timedelta(hours=1), now=now)
        theirs = at_risk_ids(world, Role.CUSTOMER, own=False, within=timedelta(hours=1), now=now)
        wide = at_risk_ids(world, within=timedelta(hours=5), now=now, limit=3, offset=1)

    a, b = clocks(1), clocks(2)
    # a.response breached on Friday 18:00; b.response due at 09:00
    assert ids == [a["response"].pk, b["response"].pk]
    assert mine == [a["response"].pk]
    assert theirs == [b["response"].pk]
    # within 5 h: a.response, b.response 09:00, a.onsite 11:00, b.onsite 12:00 (offset 1, limit 3)
    assert wide == [b["response"].pk, a["onsite"].pk, b["onsite"].pk]


def test_a_clock_past_its_warning_is_at_risk_whatever_the_horizon(world, setup):
    start(world)
    now = paris("17:46", 6)
    with clock.frozen(now):
        assert at_risk_ids(world, within=timedelta(0), now=now) == [clocks()["response"].pk]
    assert sla_queries.at_risk(SYSTEM, within=timedelta(0), now=datetime(2026, 3, 6, 16, 0, tzinfo=UTC)) == []
