"""SNMP trap intake: the mapping and episode rules of ``receive_trap``, then the pysnmp listener for
real (a receiver on a free loopback UDP port in its own thread and event loop, traps sent by pysnmp's
``send_notification`` from a real sending engine).

Listener tests that write are transactional: the receiver's worker thread has its own connection and
the test must see what it committed.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    Integer,
    NotificationType,
    ObjectIdentity,
    ObjectType,
    OctetString,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    send_notification,
    usmAesCfb128Protocol,
    usmHMAC192SHA256AuthProtocol,
)

from tests.conftest import SYSTEM
from tests.tickets.conftest import MONDAY_10
from tournevis.core import clock
from tournevis.customers.models import Customer
from tournevis.installed_base import services as ib_services
from tournevis.notifications.models import OutboundEmail
from tournevis.tickets import intake_snmp
from tournevis.tickets.intake_traps import Outcome, Trap, fingerprint, receive_trap
from tournevis.tickets.models import IntakeCounter, IntakeEpisode, Ticket

LINK_DOWN, LINK_UP = "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.6.3.1.1.5.4"
IF_INDEX, IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.1", "1.3.6.1.2.1.2.2.1.8"
ENT_SERIAL = "1.3.6.1.2.1.47.1.1.1.1.11"
COMMUNITY = "tournevis-ro-2026"
AGENT_ENGINE = "80001f8880746f75726e657669"  # the sending agent's snmpEngineID (authoritative for a trap)
AUTH_KEY, PRIV_KEY = "auth-pass-2026", "priv-pass-2026"
V3_USER = {
    "user": "noc",
    "auth_protocol": "SHA-256",
    "auth_key": AUTH_KEY,
    "priv_protocol": "AES",
    "priv_key": PRIV_KEY,
    "engine_ids": [AGENT_ENGINE],
}
HAS_AES = importlib.util.find_spec("cryptography") is not None
needs_aes = pytest.mark.skipif(
    not HAS_AES, reason="pysnmp needs the `cryptography` package for AES privacy (SNMPv3 authPriv)"
)


def counters() -> dict[str, int]:
    return dict(IntakeCounter.objects.filter(channel="snmp").values_list("reason", "count"))


def bind_ip(obj: Any, address: str, days_ago: int = 1) -> None:
    ib_services.set_attribute(
        SYSTEM, obj.pk, key="ip_address", value=address, valid_from=MONDAY_10 - timedelta(days=days_ago)
    )


def trap(oid: str = LINK_DOWN, agent: str = "10.1.2.3", **varbinds: str) -> Trap:
    values = {f"{IF_INDEX}.2": "2", f"{IF_OPER_STATUS}.2": "2"} if not varbinds else {}
    values.update(varbinds)
    return Trap(
        agent_address=agent,
        source=f"{agent}:161",
        version="v2c",
        trap_oid=oid,
        varbinds=values,
        uptime=9_012_345,
        community=COMMUNITY,
        received_at=MONDAY_10,
    )


# --- receive_trap: mapping, episodes, bookkeeping -------------------------------------------------


def test_a_trap_opens_one_ticket_on_the_object_whose_current_ip_address_is_the_agent(world):
    Customer.objects.filter(pk=world.a.customer.pk).update(language="en")  # the ticket's language
    bind_ip(world.b.machine, "10.1.2.3", days_ago=10)  # Beta's counter had the address...
    bind_ip(world.b.machine, "10.9.9.9", days_ago=2)  # ...and was given another one since
    bind_ip(world.a.machine, "10.1.2.3", days_ago=1)
    bind_ip(world.a.module, "10.1.2.3", days_ago=-1)  # from tomorrow only

    out = receive_trap(trap())

    ticket = Ticket.objects.get()
    episode = IntakeEpisode.objects.get()
    assert out == Outcome("ticket", ticket.pk, "T-2026-000001", episode.pk, 1)
    expected_ref = "snmp:" + fingerprint(world.a.machine.pk, trap())
    assert (ticket.title, ticket.channel, ticket.external_ref) == (
        "linkDown — Counter (ALPHA-0001)",
        "snmp",
        expected_ref,
    )
    assert (ticket.customer_id, ticket.site_id, ticket.service_object_id) == (
        world.a.customer.pk,
        world.a.site.pk,
        world.a.machine.pk,
    )
    assert ticket.description == (
        "SNMP trap linkDown (1.3.6.1.6.3.1.1.5.3)\n"
        "Agent 10.1.2.3, SNMP v2c, community authenticated, received from 10.1.2.3:161\n"
        "Agent up for 1 d 01:02:03\n"
        "Variables:\n"
        "1.3.6.1.2.1.2.2.1.1.2 = 2\n"
        "1.3.6.1.2.1.2.2.1.8.2 = 2"
    )
    assert COMMUNITY not in ticket.description
    assert list(ticket.messages.values_list("author_label", "public")) == [("SNMP 10.1.2.3", True)]
    assert (episode.channel, episode.fingerprint, episode.ticket_id, episode.count) == (
        "snmp",
        expected_ref.removeprefix("snmp:"),
        ticket.pk,
        1,
    )
    assert (episode.first_at, episode.last_at) == (MONDAY_10, MONDAY_10)
    assert OutboundEmail.objects.count() == 0  # a machine asked nothing: no acknowledgement
    assert counters() == {}


def test_identical_traps_join_the_episode_until_the_window_since_the_last_one_passes(world):
    bind_ip(world.a.machine, "10.1.2.3")

    def at(minutes: int) -> Outcome:
        t = trap()
        return receive_trap(Trap(**{**t.__dict__, "received_at": MONDAY_10 + timedelta(minutes=minutes)}))

    outcomes = [at(0), at(10), at(40), at(71)]

    first, second = Ticket.objects.order_by("id")
    assert [(o.outcome, o.ticket_number, o.count) for o in outcomes] == [
        ("ticket", "T-2026-000001", 1),
        ("repeat", "T-2026-000001", 2),
        ("repeat", "T-2026-000001", 3),  # 30 minutes after the last one: still the same episode
        ("ticket", "T-2026-000002", 1),  # 31 minutes after it: a new ticket
    ]
    assert list(
        IntakeEpisode.objects.order_by("id").values_list("ticket_id", "count", "first_at", "last_at")
    ) == [
        (first.pk, 3, MONDAY_10, MONDAY_10 + timedelta(minutes=40)),
        (second.pk, 1, MONDAY_10 + timedelta(minutes=71), MONDAY_10 + timedelta(minutes=71)),
    ]
    assert first.external_ref == second.external_ref
    assert first.messages.count() == 1


def test_the_window_comes_from_the_settings(world, settings):
    settings.TICKETS_SNMP_WINDOW_MINUTES = 5
    bind_ip(world.a.machine, "10.1.2.3")
    receive_trap(trap())
    later = receive_trap(Trap(**{**trap().__dict__, "received_at": MONDAY_10 + timedelta(minutes=6)}))
    assert (later.outcome, Ticket.objects.count()) == ("ticket", 2)


def test_another_interface_or_another_trap_is_another_episode_but_other_values_are_not(world):
    bind_ip(world.a.machine, "10.1.2.3")
    port_2 = receive_trap(trap(**{f"{IF_INDEX}.2": "2", f"{IF_OPER_STATUS}.2": "2"}))
    port_2_again = receive_trap(trap(**{f"{IF_INDEX}.2": "2", f"{IF_OPER_STATUS}.2": "7"}))
    port_3 = receive_trap(trap(**{f"{IF_INDEX}.3": "3", f"{IF_OPER_STATUS}.3": "2"}))
    up = receive_trap(trap(LINK_UP, **{f"{IF_INDEX}.2": "2", f"{IF_OPER_STATUS}.2": "1"}))
    assert [(o.outcome, o.ticket_number) for o in (port_2, port_2_again, port_3, up)] == [
        ("ticket", "T-2026-000001"),
        ("repeat", "T-2026-000001"),
        ("ticket", "T-2026-000002"),
        ("ticket", "T-2026-000003"),
    ]
    assert list(Ticket.objects.order_by("id").values_list("title", flat=True)) == [
        "linkDown — Counter (ALPHA-0001)",
        "linkDown — Counter (ALPHA-0001)",
        "linkUp — Counter (ALPHA-0001)",
    ]


def test_a_closed_ticket_ends_its_episode(world):
    bind_ip(world.a.machine, "10.1.2.3")
    first = receive_trap(trap())
    Ticket.objects.filter(pk=first.ticket_id).update(status="closed")
    again = receive_trap(Trap(**{**trap().__dict__, "received_at": MONDAY_10 + timedelta(minutes=1)}))
    assert (again.outcome, again.ticket_number, IntakeEpisode.objects.count()) == (
        "ticket",
        "T-2026-000002",
        2,
    )


def test_a_serial_in_a_configured_varbind_finds_the_object_before_the_address(world, settings):
    settings.TICKETS_SNMP_SERIAL_OIDS = [ENT_SERIAL]
    bind_ip(world.a.machine, "10.1.2.3")
    out = receive_trap(trap("1.3.6.1.4.1.99.0.7", **{f"{ENT_SERIAL}.1": " beta-0001 "}))
    ticket = Ticket.objects.get()
    assert (out.outcome, ticket.service_object_id, ticket.title) == (
        "ticket",
        world.b.machine.pk,
        "1.3.6.1.4.1.99.0.7 — Counter (BETA-0001)",
    )
    unknown_serial = receive_trap(trap(agent="10.7.7.7", **{f"{ENT_SERIAL}.1": "NOPE-1"}))
    assert unknown_serial.outcome == "unknown_agent"


def test_unknown_and_ambiguous_agents_are_logged_and_counted_without_a_ticket(world, caplog):
    bind_ip(world.a.machine, "10.1.2.3")
    bind_ip(world.b.machine, "10.1.2.3")
    with caplog.at_level(logging.WARNING, logger="tournevis.tickets.services"):
        unknown = receive_trap(trap(agent="10.0.0.99"))
        again = receive_trap(trap(agent="10.0.0.99"))
        ambiguous = receive_trap(trap())
    assert [o.outcome for o in (unknown, again, ambiguous)] == [
        "unknown_agent",
        "unknown_agent",
        "ambiguous_agent",
    ]
    assert (Ticket.objects.count(), IntakeEpisode.objects.count()) == (0, 0)
    assert counters() == {"unknown_agent": 2, "ambiguous_agent": 1}
    assert caplog.messages[0] == "intake snmp: unknown_agent 10.0.0.99 (v2c from 10.0.0.99:161) linkDown"
    assert caplog.messages[2] == (
        f"intake snmp: ambiguous_agent 10.1.2.3 (v2c from 10.1.2.3:161) linkDown objects "
        f"{world.a.machine.pk}, {world.b.machine.pk}"
    )


# --- the listener: configuration ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"user": "noc", "auth_protocol": "MD5", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY},
            "auth_protocol",
        ),
        (
            {"user": "noc", "priv_protocol": "DES", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY},
            "priv_protocol",
        ),
        ({"user": "noc", "auth_key": AUTH_KEY}, "'priv_key' must be a passphrase of at least 8 characters"),
        ({"user": "", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY}, "'user' is required"),
        ({**V3_USER, "engine_ids": ["80zz"]}, "engine ID '80zz' is not 5 to 32 bytes of hex"),
    ],
)
def test_a_wrong_v3_user_setting_stops_the_listener_with_one_readable_line(entry, message):
    with pytest.raises(ImproperlyConfigured) as raised:
        intake_snmp.parse_v3_users([V3_USER, entry])
    assert str(raised.value).startswith("TICKETS_SNMP_V3_USERS[1]: ")
    assert message in str(raised.value)


def test_v3_users_accept_one_engine_id_and_spelling_variants():
    [user] = intake_snmp.parse_v3_users(
        [
            {
                **V3_USER,
                "auth_protocol": "sha",
                "priv_protocol": "aes-128",
                "engine_ids": None,
                "engine_id": "0x80:00:1F:88:80:01",
            }
        ]
    )
    assert (user.auth_protocol, user.priv_protocol, user.engine_ids) == ("SHA", "AES128", ("80001f888001",))


def test_serve_without_any_community_or_user_refuses_to_start(settings):
    settings.TICKETS_SNMP_COMMUNITIES = []
    settings.TICKETS_SNMP_V3_USERS = []
    with pytest.raises(ImproperlyConfigured, match="No SNMP community or v3 user is configured"):
        asyncio.run(intake_snmp.serve("127.0.0.1", 0))


def test_a_busy_port_fails_at_start():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        receiver = intake_snmp.TrapReceiver(communities=[COMMUNITY], v3_users=[])
        with pytest.raises(OSError):
            asyncio.run(receiver.start("127.0.0.1", taken.getsockname()[1]))
        receiver.executor.shutdown()


# --- the listener for real: a receiver thread, a pysnmp sender ------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def running(receiver: intake_snmp.TrapReceiver) -> Iterator[int]:
    """The receiver on a free loopback port, in a thread with its own event loop; yields the port."""
    started = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
        box["address"] = await receiver.start("127.0.0.1", 0)
        started.set()
        await box["stop"].wait()
        await receiver.aclose()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced in the test thread
            box["error"] = exc
            started.set()

    thread = threading.Thread(target=run, name="snmp-receiver", daemon=True)
    thread.start()
    assert started.wait(10)
    if "error" in box:
        raise box["error"]
    try:
        yield box["address"][1]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)
        assert not thread.is_alive()


def settle(receiver: intake_snmp.TrapReceiver, handled: int) -> None:
    """Wait until the receiver has fully handled ``handled`` datagrams (accepted or refused)."""
    deadline = time.monotonic() + 10
    while receiver.finished < handled and time.monotonic() < deadline:
        time.sleep(0.01)
    assert receiver.finished == handled


def send(
    port: int,
    auth: CommunityData | UsmUserData,
    *,
    oid: str = LINK_DOWN,
    varbinds: tuple[tuple[str, Any], ...] = (
        (f"{IF_INDEX}.2", Integer(2)),
        (f"{IF_OPER_STATUS}.2", Integer(2)),
    ),
    source: tuple[str, int] = ("127.0.0.1", 0),
    engine_id: str | None = None,
) -> None:
    """One trap, as a real agent sends it (its own engine, its own socket)."""

    async def run() -> None:
        engine = SnmpEngine(OctetString(hexValue=engine_id)) if engine_id else SnmpEngine()
        target = await UdpTransportTarget.create(("127.0.0.1", port))
        target.set_local_address(source)
        notification = NotificationType(ObjectIdentity(oid)).add_varbinds(
            *(ObjectType(ObjectIdentity(name), value) for name, value in varbinds)
        )
        error, _status, _index, _binds = await send_notification(
            engine, auth, target, ContextData(), "trap", notification
        )
        engine.close_dispatcher()
        assert error is None

    asyncio.run(run())


def v3(auth_key: str = AUTH_KEY, priv_key: str | None = PRIV_KEY, user: str = "noc") -> UsmUserData:
    if priv_key is None:
        return UsmUserData(user, auth_key, authProtocol=usmHMAC192SHA256AuthProtocol)
    return UsmUserData(
        user, auth_key, priv_key, authProtocol=usmHMAC192SHA256AuthProtocol, privProtocol=usmAesCfb128Protocol
    )


class Recorder:
    def __init__(self) -> None:
        self.traps: list[Trap] = []
        self.refused: list[tuple[str, str, str]] = []

    def refuse(self, channel: str, reason: str, detail: str) -> None:
        self.refused.append((channel, reason, detail))


def test_the_listener_hands_accepted_v1_and_v2c_traps_over_and_reports_a_wrong_community_or_garbage():
    recorder = Recorder()
    receiver = intake_snmp.TrapReceiver(
        communities=["other", COMMUNITY],
        v3_users=[],
        handler=recorder.traps.append,
        rejecter=recorder.refuse,
    )
    v2c_port, v1_port, wrong_port = free_port(), free_port("127.0.0.2"), free_port()
    with clock.frozen(MONDAY_10), running(receiver) as port:
        send(port, CommunityData(COMMUNITY), source=("127.0.0.1", v2c_port))
        send(port, CommunityData(COMMUNITY, mpModel=0), source=("127.0.0.2", v1_port), varbinds=())  # noqa: S508
        send(port, CommunityData("public"), source=("127.0.0.1", wrong_port))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as garbage:
            garbage.bind(("127.0.0.1", 0))
            garbage.sendto(b"\x30\x03abc", ("127.0.0.1", port))
            garbage_port = garbage.getsockname()[1]
            settle(receiver, 4)

    v2, v1 = recorder.traps
    assert v2 == Trap(
        agent_address="127.0.0.1",
        source=f"127.0.0.1:{v2c_port}",
        version="v2c",
        trap_oid=LINK_DOWN,
        varbinds={f"{IF_INDEX}.2": "2", f"{IF_OPER_STATUS}.2": "2"},
        uptime=v2.uptime,
        community=COMMUNITY,
        received_at=MONDAY_10,
    )
    assert isinstance(v2.uptime, int)
    # a v1 trap's agent-addr 0.0.0.0 means "the sender"; pysnmp's snmpTrapCommunity.0 is dropped
    assert (v1.agent_address, v1.source, v1.version, v1.trap_oid, v1.community) == (
        "127.0.0.2",
        f"127.0.0.2:{v1_port}",
        "v1",
        LINK_DOWN,
        COMMUNITY,
    )
    assert v1.varbinds == {
        "1.3.6.1.6.3.18.1.3.0": "0.0.0.0",  # noqa: S104 (snmpTrapAddress.0, not a bind)
        "1.3.6.1.6.3.1.1.4.3.0": "1.3.6.1.6.3.1.1.5",
    }
    assert recorder.refused == [
        ("snmp", "bad_community", f"127.0.0.1:{wrong_port} snmpInBadCommunityNames"),
        ("snmp", "malformed", f"127.0.0.1:{garbage_port} snmpInASNParseErrs"),
    ]


@needs_aes
def test_the_listener_accepts_v3_auth_priv_only_and_reports_each_refusal():
    recorder = Recorder()
    receiver = intake_snmp.TrapReceiver(
        communities=[],
        v3_users=intake_snmp.parse_v3_users([V3_USER]),
        handler=recorder.traps.append,
        rejecter=recorder.refuse,
    )
    ports = [free_port() for _ in range(6)]
    with clock.frozen(MONDAY_10), running(receiver) as port:
        send(port, v3(), engine_id=AGENT_ENGINE, source=("127.0.0.1", ports[0]))
        send(port, v3(auth_key="wrong-pass-2026"), engine_id=AGENT_ENGINE, source=("127.0.0.1", ports[1]))
        send(port, v3(priv_key="wrong-pass-2026"), engine_id=AGENT_ENGINE, source=("127.0.0.1", ports[2]))
        send(port, v3(priv_key=None), engine_id=AGENT_ENGINE, source=("127.0.0.1", ports[3]))
        send(port, v3(user="intruder"), engine_id=AGENT_ENGINE, source=("127.0.0.1", ports[4]))
        send(port, v3(), engine_id="80001f8880deadbeef", source=("127.0.0.1", ports[5]))
        settle(receiver, 6)

    [accepted] = recorder.traps
    assert (accepted.version, accepted.user, accepted.community, accepted.agent_address, accepted.source) == (
        "v3",
        "noc",
        "",
        "127.0.0.1",
        f"127.0.0.1:{ports[0]}",
    )
    assert (accepted.trap_oid, accepted.varbinds) == (
        LINK_DOWN,
        {f"{IF_INDEX}.2": "2", f"{IF_OPER_STATUS}.2": "2"},
    )
    assert recorder.refused == [
        (
            "snmp",
            "auth_failure",
            f"127.0.0.1:{ports[1]} usmStatsWrongDigests user='noc' engine={AGENT_ENGINE}",
        ),
        (
            "snmp",
            "auth_failure",
            f"127.0.0.1:{ports[2]} usmStatsDecryptionErrors user='noc' engine={AGENT_ENGINE}",
        ),
        ("snmp", "auth_failure", f"127.0.0.1:{ports[3]} securityLevel 2 user='noc' (authPriv required)"),
        (
            "snmp",
            "auth_failure",
            f"127.0.0.1:{ports[4]} usmStatsUnknownUserNames user='intruder' engine={AGENT_ENGINE}",
        ),
        (
            "snmp",
            "auth_failure",
            f"127.0.0.1:{ports[5]} usmStatsUnknownUserNames user='noc' engine=80001f8880deadbeef",
        ),
    ]


# --- the listener with the database ---------------------------------------------------------------


@pytest.fixture
def bound(world) -> Any:
    """Queues back after the flush of a transactional test; Alpha's counter answers at 127.0.0.1."""
    importlib.import_module("tournevis.tickets.migrations.0002_default_queues").create(apps, None)
    Customer.objects.filter(pk=world.a.customer.pk).update(language="en")  # the descriptions' language
    bind_ip(world.a.machine, "127.0.0.1")
    return world


