"""Contract and calendar pages: exact content, terms as of a date, customer scoping (404), French
rendering, the calendar preview of unsaved values, the editor writing nothing on a bad value, budgets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from tests.conftest import SYSTEM, World
from tests.web.markup import attribute, document, find, find_all, rows, text
from tests.web.test_pages import client_for, french_catalogue  # noqa: F401 (a fixture)
from tournevis.contracts import services, services_tiers
from tournevis.contracts.models import Calendar, Contract
from tournevis.core import clock
from tournevis.core.models import AuditEvent

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # Monday 2 March 2026, 08:30 in Paris
SPLIT_DAY = {"mon": [["08:00", "12:00"], ["13:30", "18:00"]], "tue": [["09:00", "17:00"]]}


def _targets(on_site_p1: int = 240) -> list[dict[str, object]]:
    return [
        {
            "priority": "P1",
            "first_response_minutes": 30,
            "on_site_minutes": on_site_p1,
            "resolution_minutes": 960,
        },
        {"priority": "P2", "first_response_minutes": 60, "on_site_minutes": 480, "resolution_minutes": 1440},
        {"priority": "P3", "first_response_minutes": 240, "on_site_minutes": 960, "resolution_minutes": 2880},
        {
            "priority": "P4",
            "first_response_minutes": 480,
            "on_site_minutes": 2400,
            "resolution_minutes": 4800,
        },
    ]


@pytest.fixture
def paris(world: World) -> Calendar:
    return services_tiers.create_calendar(
        SYSTEM,
        {
            "name": "Paris office",
            "timezone": "Europe/Paris",
            "slots": SPLIT_DAY,
            "holidays": {"country": "FR"},
            "closures": [["2026-03-03", "2026-03-03"]],
        },
    )


@pytest.fixture
def contract(world: World) -> Contract:
    gold = services_tiers.create_sla_policy(SYSTEM, {"name": "Gold", "targets": _targets()})
    silver = services_tiers.create_sla_policy(
        SYSTEM,
        {
            "name": "Silver",
            "targets": [
                *_targets(on_site_p1=480),
                {
                    "priority": "P1",
                    "category_id": world.category.pk,
                    "first_response_minutes": 45,
                    "on_site_minutes": 90,
                    "resolution_minutes": 600,
                },
            ],
        },
    )
    with clock.frozen(datetime(2026, 1, 1, 9, tzinfo=UTC)):
        found = services.create_contract(
            SYSTEM,
            world.a.customer.pk,
            {
                "number": "C-2026-00007",
                "type": "maintenance",
                "status": "active",
                "start_date": date(2026, 1, 1),
                "end_date": date(2026, 12, 31),
                "price_minor": 300000,
                "currency": "EUR",
                "billing_cycle": "quarterly",
                "sla_policy_id": gold.pk,
                "account_manager_id": world.staff["manager"].pk,
                "parts_included": True,
                "coverage": {"site_ids": [world.a.site.pk], "object_ids": [world.a.machine.pk]},
            },
        )
        services.amend_contract(
            SYSTEM,
            found.pk,
            {
                "effective_date": date(2026, 2, 15),
                "price_minor": 400000,
                "sla_policy_id": silver.pk,
                "add": {"category_ids": [world.category.pk]},
                "remove": {"site_ids": [world.a.site.pk]},
                "reason": "Upgrade",
            },
        )
    return found


def test_the_contract_list_filters_by_customer_status_and_type(world: World, contract: Contract) -> None:
    services.create_contract(
        SYSTEM,
        world.b.customer.pk,
        {
            "number": "C-2026-00009",
            "type": "warranty",
            "status": "draft",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 6, 30),
            "currency": "CAD",
        },
    )
    agent = client_for("agent-user")

    def numbers(query: str) -> list[str]:
        tables = find_all(document(agent.get(f"/contracts/{query}")), "table", id="contracts")
        return [row[0] for row in rows(tables[0])] if tables else []

    page = document(agent.get("/contracts/"))
    assert rows(find(page, "table", id="contracts")) == [
        ["C-2026-00007", "Alpha Bank", "Maintenance", "Active", "01/01/2026 – 31/12/2026"],  # noqa: RUF001 (an en dash between dates)
        ["C-2026-00009", "Beta Bank", "Warranty", "Draft", "01/01/2026 – 30/06/2026"],  # noqa: RUF001 (an en dash between dates)
    ]
    assert text(find(page, id="contract-count")) == "2 contracts"
    assert attribute(find(page, "nav", class_="main-nav").children[1], "aria-current") == "page"
    assert numbers("?customer=alp") == ["C-2026-00007"]
    assert numbers("?status=draft") == ["C-2026-00009"]
    assert numbers("?type=maintenance") == ["C-2026-00007"]
    assert numbers("?type=warranty&status=active") == []
    assert numbers("?status=bogus") == ["C-2026-00007", "C-2026-00009"]  # an unknown status filters nothing
    own = document(client_for("alpha-user").get("/contracts/"))
    assert [row[0] for row in rows(find(own, id="contracts"))] == ["C-2026-00007"]


def test_the_contract_page_shows_terms_today_coverage_sla_amendments_and_calendar(
    world: World, contract: Contract, paris: Calendar
) -> None:
    services_tiers.assign_calendar(SYSTEM, paris.pk, customer_id=world.a.customer.pk)
    agent = client_for("agent-user")
    with clock.frozen(NOW):
        page = document(agent.get(f"/contracts/{contract.pk}/"))
    assert text(find(page, "h1")) == "Contract C-2026-00007 Active"
    assert text(find(page, "h2", id="terms-title")) == "Terms in force today"
    assert text(find(page, "dl", id="terms-fields")) == (
        "Price per billing period 4,000.00 EUR Billing cycle Quarterly Tier Silver"
    )
    assert [text(li) for li in find_all(find(page, id="coverage"), "li")] == [
        "Equipment and everything under it: Counter Alpha HQ",
        "Category: Bill counter",
    ]
    assert rows(find(page, "table", id="sla")) == [
        ["P1", "All", "30 min", "8 h", "16 h", "2 h"],
        ["P1", "Bill counter", "45 min", "1 h 30 min", "10 h", "2 h"],
        ["P2", "All", "1 h", "8 h", "24 h", "8 h"],
        ["P3", "All", "4 h", "16 h", "48 h", "8 h"],
        ["P4", "All", "8 h", "40 h", "80 h", "40 h"],
    ]
    assert [text(li) for li in find_all(find(page, id="calendars"), "li")] == [
        "Paris office (set on the customer)"
    ]
    assert rows(find(find(page, id="amendments"), "table")) == [
        [
            "1",
            "15 February 2026",
            "price 4,000.00 EUR. tier Silver. added: Bill counter. removed: Alpha HQ.",
            "3,500.00 EUR",
            "Upgrade",
        ]
    ]
    assert "Account manager manager-user" in text(find(page, "section", id="fields"))


def test_the_contract_page_shows_the_terms_as_of_a_date(world: World, contract: Contract) -> None:
    agent = client_for("agent-user")
    with clock.frozen(NOW):
        page = document(agent.get(f"/contracts/{contract.pk}/?at=2026-02-01"))
        bad = document(agent.get(f"/contracts/{contract.pk}/?at=someday"))
    assert text(find(page, "h2", id="terms-title")) == "Terms in force on 1 February 2026"
    assert text(find(page, "dl", id="terms-fields")) == (
        "Price per billing period 3,000.00 EUR Billing cycle Quarterly Tier Gold"
    )
    assert [attribute(li, "data-kind") for li in find_all(find(page, id="coverage"), "li")] == [
        "site",
        "object",
    ]
    assert rows(find(page, "table", id="sla"))[0] == ["P1", "All", "30 min", "4 h", "16 h", "2 h"]
    assert [text(li) for li in find_all(find(page, id="calendars"), "li")] == [
        "24/7 UTC (no calendar set: open 24/7)"
    ]
    assert text(find(bad, "p", class_="error")) == "“someday” is not a date; showing today."


def test_customer_users_see_their_own_contracts_and_404_for_others(world: World, contract: Contract) -> None:
    alpha, beta = client_for("alpha-user"), client_for("beta-user")
    assert alpha.get(f"/contracts/{contract.pk}/").status_code == 200
    response = beta.get(f"/contracts/{contract.pk}/")
    assert response.status_code == 404
    assert b"C-2026-00007" not in response.content
    customer_page = document(alpha.get(f"/customers/{world.a.customer.pk}/"))
    assert rows(find(find(customer_page, "section", id="contracts"), "table")) == [
        ["C-2026-00007", "Maintenance", "Active", "01/01/2026 – 31/12/2026"]  # noqa: RUF001 (an en dash between dates)
    ]
    assert [text(a) for a in find_all(find(customer_page, "nav", class_="main-nav"), "a")] == [
        "Customers",
        "Contracts",
        "At risk",
        "Tickets",
        "Work orders",
    ]


def test_calendar_pages_are_for_staff_and_the_editor_for_managers(world: World, paris: Calendar) -> None:
    alpha = client_for("alpha-user")
    for url in ("/calendars/", f"/calendars/{paris.pk}/", f"/calendars/{paris.pk}/edit/"):
        assert alpha.get(url).status_code == 404
    agent = client_for("agent-user")
    assert agent.get(f"/calendars/{paris.pk}/edit/").status_code == 403
    assert agent.post(f"/calendars/{paris.pk}/preview/", {"timezone": "UTC"}).status_code == 403
    assert agent.get("/calendars/999999/").status_code == 404
    listing = document(agent.get("/calendars/"))
    assert rows(find(listing, "table", id="calendars")) == [
        ["Paris office", "Europe/Paris", "France", "0", "0"]
    ]
    assert client_for("manager-user").get(f"/calendars/{paris.pk}/edit/").status_code == 200


def test_the_calendar_page_shows_slots_holidays_closures_and_the_next_openings(
    world: World, paris: Calendar
) -> None:
    with clock.frozen(NOW):
        page = document(client_for("agent-user").get(f"/calendars/{paris.pk}/"))
    assert rows(find(find(page, id="weekly"), "table"))[:3] == [
        ["Monday", "08:00–12:00 13:30–18:00"],  # noqa: RUF001 (an en dash between times)
        ["Tuesday", "09:00–17:00"],  # noqa: RUF001 (an en dash between times)
        ["Wednesday", "Closed"],
    ]
    assert text(find(page, id="holidays-region")) == "France"
    assert [text(li) for li in find_all(find(page, id="next-holidays"), "li")] == [
        "Monday 6 April 2026",
        "Friday 1 May 2026",
        "Friday 8 May 2026",
        "Thursday 14 May 2026",
        "Monday 25 May 2026",
    ]
    assert [text(li) for li in find_all(find(page, id="closures"), "li")] == ["2026-03-03 → 2026-03-03"]
    assert rows(find(page, "table", id="openings"))[:4] == [
        ["Monday 2 March 2026", "08:30", "12:00"],
        ["Monday 2 March 2026", "13:30", "18:00"],
        ["Monday 9 March 2026", "08:00", "12:00"],  # Tuesday 3 is closed, nothing else until Monday
        ["Monday 9 March 2026", "13:30", "18:00"],
    ]
    assert find_all(page, id="edit-calendar") == []


def _form(**changes: str) -> dict[str, str]:
    values = {
        "name": "Paris office",
        "timezone": "Europe/Paris",
        "holidays_country": "FR",
        "holidays_subdivision": "",
        "closures": "",
        "yearly_closures": "",
        "version": "1",
        **{f"slots_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "slots_mon": "08:00-12:00, 13:30-18:00",
    }
    return {**values, **changes}


def test_the_preview_renders_the_next_openings_of_unsaved_values(world: World, paris: Calendar) -> None:
    manager = client_for("manager-user")
    with clock.frozen(NOW):
        response = manager.post(
            f"/calendars/{paris.pk}/preview/",
            _form(slots_wed="07:00-09:00,14:00 – 16:30"),  # noqa: RUF001 (an en dash is accepted)
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    fragment = document(response)
    assert find_all(fragment, "html") == []
    assert rows(find(fragment, "table", id="openings"))[:5] == [
        ["Monday 2 March 2026", "08:30", "12:00"],
        ["Monday 2 March 2026", "13:30", "18:00"],
        ["Wednesday 4 March 2026", "07:00", "09:00"],
        ["Wednesday 4 March 2026", "14:00", "16:30"],
        ["Monday 9 March 2026", "08:00", "12:00"],
    ]
    paris.refresh_from_db()
    assert (paris.slots, paris.closures, paris.version) == (SPLIT_DAY, [["2026-03-03", "2026-03-03"]], 1)


def test_the_editor_shows_errors_next_to_fields_and_writes_nothing(world: World, paris: Calendar) -> None:
    manager = client_for("manager-user")
    audit_before = AuditEvent.objects.count()
    bad = _form(
        slots_mon="12:00-08:00", holidays_country="ZZ", closures="2026-05-01 2026-04-01", timezone="Mars/Base"
    )
    response = manager.post(f"/calendars/{paris.pk}/edit/", bad)
    assert response.status_code == 422
    page = document(response)
    assert {
        name: text(find(page, "p", id=f"error-{name}"))
        for name in ("slots_mon", "holidays_country", "closures")
    } == {
        "slots_mon": "“12:00-08:00” is not a valid slot.",
        "holidays_country": "No public holidays are known for country “ZZ”.",
        "closures": "The end is before the start.",
    }
    assert attribute(find(page, "input", name="slots_mon"), "value") == "12:00-08:00"
    assert "timezone" in {
        attribute(p, "id").removeprefix("error-")
        for p in find_all(page, "p", class_="error")
        if attribute(p, "id")
    }
    preview = document(manager.post(f"/calendars/{paris.pk}/preview/", bad))
    assert find_all(preview, "table", id="openings") == []
    assert text(find(preview, id="preview-errors")) == "Correct the fields marked in red to see the preview."
    paris.refresh_from_db()
    assert (paris.slots, paris.holidays_country, paris.timezone, paris.version) == (
        SPLIT_DAY,
        "FR",
        "Europe/Paris",
        1,
    )
    assert AuditEvent.objects.count() == audit_before


def test_the_editor_saves_through_the_service(world: World, paris: Calendar) -> None:
    manager = client_for("manager-user")
    response = manager.post(
        f"/calendars/{paris.pk}/edit/",
        _form(
            slots_fri="09:00-12:00",
            holidays_subdivision="",
            yearly_closures="12-24 01-01",
            closures="2026-08-03",
        ),
    )
    assert (response.status_code, response["Location"]) == (302, f"/calendars/{paris.pk}/")
    paris.refresh_from_db()
    assert (paris.slots, paris.closures, paris.yearly_closures, paris.version) == (
        {"mon": [["08:00", "12:00"], ["13:30", "18:00"]], "fri": [["09:00", "12:00"]]},
        [["2026-08-03", "2026-08-03"]],
        [["12-24", "01-01"]],
        2,
    )
    assert AuditEvent.objects.filter(action="calendar.update", object_id=str(paris.pk)).count() == 1
    stale = manager.post(f"/calendars/{paris.pk}/edit/", _form(version="1"))
    assert stale.status_code == 422
    assert text(find(document(stale), id="error-form")).startswith("This record changed since you read it")


@pytest.mark.usefixtures("french_catalogue")
def test_contract_and_calendar_pages_render_in_french(
    world: World, contract: Contract, paris: Calendar
) -> None:
    client = client_for("agent-user", language="fr")
    with clock.frozen(NOW):
        page = document(client.get(f"/contracts/{contract.pk}/"))
        calendar = document(client.get(f"/calendars/{paris.pk}/"))
    assert text(find(page, "h1")) == "Contrat C-2026-00007 Actif"
    assert text(find(page, "h2", id="terms-title")) == "Conditions en vigueur aujourd’hui"  # noqa: RUF001
    assert text(find(page, "dl", id="terms-fields")) == (
        "Prix par période de facturation 4 000,00 EUR Cycle de facturation Trimestriel Niveau Silver"
    )
    assert rows(find(page, "table", id="sla"))[1] == [
        "P1",
        "Compteuse de billets",
        "45 min",
        "1 h 30 min",
        "10 h",
        "2 h",
    ]
    assert rows(find(calendar, "table", id="openings"))[0] == ["Lundi 2 mars 2026", "08:30", "12:00"]
    assert text(find(calendar, "h2", id="preview-title")) == (
        "Prochaines heures d’ouverture heure locale, Europe/Paris"  # noqa: RUF001
    )


def test_the_pages_keep_to_their_query_budgets(
    world: World, contract: Contract, paris: Calendar, django_assert_max_num_queries: object
) -> None:
    for n in range(8):
        services.amend_contract(
            SYSTEM, contract.pk, {"effective_date": date(2026, 3, 1 + n), "price_minor": 400000 + n}
        )
        services_tiers.create_calendar(SYSTEM, {"name": f"Cal {n}", "timezone": "UTC"})
    agent, manager = client_for("agent-user"), client_for("manager-user")
    with clock.frozen(NOW):
        with django_assert_max_num_queries(15):  # type: ignore[operator]
            assert agent.get(f"/contracts/{contract.pk}/").status_code == 200
        with django_assert_max_num_queries(6):  # type: ignore[operator]
            assert agent.get("/contracts/").status_code == 200
        with django_assert_max_num_queries(6):  # type: ignore[operator]
            assert agent.get("/calendars/").status_code == 200
        with django_assert_max_num_queries(6):  # type: ignore[operator]
            assert manager.post(f"/calendars/{paris.pk}/preview/", _form()).status_code == 200
        with django_assert_max_num_queries(9):  # type: ignore[operator]
            assert agent.get(f"/customers/{world.a.customer.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(world: World, paris: Calendar) -> None:
    client = Client()
    for url in (
        "/contracts/",
        "/contracts/1/",
        "/calendars/",
        f"/calendars/{paris.pk}/",
        f"/calendars/{paris.pk}/edit/",
    ):
        assert client.get(url).status_code == 302


def test_the_contract_page_lists_its_preventive_plans(world: World, contract: Contract) -> None:
    from tournevis.contracts import services_preventive

    services_preventive.create_plan(
        SYSTEM,
        contract.pk,
        {
            "name": "Quarterly service",
            "unit": "months",
            "every": 3,
            "service_object_id": world.a.machine.pk,
            "tolerance_before_days": 7,
            "tolerance_after_days": 14,
            "start_date": date(2026, 1, 15),
        },
    )
    services_preventive.create_plan(
        SYSTEM,
        contract.pk,
        {
            "name": "Counter service",
            "unit": "counter",
            "every": 500000,
            "counter_key": "notes_counted",
            "category_id": world.category.pk,
            "start_date": date(2026, 1, 1),
        },
    )
    with clock.frozen(NOW):
        page = document(client_for("agent-user").get(f"/contracts/{contract.pk}/"))

    assert rows(find(find(page, "section", id="plans"), "table")) == [
        [
            "Counter service",
            "every Bill counter covered",
            "every 500,000 units of notes_counted",
            "-0 / +0 days",
            "1 January 2026",
            "Active",
        ],
        [
            "Quarterly service",
            "Counter (ALPHA-0001)",
            "every 3 months",
            "-7 / +14 days",
            "15 January 2026",
            "Active",
        ],
    ]
