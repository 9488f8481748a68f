"""The service report as HTML and PDF: the template's data, and WeasyPrint behind a deny-all fetcher.

**Nothing is fetched.** The report shows photos and signatures that are ours, in the database; the
template names them ``tournevis-asset:<kind>/<id>`` and ``AssetFetcher`` serves exactly those from
memory. Every other URL — ``http(s):``, ``file:``, even ``data:`` — is refused (recorded in
``refused``; WeasyPrint logs it and draws nothing), so a text typed by a technician or a customer can
never make the server read a local file or call the network (ADR 0004).

Fonts: DejaVu Sans, named in ``@page`` too (margin boxes do not inherit the body's font). Images are
re-compressed (``optimize_images``, JPEG 80, 200 dpi): a report with photos stays near 100-200 kB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tournevis.workorders import checklists
from tournevis.workorders.domain_records import ItemKind, PhotoPurpose, decimal_text
from tournevis.workorders.models import (
    ChecklistResult,
    PartUsed,
    Signature,
    StatusChange,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
    WorkOrder,
)

ASSET_SCHEME = "tournevis-asset:"
PDF_OPTIONS: dict[str, Any] = {"optimize_images": True, "jpeg_quality": 80, "dpi": 200}


class AssetFetcher(URLFetcher):
    """Serves ``tournevis-asset:`` URLs from ``assets`` (url → (bytes, content type)); refuses all else.

    A subclass of WeasyPrint's ``URLFetcher`` (a plain function fetcher crashes WeasyPrint 70); the
    parent's ``fetch`` — which opens http, https, ftp, file and data URLs — is never called."""

    def __init__(self, assets: Mapping[str, tuple[bytes, str]] | None = None) -> None:
        super().__init__(timeout=1, allow_redirects=False)
        self.assets = dict(assets or {})
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        found = self.assets.get(url) if url.startswith(ASSET_SCHEME) else None
        if found is None:
            self.refused.append(url)
            raise ValueError(f"URL refused by the report's fetcher: {url[:200]}")
        self.served.append(url)
        content, content_type = found
        return URLFetcherResponse(url, body=content, headers={"Content-Type": content_type})


def render_pdf(html: str, fetcher: AssetFetcher) -> bytes:
    """The PDF of ``html``; every URL in it goes through ``fetcher`` (no base URL: relative URLs are
    not resolved at all)."""
    pdf = HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(**PDF_OPTIONS)
    return bytes(pdf)


@dataclass(frozen=True)
class ReportDocument:
    """The report's HTML and the assets it refers to."""

    html: str
    assets: dict[str, tuple[bytes, str]]


def _time_label(kind: str) -> str:
    return {"work": _("Work"), "travel": _("Travel")}.get(kind, kind)


def _status_label(status: str) -> str:
    return {
        "unscheduled": _("Unscheduled"),
        "planned": _("Planned"),
        "dispatched": _("Dispatched"),
        "en_route": _("En route"),
        "on_site": _("On site"),
        "paused": _("Paused"),
        "completed": _("Completed"),
        "cancelled": _("Cancelled"),
    }.get(status, status)


def _answer(result: ChecklistResult, language: str) -> str:
    item = result.item
    if item.kind == ItemKind.CHECK:
        return _("Yes") if result.value is True else _("No")
    if item.kind == ItemKind.CHOICE:
        key = "fr" if language.startswith("fr") else "en"
        for choice in item.choices:
            if choice.get("value") == result.value:
                return str(choice.get(key) or result.value)
        return str(result.value)
    if item.kind == ItemKind.NUMBER:
        number = decimal_text(result.value)
        if language.startswith("fr"):
            number = number.replace(".", ",")
        return f"{number}\u00a0{item.unit}" if item.unit else number
    if item.kind == ItemKind.PHOTO:
        return _("Photo")
    return "" if result.value is None else str(result.value)


def _quantity(value: Decimal, language: str) -> str:
    text = decimal_text(value)
    return text.replace(".", ",") if language.startswith("fr") else text


def document(visit: Visit, order: WorkOrder, language: str, final_sha256: str) -> ReportDocument:
    """Render the report's HTML in ``language`` (call inside the caller's transaction; reads only)."""
    assets: dict[str, tuple[bytes, str]] = {}
    photos = []
    for photo in VisitPhoto.objects.filter(visit=visit).exclude(purpose=PhotoPurpose.RECEIPT.value):
        url = f"{ASSET_SCHEME}photo/{photo.client_id}"
        assets[url] = (bytes(photo.content), photo.content_type or "image/jpeg")
        photos.append({"photo": photo, "url": url})
    signatures = []
    for signature in Signature.objects.filter(visit=visit):
        url = f"{ASSET_SCHEME}signature/{signature.client_id}"
        assets[url] = (bytes(signature.image), "image/png")
        signatures.append(
            {"signature": signature, "url": url, "earlier": signature.report_sha256 != final_sha256}
        )
    with translation.override(language):
        results = ChecklistResult.objects.filter(visit=visit).select_related("item", "item__template")
        checks = [
            {
                "label": checklists.label(result.item, language),
                "answer": _answer(result, language),
                "passed": result.passed,
            }
            for result in sorted(results, key=lambda r: (r.item.template.code, r.item.position))
        ]
        parts = [
            {
                "reference": line.part.reference,
                "name": line.part.name_fr if language.startswith("fr") else line.part.name_en,
                "quantity": _quantity(line.quantity, language),
                "unit": line.part.unit,
                "serials": ", ".join(sorted(line.serials)),
            }
            for line in PartUsed.objects.filter(visit=visit, removed_at__isnull=True).select_related("part")
        ]
        times = [
            {"entry": entry, "label": _time_label(entry.kind)}
            for entry in TimeEntry.objects.filter(visit=visit).select_related("technician")
        ]
        changes = [
            {"change": change, "label": _status_label(change.new)}
            for change in StatusChange.objects.filter(visit=visit).order_by("at", "id")
        ]
        obj = order.service_object
        context = {
            "language": language,
            "order": order,
            "visit": visit,
            "customer": order.customer,
            "site": order.site,
            "zone": order.site.timezone,
            "object": obj,
            "model": obj.equipment_model if obj is not None else None,
            "contact": order.contact,
            "technician": visit.technician,
            "changes": changes,
            "times": times,
            "minutes": sum(entry.minutes for entry in TimeEntry.objects.filter(visit=visit)),
            "parts": parts,
            "checks": checks,
            "photos": photos,
            "notes": list(VisitNote.objects.filter(visit=visit)),
            "signatures": signatures,
            "report_sha256": final_sha256,
        }
        html = render_to_string("workorders/report.html", context)
    return ReportDocument(html, assets)
