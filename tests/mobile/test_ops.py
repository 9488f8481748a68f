"""Every operation of the sync endpoint calls its workorders service once: time, expenses, parts
(by id or by a scanned label, removed), checklist answers (edited with If-Match), notes, follow-up,
the customer's signature (a changed report is a conflict, the signature kept) and completion; and the
photo upload (raw JPEG, idempotent, 413 from the Content-Length without reading the body, kept with a
conflict on a visit reassigned)."""

from __future__ import annotations

import base64
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.api_support import db_state, problem
from tests.conftest import SYSTEM
from tests.mobile.conftest import Field
from tests.mobile.support import send
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11
from tournevis.mobile.models import Conflict
from tournevis.workorders import checklists, report, services_visits
from tournevis.workorders import services as workorder_services
from tournevis.workorders.models import (
    ChecklistResult,
    Expense,
    PartUsed,
    Signature,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
)

CHECK = {"label_en": "Belts cleaned", "label_fr": "Courroies nettoyées", "kind": "check", "required": True}
VOLTAGE = {
    "label_en": "Mains voltage",
    "label_fr": "Tension",
    "kind": "number",
    "minimum": "207",
    "maximum": 253,
}


def png() -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (290, 70)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def on_site(field: Field) -> int:
    """Check in through the sync endpoint; the next sequence number."""
    assert send(field.client, field.device, 1, "visit.check_in", field.visit).json()["result"] == "applied"
    return 2


def put_photo(
    field: Field, client_id: uuid.UUID, content: bytes, query: str = "?purpose=visit", **extra: Any
) -> Any:
    return field.client.generic(
        "PUT",
        f"/api/v1/mobile/visits/{field.visit.pk}/photos/{client_id}{query}",
        content,
        content_type="image/jpeg",
        headers={"X-Device-Id": str(field.device.client_id)},
        **extra,
    )


def test_time_expense_note_and_follow_up(field: Field) -> None:
    seq = on_site(field)
    time = send(
        field.client,
        field.device,
        seq,
        "time.add",
        field.visit,
        {"kind": "work", "started_at": "2026-03-10T08:25:00+01:00", "ended_at": "2026-03-10T09:10:00+01:00"},
    )
    expense = send(
        field.client, field.device, seq + 1, "expense.add", field.visit, {"kind": "toll", "amount_minor": 740}
    )
    note = send(
        field.client, field.device, seq + 2, "note.add", field.visit, {"text": "Belt worn to the weft"}
    )
    follow = send(
        field.client,
        field.device,
        seq + 3,
        "visit.follow_up",
        field.visit,
        {"needed": True, "reason": "Order a spare roller"},
        if_match='"4"',
    )

    assert time.json()["record"] == {
        "client_id": time.key,
        "kind": "work",
        "started_at": "2026-03-10T07:25:00+00:00",
        "ended_at": "2026-03-10T08:10:00+00:00",
        "minutes": 45,
        "note": "",
    }
    assert expense.json()["record"] == {
        "client_id": expense.key,
        "kind": "toll",
        "amount_minor": 740,
        "currency": "EUR",
        "distance_km": None,
        "receipt": None,
        "spent_on": "2026-03-10",
        "note": "",
    }
    assert note.json()["record"]["text"] == "Belt worn to the weft"
    assert follow.json()["visit"] == {"id": field.visit.pk, "version": 5, "status": "on_site"}
    assert TimeEntry.objects.get().client_id == uuid.UUID(time.key)
    assert Expense.objects.get().client_id == uuid.UUID(expense.key)
    assert VisitNote.objects.get().client_id == uuid.UUID(note.key)
    field.visit.refresh_from_db()
    assert (field.visit.follow_up_needed, field.visit.follow_up_reason) == (True, "Order a spare roller")


