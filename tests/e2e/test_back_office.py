"""A person's path through the back office: log in, switch to French, find a machine, read its history."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, SYSTEM, World
from tournevis.installed_base import services

pytestmark = pytest.mark.browser


def test_log_in_switch_to_french_search_by_serial_and_open_history(page, world: World, tmp_path):
    services.update_object(SYSTEM, world.a.machine.pk, {"status": "in_repair"})

    page.goto("/login/")
    page.fill("#id_username", "agent-user")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.click("form.lang button[value=fr]")
    page.wait_for_selector("html[lang=fr]")

    page.fill("#search", "alpha-0001")
    page.press("#search", "Enter")
    page.click("a[data-serial='ALPHA-0001']")

    history = page.locator("#history")
    history.wait_for()
    assert page.locator("h1").inner_text() == "Counter"
    assert history.locator("li").count() == 2
    text = history.inner_text()
    assert "Statut" in text or "statut" in text
    assert "En réparation" in text
    page.screenshot(path=str(tmp_path / "object.png"), full_page=True)
