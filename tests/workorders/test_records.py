# ruff: noqa: F811 (the crew fixture is imported, then asked for by name)
"""What a technician records on a visit: time entries, expenses, photos, checklist results, notes,
parts used and removed, the follow-up flag — accepted only while the visit is under way, retried by
client id without twins, bad input refused naming the field with nothing written, each audited."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.tickets.conftest import MONDAY_10
from tests.workforce.conftest import Crew, crew  # noqa: F401 (a fixture)
from tests.workorders.conftest import TUESDAY_9, paris, planned
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, DomainError, InvalidInput, NotFound, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.stock import services as stock_services
from tournevis.stock.models import Location, Part
from tournevis.workorders import checklists, records, services
from tournevis.workorders.models import (
    ChecklistItem,
    ChecklistResult,
    Expense,
    PartUsed,
    TimeEntry,
    Visit,
    VisitNote,
    VisitPhoto,
)

KEY = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_KEY = uuid.UUID("00000000-0000-4000-8000-000000000002")


def key(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{n:012d}")


def picture(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def lea(world: World, crew: Crew) -> Actor:
    """The technician user (Léa's record) as the actor."""
    user = world.staff["technician"]
    return Actor(user_id=user.pk, label="Léa Martin", role="technician")


@pytest.fixture
def visit(world: World, crew: Crew) -> Visit:
    """Léa's visit 1, on site since Tuesday 09:00 (Paris)."""
    order = planned(world, crew)
    found = Visit.objects.get(work_order=order, number=1)
    services.dispatch_visit(SYSTEM, found.pk, at=MONDAY_10)
    services.check_in(SYSTEM, found.pk, at=TUESDAY_9)
    return Visit.objects.get(pk=found.pk)


@pytest.fixture
def van(crew: Crew) -> Location:
    depot = stock_services.create_location(
        SYSTEM, {"code": "PARIS", "name": "Dépôt Paris", "kind": "depot", "region": "FR-IDF"}
    )
    return stock_services.create_location(
        SYSTEM,
        {
            "code": "VAN-LEA",
            "name": "Véhicule Léa",
            "kind": "van",
            "region": "FR-IDF",
            "technician_id": crew.lea.pk,
            "depot_id": depot.pk,
        },
    )


@pytest.fixture
def parts(van: Location) -> dict[str, Part]:
    belt = stock_services.create_part(
        SYSTEM,
        {
            "reference": "BELT",
            "name_en": "Feed belt",
            "name_fr": "Courroie",
            "manufacturer_reference": "GL-100",
        },
    )
    board = stock_services.create_part(
        SYSTEM, {"reference": "BOARD", "name_en": "Main board", "name_fr": "Carte", "serialised": True}
    )
    cable = stock_services.create_part(
        SYSTEM, {"reference": "CABLE", "name_en": "Cable", "name_fr": "Câble", "unit": "m"}
    )
    stock_services.receive(SYSTEM, van.pk, board.pk, 2, serials=["SN-1", "SN-2"], reference="PO-1")
    return {"belt": belt, "board": board, "cable": cable}


def unchanged() -> tuple[Any, int]:
    return db_state(), audit_count()


def actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="visit.")
        .exclude(action__in=["visit.create", "visit.plan", "visit.dispatch", "visit.check_in"])
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Time entries ----------------------------------------------------------------------------------


