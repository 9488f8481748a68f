"""The dispatcher's page of sync conflicts from the technician app: what a device did that could not be
applied as meant (visit cancelled, given to someone else, completed, a stale edit, a signature for a
changed report), with the whole operation, until a planner resolves it saying what was done. The
planning board shows how many are open (``mobile_conflicts`` template tag)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tournevis.core.errors import DomainError, NotFound
from tournevis.identity.guard import page
from tournevis.mobile import access, queries, services
from tournevis.mobile.models import Conflict
from tournevis.web.views import _actor

RESOLVED_SHOWN = 20


def _rows(conflicts: list[Conflict]) -> list[dict[str, object]]:
    rows = []
    for conflict in conflicts:
        row = queries.conflict(conflict)
        row["work_order_id"] = conflict.visit.work_order_id if conflict.visit is not None else None
        row["recorded_at"] = conflict.created_at
        row["user"] = conflict.device.user.username
        row["data"] = (
            conflict.payload.get("data")
            if conflict.operation_id
            else {k: v for k, v in conflict.payload.items() if k not in ("op", "visit_id")}
        )
        rows.append(row)
    return rows


@page("page.mobile.conflicts")
def conflicts(request: HttpRequest) -> HttpResponse:
    visible = access.visible_conflicts(_actor(request)).order_by("-created_at", "-id")
    context = {
        "section": "dispatch",
        "open": _rows(list(visible.filter(resolved_at__isnull=True)[:500])),
        "resolved": _rows(list(visible.filter(resolved_at__isnull=False)[:RESOLVED_SHOWN])),
    }
    return render(request, "web/mobile/conflicts.html", context)


@require_POST
@page("page.mobile.conflicts.resolve")
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        found = access.access_conflict(actor, pk)
    except NotFound:
        raise Http404 from None
    try:
        services.resolve_conflict(actor, found.pk, resolution=request.POST.get("resolution", ""))
        messages.success(request, _("The conflict is resolved."))
    except DomainError as error:
        messages.error(request, error.text(_))
    return redirect("web:mobile_conflicts")
