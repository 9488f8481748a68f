"""``tournevis intake mqtt``: the MQTT telemetry intake (paho-mqtt 2, MQTT 5).

Subscribes at QoS 1 to ``tournevis/+/telemetry`` with a persistent session (``clean_start=False``,
a session expiry interval) and ``manual_ack=True``: a message is acknowledged only after the
transaction that stored it committed, so nothing acknowledged is lost; a crash before the commit means
the broker redelivers, and (device, seq) dedupes. Messages are stored in batches (up to
``batch_max`` messages or ``batch_wait`` seconds after the first one), one transaction each
(``services.ingest``), then the whole batch is acknowledged in the order received. Bad messages
(invalid JSON, missing fields, topic/device mismatch, unknown device, duplicates) are logged, counted
(``tickets.IntakeCounter``, channel "iot") and acknowledged, so a poison message never blocks.

The client announces a Receive Maximum (default 1,000) so the broker keeps enough messages in
flight for batching; mosquitto also caps each client's queue (``max_queued_messages``, 1,000 by
default): raise it on a production broker so a long intake outage loses nothing (docs/contexts/telemetry.md).
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tournevis.telemetry import services
from tournevis.telemetry.domain import TOPIC_FILTER

logger = logging.getLogger(__name__)
DEFAULT_URL = "mqtt://127.0.0.1:1883"
SESSION_EXPIRY = 7 * 24 * 3600  # seconds the broker keeps the session (and its queue) while we are away


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def parse_url(url: str) -> Broker:
    """``mqtt://[user:password@]host[:port]`` (1883) or ``mqtts://...`` (TLS, 8883)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"MQTT_URL must look like mqtt://host:1883, not {url!r}")
    tls = parts.scheme == "mqtts"
    return Broker(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def configured_url() -> str:
    return str(getattr(settings, "MQTT_URL", "") or DEFAULT_URL)


class Intake:
    """One connection to the broker; ``poll`` stores one batch and acknowledges it."""

    def __init__(
        self,
        url: str | None = None,
        client_id: str = "tournevis-intake",
        *,
        batch_max: int = 500,
        batch_wait: float = 0.05,
        session_expiry: int = SESSION_EXPIRY,
        receive_maximum: int = 1000,
        topic: str | list[str] = TOPIC_FILTER,
    ) -> None:
        self.broker = parse_url(url or configured_url())
        self.client_id = client_id
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self.session_expiry = session_expiry
        self.receive_maximum = receive_maximum
        self.topics = [topic] if isinstance(topic, str) else list(topic)
        self._inbox: queue.Queue[tuple[int, mqtt.MQTTMessage]] = queue.Queue()
        self._subscribed = threading.Event()
        self._lock = threading.Lock()
        self.busy_seconds = 0.0  # time spent storing and acknowledging (for the benchmark)
        self._generation = 0  # bumped when the broker starts a new session: older message ids mean nothing
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # --- paho callbacks (network thread) ----------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            logger.error("mqtt intake: connection refused by %s: %s", self.broker.host, reason)
            return
        with self._lock:
            if not flags.session_present:
                self._generation += 1
        logger.info("mqtt intake %s connected (session present: %s)", self.client_id, flags.session_present)
        client.subscribe([(t, 1) for t in self.topics])

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any
    ) -> None:
        if any(r.is_failure for r in reasons):
            logger.error("mqtt intake: subscription to %s refused: %s", self.topics, reasons)
            return
        self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put((self._generation, message))

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._subscribed.clear()
        if reason.is_failure:
            logger.warning("mqtt intake %s disconnected: %s (reconnecting)", self.client_id, reason)

    # --- main thread ------------------------------------------------------------------------------

    def connect(self, timeout: float = 10.0) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        properties.ReceiveMaximum = self.receive_maximum
        self.client.connect(
            self.broker.host, self.broker.port, keepalive=30, clean_start=False, properties=properties
        )
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            self.close()
            raise ConnectionError(
                f"no subscription to {self.topics} on {self.broker.host}:{self.broker.port}"
            )

    def poll(self, timeout: float = 0.2) -> services.BatchResult | None:
        """Wait up to ``timeout`` for a message, collect a batch, store it, then acknowledge it."""
        try:
            batch = [self._inbox.get(timeout=timeout)]
        except queue.Empty:
            return None
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_max:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._inbox.get(timeout=remaining) if remaining > 0 else self._inbox.get_nowait()
                )
            except queue.Empty:
                break
        began = time.perf_counter()
        result = self.store([m for _, m in batch])
        self.ack(batch)
        self.busy_seconds += time.perf_counter() - began
        return result

    def store(self, messages: list[mqtt.MQTTMessage]) -> services.BatchResult:
        """One transaction (``services.ingest``); when it raises, nothing of the batch is acknowledged."""
        return services.ingest([services.Inbound(m.topic, m.payload) for m in messages])

    def ack(self, batch: list[tuple[int, mqtt.MQTTMessage]]) -> None:
        with self._lock:
            for generation, message in batch:
                if generation == self._generation and message.qos > 0:
                    self.client.ack(message.mid, message.qos)

    def close(self) -> None:
        """Disconnect; unacknowledged messages stay in the broker's session for the next run."""
        self.client.disconnect()
        self.client.loop_stop()


def run(
    url: str | None = None,
    client_id: str = "tournevis-intake",
    stop_event: threading.Event | None = None,
    **options: Any,
) -> None:
    """Run the intake until ``stop_event`` is set (or SIGTERM / SIGINT when none is given)."""
    if stop_event is None:
        stop = stop_event = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
    intake = Intake(url, client_id, **options)
    intake.connect()
    logger.info("mqtt intake %s subscribed to %s on %s", client_id, intake.topics, intake.broker.host)
    try:
        while not stop_event.is_set():
            result = intake.poll(0.2)
            if result is not None and (result.opened or result.closed):
                logger.info("mqtt intake: episodes opened %s, closed %s", result.opened, result.closed)
    finally:
        intake.close()
