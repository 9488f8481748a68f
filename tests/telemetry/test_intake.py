"""The MQTT intake against the real Mosquitto broker: storage, dedupe, bad input, crash recovery."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from django.db import transaction

from tests.telemetry.conftest import forget_session, payload, pump, topic_of, unique
from tournevis.telemetry import services
from tournevis.telemetry.intake_mqtt import Intake, run
from tournevis.telemetry.models import Device, Reading
from tournevis.tickets.models import IntakeCounter


def counter(reason: str) -> int:
    row = IntakeCounter.objects.filter(channel="iot", reason=reason).first()
    return row.count if row else 0


def test_a_message_is_stored_with_its_values_and_device_time(device, publisher, intakes):
    # Given an intake subscribed to the device's topic
    intake = intakes([topic_of(device.device_id)])

    # When the device publishes one reading at QoS 1
    publisher.send(
        topic_of(device.device_id),
        payload(device.device_id, 7, "2026-03-09T10:15:00+01:00", temperature=71.5, pressure=2),
    )
    pump(intake, lambda: Reading.objects.filter(device=device).exists())

    # Then it is stored once, in UTC, and the device's last reading moved
    reading = Reading.objects.get(device=device)
    assert (reading.seq, reading.at, reading.values, reading.error_code) == (
        7,
        datetime(2026, 3, 9, 9, 15, tzinfo=UTC),
        {"temperature": 71.5, "pressure": 2.0},
        "",
    )
    device.refresh_from_db()
    assert (device.last_seq, device.last_seen_at) == (7, datetime(2026, 3, 9, 9, 15, tzinfo=UTC))


def test_the_same_device_and_seq_twice_is_stored_once_and_counted(device, publisher, intakes):
    intake = intakes([topic_of(device.device_id)])
    body = payload(device.device_id, 1, temperature=20)

    # When the same message arrives twice, in two separate batches
    publisher.send(topic_of(device.device_id), body)
    results = pump(intake, lambda: Reading.objects.filter(device=device).exists())
    publisher.send(topic_of(device.device_id), body)
    results += pump(intake, lambda: counter("duplicate") == 1)

    # Then one reading and one duplicate
    assert Reading.objects.filter(device=device).count() == 1
    assert counter("duplicate") == 1
    assert [(r.stored, r.duplicates) for r in results] == [(1, 0), (0, 1)]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (
            json.dumps({"device": "DEV", "seq": 1, "time": "2026-03-09T09:00:00Z", "readings": {}}),
            "invalid_payload",
        ),
        ("missing-seq", "invalid_payload"),
        ("naive-time", "invalid_payload"),
        ("text-value", "invalid_payload"),
        ("other-device", "topic_mismatch"),
    ],
)
def test_a_bad_message_is_counted_and_acknowledged_and_the_next_one_is_processed(
    device, publisher, intakes, body, reason
):
    name = device.device_id
    bodies = {
        "missing-seq": json.dumps({"device": name, "time": "2026-03-09T09:00:00Z", "readings": {}}),
        "naive-time": json.dumps({"device": name, "seq": 1, "time": "2026-03-09T09:00:00", "readings": {}}),
        "text-value": json.dumps(
            {"device": name, "seq": 1, "time": "2026-03-09T09:00:00Z", "readings": {"t": "hot"}}
        ),
        "other-device": payload("someone-else", 1, temperature=1).decode(),
    }
    raw = bodies.get(body, body) if isinstance(body, str) else body
    intake = intakes([topic_of(name)])

    # When a bad message is followed by a valid one
    publisher.send(topic_of(name), raw.encode() if isinstance(raw, str) else raw)
    publisher.send(topic_of(name), payload(name, 2, temperature=21))
    pump(intake, lambda: Reading.objects.filter(device=device).exists())

    # Then the bad one is counted (and nothing of it stored), the good one is stored
    assert counter(reason) == 1
    assert list(Reading.objects.filter(device=device).values_list("seq", flat=True)) == [2]


def test_an_unknown_device_is_counted_and_nothing_is_stored(world, publisher, intakes):
    ghost = unique("ghost")
    intake = intakes([topic_of(ghost)])
    publisher.send(topic_of(ghost), payload(ghost, 1, temperature=5))
    pump(intake, lambda: counter("unknown_device") == 1)
    assert counter("unknown_device") == 1
    assert Reading.objects.count() == 0


def test_an_inactive_device_is_counted_and_nothing_is_stored(device, publisher, intakes, system):
    services.update_device(system, device.pk, {"active": False})
    intake = intakes([topic_of(device.device_id)])
    publisher.send(topic_of(device.device_id), payload(device.device_id, 1, temperature=5))
    pump(intake, lambda: counter("inactive_device") == 1)
    assert Reading.objects.count() == 0


class CrashBeforeCommit(Intake):
    """The process dies after receiving a batch, before its transaction commits."""

    def store(self, messages: list[mqtt.MQTTMessage]) -> services.BatchResult:
        with transaction.atomic():
            services.ingest([services.Inbound(m.topic, m.payload) for m in messages])
            raise KeyboardInterrupt("killed before commit")


class CrashBeforeAck(Intake):
    """The process dies after the commit, before the acknowledgement left."""

    def ack(self, batch: list[tuple[int, mqtt.MQTTMessage]]) -> None:
        raise KeyboardInterrupt("killed before ack")


def test_killed_before_commit_the_message_is_redelivered_and_stored_once(device, publisher, intakes):
    # Given an intake with a persistent session that dies before committing a received message
    client_id = unique("test-intake-crash")
    topics = [topic_of(device.device_id)]
    first = intakes(topics, client_id, CrashBeforeCommit)
    publisher.send(topics[0], payload(device.device_id, 42, temperature=30))
    with pytest.raises(KeyboardInterrupt):
        pump(first, lambda: False)
    first.close()
    assert Reading.objects.filter(device=device).count() == 0

    # When the intake restarts with the same client id
    second = intakes(topics, client_id)
    pump(second, lambda: Reading.objects.filter(device=device).exists())

    # Then the broker redelivered the unacknowledged message: stored exactly once
    assert list(Reading.objects.filter(device=device).values_list("seq", flat=True)) == [42]
    assert counter("duplicate") == 0


def test_killed_after_commit_before_ack_the_redelivery_is_a_counted_duplicate(device, publisher, intakes):
    client_id = unique("test-intake-crash")
    topics = [topic_of(device.device_id)]
    first = intakes(topics, client_id, CrashBeforeAck)
    publisher.send(topics[0], payload(device.device_id, 43, temperature=30))
    with pytest.raises(KeyboardInterrupt):
        pump(first, lambda: False)
    first.close()
    assert Reading.objects.filter(device=device).count() == 1

    second = intakes(topics, client_id)
    pump(second, lambda: counter("duplicate") == 1)
    assert Reading.objects.filter(device=device).count() == 1


def test_messages_published_while_the_intake_is_away_are_delivered_on_its_return(device, publisher, intakes):
    # Given an intake whose persistent session exists, then stops
    client_id = unique("test-intake-away")
    topics = [topic_of(device.device_id)]
    intakes(topics, client_id).close()

    # When readings are published while it is away, and it comes back
    for seq in (1, 2, 3):
        publisher.send(topics[0], payload(device.device_id, seq, temperature=seq))
    back = intakes(topics, client_id)
    pump(back, lambda: Reading.objects.filter(device=device).count() == 3)

    # Then all of them were kept by the broker and stored
    assert sorted(Reading.objects.filter(device=device).values_list("seq", flat=True)) == [1, 2, 3]
    assert Device.objects.get(pk=device.pk).last_seq == 3


@pytest.mark.django_db(transaction=True)
def test_run_stores_until_its_stop_event_is_set(world, publisher, broker):
    # Given the intake's entry point running in a thread (as `tournevis intake mqtt` runs it)
    name = unique("dev-run")
    device = services.create_device(
        services.INTAKE, {"device_id": name, "service_object_id": world.a.machine.pk}
    )
    client_id, stop = unique("test-intake-run"), threading.Event()
    worker = threading.Thread(
        target=run, args=(broker, client_id, stop), kwargs={"topic": [topic_of(name)], "session_expiry": 60}
    )
    worker.start()
    try:
        # When a device publishes (again every 0.3 s until the intake, still subscribing, stored it)
        deadline = time.monotonic() + 10
        while not Reading.objects.filter(device=device).exists():
            assert time.monotonic() < deadline, "run() stored nothing"
            publisher.send(topic_of(name), payload(name, 1, temperature=1))
            time.sleep(0.3)
    finally:
        stop.set()
        worker.join(5)
        forget_session(client_id)

    # Then it was stored once (re-sends before the subscription was up are duplicates) and run() returned
    assert not worker.is_alive()
    assert Reading.objects.filter(device=device).count() == 1
