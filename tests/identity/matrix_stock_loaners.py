"""Permission-matrix entries of the loaner API (merged by test_permission_matrix._merge_parts).

Loaners and loans are staff data, one shared set (no "other side"): an available loaner "MX-1" at
depot "MX-DEP", and a loan of loaner "MX-LOAN" to party a, open; rows are made when first asked.
Inspecting needs a returned loan: its body function records the return first (before the matrix
takes its snapshot). Lending for a work order needs an entitled one: its body function gives the
side's "Matrix order" an active contract that includes a loaner, and a loaner to lend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.conftest import SYSTEM
from tests.identity.matrix_workorders import _paused_order
from tests.stock.loaner_support import depot
from tournevis.contracts import services as contract_services
from tournevis.core import clock
from tournevis.stock import services_loaners
from tournevis.stock.models import Loan, Loaner
from tournevis.workorders.models import WorkOrder


def _due() -> str:
    return (clock.now().date() + timedelta(days=10)).isoformat()


def _loaner(scene: Any, serial: str = "MX-1") -> int:
    found = Loaner.objects.filter(serial=serial).first()
    if found is None:
        found = services_loaners.create_loaner(
            SYSTEM,
            {"equipment_model_id": scene.world.model.pk, "serial": serial, "location_id": depot("MX-DEP").pk},
        )
    return found.pk


def _loan(scene: Any) -> int:
    loaner_id = _loaner(scene, "MX-LOAN")
    found = Loan.objects.filter(loaner_id=loaner_id).first()
    if found is None:
        found = services_loaners.lend(
            SYSTEM,
            loaner_id,
            customer_id=scene.world.a.customer.pk,
            site_id=scene.world.a.site.pk,
            due_back=clock.now().date() + timedelta(days=10),
        )
    return found.pk


def _returned(scene: Any) -> dict[str, Any]:
    loan = Loan.objects.get(pk=_loan(scene))
    if loan.returned_at is None:
        services_loaners.return_loaner(SYSTEM, loan.pk)
    return {"result": "passed", "notes": "Clean"}


def _entitled_order(scene: Any) -> dict[str, Any]:
    order_id = _paused_order(scene, scene.side)
    party = scene.party(scene.side)
    contract = contract_services.create_contract(
        SYSTEM,
        party.customer.pk,
        {
            "type": "warranty",
            "status": "active",
            "start_date": clock.now().date() - timedelta(days=30),
            "end_date": clock.now().date() + timedelta(days=300),
            "currency": "EUR",
            "loaner_included": True,
            "coverage": {"site_ids": [party.site.pk]},
        },
    )
    WorkOrder.objects.filter(pk=order_id).update(contract_id=contract.pk)
    return {"loaner_id": _loaner(scene, "MX-WO"), "due_back": _due()}


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "loaner_id": lambda s, m, own: _loaner(s),
    "loan_id": lambda s, m, own: _loan(s),
}
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "loaner_id": frozenset(),  # staff data, one shared set
    "loan_id": frozenset(),
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.loaners.create": lambda s: {
        "equipment_model_id": s.world.model.pk,
        "serial": "MX-NEW",
        "location_id": depot("MX-DEP").pk,
    },
    "api.loaners.update": lambda s: {"notes": "Spare power cord in the box"},
    "api.loaners.lend": lambda s: {
        "customer_id": s.world.a.customer.pk,
        "site_id": s.world.a.site.pk,
        "due_back": _due(),
    },
    "api.loans.return": lambda s: {},
    "api.loans.inspect": _returned,
    "api.workorders.loan.create": _entitled_order,
}
ACTION_POSTS = {"api.loans.return", "api.loans.inspect"}
