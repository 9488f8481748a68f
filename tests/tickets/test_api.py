"""The tickets API: creation with Idempotency-Key, what a customer sees, attachments (EXIF removed,
served as downloads), the caller lookup, merge / split / link, and bad input."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.api_support import call, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tests.tickets.conftest import MONDAY_10
from tournevis.core import clock
from tournevis.customers import services as customer_services
from tournevis.identity.domain import Role
from tournevis.tickets import services
from tournevis.tickets.models import Attachment, Link, Message, Ticket


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 6), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_create_is_idempotent_and_starts_the_clocks(world, gold):
    client = api_client(world.staff[Role.AGENT])
    body = {"title": "Counter jams", "service_object_id": world.a.machine.pk, "priority": "P1"}
    with clock.frozen(MONDAY_10):
        first = call(client, "POST", "/tickets", body, {"Idempotency-Key": "k-1"})
        again = call(client, "POST", "/tickets", body, {"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1
    created = first.json()
    assert (created["number"], created["channel"], created["coverage"], created["queue"]) == (
        "T-2026-000001",
        "api",
        "site",
        "level1",
    )
    assert [(c["kind"], c["deadline"]) for c in created["clocks"]] == [
        ("response", "2026-03-09T09:30:00Z"),
        ("onsite", "2026-03-09T11:00:00Z"),
        ("resolution", "2026-03-10T08:30:00Z"),
        ("update", "2026-03-09T11:00:00Z"),
    ]
    assert first["ETag"] == '"1"'


def test_a_customer_creates_on_its_own_site_and_never_sees_internal_notes(world):
    customer = api_client(world.a.user)
    response = call(customer, "POST", "/tickets", {"title": "Écran noir", "site_id": world.a.site.pk})
    assert response.status_code == 201
    ticket_id = response.json()["id"]
    assert response.json()["channel"] == "portal"
    agent = api_client(world.staff[Role.AGENT])
    assert (
        call(
            agent, "POST", f"/tickets/{ticket_id}/messages", {"body": "Check fuse", "public": False}
        ).status_code
        == 201
    )
    assert (
        call(agent, "POST", f"/tickets/{ticket_id}/messages", {"body": "We call you at 3 pm"}).status_code
        == 201
    )
    seen = call(customer, "GET", f"/tickets/{ticket_id}/messages").json()
    assert [m["body"] for m in seen] == ["Écran noir", "We call you at 3 pm"]
    staff_view = call(agent, "GET", f"/tickets/{ticket_id}/messages").json()
    assert [m["body"] for m in staff_view] == ["Écran noir", "Check fuse", "We call you at 3 pm"]
    refused = call(customer, "POST", "/tickets", {"title": "x", "site_id": world.b.site.pk})
    assert fields_of(problem(refused, 422)) == ["site_id"]
    other = services.open_ticket(SYSTEM, title="B's", channel="api", site_id=world.b.site.pk)
    problem(call(customer, "GET", f"/tickets/{other.pk}"), 404)


def test_uploaded_photo_loses_its_exif_and_downloads_as_an_attachment(world):
    ticket = services.open_ticket(SYSTEM, title="Jam", channel="api", site_id=world.a.site.pk)
    client = api_client(world.a.user)
    photo = _jpeg_with_gps()
    assert b"PhoneMaker" in photo
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments",
        {"body": "Photo", "files": SimpleUploadedFile("IMG_0001.jpg", photo, "image/jpeg")},
    )
    assert response.status_code == 201, response.content
    stored = Attachment.objects.get()
    assert (stored.filename, stored.content_type) == ("IMG_0001.jpg", "image/jpeg")
    assert b"PhoneMaker" not in bytes(stored.content)
    with Image.open(io.BytesIO(bytes(stored.content))) as image:
        assert (image.size, dict(image.getexif())) == ((8, 6), {})
    download = client.get(f"/api/v1/tickets/{ticket.pk}/attachments/{stored.pk}")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="IMG_0001.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == bytes(stored.content)


def test_a_retried_upload_with_a_key_is_answered_from_the_first_and_another_file_is_refused(world):
    ticket = services.open_ticket(SYSTEM, title="Jam", channel="api", site_id=world.a.site.pk)
    client = api_client(world.a.user)

    def upload(content: bytes):
        return client.post(
            f"/api/v1/tickets/{ticket.pk}/attachments",
            {"body": "Log", "files": SimpleUploadedFile("jam.log", content, "text/plain")},
            headers={"Idempotency-Key": "upload-1"},
        )

    first = upload(b"paper jam at feeder 2")
    assert first.status_code == 201, first.content
    again = upload(b"paper jam at feeder 2")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert Attachment.objects.count() == 1
    other = upload(b"another log")
    assert fields_of(problem(other, 422)) == ["Idempotency-Key"]
    assert Attachment.objects.count() == 1


def test_an_attachment_over_the_limit_is_refused_and_nothing_is_written(world, settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 1000
    ticket = services.open_ticket(SYSTEM, title="Jam", channel="api", site_id=world.a.site.pk)
    client = api_client(world.staff[Role.AGENT])
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments",
        {"body": "Log", "files": SimpleUploadedFile("big.log", b"x" * 1001, "text/plain")},
    )
    body = problem(response, 422)
    assert fields_of(body) == ["attachments"]
    assert body["detail"] == "The attachment big.log is 1001 bytes; the limit is 1000 bytes."
    assert (Message.objects.filter(ticket=ticket).count(), Attachment.objects.count()) == (1, 0)


def test_phone_lookup_finds_the_caller_and_their_open_tickets(world):
    customer_services.update_contact(SYSTEM, world.a.contact.pk, {"phone": "+33 6 12 34 56 78"})
    ticket = services.open_ticket(
        SYSTEM, title="Jam", channel="phone", site_id=world.a.site.pk, contact_id=world.a.contact.pk
    )
    answer = call(api_client(world.staff[Role.AGENT]), "GET", "/tickets/caller?phone=%2B33612345678").json()
    assert answer["phone"] == "+33612345678"
    assert [(c["name"], c["customer"]) for c in answer["contacts"]] == [("Alpha Contact", "Alpha Bank")]
    assert [t["number"] for t in answer["open_tickets"]] == [ticket.number]
    refused = call(api_client(world.staff[Role.AGENT]), "GET", "/tickets/caller?phone=12")
    assert fields_of(problem(refused, 422)) == ["phone"]


def test_merge_moves_the_thread_and_closes_the_duplicate(world):
    keep = services.open_ticket(SYSTEM, title="Jam", channel="api", site_id=world.a.site.pk)
    dup = services.open_ticket(SYSTEM, title="Jam again", channel="email", site_id=world.a.site.pk)
    client = api_client(world.staff[Role.MANAGER])
    response = call(client, "POST", f"/tickets/{dup.pk}/merge", {"into_id": keep.pk})
    assert response.status_code == 200
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == ("closed", keep.pk)
    assert list(Message.objects.filter(ticket=keep).values_list("body", flat=True)) == ["Jam", "Jam again"]
    again = call(client, "POST", f"/tickets/{dup.pk}/merge", {"into_id": keep.pk})
    assert problem(again, 409)["detail"] == f"Ticket {dup.number} was merged into another ticket."
    other = services.open_ticket(SYSTEM, title="B", channel="api", site_id=world.b.site.pk)
    refused = call(client, "POST", f"/tickets/{keep.pk}/merge", {"into_id": other.pk})
    assert fields_of(problem(refused, 422)) == ["into_id"]


def test_split_takes_messages_to_a_new_ticket_and_link_relates_two(world):
    ticket = services.open_ticket(SYSTEM, title="Jam", channel="api", site_id=world.a.site.pk)
    second = services.add_message(SYSTEM, ticket.pk, body="Also the printer", from_customer=True)
    client = api_client(world.staff[Role.AGENT])
    response = call(
        client, "POST", f"/tickets/{ticket.pk}/split", {"message_ids": [second.pk], "title": "Printer"}
    )
    assert response.status_code == 201
    new = Ticket.objects.get(pk=response.json()["id"])
    assert (new.title, new.split_from_id, new.customer_id) == ("Printer", ticket.pk, world.a.customer.pk)
    assert list(new.messages.values_list("body", flat=True)) == ["Also the printer"]
    assert list(ticket.messages.values_list("body", flat=True)) == ["Jam"]
    linked = call(client, "POST", f"/tickets/{ticket.pk}/links", {"target_id": new.pk, "kind": "caused_by"})
    assert linked.status_code == 201
    assert list(Link.objects.values_list("source_id", "target_id", "kind")) == [
        (ticket.pk, new.pk, "caused_by")
    ]
    again = call(client, "POST", f"/tickets/{ticket.pk}/links", {"target_id": new.pk, "kind": "caused_by"})
    problem(again, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"status": "teleported"}, "status"),
    ],
)
def test_a_transition_the_table_refuses_is_409_and_changes_nothing(world, body, field):
    ticket = services.open_ticket(SYSTEM, title="Jam", channel="api", site_id=world.b.site.pk)
    services.transition(SYSTEM, ticket.pk, "in_progress")
    response = call(api_client(world.staff[Role.AGENT]), "POST", f"/tickets/{ticket.pk}/transitions", body)
    assert fields_of(problem(response, 409)) == [field]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("in_progress", 2)
