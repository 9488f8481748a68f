"""/api/v1/sla: the deadline preview (happy path, every bad input), the at-risk list, clocks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.api_support import call, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.contracts import queries, services, services_tiers, sla_services
from tournevis.core import clock
from tournevis.identity.domain import Role

SPLIT = [["08:00", "12:00"], ["13:30", "18:00"]]
PARIS = {
    "timezone": "Europe/Paris",
    "slots": {day: SPLIT for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": {"country": "FR", "subdivision": "57"},
}
BODY = {
    "calendar": PARIS,
    "start": "2026-03-06T17:00:00+01:00",
    "targets": {"response": "PT2H", "onsite": "PT4H", "resolution": "PT16H"},
}


def preview(world, body, role=Role.AGENT, own=True):
    return call(api_client(world.user(role, own)), "POST", "/sla/preview", body)


def test_preview_gives_the_deadlines_in_the_calendars_time_zone(world):
    response = preview(world, BODY)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "deadlines": {
            "response": "2026-03-09T09:00:00+01:00",
            "onsite": "2026-03-09T11:00:00+01:00",
            "resolution": "2026-03-10T16:00:00+01:00",
        }
    }


def test_preview_skips_pauses_and_closures(world):
    body = {
        **BODY,
        "calendar": {**PARIS, "closures": [["2026-03-09", "2026-03-09"]]},
        "targets": {"response": "PT2H"},
        "pauses": [["2026-03-10T08:00:00+01:00", "2026-03-10T08:30:00+01:00"]],
        "start": "2026-03-06T17:00:00Z",
    }
    # Friday 18:00 Paris is after hours, Monday is closed, Tuesday 08:00-08:30 is paused
    assert preview(world, body).json() == {"deadlines": {"response": "2026-03-10T10:30:00+01:00"}}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"targets": {"response": "2H"}}, "targets.response"),
        ({"targets": {"response": "PT"}}, "targets.response"),
        ({"targets": {"response": "P1M"}}, "targets.response"),
        ({"targets": {"response": "PT0H"}}, "targets.response"),
        ({"targets": {"response": 120}}, "targets.response"),
        ({"targets": {"reply": "PT2H"}}, "targets.reply"),
        ({"targets": {}}, "targets"),
        ({"calendar": {**PARIS, "timezone": "Europe/Atlantis"}}, "calendar.timezone"),
        ({"calendar": {k: v for k, v in PARIS.items() if k != "timezone"}}, "calendar.timezone"),
        ({"calendar": {**PARIS, "slots": {"mon": [["12:00", "08:00"]]}}}, "calendar.slots.mon"),
        (
            {"calendar": {**PARIS, "holidays": {"country": "FR", "subdivision": "99"}}},
            "calendar.holidays.subdivision",
        ),
        ({"calendar": {**PARIS, "holidays": {"country": "XX"}}}, "calendar.holidays.country"),
        ({"calendar": {**PARIS, "closures": [["2026-03-09"]]}}, "calendar.closures.0"),
        ({"calendar": {**PARIS, "colour": "red"}}, "calendar.colour"),
        ({"start": "2026-03-06T17:00:00"}, "start"),
        ({"start": "Friday"}, "start"),
        ({"pauses": [["2026-03-10T08:30:00+01:00", "2026-03-10T08:00:00+01:00"]]}, "pauses.0"),
        ({"pauses": [["2026-03-10T08:30:00"]]}, "pauses.0"),
        ({"contract": 1}, "contract"),
    ],
)
def test_preview_refuses_bad_input_naming_the_field(world, change, field):
    body = problem(preview(world, {**BODY, **change}), 422)
    assert fields_of(body) == [field] or body.get("field") == field, body


@pytest.fixture
def contracts(world):
    calendar = services_tiers.create_calendar(
        SYSTEM, {"name": "Paris", "timezone": "Europe/Paris", "slots": PARIS["slots"]}
    )
    rows = [
        {"priority": p, "first_response_minutes": 120, "on_site_minutes": 240, "resolution_minutes": 960}
        for p in ("P1", "P2", "P3", "P4")
    ]
    policy = services_tiers.create_sla_policy(SYSTEM, {"name": "Gold", "targets": rows})

    def contract(party):
        return services.create_contract(
            SYSTEM,
            party.customer.pk,
            {
                "type": "maintenance",
                "status": "active",
                "start_date": date(2026, 1, 1),
                "end_date": date(2026, 12, 31),
                "currency": "EUR",
                "sla_policy_id": policy.pk,
                "calendar_id": calendar.pk,
                "coverage": {"site_ids": [party.site.pk]},
            },
        ).pk

    return {"a": contract(world.a), "b": contract(world.b)}


def test_preview_from_a_contract_and_priority(world, contracts):
    body = {"contract": contracts["a"], "priority": "P2", "start": "2026-03-06T17:00:00+01:00"}

    response = preview(world, body, Role.CUSTOMER)

    assert response.json() == {
        "deadlines": {
            "response": "2026-03-09T09:00:00+01:00",
            "onsite": "2026-03-09T11:00:00+01:00",
            "resolution": "2026-03-10T16:00:00+01:00",
            "update": "2026-03-09T16:30:00+01:00",
        }
    }
    assert fields_of(problem(preview(world, {**body, "contract": contracts["b"]}, Role.CUSTOMER), 422)) == [
        "contract"
    ]
    assert fields_of(problem(preview(world, {**body, "priority": "P9"}), 422)) == ["priority"]
    assert fields_of(problem(preview(world, {**body, "targets": {"response": "PT1H"}}), 422)) == ["contract"]


def test_at_risk_and_clocks_over_the_api(world, contracts):
    start = datetime.fromisoformat("2026-03-09T08:00:00+01:00")
    for subject, party in ((1, world.a), (2, world.b)):
        right = queries.entitlement(site=party.site, at=start, priority="P2")
        with clock.frozen(start):
            sla_services.start_clocks(
                SYSTEM, "tickets.ticket", subject, at=start, priority="P2", entitlement=right
            )

    with clock.frozen(datetime.fromisoformat("2026-03-09T09:00:00+01:00")):
        staff = call(api_client(world.user(Role.DISPATCHER)), "GET", "/sla/at-risk?within_minutes=60").json()
        own = call(api_client(world.user(Role.CUSTOMER)), "GET", "/sla/at-risk?within_minutes=60").json()
        listed = call(
            api_client(world.user(Role.AGENT)), "GET", "/sla/clocks?subject_type=tickets.ticket&subject_id=2"
        ).json()
        refused = call(
            api_client(world.user(Role.CUSTOMER)), "GET", "/sla/clocks?subject_type=t&subject_id=1"
        )

    assert [(c["subject_id"], c["kind"], c["deadline"]) for c in staff["items"]] == [
        (1, "response", "2026-03-09T09:00:00Z"),
        (2, "response", "2026-03-09T09:00:00Z"),
    ]
    assert [(c["subject_id"], c["kind"]) for c in own["items"]] == [(1, "response")]
    assert [c["kind"] for c in listed["items"]] == ["onsite", "resolution", "response", "update"]
    problem(refused, 404)


def test_the_preview_is_documented_with_an_example():
    from tournevis.web.api import api

    schema = api.get_openapi_schema()
    post = schema["paths"]["/api/v1/sla/preview"]["post"]
    example = post["responses"]["200"]["content"]["application/json"]
    assert example["schema"] == {"$ref": "#/components/schemas/PreviewOut"}
    assert example["example"]["deadlines"]["response"] == "2026-03-09T09:00:00+01:00"
    assert schema["components"]["schemas"]["PreviewIn"]["examples"][0]["targets"]["response"] == "PT2H"
