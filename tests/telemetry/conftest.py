"""Telemetry fixtures: the real Mosquitto broker (skipped, with the reason, when unreachable), a
publisher, unique device ids and client ids per test, and an intake driven from the test thread."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.conftest import SYSTEM, World
from tournevis.telemetry import services
from tournevis.telemetry.intake_mqtt import Intake
from tournevis.telemetry.models import Device

HOST, PORT = "127.0.0.1", 1883
URL = f"mqtt://{HOST}:{PORT}"


def broker_reachable() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def broker() -> str:
    if not broker_reachable():
        pytest.skip(f"needs the Mosquitto broker at {HOST}:{PORT} (apt-get install mosquitto; CI runs it)")
    return URL


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def topic_of(device: str) -> str:
    return f"tournevis/{device}/telemetry"


def payload(device: str, seq: int, time_: str = "2026-03-09T09:00:00+00:00", **readings: float) -> bytes:
    return json.dumps({"device": device, "seq": seq, "time": time_, "readings": readings}).encode()


class Publisher:
    """A device simulator: publishes at QoS 1 and waits for the broker's PUBACK."""

    def __init__(self) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=unique("test-pub"), protocol=mqtt.MQTTv5
        )
        self.client.connect(HOST, PORT)
        self.client.loop_start()

    def send(self, topic: str, body: bytes) -> None:
        self.client.publish(topic, body, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def forget_session(client_id: str) -> None:
    """Drop a persistent session the test created (clean start, expiry 0)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0
    client.connect(HOST, PORT, clean_start=True, properties=properties)
    client.loop_start()
    time.sleep(0.05)
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def publisher(broker: str) -> Iterator[Publisher]:
    pub = Publisher()
    yield pub
    pub.close()


@pytest.fixture
def intakes(broker: str) -> Iterator[Callable[..., Intake]]:
    """Build connected intakes subscribed to the given topics only (isolated from other tests)."""
    made: list[Intake] = []

    def make(
        topics: list[str], client_id: str | None = None, cls: type[Intake] = Intake, **kw: Any
    ) -> Intake:
        intake = cls(broker, client_id or unique("test-intake"), topic=topics, session_expiry=300, **kw)
        intake.connect()
        made.append(intake)
        return intake

    yield make
    for intake in made:
        try:
            intake.close()
        finally:
            forget_session(intake.client_id)


def pump(intake: Intake, until: Callable[[], bool], timeout: float = 10.0) -> list[services.BatchResult]:
    """Poll the intake (storing and acknowledging batches) until ``until()`` holds."""
    results: list[services.BatchResult] = []
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "the intake did not get there in time"
        result = intake.poll(0.1)
        if result is not None:
            results.append(result)
    return results


def received(results: list[services.BatchResult]) -> int:
    return sum(r.received for r in results)


@pytest.fixture
def device(world: World) -> Device:
    return services.create_device(
        SYSTEM, {"device_id": unique("dev"), "service_object_id": world.a.machine.pk}
    )
