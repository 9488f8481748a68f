"""Route optimisation for dispatch: a solver port, two adapters and an independent checker (pure Python).

No Django here: the dispatch app (models, planning board) builds a ``Problem`` from its tables and
calls the port. Public API (stable; fields may be added, never renamed):

``model`` — frozen dataclasses, aware UTC datetimes:
    Location(lat, lon); Break(earliest, latest_end, minutes); Shift(start, end, breaks=());
    Technician(id, home, shifts, skills={code: level 1..3}, end=None);
    Pin(technician, start=None, locked=False); Visit(id, location, minutes, windows=(), skills={},
    priority="P3", deadline=None, earliest=None, pin=None); Travel(speed_kmh=40, road_factor=1.3,
    osrm_url=None); Problem(technicians, visits, travel=Travel(), timezone="UTC");
    Stop(visit, arrival, start, end, travel_seconds, priority, deadline) with ``late``;
    Route(technician, shift, stops, breaks, travel_seconds, distance_m, leave, back);
    Reason(code, params); Unassigned(visit, reason, priority, breach);
    Plan(routes, unassigned, solver, seconds, moved=()) with served, late, breaches,
    weighted_breaches, weighted_unserved, travel_seconds, distance_m, objective(), stops().
    PRIORITY_WEIGHTS = {"P1": 1000, "P2": 100, "P3": 10, "P4": 1}.
``port`` —
    solve(problem, *, time_limit=10.0, solver=None, warm=None, seed=0) -> Plan
    insert(problem, current, new_visits, *, time_limit=1.0, solver=None) -> Plan  (``plan.moved``)
    available_solvers() -> list[str]; select_solver(problem, requested=None, available=None) -> str
    disruption(current, routes) -> tuple[str, ...]; InvalidPlan (an adapter bug, never user input)
``schema`` — parse_problem(data) -> Problem (InvalidInput naming the JSON path);
    plan_to_json(plan, gettext=...) -> dict; problem_to_json(problem) -> dict.
``reasons`` — reason codes, MESSAGES (gettext_noop msgids), describe(reason, gettext=...) -> str.
``checker`` — check(problem, plan, matrix=None) -> list[Violation(code, subject, detail)].
``travel`` — matrix(problem) -> Matrix (seconds/metres); TravelError when OSRM is unreachable.
``solomon`` — read(path), solve(instance, time_limit=, solver=) -> {"instance", "vehicles",
    "distance", "feasible", "seconds"}.

Internal: ``encoding`` (integer-second model shared by the adapters), ``diagnosis`` (reasons for
unassigned visits), ``vroom_adapter`` and ``pyvrp_adapter`` (imported lazily by the port; a missing
solver package only removes it from ``available_solvers()``). See docs/dispatch.md and
docs/adr/0003-dispatch-solvers.md.
"""
