"""Solomon VRPTW instances: parse the original text format and solve with PyVRP.

The instance's distances are Euclidean in double precision. PyVRP works on integers, so distances
and times are scaled by ``SCALE`` (distances rounded, travel times rounded up so that a plan feasible
in integers is feasible in real numbers); the reported distance is recomputed in double precision
from the routes (not rounded), and ``feasible`` is checked in double precision too (every customer
once, capacity, time windows, depot due date).

    >>> result = solve_file("C101.txt", time_limit=2.0)
    >>> result["distance"]  # about 828.94
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tournevis.core.errors import InvalidInput, gettext_noop

SCALE = 1000
EPSILON = 1e-6


@dataclass(frozen=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True)
class Instance:
    name: str
    fleet: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]

    def distance(self, a: Customer, b: Customer) -> float:
        return math.hypot(a.x - b.x, a.y - b.y)


def parse(text: str, name: str = "") -> Instance:
    """Parse a Solomon file: a name line, ``VEHICLE`` with number and capacity, then ``CUSTOMER`` rows."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    try:
        instance_name = lines[0]
        vehicle_at = next(i for i, line in enumerate(lines) if line.upper().startswith("VEHICLE"))
        fleet_text, capacity_text = lines[vehicle_at + 2].split()[:2]
        fleet, capacity = int(fleet_text), int(capacity_text)
        customer_at = next(i for i, line in enumerate(lines) if line.upper().startswith("CUSTOMER"))
        rows: list[Customer] = []
        for line in lines[customer_at + 1 :]:
            parts = line.split()
            if not parts[0].lstrip("-").isdigit():
                continue  # the column header
            if len(parts) < 7:
                raise ValueError(line)
            rows.append(
                Customer(
                    number=int(parts[0]),
                    x=float(parts[1]),
                    y=float(parts[2]),
                    demand=int(float(parts[3])),
                    ready=float(parts[4]),
                    due=float(parts[5]),
                    service=float(parts[6]),
                )
            )
    except (IndexError, ValueError, StopIteration) as exc:
        raise InvalidInput(gettext_noop("not a Solomon instance file"), field=name or "instance") from exc
    if not rows or rows[0].number != 0:
        raise InvalidInput(gettext_noop("not a Solomon instance file"), field=name or "instance")
    return Instance(name or instance_name, fleet, capacity, rows[0], tuple(rows[1:]))


def read(path: str | Path) -> Instance:
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), name=path.stem)


def distance(instance: Instance, routes: list[list[int]]) -> float:
    """Total Euclidean distance (double precision) of routes given as customer positions (1-based)."""
    points = (instance.depot, *instance.customers)
    total = 0.0
    for route in routes:
        previous = instance.depot
        for index in route:
            total += instance.distance(previous, points[index])
            previous = points[index]
        total += instance.distance(previous, instance.depot)
    return total


def feasible(instance: Instance, routes: list[list[int]]) -> bool:
    """Double-precision check: each customer once, capacity, windows, depot due date, fleet size."""
    points = (instance.depot, *instance.customers)
    seen = sorted(index for route in routes for index in route)
    if seen != list(range(1, len(points))) or len(routes) > instance.fleet:
        return False
    for route in routes:
        if sum(points[i].demand for i in route) > instance.capacity:
            return False
        clock = instance.depot.ready
        previous = instance.depot
        for index in route:
            customer = points[index]
            clock = max(clock + instance.distance(previous, customer), customer.ready)
            if clock > customer.due + EPSILON:
                return False
            clock += customer.service
            previous = customer
        if clock + instance.distance(previous, instance.depot) > instance.depot.due + EPSILON:
            return False
    return True


def solve(
    instance: Instance, *, time_limit: float = 10.0, seed: int = 0, solver: str = "pyvrp"
) -> dict[str, Any]:
    """Solve (PyVRP by default, the strongest here; ``solver="vroom"`` for comparison).

    Returns ``{"instance", "vehicles", "distance", "feasible", "seconds"}``.
    """
    if solver == "vroom":
        return _solve_vroom(instance, time_limit=time_limit)
    if solver != "pyvrp":
        raise InvalidInput(gettext_noop("unknown solver %(solver)s"), field="solver", solver=solver)
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    started = time.perf_counter()
    model = Model()
    points = (instance.depot, *instance.customers)
    locations = [model.add_location(x=p.x, y=p.y) for p in points]
    depot = model.add_depot(
        locations[0], tw_early=_scaled(instance.depot.ready), tw_late=_scaled(instance.depot.due)
    )
    model.add_vehicle_type(
        num_available=instance.fleet,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=_scaled(instance.depot.ready),
        tw_late=_scaled(instance.depot.due),
    )
    for customer, location in zip(instance.customers, locations[1:], strict=True):
        model.add_client(
            location,
            delivery=customer.demand,
            service_duration=_scaled(customer.service),
            tw_early=_scaled(customer.ready),
            tw_late=_scaled(customer.due),
        )
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            if i != j:
                exact = instance.distance(a, b) * SCALE
                model.add_edge(locations[i], locations[j], distance=round(exact), duration=math.ceil(exact))
    result = model.solve(MaxRuntime(time_limit), seed=seed, collect_stats=False, display=False)
    routes = [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": round(distance(instance, routes), 2),
        "feasible": bool(result.best.is_feasible()) and feasible(instance, routes),
        "seconds": round(time.perf_counter() - started, 2),
    }


def solve_file(
    path: str | Path, *, time_limit: float = 10.0, seed: int = 0, solver: str = "pyvrp"
) -> dict[str, Any]:
    return solve(read(path), time_limit=time_limit, seed=seed, solver=solver)


def _solve_vroom(instance: Instance, *, time_limit: float) -> dict[str, Any]:
    """The same instance with VROOM (scaled integer matrix; used by the benchmark to compare)."""
    from datetime import timedelta

    import numpy as np
    import vroom

    started = time.perf_counter()
    points = (instance.depot, *instance.customers)
    size = len(points)
    matrix = np.zeros((size, size), dtype=np.uint32)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            if i != j:
                matrix[i, j] = math.ceil(instance.distance(a, b) * SCALE)
    problem = vroom.Input()
    problem.set_durations_matrix("car", matrix)
    depot_window = vroom.TimeWindow(_scaled(instance.depot.ready), _scaled(instance.depot.due))
    problem.add_vehicle(
        [
            vroom.Vehicle(number, start=0, end=0, capacity=[instance.capacity], time_window=depot_window)
            for number in range(1, instance.fleet + 1)
        ]
    )
    problem.add_job(
        [
            vroom.Job(
                position,
                location=position,
                default_service=_scaled(customer.service),
                delivery=[customer.demand],
                time_windows=[vroom.TimeWindow(_scaled(customer.ready), _scaled(customer.due))],
            )
            for position, customer in enumerate(instance.customers, start=1)
        ]
    )
    solution = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit))
    steps = np.asarray(solution._routes_numpy())
    by_vehicle: dict[int, list[int]] = {}
    for step in steps:
        if step["type"] == b"job":
            by_vehicle.setdefault(int(step["vehicle_id"]), []).append(int(step["id"]))
    routes = list(by_vehicle.values())
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": round(distance(instance, routes), 2),
        "feasible": feasible(instance, routes),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _scaled(value: float) -> int:
    return round(value * SCALE)
