"""Sign-in pages: login, wrong password, throttling with device cookies, password reset through the outbox,
logout."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.conftest import PASSWORD, SYSTEM, World
from tests.web.markup import attribute, document, find, text
from tournevis.identity import services as identity_services
from tournevis.identity.models import LoginFailure, User
from tournevis.identity.throttle import DEVICE_COOKIE
from tournevis.notifications.models import OutboundEmail

WRONG = "not-the-password-1"


def post_login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_the_login_page_has_labelled_fields(db: None) -> None:
    page = document(Client().get("/login/"))
    assert text(find(page, "h1")) == "Sign in"
    assert text(find(page, "label", for_="id_username")) == "User name"
    assert attribute(find(page, "input", id="id_username"), "autocomplete") == "username"
    assert attribute(find(page, "input", id="id_password"), "type") == "password"
    assert attribute(find(page, "a", href="/password-reset/"), "href") == "/password-reset/"


def test_a_right_password_logs_in_and_a_wrong_one_re_renders_with_an_error(world: World) -> None:
    client = Client()
    response = post_login(client, "agent-user", WRONG)
    page = document(response)
    assert response.status_code == 200
    assert text(find(page, id="login-error")) == (
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    )
    assert attribute(find(page, "input", id="id_username"), "value") == "agent-user"
    assert client.get("/").status_code == 302

    response = client.post("/login/", {"username": "agent-user", "password": PASSWORD, "next": "/customers/"})
    assert (response.status_code, response["Location"]) == (302, "/customers/")
    assert client.get("/").status_code == 200
    assert LoginFailure.objects.count() == 0  # a success clears the account's failures


def test_the_sixth_attempt_is_throttled_but_the_owner_still_logs_in_from_a_known_browser(
    world: World,
) -> None:
    owner = Client()
    assert post_login(owner, "agent-user", PASSWORD).status_code == 302
    assert DEVICE_COOKIE in owner.cookies
    owner.post("/logout/")

    attacker = Client()
    assert [post_login(attacker, "agent-user", WRONG).status_code for _ in range(5)] == [200] * 5
    throttled = post_login(attacker, "agent-user", PASSWORD)
    assert (throttled.status_code, throttled["Retry-After"]) == (429, "900")
    assert text(find(document(throttled), id="throttled")) == (
        "Too many failed sign-in attempts. Try again in 15 minutes."
    )
    assert "_auth_user_id" not in attacker.session

    response = post_login(owner, "agent-user", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert owner.session["_auth_user_id"] == str(world.staff["agent"].pk)


def test_password_reset_queues_an_email_for_an_active_user_and_none_for_an_unknown_address(
    world: World,
) -> None:
    client = Client()
    response = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert (response.status_code, response["Location"]) == (302, "/password-reset/sent/")
    assert OutboundEmail.objects.count() == 0

    response = client.post("/password-reset/", {"email": "AGENT-USER@example.com"})
    assert (response.status_code, response["Location"]) == (302, "/password-reset/sent/")
    message = OutboundEmail.objects.get()
    assert (message.to, message.subject, message.purpose, message.status) == (
        "agent-user@example.com",
        "Reset your Tournevis password",
        "password_reset",
        "pending",
    )
    assert message.body.startswith(
        "Hello agent-user,\n\nSomeone asked to reset the password of your Tournevis account on testserver."
    )
    link = re.search(r"http://testserver(/reset/\S+/\S+/)", message.body)
    assert link is not None
    page = client.get(link.group(1), follow=True)
    assert text(find(document(page), "h1")) == "Choose a new password"
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "Another-horse-42", "new_password2": "Another-horse-42"})
    assert (done.status_code, done["Location"]) == (302, "/reset/done/")
    assert User.objects.get(username="agent-user").check_password("Another-horse-42")
    assert text(find(document(client.get("/password-reset/sent/")), id="reset-sent")).startswith(
        "If an active"
    )


def test_password_reset_sends_nothing_to_a_disabled_user(world: World) -> None:
    identity_services.set_user_active(SYSTEM, world.staff["agent"].pk, False)
    Client().post("/password-reset/", {"email": "agent-user@example.com"})
    assert OutboundEmail.objects.count() == 0


def test_logout_ends_the_session(world: World) -> None:
    client = Client()
    assert client.login(username="agent-user", password=PASSWORD)
    session_key = client.session.session_key
    response = client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert (client.get("/").status_code, client.get("/")["Location"]) == (302, "/login/?next=/")
    assert not Session.objects.filter(session_key=session_key).exists()


@pytest.mark.parametrize(
    "url", ["/password-reset/", "/password-reset/sent/", "/reset/done/", "/reset/MQ/bad-token/"]
)
def test_the_other_sign_in_pages_render(db: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    expected = {
        "/password-reset/": "Reset your password",
        "/password-reset/sent/": "Check your e-mail",
        "/reset/done/": "Password changed",
        "/reset/MQ/bad-token/": "Choose a new password",
    }[url]
    assert text(find(document(response), "h1")) == expected
