"""REST API of a visit's service report: the PDF, for whoever may see the visit (staff, the work
order's technicians, the customer's users — ``workorders.access``; 404 otherwise and before the report
is built by the worker)."""

from django.http import HttpRequest, HttpResponse
from ninja import Router

from tournevis.core.errors import NotFound, gettext_noop
from tournevis.core.rest import actor_of
from tournevis.identity import guard
from tournevis.workorders import access, report
from tournevis.workorders.models import ServiceReport, Visit

router = Router(tags=["work orders"])


def report_of(visit: Visit, work_order_id: int) -> ServiceReport:
    """The visit's report; 404 when the visit is not the work order's or has no report yet."""
    found = ServiceReport.objects.filter(visit=visit).first()
    if found is None or visit.work_order_id != work_order_id:
        raise NotFound(gettext_noop("No service report for visit %(id)s yet."), id=visit.pk)
    return found


def pdf_response(row: ServiceReport, visit: Visit) -> HttpResponse:
    """The PDF as stored, shown inline, named ``WO-…-<visit>.pdf``."""
    response = HttpResponse(bytes(row.pdf), content_type="application/pdf")
    response["Content-Length"] = str(row.size)
    response["Content-Disposition"] = f'inline; filename="{report.filename(visit.work_order, visit)}"'
    response["Content-Language"] = row.language
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = f'"{row.sha256}"'
    return response


@router.get(
    "/workorders/{work_order_id}/visits/{completed_visit_id}/report.pdf",
    operation_id="visit_report_pdf",
    response={200: None},
    openapi_extra={"responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}}},
)
@guard.api("api.workorders.visits.report")
def visit_report_pdf(request: HttpRequest, work_order_id: int, completed_visit_id: int) -> HttpResponse:
    """The service report of a completed visit (``completed_visit_id``: the visit's id), as a PDF in the
    customer's language; 404 until the worker has built it."""
    visit = access.access_visit(actor_of(request), completed_visit_id)
    return pdf_response(report_of(visit, work_order_id), visit)
