"""Finishing a visit on site: the customer's signature, then completion with everything it sets off.

**Signature** (``add_signature``). The customer signs the report as the technician's device shows it;
the device sends the SHA-256 of that report's content (``domain_records.report_sha256``) with the
drawn PNG. The server computes the hash over what it holds, with the ``fixed``/``outcome`` the device
signed for: equal, the signature vouches for this report; different (a record the server does not
have yet, an office edit), the signature is **stored anyway** — nothing is lost — the service answers
``False`` and the caller records a conflict; the PDF says "signed for an earlier version" when the
final content's hash differs.

**Completion** (``complete``), in one transaction:

1. required checklist items without an answer refuse it (409 naming ``checklist``, the items listed
   in the problem's ``items``);
2. ``services_visits.complete_visit`` — the visit ends, the work order follows (fixed: completed; not
   fixed: paused with its next visit unscheduled), the equipment's history records it;
3. the parts used (not removed) are taken from their location (``stock.services_moves.consume``, using
   the work order's reservation of that part there when it has one). **A shortage never blocks
   completion**: the line stays unconsumed (``consumed_at`` empty) and an audit event
   ``visit.part.not_consumed`` on the line records the stock error — the stock keeper corrects the
   level and the line shows "recorded" instead of "taken from stock";
4. ``WorkOrder.first_time_fix`` = ``fixed`` when this visit is the work order's first visit that
   reached the site;
5. fixed, with a ticket: the ticket is resolved (``tickets.services.transition``: its response and
   on-site clocks stop, the others pause, its timeline shows the status change with the work order's
   number) when its status allows it and no other work order of the ticket is still being worked;
6. fixed: the work order's reservations of parts not used are released (they go back to available);
7. fixed but ``follow_up_needed``: a follow-up work order is proposed — draft, same customer, site,
   object, contact, contract and ticket, titled "Follow-up of WO-…" in the customer's language, the
   reason as its description.

The service report is built afterwards by the worker (``report.build_pending``).
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version
from tournevis.core.errors import Conflict, DomainError, InvalidInput, gettext_noop
from tournevis.stock import services_moves
from tournevis.stock.domain import ReservationStatus
from tournevis.stock.models import Reservation
from tournevis.tickets import domain as ticket_domain
from tournevis.tickets import services as ticket_services
from tournevis.tickets.models import Ticket
from tournevis.workorders import (
    checklists,
    domain,
    lifecycle,
    parts,
    records,
    report,
    services,
    services_visits,
)
from tournevis.workorders.domain import Status, VisitStatus
from tournevis.workorders.models import PartUsed, Signature, Visit, WorkOrder

SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
SHA256 = re.compile(r"[0-9a-f]{64}")
WORKING_STATUSES = frozenset(s.value for s in Status) - {
    Status.DRAFT.value,
    Status.COMPLETED.value,
    Status.VALIDATED.value,
    Status.CANCELLED.value,
}
SIGNATURE_SNAPSHOT = ("visit", "client_id", "signer_name", "report_sha256", "signed_at")


class ChecklistIncomplete(Conflict):
    """409 naming ``checklist``: the required items not answered yet (``items`` in the problem body)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        super().__init__(
            gettext_noop("Required checklist items are not answered: %(items)s."),
            field="checklist",
            items=", ".join(item["label"] for item in items),
        )

    def problem_members(self, gettext: Any) -> dict[str, Any]:
        return {"items": self.items}


# --- Signature -------------------------------------------------------------------------------------


