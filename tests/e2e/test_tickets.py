"""An agent's path through tickets: log in, open the inbox, open a ticket, post a public reply, see it in
the thread, then switch to French.

French: the page's own headings and labels come from the catalogue; the rest is checked on structure
(ids, data attributes)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, SYSTEM, World
from tournevis.tickets import services

pytestmark = pytest.mark.browser


def test_an_agent_answers_a_ticket_from_the_inbox_and_reads_it_in_french(page, world: World, tmp_path):
    ticket = services.open_ticket(
        SYSTEM,
        title="Counter jams on 50 EUR notes",
        description="Jams every 20 notes",
        channel="portal",
        service_object_id=world.a.machine.pk,
        contact_id=world.a.contact.pk,
        priority="P2",
    )

    page.goto("/login/")
    page.fill("#id_username", "agent-user")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.click("#nav-tickets")
    page.wait_for_url(re.compile(r"/tickets/$"))
    row = page.locator(f"tr[data-ticket-id='{ticket.pk}']")
    assert row.locator("td").first.inner_text() == ticket.number
    assert page.locator("#ticket-rows").get_attribute("hx-trigger") == "every 15s"

    row.locator("a", has_text=ticket.number).click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    assert page.locator("#ticket-number").inner_text() == ticket.number
    assert page.locator("#thread li.message").count() == 1

    page.fill("#field-body", "A technician comes this afternoon.")
    page.check("input[name=visibility][value=public]")
    page.click("#reply-submit")
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    messages = page.locator("#thread li.message")
    messages.nth(1).wait_for()
    assert messages.count() == 2
    assert messages.nth(1).get_attribute("data-public") == "true"
    assert messages.nth(1).locator(".body").inner_text() == "A technician comes this afternoon."
    assert ticket.messages.filter(public=True, from_customer=False).count() == 1

    page.click("form.lang button[value=fr]")
    page.wait_for_selector("html[lang=fr]")
    assert page.url.endswith(f"/tickets/{ticket.pk}/")
    assert page.locator("#info-customer").inner_text() == "Alpha Bank"
    assert page.locator("#thread li.message").count() == 2
    labels = page.locator("#ticket-fields dt").all_inner_texts()
    assert "Priorité" in labels[0] or "PRIORITÉ" in labels[0]
    assert page.locator("#timeline-title").inner_text().casefold() == "chronologie"
    page.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)
