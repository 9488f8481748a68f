"""REST API of contracts, amendments, entitlement, calendars and SLA policies; bad input writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, api_client
from tournevis.contracts import services, services_tiers
from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.installed_base import services as ib_services

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
TARGETS = [
    {"priority": p, "first_response_minutes": 30, "on_site_minutes": on_site, "resolution_minutes": 960}
    for p, on_site in (("P1", 240), ("P2", 480), ("P3", 960), ("P4", 2400))
]


@pytest.fixture
def manager(world):
    return api_client(world.staff["manager"])


@pytest.fixture
def gold(world):
    return services_tiers.create_sla_policy(SYSTEM, {"name": "Gold 4h on-site", "targets": TARGETS})


def _contract(party, policy, *, status="active", coverage=None, **extra):
    data = {
        "type": "maintenance",
        "status": status,
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "currency": "EUR",
        "billing_cycle": "quarterly",
        "price_minor": 300000,
        "sla_policy_id": policy.pk if policy else None,
        "coverage": coverage if coverage is not None else {"site_ids": [party.site.pk]},
        **extra,
    }
    return services.create_contract(SYSTEM, party.customer.pk, data)


def test_a_manager_creates_a_contract_with_a_generated_number_and_reads_it_back(world, manager, gold):
    body = {
        "customer_id": world.a.customer.pk,
        "type": "maintenance",
        "status": "active",
        "start_date": "2026-02-01",
        "end_date": "2027-01-31",
        "renewal": "explicit",
        "notice_days": 60,
        "price_minor": 480000,
        "currency": "eur",
        "billing_cycle": "quarterly",
        "sla_policy_id": gold.pk,
        "parts_included": True,
        "account_manager_id": world.staff["manager"].pk,
        "coverage": {"object_ids": [world.a.machine.pk], "category_ids": [world.category.pk]},
    }

    with clock.frozen(T0):
        created = call(manager, "POST", "/contracts", body, headers={"Idempotency-Key": "c-1"})
        replayed = call(manager, "POST", "/contracts", body, headers={"Idempotency-Key": "c-1"})
        fetched = call(manager, "GET", f"/contracts/{created.json()['id']}")

    assert created.status_code == 201, created.content
    got = created.json()
    assert (got["number"], got["currency"], got["status"], got["version"], created["ETag"]) == (
        "C-2026-00001",
        "EUR",
        "active",
        1,
        '"1"',
    )
    assert got["coverage"] == {
        "site_ids": [],
        "object_ids": [world.a.machine.pk],
        "category_ids": [world.category.pk],
    }
    assert got["terms"] == {
        "on": "2026-01-15",
        "sla_policy_id": gold.pk,
        "price_minor": 480000,
        "site_ids": [],
        "object_ids": [world.a.machine.pk],
        "category_ids": [world.category.pk],
    }
    assert (replayed.status_code, replayed["Idempotent-Replayed"], replayed.json()) == (201, "true", got)
    assert fetched.json() == got
    assert AuditEvent.objects.filter(action="contract.create", object_id=str(got["id"])).count() == 1
    assert AuditEvent.objects.get(action="contract.coverage").after["object_ids"] == [world.a.machine.pk]


def test_numbers_follow_each_other_and_a_given_number_is_kept(world, gold):
    with clock.frozen(T0):
        first = _contract(world.a, gold)
        named = _contract(world.a, gold, number="maint-77")
        second = _contract(world.b, gold)
    assert [first.number, named.number, second.number] == ["C-2026-00001", "MAINT-77", "C-2026-00002"]


def test_a_customer_user_lists_only_its_own_contracts(world, gold):
    own, other = _contract(world.a, gold), _contract(world.b, gold)
    client = api_client(world.a.user)
    listed = call(client, "GET", "/contracts")
    assert [c["id"] for c in listed.json()["items"]] == [own.pk]
    problem(call(client, "GET", f"/contracts/{other.pk}"), 404)


def test_a_stale_if_match_gets_412_with_the_current_contract(world, manager, gold):
    contract = _contract(world.a, gold)
    call(manager, "PATCH", f"/contracts/{contract.pk}", {"notes": "first"}, headers={"If-Match": '"1"'})
    stale = call(
        manager, "PATCH", f"/contracts/{contract.pk}", {"notes": "second"}, headers={"If-Match": '"1"'}
    )
    body = problem(stale, 412)
    assert (stale["ETag"], body["current"]["notes"], body["current"]["version"]) == ('"2"', "first", 2)


def test_an_active_contract_changes_price_only_by_amendment(world, manager, gold):
    contract = _contract(world.a, gold)
    before = db_state()
    body = problem(call(manager, "PATCH", f"/contracts/{contract.pk}", {"price_minor": 1}), 409)
    assert fields_of(body) == ["price_minor"]
    assert db_state() == before


def test_an_amendment_reprices_the_quarter_and_changes_coverage_from_its_date(world, manager, gold):
    # Given an active contract at 3000.00 a quarter covering site A
    contract = _contract(world.a, gold)
    silver = services_tiers.create_sla_policy(SYSTEM, {"name": "Silver", "targets": TARGETS})

    # When it is amended from Feb 15: 4000.00 a quarter, Silver, the machine instead of the site
    with clock.frozen(T0):
        response = call(
            manager,
            "POST",
            f"/contracts/{contract.pk}/amendments",
            {
                "effective_date": "2026-02-15",
                "price_minor": 400000,
                "sla_policy_id": silver.pk,
                "add": {"object_ids": [world.a.machine.pk]},
                "remove": {"site_ids": [world.a.site.pk]},
                "reason": "Upgrade",
            },
            headers={"If-Match": '"1"', "Idempotency-Key": "amend-1"},
        )

    # Then Q1 (Jan 1 - Apr 1, 90 days) is 45 days at 3000.00 and 45 at 4000.00
    assert response.status_code == 201, response.content
    amendment = response.json()
    assert (amendment["sequence"], amendment["prorated_amount_minor"], response["ETag"]) == (1, 350000, '"2"')
    assert (amendment["add"]["object_ids"], amendment["remove"]["site_ids"]) == (
        [world.a.machine.pk],
        [world.a.site.pk],
    )
    before = call(manager, "GET", f"/contracts/{contract.pk}?at=2026-02-14").json()["terms"]
    after = call(manager, "GET", f"/contracts/{contract.pk}?at=2026-02-15").json()["terms"]
    assert (before["price_minor"], before["sla_policy_id"], before["site_ids"], before["object_ids"]) == (
        300000,
        gold.pk,
        [world.a.site.pk],
        [],
    )
    assert (after["price_minor"], after["sla_policy_id"], after["site_ids"], after["object_ids"]) == (
        400000,
        silver.pk,
        [],
        [world.a.machine.pk],
    )
    listed = call(manager, "GET", f"/contracts/{contract.pk}/amendments").json()
    assert [a["id"] for a in listed["items"]] == [amendment["id"]]
    assert AuditEvent.objects.filter(action="contract.amend").count() == 1


# --- Bad input: 4xx naming the field, nothing written -------------------------------------------


def _contract_body(world, **override):
    return {
        "customer_id": world.a.customer.pk,
        "type": "warranty",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "currency": "EUR",
        **override,
    }


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"currency": "EUX"}, "currency"),
        ({"status": "expired"}, "status"),
        ({"type": "maintenance"}, "sla_policy_id"),
        ({"price_minor": -1}, "price_minor"),
        ("other_object", "coverage.object_ids"),
        ("other_site", "coverage.site_ids"),
    ],
)
def test_bad_contracts_are_refused_naming_the_field(world, manager, override, field):
    if override == "other_object":
        override = {"coverage": {"object_ids": [world.b.machine.pk]}}
    elif override == "other_site":
        override = {"coverage": {"site_ids": [world.b.site.pk]}}
    before, audits = db_state(), audit_count()
    body = problem(call(manager, "POST", "/contracts", _contract_body(world, **override)), 422)
    assert fields_of(body) == [field]
    assert (db_state(), audit_count()) == (before, audits)


def test_an_invalid_status_transition_is_refused(world, manager, gold):
    contract = _contract(world.a, gold)
    call(manager, "PATCH", f"/contracts/{contract.pk}", {"status": "terminated"})
    before, audits = db_state(), audit_count()
    body = problem(call(manager, "PATCH", f"/contracts/{contract.pk}", {"status": "active"}), 422)
    assert (fields_of(body), body["detail"]) == (["status"], "A terminated contract cannot become active.")
    assert (db_state(), audit_count()) == (before, audits)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effective_date": "2025-12-31", "price_minor": 1}, "effective_date"),
        ({"effective_date": "2027-01-01", "price_minor": 1}, "effective_date"),
        ({"effective_date": "2026-03-01", "add": {"object_ids": [0]}}, "add.object_ids"),
        ({"effective_date": "2026-03-01", "remove": {"object_ids": [1]}}, "remove.object_ids"),
        ({"effective_date": "2026-03-01"}, "body"),
    ],
)
def test_bad_amendments_are_refused_naming_the_field(world, manager, gold, body, field):
    contract = _contract(world.a, gold)
    before, audits = db_state(), audit_count()
    refused = problem(call(manager, "POST", f"/contracts/{contract.pk}/amendments", body), 422)
    assert fields_of(refused) == [field]
    assert (db_state(), audit_count()) == (before, audits)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"on_site_minutes": 0}, "targets.0.on_site_minutes"),
        ({"first_response_minutes": -30}, "targets.0.first_response_minutes"),
        ({"update_every_minutes": 0}, "targets.0.update_every_minutes"),
    ],
)
def test_targets_of_zero_or_less_are_refused(world, manager, override, field):
    targets = [dict(t) for t in TARGETS]
    targets[0].update(override)
    before, audits = db_state(), audit_count()
    body = problem(call(manager, "POST", "/sla-policies", {"name": "Bad", "targets": targets}), 422)
    assert fields_of(body) == [field]
    assert (db_state(), audit_count()) == (before, audits)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"slots": {"mon": [["08:00", "12:00"], ["11:30", "13:00"]]}}, "slots.mon"),
        ({"slots": {"fri": [["18:00", "08:00"]]}}, "slots.fri"),
        ({"holidays": {"country": "QQ"}}, "holidays.country"),
        ({"holidays": {"country": "FR", "subdivision": "99"}}, "holidays.subdivision"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_calendars_are_refused_naming_the_field(world, manager, override, field):
    before, audits = db_state(), audit_count()
    body = problem(
        call(manager, "POST", "/calendars", {"name": "C", "timezone": "Europe/Paris", **override}), 422
    )
    assert fields_of(body) == [field]
    assert (db_state(), audit_count()) == (before, audits)


# --- Calendars and policies ---------------------------------------------------------------------


def test_a_calendar_is_created_edited_and_one_default_at_a_time(world, manager):
    with clock.frozen(T0):
        first = call(
            manager,
            "POST",
            "/calendars",
            {
                "name": "Moselle office",
                "timezone": "Europe/Paris",
                "slots": {"mon": [["08:00", "12:00"]]},
                "holidays": {"country": "FR", "subdivision": "57"},
                "yearly_closures": [["12-24", "12-26"]],
                "is_default": True,
            },
        )
        second = call(
            manager,
            "POST",
            "/calendars",
            {"name": "Round the clock", "timezone": "UTC", "always_open": True, "is_default": True},
        )
    assert first.status_code == 201, first.content
    assert first.json()["holidays"] == {"country": "FR", "subdivision": "57"}
    again = call(manager, "GET", f"/calendars/{first.json()['id']}").json()
    assert (again["is_default"], again["version"], second.json()["is_default"]) == (False, 2, True)


def test_a_policy_is_read_and_its_targets_replaced(world, manager, gold):
    got = call(manager, "GET", f"/sla-policies/{gold.pk}").json()
    assert got["targets"][0] == {
        "priority": "P1",
        "category_id": None,
        "first_response_minutes": 30,
        "on_site_minutes": 240,
        "resolution_minutes": 960,
        "update_every_minutes": 120,
    }
    override = {**TARGETS[0], "category_id": world.category.pk, "on_site_minutes": 120}
    patched = call(
        manager,
        "PATCH",
        f"/sla-policies/{gold.pk}",
        {"targets": [*TARGETS, override]},
        headers={"If-Match": '"1"'},
    )
    assert (patched.status_code, patched.json()["version"], len(patched.json()["targets"])) == (200, 2, 5)


# --- Entitlement --------------------------------------------------------------------------------


def test_entitlement_covers_a_module_through_its_machine_with_the_tier_targets(world, manager, gold):
    contract = _contract(world.a, gold, coverage={"object_ids": [world.a.machine.pk]})
    got = call(
        manager, "GET", f"/entitlement?object_id={world.a.module.pk}&priority=p2&at=2026-03-02T10:00:00Z"
    )
    assert got.status_code == 200, got.content
    assert got.json() == {
        "basis": "contract",
        "covered": True,
        "priority": "P2",
        "at": "2026-03-02T10:00:00Z",
        "contract_id": contract.pk,
        "contract_number": contract.number,
        "contract_type": "maintenance",
        "coverage": "object",
        "sla_policy_id": gold.pk,
        "targets": {
            "first_response_minutes": 30,
            "on_site_minutes": 480,
            "resolution_minutes": 960,
            "update_every_minutes": 480,
        },
        "parts_included": False,
        "labour_included": False,
        "loaner_included": False,
        "per_visit_price_minor": None,
        "currency": "EUR",
        "calendar_id": None,
        "calendar_name": "24/7 UTC",
    }
    area = call(manager, "GET", f"/entitlement?object_id={world.a.area.pk}&at=2026-03-02T10:00:00Z").json()
    late = call(manager, "GET", f"/entitlement?object_id={world.a.module.pk}&at=2027-01-01T10:00:00Z").json()
    assert (area["basis"], area["contract_id"], late["basis"]) == (
        "time_and_materials",
        None,
        "time_and_materials",
    )


def test_the_most_specific_then_the_fastest_then_the_oldest_contract_wins(world, manager, gold):
    fast = services_tiers.create_sla_policy(
        SYSTEM, {"name": "Platinum", "targets": [{**t, "on_site_minutes": 60} for t in TARGETS]}
    )
    by_site_fast = _contract(world.a, fast)
    by_object = _contract(world.a, gold, coverage={"object_ids": [world.a.area.pk]})
    by_object_fast = _contract(world.a, fast, coverage={"object_ids": [world.a.machine.pk]})
    by_object_fast_too = _contract(world.a, fast, coverage={"object_ids": [world.a.machine.pk]})
    url = f"/entitlement?object_id={world.a.module.pk}&at=2026-03-02T10:00:00Z"
    assert call(manager, "GET", url).json()["contract_id"] == by_object_fast.pk
    assert by_object_fast.pk < by_object_fast_too.pk and by_object.pk < by_object_fast.pk
    site = call(manager, "GET", f"/entitlement?site_id={world.a.site.pk}&at=2026-03-02T10:00:00Z").json()
    assert (site["contract_id"], site["coverage"]) == (by_site_fast.pk, "site")


def test_a_dealer_contract_covers_objects_it_manages_at_another_customers_site(world, manager, gold):
    ib_services.update_object(SYSTEM, world.b.machine.pk, {"manager_id": world.a.customer.pk})
    contract = _contract(world.a, gold, coverage={"category_ids": [world.category.pk]})
    got = call(manager, "GET", f"/entitlement?object_id={world.b.machine.pk}&at=2026-03-02T10:00:00Z").json()
    assert (got["contract_id"], got["coverage"]) == (contract.pk, "category")
    # and the dealer may cover that object by name, though it stands at another customer's site
    dealer = _contract(world.a, gold, coverage={"object_ids": [world.b.machine.pk]})
    again = call(
        manager, "GET", f"/entitlement?object_id={world.b.machine.pk}&at=2026-03-02T10:00:00Z"
    ).json()
    assert (again["contract_id"], again["coverage"]) == (dealer.pk, "object")


def test_entitlement_follows_amendments_and_the_customer_only_asks_about_its_own(world, manager, gold):
    contract = _contract(world.a, gold)
    services.amend_contract(
        SYSTEM, contract.pk, {"effective_date": date(2026, 6, 1), "remove": {"site_ids": [world.a.site.pk]}}
    )
    url = f"/entitlement?site_id={world.a.site.pk}&at="
    assert call(manager, "GET", url + "2026-05-31T12:00:00Z").json()["basis"] == "contract"
    assert call(manager, "GET", url + "2026-06-01T12:00:00Z").json()["basis"] == "time_and_materials"
    customer = api_client(world.a.user)
    refused = problem(call(customer, "GET", f"/entitlement?site_id={world.b.site.pk}"), 422)
    assert fields_of(refused) == ["site_id"]
