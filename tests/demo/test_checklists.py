"""The demo's checklist templates: created through the service (audited), matching the demo's bill
counters by work kind, with a site-safety check on every visit."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import SYSTEM, World
from tests.workorders.conftest import make_order
from tournevis.core.models import AuditEvent
from tournevis.demo.checklists import load_checklists
from tournevis.workorders import checklists
from tournevis.workorders.models import ChecklistItem, ChecklistTemplate


def test_the_demo_checklists_match_bill_counters_by_work_kind(world: World) -> None:
    assert load_checklists(SYSTEM) == {"checklists": 3}
    assert AuditEvent.objects.filter(action="checklist.create").count() == 3
    rows = ChecklistTemplate.objects.order_by("code").values_list("code", "category__code", "kind")
    assert list(rows) == [
        ("bill-counter-corrective", "bill-counter", "corrective"),
        ("bill-counter-preventive", "bill-counter", "preventive"),
        ("site-safety", None, ""),
    ]
    repair = make_order(world)  # corrective, on a bill counter
    assert [t.code for t in checklists.templates_for(repair)] == ["bill-counter-corrective", "site-safety"]
    service = make_order(world, kind="preventive")
    assert [t.code for t in checklists.templates_for(service)] == ["bill-counter-preventive", "site-safety"]
    kinds = ChecklistItem.objects.filter(template__code="bill-counter-corrective").order_by("position")
    assert [(i.kind, i.required) for i in kinds] == [
        ("check", True),
        ("number", True),
        ("choice", True),
        ("text", False),
        ("photo", False),
    ]
    voltage = kinds[1]
    assert (voltage.minimum, voltage.maximum, voltage.unit, voltage.label_fr) == (
        Decimal("207"),
        Decimal("253"),
        "V",
        "Tension secteur à l'alimentation",
    )
