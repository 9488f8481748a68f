"""Permission-matrix entries of the service-report API (helper H2; merged by
test_permission_matrix._merge_parts).

The report's path names the work order (the side's "Matrix order" of ``matrix_workorders``) and one
of its visits, ``completed_visit_id``: that order's visit 1, done by the side's technician, given a
stored report when first asked (a stand-in PDF: the matrix checks who may read it, not the PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.identity.matrix_workorders import _paused_order
from tournevis.core import clock
from tournevis.identity.domain import Role
from tournevis.workorders.models import ServiceReport, Visit

PDF = b"%PDF-1.7\n% matrix stand-in\n"


def _reported_visit(scene: Any, own: bool) -> int:
    visit = Visit.objects.get(work_order_id=_paused_order(scene, own), number=1)
    if not ServiceReport.objects.filter(visit=visit).exists():
        ServiceReport.objects.create(
            visit=visit,
            language="fr",
            pdf=PDF,
            size=len(PDF),
            sha256="0" * 64,
            report_sha256="0" * 64,
            generated_at=clock.now(),
        )
    return visit.pk


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "completed_visit_id": lambda s, m, own: _reported_visit(s, own),
}
HIDDEN_FROM_OTHERS = {"completed_visit_id": frozenset({Role.CUSTOMER, Role.TECHNICIAN})}
