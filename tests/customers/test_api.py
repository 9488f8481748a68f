"""REST API of customers, contacts and sites: CRUD, pagination, filters, ETag / If-Match."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.customers import services
from tournevis.customers.models import Contact, Customer, Site

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
T1 = datetime(2026, 1, 16, 14, 0, tzinfo=UTC)


@pytest.fixture
def manager(world):
    return api_client(world.staff["manager"])


@pytest.fixture
def agent(world):
    return api_client(world.staff["agent"])


# --- Customers -------------------------------------------------------------------------------------


def test_a_manager_creates_a_customer_and_reads_it_back_with_its_etag(world, manager):
    # Given a new customer's fields, loosely typed as a person would
    body = {
        "name": "  Gamma Retail ",
        "country": "de",
        "timezone": "Europe/Berlin",
        "vat_number": "de 123.456.789",
        "tier": "silver",
        "phone": "030 12345678",
    }

    # When a manager creates it and reads it back
    with clock.frozen(T0):
        created = call(manager, "POST", "/customers", body)
    assert created.status_code == 201, created.content
    fetched = call(manager, "GET", f"/customers/{created.json()['id']}")

    # Then both answers carry the cleaned values, version 1 and ETag "1"
    expected = {
        "id": created.json()["id"],
        "name": "Gamma Retail",
        "country": "DE",
        "language": "en",
        "timezone": "Europe/Berlin",
        "vat_number": "DE123456789",
        "tier": "silver",
        "phone": "+493012345678",
        "version": 1,
        "created_at": "2026-01-15T09:30:00Z",
        "updated_at": "2026-01-15T09:30:00Z",
    }
    assert (created.status_code, created["ETag"], created.json()) == (201, '"1"', expected)
    assert (fetched.status_code, fetched["ETag"], fetched.json()) == (200, '"1"', expected)
    event = AuditEvent.objects.get(action="customer.create", object_id=str(expected["id"]))
    assert (event.actor_label, event.after["name"]) == ("manager-user", "Gamma Retail")


def test_customers_are_listed_by_name_a_page_at_a_time(world, manager):
    for name in ("Delta", "Epsilon", "Zeta"):
        services.create_customer(SYSTEM, {"name": name, "country": "FR", "timezone": "Europe/Paris"})

    first = call(manager, "GET", "/customers?limit=2")
    second = call(manager, "GET", "/customers?limit=2&offset=2")
    last = call(manager, "GET", "/customers?limit=2&offset=4")

    assert [first.json()["count"], second.json()["count"], last.json()["count"]] == [5, 5, 5]
    names = [[c["name"] for c in page.json()["items"]] for page in (first, second, last)]
    assert names == [["Alpha Bank", "Beta Bank"], ["Delta", "Epsilon"], ["Zeta"]]


def test_the_default_page_is_50_rows_and_limits_outside_1_to_500_are_refused(world, manager):
    for i in range(51):
        Customer.objects.create(name=f"C{i:02}", country="FR", timezone="UTC", created_at=T0, updated_at=T0)

    page = call(manager, "GET", "/customers")
    assert (page.json()["count"], len(page.json()["items"])) == (53, 50)
    assert len(call(manager, "GET", "/customers?limit=500").json()["items"]) == 53
    assert fields_of(problem(call(manager, "GET", "/customers?limit=501"), 422)) == ["limit"]
    assert fields_of(problem(call(manager, "GET", "/customers?limit=0"), 422)) == ["limit"]
    assert fields_of(problem(call(manager, "GET", "/customers?offset=-1"), 422)) == ["offset"]


def test_customers_filter_by_name_country_and_tier(world, manager):
    services.create_customer(SYSTEM, {"name": "Beta Foods", "country": "FR", "timezone": "UTC"})

    def names(query: str) -> list[str]:
        return [c["name"] for c in call(manager, "GET", f"/customers?{query}").json()["items"]]

    assert names("q=beta") == ["Beta Bank", "Beta Foods"]
    assert names("country=ca") == ["Beta Bank"]
    assert names("tier=standard") == ["Beta Foods"]
    assert names("q=beta&country=FR") == ["Beta Foods"]


def test_a_customer_user_lists_and_reads_only_its_own_customer(world):
    client = api_client(world.a.user)

    listed = call(client, "GET", "/customers")
    other = call(client, "GET", f"/customers/{world.b.customer.pk}")

    assert (listed.json()["count"], listed.json()["items"][0]["name"]) == (1, "Alpha Bank")
    assert problem(other, 404)["detail"] == f"No customer with id {world.b.customer.pk}."


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(world, manager):
    customer = world.a.customer
    audits = audit_count()

    with clock.frozen(T1):
        response = call(
            manager, "PATCH", f"/customers/{customer.pk}", {"tier": "platinum"}, {"If-Match": '"1"'}
        )

    assert (response.status_code, response["ETag"]) == (200, '"2"')
    body = response.json()
    assert (body["tier"], body["name"], body["country"], body["version"]) == (
        "platinum",
        "Alpha Bank",
        "FR",
        2,
    )
    assert body["updated_at"] == "2026-01-16T14:00:00Z"
    assert body["created_at"] != body["updated_at"]
    event = AuditEvent.objects.get(action="customer.update")
    assert (event.before["tier"], event.after["tier"], audit_count()) == ("gold", "platinum", audits + 1)


def test_patch_with_a_stale_version_is_refused_with_the_current_state(world, manager):
    # Given someone else changed the customer after we read version 1
    customer = world.a.customer
    services.update_customer(SYSTEM, customer.pk, {"name": "Alpha Banque"})
    before, audits = db_state(), audit_count()

    # When we send our change for version 1
    response = call(manager, "PATCH", f"/customers/{customer.pk}", {"name": "Mine"}, {"If-Match": '"1"'})

    # Then 412 with the current row and its ETag, and nothing written
    body = problem(response, 412)
    assert response["ETag"] == '"2"'
    assert fields_of(body) == ["If-Match"]
    assert (body["current"]["name"], body["current"]["version"], body["current"]["id"]) == (
        "Alpha Banque",
        2,
        customer.pk,
    )
    assert (db_state(), audit_count()) == (before, audits)
    assert Customer.objects.get(pk=customer.pk).name == "Alpha Banque"


def test_if_match_must_name_one_version(world, manager):
    response = call(manager, "PATCH", f"/customers/{world.a.customer.pk}", {"name": "X"}, {"If-Match": "v1"})

    assert fields_of(problem(response, 422)) == ["If-Match"]
    assert Customer.objects.get(pk=world.a.customer.pk).name == "Alpha Bank"


def test_if_match_star_or_the_current_version_is_accepted(world, manager):
    path = f"/customers/{world.a.customer.pk}"
    assert call(manager, "PATCH", path, {"name": "A1"}, {"If-Match": "*"}).json()["version"] == 2
    assert call(manager, "PATCH", path, {"name": "A2"}, {"If-Match": 'W/"2"'}).json()["version"] == 3
    assert call(manager, "PATCH", path, {"name": "A3"}).json()["version"] == 4


def test_an_empty_customer_is_deleted_but_one_with_sites_is_kept(world, manager):
    empty = services.create_customer(SYSTEM, {"name": "Empty", "country": "FR", "timezone": "UTC"})
    before = db_state()

    refused = call(manager, "DELETE", f"/customers/{world.a.customer.pk}")
    assert fields_of(problem(refused, 409)) == ["id"]
    assert db_state() == before

    deleted = call(manager, "DELETE", f"/customers/{empty.pk}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert call(manager, "GET", f"/customers/{empty.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="customer.delete", object_id=str(empty.pk)).count() == 1


# --- Contacts --------------------------------------------------------------------------------------


def test_an_agent_creates_a_contact_at_a_site_with_a_normalised_phone(world, agent):
    with clock.frozen(T0):
        response = call(
            agent,
            "POST",
            "/contacts",
            {
                "customer_id": world.a.customer.pk,
                "site_id": world.a.site.pk,
                "name": "Jeanne Martin",
                "email": "Jeanne.Martin@Alpha.example",
                "phone": "06 12 34 56 78",
                "job_title": "Branch manager",
                "notify_by_sms": True,
            },
        )

    assert (response.status_code, response["ETag"]) == (201, '"1"')
    assert response.json() == {
        "id": response.json()["id"],
        "customer_id": world.a.customer.pk,
        "site_id": world.a.site.pk,
        "name": "Jeanne Martin",
        "job_title": "Branch manager",
        "email": "jeanne.martin@alpha.example",
        "phone": "+33612345678",
        "language": "fr",  # the customer's
        "notify_by_email": True,
        "notify_by_sms": True,
        "receives_reports": False,
        "version": 1,
        "created_at": "2026-01-15T09:30:00Z",
        "updated_at": "2026-01-15T09:30:00Z",
    }


def test_contacts_are_looked_up_by_phone_in_any_notation(world, manager):
    services.update_contact(SYSTEM, world.a.contact.pk, {"phone": "+33 6 12 34 56 78"})
    services.create_contact(SYSTEM, world.b.customer.pk, {"name": "Other", "phone": "+1 416 555 0199"})

    def names(query: str) -> list[str]:
        return [c["name"] for c in call(manager, "GET", f"/contacts?{query}").json()["items"]]

    assert names("phone=%2B33612345678") == ["Alpha Contact"]
    assert names("phone=%2B33%206%2012%2034%2056%2078") == ["Alpha Contact"]
    assert names("phone=+33612345678") == ["Alpha Contact"]  # an unencoded "+" arrives as a space
    assert names("phone=%2B14165550199") == ["Other"]
    assert names("phone=%2B33699999999") == []
    assert fields_of(problem(call(manager, "GET", "/contacts?phone=hello"), 422)) == ["phone"]


def test_contacts_filter_by_customer_and_site(world, manager):
    services.create_contact(SYSTEM, world.a.customer.pk, {"name": "At HQ", "site_id": world.a.site.pk})

    def names(query: str) -> list[str]:
        return [c["name"] for c in call(manager, "GET", f"/contacts?{query}").json()["items"]]

    assert names("") == ["Alpha Contact", "At HQ", "Beta Contact"]
    assert names(f"customer_id={world.a.customer.pk}") == ["Alpha Contact", "At HQ"]
    assert names(f"site_id={world.a.site.pk}") == ["At HQ"]
    assert call(api_client(world.b.user), "GET", f"/contacts?customer_id={world.a.customer.pk}").json() == {
        "count": 0,
        "items": [],
    }


def test_a_contact_cannot_be_attached_to_another_customers_site(world, agent):
    before, audits = db_state(), audit_count()

    response = call(
        agent,
        "POST",
        "/contacts",
        {"customer_id": world.a.customer.pk, "site_id": world.b.site.pk, "name": "X"},
    )

    assert fields_of(problem(response, 422)) == ["site_id"]
    assert (db_state(), audit_count()) == (before, audits)


def test_a_contact_is_moved_off_its_site_edited_and_deleted(world, agent):
    contact = services.create_contact(
        SYSTEM, world.a.customer.pk, {"name": "Paul", "site_id": world.a.site.pk}
    )
    path = f"/contacts/{contact.pk}"

    fetched = call(agent, "GET", path)
    patched = call(agent, "PATCH", path, {"site_id": None, "receives_reports": True}, {"If-Match": '"1"'})
    deleted = call(agent, "DELETE", path)

    assert (fetched.status_code, fetched["ETag"], fetched.json()["site_id"]) == (200, '"1"', world.a.site.pk)
    assert (patched.json()["site_id"], patched.json()["receives_reports"], patched.json()["version"]) == (
        None,
        True,
        2,
    )
    assert deleted.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert call(agent, "GET", path).status_code == 404


# --- Sites -----------------------------------------------------------------------------------------


def test_a_new_site_takes_its_customers_country_and_time_zone(world, manager):
    with clock.frozen(T0):
        response = call(
            manager,
            "POST",
            "/sites",
            {
                "customer_id": world.b.customer.pk,
                "name": "Montréal branch",
                "code": "MTL-01",
                "address_line1": "1000 rue Sherbrooke O",
                "postal_code": "H3A 3G4",
                "city": "Montréal",
                "region": "qc",
                "latitude": 45.5049231,
                "longitude": -73.5747821,
                "access_hours": {
                    "tue": [["13:30", "18:00"], ["08:00", "12:00"]],
                    "mon": [["09:00", "17:00"]],
                },
                "access_notes": "Ring at the loading dock.",
            },
        )

    assert (response.status_code, response["ETag"]) == (201, '"1"')
    assert response.json() == {
        "id": response.json()["id"],
        "customer_id": world.b.customer.pk,
        "name": "Montréal branch",
        "code": "MTL-01",
        "address_line1": "1000 rue Sherbrooke O",
        "address_line2": "",
        "postal_code": "H3A 3G4",
        "city": "Montréal",
        "region": "QC",
        "country": "CA",
        "latitude": 45.504923,
        "longitude": -73.574782,
        "timezone": "America/Toronto",
        "access_hours": {"mon": [["09:00", "17:00"]], "tue": [["08:00", "12:00"], ["13:30", "18:00"]]},
        "access_notes": "Ring at the loading dock.",
        "version": 1,
        "created_at": "2026-01-15T09:30:00Z",
        "updated_at": "2026-01-15T09:30:00Z",
    }


def test_sites_filter_by_customer_country_city_and_text(world, manager):
    services.create_site(
        SYSTEM, world.a.customer.pk, {"name": "Lyon Part-Dieu", "city": "Lyon", "code": "LY1"}
    )
    services.create_site(SYSTEM, world.b.customer.pk, {"name": "Toronto", "city": "Toronto"})

    def names(query: str) -> list[str]:
        return [s["name"] for s in call(manager, "GET", f"/sites?{query}").json()["items"]]

    assert names("") == ["Alpha HQ", "Beta HQ", "Lyon Part-Dieu", "Toronto"]
    assert names(f"customer_id={world.a.customer.pk}") == ["Alpha HQ", "Lyon Part-Dieu"]
    assert names("country=ca") == ["Beta HQ", "Toronto"]
    assert names("city=paris") == ["Alpha HQ", "Beta HQ"]
    assert names("q=part") == ["Lyon Part-Dieu"]
    assert names("q=ly1") == ["Lyon Part-Dieu"]
    assert names("q=toronto&country=CA") == ["Toronto"]
    assert call(manager, "GET", "/sites?limit=1&offset=1").json() == {
        "count": 4,
        "items": [call(manager, "GET", f"/sites/{world.b.site.pk}").json()],
    }


def test_a_site_is_patched_partially(world, manager):
    path = f"/sites/{world.a.site.pk}"

    response = call(
        manager, "PATCH", path, {"region": "IDF", "access_notes": "Badge at desk"}, {"If-Match": '"1"'}
    )

    body = response.json()
    assert (response.status_code, response["ETag"]) == (200, '"2"')
    assert (body["region"], body["access_notes"], body["name"], body["city"]) == (
        "IDF",
        "Badge at desk",
        "Alpha HQ",
        "Paris",
    )
    assert call(manager, "GET", path)["ETag"] == '"2"'


def test_a_site_with_equipment_is_kept_and_an_empty_one_is_deleted(world, manager):
    empty = services.create_site(SYSTEM, world.a.customer.pk, {"name": "Closed branch"})
    before = db_state()

    assert fields_of(problem(call(manager, "DELETE", f"/sites/{world.a.site.pk}"), 409)) == ["id"]
    assert db_state() == before
    assert call(manager, "DELETE", f"/sites/{empty.pk}").status_code == 204
    assert not Site.objects.filter(pk=empty.pk).exists()


def test_a_customer_user_cannot_see_another_customers_site_or_contact(world):
    client = api_client(world.a.user)

    assert call(client, "GET", f"/sites/{world.a.site.pk}").status_code == 200
    assert problem(call(client, "GET", f"/sites/{world.b.site.pk}"), 404)["title"] == "Not found"
    assert problem(call(client, "GET", f"/contacts/{world.b.contact.pk}"), 404)["title"] == "Not found"
    assert [s["name"] for s in call(client, "GET", "/sites").json()["items"]] == ["Alpha HQ"]
