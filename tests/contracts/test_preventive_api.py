"""Preventive plans over the API: create, read, edit with If-Match, delete; bad input names the field."""

from __future__ import annotations

from datetime import date

import pytest

from tests.api_support import call, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.contracts import services
from tournevis.contracts.models import PreventivePlan
from tournevis.identity.domain import Role


@pytest.fixture
def contract(world):
    return services.create_contract(
        SYSTEM,
        world.a.customer.pk,
        {
            "type": "warranty",
            "status": "active",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
            "currency": "EUR",
            "coverage": {"site_ids": [world.a.site.pk]},
        },
    )


def test_a_plan_round_trips(world, contract):
    client = api_client(world.staff[Role.MANAGER])
    url = f"/contracts/{contract.pk}/plans"
    body = {
        "name": "Counter service",
        "service_object_id": world.a.machine.pk,
        "unit": "counter",
        "every": 5000,
        "counter_key": "cycles",
        "tolerance_after_days": 10,
        "start_date": "2026-01-01",
    }
    created = call(client, "POST", url, body)
    assert created.status_code == 201, created.content
    plan = created.json()
    assert {k: plan[k] for k in ("unit", "every", "counter_key", "category_id", "version")} == {
        "unit": "counter",
        "every": 5000,
        "counter_key": "cycles",
        "category_id": None,
        "version": 1,
    }
    edited = call(client, "PATCH", f"{url}/{plan['id']}", {"every": 10000}, headers={"If-Match": '"1"'})
    assert (edited.status_code, edited.json()["every"], edited["ETag"]) == (200, 10000, '"2"')
    stale = call(client, "PATCH", f"{url}/{plan['id']}", {"every": 1}, headers={"If-Match": '"1"'})
    problem(stale, 412)
    listed = api_client(world.a.user).get("/api/v1" + url).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]
    problem(api_client(world.b.user).get("/api/v1" + url), 404)
    assert call(client, "DELETE", f"{url}/{plan['id']}").status_code == 204
    assert PreventivePlan.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"every": 0}, "every"),
        ({"unit": "fortnights"}, "unit"),
        ({"service_object_id": None}, "service_object_id"),
        ({"counter_key": "Not A Key", "unit": "counter"}, "counter_key"),
    ],
)
def test_a_bad_plan_names_the_field(world, contract, change, field):
    body = {
        "name": "Service",
        "service_object_id": world.a.machine.pk,
        "unit": "months",
        "every": 1,
        "start_date": "2026-01-31",
        **change,
    }
    response = call(api_client(world.staff[Role.ADMIN]), "POST", f"/contracts/{contract.pk}/plans", body)
    assert fields_of(problem(response, 422)) == [field]
    assert PreventivePlan.objects.count() == 0