def test_a_time_entry_is_the_acting_technicians_in_whole_minutes_and_a_retry_returns_it(
    visit: Visit, lea: Actor, crew: Crew
) -> None:
    entry = records.add_time_entry(
        lea,
        visit.pk,
        client_id=str(KEY),
        kind="work",
        started_at="2026-03-10T09:05:00+01:00",
        ended_at=paris("2026-03-10T10:40:29"),
        note=" Belt replaced ",
        at=paris("2026-03-10T10:41:00"),
    )
    assert (entry.visit_id, entry.client_id, entry.technician_id, entry.kind, entry.minutes, entry.note) == (
        visit.pk,
        KEY,
        crew.lea.pk,
        "work",
        95,
        "Belt replaced",
    )
    assert (entry.started_at, entry.ended_at) == (
        datetime(2026, 3, 10, 8, 5, tzinfo=UTC),
        datetime(2026, 3, 10, 9, 40, 29, tzinfo=UTC),
    )
    again = records.add_time_entry(
        lea,
        visit.pk,
        client_id=KEY,
        kind="travel",
        started_at=TUESDAY_9,
        ended_at=TUESDAY_9 + timedelta(hours=1),
    )
    assert (again.pk, again.kind, TimeEntry.objects.count()) == (entry.pk, "work", 1)
    assert actions() == ["visit.time.add"]
    # Without a technician user behind the actor, the visit's technician is named
    office = records.add_time_entry(
        SYSTEM,
        visit.pk,
        client_id=OTHER_KEY,
        kind="travel",
        started_at=TUESDAY_9 - timedelta(minutes=40),
        ended_at=TUESDAY_9,
    )
    assert (office.technician_id, office.minutes) == (crew.lea.pk, 40)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "lunch"}, "kind"),
        ({"ended_at": TUESDAY_9}, "ended_at"),
        ({"ended_at": TUESDAY_9 + timedelta(hours=25)}, "ended_at"),
        ({"started_at": datetime(2026, 3, 10, 9)}, "started_at"),  # noqa: DTZ001 (no offset: refused)
        ({"started_at": "tuesday"}, "started_at"),
        ({"note": "x" * 301}, "note"),
        ({"note": 5}, "note"),
        ({"kind": ["work"]}, "kind"),
        ({"client_id": "not-a-uuid"}, "client_id"),
    ],
)
def test_a_bad_time_entry_is_refused_naming_the_field(
    visit: Visit, fields: dict[str, Any], field: str
) -> None:
    data: dict[str, Any] = {
        "client_id": KEY,
        "kind": "work",
        "started_at": TUESDAY_9,
        "ended_at": TUESDAY_9 + timedelta(hours=1),
        **fields,
    }
    before = unchanged()
    with pytest.raises(InvalidInput) as refused:
        records.add_time_entry(SYSTEM, visit.pk, **data)
    assert refused.value.field == field
    assert unchanged() == before


def test_records_are_taken_only_while_the_visit_is_under_way_but_a_late_retry_finds_its_row(
    world: World, crew: Crew, visit: Visit
) -> None:
    span = {"kind": "work", "started_at": TUESDAY_9, "ended_at": TUESDAY_9 + timedelta(hours=1)}
    # A visit only planned (not sent to the technician) takes nothing
    other = planned(world, crew, title="Second job")
    waiting = Visit.objects.get(work_order=other, number=1)
    with pytest.raises(Conflict) as refused:
        records.add_time_entry(SYSTEM, waiting.pk, client_id=KEY, **span)
    assert (refused.value.field, refused.value.message) == (
        "status",
        "A visit that is planned takes no new records.",
    )
    # Paused is still under way
    services.pause(SYSTEM, visit.pk, at=TUESDAY_9 + timedelta(hours=1))
    made = records.add_time_entry(SYSTEM, visit.pk, client_id=KEY, **span)
    services.check_in(SYSTEM, visit.pk, at=TUESDAY_9 + timedelta(hours=2))
    services.complete_visit(SYSTEM, visit.pk, True, "Done", at=TUESDAY_9 + timedelta(hours=3))
    assert records.add_time_entry(SYSTEM, visit.pk, client_id=KEY, **span).pk == made.pk
    before = unchanged()
    for call in (
        lambda: records.add_time_entry(SYSTEM, visit.pk, client_id=OTHER_KEY, **span),
        lambda: records.add_note(SYSTEM, visit.pk, client_id=OTHER_KEY, text="Late"),
        lambda: records.set_follow_up(SYSTEM, visit.pk, needed=True, reason="Paint"),
    ):
        with pytest.raises(Conflict) as late:
            call()
        assert (late.value.field, late.value.params) == ("status", {"current": "completed"})
    assert unchanged() == before
    with pytest.raises(NotFound):
        records.add_note(SYSTEM, 999999, client_id=OTHER_KEY, text="Nowhere")


def test_a_client_id_of_another_visit_is_refused(world: World, crew: Crew, visit: Visit) -> None:
    records.add_note(SYSTEM, visit.pk, client_id=KEY, text="First")
    other = planned(world, crew, title="Second job")
    second = Visit.objects.get(work_order=other, number=1)
    services.dispatch_visit(SYSTEM, second.pk, at=MONDAY_10)
    with pytest.raises(InvalidInput) as refused:
        records.add_note(SYSTEM, second.pk, client_id=KEY, text="Second")
    assert (refused.value.field, refused.value.message) == (
        "client_id",
        "This id is already used on another visit.",
    )


# --- Expenses --------------------------------------------------------------------------------------