@pytest.fixture
def receiver(bound) -> Iterator[tuple[intake_snmp.TrapReceiver, int]]:
    rx = intake_snmp.TrapReceiver(communities=[COMMUNITY], v3_users=intake_snmp.parse_v3_users([V3_USER]))
    with clock.frozen(MONDAY_10), running(rx) as port:
        yield rx, port


@pytest.mark.django_db(transaction=True)
def test_a_v2c_trap_with_the_right_community_opens_one_ticket_on_the_object_bound_by_ip_address(
    bound, receiver
):
    rx, port = receiver
    sender = free_port()
    send(port, CommunityData(COMMUNITY), source=("127.0.0.1", sender))
    settle(rx, 1)
    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.channel, ticket.service_object_id, ticket.customer_id) == (
        "T-2026-000001",
        "snmp",
        bound.a.machine.pk,
        bound.a.customer.pk,
    )
    assert ticket.title == "linkDown — Counter (ALPHA-0001)"
    lines = ticket.description.split("\n")
    assert lines[:2] == [
        "SNMP trap linkDown (1.3.6.1.6.3.1.1.5.3)",
        f"Agent 127.0.0.1, SNMP v2c, community authenticated, received from 127.0.0.1:{sender}",
    ]
    assert lines[2].startswith("Agent up for 0 d 00:00:")
    assert lines[3:] == ["Variables:", "1.3.6.1.2.1.2.2.1.1.2 = 2", "1.3.6.1.2.1.2.2.1.8.2 = 2"]
    assert IntakeEpisode.objects.get().count == 1
    assert counters() == {}


