"""Read side of the technician app: the day data (``GET /api/v1/mobile/day``) and the JSON shapes of a
visit's records, shared by the day data and the answers of the sync endpoint (so the app patches its
cache with exactly what a later download would give).

Every value is plain JSON: datetimes as ISO 8601 in UTC, decimals as text (``decimal_text``), ids of
rows made on a device as their client UUID.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language

from tournevis.core import clock
from tournevis.customers.models import Contact
from tournevis.installed_base import queries as ib_queries
from tournevis.installed_base.models import ServiceObject
from tournevis.mobile.models import Conflict, Device
from tournevis.stock import services_moves
from tournevis.stock.models import Part, StockLevel
from tournevis.workforce.models import Technician
from tournevis.workorders import checklists
from tournevis.workorders.domain import UNDER_WAY, VisitStatus
from tournevis.workorders.domain_records import decimal_text
from tournevis.workorders.models import (
    ChecklistItem,
    ChecklistResult,
    Expense,
    PartUsed,
    ServiceReport,
    Signature,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
    WorkOrder,
)

MAX_DAYS = 14
HISTORY_ENTRIES = 10
# Visits of the coming days the app shows (cancelled ones drop out; a conflict tells the technician).
SHOWN = frozenset(
    {
        VisitStatus.PLANNED,
        VisitStatus.DISPATCHED,
        VisitStatus.EN_ROUTE,
        VisitStatus.ON_SITE,
        VisitStatus.PAUSED,
        VisitStatus.COMPLETED,
    }
)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _language() -> str:
    return get_language() or "en"


# --- Records ---------------------------------------------------------------------------------------


def time_entry(row: TimeEntry) -> dict[str, Any]:
    return {
        "client_id": str(row.client_id),
        "kind": row.kind,
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
        "minutes": row.minutes,
        "note": row.note,
    }


def expense(row: Expense, receipts: dict[int, str] | None = None) -> dict[str, Any]:
    receipt = None
    if row.receipt_id is not None:
        receipt = (receipts or {}).get(row.receipt_id) or str(row.receipt.client_id)  # type: ignore[union-attr]
    return {
        "client_id": str(row.client_id),
        "kind": row.kind,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "distance_km": decimal_text(row.distance_km) if row.distance_km is not None else None,
        "receipt": receipt,
        "spent_on": row.spent_on.isoformat(),
        "note": row.note,
    }


def part_used(row: PartUsed) -> dict[str, Any]:
    return {
        "client_id": str(row.client_id),
        "part_id": row.part_id,
        "reference": row.part.reference,
        "name": row.part.name_fr if _language().startswith("fr") else row.part.name_en,
        "quantity": decimal_text(row.quantity),
        "serials": list(row.serials),
        "scanned_code": row.scanned_code,
        "removed": row.removed_at is not None,
        "consumed": row.consumed_at is not None,
    }


def checklist_result(row: ChecklistResult, photos: dict[int, str] | None = None) -> dict[str, Any]:
    photo = None
    if row.photo_id is not None:
        photo = (photos or {}).get(row.photo_id) or str(row.photo.client_id)  # type: ignore[union-attr]
    return {"value": row.value, "passed": row.passed, "version": row.version, "photo": photo}


def photo_url(visit: Visit, client_id: object) -> str:
    return reverse(
        "web:workorder_visit_photo",
        kwargs={"pk": visit.work_order_id, "visit_id": visit.pk, "client_id": client_id},
    )


def photo(row: VisitPhoto) -> dict[str, Any]:
    return {
        "client_id": str(row.client_id),
        "purpose": row.purpose,
        "caption": row.caption,
        "taken_at": iso(row.taken_at),
        "url": photo_url(row.visit, row.client_id),
    }


def note(row: VisitNote) -> dict[str, Any]:
    return {
        "client_id": str(row.client_id),
        "text": row.text,
        "author": row.author_label,
        "written_at": iso(row.written_at),
    }


def signature(row: Signature) -> dict[str, Any]:
    return {
        "client_id": str(row.client_id),
        "signer_name": row.signer_name,
        "report_sha256": row.report_sha256,
        "signed_at": iso(row.signed_at),
    }


def visit_state(visit: Visit) -> dict[str, Any]:
    return {"id": visit.pk, "version": visit.version, "status": visit.status}


def records(visit: Visit) -> dict[str, Any]:
    """Everything recorded on the visit (parts removed stay, flagged ``removed``)."""
    photo_rows = list(VisitPhoto.objects.filter(visit=visit).select_related("visit").defer("content"))
    photo_ids = {row.pk: str(row.client_id) for row in photo_rows}
    results = ChecklistResult.objects.filter(visit=visit).order_by("item_id")
    return {
        "time_entries": [time_entry(row) for row in TimeEntry.objects.filter(visit=visit)],
        "expenses": [expense(row, photo_ids) for row in Expense.objects.filter(visit=visit)],
        "parts_used": [part_used(row) for row in PartUsed.objects.filter(visit=visit).select_related("part")],
        "checklist_results": {str(row.item_id): checklist_result(row, photo_ids) for row in results},
        "photos": [photo(row) for row in photo_rows],
        "notes": [note(row) for row in VisitNote.objects.filter(visit=visit)],
        "signatures": [signature(row) for row in Signature.objects.filter(visit=visit).defer("image")],
        "follow_up_needed": visit.follow_up_needed,
        "follow_up_reason": visit.follow_up_reason,
        "fixed": visit.fixed,
        "outcome": visit.outcome,
    }


# --- A visit's context -----------------------------------------------------------------------------


def _address_lines(site: Any) -> list[str]:
    city = " ".join(part for part in (site.postal_code, site.city) if part)
    return [line for line in (site.address_line1, site.address_line2, city, site.country) if line]


def geo_uri(latitude: float | None, longitude: float | None, label: str) -> str | None:
    """``geo:48.85,2.35?q=48.85,2.35(Alpha HQ)``: opens the phone's map app on the site."""
    if latitude is None or longitude is None:
        return None
    point = f"{latitude},{longitude}"
    return f"geo:{point}?q={point}({quote(label, safe=' ')})"