def test_a_follow_up_on_a_stale_version_is_a_conflict(field: Field) -> None:
    seq = on_site(field)  # the check-in made it version 4

    response = send(
        field.client,
        field.device,
        seq,
        "visit.follow_up",
        field.visit,
        {"needed": True, "reason": "x"},
        if_match='"3"',
    )

    assert response.json()["conflict"]["reason"] == "version_changed"
    assert response.json()["conflict"]["message"] == (
        "This record changed since you read it (version 3, now 4)."
    )
    field.visit.refresh_from_db()
    assert field.visit.follow_up_needed is False


def test_parts_by_id_and_by_scanned_label_then_removed(field: Field) -> None:
    seq = on_site(field)
    by_id = send(
        field.client, field.device, seq, "part.use", field.visit, {"part_id": field.belt.pk, "quantity": 2}
    )
    scanned = send(
        field.client,
        field.device,
        seq + 1,
        "part.use",
        field.visit,
        {"code": "GL-ROLL-9", "quantity": 1, "serials": ["R-1"]},
    )
    removed = send(field.client, field.device, seq + 2, "part.remove", field.visit, {"client_id": by_id.key})

    assert by_id.json()["record"] == {
        "client_id": by_id.key,
        "part_id": field.belt.pk,
        "reference": "BELT-220",
        "name": "Feeder belt",
        "quantity": "2",
        "serials": [],
        "scanned_code": "",
        "removed": False,
        "consumed": False,
    }
    assert (scanned.json()["record"]["reference"], scanned.json()["record"]["scanned_code"]) == (
        "ROLL-9",
        "GL-ROLL-9",
    )
    assert removed.json()["record"]["removed"] is True
    rows = PartUsed.objects.order_by("id").values_list("part__reference", "quantity", "serials", "removed_at")
    assert [(ref, q, serials, removed is not None) for ref, q, serials, removed in rows] == [
        ("BELT-220", Decimal("2.000"), [], True),
        ("ROLL-9", Decimal("1.000"), ["R-1"], False),
    ]


def test_a_checklist_answer_and_its_edit_with_if_match(field: Field) -> None:
    template = checklists.create_template(
        SYSTEM, {"code": "counter", "name_en": "Counter", "items": [CHECK, VOLTAGE]}
    )
    check, voltage = template.items.order_by("position")
    seq = on_site(field)

    first = send(
        field.client,
        field.device,
        seq,
        "checklist.set",
        field.visit,
        {"item_id": voltage.pk, "value": "230.5"},
    )
    edit = send(
        field.client,
        field.device,
        seq + 1,
        "checklist.set",
        field.visit,
        {"item_id": voltage.pk, "value": 260},
        if_match='"1"',
    )
    stale = send(
        field.client,
        field.device,
        seq + 2,
        "checklist.set",
        field.visit,
        {"item_id": voltage.pk, "value": 231},
        if_match='"1"',
    )
    bad = send(
        field.client,
        field.device,
        seq + 3,
        "checklist.set",
        field.visit,
        {"item_id": check.pk, "value": "yes"},
    )

    assert first.json()["record"] == {
        "item_id": voltage.pk,
        "value": "230.5",
        "passed": True,
        "version": 1,
        "photo": None,
    }
    assert edit.json()["record"] == {
        "item_id": voltage.pk,
        "value": "260",
        "passed": False,
        "version": 2,
        "photo": None,
    }
    assert stale.json()["conflict"]["reason"] == "version_changed"
    assert (problem(bad, 422)["errors"][0]["field"], bad.json()["result"]) == ("value", "rejected")
    assert list(ChecklistResult.objects.values_list("item_id", "value", "version")) == [
        (voltage.pk, "260", 2)
    ]