@pytest.mark.django_db(transaction=True)
def test_the_same_trap_three_times_within_the_window_makes_one_ticket_and_an_episode_of_three(
    bound, receiver
):
    rx, port = receiver
    for _ in range(3):
        send(port, CommunityData(COMMUNITY))
    settle(rx, 3)
    ticket = Ticket.objects.get()
    episode = IntakeEpisode.objects.get()
    assert (episode.ticket_id, episode.count, episode.first_at, episode.last_at) == (
        ticket.pk,
        3,
        MONDAY_10,
        MONDAY_10,
    )
    assert ticket.messages.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_wrong_community_is_counted_and_opens_nothing(bound, receiver, caplog):
    rx, port = receiver
    sender = free_port()
    with caplog.at_level(logging.WARNING, logger="tournevis.tickets.services"):
        send(port, CommunityData("public"), source=("127.0.0.1", sender))
        settle(rx, 1)
    assert (Ticket.objects.count(), counters()) == (0, {"bad_community": 1})
    assert caplog.messages == [f"intake snmp: bad_community 127.0.0.1:{sender} snmpInBadCommunityNames"]
    assert IntakeCounter.objects.get().last_detail == f"127.0.0.1:{sender} snmpInBadCommunityNames"


@pytest.mark.django_db(transaction=True)
def test_a_trap_from_an_unknown_agent_is_counted_and_opens_nothing(bound, receiver):
    rx, port = receiver
    send(port, CommunityData(COMMUNITY), source=("127.0.0.2", 0))  # nothing is bound to 127.0.0.2
    settle(rx, 1)
    assert (Ticket.objects.count(), counters()) == (0, {"unknown_agent": 1})
    assert IntakeCounter.objects.get().last_detail.startswith("127.0.0.2 (v2c from 127.0.0.2:")


@needs_aes
@pytest.mark.django_db(transaction=True)
def test_a_v3_auth_priv_trap_with_the_right_keys_opens_a_ticket(bound, receiver):
    rx, port = receiver
    send(port, v3(), engine_id=AGENT_ENGINE)
    settle(rx, 1)
    ticket = Ticket.objects.get()
    assert (ticket.service_object_id, ticket.channel) == (bound.a.machine.pk, "snmp")
    assert "SNMP v3, user noc, received from 127.0.0.1:" in ticket.description
    assert counters() == {}


@needs_aes
@pytest.mark.django_db(transaction=True)
def test_a_v3_trap_with_a_wrong_auth_key_is_counted_and_opens_nothing(bound, receiver):
    rx, port = receiver
    send(port, v3(auth_key="wrong-pass-2026"), engine_id=AGENT_ENGINE)
    settle(rx, 1)
    assert (Ticket.objects.count(), counters()) == (0, {"auth_failure": 1})