def test_expenses_default_to_the_sites_day_and_the_default_currency_with_a_receipt(
    visit: Visit, lea: Actor
) -> None:
    receipt = records.store_photo(lea, visit.pk, client_id=key(9), content=picture(), purpose="receipt")
    late_evening = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already Wednesday in Paris
    toll = records.add_expense(
        lea,
        visit.pk,
        client_id=key(1),
        kind="toll",
        amount_minor="1250",
        receipt=str(receipt.client_id),
        at=late_evening,
    )
    assert (
        toll.kind,
        toll.amount_minor,
        toll.currency,
        toll.distance_km,
        toll.receipt_id,
        toll.spent_on,
    ) == (
        "toll",
        1250,
        "EUR",
        None,
        receipt.pk,
        date(2026, 3, 11),
    )
    drive = records.add_expense(
        lea,
        visit.pk,
        client_id=key(2),
        kind="distance",
        distance_km="42.5",
        currency="cad",
        spent_on="2026-03-10",
    )
    assert (drive.amount_minor, drive.currency, drive.distance_km, drive.spent_on) == (
        0,
        "CAD",
        Decimal("42.5"),
        date(2026, 3, 10),
    )
    assert records.add_expense(lea, visit.pk, client_id=key(1), kind="meal", amount_minor=1).pk == toll.pk
    assert Expense.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "hotel"}, "kind"),
        ({"kind": "meal", "amount_minor": 0}, "amount_minor"),
        ({"kind": "meal", "amount_minor": -5}, "amount_minor"),
        ({"kind": "meal", "amount_minor": True}, "amount_minor"),
        ({"kind": "meal", "amount_minor": 12.5}, "amount_minor"),
        ({"kind": "distance"}, "distance_km"),
        ({"kind": "distance", "distance_km": "0"}, "distance_km"),
        ({"kind": "distance", "distance_km": "12.25"}, "distance_km"),
        ({"kind": "meal", "amount_minor": 900, "currency": "EURO"}, "currency"),
        ({"kind": "meal", "amount_minor": 900, "receipt": str(OTHER_KEY)}, "receipt"),
        ({"kind": "meal", "amount_minor": 900, "spent_on": "yesterday"}, "spent_on"),
    ],
)
def test_a_bad_expense_is_refused_naming_the_field(visit: Visit, fields: dict[str, Any], field: str) -> None:
    before = unchanged()
    with pytest.raises(InvalidInput) as refused:
        records.add_expense(SYSTEM, visit.pk, client_id=KEY, **fields)
    assert refused.value.field == field
    assert unchanged() == before


# --- Photos ----------------------------------------------------------------------------------------


def test_a_photo_is_stored_re_encoded_and_the_same_upload_again_returns_it(
    visit: Visit, lea: Actor, world: World
) -> None:
    sent = picture()
    photo = records.store_photo(
        lea, visit.pk, client_id=KEY, content=sent, caption="Feeder", taken_at="2026-03-10T09:30:00+01:00"
    )
    assert (photo.purpose, photo.caption, photo.width, photo.height, photo.content_type) == (
        "visit",
        "Feeder",
        64,
        48,
        "image/jpeg",
    )
    assert photo.taken_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert photo.uploaded_by_id == world.staff["technician"].pk
    assert bytes(photo.content)[:2] == b"\xff\xd8" and photo.size == len(bytes(photo.content))
    assert records.store_photo(lea, visit.pk, client_id=KEY, content=sent).pk == photo.pk
    event = AuditEvent.objects.get(action="visit.photo.add")
    assert "content" not in event.after and event.after["caption"] == "Feeder"

    before = unchanged()
    with pytest.raises(InvalidInput) as other_bytes:
        records.store_photo(lea, visit.pk, client_id=KEY, content=picture((0, 0, 255)))
    assert (other_bytes.value.field, other_bytes.value.message) == (
        "client_id",
        "This photo id was already used for another picture.",
    )
    with pytest.raises(InvalidInput) as not_image:
        records.store_photo(lea, visit.pk, client_id=OTHER_KEY, content=b"hello")
    assert not_image.value.field == "photo"
    with pytest.raises(InvalidInput) as purpose:
        records.store_photo(lea, visit.pk, client_id=OTHER_KEY, content=sent, purpose="selfie")
    assert purpose.value.field == "purpose"
    assert unchanged() == before
    assert VisitPhoto.objects.count() == 1


