"""The board's data costs the same number of queries for 2 technicians or 12 (query budget)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.conftest import SYSTEM
from tests.dispatch.conftest import Planning, technician
from tournevis.dispatch import queries, services

# team, its technicians, technicians + shifts + absences, skills, visits, absences, waiting visits
BUDGET = 10


def test_the_board_query_count_does_not_grow_with_technicians(
    planning: Planning, django_assert_num_queries: Any
) -> None:
    services.move_visit(
        SYSTEM,
        planning.visit(0).pk,
        technician_id=planning.ana.pk,
        start=datetime(2026, 11, 24, 8, tzinfo=UTC),
    )
    week = (date(2026, 11, 23), date(2026, 11, 29))
    with django_assert_num_queries(BUDGET) as small:
        queries.board(*week, planning.team.pk)
    for n in range(10):
        technician(f"Extra {n}", planning.team, 48.8 + n / 100, 2.3, {"kiosk": 1})
    with django_assert_num_queries(len(small.captured_queries)):
        data = queries.board(*week, planning.team.pk)
    assert len(data["resources"]) == 12
    assert sum(len(r["windows"]) for r in data["resources"]) == 12 * 5
    assert (
        data["visits"][0]["end"] == (datetime(2026, 11, 24, 8, tzinfo=UTC) + timedelta(hours=1)).isoformat()
    )
