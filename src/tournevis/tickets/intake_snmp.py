"""SNMP notification receiver (pysnmp 7, asyncio): ``tournevis intake snmp [--port 1162]``.

``serve(host, port, communities=..., v3_users=...)`` listens on UDP and accepts TRAP and INFORM
notifications sent with

- SNMP v1/v2c and one of the configured community names (``TICKETS_SNMP_COMMUNITIES``);
- SNMPv3 USM in authPriv only (SHA or SHA-256 authentication, AES-128 privacy) by one of the
  configured users (``TICKETS_SNMP_V3_USERS``). A trap is sent with the *agent's* engine ID as the
  authoritative one, so each user lists the ``engine_ids`` of the agents that send as that user (the
  keys are localised to each); every user is also registered under this engine's own ID, for INFORMs
  (this engine is then authoritative and the sender discovers it).

Each accepted notification becomes a ``Trap`` handed to ``intake_traps.receive_trap`` on one worker
thread (``run_in_executor``; Django connections are checked before and after, as a request would):
one thread keeps the traps in arrival order, so a burst of identical traps makes one ticket.

Rejected messages are counted. pysnmp drops a message with a wrong community or failed USM
security before any application callback, bumping only its MIB counters, so the engine is built with
a message dispatcher (``_WatchingDispatcher``, a ``MsgAndPduDispatcher`` subclass passed as
``SnmpEngine(msgAndPduDsp=...)``) that reads these counters around each ``receive_message``:
a rise of ``snmpInBadCommunityNames`` is counted as ``IntakeCounter("snmp", "bad_community")``;
``usmStatsUnknownUserNames``, ``usmStatsWrongDigests``, ``usmStatsDecryptionErrors`` and
``usmStatsUnsupportedSecLevels`` as ``"auth_failure"`` (with the user name and engine ID read from the
message); ``snmpInASNParseErrs`` / ``snmpInBadVersions`` as ``"malformed"``. ``usmStatsUnknownEngineIDs``
and ``usmStatsNotInTimeWindows`` are the normal discovery steps of an INFORM sender and are not counted.
A v3 message below authPriv (USM accepts a lower level than the user's for a non-authoritative
receiver) is refused by the callback and counted as ``"auth_failure"``. Community names are never
logged. An INFORM is acknowledged by pysnmp before the ticket is written (a limitation of
``NotificationReceiver``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections
from pyasn1.codec.ber import decoder
from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import ntfrcv
from pysnmp.proto.api import v2c
from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message
from pysnmp.proto.rfc3412 import MsgAndPduDispatcher
from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters

from tournevis.core import clock
from tournevis.tickets import intake_traps, services
from tournevis.tickets.intake_traps import SNMP_TRAP_ADDRESS, SNMP_TRAP_OID, SYS_UPTIME, Trap

SNMP_TRAP_COMMUNITY = "1.3.6.1.6.3.18.1.4.0"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (a trap receiver listens on every interface by default)

logger = logging.getLogger(__name__)
CHANNEL = "snmp"
VERSIONS = {0: "v1", 1: "v2c", 3: "v3"}
AUTH_PRIV = 3
AUTH_PROTOCOLS = {
    "SHA": config.USM_AUTH_HMAC96_SHA,
    "SHA1": config.USM_AUTH_HMAC96_SHA,
    "SHA-1": config.USM_AUTH_HMAC96_SHA,
    "SHA256": config.USM_AUTH_HMAC192_SHA256,
    "SHA-256": config.USM_AUTH_HMAC192_SHA256,
}
PRIV_PROTOCOLS = {"AES": config.USM_PRIV_CFB128_AES, "AES128": config.USM_PRIV_CFB128_AES}
# MIB counters an engine raises when it drops a message before any application sees it → reason
DROPS = {
    ("__SNMPv2-MIB", "snmpInBadCommunityNames"): "bad_community",
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnknownUserNames"): "auth_failure",
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsWrongDigests"): "auth_failure",
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsDecryptionErrors"): "auth_failure",
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnsupportedSecLevels"): "auth_failure",
    ("__SNMPv2-MIB", "snmpInASNParseErrs"): "malformed",
    ("__SNMPv2-MIB", "snmpInBadVersions"): "malformed",
}
_HEX = re.compile(r"^(0x)?([0-9a-fA-F]{10,64})$")

Handler = Callable[[Trap], object]
Rejecter = Callable[[str, str, str], None]  # (channel, reason, detail), like services.count_intake


@dataclass(frozen=True)
class V3User:
    """One ``TICKETS_SNMP_V3_USERS`` entry, checked."""

    user: str
    auth_protocol: str
    auth_key: str
    priv_key: str
    priv_protocol: str = "AES"
    engine_ids: tuple[str, ...] = ()  # hex snmpEngineIDs of the agents sending traps as this user


def _fail(where: str, what: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{where}: {what}")


def parse_v3_users(raw: Iterable[Mapping[str, Any]]) -> list[V3User]:
    """Check the settings entries: ``{"user", "auth_protocol" (SHA | SHA-256), "auth_key",
    "priv_protocol" (AES, the default), "priv_key", "engine_ids" (list of hex, or "engine_id")}``."""
    users = []
    for i, entry in enumerate(raw):
        where = f"TICKETS_SNMP_V3_USERS[{i}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, "each user is a dict")
        name = str(entry.get("user") or "").strip()
        if not name:
            raise _fail(where, "'user' is required")
        auth = str(entry.get("auth_protocol") or "SHA").upper()
        priv = str(entry.get("priv_protocol") or "AES").upper().replace("-", "")
        if auth not in AUTH_PROTOCOLS:
            raise _fail(where, f"auth_protocol must be SHA or SHA-256, not {auth!r}")
        if priv not in PRIV_PROTOCOLS:
            raise _fail(where, f"priv_protocol must be AES (AES-128), not {priv!r}")
        keys = {k: str(entry.get(k) or "") for k in ("auth_key", "priv_key")}
        for key, value in keys.items():
            if len(value) < 8:
                raise _fail(where, f"'{key}' must be a passphrase of at least 8 characters (authPriv only)")
        ids = entry.get("engine_ids") or ([entry["engine_id"]] if entry.get("engine_id") else [])
        engine_ids = []
        for value in [ids] if isinstance(ids, str) else ids:
            match = _HEX.match(str(value).replace(":", "").strip())
            if match is None or len(match.group(2)) % 2:
                raise _fail(where, f"engine ID {value!r} is not 5 to 32 bytes of hex")
            engine_ids.append(match.group(2).lower())
        users.append(V3User(name, auth, keys["auth_key"], keys["priv_key"], priv, tuple(engine_ids)))
    return users


class _WatchingDispatcher(MsgAndPduDispatcher):
    """Reports every message the engine drops before the applications, by the MIB counter it raised."""

    def __init__(self, on_drop: Callable[[str, str, Any, bytes], None]) -> None:
        super().__init__()
        self._on_drop = on_drop
        self._counters: dict[str, Any] = {}

    def _read(self) -> dict[str, int]:
        if not self._counters:
            builder = self.mib_instrum_controller.get_mib_builder()
            for (module, name), _reason in DROPS.items():
                (self._counters[name],) = builder.import_symbols(module, name)
        return {name: int(symbol.syntax) for name, symbol in self._counters.items()}

    def receive_message(self, snmpEngine, transportDomain, transportAddress, wholeMsg):
        before = self._read()
        try:
            return super().receive_message(snmpEngine, transportDomain, transportAddress, wholeMsg)
        finally:
            after = self._read()
            for (_module, name), reason in DROPS.items():
                if after[name] > before[name]:
                    self._on_drop(reason, name, transportAddress, bytes(wholeMsg))
                    break


def _v3_principal(whole_msg: bytes) -> str:
    """``user=… engine=…`` of a v3 message (for the log line of a refused one), or ""."""
    try:
        message, _rest = decoder.decode(whole_msg, asn1Spec=SNMPv3Message())
        params, _rest = decoder.decode(
            message.getComponentByPosition(2).asOctets(), asn1Spec=UsmSecurityParameters()
        )
        user = params.getComponentByPosition(3).asOctets().decode("utf-8", "replace")
        engine_id = params.getComponentByPosition(0).asOctets().hex()
    except Exception:  # anything undecodable: the counter name says enough
        return ""
    return f" user={user[:64]!r} engine={engine_id}"


def _endpoint(address: Any) -> tuple[str, int]:
    return str(address[0]), int(address[1])


def _where(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


class TrapReceiver:
    """One SNMP engine listening on one UDP socket; call ``start`` inside the event loop."""

    def __init__(
        self,
        *,
        communities: Iterable[str],
        v3_users: Iterable[V3User],
        handler: Handler = intake_traps.receive_trap,
        rejecter: Rejecter = services.count_intake,
    ) -> None:
        self.communities = {f"community-{i}": str(c) for i, c in enumerate(communities) if c}
        self.v3_users = list(v3_users)
        self.handler = handler
        self.rejecter = rejecter
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snmp-intake")
        self.pending: set[asyncio.Future[Any]] = set()
        self.finished = 0  # notifications and refusals fully handled (for tests and stats)
        self.engine: engine.SnmpEngine | None = None
        self.address: tuple[str, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, host: str = ALL_INTERFACES, port: int = 1162, sock: socket.socket | None = None):
        """Bind (a busy port raises ``OSError`` here), configure the engine, return the bound address."""
        self._loop = asyncio.get_running_loop()
        six = ":" in host if sock is None else sock.family == socket.AF_INET6
        if sock is None:
            sock = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((host, port))
            except OSError:
                sock.close()
                raise
        sock.setblocking(False)
        self.address = _endpoint(sock.getsockname())
        snmp = engine.SnmpEngine(msgAndPduDsp=_WatchingDispatcher(self._dropped))
        transport = (udp6.Udp6Transport if six else udp.UdpTransport)(loop=self._loop)
        config.add_transport(
            snmp, udp6.DOMAIN_NAME if six else udp.DOMAIN_NAME, transport.open_server_mode(sock=sock)
        )
        for index, community in self.communities.items():
            config.add_v1_system(snmp, index, community)
        for user in self.v3_users:
            for engine_id in (*user.engine_ids, None):  # None: this engine's own ID, for INFORMs
                config.add_v3_user(
                    snmp,
                    user.user,
                    AUTH_PROTOCOLS[user.auth_protocol],
                    user.auth_key,
                    PRIV_PROTOCOLS[user.priv_protocol],
                    user.priv_key,
                    securityEngineId=v2c.OctetString(hexValue=engine_id) if engine_id else None,
                )
        ntfrcv.NotificationReceiver(snmp, self._accepted)
        self.engine = snmp
        await asyncio.sleep(0)  # let the transport attach to the socket
        return self.address

    async def aclose(self) -> None:
        """Stop listening, finish the traps already received, stop the worker thread."""
        if self.engine is not None:
            self.engine.close_dispatcher()
            self.engine = None
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)
        if self._loop is not None:
            await self._loop.run_in_executor(self.executor, connections.close_all)
        self.executor.shutdown(wait=True)

    # --- callbacks, on the event loop ------------------------------------------------------------

    def _submit(self, fn: Callable[..., object], *args: Any) -> None:
        assert self._loop is not None
        future = self._loop.run_in_executor(self.executor, _in_worker, fn, args)
        self.pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: asyncio.Future[Any]) -> None:
        self.pending.discard(future)
        self.finished += 1

    def _dropped(self, reason: str, counter: str, address: Any, whole_msg: bytes) -> None:
        ip, port = _endpoint(address)
        who = _v3_principal(whole_msg) if reason == "auth_failure" else ""
        self._submit(self.rejecter, CHANNEL, reason, f"{_where(ip, port)} {counter}{who}")

    def _accepted(self, snmp_engine, state_reference, context_engine_id, context_name, varbinds, cb_ctx):
        context = snmp_engine.observer.get_execution_context("rfc3412.receiveMessage:request")
        ip, port = _endpoint(context["transportAddress"])
        try:
            trap = self._trap(context, ip, port, varbinds)
        except (TypeError, ValueError) as exc:  # e.g. a sysUpTime.0 that is not a number
            trap, problem = None, f"{_where(ip, port)} {exc}"[:300]
        else:
            problem = "" if trap is None or trap.trap_oid else f"{_where(ip, port)} no snmpTrapOID.0"
        if problem:
            self._submit(self.rejecter, CHANNEL, "malformed", problem)
        elif trap is not None:
            self._submit(self.handler, trap)

    def _trap(self, context: Mapping[str, Any], ip: str, port: int, varbinds: Any) -> Trap | None:
        version = VERSIONS.get(int(context["messageProcessingModel"]), "?")
        security_name = str(context["securityName"])
        if version == "v3" and int(context["securityLevel"]) < AUTH_PRIV:
            level = int(context["securityLevel"])
            detail = (
                f"{_where(ip, port)} securityLevel {level} user={security_name[:64]!r} (authPriv required)"
            )
            self._submit(self.rejecter, CHANNEL, "auth_failure", detail)
            return None
        trap_oid, uptime, values = "", None, {}
        for name, value in varbinds:
            oid = str(name)
            if oid == SNMP_TRAP_OID:
                trap_oid = value.prettyPrint()
            elif oid == SYS_UPTIME:
                uptime = int(value)
            elif oid != SNMP_TRAP_COMMUNITY:  # added by pysnmp to a v1 trap: a secret, dropped
                values[oid] = value.prettyPrint()
        claimed = values.get(SNMP_TRAP_ADDRESS, "")  # a v1 agent-addr, or a proxy's original agent
        return Trap(
            agent_address=claimed if claimed not in ("", ALL_INTERFACES) else ip,
            source=_where(ip, port),
            version=version,
            trap_oid=trap_oid,
            varbinds=values,
            uptime=uptime,
            community=self.communities.get(security_name, "") if version != "v3" else "",
            user=security_name if version == "v3" else "",
            received_at=clock.now(),
        )


def _in_worker(fn: Callable[..., object], args: tuple[Any, ...]) -> object:
    """Run one intake step on the worker thread with a usable database connection; never raise."""
    close_old_connections()
    try:
        return fn(*args)
    except Exception:
        logger.exception("intake snmp: %s failed for %r", getattr(fn, "__name__", fn), args)
        return None
    finally:
        close_old_connections()


async def serve(
    host: str = ALL_INTERFACES,
    port: int = 1162,
    *,
    communities: Iterable[str] | None = None,
    v3_users: Iterable[Mapping[str, Any]] | None = None,
    ready: Callable[[tuple[str, int]], None] | None = None,
) -> None:
    """Receive traps until cancelled (settings ``TICKETS_SNMP_COMMUNITIES``, ``TICKETS_SNMP_V3_USERS``)."""
    names = [
        str(c)
        for c in (getattr(settings, "TICKETS_SNMP_COMMUNITIES", []) if communities is None else communities)
    ]
    users = parse_v3_users(getattr(settings, "TICKETS_SNMP_V3_USERS", []) if v3_users is None else v3_users)
    if not any(names) and not users:
        raise ImproperlyConfigured(
            "No SNMP community or v3 user is configured (TICKETS_SNMP_COMMUNITIES, TICKETS_SNMP_V3_USERS)."
        )
    receiver = TrapReceiver(communities=names, v3_users=users)
    address = await receiver.start(host, port)
    logger.info(
        "intake snmp: listening on %s:%s (%d communities, %d v3 users)",
        *address,
        len(receiver.communities),
        len(users),
    )
    if ready is not None:
        ready(address)
    try:
        await asyncio.Event().wait()
    finally:
        await receiver.aclose()
