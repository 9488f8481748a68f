"""Spare parts for a work order: reserve them, release them, and wait for them.

**Where the parts go.** To the van of the technician of the work order's open visit when that visit
has a technician (planned, dispatched or under way) and the technician has a van; else to the active
depot nearest the work order's site. Distances are measured to the site. Sourcing
(``stock.sourcing``) takes them from that van first, else from the depot that gets them there first,
else splits them, else refuses (409 naming ``lines.<i>.quantity``); every reservation keeps the
explanation of its choice.

**All or nothing.** ``reserve_parts`` takes several lines (a part reference or id and a quantity) in
one transaction: an unknown part (422 naming ``lines.<i>.part``), a bad quantity or a part that
cannot be found anywhere refuses the whole request and nothing is reserved.

**Waiting for parts.** A work order is *waiting for parts* while one of its active reservations
travels (its transfer is planned or in transit); its expected arrival is the latest of those
transfers'. The planning board and the optimiser do not plan its visit before then (``dispatch``
reads ``stock.reservations.arrivals``). When the contract says so (``Contract.sla_pause_for_parts``,
the work order's contract, else its ticket's), the ticket's on-site and resolution SLA clocks pause
while the work order waits (reason ``waiting_parts``) and resume when nothing is awaited any more — the
last transfer received, cancelled, or the reservations released. Only the clocks this module paused
are resumed (a clock paused for another reason stays paused).

**Events consumed** (``handlers``): ``stock.transfer_received`` and ``stock.transfer_cancelled`` — the
work order's audit log records them and its SLA clocks follow. Cancelling a work order releases its
active reservations (``services.cancel``). Handlers run after the stock change commits; should one not
run (the process stopped in between), the worker tick's ``resume_arrived`` resumes the clocks still
paused for parts that are no longer awaited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from tournevis.contracts import sla_services
from tournevis.contracts.models import Contract, SlaClock
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, gettext_noop
from tournevis.stock import domain as stock_domain
from tournevis.stock import reservations
from tournevis.stock.models import Part, Reservation, Transfer
from tournevis.stock.reservations import Destination, ReservationRow
from tournevis.tickets.models import Ticket
from tournevis.workorders import lifecycle
from tournevis.workorders.domain import Status, VisitStatus
from tournevis.workorders.models import WorkOrder

DEMAND = "workorder"
TICKET = "ticket"
WAITING_REASON = "waiting_parts"
ARRIVED_REASON = "parts_arrived"
SLA_KINDS = ("onsite", "resolution")  # contracts.clocks.ClockKind.ONSITE / RESOLUTION
CLOSED = frozenset({Status.COMPLETED, Status.VALIDATED, Status.CANCELLED})
WITH_TECHNICIAN = frozenset(
    {
        VisitStatus.PLANNED,
        VisitStatus.DISPATCHED,
        VisitStatus.EN_ROUTE,
        VisitStatus.ON_SITE,
        VisitStatus.PAUSED,
    }
)
MAX_LINES = 50


@dataclass(frozen=True)
class PartsStatus:
    work_order_id: int
    reservations: list[ReservationRow] = field(default_factory=list)
    waiting_for_parts: bool = False
    expected_arrival: datetime | None = None
    pauses_sla: bool = False  # the contract pauses the SLA clocks while waiting


def destination_of(order: WorkOrder) -> Destination:
    """Where the work order's parts go (the module doc); 409 naming ``lines`` when there is no van to
    send them to and no depot at all."""
    site = order.site
    visit = order.visits.filter(status__in=[s.value for s in WITH_TECHNICIAN]).order_by("-number").first()
    van = reservations.van_of(visit.technician_id if visit is not None else None)
    if van is not None:
        return Destination(van.pk, site.latitude, site.longitude, "", van.pk)
    depot = reservations.nearest_depot(site.latitude, site.longitude)
    if depot is None:
        raise Conflict(gettext_noop("There is no depot to reserve parts at."), field="lines")
    return Destination(depot.pk, site.latitude, site.longitude)


def _contract_pauses(order: WorkOrder) -> bool:
    contract_id = order.contract_id
    if contract_id is None and order.ticket_id is not None:
        contract_id = Ticket.objects.filter(pk=order.ticket_id).values_list("contract_id", flat=True).first()
    if contract_id is None:
        return False
    return bool(Contract.objects.filter(pk=contract_id).values_list("sla_pause_for_parts", flat=True).first())


def _paused_by_us(ticket_id: int) -> list[str]:
    """The ticket's open on-site / resolution clocks whose last event is our pause."""
    kinds = []
    for row in SlaClock.objects.filter(
        subject_type=TICKET,
        subject_id=ticket_id,
        kind__in=SLA_KINDS,
        stopped_at__isnull=True,
        paused_since__isnull=False,
    ).order_by("id"):
        last = row.events.order_by("-at", "-id").first()
        if last is not None and last.kind == "pause" and last.reason == WAITING_REASON:
            kinds.append(row.kind)
    return kinds


