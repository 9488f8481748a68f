"""Permission-matrix entries of the workforce API (merged by test_permission_matrix._merge_parts).

The caller's own side is the technician record of the technician-role user (and a requested absence
of it); the other side is a technician without a user. Rows are made when first asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.conftest import SYSTEM
from tournevis.identity.domain import Role
from tournevis.workforce import services
from tournevis.workforce.models import Absence, Skill, Technician

_HOME = {"timezone": "Europe/Paris", "holiday_country": "FR", "home_latitude": 48.85, "home_longitude": 2.35}


def _technician(scene: Any, own: bool) -> int:
    user = scene.world.staff[Role.TECHNICIAN] if own else None
    name = "Matrix own technician" if own else "Matrix other technician"
    found = Technician.objects.filter(name=name).first()
    if found is None:
        found = services.create_technician(
            SYSTEM, {"name": name, "user_id": user.pk if user else None, **_HOME}
        )
    return found.pk


def _absence(scene: Any, own: bool) -> int:
    technician_id = _technician(scene, own)
    found = Absence.objects.filter(technician_id=technician_id).first()
    if found is None:
        found = services.request_absence(
            SYSTEM,
            technician_id,
            {
                "kind": "vacation",
                "start": datetime(2026, 8, 3, 6, tzinfo=UTC),
                "end": datetime(2026, 8, 8, 18, tzinfo=UTC),
            },
        )
    return found.pk


def _skills_body(scene: Any) -> dict[str, Any]:
    if not Skill.objects.filter(code="matrix-kiosk").exists():
        services.create_skill(SYSTEM, code="matrix-kiosk", name_en="Kiosk", name_fr="Borne")
    return {"skills": {"matrix-kiosk": 2}}


TARGETS: dict[str, Callable[[Any, str, bool], int]] = {
    "technician_id": lambda s, m, own: _technician(s, own),
    "absence_id": lambda s, m, own: _absence(s, own),
}
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "technician_id": frozenset({Role.TECHNICIAN}),  # a technician: their own record only
    "absence_id": frozenset({Role.TECHNICIAN}),
}
BODIES: dict[str, Callable[[Any], Any]] = {
    "api.skills.create": lambda s: {"code": "atm-l2", "name_en": "ATM level 2", "name_fr": "GAB niveau 2"},
    "api.teams.create": lambda s: {"code": "idf", "name": "Île-de-France", "region": "FR-IDF"},
    "api.technicians.create": lambda s: {"name": "New technician", **_HOME},
    "api.technicians.update": lambda s: {"phone": "+33612345678"},
    "api.technicians.skills": _skills_body,
    "api.technicians.shifts": lambda s: {"shifts": [{"weekday": 0, "start": "08:00", "end": "17:00"}]},
    "api.technicians.absences.create": lambda s: {
        "kind": "training",
        "start": "2026-09-07T08:00:00+02:00",
        "end": "2026-09-07T17:00:00+02:00",
    },
    "api.absences.decide": lambda s: {"decision": "approve"},
    "api.absences.cancel": lambda s: {},
}
QUERIES: dict[str, Callable[[Any], str]] = {
    "api.technicians.availability": lambda s: "?first=2026-03-02&last=2026-03-08",
}
ACTION_POSTS = {"api.absences.decide", "api.absences.cancel"}
