"""SNMP trap intake: one accepted trap in, exactly one outcome out, in one transaction.

``receive_trap(trap)`` is called by the SNMP listener (``intake_snmp``) for every notification that
passed the community or USM check. It

1. finds the service object: first by a serial number carried in one of the varbinds named in
   ``TICKETS_SNMP_SERIAL_OIDS`` (upper-cased as ``installed_base.domain.clean_serial`` stores serials),
   then by the agent address, the *current* value of the object's ``ip_address`` attribute. No object
   → "unknown_agent", several → "ambiguous_agent": a log line, an ``IntakeCounter`` ("snmp", reason),
   no ticket;
2. computes the fingerprint: the object, the trap OID (snmpTrapOID.0) and the values of the varbinds
   named in ``TICKETS_SNMP_FINGERPRINT_OIDS`` (by default ifIndex, so a link going down on two ports
   makes two tickets), hashed to 32 hex digits;
3. with the object's row locked (two receivers cannot both open a ticket for one alert), looks for
   the ``IntakeEpisode`` of that fingerprint whose last trap is at most ``TICKETS_SNMP_WINDOW_MINUTES``
   (default 30) old and whose ticket is not closed: found → the trap is a repeat ("repeat": count + 1,
   ``last_at``), nothing else is written; otherwise ``open_ticket`` (channel "snmp", the object, a title
   from the trap's name, the varbinds in the description, ``external_ref`` "snmp:<fingerprint>", no
   acknowledgement: nobody asked) and a new episode, in the same transaction ("ticket").

A service refusal (``DomainError``) is counted as "error" and nothing is written; a database failure
propagates (the listener logs it; SNMP has no retry for traps).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.installed_base import domain as ib_domain
from tournevis.installed_base.models import Attribute, ServiceObject
from tournevis.tickets import services
from tournevis.tickets.domain import Status
from tournevis.tickets.models import IntakeEpisode

logger = logging.getLogger(__name__)
CHANNEL = "snmp"
ACTOR = Actor.system("SNMP intake")
IP_ATTRIBUTE = "ip_address"

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_ADDRESS = "1.3.6.1.6.3.18.1.3.0"
IF_INDEX = "1.3.6.1.2.1.2.2.1.1"
GENERIC_TRAPS = {
    "1.3.6.1.6.3.1.1.5.1": "coldStart",
    "1.3.6.1.6.3.1.1.5.2": "warmStart",
    "1.3.6.1.6.3.1.1.5.3": "linkDown",
    "1.3.6.1.6.3.1.1.5.4": "linkUp",
    "1.3.6.1.6.3.1.1.5.5": "authenticationFailure",
}


@dataclass(frozen=True)
class Trap:
    """One accepted notification, as the listener saw it (values are pysnmp's ``prettyPrint()``)."""

    agent_address: str  # snmpTrapAddress.0 when present (SNMPv1 agent-addr, proxies), else the source IP
    source: str  # "ip:port" the datagram came from
    version: str  # "v1", "v2c" or "v3"
    trap_oid: str  # snmpTrapOID.0
    varbinds: dict[str, str] = field(default_factory=dict)  # without sysUpTime.0 and snmpTrapOID.0
    uptime: int | None = None  # sysUpTime.0, hundredths of a second
    community: str = field(default="", repr=False)  # v1/v2c: the valid community; never written or logged
    user: str = ""  # v3: the USM user
    received_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one trap: ticket, repeat, unknown_agent, ambiguous_agent or error."""

    outcome: str
    ticket_id: int | None = None
    ticket_number: str = ""
    episode_id: int | None = None
    count: int = 0
    detail: str = ""


def trap_name(oid: str) -> str:
    """The readable name of a generic trap (RFC 3418), else the OID itself."""
    return GENERIC_TRAPS.get(oid, oid)


def _under(oid: str, prefixes: list[str]) -> bool:
    return any(oid == p or oid.startswith(p + ".") for p in prefixes)


def _setting_oids(name: str, default: list[str]) -> list[str]:
    return [str(oid).strip(".") for oid in getattr(settings, name, default)]


def fingerprint(object_id: int, trap: Trap) -> str:
    """Identical alerts of one object share it: object, trap OID and the identifying varbinds."""
    chosen = _setting_oids("TICKETS_SNMP_FINGERPRINT_OIDS", [IF_INDEX])
    subset = sorted((oid, value) for oid, value in trap.varbinds.items() if _under(oid, chosen))
    canonical = json.dumps([object_id, trap.trap_oid, subset], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _by_serial(trap: Trap) -> list[ServiceObject]:
    oids = _setting_oids("TICKETS_SNMP_SERIAL_OIDS", [])
    for oid, value in sorted(trap.varbinds.items()):
        if not _under(oid, oids):
            continue
        try:
            serial = ib_domain.clean_serial(value)
        except DomainError:
            continue
        if serial:
            found = list(
                ServiceObject.objects.select_related("site__customer")
                .filter(serial_number=serial)
                .exclude(status=ib_domain.ObjectStatus.RETIRED.value)
                .order_by("id")[:2]
            )
            if found:
                return found
    return []


def _by_address(address: str, at: datetime) -> list[ServiceObject]:
    """Objects whose ``ip_address`` in force at ``at`` is ``address`` (a later value replaces it)."""
    current = (
        Attribute.objects.filter(
            service_object=OuterRef("service_object"), key=IP_ATTRIBUTE, valid_from__lte=at
        )
        .order_by("-valid_from", "-id")
        .values("pk")[:1]
    )
    ids = (
        Attribute.objects.filter(key=IP_ATTRIBUTE, value=address, valid_from__lte=at)
        .filter(pk=Subquery(current))
        .values("service_object_id")
    )
    return list(
        ServiceObject.objects.select_related("site__customer")
        .filter(pk__in=ids)
        .exclude(status=ib_domain.ObjectStatus.RETIRED.value)
        .order_by("id")[:2]
    )


def find_object(trap: Trap, at: datetime) -> list[ServiceObject]:
    """At most two candidates: one is a match, two is ambiguous, none is an unknown agent."""
    return _by_serial(trap) or (_by_address(trap.agent_address, at) if trap.agent_address else [])


def _uptime(centiseconds: int | None) -> str:
    if centiseconds is None:
        return "-"
    seconds = centiseconds // 100
    days, rest = divmod(seconds, 86400)
    return f"{days} d {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"


def describe(trap: Trap) -> str:
    """The ticket's first message: what the trap said (never its community)."""
    principal = _("user %(user)s") % {"user": trap.user} if trap.user else _("community authenticated")
    lines = [
        _("SNMP trap %(name)s (%(oid)s)") % {"name": trap_name(trap.trap_oid), "oid": trap.trap_oid},
        _("Agent %(agent)s, SNMP %(version)s, %(principal)s, received from %(source)s")
        % {
            "agent": trap.agent_address,
            "version": trap.version,
            "principal": principal,
            "source": trap.source,
        },
        _("Agent up for %(uptime)s") % {"uptime": _uptime(trap.uptime)},
    ]
    if trap.varbinds:
        lines.append(_("Variables:"))
        lines.extend(f"{oid} = {value}" for oid, value in trap.varbinds.items())
    return "\n".join(lines)


def _summary(trap: Trap) -> str:
    return f"{trap.agent_address} ({trap.version} from {trap.source}) {trap_name(trap.trap_oid)}"


def receive_trap(trap: Trap) -> Outcome:
    """Open one ticket per episode of identical traps of one object (see the module docstring)."""
    at = trap.received_at or clock.now()
    candidates = find_object(trap, at)
    if not candidates:
        services.count_intake(CHANNEL, "unknown_agent", _summary(trap))
        return Outcome("unknown_agent", detail=trap.agent_address)
    if len(candidates) > 1:
        ids = ", ".join(str(o.pk) for o in candidates)
        services.count_intake(CHANNEL, "ambiguous_agent", f"{_summary(trap)} objects {ids}")
        return Outcome("ambiguous_agent", detail=trap.agent_address)
    obj = candidates[0]
    with translation.override(obj.site.customer.language or settings.LANGUAGE_CODE):
        description = describe(trap)  # in the ticket's language (the customer's)
    fp = fingerprint(obj.pk, trap)
    window = timedelta(minutes=int(getattr(settings, "TICKETS_SNMP_WINDOW_MINUTES", 30)))
    try:
        with transaction.atomic():
            ServiceObject.objects.select_for_update().filter(pk=obj.pk).first()
            episode = (
                IntakeEpisode.objects.select_for_update()
                .filter(channel=CHANNEL, fingerprint=fp, last_at__gte=at - window)
                .exclude(ticket__status=Status.CLOSED.value)
                .select_related("ticket")
                .order_by("-last_at", "-id")
                .first()
            )
            if episode is not None:
                IntakeEpisode.objects.filter(pk=episode.pk).update(count=F("count") + 1, last_at=at)
                episode.refresh_from_db(fields=["count", "last_at"])
                logger.info(
                    "intake snmp: repeat %s of %s on ticket %s", episode.count, fp, episode.ticket.number
                )
                return Outcome("repeat", episode.ticket_id, episode.ticket.number, episode.pk, episode.count)
            ticket = services.open_ticket(
                ACTOR,
                title=f"{trap_name(trap.trap_oid)} — {obj}",
                channel=CHANNEL,
                description=description,
                service_object_id=obj.pk,
                external_ref=f"{CHANNEL}:{fp}",
                author_label=f"SNMP {trap.agent_address}",
                acknowledge=False,
                at=at,
            )
            episode = IntakeEpisode.objects.create(
                channel=CHANNEL, fingerprint=fp, ticket=ticket, first_at=at, last_at=at, count=1
            )
    except DomainError as exc:
        services.count_intake(CHANNEL, "error", f"{_summary(trap)}: {exc}")
        return Outcome("error", detail=str(exc))
    logger.info("intake snmp: ticket %s for %s (%s)", ticket.number, _summary(trap), fp)
    return Outcome("ticket", ticket.pk, ticket.number, episode.pk, 1)
