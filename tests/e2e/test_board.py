"""The planning board in a real browser: a drag onto a technician without the skill is refused with the
reason and the block goes back; a waiting visit dropped from the side list onto a qualified
technician is planned, and undo sends it back."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import PASSWORD, SYSTEM, World
from tests.dispatch.conftest import MONDAY, Planning, build_planning
from tournevis.core import clock
from tournevis.dispatch import services
from tournevis.workorders.models import Visit

pytestmark = pytest.mark.browser


@pytest.fixture
def planning(world: World) -> Iterator[Planning]:
    with clock.frozen(MONDAY):  # the live server's thread reads the same clock
        yield build_planning(world)


def _row_centre_y(page, name: str) -> float:
    """The vertical middle of a technician's row (the sidebar label and the row share it)."""
    label = page.locator(".ec-body .ec-sidebar .ec-row-head", has_text=name).first
    box = label.bounding_box()
    return box["y"] + box["height"] / 2


def test_drag_refused_then_drop_from_the_side_list_and_undo(page, planning: Planning) -> None:
    kiosk = planning.visit(0)
    services.move_visit(
        SYSTEM, kiosk.pk, technician_id=planning.ana.pk, start=MONDAY.replace(day=24, hour=8)
    )  # Tuesday 09:00 in Paris
    page.goto("/login/")
    page.fill("#id_username", "dispatcher-user")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/dispatch/?team={planning.team.pk}&day=2026-11-23")

    block = page.locator(".ec-event", has_text=planning.orders[0].number)
    block.wait_for()
    box = block.bounding_box()
    # When the dispatcher drags the kiosk visit onto Bruno (no kiosk skill), same time
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 8, _row_centre_y(page, "Bruno Petit"), steps=8)
    page.mouse.up()
    # Then the server refuses with the reason and nothing moved
    page.wait_for_function("document.getElementById('board-status').textContent.startsWith('Refused')")
    assert (
        page.locator("#board-status").inner_text() == "Refused: Bruno Petit lacks the skill kiosk at level 2."
    )
    kiosk.refresh_from_db()
    assert kiosk.technician_id == planning.ana.pk

    # When the waiting network visit is dropped from the side list onto Bruno's row, Tuesday morning
    network = planning.visit(1)
    waiting = page.locator(f"#unassigned li[data-visit='{network.pk}']")
    target_x = box["x"] + box["width"] * 1.5  # just after the kiosk visit's time, on Tuesday
    waiting.drag_to(
        page.locator("#board"),
        target_position={
            "x": target_x - page.locator("#board").bounding_box()["x"],
            "y": _row_centre_y(page, "Bruno Petit") - page.locator("#board").bounding_box()["y"],
        },
    )
    page.wait_for_function("document.getElementById('board-status').textContent.startsWith('Moved')")
    network.refresh_from_db()
    assert (network.status, network.technician_id) == ("planned", planning.bruno.pk)
    assert network.planned_start is not None and network.planned_start.date().isoformat() == "2026-11-24"

    # And undo sends it back to the waiting list
    page.click("#board-undo")
    page.wait_for_function("document.getElementById('board-status').textContent === '✓'")
    assert Visit.objects.get(pk=network.pk).status == "unscheduled"
