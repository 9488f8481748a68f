"""The demo's workforce: five skills, three teams (Île-de-France, Rhône-Alpes, Benelux) and sixteen
technicians based near the demo customers' sites, each with the office week (Monday to Friday,
08:00-17:00, a 45-minute lunch break between 12:00 and 14:00), plus three absences: a pending
training request, an approved vacation next week and a sick leave today.

Everything goes through ``workforce.services`` (about a hundred rows, each with its audit event) and
is drawn from the plan's seed: the same seed on the same day gives the same technicians. The demo
technician user is tied to the first technician, so the technician's pages show their own record.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.demo.logins import username_for
from tournevis.demo.places import BY_CODE, MOBILE_PREFIXES, near, phone_number
from tournevis.demo.plan import Plan
from tournevis.identity.domain import Role
from tournevis.identity.models import User
from tournevis.identity.services import actor_for
from tournevis.workforce import services
from tournevis.workforce.models import Skill, Team, Technician

SKILLS = (
    ("cash-handling", "Cash handling machines", "Machines de traitement des espèces"),
    ("cash-recycler", "Teller cash recyclers", "Recycleurs de billets"),
    ("kiosk", "Self-service kiosks", "Bornes libre-service"),
    ("network", "Networks", "Réseaux"),
    ("electrical", "Electrical clearance", "Habilitation électrique"),
)
TEAMS = (
    ("idf", "Île-de-France", "FR-IDF"),
    ("rhone-alpes", "Rhône-Alpes", "FR-ARA"),
    ("benelux", "Benelux", "BE, NL, LU, FR-HDF"),
)


@dataclass(frozen=True)
class Base:
    """Where a team's technicians live: near the demo sites of ``city`` or, without any, its centre."""

    team: str
    city: str  # places.BY_CODE, or "BRU" (Brussels: no demo customer there)
    count: int


BASES = (
    Base("idf", "PAR", 7),
    Base("rhone-alpes", "LYS", 5),
    Base("benelux", "LIL", 2),
    Base("benelux", "BRU", 2),
)
BRUSSELS = (50.8467, 4.3525)
NAMES = (
    "Léa Martin",
    "Karim Benali",
    "Sophie Laurent",
    "Thomas Moreau",
    "Camille Roux",
    "Julien Fontaine",
    "Nadia Haddad",
    "Antoine Girard",
    "Claire Dubois",
    "Mehdi Ouali",
    "Pauline Chevalier",
    "Lucas Perrin",
    "Inès Lefebvre",
    "Bram Peeters",
    "Sarah Janssens",
    "Wout De Smet",
)
OFFICE_WEEK = [
    {
        "weekday": day,
        "start": "08:00",
        "end": "17:00",
        "break_earliest": "12:00",
        "break_latest": "14:00",
        "break_minutes": 45,
    }
    for day in range(5)
]


def _homes(plan: Plan, rng: random.Random) -> list[tuple[str, float, float, str, str, str]]:
    """(team code, latitude, longitude, time zone, holiday country, place name) per technician."""
    homes = []
    for base in BASES:
        if base.city == "BRU":
            centres = [BRUSSELS]
            zone, country, label = "Europe/Brussels", "BE", "Bruxelles"
        else:
            city = BY_CODE[base.city]
            centres = [
                (s.fields["latitude"], s.fields["longitude"])
                for s in plan.sites
                if s.city.code == base.city and s.fields.get("latitude") is not None
            ] or [(d.lat, d.lon) for d in city.districts]
            zone, country, label = city.timezone, city.country, city.name
        for _ in range(base.count):
            lat, lon = rng.choice(centres)
            lat, lon = near(rng, lat, lon, metres=9000)
            homes.append((base.team, lat, lon, zone, country, label))
    return homes


def load_workforce(plan: Plan, actor: Actor) -> dict[str, int]:
    """Write the demo workforce (inside the demo load's transaction); returns counts of what it made."""
    rng = random.Random(f"workforce-{plan.seed}")
    skills = {s.code: s for s in Skill.objects.filter(code__in=[code for code, *_ in SKILLS])}
    for code, name_en, name_fr in SKILLS:
        if code not in skills:
            skills[code] = services.create_skill(actor, code=code, name_en=name_en, name_fr=name_fr)
    teams = {t.code: t for t in Team.objects.filter(code__in=[code for code, *_ in TEAMS])}
    for code, name, region in TEAMS:
        if code not in teams:
            teams[code] = services.create_team(actor, code=code, name=name, region=region)
    user = User.objects.filter(username=username_for(Role.TECHNICIAN)).first()
    if user is not None and Technician.objects.filter(user=user).exists():
        user = None
    technicians: list[Technician] = []
    for index, (team, lat, lon, zone, country, label) in enumerate(_homes(plan, rng)):
        name = NAMES[index]
        prefixes = MOBILE_PREFIXES.get(country, (("+32470", 6), ("+32475", 6)))
        technician = services.create_technician(
            actor,
            {
                "name": name,
                "email": f"{name.split()[0].lower()}.{index + 1}@tournevis.example",
                "phone": phone_number(rng, prefixes, country),
                "team_id": teams[team].pk,
                "user_id": user.pk if (user is not None and index == 0) else None,
                "home_address": label,
                "home_latitude": lat,
                "home_longitude": lon,
                "timezone": zone,
                "holiday_country": country,
                "languages": ["fr", "nl", "en"] if team == "benelux" else rng.choice((["fr"], ["fr", "en"])),
            },
        )
        services.set_shifts(actor, technician.pk, OFFICE_WEEK)
        codes = rng.sample([code for code, *_ in SKILLS], k=rng.randint(2, 4))
        services.set_skills(actor, technician.pk, {code: rng.randint(1, 3) for code in codes})
        technicians.append(technician)
    absences = _absences(actor, technicians)
    return {"skills": len(skills), "teams": len(teams), "technicians": len(technicians), "absences": absences}


def _local_midnight(day: datetime, zone: str) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=ZoneInfo(zone))


def _absences(actor: Actor, technicians: list[Technician]) -> int:
    """A training request in three weeks, an approved vacation next week, a sick leave today."""
    manager = User.objects.filter(username=username_for(Role.MANAGER)).first()
    decider = actor_for(manager) if manager is not None else actor
    requester = technicians[1]
    on_leave = technicians[2]
    sick = technicians[3]
    now = clock.now().astimezone(ZoneInfo(on_leave.timezone))
    next_monday = _local_midnight(now + timedelta(days=7 - now.weekday()), on_leave.timezone)
    training_day = next_monday + timedelta(days=14)
    services.request_absence(
        actor,
        requester.pk,
        {
            "kind": "training",
            "start": training_day.replace(hour=8),
            "end": training_day.replace(hour=17),
            "reason": "Recycler certification",
        },
    )
    vacation = services.request_absence(
        actor,
        on_leave.pk,
        {"kind": "vacation", "start": next_monday, "end": next_monday + timedelta(days=5), "reason": ""},
    )
    services.decide_absence(decider, vacation.pk, approve=True)
    today = _local_midnight(clock.now().astimezone(ZoneInfo(sick.timezone)), sick.timezone)
    illness = services.request_absence(
        actor, sick.pk, {"kind": "sick", "start": today, "end": today + timedelta(days=1), "reason": ""}
    )
    services.decide_absence(decider, illness.pk, approve=True)
    return 3