def _site(order: WorkOrder) -> dict[str, Any]:
    site = order.site
    return {
        "id": site.pk,
        "name": site.name,
        "address_lines": _address_lines(site),
        "access_notes": site.access_notes,
        "access_hours": site.access_hours,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "timezone": site.timezone,
        "geo_uri": geo_uri(site.latitude, site.longitude, site.name),
    }


def _contact(order: WorkOrder) -> dict[str, Any] | None:
    contact = order.contact
    if contact is None:
        contact = Contact.objects.filter(site_id=order.site_id).order_by("id").first()
    if contact is None:
        return None
    phone = contact.phone.replace(" ", "")
    return {
        "name": contact.name,
        "phone": contact.phone,
        "tel": f"tel:{phone}" if phone else None,
        "email": contact.email,
    }


def _object_label(obj: ServiceObject) -> str:
    return obj.name


def _category_name(obj: ServiceObject) -> str | None:
    category = obj.category or (obj.equipment_model.category if obj.equipment_model is not None else None)
    if category is None:
        return None
    return category.name_fr if _language().startswith("fr") else category.name_en


def _object(order: WorkOrder) -> dict[str, Any] | None:
    if order.service_object_id is None:
        return None
    obj = ServiceObject.objects.select_related("category", "equipment_model__category").get(
        pk=order.service_object_id
    )
    model = obj.equipment_model
    children = ServiceObject.objects.filter(parent=obj).order_by("name", "id")
    return {
        "id": obj.pk,
        "label": _object_label(obj),
        "serial": obj.serial_number,
        "model": f"{model.manufacturer} {model.name}" if model is not None else None,
        "category": _category_name(obj),
        "ancestors": [{"id": a.pk, "label": _object_label(a)} for a in ib_queries.ancestors(obj)],
        "children": [{"id": c.pk, "label": _object_label(c), "serial": c.serial_number} for c in children],
    }


def _history(order: WorkOrder) -> list[dict[str, Any]]:
    if order.service_object_id is None:
        return []
    obj = ServiceObject(pk=order.service_object_id)
    return [
        {"at": iso(entry.at), "kind": entry.kind, "summary": entry.summary}
        for entry in ib_queries.history(obj, limit=HISTORY_ENTRIES)
    ]


def _previous_reports(visit: Visit) -> list[dict[str, Any]]:
    order = visit.work_order
    if order.service_object_id is None:
        return []
    reports = (
        ServiceReport.objects.filter(visit__work_order__service_object_id=order.service_object_id)
        .exclude(visit=visit)
        .select_related("visit__work_order")
        .defer("pdf")
        .order_by("-generated_at")[:HISTORY_ENTRIES]
    )
    return [
        {
            "visit_id": report.visit_id,
            "date": report.generated_at.date().isoformat(),
            "number": f"{report.visit.work_order.number} #{report.visit.number}",
            "url": f"/api/v1/workorders/{report.visit.work_order_id}/visits/{report.visit_id}/report.pdf",
        }
        for report in reports
    ]


def _choices(item: ChecklistItem, language: str) -> list[dict[str, str]]:
    key = "fr" if language.startswith("fr") else "en"
    return [
        {"value": str(choice.get("value")), "label": str(choice.get(key) or choice.get("value"))}
        for choice in item.choices
    ]


def _checklist(visit: Visit) -> list[dict[str, Any]]:
    language = _language()
    return [
        {
            "item_id": item.pk,
            "template": checklists.template_name(item.template, language),
            "label": checklists.label(item, language),
            "kind": item.kind,
            "required": item.required,
            "minimum": decimal_text(item.minimum) if item.minimum is not None else None,
            "maximum": decimal_text(item.maximum) if item.maximum is not None else None,
            "unit": item.unit,
            "choices": _choices(item, language),
        }
        for item in checklists.items_for(visit)
    ]