def test_a_signature_of_the_report_the_server_holds_is_applied(field: Field) -> None:
    seq = on_site(field)
    visit = Visit.objects.get(pk=field.visit.pk)
    digest = report.report_sha256(report.report_content(visit, True, "Belt replaced"))
    image = "data:image/png;base64," + base64.b64encode(png()).decode()

    response = send(
        field.client,
        field.device,
        seq,
        "signature.add",
        field.visit,
        {
            "signer_name": "Marie Dupont",
            "image": image,
            "report_sha256": digest,
            "fixed": True,
            "outcome": "Belt replaced",
        },
    )

    assert response.json()["result"] == "applied"
    assert response.json()["record"] == {
        "client_id": response.key,
        "signer_name": "Marie Dupont",
        "report_sha256": digest,
        "signed_at": "2026-03-10T07:29:00+00:00",
    }
    assert Conflict.objects.count() == 0


def test_a_signature_for_a_report_that_changed_is_kept_with_a_conflict(field: Field) -> None:
    seq = on_site(field)
    visit = Visit.objects.get(pk=field.visit.pk)
    signed_for = report.report_sha256(report.report_content(visit, True, "Belt replaced"))
    # the office adds a note the device had not seen when the customer signed
    send(field.client, field.device, seq, "note.add", field.visit, {"text": "Second belt fitted"})
    image = "data:image/png;base64," + base64.b64encode(png()).decode()

    response = send(
        field.client,
        field.device,
        seq + 1,
        "signature.add",
        field.visit,
        {
            "signer_name": "Marie Dupont",
            "image": image,
            "report_sha256": signed_for,
            "fixed": True,
            "outcome": "Belt replaced",
        },
    )

    body = response.json()
    assert (body["result"], body["conflict"]["reason"]) == ("conflict", "report_changed")
    assert body["conflict"]["message"] == (
        "The report changed after it was signed: the signature is kept, for the earlier version."
    )
    assert body["record"]["report_sha256"] == signed_for
    assert Signature.objects.get().client_id == uuid.UUID(response.key)
    assert Conflict.objects.get().reason == "report_changed"


def test_a_signature_image_that_is_not_a_png_data_url_is_rejected(field: Field) -> None:
    seq = on_site(field)
    data = {
        "signer_name": "M",
        "image": "data:image/gif;base64,R0lG",
        "report_sha256": "0" * 64,
        "fixed": True,
    }

    response = send(field.client, field.device, seq, "signature.add", field.visit, data)

    assert problem(response, 422)["errors"][0]["field"] == "data.image"
    assert Signature.objects.count() == 0


def test_completion_through_the_sync_endpoint(field: Field) -> None:
    seq = on_site(field)

    response = send(
        field.client,
        field.device,
        seq,
        "visit.complete",
        field.visit,
        {"fixed": True, "outcome": "Belt replaced"},
    )

    assert response.json()["visit"] == {"id": field.visit.pk, "version": 5, "status": "completed"}
    field.visit.refresh_from_db()
    field.order.refresh_from_db()
    assert (field.visit.fixed, field.visit.outcome, field.order.status) == (
        True,
        "Belt replaced",
        "completed",
    )


def test_completion_with_a_required_item_missing_is_a_conflict(field: Field) -> None:
    checklists.create_template(SYSTEM, {"code": "counter", "name_en": "Counter", "items": [CHECK]})
    seq = on_site(field)

    response = send(
        field.client, field.device, seq, "visit.complete", field.visit, {"fixed": True, "outcome": "Done"}
    )

    assert response.json()["conflict"]["reason"] == "not_allowed"
    field.visit.refresh_from_db()
    assert field.visit.status == "on_site"


# --- Photos ----------------------------------------------------------------------------------------


