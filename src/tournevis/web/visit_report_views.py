"""A visit's service report on the work-order page: the link next to each visit that has one, and the
PDF itself for staff, the work order's technicians and the customer's users (``workorders.access``;
404 for anyone else, never 403)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from tournevis.identity.guard import page
from tournevis.web.views import _actor, not_found_is_404
from tournevis.workorders.access import access_visit
from tournevis.workorders.api_report import pdf_response, report_of
from tournevis.workorders.models import ServiceReport, Visit, WorkOrder


def report_links(order: WorkOrder, visits: list[Visit]) -> dict[int, str]:
    """``{visit id: URL of its report, or "" before it is built}`` for the page's visits (one query)."""
    built = set(
        ServiceReport.objects.filter(visit_id__in=[v.pk for v in visits]).values_list("visit_id", flat=True)
    )
    return {
        v.pk: reverse("web:workorder_visit_report", args=[order.pk, v.pk]) if v.pk in built else ""
        for v in visits
    }


@page("page.workorders.visit_report")
@not_found_is_404
def visit_report(request: HttpRequest, pk: int, visit_id: int) -> HttpResponse:
    visit = access_visit(_actor(request), visit_id)
    return pdf_response(report_of(visit, pk), visit)
