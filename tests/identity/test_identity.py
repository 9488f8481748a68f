"""Users, roles, password hashing, API tokens, sessions of disabled users, the CLI."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import PASSWORD, api_client, make_user
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.core.models import AuditEvent
from tournevis.identity import services
from tournevis.identity.models import ApiToken, User

CLI = Actor.system("cli")


def test_passwords_are_hashed_with_argon2id_at_the_owasp_floor(db):
    user = make_user("alice", "agent")
    algorithm, rest = user.password.split("$", 1)
    assert algorithm == "argon2"
    assert rest.startswith("argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)


def test_customer_users_must_name_a_customer_and_staff_must_not(world):
    with pytest.raises(InvalidInput) as error:
        services.create_user(CLI, username="bob", role="customer")
    assert error.value.field == "customer"
    with pytest.raises(InvalidInput) as error:
        services.create_user(CLI, username="bob", role="agent", customer_id=world.a.customer.pk)
    assert error.value.field == "customer"
    assert not User.objects.filter(username="bob").exists()


def test_unknown_role_duplicate_name_and_weak_password_are_refused(db):
    make_user("alice", "agent")
    with pytest.raises(InvalidInput, match="Unknown role"):
        services.create_user(CLI, username="x", role="overlord")
    with pytest.raises(Conflict):
        services.create_user(CLI, username="alice", role="agent")
    with pytest.raises(InvalidInput) as error:
        services.create_user(CLI, username="carol", role="agent", password="123")
    assert error.value.field == "password"
    assert User.objects.count() == 1


def test_only_admins_get_the_django_admin(db):
    assert (make_user("root", "admin").is_staff, make_user("mgr", "manager").is_staff) == (True, False)


def test_a_token_is_shown_once_and_stored_as_a_digest(db):
    user = make_user("integration", "agent")
    token, plain = services.create_token(CLI, user, name="ERP")

    assert plain.startswith(f"tvs_{token.prefix}_")
    assert plain not in (token.digest, token.prefix)
    assert len(token.digest) == 64
    assert services.authenticate_token(plain) == (user, token)
    assert services.authenticate_token(plain[:-1] + ("A" if plain[-1] != "A" else "B")) is None
    assert AuditEvent.objects.filter(action="token.create").count() == 1


def test_a_token_is_scoped_to_a_role_no_higher_than_its_owner(db):
    agent, admin = make_user("agent1", "agent"), make_user("root", "admin")
    with pytest.raises(InvalidInput) as error:
        services.create_token(CLI, agent, name="x", role="admin")
    assert error.value.field == "role"
    token, _ = services.create_token(CLI, admin, name="readonly", role="technician")
    assert token.role == "technician"
    assert services.actor_for(admin, token).role == "technician"


def test_revoked_tokens_and_tokens_of_disabled_users_stop_working(db):
    user = make_user("integration", "agent")
    first, first_plain = services.create_token(CLI, user, name="one")
    _, second_plain = services.create_token(CLI, user, name="two")

    services.revoke_token(Actor(user.pk, user.username, "agent"), first.pk)
    assert services.authenticate_token(first_plain) is None
    assert services.authenticate_token(second_plain) is not None

    services.set_user_active(CLI, user.pk, False)
    assert services.authenticate_token(second_plain) is None
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0


def test_a_user_cannot_revoke_someone_elses_token(db):
    owner, other = make_user("owner", "agent"), make_user("other", "agent")
    token, _ = services.create_token(CLI, owner, name="x")
    with pytest.raises(NotFound):
        services.revoke_token(Actor(other.pk, other.username, "agent"), token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_bearer_token_authenticates_the_api_with_its_role(world):
    response = api_client(world.user("dispatcher")).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": world.user("dispatcher").pk,
        "username": "dispatcher-user",
        "role": "dispatcher",
        "customer_id": None,
    }


def test_the_api_refuses_anonymous_calls_with_a_problem(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_a_disabled_users_session_ends(world):
    client = Client()
    assert client.login(username="agent-user", password=PASSWORD)
    assert client.get("/api/v1/me").status_code == 200

    services.set_user_active(CLI, world.user("agent").pk, False)

    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302


def test_login_starts_a_new_session(world):
    client = Client()
    client.get("/login/")
    before = client.cookies.get("sessionid")
    client.post("/login/", {"username": "agent-user", "password": PASSWORD})
    after = client.cookies["sessionid"].value
    assert after and (before is None or before.value != after)


def test_cli_creates_users_and_tokens(world):
    out = io.StringIO()
    call_command(
        "users",
        "create",
        "dealer-portal",
        "--role",
        "customer",
        "--customer",
        str(world.a.customer.pk),
        stdout=out,
    )
    user = User.objects.get(username="dealer-portal")
    assert out.getvalue() == f"created user dealer-portal (id {user.pk}, role customer)\n"
    assert user.customer_id == world.a.customer.pk

    out = io.StringIO()
    call_command("token", "create", "--user", "dealer-portal", stdout=out)
    plain = out.getvalue().strip()
    assert services.authenticate_token(plain)[0] == user


def test_cli_refuses_bad_input_with_one_line(world):
    with pytest.raises(CommandError, match=r"^customer: A customer user must be tied to a customer\.$"):
        call_command("users", "create", "x", "--role", "customer")
    with pytest.raises(CommandError, match=r"^no user named ghost$"):
        call_command("token", "create", "--user", "ghost")
    assert not User.objects.filter(username="x").exists()


def test_login_switches_the_ui_to_the_users_language(db):
    services.create_user(CLI, username="marie", role="agent", password=PASSWORD, language="fr")
    client = Client()

    client.post("/login/", {"username": "marie", "password": PASSWORD})

    assert client.cookies["django_language"].value == "fr"
    assert 'lang="fr"' in client.get("/").content.decode()
