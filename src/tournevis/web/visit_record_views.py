"""What technicians recorded on a work order's visits, on the work-order page ("Visit records"), and the
visits' photos served as JPEG.

For each visit that was sent to a technician (dispatched or later), or that has records: the checklist
(every item of the templates that apply, with its answer, whether it passed, and the photo that goes
with it), time entries, expenses, parts used (recorded, removed, or taken from stock), photos, notes,
signatures and the follow-up flag. Office staff see every visit; a technician sees the work order's
visits too (``workorders.access``) but only its own visits' photos open; customer users do not see the
section (their copy is the service report).

Thin: queries here read rows already checked by the services; the photo view goes through
``access_visit`` (404 for a visit the actor may not see, never 403).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound, gettext_noop
from tournevis.identity.domain import Role
from tournevis.identity.guard import page
from tournevis.identity.permissions import is_allowed
from tournevis.web.views import _actor, not_found_is_404
from tournevis.workorders import checklists
from tournevis.workorders.access import access_visit
from tournevis.workorders.domain import VisitStatus
from tournevis.workorders.domain_records import ItemKind
from tournevis.workorders.models import (
    ChecklistResult,
    Expense,
    PartUsed,
    Signature,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
    WorkOrder,
)

TIME_LABELS = {"work": gettext_lazy("Work"), "travel": gettext_lazy("Travel")}
EXPENSE_LABELS = {
    "distance": gettext_lazy("Distance"),
    "toll": gettext_lazy("Toll"),
    "meal": gettext_lazy("Meal"),
    "parking": gettext_lazy("Parking"),
    "other": gettext_lazy("Other"),
}
PURPOSE_LABELS = {
    "visit": gettext_lazy("Visit"),
    "checklist": gettext_lazy("Checklist"),
    "receipt": gettext_lazy("Expense receipt"),
}
NOT_YET = frozenset({VisitStatus.UNSCHEDULED, VisitStatus.PLANNED})


def photo_url(photo: VisitPhoto, work_order_id: int) -> str:
    return reverse("web:workorder_visit_photo", args=[work_order_id, photo.visit_id, photo.client_id])


def _can_open(actor: Actor, visit: Visit) -> bool:
    if actor.role != Role.TECHNICIAN:
        return True
    return visit.technician is not None and visit.technician.user_id == actor.user_id


def _by_visit(rows: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.visit_id].append(row)
    return grouped


def _answer(item: Any, result: ChecklistResult | None) -> str:
    if result is None:
        return ""
    if item.kind == ItemKind.CHECK:
        return str(gettext_lazy("Yes") if result.value is True else gettext_lazy("No"))
    if item.kind == ItemKind.CHOICE:
        french = (get_language() or "en").startswith("fr")
        for choice in item.choices:
            if choice.get("value") == result.value:
                return str(choice.get("fr" if french else "en") or result.value)
    if item.kind == ItemKind.PHOTO:
        return ""
    unit = f"\xa0{item.unit}" if item.kind == ItemKind.NUMBER and item.unit else ""
    return f"{result.value}{unit}"


def work_order_section(actor: Actor, order: WorkOrder, visits: list[Visit]) -> dict[str, Any] | None:
    """The section's data, or None for customer users and for a work order without any visit under
    way or recorded."""
    if actor.is_customer or not is_allowed(actor.role, "page.workorders.visit_photo"):
        return None
    ids = [v.pk for v in visits]
    times = _by_visit(TimeEntry.objects.filter(visit_id__in=ids).select_related("technician"))
    expenses = _by_visit(Expense.objects.filter(visit_id__in=ids).select_related("technician", "receipt"))
    parts = _by_visit(PartUsed.objects.filter(visit_id__in=ids).select_related("part", "location"))
    pictures = _by_visit(VisitPhoto.objects.filter(visit_id__in=ids).defer("content"))
    notes = _by_visit(VisitNote.objects.filter(visit_id__in=ids))
    signatures = _by_visit(Signature.objects.filter(visit_id__in=ids).defer("image"))
    results = _by_visit(ChecklistResult.objects.filter(visit_id__in=ids).select_related("item", "photo"))
    language = get_language() or "en"
    shown = []
    for visit in visits:
        recorded = any(
            group.get(visit.pk) for group in (times, expenses, parts, pictures, notes, signatures, results)
        )
        if visit.status in NOT_YET and not recorded:
            continue
        visit.work_order = order
        answers = {result.item_id: result for result in results.get(visit.pk, [])}
        items = checklists.items_for(visit) if visit.status not in (VisitStatus.CANCELLED,) else []
        listed = {item.pk for item in items}
        items += [r.item for r in results.get(visit.pk, []) if r.item_id not in listed]  # template gone
        can_open = _can_open(actor, visit)
        checklist = [
            {
                "item": item,
                "label": checklists.label(item, language),
                "result": answers.get(item.pk),
                "answer": _answer(item, answers.get(item.pk)),
                "photo_url": photo_url(answers[item.pk].photo, order.pk)
                if can_open and item.pk in answers and answers[item.pk].photo is not None
                else "",
            }
            for item in items
        ]
        shown.append(
            {
                "visit": visit,
                "checklist": checklist,
                "missing": [
                    checklists.label(item, language)
                    for item in items
                    if item.required and item.pk not in answers
                ],
                "times": times.get(visit.pk, []),
                "minutes": sum(entry.minutes for entry in times.get(visit.pk, [])),
                "expenses": expenses.get(visit.pk, []),
                "parts": parts.get(visit.pk, []),
                "photos": [
                    {"photo": p, "url": photo_url(p, order.pk) if can_open else ""}
                    for p in pictures.get(visit.pk, [])
                ],
                "notes": notes.get(visit.pk, []),
                "signatures": signatures.get(visit.pk, []),
            }
        )
    if not shown:
        return None
    return {
        "visits": shown,
        "time_labels": TIME_LABELS,
        "expense_labels": EXPENSE_LABELS,
        "purpose_labels": PURPOSE_LABELS,
    }


@page("page.workorders.visit_photo")
@not_found_is_404
def visit_photo(request: HttpRequest, pk: int, visit_id: int, client_id: uuid.UUID) -> HttpResponse:
    """One photo of a visit, as stored (a re-encoded JPEG without metadata)."""
    actor = _actor(request)
    visit = access_visit(actor, visit_id, acting=True)
    photo = VisitPhoto.objects.filter(visit=visit, client_id=client_id).first()
    if photo is None or visit.work_order_id != pk:
        raise NotFound(gettext_noop("No photo %(id)s on this visit."), id=str(client_id))
    response = HttpResponse(bytes(photo.content), content_type="image/jpeg")
    response["Content-Length"] = str(photo.size)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{photo.sha256}"'
    return response