def test_a_photo_is_uploaded_once_whatever_the_retries(field: Field) -> None:
    on_site(field)
    client_id = uuid.uuid4()
    content = jpeg()

    first = put_photo(
        field, client_id, content, "?purpose=visit&caption=Worn%20belt&taken_at=2026-03-10T08:20:00%2B01:00"
    )
    again = put_photo(field, client_id, content, "?purpose=visit&caption=Worn%20belt")
    other = put_photo(field, client_id, jpeg((10, 200, 10)))

    assert first.status_code == 200, first.content
    assert first.json() == {
        "result": "applied",
        "client_id": str(client_id),
        "visit": {"id": field.visit.pk, "version": 4, "status": "on_site"},
        "photo": {
            "client_id": str(client_id),
            "purpose": "visit",
            "caption": "Worn belt",
            "taken_at": "2026-03-10T07:20:00+00:00",
            "url": f"/workorders/{field.order.pk}/visits/{field.visit.pk}/photos/{client_id}.jpg",
        },
    }
    assert again.json() == first.json()
    assert problem(other, 422)["errors"][0]["field"] == "client_id"
    assert VisitPhoto.objects.count() == 1


class _Unreadable:
    """A request body that must not be read."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def test_a_40_mb_photo_is_refused_from_its_content_length_without_being_read(field: Field) -> None:
    on_site(field)
    before = db_state()

    response = field.client.generic(
        "PUT",
        f"/api/v1/mobile/visits/{field.visit.pk}/photos/{uuid.uuid4()}",
        b"",
        content_type="image/jpeg",
        headers={"X-Device-Id": str(field.device.client_id)},
        CONTENT_LENGTH=str(40 * 1024 * 1024),
        **{"wsgi.input": _Unreadable()},
    )

    body = problem(response, 413)
    assert body["errors"] == [{"field": "photo", "message": "A photo may be at most 15 MB."}]
    assert db_state() == before


def test_a_40_mb_body_sent_whole_is_refused_too(field: Field) -> None:
    on_site(field)

    response = put_photo(field, uuid.uuid4(), b"\xff" * (40 * 1024 * 1024))

    assert problem(response, 413)["errors"][0]["field"] == "photo"
    assert VisitPhoto.objects.count() == 0


def test_a_photo_of_a_visit_reassigned_is_kept_with_one_conflict(field: Field) -> None:
    # the dispatcher gave the visit to Marc (and dispatched it) while Léa's phone was offline
    services_visits.unschedule_visit(SYSTEM, field.visit.pk)
    workorder_services.plan_visit(SYSTEM, field.order.pk, field.crew.marc.pk, TUESDAY_9, TUESDAY_11)
    services_visits.dispatch_visit(SYSTEM, field.visit.pk)
    client_id = uuid.uuid4()

    first = put_photo(field, client_id, jpeg())
    again = put_photo(field, client_id, jpeg())

    assert (first.json()["result"], first.json()["conflict"]["reason"]) == ("conflict", "visit_reassigned")
    assert again.json() == first.json()
    assert VisitPhoto.objects.get().client_id == client_id
    conflict = Conflict.objects.get()
    assert (conflict.operation, conflict.payload["client_id"], conflict.payload["stored"]) == (
        None,
        str(client_id),
        True,
    )


def test_a_photo_of_a_cancelled_visit_is_refused_with_a_conflict(field: Field) -> None:
    services_visits.cancel_visit(SYSTEM, field.visit.pk, "Customer closed")

    response = put_photo(field, uuid.uuid4(), jpeg())

    assert response.json()["conflict"]["reason"] == "visit_cancelled"
    assert "photo" not in response.json()
    assert VisitPhoto.objects.count() == 0


@pytest.mark.parametrize("content", [b"", b"not a picture"], ids=["empty", "not-an-image"])
def test_a_photo_that_is_no_picture_is_refused(field: Field, content: bytes) -> None:
    on_site(field)

    response = put_photo(field, uuid.uuid4(), content)

    assert problem(response, 422)["errors"][0]["field"] == "photo"


def test_a_caption_with_a_nul_character_is_refused(field: Field) -> None:
    on_site(field)

    response = put_photo(field, uuid.uuid4(), jpeg(), "?caption=a%00b")

    assert problem(response, 422)["errors"][0]["field"] == "caption"
    assert VisitPhoto.objects.count() == 0
