"""Loaner pages: status codes per role, the pool and the loans out (overdue said in words), the forms
(register, lend, edit, return, inspect) refusing bad input with nothing written, and the "Loaner"
section of the work-order page (entitlement, lend for the work order, the manager's override)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.api_support import audit_count, db_state
from tests.conftest import SYSTEM, World
from tests.stock.loaner_support import NOW, depot, lent, loaner
from tests.web.markup import document, find, find_all, rows, text
from tests.web.test_pages import client_for
from tests.workorders.conftest import make_order
from tournevis.contracts import services as contract_services
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.stock import services_loaners
from tournevis.stock.models import Loan, Loaner
from tournevis.workorders.models import WorkOrder


def unchanged(call: Callable[[], Any]) -> Any:
    """Run a request that must write nothing; its response."""
    before, audits = db_state(), audit_count()
    response = call()
    assert (db_state(), audit_count()) == (before, audits)
    return response


def order_with_contract(world: World, *, loaner_included: bool) -> WorkOrder:
    contract = contract_services.create_contract(
        SYSTEM,
        world.a.customer.pk,
        {
            "type": "warranty",
            "status": "active",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
            "currency": "EUR",
            "loaner_included": loaner_included,
            "coverage": {"site_ids": [world.a.site.pk]},
        },
    )
    return make_order(world, contract_id=contract.pk)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, (200, 200, 200, 200)),
        (Role.MANAGER, (200, 200, 200, 200)),
        (Role.DISPATCHER, (200, 403, 200, 200)),
        (Role.AGENT, (200, 403, 200, 200)),
        (Role.TECHNICIAN, (403, 403, 403, 403)),
        (Role.CUSTOMER, (404, 404, 404, 404)),
    ],
)
def test_status_codes_per_role(world: World, role: str, expected: tuple[int, ...]):
    item = loaner(world)
    client = client_for(world.user(role).username)
    urls = ("/stock/loaners/", "/stock/loaners/new/", f"/stock/loaners/{item.pk}/", "/stock/loans/")
    assert tuple(client.get(url).status_code for url in urls) == expected
    assert client_for("agent-user").get("/stock/loaners/999999/").status_code == 404


def test_the_pool_page(world: World):
    lyon = depot("DEP-LYS", region="FR-ARA")
    loaner(world, "LN-1")
    loaner(world, "LN-2", lyon)
    lent(world, "LN-3")
    page = document(client_for("agent-user").get("/stock/loaners/"))
    assert rows(find(page, "table", id="pool-table")) == [
        ["Glory GFS-220", "DEP-LYS Depot DEP-LYS", "1", "0", "0", "0"],
        ["Glory GFS-220", "DEP-PAR Depot DEP-PAR", "1", "1", "0", "0"],
    ]
    assert rows(find(page, "table", id="loaner-table")) == [
        ["LN-1", "Glory GFS-220", "DEP-PAR", "Available", "—"],
        ["LN-2", "Glory GFS-220", "DEP-LYS", "Available", "—"],
        ["LN-3", "Glory GFS-220", "DEP-PAR", "Lent", "—"],
    ]
    assert text(find(page, "a", id="loans-link")) == "1 loan out"
    assert find_all(page, "a", id="loaner-new") == []  # an agent does not register loaners
    filtered = document(client_for("agent-user").get("/stock/loaners/?status=lent"))
    assert [r[0] for r in rows(find(filtered, "table", id="loaner-table"))] == ["LN-3"]


def test_the_loans_out_say_who_since_when_and_how_late(world: World):
    late = lent(world, "LN-1", due_back=date(2026, 3, 12))
    lent(world, "LN-2", due_back=date(2026, 3, 25), own=False)
    with clock.frozen(NOW + timedelta(days=5)):
        page = document(client_for("dispatcher-user").get("/stock/loans/"))
        overdue = document(client_for("dispatcher-user").get("/stock/loans/?overdue=1"))
    table = rows(find(page, "table", id="loans-table"))
    assert [row[:6] for row in table] == [
        [
            "LN-1 Glory GFS-220",
            "Alpha Bank Alpha HQ",
            "10/03/2026 for 5 days",
            "12/03/2026 3 days overdue",
            "—",
            "—",
        ],
        [
            "LN-2 Glory GFS-220",
            "Beta Bank Beta HQ",
            "10/03/2026 for 5 days",
            "25/03/2026 due back in 10 days",
            "—",
            "—",
        ],
    ]
    assert text(find(page, "a", id="overdue-link")) == "1 overdue"
    assert [r[0] for r in rows(find(overdue, "table", id="loans-table"))] == ["LN-1 Glory GFS-220"]
    assert find(page, "tr", data_loan_id=str(late.pk))


def test_register_a_loaner_and_a_duplicate_is_refused_on_its_field(world: World):
    client = client_for("manager-user")
    data = {"equipment_model_id": str(world.model.pk), "serial": "LN-9", "location_id": str(depot().pk)}
    response = client.post("/stock/loaners/new/", data)
    made = Loaner.objects.get(serial="LN-9")
    assert (response.status_code, response["Location"]) == (302, f"/stock/loaners/{made.pk}/")
    again = unchanged(lambda: client.post("/stock/loaners/new/", {**data, "serial": "ln-9"}))
    assert again.status_code == 409
    assert text(find(document(again), "p", id="error-serial")) == (
        "A loaner of this model with serial number ln-9 exists."
    )
    missing = unchanged(lambda: client.post("/stock/loaners/new/", {**data, "location_id": ""}))
    assert (missing.status_code, text(find(document(missing), "p", id="error-location_id"))) == (
        422,
        "This field is required.",
    )


def test_lend_from_the_loaner_page(world: World):
    item = loaner(world)
    client = client_for("agent-user")
    url = f"/stock/loaners/{item.pk}/lend/"
    with clock.frozen(NOW):
        bad = unchanged(lambda: client.post(url, {"site_id": str(world.a.site.pk), "due_back": "2026-03-01"}))
        no_site = unchanged(lambda: client.post(url, {"site_id": "", "due_back": "2026-03-20"}))
        done = client.post(
            url, {"site_id": str(world.b.site.pk), "due_back": "2026-03-20", "reference": "RMA 77"}
        )
        shown = document(client.get(f"/stock/loaners/{item.pk}/"))
    assert (bad.status_code, text(find(document(bad), "p", id="error-due_back"))) == (
        422,
        "The loaner cannot be due back before today.",
    )
    assert (no_site.status_code, text(find(document(no_site), "p", id="error-site_id"))) == (
        422,
        "Choose the customer's site.",
    )
    assert done.status_code == 302
    loan = Loan.objects.get()
    assert (loan.customer_id, loan.site_id, loan.demand_label) == (
        world.b.customer.pk,
        world.b.site.pk,
        "RMA 77",
    )
    assert text(find(shown, "span", id="status")) == "Lent"
    assert text(find(shown, "strong", id="current-due")) == "due back in 10 days"
    assert find_all(shown, "form", id="lend-form") == []


def test_edit_retire_and_reinstate(world: World):
    item = loaner(world)
    client = client_for("manager-user")
    url = f"/stock/loaners/{item.pk}/edit/"
    saved = client.post(
        url, {"notes": "Box 4", "location_id": str(depot().pk), "version": "1", "action": "save"}
    )
    assert (saved.status_code, Loaner.objects.get(pk=item.pk).notes) == (302, "Box 4")
    stale = unchanged(lambda: client.post(url, {"action": "retire", "version": "1"}))
    assert stale.status_code == 412
    client.post(url, {"action": "retire", "version": "2"})
    assert Loaner.objects.get(pk=item.pk).status == "retired"
    client.post(url, {"action": "reinstate", "version": "3"})
    assert Loaner.objects.get(pk=item.pk).status == "available"
    assert client_for("agent-user").post(url, {"action": "retire"}).status_code == 403


def test_return_and_inspect_from_the_loans_page(world: World):
    loan = lent(world)
    client = client_for("agent-user")
    with clock.frozen(NOW + timedelta(days=2)):
        back = client.post(f"/stock/loans/{loan.pk}/return/", {"version": "1"})
        assert (back.status_code, back["Location"]) == (302, "/stock/loans/")
        page = document(client.get("/stock/loans/"))
        assert text(find(page, "p", id="no-loans")) == "No loaner is out."
        assert find(page, "form", data_loan_id=str(loan.pk))
        failed = unchanged(
            lambda: client.post(f"/stock/loans/{loan.pk}/inspect/", {"result": "failed", "version": "2"})
        )
        assert (failed.status_code, text(find(document(failed), "p", id="action-error"))) == (
            422,
            "This field is required.",
        )
        again = unchanged(lambda: client.post(f"/stock/loans/{loan.pk}/return/", {"version": "2"}))
        assert again.status_code == 409
        done = client.post(
            f"/stock/loans/{loan.pk}/inspect/",
            {"result": "passed", "version": "2", "next": f"/stock/loaners/{loan.loaner_id}/"},
        )
    assert (done.status_code, done["Location"]) == (302, f"/stock/loaners/{loan.loaner_id}/")
    assert Loaner.objects.get(pk=loan.loaner_id).status == "available"
    outside = client.post(
        f"/stock/loans/{loan.pk}/inspect/", {"result": "passed", "next": "https://evil.example/"}
    )
    assert outside.status_code == 409  # already inspected: the page, not the outside address


# --- The work-order page ---------------------------------------------------------------------------------


def test_the_work_order_page_lends_an_entitled_loaner(world: World):
    order = order_with_contract(world, loaner_included=True)
    item = loaner(world)
    client = client_for("agent-user")
    url = f"/workorders/{order.pk}/"
    with clock.frozen(NOW):
        page = document(client.get(url))
        assert text(find(page, "p", id="loaner-entitlement")).startswith("Included Contract ")
        assert find(page, "select", id="field-loaner_id")
        assert find_all(page, "input", name="override_reason") == []
        bad = unchanged(
            lambda: client.post(
                f"/workorders/{order.pk}/loan/", {"loaner_id": str(item.pk), "due_back": "2020-01-01"}
            )
        )
        assert (bad.status_code, text(find(document(bad), "p", id="error-due_back"))) == (
            422,
            "The loaner cannot be due back before today.",
        )
        done = client.post(
            f"/workorders/{order.pk}/loan/", {"loaner_id": str(item.pk), "due_back": "2026-03-24"}
        )
        assert (done.status_code, done["Location"]) == (302, url)
        shown = document(client.get(url))
    assert text(find(shown, "strong", id="loaner-due")) == "due back in 14 days"
    assert text(find(shown, "p", id="loaner-current")).startswith(
        "Glory GFS-220 LN-001 is with the customer since 10 March 2026 (since today)."
    )
    assert find_all(shown, "form", id="loaner-form") == []
    assert Loan.objects.get().demand_id == order.pk


def test_without_entitlement_only_a_manager_lends_with_a_reason(world: World):
    order = order_with_contract(world, loaner_included=False)
    item = loaner(world)
    url = f"/workorders/{order.pk}/"
    post = {"loaner_id": str(item.pk), "due_back": "2026-03-24", "override_reason": "Key account"}
    with clock.frozen(NOW):
        agent_page = document(client_for("agent-user").get(url))
        assert text(find(agent_page, "p", id="loaner-manager-only")) == (
            "Only a manager may lend a loaner that the contract does not include."
        )
        refused = unchanged(lambda: client_for("agent-user").post(f"/workorders/{order.pk}/loan/", post))
        assert refused.status_code == 403
        manager = client_for("manager-user")
        assert find(document(manager.get(url)), "input", name="override_reason")
        no_reason = unchanged(
            lambda: manager.post(f"/workorders/{order.pk}/loan/", {**post, "override_reason": ""})
        )
        assert (no_reason.status_code, text(find(document(no_reason), "p", id="error-override_reason"))) == (
            422,
            "The contract does not include a loaner: give the reason for lending one.",
        )
        assert manager.post(f"/workorders/{order.pk}/loan/", post).status_code == 302
    assert Loan.objects.get().demand_label == order.number


def test_a_customer_user_sees_no_loaner_section(world: World):
    order = order_with_contract(world, loaner_included=True)
    page = document(client_for(world.a.user.username).get(f"/workorders/{order.pk}/"))
    assert find_all(page, "section", id="loaner") == []
    assert client_for(world.a.user.username).post(f"/workorders/{order.pk}/loan/", {}).status_code == 404


def test_return_from_the_work_order_page(world: World):
    order = order_with_contract(world, loaner_included=True)
    item = loaner(world)
    with clock.frozen(NOW):
        from tournevis.workorders import loaners

        loan = loaners.lend_for_work_order(SYSTEM, order.pk, item.pk, date(2026, 3, 12))
    client = client_for("agent-user")
    with clock.frozen(NOW + timedelta(days=3)):
        page = document(client.get(f"/workorders/{order.pk}/"))
        assert text(find(page, "strong", id="loaner-due")) == "1 day overdue"
        back = client.post(
            f"/stock/loans/{loan.pk}/return/", {"version": "1", "next": f"/workorders/{order.pk}/"}
        )
    assert (back.status_code, back["Location"]) == (302, f"/workorders/{order.pk}/")
    assert services_loaners.local_today(Loan.objects.get().returned_at, "UTC") == date(2026, 3, 13)