def sync_sla(actor: Actor, order: WorkOrder, at: datetime) -> str:
    """Pause the ticket's clocks while the work order waits for parts (when its contract says so), resume
    the ones it paused once nothing is awaited. Returns ``paused``, ``resumed`` or ``""``."""
    if order.ticket_id is None or not _contract_pauses(order):
        return ""
    waiting = order.pk in reservations.arrivals(DEMAND, [order.pk])
    if waiting and order.status not in CLOSED:
        changed = sla_services.pause_clocks(
            actor, TICKET, order.ticket_id, at=at, reason=WAITING_REASON, kinds=SLA_KINDS
        )
        return "paused" if changed else ""
    ours = _paused_by_us(order.ticket_id)
    if ours:
        sla_services.resume_clocks(actor, TICKET, order.ticket_id, at=at, reason=ARRIVED_REASON, kinds=ours)
        return "resumed"
    return ""


def _find_parts(lines: Sequence[Mapping[str, Any]]) -> dict[str, Part]:
    references = {str(line.get("part") or "").strip() for line in lines if isinstance(line, Mapping)}
    found = {p.reference: p for p in Part.objects.filter(reference__in=references - {""})}
    for reference in references - set(found) - {""}:  # a reference typed in another case
        match = list(Part.objects.filter(reference__iexact=reference)[:2])
        if len(match) == 1:
            found[reference] = match[0]
    return found


