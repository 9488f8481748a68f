"""Bad input gets a problem+json naming the field and writes nothing; unauthenticated calls get 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, World, api_client, token_for
from tournevis.identity import services as identity_services
from tournevis.identity.models import ApiToken


def _bad(
    method: str, path: Callable[[World], str], body: Callable[[World], Any], status: int, fields: list[str]
):
    return (method, path, body, status, fields)


# (method, path, body, expected status, fields named by the problem)
BAD_INPUT = {
    "invalid time zone": _bad(
        "POST",
        lambda w: "/customers",
        lambda w: {"name": "X", "country": "FR", "timezone": "Europe/Paree"},
        422,
        ["timezone"],
    ),
    "unknown country": _bad(
        "POST",
        lambda w: "/customers",
        lambda w: {"name": "X", "country": "XX", "timezone": "UTC"},
        422,
        ["country"],
    ),
    "unknown country on a site": _bad(
        "POST",
        lambda w: "/sites",
        lambda w: {"customer_id": w.a.customer.pk, "name": "S", "country": "ZZ"},
        422,
        ["country"],
    ),
    "time zone patched to nonsense": _bad(
        "PATCH", lambda w: f"/sites/{w.a.site.pk}", lambda w: {"timezone": "GMT+25"}, 422, ["timezone"]
    ),
    "overlapping access hours": _bad(
        "PATCH",
        lambda w: f"/sites/{w.a.site.pk}",
        lambda w: {"access_hours": {"tue": [["08:00", "12:00"], ["11:00", "14:00"]]}},
        422,
        ["access_hours.tue"],
    ),
    "site of an unknown customer": _bad(
        "POST", lambda w: "/sites", lambda w: {"customer_id": 999999, "name": "S"}, 422, ["customer_id"]
    ),
    "duplicate serial": _bad(
        "POST",
        lambda w: "/objects",
        lambda w: {
            "site_id": w.b.site.pk,
            "name": "Clone",
            "equipment_model_id": w.model.pk,
            "serial_number": "alpha-0001",
        },
        409,
        ["serial_number"],
    ),
    "serial changed to a taken one": _bad(
        "PATCH",
        lambda w: f"/objects/{w.b.machine.pk}",
        lambda w: {"serial_number": "ALPHA-0001"},
        409,
        ["serial_number"],
    ),
    "parent that makes a cycle": _bad(
        "PATCH",
        lambda w: f"/objects/{w.a.area.pk}",
        lambda w: {"parent_id": w.a.module.pk},
        409,
        ["parent_id"],
    ),
    "object under itself": _bad(
        "PATCH", lambda w: f"/objects/{w.a.area.pk}", lambda w: {"parent_id": w.a.area.pk}, 409, ["parent_id"]
    ),
    "parent on another customer's site": _bad(
        "POST",
        lambda w: "/objects",
        lambda w: {"site_id": w.a.site.pk, "parent_id": w.b.area.pk, "name": "X"},
        422,
        ["parent_id"],
    ),
    "move to another customer's site": _bad(
        "PATCH", lambda w: f"/objects/{w.a.machine.pk}", lambda w: {"site_id": w.b.site.pk}, 422, ["site_id"]
    ),
    "unknown status": _bad(
        "PATCH", lambda w: f"/objects/{w.a.machine.pk}", lambda w: {"status": "broken"}, 422, ["status"]
    ),
    "malformed JSON": _bad("POST", lambda w: "/customers", lambda w: '{"name": "X",', 400, ["body"]),
    "not UTF-8": _bad("POST", lambda w: "/customers", lambda w: b'{"name": "\xff"}', 400, ["body"]),
    "no body": _bad("POST", lambda w: "/customers", lambda w: "", 422, ["body"]),
    "a JSON array": _bad("POST", lambda w: "/customers", lambda w: "[1, 2]", 422, ["body"]),
    "wrong types": _bad(
        "POST",
        lambda w: "/customers",
        lambda w: {"name": 12, "country": ["FR"], "timezone": "UTC"},
        422,
        ["name", "country"],
    ),
    "a boolean that is not one": _bad(
        "PATCH",
        lambda w: f"/contacts/{w.a.contact.pk}",
        lambda w: {"notify_by_sms": "maybe"},
        422,
        ["notify_by_sms"],
    ),
    "a date that is not one": _bad(
        "PATCH",
        lambda w: f"/objects/{w.a.machine.pk}",
        lambda w: {"install_date": "31/12/2024"},
        422,
        ["install_date"],
    ),
    "an unknown field": _bad(
        "PATCH", lambda w: f"/customers/{w.a.customer.pk}", lambda w: {"nmae": "Typo"}, 422, ["nmae"]
    ),
    "a field that cannot be changed": _bad(
        "PATCH",
        lambda w: f"/contacts/{w.a.contact.pk}",
        lambda w: {"customer_id": w.b.customer.pk},
        422,
        ["customer_id"],
    ),
    "a blank required name": _bad(
        "PATCH", lambda w: f"/customers/{w.a.customer.pk}", lambda w: {"name": "   "}, 422, ["name"]
    ),
    "a path id that is not a number": _bad(
        "GET", lambda w: "/customers/abc", lambda w: None, 422, ["customer_id"]
    ),
    "an id that does not exist": _bad("PATCH", lambda w: "/objects/999999", lambda w: {"name": "X"}, 404, []),
    "a page size too large": _bad("GET", lambda w: "/objects?limit=10000", lambda w: None, 422, ["limit"]),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(world, case):
    # Given an admin (who may call everything) and the database as it is
    method, path, body, status, fields = case
    client = api_client(world.staff["admin"])
    before, audits = db_state(), audit_count()

    # When the bad request is sent
    response = call(client, method, path(world), body(world))

    # Then a problem names the field, and no row and no audit event was written
    found = problem(response, status)
    assert fields_of(found) == fields
    assert found["title"] and found["detail"]
    assert found["request_id"] == response["X-Request-ID"]
    assert (db_state(), audit_count()) == (before, audits)


def test_a_payload_over_one_mebibyte_is_refused_with_413(world):
    client = api_client(world.staff["admin"])
    before, audits = db_state(), audit_count()
    notes = "x" * (1024 * 1024)

    response = call(client, "PATCH", f"/sites/{world.a.site.pk}", {"access_notes": notes})

    found = problem(response, 413)
    assert (found["title"], fields_of(found)) == ("Payload too large", ["body"])
    assert (db_state(), audit_count()) == (before, audits)


def test_a_problem_is_written_in_the_clients_language(world):
    client = api_client(world.staff["admin"])

    response = call(client, "GET", "/customers/999999", headers={"Accept-Language": "fr"})

    found = problem(response, 404)
    with translation.override("fr"):
        expected = (gettext("Not found"), gettext("No customer with id %(id)s.") % {"id": 999999})
    assert (found["title"], found["detail"]) == expected
    assert expected != ("Not found", "No customer with id 999999.")


# --- Authentication --------------------------------------------------------------------------------


def test_an_anonymous_call_gets_a_401_problem(world):
    before = db_state()

    response = call(Client(), "POST", "/customers", {"name": "X", "country": "FR", "timezone": "UTC"})

    found = problem(response, 401)
    assert (found["title"], response["WWW-Authenticate"]) == ("Unauthorized", "Bearer")
    assert db_state() == before


@pytest.mark.parametrize(
    "authorization",
    ["Bearer nonsense", "Bearer tvs_000000000000_secret", "Basic YWRtaW46YWRtaW4=", "Bearer "],
)
def test_a_bad_credential_gets_a_401_problem(world, authorization):
    response = call(Client(HTTP_AUTHORIZATION=authorization), "GET", "/customers")

    assert problem(response, 401)["title"] == "Unauthorized"


def test_a_revoked_token_gets_401(world):
    user = world.staff["manager"]
    plain = token_for(user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert call(client, "GET", "/customers").status_code == 200
    token = ApiToken.objects.get(prefix=plain.split("_")[1])
    identity_services.revoke_token(identity_services.actor_for(user), token.pk)
    before = db_state()

    response = call(client, "PATCH", f"/customers/{world.a.customer.pk}", {"name": "Hijacked"})

    assert problem(response, 401)["title"] == "Unauthorized"
    assert db_state() == before


def test_the_token_of_a_disabled_user_gets_401(world):
    user = world.staff["agent"]
    client = api_client(user)
    identity_services.set_user_active(SYSTEM, user.pk, False)
    before = db_state()

    response = call(client, "POST", "/contacts", {"customer_id": world.a.customer.pk, "name": "X"})

    assert problem(response, 401)["title"] == "Unauthorized"
    assert db_state() == before


def test_a_token_still_valid_but_of_a_user_disabled_later_gets_401(world):
    # The token row is left unrevoked on purpose: authentication must check the user too.
    user = world.staff["technician"]
    client = api_client(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert problem(call(client, "GET", "/objects"), 401)["title"] == "Unauthorized"