def van_stock(technician: Technician) -> list[dict[str, Any]]:
    """What the technician's van holds (available = on hand - reserved), by part reference."""
    van = services_moves.location_of_technician(technician.pk)
    if van is None:
        return []
    levels = StockLevel.objects.filter(location=van).select_related("part").order_by("part__reference")
    fr = _language().startswith("fr")
    return [
        {
            "part_id": level.part_id,
            "reference": level.part.reference,
            "name": level.part.name_fr if fr else level.part.name_en,
            "unit": level.part.unit,
            "serialised": level.part.serialised,
            "available": decimal_text(level.on_hand - level.reserved),
        }
        for level in levels
    ]


def catalogue() -> list[dict[str, Any]]:
    fr = _language().startswith("fr")
    return [
        {
            "part_id": part.pk,
            "reference": part.reference,
            "manufacturer_reference": part.manufacturer_reference,
            "name": part.name_fr if fr else part.name_en,
            "unit": part.unit,
            "serialised": part.serialised,
        }
        for part in Part.objects.filter(active=True).order_by("reference")
    ]


def visit_detail(visit: Visit, parts: list[dict[str, Any]]) -> dict[str, Any]:
    order = visit.work_order
    return {
        "id": visit.pk,
        "version": visit.version,
        "number": visit.number,
        "status": visit.status,
        "planned_start": iso(visit.planned_start),
        "planned_end": iso(visit.planned_end),
        "pinned": visit.pinned,
        "work_order": {
            "id": order.pk,
            "number": order.number,
            "title": order.title,
            "description": order.description,
            "kind": order.kind,
            "priority": order.priority,
            "onsite_deadline": iso(order.onsite_deadline),
            "ticket_number": order.ticket.number if order.ticket is not None else None,
        },
        "customer": {
            "id": order.customer_id,
            "name": order.customer.name,
            "language": order.customer.language,
        },
        "site": _site(order),
        "contact": _contact(order),
        "object": _object(order),
        "history": _history(order),
        "previous_reports": _previous_reports(visit),
        "knowledge": [],
        "checklist": _checklist(visit),
        "records": records(visit),
        "parts": parts,
    }


# --- The day ---------------------------------------------------------------------------------------


def day_visits(technician: Technician, first: date, days: int) -> list[Visit]:
    """The technician's visits planned from ``first`` for ``days`` days (in the technician's time
    zone), plus any visit under way whatever its day, in route order."""
    zone = ZoneInfo(technician.timezone)
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(first + timedelta(days=days), time.min, zone)
    in_days = Q(planned_start__gte=start, planned_start__lt=end, status__in=[s.value for s in SHOWN])
    under_way = Q(status__in=[s.value for s in UNDER_WAY])
    return list(
        Visit.objects.filter(in_days | under_way, technician=technician)
        .select_related(
            "work_order__customer",
            "work_order__site",
            "work_order__contact",
            "work_order__ticket",
            "work_order__service_object",
        )
        .order_by("planned_start", "id")
    )


def conflict(row: Conflict) -> dict[str, Any]:
    operation = row.operation
    return {
        "id": row.pk,
        "reason": row.reason,
        "message": row.current.get("message", ""),
        "op": operation.name if operation is not None else row.payload.get("op", ""),
        "seq": operation.seq if operation is not None else None,
        "key": str(operation.key) if operation is not None else row.payload.get("client_id", ""),
        "visit_id": row.visit_id if row.visit_id is not None else row.payload.get("visit_id"),
        "visit_label": row.current.get("visit_label", ""),
        "created_at": iso(row.created_at),
        "seen_at": iso(row.seen_at),
        "resolved_at": iso(row.resolved_at),
        "resolution": row.resolution,
        "resolved_by": row.resolved_by_label,
        "device": row.device.name or str(row.device.client_id),
        "technician": row.current.get("technician", ""),
    }


def unseen_conflicts(user_id: int) -> list[Conflict]:
    return list(
        Conflict.objects.filter(device__user_id=user_id, seen_at__isnull=True)
        .select_related("operation", "device")
        .order_by("created_at", "id")
    )


def day(technician: Technician, device: Device | None, *, days: int) -> dict[str, Any]:
    """The day data: the technician's visits of today and the next ``days - 1`` days with everything
    the app shows and records offline, the van's stock, the catalogue and the unseen conflicts."""
    now = clock.now()
    first = now.astimezone(ZoneInfo(technician.timezone)).date()
    parts = van_stock(technician)
    visits: Iterable[Visit] = day_visits(technician, first, days)
    return {
        "server_time": iso(now),
        "technician": {"id": technician.pk, "name": technician.name},
        "device": {"last_seq": device.last_seq if device is not None else 0},
        "visits": [visit_detail(visit, parts) for visit in visits],
        "parts": parts,
        "catalogue": catalogue(),
        "conflicts": [conflict(row) for row in unseen_conflicts(technician.user_id or 0)],
    }
