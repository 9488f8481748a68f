"""Permission-matrix entries of the checklist-template API (merged by test_permission_matrix._merge_parts).

Checklist templates are staff data, one shared set (no "other side"): a template "matrix-checklist"
with one check item, made when first asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import SYSTEM
from tournevis.workorders import checklists
from tournevis.workorders.models import ChecklistTemplate


def _checklist(scene: Any) -> int:
    found = ChecklistTemplate.objects.filter(code="matrix-checklist").first()
    if found is None:
        found = checklists.create_template(
            SYSTEM,
            {
                "code": "matrix-checklist",
                "name_en": "Matrix checklist",
                "items": [{"label_en": "Area safe", "kind": "check", "required": True}],
            },
        )
    return found.pk


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "checklist_id": lambda s, m, own: _checklist(s),
}
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "checklist_id": frozenset(),  # staff data, one shared set
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.checklists.create": lambda s: {
        "code": "matrix-new",
        "name_en": "New checklist",
        "category_id": s.world.category.pk,
        "kind": "preventive",
        "items": [{"label_en": "Voltage", "kind": "number", "minimum": 207, "maximum": 253, "unit": "V"}],
    },
    "api.checklists.update": lambda s: {"name_fr": "Liste renommée", "active": False},
}
