"""Telemetry API: devices, alert rules, an object's readings (customer users: their own objects only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api_support import call, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tests.telemetry.conftest import payload, topic_of
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.telemetry import services
from tournevis.telemetry.models import AlertRule, Device

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_a_manager_binds_a_device_to_an_object_and_rebinds_it(world):
    client = api_client(world.staff[Role.MANAGER])
    created = call(
        client, "POST", "/devices", {"device_id": "cnt-0042", "service_object_id": world.a.machine.pk}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["device_id"], body["service_object_id"], body["active"], body["version"]) == (
        "cnt-0042",
        world.a.machine.pk,
        True,
        1,
    )
    again = call(
        client, "POST", "/devices", {"device_id": "cnt-0042", "service_object_id": world.a.module.pk}
    )
    assert fields_of(problem(again, 409)) == ["device_id"]
    moved = call(
        client,
        "PATCH",
        f"/devices/{body['id']}",
        {"service_object_id": world.b.machine.pk},
        headers={"If-Match": '"1"'},
    )
    assert (moved.status_code, moved.json()["service_object_id"], moved["ETag"]) == (
        200,
        world.b.machine.pk,
        '"2"',
    )
    stale = call(client, "PATCH", f"/devices/{body['id']}", {"active": False}, headers={"If-Match": '"1"'})
    problem(stale, 412)
    listed = call(client, "GET", f"/devices?object_id={world.b.machine.pk}").json()
    assert [d["device_id"] for d in listed["items"]] == ["cnt-0042"]


def test_a_bad_device_id_or_object_is_refused_naming_the_field(world):
    client = api_client(world.staff[Role.MANAGER])
    bad_id = call(
        client, "POST", "/devices", {"device_id": "Not A Slug", "service_object_id": world.a.machine.pk}
    )
    assert fields_of(problem(bad_id, 422)) == ["device_id"]
    no_object = call(client, "POST", "/devices", {"device_id": "x-1", "service_object_id": 999999})
    assert fields_of(problem(no_object, 422)) == ["service_object_id"]
    assert Device.objects.count() == 0


def test_a_device_with_readings_is_deactivated_not_deleted(world):
    device = services.create_device(SYSTEM, {"device_id": "d-1", "service_object_id": world.a.machine.pk})
    services.ingest([services.Inbound(topic_of("d-1"), payload("d-1", 1, t=1))])
    response = call(api_client(world.staff[Role.MANAGER]), "DELETE", f"/devices/{device.pk}")
    assert fields_of(problem(response, 409)) == ["active"]


def test_alert_rules_target_exactly_one_model_or_object(world):
    client = api_client(world.staff[Role.ADMIN])
    rule = {"kind": "threshold", "metric": "temperature", "value": 80, "title": "Hot"}
    neither = call(client, "POST", "/alert-rules", rule)
    both = call(
        client,
        "POST",
        "/alert-rules",
        {**rule, "equipment_model_id": world.model.pk, "service_object_id": world.a.machine.pk},
    )
    assert fields_of(problem(neither, 422)) == ["equipment_model_id"]
    assert fields_of(problem(both, 422)) == ["equipment_model_id"]
    rate_without_window = call(
        client, "POST", "/alert-rules", {**rule, "kind": "rate", "equipment_model_id": world.model.pk}
    )
    assert fields_of(problem(rate_without_window, 422)) == ["window_minutes"]
    assert AlertRule.objects.count() == 0
    made = call(
        client, "POST", "/alert-rules", {**rule, "equipment_model_id": world.model.pk, "clear_value": 75}
    )
    assert made.status_code == 201, made.content
    patched = call(client, "PATCH", f"/alert-rules/{made.json()['id']}", {"clear_value": 90})
    assert fields_of(problem(patched, 422)) == ["clear_value"]
    patched = call(client, "PATCH", f"/alert-rules/{made.json()['id']}", {"value": 85, "priority": "P1"})
    assert (patched.json()["value"], patched.json()["priority"], patched.json()["version"]) == (85.0, "P1", 2)


def test_readings_of_an_object_for_its_customer_and_404_for_another(world):
    services.create_device(SYSTEM, {"device_id": "d-a", "service_object_id": world.a.machine.pk})
    base = NOW - timedelta(hours=2)
    services.ingest(
        [
            services.Inbound(
                topic_of("d-a"), payload("d-a", n, (base + timedelta(minutes=10 * n)).isoformat(), t=n)
            )
            for n in range(3)
        ]
        + [services.Inbound(topic_of("d-a"), payload("d-a", 9, base.isoformat(), pressure=1))]
    )
    own = api_client(world.a.user)
    with clock.frozen(NOW):
        response = call(own, "GET", f"/objects/{world.a.machine.pk}/readings?metric=t")
    assert response.status_code == 200, response.content
    assert [(r["seq"], r["value"], r["device"]) for r in response.json()["items"]] == [
        (0, 0.0, "d-a"),
        (1, 1.0, "d-a"),
        (2, 2.0, "d-a"),
    ]
    since = call(own, "GET", f"/objects/{world.a.machine.pk}/readings?metric=t&since=2026-03-09T10:15:00Z")
    assert [r["seq"] for r in since.json()["items"]] == [2]
    naive = call(own, "GET", f"/objects/{world.a.machine.pk}/readings?metric=t&since=2026-03-09T10:15:00")
    assert fields_of(problem(naive, 422)) == ["since"]
    problem(call(api_client(world.b.user), "GET", f"/objects/{world.a.machine.pk}/readings?metric=t"), 404)


def test_episodes_are_listed_with_their_ticket(world):
    services.create_device(SYSTEM, {"device_id": "d-e", "service_object_id": world.a.machine.pk})
    services.create_rule(
        SYSTEM,
        {"service_object_id": world.a.machine.pk, "kind": "error_code", "title": "Fault", "priority": "P2"},
    )
    body = b'{"device": "d-e", "seq": 1, "time": "2026-03-09T09:00:00Z", "readings": {}, "error_code": "E7"}'
    result = services.ingest([services.Inbound(topic_of("d-e"), body)])
    listed = call(api_client(world.staff[Role.AGENT]), "GET", "/episodes?open=true").json()
    assert [(e["id"], e["device"], e["closed_at"]) for e in listed["items"]] == [
        (result.opened[0], "d-e", None)
    ]
    assert listed["items"][0]["ticket_id"] is not None
