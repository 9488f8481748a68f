# ruff: noqa: F811 (the crew fixture is imported, then asked for by name)
"""The "Visit records" section of the work-order page (checklist with answers and findings, time,
expenses, parts, photos, notes, follow-up) and the visit photos served to staff and to the visit's own
technician only."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from PIL import Image

from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.web.markup import attribute, document, find, find_all, rows, text
from tests.web.test_pages import client_for
from tests.workforce.conftest import Crew, crew  # noqa: F401 (a fixture)
from tests.workorders.conftest import TUESDAY_9, planned
from tournevis.workorders import checklists, records, services
from tournevis.workorders.models import ChecklistItem, Visit, VisitPhoto

PHOTO = uuid.UUID("00000000-0000-4000-8000-000000000009")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def recorded_visit(world: World, crew: Crew) -> Visit:
    template = checklists.create_template(
        SYSTEM,
        {
            "code": "counter",
            "name_en": "Counter",
            "category_id": world.category.pk,
            "items": [
                {"label_en": "Cleaned", "label_fr": "Nettoyée", "kind": "check", "required": True},
                {"label_en": "Voltage", "kind": "number", "minimum": 207, "maximum": 253, "unit": "V"},
                {
                    "label_en": "Rollers",
                    "kind": "choice",
                    "required": True,
                    "choices": [{"value": "good", "en": "Good"}, {"value": "worn", "en": "Worn"}],
                },
            ],
        },
    )
    cleaned, voltage, _rollers = ChecklistItem.objects.filter(template=template).order_by("position")
    order = planned(world, crew)
    visit = Visit.objects.get(work_order=order, number=1)
    services.dispatch_visit(SYSTEM, visit.pk, at=MONDAY_10)
    services.check_in(SYSTEM, visit.pk, at=TUESDAY_9)
    tech = SYSTEM
    records.store_photo(tech, visit.pk, client_id=PHOTO, content=jpeg(), caption="Feeder", taken_at=TUESDAY_9)
    records.set_checklist_result(tech, visit.pk, item_id=cleaned.pk, value=True, at=TUESDAY_9)
    records.set_checklist_result(
        tech, visit.pk, item_id=voltage.pk, value="260", photo=str(PHOTO), at=TUESDAY_9
    )
    records.add_time_entry(
        tech,
        visit.pk,
        client_id=uuid.uuid4(),
        kind="work",
        started_at=TUESDAY_9,
        ended_at=TUESDAY_9 + timedelta(minutes=75),
    )
    records.add_expense(
        tech, visit.pk, client_id=uuid.uuid4(), kind="toll", amount_minor=1250, spent_on="2026-03-10"
    )
    records.add_note(tech, visit.pk, client_id=uuid.uuid4(), text="Customer wants a quote", at=TUESDAY_9)
    records.set_follow_up(tech, visit.pk, needed=True, reason="Repaint the cover")
    return visit


def test_the_work_order_page_shows_what_was_recorded_on_its_visit(world: World, crew: Crew) -> None:
    visit = recorded_visit(world, crew)
    page = document(client_for("agent-user").get(f"/workorders/{visit.work_order_id}/"))
    section = find(page, "article", id="visit-records-1")
    assert text(find(section, "h3")) == "Visit 1 · Léa Martin"
    assert text(find(section, "p", id="follow-up-1")) == "Follow-up needed: Repaint the cover"
    assert text(find(section, "p", class_="missing-items")) == "Required items not answered yet: 1"
    assert rows(find(section, "table", class_="checklist")) == [
        ["Cleaned *", "Yes", "Passed", "tests, 10/03/2026 09:00"],
        ["Voltage (207 \u2013 253 V)", "260 V Photo", "Out of range", "tests, 10/03/2026 09:00"],
        ["Rollers *", "—", "", ""],
    ]
    assert [text(li) for li in find_all(find(section, "ul", class_="time-entries"), "li")] == [
        "Work · 10/03/2026 09:00 \u2013 10:15 · 75 minutes · Léa Martin"
    ]
    assert [text(li) for li in find_all(find(section, "ul", class_="expenses"), "li")] == [
        "Toll · 10/03/2026 · 12.50 EUR"
    ]
    photo = find(find(section, "ul", class_="photos"), "img")
    url = f"/workorders/{visit.work_order_id}/visits/{visit.pk}/photos/{PHOTO}.jpg"
    assert (attribute(photo, "src"), attribute(photo, "alt")) == (url, "Feeder")
    assert text(find(find(section, "ul", class_="visit-notes"), "li")).startswith(
        "Customer wants a quote tests,"
    )


def test_visit_photos_open_for_staff_and_the_visits_own_technician_only(world: World, crew: Crew) -> None:
    visit = recorded_visit(world, crew)
    url = f"/workorders/{visit.work_order_id}/visits/{visit.pk}/photos/{PHOTO}.jpg"
    stored = bytes(VisitPhoto.objects.get(client_id=PHOTO).content)
    for username in ("agent-user", "dispatcher-user", "technician-user"):
        response = client_for(username).get(url)
        assert (response.status_code, response["Content-Type"], response.content) == (
            200,
            "image/jpeg",
            stored,
        )
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for("alpha-user").get(url).status_code == 404  # the customer's user
    # The visit reassigned to Marc: the technician user no longer opens its photos
    Visit.objects.filter(pk=visit.pk).update(technician=crew.marc)
    assert client_for("technician-user").get(url).status_code == 404
    assert client_for("agent-user").get(url.replace(str(PHOTO), str(uuid.uuid4()))).status_code == 404
    assert (
        client_for("agent-user").get(url.replace(f"/{visit.work_order_id}/", "/999999/")).status_code == 404
    )


def test_customers_do_not_see_the_section(world: World, crew: Crew) -> None:
    visit = recorded_visit(world, crew)
    page = document(client_for("alpha-user").get(f"/workorders/{visit.work_order_id}/"))
    assert find_all(page, "section", id="visit-records") == []