def test_a_photo_over_the_limit_is_a_413_and_nothing_is_written(visit: Visit, settings: Any) -> None:
    settings.MOBILE_PHOTO_MAX_BYTES = 100
    before = unchanged()
    with pytest.raises(DomainError) as refused:
        records.store_photo(SYSTEM, visit.pk, client_id=KEY, content=picture())
    assert (refused.value.status, refused.value.field) == (413, "photo")
    assert unchanged() == before


# --- Checklist results -----------------------------------------------------------------------------


@pytest.fixture
def items(world: World) -> dict[str, ChecklistItem]:
    template = checklists.create_template(
        SYSTEM,
        {
            "code": "counter",
            "name_en": "Counter",
            "category_id": world.category.pk,
            "items": [
                {"label_en": "Cleaned", "kind": "check", "required": True},
                {"label_en": "Voltage", "kind": "number", "minimum": 207, "maximum": 253, "unit": "V"},
                {"label_en": "Hours", "kind": "number"},
                {"label_en": "Errors", "kind": "text"},
                {
                    "label_en": "Rollers",
                    "kind": "choice",
                    "choices": [{"value": "good", "en": "Good"}, {"value": "worn", "en": "Worn"}],
                },
                {"label_en": "Photo", "kind": "photo"},
            ],
        },
    )
    rows = ChecklistItem.objects.filter(template=template).order_by("position")
    return {item.label_en.lower(): item for item in rows}


def test_each_kind_of_answer_is_stored_with_whether_it_passed(
    visit: Visit, items: dict[str, ChecklistItem], lea: Actor
) -> None:
    photo = records.store_photo(lea, visit.pk, client_id=KEY, content=picture(), purpose="checklist")

    def answer(name: str, value: Any, **extra: Any) -> tuple[Any, bool | None, int | None]:
        result = records.set_checklist_result(lea, visit.pk, item_id=items[name].pk, value=value, **extra)
        return result.value, result.passed, result.photo_id

    assert answer("cleaned", True) == (True, True, None)
    assert answer("voltage", "230,50") == ("230.5", True, None)
    assert answer("hours", 1250) == ("1250", None, None)
    assert answer("errors", "  E42 twice  ", photo=str(KEY)) == ("E42 twice", None, photo.pk)
    assert answer("rollers", "worn") == ("worn", None, None)
    assert answer("photo", str(KEY)) == (str(KEY), None, photo.pk)
    result = ChecklistResult.objects.get(item=items["cleaned"])
    assert (result.version, result.recorded_by_label) == (1, "Léa Martin")
    assert checklists.missing_required(visit) == []
    assert actions() == ["visit.photo.add"] + ["visit.checklist.set"] * 6


def test_a_number_out_of_range_is_recorded_as_not_passed(
    visit: Visit, items: dict[str, ChecklistItem]
) -> None:
    result = records.set_checklist_result(SYSTEM, visit.pk, item_id=items["voltage"].pk, value=260)
    assert (result.value, result.passed) == ("260", False)
    assert (
        records.set_checklist_result(SYSTEM, visit.pk, item_id=items["cleaned"].pk, value=False).passed
        is False
    )


@pytest.mark.parametrize(
    ("name", "value", "field", "message"),
    [
        ("cleaned", "yes", "value", "Answer yes (true) or no (false)."),
        ("voltage", "abc", "value", "Enter a number."),
        ("voltage", True, "value", "Enter a number."),
        ("voltage", "NaN", "value", "Enter a number."),
        ("errors", "   ", "value", "Enter a text."),
        ("errors", "x" * 2001, "value", "At most 2000 characters."),
        ("rollers", "broken", "value", "Choose one of: good, worn."),
        ("photo", str(OTHER_KEY), "value", f"No photo {OTHER_KEY} on this visit."),
        ("photo", "not-a-uuid", "value", "Enter a UUID."),
    ],
)
def test_a_bad_answer_is_refused_naming_the_value(
    visit: Visit, items: dict[str, ChecklistItem], name: str, value: Any, field: str, message: str
) -> None:
    before = unchanged()
    with pytest.raises(InvalidInput) as refused:
        records.set_checklist_result(SYSTEM, visit.pk, item_id=items[name].pk, value=value)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert unchanged() == before