def clean_lines(lines: Any) -> list[tuple[Part, Decimal]]:
    """``[{"part": "BELT", "quantity": 2}, {"part_id": 7, "quantity": "1.5"}, …]`` → (part, quantity)
    pairs; InvalidInput naming ``lines.<i>.part`` / ``lines.<i>.quantity``."""
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Sequence) or not lines:
        raise InvalidInput(gettext_noop("Give at least one part and its quantity."), field="lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(gettext_noop("At most %(max)s lines at once."), field="lines", max=MAX_LINES)
    by_reference = _find_parts(lines)
    out: list[tuple[Part, Decimal]] = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if not isinstance(line, Mapping):
            raise InvalidInput(gettext_noop("Give a part and its quantity."), field=where)
        reference = str(line.get("part") or "").strip()
        part: Part | None
        if reference:
            part = by_reference.get(reference)
            if part is None:
                raise InvalidInput(
                    gettext_noop("No part %(reference)s in the catalogue."),
                    field=f"{where}.part",
                    reference=reference,
                )
        elif line.get("part_id") not in (None, ""):
            try:
                part = reservations.part_of(line.get("part_id"), f"{where}.part")
            except InvalidInput:
                raise InvalidInput(
                    gettext_noop("No part with id %(id)s in the catalogue."),
                    field=f"{where}.part",
                    id=line.get("part_id"),
                ) from None
        else:
            raise InvalidInput(gettext_noop("Which part? Give its reference."), field=f"{where}.part")
        if not part.active:
            raise InvalidInput(
                gettext_noop("Part %(reference)s is no longer in the catalogue."),
                field=f"{where}.part",
                reference=part.reference,
            )
        out.append((part, stock_domain.quantity(line.get("quantity"), part.unit, f"{where}.quantity")))
    return out


def _open(order: WorkOrder) -> None:
    if order.status in CLOSED:
        raise Conflict(
            gettext_noop("A work order that is %(status)s gets no parts."),
            field="status",
            status=order.status,
        )


@transaction.atomic
def reserve_parts(actor: Actor, work_order_id: int, lines: Any) -> list[Reservation]:
    """Reserve the parts of ``lines`` for the work order, all or nothing (the module doc)."""
    order = lifecycle.lock_work_order(work_order_id)
    _open(order)
    wanted = clean_lines(lines)
    destination = destination_of(order)
    made: list[Reservation] = []
    for index, (part, quantity) in enumerate(wanted):
        try:
            made += reservations.reserve(
                actor,
                demand_type=DEMAND,
                demand_id=order.pk,
                demand_label=order.number,
                part_id=part.pk,
                quantity=quantity,
                destination=destination,
            )
        except DomainError as error:
            if error.field in ("quantity", "part_id"):
                error.field = f"lines.{index}.{'part' if error.field == 'part_id' else 'quantity'}"
            raise
    at = clock.now()
    sla = sync_sla(actor, order, at)
    audit.record(
        actor,
        "workorder.parts.reserve",
        order,
        after={
            "reservations": [
                {"id": r.pk, "part": r.part.reference, "quantity": str(r.quantity), "transfer": r.transfer_id}
                for r in made
            ],
            "sla": sla,
        },
    )
    return made


@transaction.atomic
def release_parts(actor: Actor, work_order_id: int, reservation_id: int, *, reason: str = "") -> Reservation:
    """Release one of the work order's reservations (a planned transfer is cancelled with it)."""
    order = lifecycle.lock_work_order(work_order_id)
    if not Reservation.objects.filter(pk=reservation_id, demand_type=DEMAND, demand_id=order.pk).exists():
        raise NotFound(gettext_noop("No reservation with id %(id)s for this work order."), id=reservation_id)
    why = str(reason or "").strip()[:300] or f"{order.number}: released"
    released = reservations.release(actor, reservation_id, reason=why)
    sla = sync_sla(actor, order, clock.now())
    audit.record(actor, "workorder.parts.release", order, after={"reservation": reservation_id, "sla": sla})
    return released


def release_all(actor: Actor, order: WorkOrder, reason: str, at: datetime) -> int:
    """Release every active reservation of the work order (it is being cancelled); inside the caller's
    transaction. Returns how many."""
    count = reservations.release_demand(
        actor, DEMAND, order.pk, reason=reason or f"{order.number}: cancelled"
    )
    if count:
        sla_changed = sync_sla(actor, order, at)
        audit.record(
            actor, "workorder.parts.release_all", order, after={"released": count, "sla": sla_changed}
        )
    return count


@transaction.atomic
def transfer_event(actor: Actor, work_order_id: int, transfer_id: int, what: str) -> str:
    """A transfer of the work order's parts was ``received`` or ``cancelled``: written in the work
    order's audit log; its SLA clocks follow (``sync_sla``). Returns what ``sync_sla`` did."""
    order = WorkOrder.objects.select_for_update(of=("self",)).filter(pk=work_order_id).first()
    if order is None:
        return ""
    transfer = Transfer.objects.filter(pk=transfer_id).select_related("part").first()
    sla = sync_sla(actor, order, clock.now())
    audit.record(
        actor,
        f"workorder.parts.transfer_{what}",
        order,
        after={
            "transfer": transfer_id,
            "number": transfer.number if transfer is not None else "",
            "part": transfer.part.reference if transfer is not None else "",
            "sla": sla,
        },
    )
    return sla


def parts_status(work_order_id: int) -> PartsStatus:
    """The work order's reservations, whether it waits for parts and until when, and whether its
    contract pauses the SLA meanwhile (three queries)."""
    order = WorkOrder.objects.filter(pk=work_order_id).first()
    if order is None:
        raise NotFound(gettext_noop("No work order with id %(id)s."), id=work_order_id)
    rows = reservations.demand_reservations(DEMAND, order.pk)
    awaited = [r.expected_arrival for r in rows if r.awaited and r.expected_arrival is not None]
    return PartsStatus(
        work_order_id=order.pk,
        reservations=rows,
        waiting_for_parts=bool(awaited),
        expected_arrival=max(awaited) if awaited else None,
        pauses_sla=_contract_pauses(order),
    )


def waiting(work_order_ids: Sequence[int]) -> dict[int, datetime]:
    """``{work order id: expected arrival}`` of those waiting for parts (one query)."""
    return reservations.arrivals(DEMAND, work_order_ids)


def resume_arrived(actor: Actor, now: datetime) -> dict[str, int]:
    """Worker tick safety net: resume the ticket clocks this module paused for work orders that wait for
    nothing any more (an arrival whose handler did not run). Each work order in its own transaction."""
    ticket_ids = set(
        SlaClock.objects.filter(
            subject_type=TICKET,
            kind__in=SLA_KINDS,
            stopped_at__isnull=True,
            paused_since__isnull=False,
            events__kind="pause",
            events__reason=WAITING_REASON,
        ).values_list("subject_id", flat=True)
    )
    orders = list(WorkOrder.objects.filter(ticket_id__in=ticket_ids).values_list("pk", flat=True))
    awaited = waiting(orders)
    resumed = 0
    for order_id in orders:
        if order_id in awaited:
            continue
        with transaction.atomic():
            order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order_id)
            if sync_sla(actor, order, now) == "resumed":
                audit.record(actor, "workorder.parts.sla_resumed", order, after={"at": now.isoformat()})
                resumed += 1
    return {"sla_clocks_resumed_after_parts": resumed}
