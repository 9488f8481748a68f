"""The technician app offline, in a phone-sized chromium with its service worker: Léa signs in, the
network goes, she does the whole visit (check-in, checklist, a part scanned from a Code 128 label,
time, a parking expense with its receipt, a note, a photo, the customer's signature, completion),
reloads the app without network and finds it all there, then the network comes back: the server
holds every record exactly once, the signature vouches for the server's report content, and the
report is built."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import barcode
import pytest
from barcode.writer import ImageWriter
from PIL import Image

from tests.conftest import SYSTEM
from tests.e2e.mobile_support import (
    build_mobile_world,
    new_phone,
    pending,
    sign_in,
    wait_controlled,
    wait_synced,
)
from tournevis.core import clock
from tournevis.mobile.models import Conflict, Device, Operation
from tournevis.workorders import report
from tournevis.workorders.domain_records import report_sha256
from tournevis.workorders.models import (
    ChecklistResult,
    Expense,
    PartUsed,
    ServiceReport,
    Signature,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
)

pytestmark = pytest.mark.browser


def code128_png(tmp_path: Path, text: str) -> Path:
    """A printed-label picture: ``text`` as a Code 128 barcode (python-barcode)."""
    path = tmp_path / f"label-{len(list(tmp_path.iterdir()))}.png"  # a new file: the input's change fires
    buffer = io.BytesIO()
    barcode.get("code128", text, writer=ImageWriter()).write(buffer, options={"module_width": 0.4})
    path.write_bytes(buffer.getvalue())
    return path


def camera_jpeg(tmp_path: Path) -> Path:
    """A 3000 x 2000 camera picture (the app brings it down to 1600 px before it leaves the phone)."""
    path = tmp_path / "photo.jpg"
    image = Image.new("RGB", (3000, 2000), (30, 120, 200))
    for x in range(0, 3000, 100):
        image.paste((240, 200, 20), (x, 0, x + 40, 2000))
    image.save(path, "JPEG", quality=90)
    return path


def draw_signature(page) -> None:
    box = page.locator("#signature").bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 25, y + (25 if step % 2 else -25), steps=3)
    page.mouse.up()


@pytest.mark.django_db(transaction=True)
def test_a_whole_visit_offline_then_synced_once(browser, live_server, tmp_path: Path) -> None:
    # Given Léa's phone signed in, the app's files cached by the worker and her day synced
    w = build_mobile_world()
    context = new_phone(browser, live_server.url)
    page = context.new_page()
    sign_in(page)
    wait_controlled(page)
    wait_synced(page)
    assert page.locator("#pending").inner_text() == "All changes sent"
    device = Device.objects.get(user__username="technician-user")

    # When the network goes and she does the whole visit
    context.set_offline(True)
    page.click(f"a[data-visit='{w.visit.pk}']")
    page.click("#step-check-in")
    page.wait_for_selector("#visit-status:has-text('On site')")
    assert page.locator("#pending").inner_text() == "1 change waiting"
    # She checks the equipment's label: another label first, then the right one (decoded offline)
    machine = w.visit.work_order.service_object
    page.set_input_files("#object-scan", str(code128_png(tmp_path, "GL-100-BLT")))
    page.wait_for_selector("#object-check.bad")
    assert page.locator("#object-check").inner_text() == (
        f"✗ The label GL-100-BLT is not this visit's equipment ({machine.name})."
    )
    page.set_input_files("#object-scan", str(code128_png(tmp_path, machine.serial_number)))
    page.wait_for_selector("#object-check.ok")
    assert page.locator("#object-check").inner_text() == f"✓ The label matches {machine.name}."

    page.click("#menu-checklist")
    page.click(f"#item-{w.items['power'].pk} button:has-text('Yes')")
    page.wait_for_selector(f"#item-{w.items['power'].pk} .answer:has-text('Yes')")
    page.fill(f"#item-{w.items['voltage'].pk}-value", "230,0")
    page.click(f"#item-{w.items['voltage'].pk} button[type=submit]")
    page.wait_for_selector(f"#item-{w.items['voltage'].pk} .answer:has-text('230 V')")
    page.click(".back")

    page.click("#menu-parts")
    page.set_input_files("#part-scan", str(code128_png(tmp_path, "GL-100-BLT")))  # the belt's maker reference
    page.wait_for_selector("#part-found:has-text('BELT — Feed belt')")
    page.click("#part-add")
    page.wait_for_selector("#parts-used li:has-text('1 \u00d7 BELT')")
    page.click(".back")

    page.click("#menu-time")
    page.fill("#time-from", "00:05")
    page.fill("#time-to", "00:50")
    page.click("#time-add")
    page.wait_for_selector("#time li:has-text('Work')")
    page.click(".back")

    page.click("#menu-expenses")
    page.select_option("#expense-kind", "parking")
    page.fill("#expense-amount", "4,50")
    page.set_input_files("#expense-receipt", str(camera_jpeg(tmp_path)))
    page.click("#expense-add")
    page.wait_for_selector("#expenses li:has-text('Parking')")
    page.click(".back")

    page.click("#menu-notes")
    page.fill("#note-text", "Belt worn through; replaced.")
    page.click("#note-add")
    page.wait_for_selector("#notes li:has-text('Belt worn through')")
    page.click(".back")

    page.click("#menu-photos")
    page.fill("#photo-caption", "New belt")
    page.set_input_files("#photo-input", str(camera_jpeg(tmp_path)))
    page.wait_for_selector("#photo-grid img[src^='blob:']")
    page.click(".back")

    page.click("#menu-finish")
    page.fill("#outcome", "Feeder belt replaced")
    page.fill("#signer-name", "Anne Client")
    draw_signature(page)
    page.click("#complete")
    page.wait_for_selector("#visit-status:has-text('Completed')")
    waiting = pending(page)
    # check-in, 2 answers, part, time, receipt (its upload), expense, note, photo (its upload),
    # signature, completion
    assert waiting == 11
    assert Visit.objects.get(pk=w.visit.pk).status == "dispatched"  # nothing reached the server

    # And reloads the app without network: the worker serves it, the outbox and the records are there
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert pending(page) == waiting
    page.goto(f"/m/#/visit/{w.visit.pk}")
    page.wait_for_selector("#visit-status:has-text('Completed')")
    assert page.locator("#net").get_attribute("data-state") == "offline"

    # And logging out now first warns that the changes would be lost (nothing is wiped yet)
    page.click("#tab-account")
    page.click("#logout")
    page.wait_for_selector("#logout-warning:not([hidden])")
    assert page.locator("#logout-warning").inner_text() == (
        "11 changes have not reached the server yet. "
        "Logging out now deletes them from this phone: sync first."
    )
    assert page.url.endswith("/m/#/account") and pending(page) == waiting

    # Then the network comes back: everything is sent, in order, once
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    visit = Visit.objects.get(pk=w.visit.pk)
    assert (visit.status, visit.fixed, visit.outcome) == ("completed", True, "Feeder belt replaced")
    results = {r.item_id: (r.value, r.passed) for r in ChecklistResult.objects.filter(visit=visit)}
    assert results == {w.items["power"].pk: (True, True), w.items["voltage"].pk: ("230", True)}
    part = PartUsed.objects.get(visit=visit)
    assert (part.part.reference, part.quantity, part.removed_at) == ("BELT", Decimal("1"), None)
    assert TimeEntry.objects.filter(visit=visit).count() == 1
    assert list(VisitNote.objects.filter(visit=visit).values_list("text", flat=True)) == [
        "Belt worn through; replaced."
    ]
    photo = VisitPhoto.objects.get(visit=visit, purpose="visit")
    assert (photo.caption, max(photo.width, photo.height)) == ("New belt", 1600)
    expense = Expense.objects.get(visit=visit)
    assert (expense.kind, expense.amount_minor, expense.currency) == ("parking", 450, "EUR")
    assert expense.receipt is not None and expense.receipt.purpose == "receipt"
    signature = Signature.objects.get(visit=visit)
    assert signature.signer_name == "Anne Client"
    assert signature.report_sha256 == report_sha256(report.report_content(visit))
    device.refresh_from_db()
    assert device.last_seq == 9
    assert Operation.objects.filter(device=device).count() == 9
    assert set(Operation.objects.filter(device=device).values_list("outcome", flat=True)) == {"applied"}
    assert Conflict.objects.count() == 0
    assert page.locator("#last-sync").inner_text().startswith("Last sync ")

    # And logging out with nothing waiting wipes the phone: IndexedDB, caches, worker; the device is out
    page.click("#tab-account")
    page.click("#logout")
    page.wait_for_url("**/m/login")
    assert page.evaluate("indexedDB.databases().then(dbs => dbs.map(d => d.name))") == []
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    device.refresh_from_db()
    assert device.revoked_at is not None

    # And the report is built from what the phone sent
    assert report.build_pending(SYSTEM, clock.now()) == {
        "service_reports_built": 1,
        "service_reports_failed": 0,
    }
    built = ServiceReport.objects.get(visit=visit)
    assert built.report_sha256 == signature.report_sha256
    assert bytes(built.pdf[:4]) == b"%PDF"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_sequence_number_the_server_has_seen_is_renumbered(browser, live_server) -> None:
    # Given a phone whose numbering is behind the server's (its outbox was lost: e.g. a reinstall)
    w = build_mobile_world()
    context = new_phone(browser, live_server.url)
    page = context.new_page()
    sign_in(page)
    wait_synced(page)
    Device.objects.filter(user__username="technician-user").update(last_seq=5)

    # When it checks in: its number 1 is refused (409 naming seq, expected 6), it renumbers and resends
    page.click(f"a[data-visit='{w.visit.pk}']")
    page.click("#step-check-in")
    page.wait_for_selector("#visit-status:has-text('On site')")
    wait_synced(page)

    # Then the check-in is applied once, as number 6
    assert Visit.objects.get(pk=w.visit.pk).status == "on_site"
    assert list(Operation.objects.values_list("seq", "name", "outcome")) == [(6, "visit.check_in", "applied")]
    context.close()