def test_an_item_not_on_the_visits_checklist_is_refused(visit: Visit, world: World) -> None:
    elsewhere = checklists.create_template(
        SYSTEM,
        {
            "code": "install",
            "name_en": "Install",
            "kind": "installation",
            "items": [{"label_en": "A", "kind": "check"}],
        },
    )
    item = ChecklistItem.objects.get(template=elsewhere)
    for item_id, message in (
        (item.pk, f"Item {item.pk} is not on this visit's checklist."),
        (999999, "No checklist item with id 999999."),
        ("x", "No checklist item with id x."),
    ):
        with pytest.raises(InvalidInput) as refused:
            records.set_checklist_result(SYSTEM, visit.pk, item_id=item_id, value=True)
        assert (refused.value.field, refused.value.message) == ("item_id", message)


def test_editing_an_answer_checks_the_version_read_and_bumps_it(
    visit: Visit, items: dict[str, ChecklistItem]
) -> None:
    voltage = items["voltage"].pk
    first = records.set_checklist_result(SYSTEM, visit.pk, item_id=voltage, value="230")
    same = records.set_checklist_result(SYSTEM, visit.pk, item_id=voltage, value=230, expected_version=1)
    assert (same.pk, same.version) == (first.pk, 1)
    edited = records.set_checklist_result(SYSTEM, visit.pk, item_id=voltage, value="199", expected_version=1)
    assert (edited.pk, edited.value, edited.passed, edited.version) == (first.pk, "199", False, 2)
    event = AuditEvent.objects.filter(action="visit.checklist.set").order_by("id").last()
    assert (event.before["value"], event.after["value"], event.after["version"]) == ("230", "199", 2)
    before = unchanged()
    with pytest.raises(PreconditionFailed) as stale:
        records.set_checklist_result(SYSTEM, visit.pk, item_id=voltage, value="240", expected_version=1)
    assert stale.value.params == {"expected": 1, "current_version": 2}
    assert unchanged() == before
    # A template deactivated since: its answered items may still be corrected
    checklists.update_template(SYSTEM, items["voltage"].template_id, {"active": False})
    assert records.set_checklist_result(SYSTEM, visit.pk, item_id=voltage, value="231").version == 3


# --- Notes, parts, follow-up -----------------------------------------------------------------------


def test_notes_are_appended_and_a_retry_returns_the_first(visit: Visit, lea: Actor, world: World) -> None:
    note = records.add_note(lea, visit.pk, client_id=KEY, text="  Customer asks for a quote  ", at=TUESDAY_9)
    assert (note.text, note.author_label, note.author_user_id, note.written_at) == (
        "Customer asks for a quote",
        "Léa Martin",
        world.staff["technician"].pk,
        TUESDAY_9,
    )
    assert records.add_note(lea, visit.pk, client_id=KEY, text="Other").pk == note.pk
    records.add_note(SYSTEM, visit.pk, client_id=OTHER_KEY, text="Office note")
    assert list(VisitNote.objects.order_by("id").values_list("text", flat=True)) == [
        "Customer asks for a quote",
        "Office note",
    ]
    with pytest.raises(InvalidInput) as empty:
        records.add_note(SYSTEM, visit.pk, client_id=key(3), text=" ")
    assert empty.value.field == "text"


def test_parts_are_named_by_id_reference_maker_reference_or_serial_from_the_van(
    visit: Visit, lea: Actor, parts: dict[str, Part], van: Location
) -> None:
    by_id = records.use_part(lea, visit.pk, client_id=key(1), part_id=parts["cable"].pk, quantity="2.5")
    by_reference = records.use_part(lea, visit.pk, client_id=key(2), code=" belt ", quantity=1)
    by_maker = records.use_part(lea, visit.pk, client_id=key(3), code="GL-100", quantity=2)
    by_serial = records.use_part(lea, visit.pk, client_id=key(4), code="SN-2", quantity=1)
    rows = [
        (line.part.reference, line.quantity, line.serials, line.location_id, line.scanned_code)
        for line in PartUsed.objects.filter(visit=visit).order_by("id").select_related("part")
    ]
    assert rows == [
        ("CABLE", Decimal("2.500"), [], van.pk, ""),
        ("BELT", Decimal("1.000"), [], van.pk, "belt"),
        ("BELT", Decimal("2.000"), [], van.pk, "GL-100"),
        ("BOARD", Decimal("1.000"), ["SN-2"], van.pk, "SN-2"),
    ]
    assert by_serial.recorded_by_label == "Léa Martin"
    assert records.use_part(lea, visit.pk, client_id=key(2), code="CABLE", quantity=9).pk == by_reference.pk
    assert (by_id.removed_at, by_maker.consumed_at) == (None, None)
    assert actions() == ["visit.part.use"] * 4


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "NOPE-1", "quantity": 1}, "code", "No part has the label NOPE-1."),
        ({"quantity": 1}, "part_id", "Choose a part or scan its label."),
        ({"part_id": 999999, "quantity": 1}, "part_id", "No part with id 999999."),
        ({"part_id": "abc", "quantity": 1}, "part_id", "No part with id abc."),
        ({"code": 42, "quantity": 1}, "code", "Enter a text."),
        ({"code": "BELT", "quantity": 0}, "quantity", "A quantity must be more than zero."),
        (
            {"code": "BELT", "quantity": "1.5"},
            "quantity",
            "This part is counted in whole units: 1.5 is not a whole number.",
        ),
        (
            {"code": "BOARD", "quantity": 1},
            "serials",
            "BOARD is serialised: give one serial number per unit (1).",
        ),
        ({"code": "BELT", "quantity": 1, "serials": ["X"]}, "serials", "BELT has no serial numbers."),
    ],
)
def test_a_bad_part_line_is_refused_naming_the_field(
    visit: Visit, parts: dict[str, Part], fields: dict[str, Any], field: str, message: str
) -> None:
    before = unchanged()
    with pytest.raises(InvalidInput) as refused:
        records.use_part(SYSTEM, visit.pk, client_id=KEY, **fields)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert unchanged() == before


