"""Every unassigned visit gets the most specific reason, computed from the problem (not the solver)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tournevis.dispatch.routing import diagnosis, port
from tournevis.dispatch.routing.model import Pin, Problem, Reason, Shift, Technician
from tournevis.dispatch.routing.reasons import MESSAGES, describe
from tournevis.dispatch.routing.travel import matrix

from .support import LINE, at, km, problem, shift, tech, visit


def reason_of(given: Problem, visit_id: str) -> Reason | None:
    return diagnosis.static_reason(given, matrix(given), given.visit(visit_id))


WORKERS = [tech("a", 0, {"hvac": 2, "kiosk": 1}), tech("b", 20, {"electrical": 3})]


@pytest.mark.parametrize(
    ("visit_kwargs", "code", "params"),
    [
        ({"skills": {"plumbing": 1}}, "no_skill", {"skill": "plumbing", "level": "1"}),
        ({"skills": {"hvac": 3}}, "no_skill", {"skill": "hvac", "level": "3"}),
        (
            {"skills": {"hvac": 1, "electrical": 1}},
            "no_skill_combination",
            {"skills": "electrical L1, hvac L1"},
        ),
        (
            {"skills": {"kiosk": 1}, "windows": ((at(9, day=11), at(11, day=11)),)},
            "no_skill_on_day",
            {"skill": "kiosk L1", "day": "2026-03-11", "weekday": "Wednesday"},
        ),
        (
            {"windows": ((at(9, day=12), at(11, day=12)),)},
            "nobody_working",
            {"day": "2026-03-12", "weekday": "Thursday"},
        ),
        ({"minutes": 600}, "too_long", {"minutes": "600"}),
        ({"earliest": at(18)}, "starts_too_late", {"earliest": "2026-03-10 18:00"}),
        ({"windows": ((at(8), at(8, 5)),)}, "window_unreachable", {}),
        (
            {"pin": Pin("a"), "skills": {"electrical": 1}},
            "pin_unqualified",
            {"technician": "a", "skill": "electrical", "level": "1"},
        ),
        ({"pin": Pin("a", at(20))}, "pin_not_working", {"technician": "a"}),
        (
            {"pin": Pin("a", at(9)), "windows": ((at(10), at(11)),)},
            "pin_outside_window",
            {"start": "2026-03-10 09:00"},
        ),
        ({"pin": Pin("a", at(8))}, "pin_unreachable", {"technician": "a"}),
    ],
)
def test_static_reasons(visit_kwargs: dict[str, object], code: str, params: dict[str, str]) -> None:
    # given technicians working on Tuesday 10 March 08:00-17:00 and a visit 10 km from a's home
    given = problem(WORKERS, [visit("v", 10, **visit_kwargs)])  # type: ignore[arg-type]
    # when diagnosed; then the reason is the most specific one
    assert reason_of(given, "v") == Reason(code, params)


def test_the_only_qualified_technicians_are_absent() -> None:
    given = problem([tech("a", 0, {"hvac": 1}, shifts=()), tech("b", 0)], [visit("v", 5, skills={"hvac": 1})])
    assert reason_of(given, "v") == Reason("qualified_absent", {})


def test_no_road_when_the_routing_server_finds_none() -> None:
    given = problem([tech("a", 0)], [visit("v", 5)])
    grid = matrix(given)
    grid.seconds_array[:, :] = 10_000_000
    grid.seconds_array[0, 0] = grid.seconds_array[1, 1] = 0
    assert diagnosis.static_reason(given, grid, given.visits[0]) == Reason("no_road", {})


def test_a_servable_visit_has_no_static_reason() -> None:
    assert reason_of(problem(WORKERS, [visit("v", 10, skills={"hvac": 2})]), "v") is None


def test_capacity_reasons_come_after_solving() -> None:
    # given one hour of shift and three one-hour visits: a P2 first, then two P4s
    given = problem(
        [tech("a", 0, shifts=(shift((8, 0), (9, 30)),))],
        [
            visit("p2", 1, 60, priority="P2"),
            visit("p4", 1, 60, priority="P4"),
            visit("p1", 1, 60, priority="P1"),
        ],
    )
    plan = port.solve(given, time_limit=0.2)
    # then the P1 is served; the others are told why
    assert [s.visit for r in plan.routes for s in r.stops] == ["p1"]
    assert {u.visit: u.reason.code for u in plan.unassigned} == {"p2": "plan_full", "p4": "plan_full"}
    served_p4 = problem(given.technicians, [given.visits[1], given.visits[0]])
    assert diagnosis.explain(
        served_p4, matrix(served_p4), given.visits[0], port.solve(served_p4, time_limit=0.1).routes
    ) == Reason("plan_full")


def test_no_room_when_lower_priority_visits_fill_the_qualified_technicians_day() -> None:
    # given a P2 whose window is taken by a locked P4 of the only technician
    given = problem(
        [tech("a", 0)],
        [
            visit("locked", 1, 60, priority="P4", pin=Pin("a", at(9), locked=True)),
            visit("p2", 2, 60, priority="P2", windows=((at(9), at(9, 30)),)),
        ],
    )
    plan = port.solve(given, time_limit=0.2)
    assert [(u.visit, u.reason.code) for u in plan.unassigned] == [("p2", "no_room")]


def test_a_locked_visit_clashing_with_another_gets_locked_conflict() -> None:
    given = problem(
        [tech("a", 0)],
        [
            visit("x", 1, 60, pin=Pin("a", at(9), locked=True)),
            visit("y", 1, 60, pin=Pin("a", at(9, 30), locked=True)),
        ],
    )
    plan = port.solve(given, time_limit=0.2)
    # then one of them is planned, the other is told why
    assert plan.served == 1
    assert [(u.reason.code, dict(u.reason.params)) for u in plan.unassigned] == [
        ("locked_conflict", {"technician": "a"})
    ]


def test_pin_full_when_the_pinned_technician_has_no_room() -> None:
    given = problem(
        [tech("a", 0, shifts=(shift((8, 0), (9, 30)),)), tech("b", 0)],
        [visit("x", 1, 60, priority="P1", pin=Pin("a")), visit("y", 1, 60, priority="P4", pin=Pin("a"))],
    )
    plan = port.solve(given, time_limit=0.2)
    assert [(u.visit, u.reason.code) for u in plan.unassigned] == [("y", "pin_full")]


def test_describe_renders_and_translates_the_weekday() -> None:
    reason = Reason("no_skill_on_day", {"skill": "kiosk L2", "day": "2026-03-10", "weekday": "Tuesday"})
    assert describe(reason) == "no technician with skill kiosk L2 is working on Tuesday 2026-03-10"
    french = {
        MESSAGES["no_skill_on_day"]: "aucun technicien %(skill)s ne travaille le %(weekday)s %(day)s",
        "Tuesday": "mardi",
    }
    assert (
        describe(reason, lambda s: french.get(s, s))
        == "aucun technicien kiosk L2 ne travaille le mardi 2026-03-10"
    )
    assert describe(Reason("unknown_code")) == "unknown_code"


def test_every_code_has_a_message_with_its_placeholders() -> None:
    assert len(MESSAGES) == 17
    assert describe(Reason("plan_full")) == "the plan is full: lower priority than the visits served"


def test_days_are_named_in_the_problem_time_zone() -> None:
    # given a window on Wednesday 00:30 in Tokyo (Tuesday 15:30 UTC) and nobody working then
    given = Problem(
        (Technician("a", km(0), (Shift(at(8), at(9)),)),),
        (visit("v", 1, windows=((at(15, 30), at(15, 30) + timedelta(hours=1)),)),),
        LINE,
        timezone="Asia/Tokyo",
    )
    assert reason_of(given, "v") == Reason("nobody_working", {"day": "2026-03-11", "weekday": "Wednesday"})
