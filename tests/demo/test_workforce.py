"""The demo's workforce phase: skills, teams, technicians near the demo sites, the office week and
three absences, through the workforce services."""

from __future__ import annotations

from collections import Counter
from datetime import date, time

import pytest

from tournevis.core import clock
from tournevis.core.models import AuditEvent
from tournevis.demo import loader
from tournevis.workforce import queries
from tournevis.workforce.models import Absence, Shift, Skill, Team, Technician

from .test_demo import DAY  # Monday 2 March 2026, 10:00 in Paris


@pytest.fixture
def demo(db: None) -> loader.LoadReport:
    with clock.frozen(DAY):
        return loader.load(size="small", seed=1, service_desk=True)


def test_the_demo_has_its_workforce(demo: loader.LoadReport) -> None:
    assert {k: demo.counts[k] for k in ("skills", "teams", "technicians", "absences")} == {
        "skills": 5,
        "teams": 3,
        "technicians": 16,
        "absences": 3,
    }
    assert list(Team.objects.order_by("code").values_list("code", "name")) == [
        ("benelux", "Benelux"),
        ("idf", "Île-de-France"),
        ("rhone-alpes", "Rhône-Alpes"),
    ]
    assert Skill.objects.count() == 5
    assert dict(Counter(Technician.objects.values_list("team__code", flat=True))) == {
        "idf": 7,
        "rhone-alpes": 5,
        "benelux": 4,
    }
    assert dict(Counter(Technician.objects.values_list("timezone", "holiday_country"))) == {
        ("Europe/Paris", "FR"): 14,
        ("Europe/Brussels", "BE"): 2,
    }
    # The demo technician user is Léa Martin, based in Île-de-France
    lea = Technician.objects.get(user__username="demo-technician")
    assert (lea.name, lea.team.code, round(lea.home_latitude), round(lea.home_longitude)) == (
        "Léa Martin",
        "idf",
        49,
        2,
    )
    # Everyone works Monday to Friday, 08:00-17:00 with a 45-minute break between 12:00 and 14:00
    assert Shift.objects.count() == 16 * 5
    assert set(
        Shift.objects.values_list(
            "weekday", "start", "end", "break_earliest", "break_latest", "break_minutes"
        )
    ) == {(day, time(8), time(17), time(12), time(14), 45) for day in range(5)}


def test_the_demo_absences(demo: loader.LoadReport) -> None:
    rows = list(
        Absence.objects.order_by("id").values_list("technician__name", "kind", "status", "start", "end")
    )
    assert [(name, kind, status) for name, kind, status, _s, _e in rows] == [
        ("Karim Benali", "training", "requested"),
        ("Sophie Laurent", "vacation", "approved"),
        ("Thomas Moreau", "sick", "approved"),
    ]
    # The vacation is next week (Monday 9 to Friday 13 March), the sick leave today
    assert [(s.isoformat(), e.isoformat()) for _n, _k, _st, s, e in rows[1:]] == [
        ("2026-03-08T23:00:00+00:00", "2026-03-13T23:00:00+00:00"),
        ("2026-03-01T23:00:00+00:00", "2026-03-02T23:00:00+00:00"),
    ]
    sick = Technician.objects.get(name="Thomas Moreau")
    assert queries.availability([sick.pk], date(2026, 3, 2), date(2026, 3, 2)) == {sick.pk: []}
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert (actions["technician.create"], actions["absence.request"], actions["absence.approve"]) == (
        16,
        3,
        2,
    )
