"""Idempotency-Key: a retried create is answered from the first answer and writes nothing again."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import api_client, make_user, token_for
from tournevis.core import clock, idempotency
from tournevis.core.models import IdempotencyKey
from tournevis.customers import services as customer_services
from tournevis.customers.models import Contact, Customer

NEW = {"name": "Gamma Retail", "country": "FR", "timezone": "Europe/Paris"}
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def manager(world):
    return api_client(world.staff["manager"])


def post(client, body, key: str | None = "order-42", path: str = "/customers"):
    return call(client, "POST", path, body, {"Idempotency-Key": key} if key is not None else {})


def test_a_retry_with_the_same_key_replays_the_first_answer_and_writes_nothing(world, manager):
    # Given a create that succeeded with a key
    with clock.frozen(T0):
        first = post(manager, NEW)
    after_first, audits = db_state(), audit_count()

    # When the client retries it (it never saw the answer)
    retry = post(manager, NEW)

    # Then it gets the same status, body and ETag, marked as a replay, and nothing more is written
    assert (first.status_code, first.has_header("Idempotent-Replayed")) == (201, False)
    assert (retry.status_code, retry["Idempotent-Replayed"], retry["ETag"]) == (201, "true", '"1"')
    assert retry.json() == first.json()
    assert retry["Content-Type"] == "application/json; charset=utf-8"
    assert (db_state(), audit_count()) == (after_first, audits)
    assert Customer.objects.filter(name="Gamma Retail").count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.key, stored.actor_user_id, stored.method, stored.path, stored.status) == (
        "order-42",
        world.staff["manager"].pk,
        "POST",
        "/api/v1/customers",
        201,
    )
    assert stored.body_sha256 == hashlib.sha256(json.dumps(NEW).encode()).hexdigest()
    assert (json.loads(stored.response_body), stored.created_at) == (first.json(), T0)


def test_without_a_key_each_post_creates(world, manager):
    assert [post(manager, NEW, key=None).status_code for _ in range(2)] == [201, 201]
    assert Customer.objects.filter(name="Gamma Retail").count() == 2
    assert IdempotencyKey.objects.count() == 0


def test_the_same_key_with_another_body_is_refused_naming_the_header(world, manager):
    post(manager, NEW)
    before, audits = db_state(), audit_count()

    response = post(manager, {**NEW, "name": "Delta"})

    body = problem(response, 422)
    assert fields_of(body) == ["Idempotency-Key"]
    assert body["detail"] == "This idempotency key was already used for a different request; use a new key."
    assert (db_state(), audit_count()) == (before, audits)
    assert not Customer.objects.filter(name="Delta").exists()


def test_the_same_key_on_another_operation_is_refused(world, manager):
    post(manager, NEW)
    before = db_state()

    response = post(manager, {"customer_id": world.a.customer.pk, "name": "Annex"}, path="/sites")

    assert fields_of(problem(response, 422)) == ["Idempotency-Key"]
    assert db_state() == before


def test_a_refused_request_stores_no_key_and_can_be_corrected_with_the_same_key(world, manager):
    # Given a create refused for a bad time zone
    before, audits = db_state(), audit_count()
    refused = post(manager, {**NEW, "timezone": "Paris"})
    assert fields_of(problem(refused, 422)) == ["timezone"]
    assert (db_state(), audit_count()) == (before, audits)
    assert IdempotencyKey.objects.count() == 0

    # When the client corrects it and sends it with the same key
    corrected = post(manager, NEW)

    # Then it is carried out once
    assert corrected.status_code == 201
    assert post(manager, NEW)["Idempotent-Replayed"] == "true"
    assert (Customer.objects.filter(name="Gamma Retail").count(), IdempotencyKey.objects.count()) == (1, 1)


def test_keys_belong_to_their_user(world, manager):
    agent = api_client(world.staff["agent"])
    body = {"customer_id": world.a.customer.pk, "name": "Desk contact"}

    by_manager = post(manager, body, path="/contacts")
    by_agent = post(agent, body, path="/contacts")

    assert (by_manager.status_code, by_agent.status_code) == (201, 201)
    assert by_agent.has_header("Idempotent-Replayed") is False
    assert Contact.objects.filter(name="Desk contact").count() == 2


@pytest.mark.parametrize("key", ["", "k" * 256, "clé-é", "tab\there"])
def test_a_malformed_key_is_refused(world, manager, key):
    before = db_state()

    response = post(manager, NEW, key=key)

    assert fields_of(problem(response, 422)) == ["Idempotency-Key"]
    assert db_state() == before


def test_the_key_and_the_change_commit_together(world, manager, monkeypatch):
    # Given storing the key fails after the change was made
    def broken_store(pending, response):
        raise RuntimeError("disk full")

    monkeypatch.setattr(idempotency, "_store", broken_store)
    before = db_state()

    # When the create runs, then it fails as a whole: the customer is not left behind
    with pytest.raises(RuntimeError, match="disk full"):
        post(manager, NEW)
    assert db_state() == before


def test_a_refused_role_stores_no_key(world):
    technician = api_client(world.staff["technician"])
    before = db_state()

    assert post(technician, NEW).status_code == 403
    assert db_state() == before


def test_old_keys_are_purged(world, manager):
    with clock.frozen(T0):
        post(manager, NEW, key="old")
    with clock.frozen(T0 + timedelta(days=2)):
        post(manager, {**NEW, "name": "Recent"}, key="recent")

    assert idempotency.purge(T0 + timedelta(days=1)) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_overtaken_by_its_retry_is_answered_with_the_retrys_result(monkeypatch):
    # Given a create stalled inside its transaction (it did not store its key yet)
    user = make_user("racer", "manager")
    clients = [Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}") for _ in range(2)]
    stalled, release = threading.Event(), threading.Event()
    original = customer_services.create_customer
    created: list[int] = []

    def create_and_stall_the_first(actor, data):
        customer = original(actor, data)
        created.append(customer.pk)
        if len(created) == 1:
            stalled.set()
            release.wait(10)
        return customer

    monkeypatch.setattr(customer_services, "create_customer", create_and_stall_the_first)
    responses: dict[int, Any] = {}

    def send(i: int) -> None:
        try:
            responses[i] = post(clients[i], NEW, key="same")
        finally:
            connection.close()

    first = threading.Thread(target=send, args=(0,))
    first.start()
    assert stalled.wait(10)

    # When its retry, sent meanwhile with the same key, completes and the first then resumes
    retry = threading.Thread(target=send, args=(1,))
    retry.start()
    retry.join(10)
    release.set()
    first.join(10)

    # Then the first's own insert is rolled back and it answers with the retry's stored response
    assert len(created) == 2  # both ran the service: neither could see the other's key
    assert (responses[0].status_code, responses[1].status_code) == (201, 201)
    assert (responses[0]["Idempotent-Replayed"], responses[1].has_header("Idempotent-Replayed")) == (
        "true",
        False,
    )
    assert responses[0].json() == responses[1].json()
    assert list(Customer.objects.values_list("pk", flat=True)) == [responses[1].json()["id"]]
    assert IdempotencyKey.objects.count() == 1


def test_the_openapi_document_offers_the_key_on_every_create_and_if_match_on_every_patch(db):
    document = Client().get("/api/v1/openapi.json").json()

    def headers(operation: dict) -> list[str]:
        return [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]

    # POSTs that write nothing a retry could duplicate: a token (or a calendar feed's URL) is a secret
    # answered once, a preview or a rule test computes, an inbound tracker event is authenticated by its
    # signature and idempotent; revoking a device or marking a sync conflict seen or resolved sets a state
    # that a retry finds already set.
    not_creates = {
        "create_token",
        "create_feed",
        "sla_preview",
        "test_triage_rules",
        "bug_tracker_event",
        "mobile_revoke_device",
        "mobile_conflict_seen",
        "mobile_conflict_resolve",
    }
    posts = {
        op["operationId"]: headers(op)
        for path in document["paths"].values()
        for method, op in path.items()
        if method == "post" and op["operationId"] not in not_creates
    }
    patches = {
        op["operationId"]: headers(op)
        for path in document["paths"].values()
        for m, op in path.items()
        if m == "patch"
    }
    assert len(posts) >= 20 and len(patches) >= 10  # the rules below are not vacuous
    assert {name: "Idempotency-Key" in found for name, found in posts.items()} == dict.fromkeys(posts, True)
    assert {name: "If-Match" in found for name, found in patches.items()} == dict.fromkeys(patches, True)
    # an amendment is a new version of its contract; a ticket's state changes are checked against it
    for name in ("amend_contract", "transition_ticket", "assign_ticket"):
        assert posts[name] == ["If-Match", "Idempotency-Key"]
