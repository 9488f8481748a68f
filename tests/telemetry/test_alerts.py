"""Alert rules over the real broker: one ticket per episode, closed when the condition clears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.telemetry.conftest import payload, pump, topic_of
from tournevis.telemetry import services
from tournevis.telemetry.models import Episode, Reading
from tournevis.tickets.models import Message, Ticket

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def test_a_threshold_breached_by_five_messages_opens_one_ticket_and_a_clear_closes_the_episode(
    world, device, publisher, intakes, system
):
    # Given "over 80 °C" on the machine's equipment model, clearing under 75 °C
    rule = services.create_rule(
        system,
        {
            "equipment_model_id": world.model.pk,
            "kind": "threshold",
            "metric": "temperature",
            "operator": ">",
            "value": 80,
            "clear_value": 75,
            "priority": "P2",
            "title": "Overheating",
        },
    )
    name, topic = device.device_id, topic_of(device.device_id)
    intake = intakes([topic])

    def send(seq: int, temperature: float) -> None:
        publisher.send(topic, payload(name, seq, at(seq), temperature=temperature))
        pump(intake, lambda: Reading.objects.filter(device=device, seq=seq).exists())

    # When five readings are over the threshold (one of them inside the hysteresis band)
    for seq, value in enumerate([70, 85, 90, 95, 78, 88], start=1):
        send(seq, value)

    # Then exactly one ticket, for the machine, at the rule's priority, from the iot channel
    episode = Episode.objects.get()
    ticket = Ticket.objects.get()
    assert (ticket.service_object_id, ticket.priority, ticket.channel, ticket.title) == (
        world.a.machine.pk,
        "P2",
        "iot",
        "Overheating — Counter",
    )
    assert (episode.rule_id, episode.ticket_id, episode.opened_at, episode.closed_at) == (
        rule.pk,
        ticket.pk,
        T0 + timedelta(minutes=2),
        None,
    )
    assert (episode.peak_value, episode.readings) == (95.0, 5)

    # When the temperature falls under the clear value
    send(7, 74)

    # Then the episode closes and the ticket gets an internal note
    episode.refresh_from_db()
    assert episode.closed_at == T0 + timedelta(minutes=7)
    note = Message.objects.filter(ticket=ticket).order_by("id").last()
    assert note is not None and not note.public
    assert note.body == (f"Condition cleared at {at(7)} (device {name}, reading 7).")

    # When it is breached again
    send(8, 82)
    send(9, 83)

    # Then a second episode opens a second ticket
    assert Ticket.objects.count() == 2
    assert Episode.objects.filter(closed_at__isnull=True).count() == 1
    second = Episode.objects.get(closed_at__isnull=True)
    assert second.ticket_id != ticket.pk and second.opened_at == T0 + timedelta(minutes=8)


def test_a_batch_with_breaches_and_a_duplicate_makes_one_ticket(world, device, system):
    """Straight through the service: a redelivered breaching message opens no second ticket."""
    services.create_rule(
        system,
        {"service_object_id": world.a.machine.pk, "kind": "error_code", "title": "Jam", "priority": "P3"},
    )
    topic = topic_of(device.device_id)

    def msg(seq: int, code: str) -> services.Inbound:
        body = (
            payload(device.device_id, seq, at(seq), temperature=20)[:-1]
            + f', "error_code": "{code}"}}'.encode()
        )
        return services.Inbound(topic, body)

    first = services.ingest([msg(1, "JAM"), msg(2, "JAM"), msg(2, "JAM")])
    again = services.ingest([msg(2, "JAM"), msg(3, "")])
    assert (first.stored, first.duplicates, len(first.opened)) == (2, 1, 1)
    assert (again.stored, again.duplicates, again.closed) == (1, 1, first.opened)
    assert Ticket.objects.count() == 1


def test_late_readings_are_stored_but_do_not_move_alerts(world, device, system):
    services.create_rule(
        system,
        {
            "service_object_id": world.a.machine.pk,
            "kind": "threshold",
            "metric": "t",
            "value": 10,
            "title": "T",
        },
    )
    topic = topic_of(device.device_id)
    services.ingest([services.Inbound(topic, payload(device.device_id, 5, at(5), t=1))])
    late = services.ingest([services.Inbound(topic, payload(device.device_id, 4, at(4), t=99))])
    assert (late.stored, late.opened) == (1, [])
    device.refresh_from_db()
    assert device.last_seq == 5


def test_a_rate_rule_uses_the_stored_window(world, device, system):
    services.create_rule(
        system,
        {
            "service_object_id": world.a.machine.pk,
            "kind": "rate",
            "metric": "pressure",
            "operator": "<=",
            "value": -0.5,
            "window_minutes": 10,
            "title": "Pressure dropping",
        },
    )
    topic = topic_of(device.device_id)

    def send(minute: int, value: float) -> services.BatchResult:
        return services.ingest(
            [services.Inbound(topic, payload(device.device_id, minute, at(minute), pressure=value))]
        )

    assert send(0, 10).opened == []
    assert send(2, 9.5).opened == []  # -0.25 per minute
    assert len(send(4, 7).opened) == 1  # -0.75 per minute since minute 0
    assert Ticket.objects.get().priority == "P3"
