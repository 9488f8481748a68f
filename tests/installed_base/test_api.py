"""REST API of the installed base: catalogue, objects, tree browsing, dated attributes, history, search."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.customers import services as customer_services
from tournevis.installed_base import services
from tournevis.installed_base.models import Attribute, ServiceObject

T0 = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def manager(world):
    return api_client(world.staff["manager"])


@pytest.fixture
def agent(world):
    return api_client(world.staff["agent"])


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["items"]]


# --- Catalogue -------------------------------------------------------------------------------------


def test_a_manager_adds_a_category_and_an_equipment_model(world, manager):
    category = call(
        manager, "POST", "/categories", {"code": "Sorter", "name_en": "Sorter", "name_fr": "Trieuse"}
    )
    model = call(
        manager,
        "POST",
        "/equipment-models",
        {"manufacturer": "Glory", "name": "UW-F", "category_id": category.json()["id"]},
    )

    assert (category.status_code, category.json()) == (
        201,
        {"id": category.json()["id"], "code": "sorter", "name_en": "Sorter", "name_fr": "Trieuse"},
    )
    assert (model.status_code, model.json()) == (
        201,
        {
            "id": model.json()["id"],
            "manufacturer": "Glory",
            "name": "UW-F",
            "category_id": category.json()["id"],
        },
    )
    assert [c["code"] for c in call(manager, "GET", "/categories").json()["items"]] == [
        "bill-counter",
        "sorter",
    ]
    assert call(manager, "GET", "/equipment-models").json()["count"] == 2
    assert [
        m["name"] for m in call(manager, "GET", "/equipment-models?limit=1&offset=1").json()["items"]
    ] == ["UW-F"]


def test_a_duplicate_category_code_or_model_is_a_conflict(world, manager):
    before = db_state()

    dup_category = call(
        manager, "POST", "/categories", {"code": "bill-counter", "name_en": "B", "name_fr": "B"}
    )
    dup_model = call(
        manager,
        "POST",
        "/equipment-models",
        {"manufacturer": "Glory", "name": "GFS-220", "category_id": world.category.pk},
    )

    assert fields_of(problem(dup_category, 409)) == ["code"]
    assert fields_of(problem(dup_model, 409)) == ["name"]
    assert db_state() == before


# --- Service objects -------------------------------------------------------------------------------


def test_an_agent_registers_a_machine_under_an_area(world, agent):
    a = world.a

    with clock.frozen(T0):
        response = call(
            agent,
            "POST",
            "/objects",
            {
                "site_id": a.site.pk,
                "parent_id": a.area.pk,
                "name": "Second counter",
                "equipment_model_id": world.model.pk,
                "serial_number": " alpha-0002 ",
                "install_date": "2025-11-03",
                "warranty_end": "2027-11-02",
                "manager_id": world.b.customer.pk,
            },
        )

    created = response.json()
    assert (response.status_code, response["ETag"]) == (201, '"1"')
    assert created == {
        "id": created["id"],
        "site_id": a.site.pk,
        "parent_id": a.area.pk,
        "path": f"/{a.area.pk}/{created['id']}/",
        "depth": 1,
        "name": "Second counter",
        "category_id": world.category.pk,  # taken from the model
        "category": "bill-counter",
        "equipment_model_id": world.model.pk,
        "equipment_model": "Glory GFS-220",
        "serial_number": "ALPHA-0002",
        "install_date": "2025-11-03",
        "warranty_end": "2027-11-02",
        "owner_id": a.customer.pk,  # the site's customer
        "manager_id": world.b.customer.pk,
        "status": "active",
        "version": 1,
        "created_at": "2026-02-02T08:00:00Z",
        "updated_at": "2026-02-02T08:00:00Z",
    }
    fetched = call(agent, "GET", f"/objects/{created['id']}")
    assert (fetched["ETag"], fetched.json()) == ('"1"', created)
    assert (
        AuditEvent.objects.filter(action="service_object.create", object_id=str(created["id"])).count() == 1
    )


def test_objects_filter_by_customer_site_parent_category_status_and_serial(world, manager):
    a, b = world.a, world.b
    services.update_object(SYSTEM, b.machine.pk, {"status": "in_repair"})

    def listed(query: str) -> list[int]:
        return [row["id"] for row in call(manager, "GET", f"/objects?{query}").json()["items"]]

    assert call(manager, "GET", "/objects").json()["count"] == 6
    assert listed(f"customer_id={a.customer.pk}") == [a.area.pk, a.machine.pk, a.module.pk]
    assert listed(f"site_id={b.site.pk}") == [b.area.pk, b.machine.pk, b.module.pk]
    assert listed(f"parent_id={a.machine.pk}") == [a.module.pk]
    assert listed("category=bill-counter") == [a.machine.pk, b.machine.pk]
    assert listed("status=in_repair") == [b.machine.pk]
    assert listed("serial=beta-0001") == [b.machine.pk]
    assert listed("serial=beta%200001") == []
    assert listed("limit=2&offset=1") == [a.machine.pk, a.module.pk]
    assert fields_of(problem(call(manager, "GET", "/objects?serial=%24%24"), 422)) == ["serial"]
    assert listed(f"customer_id={b.customer.pk}&status=active") == [b.area.pk, b.module.pk]


def test_a_customer_user_sees_only_its_own_objects(world):
    client = api_client(world.a.user)

    assert call(client, "GET", "/objects").json()["count"] == 3
    assert call(client, "GET", f"/objects?customer_id={world.b.customer.pk}").json()["count"] == 0
    assert problem(call(client, "GET", f"/objects/{world.b.machine.pk}"), 404)["detail"] == (
        f"No service object with id {world.b.machine.pk}."
    )


def test_patch_renames_and_if_match_protects_against_lost_updates(world, agent):
    path = f"/objects/{world.a.machine.pk}"

    renamed = call(agent, "PATCH", path, {"name": "Main counter", "status": "in_repair"}, {"If-Match": '"1"'})
    before, audits = db_state(), audit_count()
    stale = call(agent, "PATCH", path, {"name": "Other"}, {"If-Match": '"1"'})

    assert (renamed.status_code, renamed["ETag"]) == (200, '"2"')
    assert (renamed.json()["name"], renamed.json()["status"], renamed.json()["serial_number"]) == (
        "Main counter",
        "in_repair",
        "ALPHA-0001",
    )
    body = problem(stale, 412)
    assert (stale["ETag"], body["current"]["name"], body["current"]["version"]) == ('"2"', "Main counter", 2)
    assert body["current"]["category"] == "bill-counter"
    assert (db_state(), audit_count()) == (before, audits)


def test_moving_an_object_moves_its_subtree(world, agent):
    a = world.a
    annex = services.create_object(SYSTEM, {"site_id": a.site.pk, "name": "Annex"})

    moved = call(agent, "PATCH", f"/objects/{a.machine.pk}", {"parent_id": annex.pk})

    assert (moved.json()["parent_id"], moved.json()["path"], moved.json()["depth"]) == (
        annex.pk,
        f"/{annex.pk}/{a.machine.pk}/",
        1,
    )
    module = call(agent, "GET", f"/objects/{a.module.pk}").json()
    assert (module["path"], module["depth"]) == (f"/{annex.pk}/{a.machine.pk}/{a.module.pk}/", 2)


def test_a_leaf_is_deleted_but_an_object_with_parts_is_kept(world, manager):
    before = db_state()
    assert fields_of(problem(call(manager, "DELETE", f"/objects/{world.a.machine.pk}"), 409)) == ["id"]
    assert db_state() == before

    response = call(manager, "DELETE", f"/objects/{world.a.module.pk}")

    assert response.status_code == 204
    assert not ServiceObject.objects.filter(pk=world.a.module.pk).exists()
    assert AuditEvent.objects.filter(action="service_object.delete").count() == 1


# --- Tree browsing ---------------------------------------------------------------------------------


def test_a_site_tree_loads_one_level_at_a_time(world, manager):
    a = world.a
    spare = services.create_object(SYSTEM, {"site_id": a.site.pk, "name": "Back office"})

    roots = call(manager, "GET", f"/sites/{a.site.pk}/tree").json()
    level1 = call(manager, "GET", f"/objects/{a.area.pk}/children").json()
    level2 = call(manager, "GET", f"/objects/{a.machine.pk}/children").json()
    leaf = call(manager, "GET", f"/objects/{a.module.pk}/children").json()

    assert [(r["name"], r["has_children"]) for r in roots["items"]] == [
        ("Back office", False),
        ("Cash room", True),
    ]
    assert roots["count"] == 2
    assert [r["id"] for r in roots["items"]] == [spare.pk, a.area.pk]
    assert [(r["name"], r["has_children"], r["depth"]) for r in level1["items"]] == [("Counter", True, 1)]
    assert [(r["name"], r["has_children"], r["depth"]) for r in level2["items"]] == [("Feeder", False, 2)]
    assert leaf == {"count": 0, "items": []}


def test_a_subtree_comes_in_tree_order(world, manager):
    a = world.a
    drawer = services.create_object(SYSTEM, {"site_id": a.site.pk, "parent_id": a.area.pk, "name": "Drawer"})
    sensor = services.create_object(
        SYSTEM, {"site_id": a.site.pk, "parent_id": a.module.pk, "name": "Sensor"}
    )

    subtree = call(manager, "GET", f"/objects/{a.area.pk}/subtree").json()
    branch = call(manager, "GET", f"/objects/{a.machine.pk}/subtree").json()

    assert [(r["id"], r["depth"]) for r in subtree["items"]] == [
        (a.area.pk, 0),
        (a.machine.pk, 1),
        (a.module.pk, 2),
        (sensor.pk, 3),
        (drawer.pk, 1),
    ]
    assert names(call(manager, "GET", f"/objects/{a.area.pk}/subtree")) == [
        "Cash room",
        "Counter",
        "Feeder",
        "Sensor",
        "Drawer",
    ]
    assert (branch["count"], [r["name"] for r in branch["items"]]) == (3, ["Counter", "Feeder", "Sensor"])


def test_a_customer_user_cannot_browse_another_customers_tree(world):
    client = api_client(world.a.user)

    assert call(client, "GET", f"/sites/{world.a.site.pk}/tree").json()["count"] == 1
    assert problem(call(client, "GET", f"/sites/{world.b.site.pk}/tree"), 404)["title"] == "Not found"
    assert problem(call(client, "GET", f"/objects/{world.b.area.pk}/children"), 404)["title"] == "Not found"
    assert problem(call(client, "GET", f"/objects/{world.b.area.pk}/subtree"), 404)["title"] == "Not found"


# --- Attributes ------------------------------------------------------------------------------------


def test_attributes_are_read_as_of_a_date_in_the_sites_time_zone(world):
    # Given firmware 1.0 from 2025-01-01 and 2.0 from 2025-06-01 08:00 Paris time
    technician = api_client(world.staff["technician"])
    machine = world.a.machine
    path = f"/objects/{machine.pk}/attributes"
    with clock.frozen(T0):
        first = call(
            technician,
            "POST",
            path,
            {"key": "firmware", "value": "1.0", "valid_from": "2025-01-01T00:00:00+01:00"},
        )
    second = call(
        technician,
        "POST",
        path,
        {"key": "firmware", "value": "2.0", "valid_from": "2025-06-01T08:00:00+02:00"},
    )
    call(technician, "POST", path, {"key": "counter", "value": 1200, "valid_from": "2025-02-01T12:00:00Z"})

    def as_of(value: str) -> dict:
        return call(technician, "GET", f"{path}?as_of={value}").json()

    # Then each answer shows the values in force at that moment
    assert (first.status_code, first.json()) == (
        201,
        {
            "id": first.json()["id"],
            "object_id": machine.pk,
            "key": "firmware",
            "value": "1.0",
            "valid_from": "2024-12-31T23:00:00Z",
            "recorded_at": "2026-02-02T08:00:00Z",
            "recorded_by": "technician-user",
        },
    )
    assert second.status_code == 201
    assert as_of("2025-03-01") == {
        "object_id": machine.pk,
        "as_of": "2025-03-01T23:59:59.999+01:00",
        "attributes": {
            "counter": {"value": 1200, "valid_from": "2025-02-01T12:00:00Z"},
            "firmware": {"value": "1.0", "valid_from": "2024-12-31T23:00:00Z"},
        },
    }
    assert as_of("2025-06-01")["attributes"]["firmware"] == {
        "value": "2.0",
        "valid_from": "2025-06-01T06:00:00Z",
    }
    assert as_of("2025-05-31")["attributes"]["firmware"]["value"] == "1.0"
    assert as_of("2025-06-01T07:59:00%2B02:00")["attributes"]["firmware"]["value"] == "1.0"
    assert as_of("2025-06-01T08:00:00+02:00")["attributes"]["firmware"]["value"] == "2.0"
    assert as_of("2024-12-31")["attributes"] == {}
    assert call(technician, "GET", path).json()["attributes"]["firmware"]["value"] == "2.0"  # now


def test_a_bad_as_of_or_a_naive_valid_from_is_refused(world):
    technician = api_client(world.staff["technician"])
    path = f"/objects/{world.a.machine.pk}/attributes"
    before = db_state()

    bad_as_of = call(technician, "GET", f"{path}?as_of=yesterday")
    naive = call(
        technician, "POST", path, {"key": "firmware", "value": "3.0", "valid_from": "2025-01-01T00:00:00"}
    )
    bad_key = call(technician, "POST", path, {"key": "Firmware Version", "value": "3.0"})
    no_value = call(technician, "POST", path, {"key": "firmware", "value": None})

    assert fields_of(problem(bad_as_of, 422)) == ["as_of"]
    assert fields_of(problem(naive, 422)) == ["valid_from"]
    assert fields_of(problem(bad_key, 422)) == ["key"]
    assert fields_of(problem(no_value, 422)) == ["value"]
    assert db_state() == before
    assert Attribute.objects.count() == 0


# --- History ---------------------------------------------------------------------------------------


def test_history_lists_creation_changes_and_moves_newest_first(world, agent):
    a = world.a
    with clock.frozen(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)):
        created = call(
            agent, "POST", "/objects", {"site_id": a.site.pk, "name": "Kiosk", "serial_number": "K-1"}
        )
    object_id = created.json()["id"]
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        call(agent, "PATCH", f"/objects/{object_id}", {"name": "Lobby kiosk"})
    with clock.frozen(datetime(2026, 3, 3, 9, 0, tzinfo=UTC)):
        call(agent, "PATCH", f"/objects/{object_id}", {"parent_id": a.area.pk})

    history = call(agent, "GET", f"/objects/{object_id}/history").json()
    oldest = call(agent, "GET", f"/objects/{object_id}/history?limit=1&offset=2").json()

    assert history["count"] == 3
    assert [(e["kind"], e["at"], e["actor_label"]) for e in history["items"]] == [
        ("moved", "2026-03-03T09:00:00Z", "agent-user"),
        ("updated", "2026-03-02T09:00:00Z", "agent-user"),
        ("created", "2026-03-01T09:00:00Z", "agent-user"),
    ]
    assert history["items"][0]["data"] == {
        "changes": {"parent_id": a.area.pk},
        "before": {"parent_id": None},
    }
    assert history["items"][1]["data"] == {"changes": {"name": "Lobby kiosk"}, "before": {"name": "Kiosk"}}
    assert oldest["items"] == [
        {
            "id": oldest["items"][0]["id"],
            "at": "2026-03-01T09:00:00Z",
            "kind": "created",
            "summary": "",
            "data": {"name": "Kiosk", "serial_number": "K-1"},
            "actor_label": "agent-user",
            "ref_type": "",
            "ref_id": "",
        }
    ]


# --- Search ----------------------------------------------------------------------------------------


def test_search_finds_objects_by_exact_and_prefix_serial_and_by_name(world, manager):
    a, b = world.a, world.b
    other = services.create_object(
        SYSTEM,
        {
            "site_id": a.site.pk,
            "name": "Spare",
            "equipment_model_id": world.model.pk,
            "serial_number": "ALPHA-00012",
        },
    )

    exact = call(manager, "GET", "/search?q=alpha-0001").json()
    prefix = call(manager, "GET", "/search?q=ALPHA-00").json()
    by_name = call(manager, "GET", "/search?q=counter").json()

    assert (exact["query"], [o["id"] for o in exact["objects"]]) == ("alpha-0001", [a.machine.pk, other.pk])
    assert [o["serial_number"] for o in prefix["objects"]] == ["ALPHA-0001", "ALPHA-00012"]
    assert [o["id"] for o in by_name["objects"]] == [a.machine.pk, b.machine.pk]
    assert (by_name["sites"], by_name["customers"]) == ([], [])


def test_search_groups_customers_and_sites(world, manager):
    customer_services.create_site(SYSTEM, world.b.customer.pk, {"name": "Beta Annex", "city": "Ottawa"})

    found = call(manager, "GET", "/search?q=beta").json()

    assert [c["name"] for c in found["customers"]] == ["Beta Bank"]
    assert [s["name"] for s in found["sites"]] == ["Beta Annex", "Beta HQ"]
    assert [o["serial_number"] for o in found["objects"]] == ["BETA-0001"]
    assert [s["name"] for s in call(manager, "GET", "/search?q=ottawa").json()["sites"]] == ["Beta Annex"]


def test_search_is_scoped_for_a_customer_user_and_needs_two_characters(world):
    client = api_client(world.a.user)

    found = call(client, "GET", "/search?q=counter").json()
    nothing = call(client, "GET", "/search?q=beta").json()
    short = call(client, "GET", "/search?q=a").json()

    assert [o["id"] for o in found["objects"]] == [world.a.machine.pk]
    assert (nothing["objects"], nothing["sites"], nothing["customers"]) == ([], [], [])
    assert short == {"query": "a", "objects": [], "sites": [], "customers": []}
    assert fields_of(problem(call(client, "GET", "/search"), 422)) == ["q"]


def test_an_object_install_date_round_trips_as_a_date(world, agent):
    created = call(
        agent, "POST", "/objects", {"site_id": world.a.site.pk, "name": "X", "install_date": "2024-02-29"}
    ).json()

    assert ServiceObject.objects.get(pk=created["id"]).install_date == date(2024, 2, 29)


def test_listing_and_browsing_cost_the_same_queries_for_3_or_13_objects(world, manager):
    # Given the queries each listing needs with the world's small tree
    a = world.a
    paths = ["/objects", f"/objects/{a.area.pk}/subtree", f"/sites/{a.site.pk}/tree", "/search?q=counter"]
    call(manager, "GET", "/me")  # the token's first use records last_used_at: not part of the budget

    def costs() -> list[int]:
        counts = []
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                assert call(manager, "GET", path).status_code == 200
            counts.append(len(queries))
        return counts

    small = costs()

    # When ten more objects with a model and a category hang in the tree
    for i in range(10):
        services.create_object(
            SYSTEM,
            {
                "site_id": a.site.pk,
                "parent_id": a.area.pk,
                "name": f"Counter {i}",
                "equipment_model_id": world.model.pk,
            },
        )

    # Then no listing costs one more query per row
    assert costs() == small
