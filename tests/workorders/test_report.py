# ruff: noqa: F811 (the stockroom and smtp fixtures are imported, then asked for by name)
"""The service report (``workorders.report``): built once per completed visit by the worker's step, in
the customer's language, stored, on the equipment's history, e-mailed with the PDF attached; the
deny-all fetcher; the download page and API for who may see the visit."""

from __future__ import annotations

import hashlib
import re
import threading
import zlib
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import PASSWORD, SYSTEM, World, api_client
from tests.notifications.conftest import smtp  # noqa: F401 (a fixture)
from tests.stock.conftest import Stockroom, stockroom  # noqa: F401 (a fixture)
from tests.workorders.completion_support import ARRIVED, DONE, jpeg, on_site, png, uid
from tournevis.core import clock
from tournevis.core.errors import Conflict
from tournevis.identity.domain import Role
from tournevis.installed_base.models import HistoryEntry
from tournevis.notifications import services as outbox
from tournevis.notifications.models import OutboundEmail
from tournevis.workorders import checklists, completion, records, report, report_pdf
from tournevis.workorders.domain_records import report_sha256
from tournevis.workorders.models import ServiceReport, Visit, WorkOrder

LATER = DONE + timedelta(minutes=10)


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (the metadata lives in object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _recorded_visit(world: World, stockroom: Stockroom, *, sign: bool = True) -> tuple[WorkOrder, Visit]:
    """A visit with one record of each kind, signed for its final content, completed fixed at 10:35."""
    template = checklists.create_template(
        SYSTEM,
        {
            "code": "counter",
            "name_en": "Counter",
            "name_fr": "Compteuse",
            "items": [
                {
                    "label_en": "Belt tension checked",
                    "label_fr": "Tension de courroie vérifiée",
                    "kind": "check",
                },
                {
                    "label_en": "Notes counted",
                    "label_fr": "Billets comptés",
                    "kind": "number",
                    "minimum": "100",
                    "maximum": "300",
                    "unit": "notes",
                },
            ],
        },
    )
    check, number = template.items.order_by("position")
    order, visit = on_site(world, stockroom)
    records.add_time_entry(
        SYSTEM, visit.pk, client_id=uid(1), kind="work", started_at=ARRIVED, ended_at=DONE, note="Belt"
    )
    records.use_part(SYSTEM, visit.pk, client_id=uid(2), part_id=stockroom.belt.pk, quantity=1, at=ARRIVED)
    records.store_photo(
        SYSTEM, visit.pk, client_id=uid(3), content=jpeg(), caption="Old belt", taken_at=ARRIVED
    )
    records.store_photo(
        SYSTEM,
        visit.pk,
        client_id=uid(4),
        content=jpeg(colour=(0, 0, 200)),
        purpose="receipt",
        taken_at=ARRIVED,
    )
    records.set_checklist_result(SYSTEM, visit.pk, item_id=check.pk, value=True)
    records.set_checklist_result(SYSTEM, visit.pk, item_id=number.pk, value="230.5")
    records.add_note(SYSTEM, visit.pk, client_id=uid(5), text="Customer present", at=ARRIVED)
    visit.refresh_from_db()
    if sign:
        digest = report_sha256(report.report_content(visit, True, "Belt replaced"))
        completion.add_signature(
            SYSTEM,
            visit.pk,
            client_id=uid(6),
            signer_name="Jeanne Client",
            image_png=png(),
            report_sha256=digest,
            fixed=True,
            outcome="Belt replaced",
            at=DONE,
        )
    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Belt replaced", at=DONE)
    visit.refresh_from_db()
    return order, visit


def test_report_content_lists_every_record_but_receipts(world: World, stockroom: Stockroom) -> None:
    _order, visit = _recorded_visit(world, stockroom)
    check, number = (item.pk for item in checklists.items_for(visit))

    content = report.report_content(visit)

    from tournevis.workorders.domain_records import report_lines

    assert report_lines(content) == sorted(
        [
            f"visit|{visit.pk}",
            "time|work|2026-03-10T08:05:00Z|2026-03-10T09:35:00Z",
            "part|BELT|1|",
            f"check|{check}|yes",
            f"check|{number}|230.5",
            f"photo|{uid(3)}",
            f"note|{uid(5)}",
            "outcome|fixed|Belt replaced",
        ],
        key=str.encode,
    )


def test_the_tick_builds_each_report_once_stores_it_and_mails_it(
    world: World,
    stockroom: Stockroom,
    smtp,
) -> None:
    world.a.contact.language = "en"  # the PDF in the customer's French, the e-mail in the contact's English
    world.a.contact.save(update_fields=["language"])
    order, visit = _recorded_visit(world, stockroom)

    with clock.frozen(LATER):
        assert report.build_pending(SYSTEM, LATER) == {
            "service_reports_built": 1,
            "service_reports_failed": 0,
        }
        assert report.build_pending(SYSTEM, LATER) == {
            "service_reports_built": 0,
            "service_reports_failed": 0,
        }
        assert report.build_report(SYSTEM, visit.pk).pk == ServiceReport.objects.get().pk

    row = ServiceReport.objects.get()
    pdf = bytes(row.pdf)
    final = report_sha256(report.report_content(visit))
    assert (row.visit_id, row.language, row.size, row.sha256, row.report_sha256, row.generated_at) == (
        visit.pk,
        "fr",
        len(pdf),
        hashlib.sha256(pdf).hexdigest(),
        final,
        LATER,
    )
    assert pdf.startswith(b"%PDF-1.7")
    metadata = pdf_objects(pdf)
    assert b"/Lang (fr)" in metadata
    with translation.override("fr"):  # the catalogue's French once merged, English until then
        title = gettext("Service report %(number)s, visit %(visit)s") % {"number": order.number, "visit": 1}
    assert f"/Title ({title})".encode() in metadata
    # On the counter's history, pointing at the report
    entry = HistoryEntry.objects.get(service_object=world.a.machine, kind="report")
    assert (entry.summary, entry.ref_type, entry.ref_id, entry.at, entry.actor_label) == (
        f"{order.number} #1: {order.number}-1.pdf",
        "workorders.servicereport",
        str(row.pk),
        LATER,
        SYSTEM.label,
    )
    # Mailed to the work order's contact, in the contact's language, the PDF attached
    mail = OutboundEmail.objects.get(purpose="workorder.service_report")
    assert (row.email_id, mail.to, mail.language, mail.subject, mail.subject_ref) == (
        mail.pk,
        "c@alpha.example",
        "en",
        f"Service report {order.number}, visit 1",
        f"workorder:{order.pk}",
    )
    assert mail.body == (
        "Hello,\n\nPlease find attached the service report of the visit of 10 March 2026 at Alpha HQ "
        f"(work order {order.number}, visit 1: Replace the feeder belt).\n\nProblem fixed.\n"
    )
    assert [(a.filename, a.content_type, bytes(a.content)) for a in mail.attachments.all()] == [
        (f"{order.number}-1.pdf", "application/pdf", pdf)
    ]
    with clock.frozen(LATER):
        outbox.deliver_outbox()
    sent = [m for m in smtp.messages if m["Subject"] == mail.subject]
    assert len(sent) == 1
    files = [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in sent[0].walk()
    ]
    assert (f"{order.number}-1.pdf", "application/pdf", pdf) in files


def test_the_report_speaks_the_customers_language(world: World, stockroom: Stockroom) -> None:
    order, visit = _recorded_visit(world, stockroom)
    final = report_sha256(report.report_content(visit))

    french = report_pdf.document(visit, order, "fr", final)
    english = report_pdf.document(visit, order, "en", final)

    assert '<html lang="fr">' in french.html
    for text in (
        "Technicien",
        "Client",
        "Sur site",
        "Terminée",
        "Quantité",
        "Courroie d&#x27;alimentation",
        "Tension de courroie vérifiée",
        "230,5\xa0notes",
        "10/03/2026 09:05",  # the site's time, French format
        "Conforme",
    ):
        assert text in french.html, text
    for text in ("Technician", "Customer", "On site", "Feed belt", "Belt tension checked", "230.5\xa0notes"):
        assert text in english.html, text
    # Photos and the signature are our own assets; the receipt photo is not in the report
    assert sorted(french.assets) == [
        f"tournevis-asset:photo/{uid(3)}",
        f"tournevis-asset:signature/{uid(6)}",
    ]
    assert "earlier version" not in english.html


def test_a_signature_given_for_other_content_is_flagged_in_the_report(
    world: World, stockroom: Stockroom
) -> None:
    order, visit = on_site(world, stockroom)
    completion.add_signature(
        SYSTEM,
        visit.pk,
        client_id=uid(6),
        signer_name="Jeanne Client",
        image_png=png(),
        report_sha256="0" * 64,
        fixed=True,
        outcome="Done",
        at=DONE,
    )
    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done", at=DONE)
    visit.refresh_from_db()

    doc = report_pdf.document(visit, order, "en", report_sha256(report.report_content(visit)))

    assert "Signed by Jeanne Client on 10/03/2026 10:35</p>" in doc.html
    assert "Signed for an earlier version of this report: it changed after the signature." in doc.html


def test_an_open_visit_has_no_report_and_old_ones_are_not_rebuilt(world: World, stockroom: Stockroom) -> None:
    _order, visit = on_site(world, stockroom)
    with pytest.raises(Conflict) as refused:
        report.build_report(SYSTEM, visit.pk)
    assert (refused.value.field, refused.value.text()) == (
        "status",
        "A visit that is on_site has no service report yet.",
    )
    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done", at=DONE)
    # Completed more than WORKORDERS_REPORT_DAYS (7) ago: the tick leaves it (no mail about old visits)
    eight_days = DONE + timedelta(days=8)
    assert report.pending(eight_days) == []
    assert report.pending(DONE + timedelta(days=6)) == [visit.pk]


# --- Nothing is fetched ------------------------------------------------------------------------------


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(png(4, 4))

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Counter,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_the_fetcher_serves_our_assets_and_refuses_every_other_url(
    web_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, hits = web_server
    local = tmp_path / "secret.png"
    local.write_bytes(png(8, 8))
    data_url = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAA"
        "AABJRU5ErkJggg=="
    )
    html = (
        "<html><head>"
        f'<link rel="stylesheet" href="{base}/style.css">'
        f"<style>@import url('{base}/imported.css'); body {{ background: url('{base}/bg.png'); }}</style>"
        "</head><body>"
        '<img src="tournevis-asset:photo/1">'
        f'<img src="{base}/remote.png">'
        f'<img src="{local.as_uri()}">'
        f'<img src="{data_url}">'
        '<img src="tournevis-asset:photo/unknown">'
        "</body></html>"
    )
    fetcher = report_pdf.AssetFetcher({"tournevis-asset:photo/1": (jpeg(32, 32), "image/jpeg")})

    pdf = report_pdf.render_pdf(html, fetcher)

    assert pdf.startswith(b"%PDF-")
    assert hits == []  # the local web server was never called
    assert fetcher.served == ["tournevis-asset:photo/1"]
    assert sorted(fetcher.refused) == sorted(
        [
            f"{base}/style.css",
            f"{base}/imported.css",
            f"{base}/bg.png",
            f"{base}/remote.png",
            local.as_uri(),
            data_url,
            "tournevis-asset:photo/unknown",
        ]
    )


def test_text_typed_on_a_visit_cannot_make_the_report_fetch_anything(
    world: World, stockroom: Stockroom, web_server: tuple[str, list[str]]
) -> None:
    base, hits = web_server
    order, visit = on_site(world, stockroom)
    records.add_note(
        SYSTEM,
        visit.pk,
        client_id=uid(5),
        text=f'<img src="{base}/note.png"><link rel=stylesheet href="{base}/x.css">',
    )
    completion.complete(SYSTEM, visit.pk, fixed=True, outcome=f"<img src='{base}/outcome.png'>", at=DONE)

    row = report.build_report(SYSTEM, visit.pk)

    assert hits == []
    doc = report_pdf.document(visit, order, "fr", row.report_sha256)
    assert f"&lt;img src=&quot;{base}/note.png&quot;&gt;" in doc.html


# --- Download -----------------------------------------------------------------------------------------


def _login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_staff_the_technician_and_the_customer_download_the_report(
    world: World, stockroom: Stockroom
) -> None:
    order, visit = on_site(world, stockroom)
    completion.complete(SYSTEM, visit.pk, fixed=True, outcome="Done", at=DONE)
    page = f"/workorders/{order.pk}/visits/{visit.pk}/report.pdf"
    api = f"/api/v1/workorders/{order.pk}/visits/{visit.pk}/report.pdf"
    assert _login(world.staff[Role.MANAGER]).get(page).status_code == 404  # not built yet
    assert (
        'id="report-1"'
        not in _login(world.staff[Role.MANAGER]).get(f"/workorders/{order.pk}/").content.decode()
    )
    row = report.build_report(SYSTEM, visit.pk)
    pdf = bytes(row.pdf)

    for user in (world.staff[Role.MANAGER], world.staff[Role.TECHNICIAN], world.a.user):
        response = _login(user).get(page)
        assert (response.status_code, response["Content-Type"], response.content) == (
            200,
            "application/pdf",
            pdf,
        )
        assert response["Content-Disposition"] == f'inline; filename="{order.number}-1.pdf"'
        via_api = api_client(user).get(api)
        assert (via_api.status_code, via_api.content) == (200, pdf)
    # Another customer's user: 404, never 403; a visit of another work order: 404
    assert _login(world.b.user).get(page).status_code == 404
    assert api_client(world.b.user).get(api).status_code == 404
    assert (
        api_client(world.staff[Role.MANAGER])
        .get(f"/api/v1/workorders/{order.pk + 1000}/visits/{visit.pk}/report.pdf")
        .status_code
        == 404
    )
    # The work-order page links it
    html = _login(world.staff[Role.MANAGER]).get(f"/workorders/{order.pk}/").content.decode()
    assert f'href="{page}" class="service-report" id="report-1"' in html
