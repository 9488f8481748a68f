"""The sync endpoint: operations applied once in the device's order, replays answered with the first
answer, gaps refused, the same key with another operation refused, conflicts recorded (cancelled,
reassigned, completed, stale version, refused step), bad input rejected with the sequence consumed,
the device's clock bounded, and a crash before the commit leaving nothing behind."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api_support import audit_count, db_state, problem
from tests.conftest import SYSTEM, api_client
from tests.mobile.conftest import Field
from tests.mobile.support import send, signed_in
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.mobile.domain import OPS
from tournevis.mobile.models import Conflict, Operation
from tournevis.workorders import services as workorder_services
from tournevis.workorders import services_visits
from tournevis.workorders.models import StatusChange, Visit, VisitNote


def state(visit: Visit) -> tuple[str, int]:
    visit.refresh_from_db()
    return visit.status, visit.version


def test_travel_then_check_in_are_applied_in_order_with_the_device_time(field: Field) -> None:
    first = send(field.client, field.device, 1, "visit.travel", field.visit, at="2026-03-10T08:10:00+01:00")
    second = send(
        field.client, field.device, 2, "visit.check_in", field.visit, at="2026-03-10T08:25:00+01:00"
    )

    assert first.status_code == 200, first.content
    assert first.json() == {
        "result": "applied",
        "seq": 1,
        "key": first.key,
        "visit": {"id": field.visit.pk, "version": 4, "status": "en_route"},
        "record": None,
        "clock": {
            "device_at": "2026-03-10T07:10:00+00:00",
            "used_at": "2026-03-10T07:10:00+00:00",
            "adjusted": False,
            "offset_seconds": 0,
        },
    }
    assert first.get("Idempotent-Replayed") is None
    assert second.json()["visit"] == {"id": field.visit.pk, "version": 5, "status": "on_site"}
    field.visit.refresh_from_db()
    assert field.visit.en_route_at.isoformat() == "2026-03-10T07:10:00+00:00"
    assert field.visit.on_site_at.isoformat() == "2026-03-10T07:25:00+00:00"
    field.device.refresh_from_db()
    assert field.device.last_seq == 2
    assert list(Operation.objects.order_by("seq").values_list("seq", "name", "outcome", "status_code")) == [
        (1, "visit.travel", "applied", 200),
        (2, "visit.check_in", "applied", 200),
    ]


def test_a_triple_replay_is_answered_three_times_and_applied_once(field: Field) -> None:
    key = uuid.uuid4()
    first = send(field.client, field.device, 1, "visit.check_in", field.visit, key=key)
    events = audit_count()
    changes = StatusChange.objects.filter(visit=field.visit).count()

    again = [send(field.client, field.device, 1, "visit.check_in", field.visit, key=key) for _ in range(2)]

    for response in again:
        assert (response.status_code, response.json()) == (200, first.json())
        assert response["Idempotent-Replayed"] == "true"
    assert state(field.visit) == ("on_site", 4)
    assert (audit_count(), StatusChange.objects.filter(visit=field.visit).count()) == (events, changes)
    assert Operation.objects.count() == 1


def test_the_same_key_with_another_operation_is_refused(field: Field) -> None:
    key = uuid.uuid4()
    send(field.client, field.device, 1, "note.add", field.visit, {"text": "Belt worn"}, key=key)
    before = db_state()

    response = send(field.client, field.device, 1, "note.add", field.visit, {"text": "Belt OK"}, key=key)

    body = problem(response, 422)
    assert body["errors"] == [
        {
            "field": "Idempotency-Key",
            "message": "This Idempotency-Key was already used for another operation.",
        }
    ]
    assert db_state() == before
    assert list(VisitNote.objects.values_list("text", flat=True)) == ["Belt worn"]


def test_operations_out_of_order_wait_for_the_missing_one(field: Field) -> None:
    send(field.client, field.device, 1, "visit.travel", field.visit)
    before = db_state()

    early = send(field.client, field.device, 3, "note.add", field.visit, {"text": "Done"})

    body = problem(early, 409)
    assert (body["expected"], body["errors"][0]["field"]) == (2, "seq")
    assert db_state() == before  # not stored: the device sends 2 first
    assert send(field.client, field.device, 2, "visit.check_in", field.visit).json()["result"] == "applied"
    retried = send(field.client, field.device, 3, "note.add", field.visit, {"text": "Done"}, key=early.key)
    assert retried.json()["result"] == "applied"
    assert state(field.visit) == ("on_site", 5)
    assert list(VisitNote.objects.values_list("text", "client_id")) == [("Done", uuid.UUID(early.key))]


def test_a_used_sequence_number_with_a_new_key_is_refused(field: Field) -> None:
    send(field.client, field.device, 1, "visit.travel", field.visit)

    response = send(field.client, field.device, 1, "visit.check_in", field.visit)

    assert problem(response, 409)["expected"] == 2
    assert state(field.visit) == ("en_route", 4)


def test_an_operation_on_a_visit_reassigned_is_a_conflict_kept_whole(field: Field) -> None:
    # Given the dispatcher gave the visit to Marc while Léa was offline
    services_visits.unschedule_visit(SYSTEM, field.visit.pk)
    workorder_services.plan_visit(SYSTEM, field.order.pk, field.crew.marc.pk, TUESDAY_9, TUESDAY_11)
    # When Léa's phone syncs her check-in and a note
    check_in = send(field.client, field.device, 1, "visit.check_in", field.visit)
    note = send(field.client, field.device, 2, "note.add", field.visit, {"text": "Belt worn"})

    # Then both are conflicts, nothing applied, the whole operation kept
    assert state(field.visit) == ("planned", 5)
    assert VisitNote.objects.count() == 0
    conflict = Conflict.objects.get(operation__key=check_in.key)
    assert check_in.json() == {
        "result": "conflict",
        "seq": 1,
        "key": check_in.key,
        "conflict": {
            "id": conflict.pk,
            "reason": "visit_reassigned",
            "message": "This visit was given to another technician.",
        },
        "visit": {"id": field.visit.pk, "version": 5, "status": "planned"},
    }
    assert conflict.payload == {
        "key": check_in.key,
        "seq": 1,
        "op": "visit.check_in",
        "visit_id": field.visit.pk,
        "at": "2026-03-10T08:29:00+01:00",
        "data": {},
        "if_match": None,
    }
    assert conflict.current["technician"] == "Marc Durand"
    assert note.json()["conflict"]["reason"] == "visit_reassigned"
    assert Conflict.objects.get(operation__key=note.key).payload["data"] == {"text": "Belt worn"}
    field.device.refresh_from_db()
    assert field.device.last_seq == 2  # the outbox moves on


def test_a_visit_never_given_to_the_technician_is_rejected_as_not_found(field: Field) -> None:
    other = workorder_services.create_work_order(SYSTEM, {"site_id": field.world.a.site.pk, "title": "Other"})
    visit = Visit.objects.get(work_order=other)

    response = send(field.client, field.device, 1, "note.add", visit, {"text": "Hi"})

    body = problem(response, 404)
    assert (body["result"], body["seq"], body["key"]) == ("rejected", 1, response.key)
    assert Operation.objects.get().outcome == "rejected"
    assert Conflict.objects.count() == 0


@pytest.mark.parametrize(
    ("close", "reason", "message"),
    [
        (
            lambda v: services_visits.cancel_visit(SYSTEM, v.pk, "Customer closed"),
            "visit_cancelled",
            "This visit was cancelled.",
        ),
        (
            lambda v: (
                services_visits.check_in(SYSTEM, v.pk),
                services_visits.complete_visit(SYSTEM, v.pk, True, "Ok"),
            ),
            "visit_completed",
            "This visit is already completed.",
        ),
    ],
    ids=["cancelled", "completed"],
)
def test_an_operation_on_a_closed_visit_is_a_conflict(
    field: Field, close: Any, reason: str, message: str
) -> None:
    close(field.visit)
    status = state(field.visit)

    response = send(field.client, field.device, 1, "note.add", field.visit, {"text": "Belt worn"})

    assert response.json()["conflict"]["reason"] == reason
    assert response.json()["conflict"]["message"] == message
    assert (state(field.visit), VisitNote.objects.count()) == (status, 0)


def test_a_step_the_visit_refuses_is_a_not_allowed_conflict(field: Field) -> None:
    send(field.client, field.device, 1, "visit.check_in", field.visit)

    travel = send(field.client, field.device, 2, "visit.travel", field.visit)
    resume = send(field.client, field.device, 3, "visit.resume", field.visit)

    assert travel.json()["conflict"]["reason"] == "not_allowed"
    assert travel.json()["conflict"]["message"] == "A visit cannot go from on_site to en_route."
    assert resume.json()["conflict"]["message"] == "Only a paused visit is resumed (it is on_site)."
    assert state(field.visit) == ("on_site", 4)


def test_pause_and_resume(field: Field) -> None:
    send(field.client, field.device, 1, "visit.check_in", field.visit)
    paused = send(
        field.client, field.device, 2, "visit.pause", field.visit, {"reason": "Waiting for the key"}
    )
    resumed = send(field.client, field.device, 3, "visit.resume", field.visit)

    assert [paused.json()["visit"]["status"], resumed.json()["visit"]["status"]] == ["paused", "on_site"]
    assert StatusChange.objects.filter(visit=field.visit, new="paused").get().reason == "Waiting for the key"


def test_bad_input_is_rejected_stored_and_replayed(field: Field) -> None:
    cases = [
        ("visit.pause", {"why": "x"}, "data.why"),
        ("note.dance", {}, "op"),
        ("note.add", {"text": 3}, "data.text"),
        ("note.add", {"text": "  "}, "text"),
    ]
    for seq, (op, data, where) in enumerate(cases, start=1):
        response = send(field.client, field.device, seq, op, field.visit, data)
        body = problem(response, 422)
        assert (body["result"], body["seq"], body["errors"][0]["field"]) == ("rejected", seq, where)
        replay = send(field.client, field.device, seq, op, field.visit, data, key=response.key)
        assert (replay.status_code, replay.json(), replay["Idempotent-Replayed"]) == (422, body, "true")
    assert state(field.visit) == ("dispatched", 3)
    assert VisitNote.objects.count() == 0
    field.device.refresh_from_db()
    assert field.device.last_seq == 4


def test_a_bad_device_time_is_rejected(field: Field) -> None:
    response = send(field.client, field.device, 1, "visit.check_in", field.visit, at="2026-03-10T08:29:00")

    assert problem(response, 422)["errors"][0]["field"] == "at"
    assert state(field.visit) == ("dispatched", 3)


def test_the_envelope_must_name_a_key_and_a_sequence_number(field: Field) -> None:
    headers = {"X-Device-Id": str(field.device.client_id)}
    body = {
        "seq": 1,
        "op": "visit.travel",
        "visit_id": field.visit.pk,
        "at": "2026-03-10T08:29:00+01:00",
        "data": {},
    }
    before = db_state()
    cases = [
        ({"Idempotency-Key": "not-a-uuid"}, body, 422, "Idempotency-Key"),
        ({}, body, 422, "Idempotency-Key"),
        ({"Idempotency-Key": str(uuid.uuid4())}, {**body, "seq": 0}, 422, "seq"),
        ({"Idempotency-Key": str(uuid.uuid4())}, {**body, "seq": "1"}, 422, "seq"),
        ({"Idempotency-Key": str(uuid.uuid4())}, [body], 422, "body"),
    ]
    for extra, payload, status, where in cases:
        response = field.client.post(
            "/api/v1/mobile/ops",
            json.dumps(payload),
            content_type="application/json",
            headers=headers | extra,
        )
        assert problem(response, status)["errors"][0]["field"] == where
    malformed = field.client.post(
        "/api/v1/mobile/ops",
        "{",
        content_type="application/json",
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert problem(malformed, 400)["errors"][0]["field"] == "body"
    assert db_state() == before


def test_a_device_time_out_of_bounds_gives_way_to_the_server_time(field: Field) -> None:
    # Before the dispatch (Monday 18:00): the server's time is used and the difference kept
    early = send(field.client, field.device, 1, "visit.travel", field.visit, at="2026-03-09T12:00:00+01:00")
    # Ten minutes ahead of the server (skew 5 minutes): the server's time again
    late = send(field.client, field.device, 2, "visit.check_in", field.visit, at="2026-03-10T08:40:00+01:00")

    assert early.json()["clock"] == {
        "device_at": "2026-03-09T11:00:00+00:00",
        "used_at": "2026-03-10T07:30:00+00:00",
        "adjusted": True,
        "offset_seconds": -73800,
    }
    assert late.json()["clock"]["offset_seconds"] == 600
    field.visit.refresh_from_db()
    assert (field.visit.en_route_at.isoformat(), field.visit.on_site_at.isoformat()) == (
        "2026-03-10T07:30:00+00:00",
        "2026-03-10T07:30:00+00:00",
    )
    adjusted = AuditEvent.objects.filter(action="mobile.clock_adjusted").order_by("id")
    assert [(e.object_id, e.after["op"], e.after["offset_seconds"]) for e in adjusted] == [
        (str(field.visit.pk), "visit.travel", -73800),
        (str(field.visit.pk), "visit.check_in", 600),
    ]


def test_a_device_time_within_the_skew_is_kept(field: Field) -> None:
    response = send(
        field.client, field.device, 1, "visit.check_in", field.visit, at="2026-03-10T08:34:00+01:00"
    )

    assert response.json()["clock"]["adjusted"] is False
    field.visit.refresh_from_db()
    assert field.visit.on_site_at.isoformat() == "2026-03-10T07:34:00+00:00"


class _Crash(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_server_killed_before_the_commit_leaves_nothing_and_the_retry_applies_once(field: Field) -> None:
    key = uuid.uuid4()

    def crash_when_the_sequence_moves(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('UPDATE "mobile_device"') and "last_seq" in sql:
            raise _Crash("killed after the effect, before the commit")
        return execute(sql, params, many, context)

    # Given a server that dies after the check-in was written, before the commit
    with connection.execute_wrapper(crash_when_the_sequence_moves), pytest.raises(_Crash):
        send(field.client, field.device, 1, "visit.check_in", field.visit, key=key)
    # Then nothing of it remains
    assert state(field.visit) == ("dispatched", 3)
    assert (
        Operation.objects.count(),
        StatusChange.objects.filter(visit=field.visit, new="on_site").count(),
    ) == (0, 0)
    field.device.refresh_from_db()
    assert field.device.last_seq == 0

    # When the device retries, twice
    first = send(field.client, field.device, 1, "visit.check_in", field.visit, key=key)
    second = send(field.client, field.device, 1, "visit.check_in", field.visit, key=key)

    # Then the check-in is applied exactly once
    assert (first.json()["result"], second["Idempotent-Replayed"]) == ("applied", "true")
    assert state(field.visit) == ("on_site", 4)
    assert StatusChange.objects.filter(visit=field.visit, new="on_site").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_sequence_number_taken_by_a_concurrent_request_is_a_503_to_retry(field: Field) -> None:
    key = uuid.uuid4()

    def taken_meanwhile(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('INSERT INTO "mobile_operation"'):
            raise IntegrityError("UNIQUE constraint failed: mobile_operation.device_id, mobile_operation.seq")
        return execute(sql, params, many, context)

    # Given another request of the device that stored operation 1 while this one was being applied
    with connection.execute_wrapper(taken_meanwhile):
        busy = send(field.client, field.device, 1, "visit.check_in", field.visit, key=key)

    # Then this one is told to come back, and nothing of it was kept
    assert (busy.status_code, busy["Retry-After"]) == (503, "1")
    assert problem(busy, 503)["errors"][0]["field"] == "seq"
    assert (state(field.visit), Operation.objects.count()) == (("dispatched", 3), 0)
    # When it comes back, it is applied once
    again = send(field.client, field.device, 1, "visit.check_in", field.visit, key=key)
    assert (again.json()["result"], state(field.visit)) == ("applied", ("on_site", 4))


def test_a_technician_must_name_a_live_device(field: Field) -> None:
    body = {
        "seq": 1,
        "op": "visit.travel",
        "visit_id": field.visit.pk,
        "at": "2026-03-10T08:29:00+01:00",
        "data": {},
    }

    def post(device_header: str | None) -> Any:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        if device_header is not None:
            headers["X-Device-Id"] = device_header
        return field.client.post(
            "/api/v1/mobile/ops", json.dumps(body), content_type="application/json", headers=headers
        )

    _, other_device = signed_in(field.world.staff[Role.DISPATCHER], "Office tablet")
    for header in (None, "nope", str(uuid.uuid4()), str(other_device.client_id)):
        assert problem(post(header), 401)["errors"][0]["field"] == "X-Device-Id"
    assert state(field.visit) == ("dispatched", 3)


def test_two_devices_of_one_technician_keep_their_own_numbering(field: Field) -> None:
    _, tablet = signed_in(field.user, "Léa's tablet")
    client = api_client(field.user)

    phone_note = send(field.client, field.device, 1, "note.add", field.visit, {"text": "From the phone"})
    tablet_note = send(client, tablet, 1, "note.add", field.visit, {"text": "From the tablet"})

    assert [phone_note.json()["result"], tablet_note.json()["result"]] == ["applied", "applied"]
    assert sorted(VisitNote.objects.values_list("text", flat=True)) == ["From the phone", "From the tablet"]


def test_the_operation_log_is_purged_after_its_retention_but_open_conflicts_stay(field: Field) -> None:
    from tournevis.mobile import tasks

    send(field.client, field.device, 1, "visit.check_in", field.visit)
    services_visits.cancel_visit(SYSTEM, field.visit.pk)
    send(field.client, field.device, 2, "note.add", field.visit, {"text": "late"})

    assert tasks.tick(field.clock.at + timedelta(days=89)) == {"mobile_operations_purged": 0}
    assert tasks.tick(field.clock.at + timedelta(days=91)) == {"mobile_operations_purged": 1}
    assert list(Operation.objects.values_list("seq", flat=True)) == [2]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    op=st.sampled_from(sorted(OPS)) | st.text(max_size=12),
    visit=st.sampled_from(["own", "huge", "negative", "text"]),
    at=st.sampled_from(["2026-03-10T08:29:00+01:00", "2026-03-10T08:29:00", "yesterday", ""]) | JSON,
    data=st.dictionaries(
        st.sampled_from(
            ["text", "kind", "item_id", "value", "part_id", "quantity", "serials", "fixed", "needed", "x"]
        ),
        JSON,
        max_size=4,
    )
    | JSON,
    if_match=st.none() | st.sampled_from(['"1"', "3", "*", "W/x", '"99999999999"']),
)
def test_no_operation_is_ever_answered_with_a_server_error(
    field: Field, op: Any, visit: str, at: Any, data: Any, if_match: str | None
) -> None:
    field.device.refresh_from_db()
    visit_id = {"own": field.visit.pk, "huge": 10**30, "negative": -4, "text": "12"}[visit]
    body = {"seq": field.device.last_seq + 1, "op": op, "visit_id": visit_id, "at": at, "data": data}
    headers = {"Idempotency-Key": str(uuid.uuid4()), "X-Device-Id": str(field.device.client_id)}
    if if_match is not None:
        headers["If-Match"] = if_match

    response = field.client.post(
        "/api/v1/mobile/ops", json.dumps(body), content_type="application/json", headers=headers
    )

    assert response.status_code < 500, response.content
    assert response.json()["result"] in ("applied", "conflict", "rejected")
    assert (response.status_code == 200) == (response.json()["result"] != "rejected")


def test_text_with_a_nul_character_is_rejected_not_a_server_error(field: Field) -> None:
    note = send(field.client, field.device, 1, "note.add", field.visit, {"text": "Belt\x00worn"})
    op = send(field.client, field.device, 2, "note\x00add", field.visit, {})

    assert problem(note, 422)["errors"] == [
        {"field": "data.text", "message": "Text may not contain NUL characters."}
    ]
    assert problem(op, 422)["errors"][0]["field"] == "op"
    assert Operation.objects.get(seq=2).name == "note\ufffdadd"
    assert VisitNote.objects.count() == 0
