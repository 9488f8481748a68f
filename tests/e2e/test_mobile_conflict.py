"""Conflicts of the technician app in a real browser: while Léa's phone is offline, the dispatcher
cancels one of her visits and gives another to Marc. What she did on them offline is not applied but
kept: after the sync her app lists both conflicts with their reason, and the dispatcher's conflict
page lists them too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, SYSTEM
from tests.e2e.mobile_support import build_mobile_world, new_phone, sign_in, wait_controlled, wait_synced
from tests.workforce.conftest import make_technician
from tournevis.core import clock
from tournevis.mobile.models import Conflict
from tournevis.workorders import services, services_visits
from tournevis.workorders.models import Visit, VisitNote

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_cancelled_and_reassigned_while_offline(browser, live_server) -> None:
    # Given Léa's phone synced with two visits dispatched to her today
    w = build_mobile_world()
    now = clock.now()
    second = services.create_work_order(
        SYSTEM,
        {"site_id": w.world.a.site.pk, "service_object_id": w.world.a.module.pk, "title": "Clean the feeder"},
        at=now - timedelta(hours=2),
    )
    later = services.plan_visit(
        SYSTEM,
        second.pk,
        w.lea.pk,
        now + timedelta(hours=3),
        now + timedelta(hours=4),
        at=now - timedelta(hours=2),
    )
    services_visits.dispatch_visit(SYSTEM, later.pk, at=now - timedelta(hours=1))
    context = new_phone(browser, live_server.url)
    page = context.new_page()
    sign_in(page)
    wait_controlled(page)
    wait_synced(page)
    assert page.locator(".visit-card").count() == 2

    # When, offline, she checks in on the first visit and writes a note on the second
    context.set_offline(True)
    page.click(f"a[data-visit='{w.visit.pk}']")
    page.click("#step-check-in")
    page.wait_for_selector("#visit-status:has-text('On site')")
    page.goto(f"/m/#/visit/{later.pk}/notes")
    page.fill("#note-text", "Customer asks to call before coming.")
    page.click("#note-add")
    page.wait_for_selector("#notes li:has-text('Customer asks')")

    # While the dispatcher cancels the first visit and gives the second to Marc
    services_visits.cancel_visit(SYSTEM, w.visit.pk, reason="Customer closed today")
    marc = make_technician("Marc Durand")
    services_visits.unschedule_visit(SYSTEM, later.pk)
    services.plan_visit(SYSTEM, second.pk, marc.pk, now + timedelta(hours=3), now + timedelta(hours=4))

    # Then, back online, nothing is applied, both are kept as conflicts and the app shows them
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    assert Visit.objects.get(pk=w.visit.pk).status == "cancelled"
    assert VisitNote.objects.count() == 0
    reasons = dict(Conflict.objects.values_list("operation__name", "reason"))
    assert reasons == {"visit.check_in": "visit_cancelled", "note.add": "visit_reassigned"}
    assert page.locator("#tab-conflicts-count").inner_text() == "2"
    assert page.locator(".visit-card").count() == 0  # neither visit is hers any more
    page.click("#tab-conflicts")
    page.wait_for_function("document.querySelectorAll('#conflicts li.conflict').length === 2")
    shown = page.locator("li.conflict strong").all_inner_texts()
    assert sorted(shown) == ["The visit was cancelled", "The visit was given to another technician"]

    # And the technician marks one seen: it leaves her list (the dispatcher still has it)
    page.locator("li.conflict[data-reason='visit_cancelled'] button").click()
    page.wait_for_function("document.querySelectorAll('li.conflict').length === 1")
    assert Conflict.objects.filter(seen_at__isnull=False).count() == 1

    # And the dispatcher's conflict page lists both
    office = browser.new_context(base_url=live_server.url, locale="en-GB")
    desk = office.new_page()
    desk.goto("/login/")
    desk.fill("#id_username", "dispatcher-user")
    desk.fill("#id_password", PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_url(re.compile(r"/$"))
    desk.goto("/dispatch/conflicts/")
    rows = desk.locator("#open-conflicts tbody tr[data-reason]")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.reason)")) == [
        "visit_cancelled",
        "visit_reassigned",
    ]
    office.close()
    context.close()
