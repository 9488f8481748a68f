"""The at-risk page lists counting SLA clocks, most urgent first, scoped to what the actor may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client

from tests.conftest import PASSWORD, SYSTEM
from tests.web.markup import document, find_all, text
from tournevis.contracts import sla_services
from tournevis.core import clock

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _start(subject_id: int) -> None:
    """A ticket opened 3 h ago on 24/7 time: response (1 h) breached, on-site (5 h) due in 2 h,
    resolution (40 h) far away."""
    sla_services.start_clocks(
        SYSTEM,
        "tickets.ticket",
        subject_id,
        at=NOW - timedelta(hours=3),
        priority="P1",
        targets={"response": 60, "onsite": 300, "resolution": 2400},
    )


def rows(response) -> list[str]:
    tables = find_all(document(response), id="at-risk")
    return [text(row) for row in find_all(tables[0], "tr")[1:]] if tables else []


def test_breached_and_due_clocks_are_listed_by_deadline(world):
    with clock.frozen(NOW):
        _start(41)
        response = _client(world.user("dispatcher")).get("/sla/at-risk/?within=4")

    assert response.status_code == 200
    assert rows(response) == [
        "09/03/2026 10:00 UTC Breached First response P1 tickets.ticket #41 Time and materials —",
        "09/03/2026 14:00 UTC At risk On-site arrival P1 tickets.ticket #41 Time and materials 2 h",
    ]


def test_a_shorter_window_keeps_only_the_breached_clock(world):
    with clock.frozen(NOW):
        _start(41)
        response = _client(world.user("agent")).get("/sla/at-risk/?within=1")

    assert [r.split(" ")[4] for r in rows(response)] == ["First"]


def test_a_customer_user_sees_no_clock_outside_its_contracts(world):
    with clock.frozen(NOW):
        _start(41)
        response = _client(world.user("customer")).get("/sla/at-risk/")

    assert response.status_code == 200
    assert rows(response) == []
    assert "No clock at risk." in response.content.decode()


def test_the_page_speaks_french(world):
    with clock.frozen(NOW):
        _start(41)
        client = _client(world.user("manager"))
        client.cookies["django_language"] = "fr"
        response = client.get("/sla/at-risk/")

    assert [r.split(" P1 ")[0] for r in rows(response)] == [
        "09/03/2026 10:00 UTC Dépassé Première réponse",
        "09/03/2026 14:00 UTC À risque Arrivée sur site",
    ]
