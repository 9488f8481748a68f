"""The service report of a completed visit: its content (what a signature vouches for), the PDF built
once per visit, its line in the equipment's history and the e-mail that carries it.

``report_content`` reduces a visit's records to ``domain_records.ReportContent`` — time entries, parts
used (not removed), checklist results, photos other than expense receipts, notes, and the outcome
(``fixed``/``outcome`` given, else the visit's own) — whose SHA-256 the technician app computes the
same way when the customer signs.

``build_report`` makes the PDF (``report_pdf``: WeasyPrint, nothing fetched but our own photos and
signatures) in the **customer's language**, stores it (``ServiceReport``, one per visit: a second call
returns the first), appends a ``report`` line to the service object's history and queues one e-mail
with the PDF attached through the outbox, all in one transaction. The e-mail goes to the first of
``notify.recipients`` (the work order's contact, else the ticket's contact or requester, else the
site's contacts — with an address), in that recipient's language; without one nothing is sent and
``email_id`` stays empty.

``build_pending`` is the worker tick's ``reports`` step: the visits completed in the last
``WORKORDERS_REPORT_DAYS`` days (default 7) without a report, oldest first, at most ``limit`` per
tick. A visit whose report fails is logged and counted, and tried again at the next tick.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, NotFound, gettext_noop
from tournevis.installed_base.services import record_history
from tournevis.notifications import services as outbox
from tournevis.tickets.domain import subject_with_reference
from tournevis.workorders import lifecycle, notify, report_pdf
from tournevis.workorders.domain import VisitStatus
from tournevis.workorders.domain_records import PhotoPurpose, ReportContent, report_sha256
from tournevis.workorders.models import (
    ChecklistResult,
    PartUsed,
    ServiceReport,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
    WorkOrder,
)

logger = logging.getLogger(__name__)
PURPOSE = "workorder.service_report"
PENDING_LIMIT = 20
REPORT_SNAPSHOT = ("visit", "language", "size", "sha256", "report_sha256", "email_id")


def report_content(visit: Visit, fixed: bool | None = None, outcome: str | None = None) -> ReportContent:
    """The visit's report content; ``fixed``/``outcome`` default to the visit's (None before completion)."""
    if fixed is None:
        fixed = visit.fixed
        outcome = visit.outcome if outcome is None else outcome
    return ReportContent(
        visit_id=visit.pk,
        times=[
            (entry.kind, entry.started_at, entry.ended_at) for entry in TimeEntry.objects.filter(visit=visit)
        ],
        parts=[
            (line.part.reference, line.quantity, list(line.serials))
            for line in PartUsed.objects.filter(visit=visit, removed_at__isnull=True).select_related("part")
        ],
        checks=[
            (result.item_id, result.item.kind, result.value)
            for result in ChecklistResult.objects.filter(visit=visit).select_related("item")
        ],
        photos=[
            str(client_id)
            for client_id in VisitPhoto.objects.filter(visit=visit)
            .exclude(purpose=PhotoPurpose.RECEIPT.value)
            .values_list("client_id", flat=True)
        ],
        notes=[str(c) for c in VisitNote.objects.filter(visit=visit).values_list("client_id", flat=True)],
        fixed=fixed,
        outcome=outcome or "",
    )


def language_of(order: WorkOrder) -> str:
    """The report's language: the customer's, else the site's default."""
    language = order.customer.language or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def filename(order: WorkOrder, visit: Visit) -> str:
    return f"{order.number}-{visit.number}.pdf"


def _order_of(visit_id: int) -> tuple[WorkOrder, Visit]:
    visit = Visit.objects.select_related("technician").filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(gettext_noop("No visit with id %(id)s."), id=visit_id)
    order = WorkOrder.objects.select_related(
        "customer", "site", "contact", "ticket", "service_object__equipment_model"
    ).get(pk=visit.work_order_id)
    visit.work_order = order
    return order, visit


