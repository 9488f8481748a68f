"""Stock pages: status codes per role (a technician: their own van only), exact content of the
overview, a location's levels, the parts catalogue and a part's page, the movements journal and the
transfers list (arrivals in the viewer's time zone, late ones flagged); the forms do what they say and
bad input shows the error on its field and writes nothing; a bounded number of queries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom, build_stockroom
from tests.web.markup import attribute, document, find, find_all, rows, text
from tests.web.test_pages import client_for
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.stock import services
from tournevis.stock.models import Movement, StockLevel, Transfer
from tournevis.web import stock_views

BUILT = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # Monday 4 May 2026, 08:00 in Paris
ORDERED = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # 10:00 in Paris
NEXT_MORNING = datetime(2026, 5, 5, 6, 0, tzinfo=UTC)  # 08:00 in Paris, the day after


@pytest.fixture
def room(world: World) -> Stockroom:
    """``tests.stock.conftest.stockroom`` built at a known instant (the journal shows it)."""
    with clock.frozen(BUILT):
        return build_stockroom(world)


def level(room: Stockroom, code: str, reference: str) -> tuple[Decimal, Decimal]:
    found = StockLevel.objects.filter(location__code=code, part__reference=reference).first()
    return (found.on_hand, found.reserved) if found else (Decimal(0), Decimal(0))


def nothing_written() -> Any:
    state = (db_state(), audit_count())
    return lambda: (db_state(), audit_count()) == state


# --- Who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, (200, 200, 200, 200, 200, 200, 200, 200)),
        (Role.MANAGER, (200, 200, 200, 200, 200, 200, 200, 200)),
        (Role.DISPATCHER, (200, 200, 200, 200, 200, 200, 200, 200)),
        (Role.AGENT, (200, 200, 200, 200, 200, 200, 200, 403)),
        (Role.TECHNICIAN, (302, 404, 200, 403, 403, 403, 403, 403)),
        (Role.CUSTOMER, (404, 404, 404, 404, 404, 404, 404, 404)),
    ],
)
def test_status_codes_per_role(room: Stockroom, world: World, role: str, expected: tuple[int, ...]):
    # Given a user of the role; the van is the technician user's own
    client = client_for(world.user(role).username)
    urls = (
        "/stock/",
        f"/stock/locations/{room.paris.pk}/",
        f"/stock/locations/{room.van.pk}/",
        "/stock/parts/",
        f"/stock/parts/{room.belt.pk}/",
        "/stock/movements/",
        "/stock/transfers/",
        "/stock/transfers/new/",
    )
    # Then each page answers as the permission table and the technician's scope say
    assert tuple(client.get(url).status_code for url in urls) == expected


def test_a_technician_is_led_to_their_van_and_sees_it_read_only(room: Stockroom, world: World):
    client = client_for("technician-user")
    response = client.get("/stock/")
    assert response["Location"] == f"/stock/locations/{room.van.pk}/"
    page = document(client.get(response["Location"]))
    assert rows(find(page, "table", id="level-table")) == [
        ["BELT", "Feed belt", "1", "0", "1", "—", "—", "0", "OK"],
    ]
    # No form, no replenishment, no link to the office pages
    assert find_all(page, "form", id="receive-form") == []
    assert find_all(page, "section", id="replenishment") == []
    assert find_all(page, "a", id="location-journal") == []
    assert text(find(page, "a", id="nav-stock")) == "My van"
    # and writing is refused with nothing written
    unchanged = nothing_written()
    refused = client.post(f"/stock/locations/{room.van.pk}/receive/", {"part": "BELT", "quantity": "1"})
    assert refused.status_code == 403
    assert unchanged()


def test_a_technician_without_a_van_gets_404(world: World):
    assert client_for("technician-user").get("/stock/").status_code == 404


def test_the_nav_entry(room: Stockroom, world: World):
    assert text(find(document(client_for("agent-user").get("/")), "a", id="nav-stock")) == "Stock"
    assert find_all(document(client_for("alpha-user").get("/")), "a", id="nav-stock") == []


# --- Overview --------------------------------------------------------------------------------------


def test_the_overview_groups_locations_by_kind(room: Stockroom, world: World):
    services.set_limits(SYSTEM, room.van.pk, room.belt.pk, minimum=2, maximum=3)
    with clock.frozen(ORDERED):
        services.create_transfer(
            SYSTEM, part_id=room.battery.pk, quantity=1, source_id=room.lyon.pk, destination_id=room.paris.pk
        )
    with clock.frozen(NEXT_MORNING):
        page = document(client_for("agent-user").get("/stock/"))
    assert rows(find(find(page, "section", id="group-depot"), "table")) == [
        ["LYON", "Dépôt Lyon", "FR-ARA", "2", "7", "none"],
        ["PARIS", "Dépôt Paris", "FR-IDF", "3", "32.5", "none"],
    ]
    assert rows(find(find(page, "section", id="group-van"), "table")) == [
        ["VAN-LEA", "Véhicule Léa", "FR-IDF", "Léa Martin", "1", "1", "1 line below minimum"],
    ]
    assert (
        text(find(page, "section", id="group-consignment")) == "Consignment stock No location of this kind."
    )
    assert rows(find(find(page, "section", id="group-defective"), "table")) == [
        ["DEFECTIVE", "Retours défectueux", "FR-IDF", "0", "0", "none"],
    ]
    # The battery travels by ground (hazardous: 48 h), so it is not late the next morning
    counts = [text(find(page, id=f"count-{name}")) for name in ("planned", "in-transit", "late")]
    assert counts == ["1 Transfers planned", "0 Transfers in transit", "0 Transfers late"]
    links = [attribute(a, "href") for a in find_all(find(page, "section", id="group-depot"), "a")]
    assert links == [f"/stock/locations/{room.lyon.pk}/", f"/stock/locations/{room.paris.pk}/"]


# --- A location ------------------------------------------------------------------------------------


def test_the_location_page_shows_levels_limits_and_inbound(room: Stockroom, world: World):
    services.set_limits(SYSTEM, room.paris.pk, room.belt.pk, minimum=6, maximum=10)
    with clock.frozen(ORDERED):
        services.create_transfer(
            SYSTEM, part_id=room.battery.pk, quantity=1, source_id=room.lyon.pk, destination_id=room.paris.pk
        )
    with clock.frozen(ORDERED):
        page = document(client_for("dispatcher-user").get(f"/stock/locations/{room.paris.pk}/"))
    assert text(find(page, "h1")) == "PARIS Dépôt Paris"
    # Below its minimum: said in words, not by colour only; BATTERY is only inbound
    assert rows(find(page, "table", id="level-table")) == [
        ["BATTERY", "Battery", "0", "0", "0", "—", "—", "1", "OK"],
        ["BELT", "Feed belt", "5", "0", "5", "6", "10", "0", "Below minimum"],
        ["BOARD", "Main board", "2", "0", "2", "—", "—", "0", "OK"],
        ["CABLE", "Power cable", "25.5 m", "0 m", "25.5 m", "—", "—", "0 m", "OK"],
    ]
    below = find_all(page, "tr", data_below_minimum="true")
    assert [attribute(row, "data-reference") for row in below] == ["BELT"]
    transfers = rows(find(page, "table", id="transfers"))
    assert [row[:8] for row in transfers] == [
        ["TR-2026-00001", "BATTERY Battery", "1", "LYON", "PARIS", "Ground", "Planned", "06/05/2026 08:00"],
    ]
    # The replenishment proposal: up to the maximum, from the depot holding the most
    assert rows(find(page, "table", id="proposal-table")) == [["BELT", "5", "LYON", "3"]]


def test_replenishment_creates_the_proposed_transfers(room: Stockroom, world: World):
    services.set_limits(SYSTEM, room.van.pk, room.belt.pk, minimum=2, maximum=3)
    client = client_for("manager-user")
    page = document(client.get(f"/stock/locations/{room.van.pk}/"))
    assert rows(find(page, "table", id="proposal-table")) == [["BELT", "2", "PARIS", "5"]]
    # When the manager presses "Create transfers"
    with clock.frozen(ORDERED):
        response = client.post(f"/stock/locations/{room.van.pk}/replenish/")
    assert response["Location"] == f"/stock/locations/{room.van.pk}/"
    created = Transfer.objects.get()
    assert (created.source, created.destination, created.quantity, created.status) == (
        room.paris,
        room.van,
        Decimal(2),
        "planned",
    )
    assert created.expected_arrival == datetime(2026, 5, 5, 8, 0, tzinfo=UTC)  # ground in a region: 24 h
    # Then the van's line is on its way back to the minimum, and nothing more is proposed
    page = document(client.get(f"/stock/locations/{room.van.pk}/"))
    assert [text(li) for li in find_all(page, "li", class_="success")] == ["1 transfer created."]
    assert rows(find(page, "table", id="level-table")) == [
        ["BELT", "Feed belt", "1", "0", "1", "2", "3", "2", "Below minimum, refill on the way"],
    ]
    assert text(find(page, "section", id="replenishment")) == (
        "Replenishment proposals Nothing to replenish: every part is at or above its minimum."
    )


def test_receive_parts(room: Stockroom, world: World):
    client = client_for("dispatcher-user")
    response = client.post(
        f"/stock/locations/{room.lyon.pk}/receive/",
        {"part": "belt", "quantity": "2", "reason": "Supplier delivery", "reference": "BL-77"},
    )
    assert response["Location"] == f"/stock/locations/{room.lyon.pk}/"
    assert level(room, "LYON", "BELT") == (Decimal(5), Decimal(0))
    movement = Movement.objects.order_by("-id").first()
    assert (movement.kind, movement.quantity, movement.reason, movement.reference, movement.actor_label) == (
        "receipt",
        Decimal(2),
        "Supplier delivery",
        "BL-77",
        "dispatcher-user",
    )
    # Serialised: one serial a line
    client.post(
        f"/stock/locations/{room.lyon.pk}/receive/",
        {"part": "BOARD", "quantity": "2", "serials": "SN-3\nSN-4"},
    )
    assert level(room, "LYON", "BOARD") == (Decimal(2), Decimal(0))


@pytest.mark.parametrize(
    ("form", "field", "status", "message"),
    [
        (
            {"part": "BELT", "quantity": "1.5"},
            "quantity",
            422,
            "This part is counted in whole units: 1.5 is not a whole number.",
        ),
        ({"part": "NOPE", "quantity": "1"}, "part", 422, "No part with reference NOPE."),
        ({"part": "", "quantity": "1"}, "part", 422, "Give the part's reference."),
        ({"part": "BELT", "quantity": "-2"}, "quantity", 422, "A quantity must be more than zero."),
        (
            {"part": "BOARD", "quantity": "1"},
            "serials",
            422,
            "BOARD is serialised: give one serial number per unit (1).",
        ),
        (
            {"part": "BOARD", "quantity": "1", "serials": "SN-1"},
            "serials",
            409,
            "Serial SN-1 of BOARD is already at PARIS.",
        ),
    ],
)
def test_receive_refuses_bad_input(
    room: Stockroom, world: World, form: dict[str, str], field: str, status: int, message: str
):
    unchanged = nothing_written()
    response = client_for("dispatcher-user").post(f"/stock/locations/{room.lyon.pk}/receive/", form)
    assert response.status_code == status
    page = document(response)
    assert text(find(page, "p", id=f"error-receive-{field}")) == message
    # The form keeps what was typed
    assert attribute(find(page, "input", id="receive-part"), "value") == form["part"]
    assert unchanged()


def test_record_a_count(room: Stockroom, world: World):
    client = client_for("dispatcher-user")
    response = client.post(
        f"/stock/locations/{room.paris.pk}/adjust/",
        {"part": "CABLE", "counted": "24.25", "reason": "Yearly count"},
    )
    assert response.status_code == 302
    assert level(room, "PARIS", "CABLE") == (Decimal("24.25"), Decimal(0))
    movement = Movement.objects.order_by("-id").first()
    assert (movement.kind, movement.quantity, movement.source, movement.destination, movement.reason) == (
        "adjustment",
        Decimal("1.25"),
        room.paris,
        None,
        "Yearly count",
    )
    # A count equal to the stock writes nothing and says so
    unchanged = nothing_written()
    same = client.post(
        f"/stock/locations/{room.paris.pk}/adjust/",
        {"part": "CABLE", "counted": "24.25", "reason": "Again"},
        follow=True,
    )
    assert [text(li) for li in find_all(document(same), "li", class_="info")] == [
        "The count matches the stock: nothing to adjust."
    ]
    assert unchanged()


def test_a_count_refuses_bad_input(room: Stockroom, world: World):
    client = client_for("dispatcher-user")
    services.create_transfer(
        SYSTEM, part_id=room.belt.pk, quantity=3, source_id=room.paris.pk, destination_id=room.lyon.pk
    )
    unchanged = nothing_written()
    url = f"/stock/locations/{room.paris.pk}/adjust/"
    no_reason = client.post(url, {"part": "BELT", "counted": "4"})
    assert no_reason.status_code == 422
    assert text(find(document(no_reason), "p", id="error-adjust-reason")) == "This field is required."
    # The transfer buttons of the re-rendered page still lead back to the location's page
    listed = find(document(no_reason), "table", id="transfers")
    next_urls = {attribute(field, "value") for field in find_all(listed, "input", name="next")}
    assert next_urls == {f"/stock/locations/{room.paris.pk}/"}
    under_reserved = client.post(url, {"part": "BELT", "counted": "2", "reason": "Count"})
    assert under_reserved.status_code == 409
    assert (
        text(find(document(under_reserved), "p", id="error-adjust-counted"))
        == "3 are reserved here: the count cannot be lower."
    )
    no_count = client.post(url, {"part": "BELT", "counted": "", "reason": "Count"})
    assert text(find(document(no_count), "p", id="error-adjust-counted")) == "Give the quantity counted."
    assert unchanged()


def test_set_limits(room: Stockroom, world: World):
    client = client_for("dispatcher-user")
    url = f"/stock/locations/{room.paris.pk}/limits/"
    unchanged = nothing_written()
    backwards = client.post(url, {"part": "BELT", "minimum": "5", "maximum": "2"})
    assert backwards.status_code == 422
    assert (
        text(find(document(backwards), "p", id="error-limits-maximum"))
        == "The maximum cannot be below the minimum."
    )
    fractional = client.post(url, {"part": "BELT", "minimum": "0.5", "maximum": ""})
    assert text(find(document(fractional), "p", id="error-limits-minimum")) == (
        "This part is counted in whole units: 0.5 is not a whole number."
    )
    assert unchanged()
    assert client.post(url, {"part": "BELT", "minimum": "2", "maximum": ""}).status_code == 302
    saved = StockLevel.objects.get(location=room.paris, part=room.belt)
    assert (saved.minimum, saved.maximum) == (Decimal(2), None)


def test_the_location_page_keeps_to_its_query_budget(
    room: Stockroom, world: World, django_assert_max_num_queries: Any
):
    client = client_for("dispatcher-user")
    url = f"/stock/locations/{room.paris.pk}/"
    client.get(url)  # the session and the user are loaded once
    with django_assert_max_num_queries(12):
        client.get(url)
    # Twenty more parts, limits and transfers do not add queries
    for n in range(20):
        part = services.create_part(
            SYSTEM, {"reference": f"EXTRA-{n:02d}", "name_en": "Extra", "name_fr": "Extra"}
        )
        services.receive(SYSTEM, room.lyon.pk, part.pk, 3)
        services.receive(SYSTEM, room.paris.pk, part.pk, 1)
        services.set_limits(SYSTEM, room.paris.pk, part.pk, minimum=3, maximum=4)
        services.create_transfer(
            SYSTEM, part_id=part.pk, quantity=1, source_id=room.lyon.pk, destination_id=room.paris.pk
        )
    with django_assert_max_num_queries(12):
        page = document(client.get(url))
    assert len(rows(find(page, "table", id="level-table"))) == 23
    assert len(rows(find(page, "table", id="transfers"))) == 20
    assert len(rows(find(page, "table", id="proposal-table"))) == 20


# --- Parts -----------------------------------------------------------------------------------------


def test_the_parts_catalogue_searches_and_pages(room: Stockroom, world: World, monkeypatch: Any):
    client = client_for("agent-user")
    page = document(client.get("/stock/parts/"))
    assert rows(find(page, "table", id="parts")) == [
        ["BATTERY", "Battery", "—", "units", "no", "4"],
        ["BELT", "Feed belt", "GL-100-BLT", "units", "no", "9"],
        ["BOARD", "Main board", "—", "units", "yes", "2"],
        ["CABLE", "Power cable", "—", "metres", "no", "25.5 m"],
    ]
    assert text(find(page, "p", id="part-count")) == "4 parts"

    def references(query: str) -> list[str]:
        found = document(client.get(f"/stock/parts/?{query}"))
        return (
            [text(a) for a in find_all(find(found, "table", id="parts"), "a")]
            if find_all(found, "table")
            else []
        )

    assert references("q=gl-100") == ["BELT"]  # manufacturer reference
    assert references("q=alimentation") == ["BELT", "CABLE"]  # French name
    assert references("q=main") == ["BOARD"]  # English name
    assert references("q=nothing") == []
    monkeypatch.setattr(stock_views, "PAGE_SIZE", 3)
    second = document(client.get("/stock/parts/?page=2"))
    assert [text(a) for a in find_all(find(second, "table", id="parts"), "a")] == ["CABLE"]
    assert text(find(second, "span", aria_current="page")) == "Page 2 of 2"


def test_quantities_in_french(room: Stockroom, world: World):
    page = document(client_for("agent-user", language="fr").get("/stock/parts/"))
    assert rows(find(page, "table", id="parts"))[3][5] == "25,5 m"


def test_the_part_page(room: Stockroom, world: World):
    with clock.frozen(ORDERED):
        services.adjust(SYSTEM, room.van.pk, room.belt.pk, 0, reason="Lost")
    page = document(client_for("agent-user").get(f"/stock/parts/{room.belt.pk}/?tz=Europe/Paris"))
    assert text(find(page, "h1")) == "BELT Feed belt"
    fields = text(find(page, "dl", id="part-fields"))
    assert fields == (
        "Name (English) Feed belt Name (French) Courroie d'alimentation Manufacturer reference GL-100-BLT "
        "Unit units Serialised no Shipping class standard Unit cost 12.50 EUR Unit price 25.00 EUR"
    )
    assert [text(li) for li in find_all(find(page, "section", id="fits"), "li")] == ["Glory GFS-220"]
    assert rows(find(find(page, "section", id="stock"), "table")) == [
        ["LYON Dépôt Lyon", "Depot", "3", "0", "3", "—", "—", "—"],
        ["PARIS Dépôt Paris", "Depot", "5", "0", "5", "—", "—", "—"],
        ["VAN-LEA Véhicule Léa", "Van", "0", "0", "0", "—", "—", "—"],
    ]
    assert rows(find(page, "table", id="movement-table")) == [
        ["04/05/2026 10:00", "Count adjustment", "BELT", "1", "VAN-LEA", "—", "—", "tests", "Lost"],
        ["04/05/2026 08:00", "Receipt", "BELT", "1", "—", "VAN-LEA", "—", "tests", "PO-3"],
        ["04/05/2026 08:00", "Receipt", "BELT", "3", "—", "LYON", "—", "tests", "PO-2"],
        ["04/05/2026 08:00", "Receipt", "BELT", "5", "—", "PARIS", "—", "tests", "PO-1"],
    ]
    assert client_for("agent-user").get("/stock/parts/999999/").status_code == 404


# --- Movements journal -----------------------------------------------------------------------------


def journal(client: Any, query: str = "") -> list[list[str]]:
    page = document(client.get(f"/stock/movements/?{query}"))
    found = find_all(page, "table", id="movements")
    return rows(found[0]) if found else []


def test_the_journal_filters_by_part_location_kind_and_dates(room: Stockroom, world: World, monkeypatch: Any):
    client = client_for("agent-user")
    # Every receipt of the fixture, newest first, who and why, in UTC by default
    everything = journal(client)
    assert [row[2] for row in everything] == ["BATTERY", "BOARD", "BOARD", "CABLE", "BELT", "BELT", "BELT"]
    assert everything[1] == [
        "04/05/2026 06:00",
        "Receipt",
        "BOARD",
        "1",
        "—",
        "PARIS",
        "SN-2",
        "tests",
        "PO-5",
    ]
    assert journal(client, "part=belt&tz=UTC") == [
        ["04/05/2026 06:00", "Receipt", "BELT", "1", "—", "VAN-LEA", "—", "tests", "PO-3"],
        ["04/05/2026 06:00", "Receipt", "BELT", "3", "—", "LYON", "—", "tests", "PO-2"],
        ["04/05/2026 06:00", "Receipt", "BELT", "5", "—", "PARIS", "—", "tests", "PO-1"],
    ]
    assert [row[2] for row in journal(client, f"location={room.lyon.pk}")] == ["BATTERY", "BELT"]
    assert journal(client, "kind=adjustment") == []
    # A receipt at 00:30 in Paris on 5 May is on 4 May in UTC
    with clock.frozen(datetime(2026, 5, 4, 22, 30, tzinfo=UTC)):
        services.receive(SYSTEM, room.lyon.pk, room.belt.pk, 1, reason="Late delivery")
    assert journal(client, "since=2026-05-05&until=2026-05-05&tz=Europe/Paris") == [
        ["05/05/2026 00:30", "Receipt", "BELT", "1", "—", "LYON", "—", "tests", "Late delivery"],
    ]
    assert journal(client, "since=2026-05-05&tz=UTC") == []
    assert len(journal(client, "until=2026-05-04&tz=UTC")) == 8
    # Paginated
    monkeypatch.setattr(stock_views, "PAGE_SIZE", 3)
    last = document(client.get("/stock/movements/?page=3"))
    assert len(rows(find(last, "table", id="movements"))) == 2
    assert text(find(last, "span", aria_current="page")) == "Page 3 of 3"
    assert text(find(last, "p", id="movement-count")) == "8 movements · times in UTC"


def test_the_journal_says_what_is_wrong_with_a_filter(room: Stockroom, world: World):
    client = client_for("agent-user")
    page = document(client.get("/stock/movements/?part=NOPE&since=2026-13-01&tz=Mars/Olympus"))
    assert text(find(page, "p", id="error-part")) == "No part with reference NOPE."
    assert text(find(page, "p", id="error-since")) == "Give a date, e.g. 2026-03-02."
    assert text(find(page, "p", id="error-tz")) == (
        "Unknown time zone: Mars/Olympus. Give an IANA name, for example Europe/Paris."
    )
    assert find_all(page, "table", id="movements") == []


# --- Transfers -------------------------------------------------------------------------------------


def test_transfers_show_arrivals_in_the_viewer_time_zone_and_flag_late_ones(room: Stockroom, world: World):
    client = client_for("dispatcher-user")
    # Given a transfer of 2 belts from Paris to Lyon ordered at 10:00 in Paris (express air, 18 h)
    with clock.frozen(ORDERED):
        response = client.post(
            "/stock/transfers/new/",
            {
                "part": "BELT",
                "quantity": "2",
                "source": room.paris.pk,
                "destination": room.lyon.pk,
                "reason": "Lyon short",
            },
        )
    assert response["Location"] == "/stock/transfers/"
    # When the dispatcher looks the same day, in Paris time
    with clock.frozen(ORDERED):
        page = document(client.get("/stock/transfers/?tz=Europe/Paris"))
    listed = rows(find(page, "table", id="transfers"))
    assert [row[:9] for row in listed] == [
        [
            "TR-2026-00001",
            "BELT Feed belt",
            "2",
            "PARIS",
            "LYON",
            "Express air",
            "Planned",
            "05/05/2026 04:00",
            "Lyon short",
        ],
    ]
    assert find_all(page, "tr", data_late="true") == []
    # Then the next morning it is late; the time zone chosen is remembered
    with clock.frozen(NEXT_MORNING):
        later = document(client.get("/stock/transfers/"))
    assert rows(find(later, "table", id="transfers"))[0][7] == "05/05/2026 04:00 Late"
    assert len(find_all(later, "tr", data_late="true")) == 1
    # And in UTC the arrival is two hours earlier on the clock
    in_utc = document(client.get("/stock/transfers/?tz=UTC"))
    assert rows(find(in_utc, "table", id="transfers"))[0][7].startswith("05/05/2026 02:00")


def test_ship_receive_and_cancel(room: Stockroom, world: World):
    client = client_for("dispatcher-user")
    first = services.create_transfer(
        SYSTEM, part_id=room.belt.pk, quantity=2, source_id=room.paris.pk, destination_id=room.lyon.pk
    )
    second = services.create_transfer(
        SYSTEM, part_id=room.belt.pk, quantity=1, source_id=room.paris.pk, destination_id=room.van.pk
    )
    assert level(room, "PARIS", "BELT") == (Decimal(5), Decimal(3))
    page = document(client.get("/stock/transfers/"))
    buttons = [text(b) for b in find_all(find(page, "tr", data_transfer_id=str(first.pk)), "button")]
    assert buttons == ["Ship", "Cancel the transfer"]
    # Ship, from the location page (back there afterwards)
    shipped = client.post(
        f"/stock/transfers/{first.pk}/ship/", {"next": f"/stock/locations/{room.paris.pk}/"}
    )
    assert shipped["Location"] == f"/stock/locations/{room.paris.pk}/"
    assert level(room, "PARIS", "BELT") == (Decimal(3), Decimal(1))
    assert level(room, "IN-TRANSIT", "BELT") == (Decimal(2), Decimal(0))
    page = document(client.get("/stock/transfers/"))
    assert [text(b) for b in find_all(find(page, "tr", data_transfer_id=str(first.pk)), "button")] == [
        "Receive"
    ]
    # Receive
    received = client.post(f"/stock/transfers/{first.pk}/receive/", {"next": "https://evil.example/"})
    assert received["Location"] == "/stock/transfers/"
    assert level(room, "LYON", "BELT") == (Decimal(5), Decimal(0))
    assert Transfer.objects.get(pk=first.pk).status == "received"
    # Cancel needs a reason, then releases the hold
    unchanged = nothing_written()
    no_reason = client.post(f"/stock/transfers/{second.pk}/cancel/", {"reason": " "})
    assert no_reason.status_code == 422
    assert (
        text(find(document(no_reason), "p", id="action-error"))
        == "Give a reason for cancelling the transfer."
    )
    assert unchanged()
    assert client.post(f"/stock/transfers/{second.pk}/cancel/", {"reason": "Not needed"}).status_code == 302
    assert level(room, "PARIS", "BELT") == (Decimal(3), Decimal(0))
    assert Transfer.objects.get(pk=second.pk).status == "cancelled"
    # A transfer that moved on cannot be shipped: the reason is shown, nothing is written
    unchanged = nothing_written()
    again = client.post(f"/stock/transfers/{first.pk}/ship/")
    assert again.status_code == 409
    assert (
        text(find(document(again), "p", id="action-error"))
        == "Transfer TR-2026-00001 has already been received."
    )
    assert unchanged()
    # The received and cancelled ones are listed under their status
    done = document(client.get("/stock/transfers/?status=received"))
    assert [row[0] for row in rows(find(done, "table", id="transfers"))] == ["TR-2026-00001"]
    assert client.post("/stock/transfers/999999/ship/").status_code == 404


def test_only_planners_act_on_transfers(room: Stockroom, world: World):
    planned = services.create_transfer(
        SYSTEM, part_id=room.belt.pk, quantity=1, source_id=room.paris.pk, destination_id=room.lyon.pk
    )
    agent = client_for("agent-user")
    page = document(agent.get("/stock/transfers/"))
    assert find_all(find(page, "table", id="transfers"), "button") == []
    assert find_all(page, "a", id="new-transfer") == []
    unchanged = nothing_written()
    assert agent.post(f"/stock/transfers/{planned.pk}/ship/").status_code == 403
    assert (
        client_for("technician-user")
        .post(f"/stock/transfers/{planned.pk}/cancel/", {"reason": "x"})
        .status_code
        == 403
    )
    assert client_for("alpha-user").post(f"/stock/transfers/{planned.pk}/ship/").status_code == 404
    assert agent.post("/stock/transfers/new/", {"part": "BELT", "quantity": "1"}).status_code == 403
    assert unchanged()


@pytest.mark.parametrize(
    ("change", "field", "status", "message"),
    [
        ({"destination": "paris"}, "destination", 422, "A transfer needs two different locations."),
        (
            {"quantity": "1.5"},
            "quantity",
            422,
            "This part is counted in whole units: 1.5 is not a whole number.",
        ),
        ({"quantity": "9"}, "quantity", 409, "Only 5 of BELT available at PARIS."),
        ({"quantity": "two"}, "quantity", 422, "A quantity is a number."),
        ({"part": "NOPE"}, "part", 422, "No part with reference NOPE."),
        ({"source": ""}, "source", 422, "Choose a location."),
        (
            {"source": "defective"},
            "source",
            409,
            "DEFECTIVE does not hold stock that can be used or shipped.",
        ),
    ],
)
def test_a_new_transfer_refuses_bad_input(
    room: Stockroom, world: World, change: dict[str, str], field: str, status: int, message: str
):
    ids = {"paris": str(room.paris.pk), "defective": str(room.defective.pk)}
    form = {"part": "BELT", "quantity": "2", "source": str(room.paris.pk), "destination": str(room.lyon.pk)}
    form.update({name: ids.get(value, value) for name, value in change.items()})
    unchanged = nothing_written()
    response = client_for("dispatcher-user").post("/stock/transfers/new/", form)
    assert response.status_code == status
    page = document(response)
    assert text(find(page, "p", id=f"error-transfer-{field}")) == message
    # What was typed stays in the form
    assert attribute(find(page, "input", id="transfer-quantity"), "value") == form["quantity"]
    assert unchanged()
    assert Transfer.objects.count() == 0


def test_the_new_transfer_form_is_prefilled_from_the_query(room: Stockroom, world: World):
    page = document(
        client_for("dispatcher-user").get(f"/stock/transfers/new/?part=BELT&source={room.paris.pk}")
    )
    assert attribute(find(page, "input", id="transfer-part"), "value") == "BELT"
    selected = find(find(page, "select", id="transfer-source"), "option", selected=None)
    assert text(selected) == "PARIS Dépôt Paris (Depot)"
    # The in-transit location is no destination
    destinations = [text(o) for o in find_all(find(page, "select", id="transfer-destination"), "option")]
    assert destinations == [
        "—",
        "DEFECTIVE Retours défectueux (Defective returns)",
        "LYON Dépôt Lyon (Depot)",
        "PARIS Dépôt Paris (Depot)",
        "VAN-LEA Véhicule Léa (Van)",
    ]