def _png(data: Any) -> bytes:
    """The signature image: a PNG of at most 512 kB that Pillow reads (422 naming ``image``)."""
    if not isinstance(data, bytes | bytearray | memoryview) or not data:
        raise InvalidInput(gettext_noop("Draw the signature."), field="image")
    content = bytes(data)
    if len(content) > SIGNATURE_MAX_BYTES:
        raise InvalidInput(
            gettext_noop("The signature image is larger than %(max)s bytes."),
            field="image",
            max=SIGNATURE_MAX_BYTES,
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG":
                raise InvalidInput(gettext_noop("The signature must be a PNG image."), field="image")
            if max(image.size) > SIGNATURE_MAX_SIDE:
                raise InvalidInput(gettext_noop("The signature image is too large."), field="image")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(gettext_noop("The signature must be a PNG image."), field="image") from None
    return content


def _client_id(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(gettext_noop("Enter a UUID."), field="client_id") from None


@transaction.atomic
def add_signature(
    actor: Actor,
    visit_id: int,
    *,
    client_id: Any,
    signer_name: str,
    image_png: bytes,
    report_sha256: str,
    fixed: bool,
    outcome: str,
    at: datetime | None = None,
) -> tuple[Signature, bool]:
    """Store the customer's signature; True when ``report_sha256`` is the hash of the report the
    server holds with this ``fixed``/``outcome``. The same ``client_id`` again returns the stored
    signature (its hash compared again). Accepted while the visit is under way (409 naming ``status``)."""
    at = at or clock.now()
    key = _client_id(client_id)
    _order, visit = lifecycle.lock_visit(visit_id)
    found = Signature.objects.filter(client_id=key).first()
    if found is not None and found.visit_id != visit.pk:
        raise InvalidInput(gettext_noop("This id is already used on another visit."), field="client_id")
    if not isinstance(fixed, bool):
        raise InvalidInput(gettext_noop("Answer yes (true) or no (false)."), field="fixed")
    text = outcome if isinstance(outcome, str) else ""
    if found is not None:
        expected = report.report_sha256(report.report_content(visit, fixed, text))
        return found, found.report_sha256 == expected
    if visit.status not in records.RECORDING:
        raise Conflict(
            gettext_noop("A visit that is %(current)s takes no new records."),
            field="status",
            current=visit.status,
        )
    name = clean_text(
        signer_name if isinstance(signer_name, str) else "", "signer_name", max_length=200, required=True
    )
    digest = (report_sha256 or "").strip().lower() if isinstance(report_sha256, str) else ""
    if not SHA256.fullmatch(digest):
        raise InvalidInput(gettext_noop("Give the report's SHA-256 as 64 hex digits."), field="report_sha256")
    image = _png(image_png)
    signature = Signature.objects.create(
        visit=visit,
        client_id=key,
        signer_name=name,
        image=image,
        report_sha256=digest,
        signed_at=at,
        created_at=clock.now(),
    )
    expected = report.report_sha256(report.report_content(visit, fixed, text))
    matches = digest == expected
    audit.record(
        actor,
        "visit.signature",
        signature,
        after=audit.snapshot(signature, SIGNATURE_SNAPSHOT) | {"matches": matches, "server_sha256": expected},
    )
    return signature, matches


# --- Completion ------------------------------------------------------------------------------------


def _check_checklist(visit: Visit) -> None:
    missing = checklists.missing_required(visit)
    if missing:
        language = translation.get_language() or "en"
        raise ChecklistIncomplete(
            [{"id": item.pk, "label": checklists.label(item, language)} for item in missing]
        )


def _reservation_for(order: WorkOrder, line: PartUsed, location_id: int) -> int | None:
    """The work order's active reservation of the line's part at its location, if one holds enough."""
    found = (
        Reservation.objects.filter(
            demand_type="workorder",
            demand_id=order.pk,
            part_id=line.part_id,
            location_id=location_id,
            status=ReservationStatus.ACTIVE.value,
            quantity__gte=line.quantity,
        )
        .filter(transfer__isnull=True)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    return int(found) if found is not None else None


def _consume_parts(actor: Actor, order: WorkOrder, visit: Visit, at: datetime) -> None:
    """Take each part line from its location (step 3 of the module docstring)."""
    lines = PartUsed.objects.select_for_update(of=("self",)).filter(
        visit=visit, removed_at__isnull=True, consumed_at__isnull=True
    )
    for line in lines.select_related("part", "location").order_by("recorded_at", "id"):
        location_id = line.location_id
        if location_id is None and visit.technician_id is not None:
            van = services_moves.location_of_technician(visit.technician_id)
            location_id = van.pk if van is not None else None
        error = ""
        if location_id is None:
            error = "no stock location: the technician has no van"
        else:
            line.location_id = location_id
            try:
                services_moves.consume(
                    actor,
                    location_id,
                    line.part_id,
                    line.quantity,
                    reference=f"{order.number}/{visit.number}",
                    reason=f"visit {visit.number}: {line.client_id}",
                    serials=list(line.serials),
                    reservation_id=_reservation_for(order, line, location_id),
                )
            except DomainError as exc:  # consume ran in its own savepoint: nothing of it stays
                error = exc.text()
        if error:
            audit.record(
                actor,
                "visit.part.not_consumed",
                line,
                after={
                    "part": line.part.reference,
                    "quantity": str(line.quantity),
                    "serials": list(line.serials),
                    "location": location_id,
                    "error": error[:500],
                },
            )
            continue
        line.consumed_at = at
        line.save(update_fields=["location", "consumed_at"])
        audit.record(
            actor,
            "visit.part.consume",
            line,
            before={"consumed_at": None},
            after={"consumed_at": at, "location": location_id},
        )


def _first_time_fix(actor: Actor, order: WorkOrder, visit: Visit, fixed: bool) -> None:
    first = (
        Visit.objects.filter(work_order=order, on_site_at__isnull=False)
        .order_by("on_site_at", "number")
        .values_list("pk", flat=True)
        .first()
    )
    if first != visit.pk or order.first_time_fix == fixed:
        return
    before = {"first_time_fix": order.first_time_fix}
    WorkOrder.objects.filter(pk=order.pk).update(first_time_fix=fixed)
    order.first_time_fix = fixed
    audit.record(actor, "workorder.first_time_fix", order, before=before, after={"first_time_fix": fixed})


def _resolve_ticket(actor: Actor, order: WorkOrder, visit: Visit, at: datetime) -> None:
    if order.ticket_id is None:
        return
    ticket = Ticket.objects.filter(pk=order.ticket_id).values("status", "merged_into_id").first()
    if ticket is None or ticket["merged_into_id"] is not None:
        return
    allowed = ticket_domain.TRANSITIONS[ticket_domain.Status(ticket["status"])]
    if ticket_domain.Status.RESOLVED not in allowed:
        return
    others = (
        WorkOrder.objects.filter(ticket_id=order.ticket_id, status__in=WORKING_STATUSES)
        .exclude(pk=order.pk)
        .exists()
    )
    if others:
        return
    ticket_services.transition(
        actor,
        order.ticket_id,
        ticket_domain.Status.RESOLVED.value,
        reason=f"{order.number} #{visit.number}: {visit.outcome}"[:300],
        at=at,
    )


def _propose_follow_up(actor: Actor, order: WorkOrder, visit: Visit, at: datetime) -> WorkOrder:
    with translation.override(order.customer.language or "en"):
        title = _("Follow-up of %(number)s") % {"number": order.number}
    data: dict[str, Any] = {
        "status": Status.DRAFT.value,
        "customer_id": order.customer_id,
        "site_id": order.site_id,
        "service_object_id": order.service_object_id,
        "contact_id": order.contact_id,
        "contract_id": order.contract_id,
        "kind": order.kind,
        "priority": order.priority,
        "title": title,
        "description": visit.follow_up_reason,
    }
    proposal = services.create_work_order(actor, {k: v for k, v in data.items() if v is not None}, at=at)
    if order.ticket_id is not None:
        WorkOrder.objects.filter(pk=proposal.pk).update(ticket_id=order.ticket_id)
        proposal.ticket_id = order.ticket_id
    audit.record(
        actor,
        "workorder.follow_up_proposed",
        proposal,
        after={"from": order.number, "visit": visit.number, "ticket": order.ticket_id},
    )
    return proposal


@transaction.atomic
def complete(
    actor: Actor,
    visit_id: int,
    *,
    fixed: bool,
    outcome: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Visit:
    """Complete the visit (see the module docstring for everything it does, in order)."""
    at = at or clock.now()
    if not isinstance(fixed, bool):
        raise InvalidInput(gettext_noop("Answer yes (true) or no (false)."), field="fixed")
    order, visit = lifecycle.lock_visit(visit_id)
    check_version(visit, expected_version)
    domain.check_visit_transition(visit.status, VisitStatus.COMPLETED.value)
    _check_checklist(visit)
    visit = services_visits.complete_visit(
        actor, visit_id, fixed, outcome if isinstance(outcome, str) else "", expected_version, at=at
    )
    order.refresh_from_db()
    _consume_parts(actor, order, visit, at)
    _first_time_fix(actor, order, visit, fixed)
    if fixed:
        parts.release_all(actor, order, f"{order.number}: completed", at)
        _resolve_ticket(actor, order, visit, at)
        if visit.follow_up_needed:
            _propose_follow_up(actor, order, visit, at)
    return visit