def _mail(actor: Actor, order: WorkOrder, visit: Visit, report: ServiceReport) -> int | None:
    """Queue the report to the first recipient (see the module docstring); the outbox row's id."""
    found = notify.recipients(order)
    if not found:
        return None
    address, language = found[0]
    zone = order.site.timezone
    with translation.override(language):
        moment = (visit.completed_at or clock.now()).astimezone(ZoneInfo(zone))
        params = {
            "number": order.number,
            "visit": visit.number,
            "site": order.site.name,
            "day": formats.date_format(moment, "DATE_FORMAT"),
            "title": order.title,
        }
        subject = _("Service report %(number)s, visit %(visit)s") % params
        body = (
            _(
                "Hello,\n\nPlease find attached the service report of the visit of %(day)s at %(site)s "
                "(work order %(number)s, visit %(visit)s: %(title)s).\n"
            )
            % params
        )
        verdict = _("Problem fixed.") if visit.fixed else _("Not fixed: another visit is needed.")
        body += f"\n{verdict}\n"
    if order.ticket is not None:  # a reply lands on the ticket's thread
        subject = subject_with_reference(order.ticket.number, subject)
    message = outbox.queue_email(
        actor,
        to=address,
        subject=subject,
        body=body,
        purpose=PURPOSE,
        language=language,
        subject_ref=f"workorder:{order.pk}",
        attachments=[(filename(order, visit), "application/pdf", bytes(report.pdf))],
    )
    return int(message.pk)


@transaction.atomic
def build_report(actor: Actor, visit_id: int) -> ServiceReport:
    """The visit's service report, built once (see the module docstring); 409 naming ``status`` for a
    visit that is not completed. The PDF is rendered before the visit is locked; the row, the history
    line and the e-mail are written after it, and a report another worker stored meanwhile wins."""
    existing = ServiceReport.objects.filter(visit_id=visit_id).first()
    if existing is not None:
        return existing
    order, visit = _order_of(visit_id)
    if visit.status != VisitStatus.COMPLETED:
        raise Conflict(
            gettext_noop("A visit that is %(current)s has no service report yet."),
            field="status",
            current=visit.status,
        )
    language = language_of(order)
    final = report_sha256(report_content(visit))
    doc = report_pdf.document(visit, order, language, final)
    fetcher = report_pdf.AssetFetcher(doc.assets)
    pdf = report_pdf.render_pdf(doc.html, fetcher)
    if fetcher.refused:
        logger.warning("report of visit %s: refused URLs %s", visit_id, fetcher.refused)
    lifecycle.lock_visit(visit_id)
    existing = ServiceReport.objects.filter(visit_id=visit_id).first()
    if existing is not None:
        return existing
    now = clock.now()
    report = ServiceReport.objects.create(
        visit=visit,
        language=language,
        pdf=pdf,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        report_sha256=final,
        generated_at=now,
    )
    if order.service_object_id is not None:
        record_history(
            order.service_object_id,
            "report",
            actor=actor,
            summary=f"{order.number} #{visit.number}: {filename(order, visit)}",
            data={"work_order": order.number, "visit": visit.number, "size": len(pdf), "language": language},
            ref_type="workorders.servicereport",
            ref_id=report.pk,
            at=now,
        )
    email_id = _mail(actor, order, visit, report)
    if email_id is not None:
        report.email_id = email_id
        report.save(update_fields=["email_id"])
    audit.record(actor, "visit.report", report, after=audit.snapshot(report, REPORT_SNAPSHOT))
    return report


def pending(now: datetime, limit: int = PENDING_LIMIT) -> list[int]:
    """Ids of the recently completed visits without a report, oldest completion first."""
    days = int(getattr(settings, "WORKORDERS_REPORT_DAYS", 7))
    return list(
        Visit.objects.filter(
            status=VisitStatus.COMPLETED.value,
            completed_at__gte=now - timedelta(days=days),
            report__isnull=True,
        )
        .order_by("completed_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def build_pending(actor: Actor, now: datetime, limit: int = PENDING_LIMIT) -> dict[str, int]:
    """The worker's ``reports`` step: build the reports of ``pending`` visits, one transaction each."""
    built = failed = 0
    for visit_id in pending(now, limit):
        try:
            build_report(actor, visit_id)
        except Exception:
            logger.exception("service report of visit %s failed; tried again at the next tick", visit_id)
            failed += 1
        else:
            built += 1
    return {"service_reports_built": built, "service_reports_failed": failed}
