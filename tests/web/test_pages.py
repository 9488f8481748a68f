"""Back-office pages: content per role, customer scoping (404), lazy tree, as-of attributes, search,
French rendering and query budgets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

from tests.conftest import PASSWORD, SYSTEM, World
from tests.web.markup import attribute, document, find, find_all, rows, text
from tournevis.core import clock
from tournevis.customers import services as customer_services
from tournevis.installed_base import services as ib_services

MO = Path(__file__).resolve().parents[2] / "src" / "tournevis" / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
NOON = datetime(2025, 6, 15, 10, 0, tzinfo=UTC)  # 12:00 in Paris


def client_for(username: str, language: str = "en") -> Client:
    client = Client()
    client.cookies["django_language"] = language
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def agent(world: World) -> Client:
    return client_for("agent-user")


@pytest.fixture
def french_catalogue() -> None:
    if not MO.is_file() or MO.stat().st_mtime < MO.with_suffix(".po").stat().st_mtime:
        pytest.fail(
            f"{MO} is missing or older than its .po: run `make setup` or `scripts/messages.sh compile`"
        )


def test_anonymous_visitors_are_sent_to_the_login_page(world: World) -> None:
    client = Client()
    for url in (
        "/",
        "/search/?q=alpha",
        "/customers/",
        f"/customers/{world.a.customer.pk}/",
        f"/sites/{world.a.site.pk}/",
        f"/objects/{world.a.machine.pk}/",
        f"/objects/{world.a.machine.pk}/children/",
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={quote(url, safe='/')}")


def test_the_dashboard_counts_what_the_actor_may_see(world: World, agent: Client) -> None:
    ib_services.update_object(SYSTEM, world.b.module.pk, {"status": "in_repair"})
    page = document(agent.get("/"))
    counts = [text(find(page, id=f"count-{name}")) for name in ("customers", "sites", "objects", "in-repair")]
    assert counts == ["2 Customers", "2 Sites", "6 Equipment", "1 In repair"]
    assert rows(find(find(page, id="recent"), "table"))[0][:5] == [
        "Feeder",
        "—",
        "Beta HQ",
        "Beta Bank",
        "In repair",
    ]

    own = document(client_for("alpha-user").get("/"))
    counts = [text(find(own, id=f"count-{name}")) for name in ("customers", "sites", "objects", "in-repair")]
    assert counts == ["1 Customers", "1 Sites", "3 Equipment", "0 In repair"]
    assert {row[3] for row in rows(find(find(own, id="recent"), "table"))} == {"Alpha Bank"}


def test_the_customer_list_filters_by_name_country_and_tier(world: World, agent: Client) -> None:
    customer_services.update_customer(SYSTEM, world.b.customer.pk, {"tier": "silver"})

    def names(query: str) -> list[str]:
        page = document(agent.get(f"/customers/{query}"))
        table = find_all(page, "table", id="customers")
        return [row[0] for row in rows(table[0])] if table else []

    page = document(agent.get("/customers/"))
    assert rows(find(page, "table", id="customers")) == [
        ["Alpha Bank", "France", "Gold", "French", "1"],
        ["Beta Bank", "Canada", "Silver", "French", "1"],
    ]
    assert text(find(page, id="customer-count")) == "2 customers"
    assert [attribute(o, "value") for o in find_all(find(page, id="filter-country"), "option")] == [
        "",
        "CA",
        "FR",
    ]
    assert names("?name=alp") == ["Alpha Bank"]
    assert names("?country=CA") == ["Beta Bank"]
    assert names("?tier=gold") == ["Alpha Bank"]
    assert names("?tier=platinum") == []
    assert names("?name=bank&country=FR&tier=gold") == ["Alpha Bank"]
    assert names("?tier=bogus") == ["Alpha Bank", "Beta Bank"]  # an unknown tier filters nothing
    assert [
        row[0] for row in rows(find(document(client_for("beta-user").get("/customers/")), id="customers"))
    ] == ["Beta Bank"]


def test_the_customer_list_shows_50_customers_a_page(world: World, agent: Client) -> None:
    for n in range(55):
        customer_services.create_customer(
            SYSTEM, {"name": f"Client {n:02d}", "country": "FR", "timezone": "Europe/Paris"}
        )
    first = document(agent.get("/customers/?country=FR"))
    second = document(agent.get("/customers/?country=FR&page=2"))
    assert len(rows(find(first, id="customers"))) == 50
    assert [row[0] for row in rows(find(second, id="customers"))] == [
        "Client 49",
        "Client 50",
        "Client 51",
        "Client 52",
        "Client 53",
        "Client 54",
    ]
    assert text(find(first, "nav", class_="pagination")) == "Page 1 of 2 Next →"
    assert attribute(find(first, "a", rel="next"), "href") == "?country=FR&page=2"
    assert text(find(second, "nav", class_="pagination")) == "← Previous Page 2 of 2"


def test_the_customer_page_shows_fields_sites_and_contacts(world: World, agent: Client) -> None:
    customer_services.update_customer(SYSTEM, world.a.customer.pk, {"vat_number": "FR40303265045"})
    customer_services.create_contact(
        SYSTEM,
        world.a.customer.pk,
        {
            "name": "Zoé Site",
            "site_id": world.a.site.pk,
            "phone": "+33 1 42 68 53 00",
            "job_title": "Cashier",
        },
    )
    page = document(agent.get(f"/customers/{world.a.customer.pk}/"))
    assert text(find(page, "h1")) == "Alpha Bank"
    assert text(find(page, "dl", class_="fields")) == (
        "Country France Tier Gold Language French Time zone Europe/Paris VAT number FR40303265045 Phone —"
    )
    assert rows(find(find(page, id="sites"), "table")) == [["Alpha HQ", "—", "Paris", "France", "3"]]
    assert rows(find(find(page, id="contacts"), "table")) == [
        ["Alpha Contact", "—", "c@alpha.example", "—", "French", "All sites"],
        ["Zoé Site", "Cashier", "—", "+33142685300", "French", "Alpha HQ"],
    ]


def test_the_site_page_shows_hours_contacts_and_only_the_tree_roots(
    world: World, agent: Client, django_assert_max_num_queries
) -> None:
    customer_services.update_site(
        SYSTEM,
        world.a.site.pk,
        {
            "address_line1": "1 rue de la Paix",
            "postal_code": "75002",
            "latitude": 48.8686,
            "longitude": 2.3314,
            "access_hours": {"mon": [["08:00", "12:00"], ["13:30", "18:00"]], "sat": [["09:00", "12:00"]]},
            "access_notes": "Ring twice.",
        },
    )
    url = f"/sites/{world.a.site.pk}/"
    # session, user, site, contacts, tree roots (with has_children)
    with django_assert_max_num_queries(5):
        page = document(agent.get(url))
    assert text(find(page, "h1")) == "Alpha HQ"
    assert text(find(page, "nav", class_="breadcrumb")) == "Customers Alpha Bank Alpha HQ"
    assert text(find(page, "address")) == "1 rue de la Paix 75002 Paris France"
    assert (
        text(find(find(page, "section", id="fields"), "a", rel="noopener noreferrer external"))
        == "48.86860, 2.33140"
    )
    assert rows(find(page, "table", class_="hours")) == [
        ["Monday", "08:00–12:00 13:30–18:00"],  # noqa: RUF001 (an en dash between times)
        ["Tuesday", "Closed"],
        ["Wednesday", "Closed"],
        ["Thursday", "Closed"],
        ["Friday", "Closed"],
        ["Saturday", "09:00–12:00"],  # noqa: RUF001
        ["Sunday", "Closed"],
    ]
    assert rows(find(find(page, id="contacts"), "table")) == [
        ["Alpha Contact", "—", "c@alpha.example", "—", "French", "All sites"]
    ]
    tree = find(page, "ul", class_="tree")
    assert [attribute(node, "data-object-id") for node in find_all(tree, "li", class_="node")] == [
        str(world.a.area.pk)
    ]
    expander = find(tree, "details")
    assert attribute(expander, "hx-get") == f"/objects/{world.a.area.pk}/children/"
    assert attribute(expander, "hx-trigger") == "toggle once"
    fallback = find(expander, "li", class_="loading")
    assert attribute(find(fallback, "a"), "href") == f"/objects/{world.a.area.pk}/#children"
    assert "Counter" not in text(tree)

    for n in range(12):  # more roots with children: the same number of queries
        root = ib_services.create_object(SYSTEM, {"site_id": world.a.site.pk, "name": f"Room {n:02d}"})
        ib_services.create_object(SYSTEM, {"site_id": world.a.site.pk, "parent_id": root.pk, "name": "Safe"})
    with django_assert_max_num_queries(5):
        page = document(agent.get(url))
    assert len(find_all(find(page, "ul", class_="tree"), "details")) == 13


def test_the_children_fragment_returns_one_level_of_the_tree(world: World, agent: Client) -> None:
    url = f"/objects/{world.a.area.pk}/children/"
    response = agent.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    fragment = response.content.decode()
    assert "<html" not in fragment
    nodes = find_all(document(response), "li", class_="node")
    assert [attribute(n, "data-object-id") for n in nodes] == [str(world.a.machine.pk)]
    assert attribute(find(nodes[0], "details"), "hx-get") == f"/objects/{world.a.machine.pk}/children/"
    assert text(find(nodes[0], "summary")) == "Counter ALPHA-0001 Bill counter Glory GFS-220"

    leaf = document(agent.get(f"/objects/{world.a.machine.pk}/children/", headers={"HX-Request": "true"}))
    assert text(leaf) == "Feeder"
    assert find_all(leaf, "details") == []

    plain = agent.get(url)  # without JavaScript: the object page, which lists the parts
    assert (plain.status_code, plain["Location"]) == (302, f"/objects/{world.a.area.pk}/")


def test_the_object_page_shows_breadcrumb_fields_parts_and_history(
    world: World, agent: Client, django_assert_max_num_queries
) -> None:
    with clock.frozen(datetime(2025, 6, 1, 7, 30, tzinfo=UTC)):
        obj = ib_services.create_object(
            SYSTEM,
            {
                "site_id": world.a.site.pk,
                "parent_id": world.a.area.pk,
                "name": "Sorter",
                "equipment_model_id": world.model.pk,
                "serial_number": "ALPHA-0002",
                "install_date": date(2024, 3, 1),
            },
        )
        part = ib_services.create_object(
            SYSTEM, {"site_id": world.a.site.pk, "parent_id": obj.pk, "name": "Belt"}
        )
    with clock.frozen(NOON):
        ib_services.update_object(SYSTEM, obj.pk, {"status": "in_repair"})
        ib_services.update_object(
            SYSTEM,
            obj.pk,
            {
                "name": "Sorter 2",
                "warranty_end": date(2027, 3, 1),
                "manager_id": world.b.customer.pk,
            },
        )
        ib_services.update_object(SYSTEM, obj.pk, {"parent_id": None})
        ib_services.set_attribute(
            SYSTEM, obj.pk, key="firmware", value="4.2", valid_from=datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
        )
    # session, user, object (+ site, customer, category, model, owner, manager), attributes as of,
    # attribute history, history, one per kind of reference named in it (parents, customers), parts,
    # the telemetry devices of the object (for its charts)
    with clock.frozen(NOON), django_assert_max_num_queries(10):
        response = agent.get(f"/objects/{obj.pk}/")
    page = document(response)
    assert text(find(page, "h1")) == "Sorter 2"
    assert text(find(page, "nav", class_="breadcrumb")) == "Customers Alpha Bank Alpha HQ Sorter 2"
    assert text(find(page, "dl", class_="fields")) == (
        "Category Bill counter Model Glory GFS-220 Serial number ALPHA-0002 Install date 1 March 2024 "
        "Warranty end 1 March 2027 Owner Alpha Bank Managed by Beta Bank Status In repair Site Alpha HQ"
    )
    assert [
        attribute(n, "data-object-id") for n in find_all(find(page, id="children"), "li", class_="node")
    ] == [str(part.pk)]
    events = find_all(find(page, "section", id="history"), "li")
    assert [attribute(e, "data-kind") for e in events] == [
        "attribute",
        "moved",
        "updated",
        "status",
        "created",
    ]
    assert [text(e) for e in events] == [
        "Attribute recorded 15/06/2025 12:00 by tests firmware = 4.2 · valid from 1 June 2025, 08:00",
        "Moved 15/06/2025 12:00 by tests Parent Cash room → becomes top level",
        "Updated 15/06/2025 12:00 by tests Name Sorter → becomes Sorter 2"
        " Warranty end — → becomes 1 March 2027 Manager — → becomes Beta Bank",
        "Status changed 15/06/2025 12:00 by tests Status Active → becomes In repair",
        "Created 01/06/2025 09:30 by tests Name Sorter Serial number ALPHA-0002",
    ]

    with django_assert_max_num_queries(9):  # + ancestors in one query, + telemetry devices; no references
        nested = document(agent.get(f"/objects/{world.a.module.pk}/"))
    assert (
        text(find(nested, "nav", class_="breadcrumb"))
        == "Customers Alpha Bank Alpha HQ Cash room Counter Feeder"
    )


def test_the_object_page_shows_attributes_as_of_a_date(world: World, agent: Client) -> None:
    pk = world.a.machine.pk
    ib_services.set_attribute(
        SYSTEM, pk, key="firmware", value="1.0", valid_from=datetime(2025, 1, 10, tzinfo=UTC)
    )
    ib_services.set_attribute(
        SYSTEM, pk, key="firmware", value="2.0", valid_from=datetime(2025, 6, 1, tzinfo=UTC)
    )
    ib_services.set_attribute(
        SYSTEM, pk, key="counter", value=1234567, valid_from=datetime(2025, 2, 1, tzinfo=UTC)
    )

    def as_of(query: str) -> tuple[str, list[list[str]]]:
        with clock.frozen(NOON):
            page = document(agent.get(f"/objects/{pk}/{query}"))
        tables = find_all(page, "table", id="attributes-as-of")
        return attribute(find(page, "input", id="as_of"), "value") or "", rows(tables[0]) if tables else []

    assert as_of("") == (
        "2025-06-15",
        [["counter", "1,234,567", "01/02/2025 01:00"], ["firmware", "2.0", "01/06/2025 02:00"]],
    )
    assert as_of("?as_of=2025-03-01") == (
        "2025-03-01",
        [["counter", "1,234,567", "01/02/2025 01:00"], ["firmware", "1.0", "10/01/2025 01:00"]],
    )
    assert as_of("?as_of=2025-01-09") == ("2025-01-09", [])
    with clock.frozen(NOON):
        page = document(agent.get(f"/objects/{pk}/?as_of=31/02/2025"))
    assert text(find(page, id="as_of-error")) == "“31/02/2025” is not a date; showing today."
    with clock.frozen(NOON):
        far = document(agent.get(f"/objects/{pk}/?as_of=9999-12-31"))
    assert text(find(far, id="as_of-error")) == "“9999-12-31” is not a date; showing today."
    assert attribute(find(page, "input", id="as_of"), "aria-invalid") == "true"
    history = find(page, id="attribute-history")
    assert [row[:2] for row in rows(find(history, "table"))] == [
        ["counter", "1,234,567"],
        ["firmware", "2.0"],
        ["", "1.0"],
    ]


def test_search_finds_objects_sites_and_customers_the_actor_may_see(world: World, agent: Client) -> None:
    page = document(agent.get("/search/?q=alpha"))
    assert attribute(find(page, "input", id="search"), "value") == "alpha"
    link = find(find(page, id="results-objects"), "a", data_serial="ALPHA-0001")
    assert attribute(link, "href") == f"/objects/{world.a.machine.pk}/"
    assert rows(find(find(page, id="results-objects"), "table")) == [
        ["ALPHA-0001", "Counter", "Glory GFS-220", "Alpha HQ", "Alpha Bank"]
    ]
    assert rows(find(find(page, id="results-sites"), "table")) == [["Alpha HQ", "Paris France", "Alpha Bank"]]
    assert text(find(page, id="results-customers")) == "Customers 1 Alpha Bank France"

    both = document(agent.get("/search/?q=0001"))
    assert [attribute(a, "data-serial") for a in find_all(both, "a", data_serial=None)] == [
        "ALPHA-0001",
        "BETA-0001",
    ]

    other = document(client_for("beta-user").get("/search/?q=alpha"))
    assert [
        text(find(other, "section", id=f"results-{group}")) for group in ("objects", "sites", "customers")
    ] == [
        "Equipment 0 No equipment matches.",
        "Sites 0 No site matches.",
        "Customers 0 No customer matches.",
    ]
    assert (
        text(find(document(agent.get("/search/?q=a")), id="search-too-short"))
        == "Type at least 2 characters."
    )


def test_a_customer_user_sees_its_own_customer_and_gets_404_for_the_others(world: World) -> None:
    client = client_for("alpha-user")
    own = (
        f"/customers/{world.a.customer.pk}/",
        f"/sites/{world.a.site.pk}/",
        f"/objects/{world.a.machine.pk}/",
    )
    others = (
        f"/customers/{world.b.customer.pk}/",
        f"/sites/{world.b.site.pk}/",
        f"/objects/{world.b.machine.pk}/",
        f"/objects/{world.b.area.pk}/children/",
    )
    assert [client.get(url).status_code for url in own] == [200, 200, 200]
    for url in others:
        response = client.get(url, headers={"HX-Request": "true"} if "children" in url else {})
        assert response.status_code == 404
        assert (
            text(find(document(response), id="not-found"))
            == "This page does not exist, or you may not see it."
        )
        assert b"Beta" not in response.content


def test_the_403_page_tells_staff_their_role_is_not_enough(world: World, agent: Client) -> None:
    response = agent.get("/admin/")
    assert response.status_code == 403
    assert text(find(document(response), id="forbidden")) == (
        "Your role does not give access to this page. Ask an administrator if you need it."
    )
    assert client_for("alpha-user").get("/admin/").status_code == 404


def test_staff_get_404_for_an_unknown_object(world: World, agent: Client) -> None:
    assert agent.get("/objects/999999/").status_code == 404
    assert agent.get("/customers/999999/").status_code == 404


def test_pages_render_in_french_with_the_language_cookie(world: World, french_catalogue: None) -> None:
    client = client_for("agent-user", language="fr")
    with clock.frozen(NOON):
        ib_services.update_object(SYSTEM, world.a.machine.pk, {"status": "in_repair"})
        ib_services.set_attribute(
            SYSTEM,
            world.a.machine.pk,
            key="counter",
            value=1234567.5,
            valid_from=datetime(2025, 2, 1, tzinfo=UTC),
        )
        response = client.get(f"/objects/{world.a.machine.pk}/")
    page = document(response)
    assert rows(find(page, "table", id="attributes-as-of")) == [
        ["counter", "1 234 567,5", "01/02/2025 01:00"]
    ]
    assert "1\xa0234\xa0567,5" in response.content.decode()  # grouped with non-breaking spaces
    assert attribute(find(page, "html"), "lang") == "fr"
    assert text(find(page, "dl", class_="fields")) == (
        "Catégorie Compteuse de billets Modèle Glory GFS-220 Numéro de série ALPHA-0001 "
        "Date d’installation 1 mars 2024 Fin de garantie — Propriétaire Alpha Bank Géré par — "  # noqa: RUF001 (French apostrophe)
        "Statut En réparation Site Alpha HQ"
    )
    assert text(find(page, "h2", id="history-title")) == "Historique"
    assert text(find(find(page, id="history"), "li", data_kind="status")) == (
        "Changement de statut 15/06/2025 12:00 par tests Statut Actif → devient En réparation"
    )
    assert attribute(find(page, "form", class_="lang").children[-1], "aria-current") == "true"

    home = document(client.get("/"))
    assert text(find(home, "h1")) == "Tableau de bord"
    assert text(find(home, id="count-objects")) == "6 Équipements"
    customers = document(client.get("/customers/"))
    assert rows(find(customers, id="customers"))[1] == ["Beta Bank", "Canada", "Or", "Français", "1"]


def test_the_language_switch_works_for_anonymous_visitors(db: None, french_catalogue: None) -> None:
    client = Client()
    assert text(find(document(client.get("/login/")), "h1")) == "Sign in"
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    assert (response.status_code, response["Location"], client.cookies["django_language"].value) == (
        302,
        "/login/",
        "fr",
    )
    page = document(client.get("/login/"))
    assert text(find(page, "h1")) == "Se connecter"
    assert text(find(page, "label", for_="id_password")) == "Mot de passe"