def test_a_label_shared_by_two_parts_asks_to_choose(visit: Visit, parts: dict[str, Part]) -> None:
    stock_services.create_part(
        SYSTEM,
        {"reference": "BELT-2", "name_en": "Belt 2", "name_fr": "C2", "manufacturer_reference": "gl-100"},
    )
    with pytest.raises(InvalidInput) as refused:
        records.use_part(SYSTEM, visit.pk, client_id=KEY, code="GL-100", quantity=1)
    assert (refused.value.field, refused.value.message) == (
        "code",
        "Several parts have the label GL-100: choose the part.",
    )


def test_a_part_line_is_removed_once_and_never_after_it_was_consumed(
    visit: Visit, parts: dict[str, Part]
) -> None:
    line = records.use_part(SYSTEM, visit.pk, client_id=KEY, code="BELT", quantity=1)
    removed = records.remove_part_used(
        SYSTEM, visit.pk, client_id=str(KEY), at=TUESDAY_9 + timedelta(hours=1)
    )
    assert (removed.pk, removed.removed_at) == (line.pk, TUESDAY_9 + timedelta(hours=1))
    assert records.remove_part_used(SYSTEM, visit.pk, client_id=KEY).removed_at == TUESDAY_9 + timedelta(
        hours=1
    )
    assert actions() == ["visit.part.use", "visit.part.remove"]
    consumed = records.use_part(SYSTEM, visit.pk, client_id=OTHER_KEY, code="BELT", quantity=1)
    PartUsed.objects.filter(pk=consumed.pk).update(consumed_at=TUESDAY_9)
    with pytest.raises(Conflict) as refused:
        records.remove_part_used(SYSTEM, visit.pk, client_id=OTHER_KEY)
    assert refused.value.field == "client_id"
    with pytest.raises(NotFound) as unknown:
        records.remove_part_used(SYSTEM, visit.pk, client_id=key(7))
    assert unknown.value.field == "client_id"


def test_the_follow_up_flag_bumps_the_visits_version_once_per_change(visit: Visit) -> None:
    version = visit.version
    flagged = records.set_follow_up(
        SYSTEM, visit.pk, needed=True, reason=" Repaint the cover ", expected_version=version
    )
    assert (flagged.follow_up_needed, flagged.follow_up_reason, flagged.version) == (
        True,
        "Repaint the cover",
        version + 1,
    )
    assert (
        records.set_follow_up(SYSTEM, visit.pk, needed=True, reason="Repaint the cover").version
        == version + 1
    )
    event = AuditEvent.objects.get(action="visit.follow_up")
    assert (event.before, event.after) == (
        {"follow_up_needed": False, "follow_up_reason": "", "version": version},
        {"follow_up_needed": True, "follow_up_reason": "Repaint the cover", "version": version + 1},
    )
    with pytest.raises(PreconditionFailed):
        records.set_follow_up(SYSTEM, visit.pk, needed=False, expected_version=version)
    cleared = records.set_follow_up(SYSTEM, visit.pk, needed=False, reason="ignored")
    assert (cleared.follow_up_needed, cleared.follow_up_reason, cleared.version) == (False, "", version + 2)
