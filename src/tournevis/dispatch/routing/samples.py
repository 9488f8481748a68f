"""Seeded synthetic field-service problems (benchmarks, tests, demos). Pure and deterministic.

``fsm(seed=0, technicians=100, visits=1000, days=2)``: a region of about 70 x 70 km around Lyon;
technicians with 2 or 3 of five skills at levels 1-3, shifts 08:00-17:00 (Europe/Paris) on each day
with a 45-minute lunch break between 12:00 and 14:00 (``breaks=False``: none), about 8 % absent on a
given day (``skill_count`` < 5 uses the first skills only); visits of 20 to
90 minutes, 40 % with a customer slot (2 or 4 hours), 20 % with an SLA deadline, 10 % waiting for
parts (``earliest``), priorities P1 5 % / P2 15 % / P3 50 % / P4 30 %.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import Break, Location, Problem, Shift, Technician, Visit

SKILLS = ("hvac", "electrical", "plumbing", "kiosk", "refrigeration")
ZONE = ZoneInfo("Europe/Paris")
CENTRE = Location(45.76, 4.84)
FIRST_DAY = date(2026, 3, 10)


def local(day: date, hour: float) -> datetime:
    moment = datetime.combine(day, time(0, 0), tzinfo=ZONE) + timedelta(hours=hour)
    return moment.astimezone(UTC)


def place(rng: random.Random, spread_km: float = 35.0) -> Location:
    return Location(
        round(CENTRE.lat + rng.uniform(-1, 1) * spread_km / 111.0, 5),
        round(CENTRE.lon + rng.uniform(-1, 1) * spread_km / 78.0, 5),
    )


def fsm(
    seed: int = 0,
    technicians: int = 100,
    visits: int = 1000,
    days: int = 2,
    *,
    breaks: bool = True,
    absent_share: float = 0.08,
    first_day: date = FIRST_DAY,
    skill_count: int = 5,
) -> Problem:
    rng = random.Random(seed)
    codes = SKILLS[:skill_count]
    day_list = [first_day + timedelta(days=d) for d in range(days)]
    people = []
    for n in range(technicians):
        held = rng.sample(codes, min(len(codes), rng.choice((2, 3))))
        skills = {code: rng.choices((1, 2, 3), weights=(3, 4, 2))[0] for code in held}
        shifts = []
        for day in day_list:
            if rng.random() < absent_share:
                continue
            lunch = (Break(local(day, 12), local(day, 14), 45),) if breaks else ()
            shifts.append(Shift(local(day, 8), local(day, 17), lunch))
        people.append(Technician(f"T{n + 1:03d}", place(rng), tuple(shifts), skills))
    jobs = []
    for n in range(visits):
        required: dict[str, int] = {}
        roll = rng.random()
        if roll < 0.8:
            required[rng.choice(codes)] = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        elif roll < 0.9:
            for code in rng.sample(codes, 2):
                required[code] = rng.choice((1, 2))
        priority = rng.choices(("P1", "P2", "P3", "P4"), weights=(5, 15, 50, 30))[0]
        day = rng.choice(day_list)
        windows: tuple[tuple[datetime, datetime], ...] = ()
        if rng.random() < 0.4:
            length = rng.choice((2, 4))
            begin = rng.choice((8, 9, 10, 13, 14)) if length == 2 else rng.choice((8, 13))
            windows = ((local(day, begin), local(day, begin + length)),)
        deadline = None
        if rng.random() < 0.2 or priority == "P1":
            deadline = (
                local(day_list[0], rng.choice((11, 13, 15, 17)))
                if priority in ("P1", "P2")
                else local(day, 17)
            )
        earliest = local(day_list[0], 13) if rng.random() < 0.1 else None
        jobs.append(
            Visit(
                id=f"V{n + 1:04d}",
                location=place(rng),
                minutes=rng.choice((20, 30, 30, 45, 45, 60, 60, 90)),
                windows=windows,
                skills=required,
                priority=priority,
                deadline=deadline,
                earliest=earliest,
            )
        )
    return Problem(tuple(people), tuple(jobs), timezone="Europe/Paris")


def emergency(
    seed: int, around: Location | None = None, *, day: date = FIRST_DAY, now_hour: float = 10.0
) -> Visit:
    """A new P1 with an SLA deadline four hours from ``now_hour``."""
    rng = random.Random(seed)
    return Visit(
        id=f"P1-{seed}",
        location=around or place(rng),
        minutes=60,
        skills={rng.choice(SKILLS): 1},
        priority="P1",
        deadline=local(day, now_hour + 4),
        earliest=local(day, now_hour),
    )
