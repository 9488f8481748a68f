"""Workforce fixtures: two skills, a team, and two technicians (one tied to the technician user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import SYSTEM, World
from tournevis.identity.domain import Role
from tournevis.workforce import services
from tournevis.workforce.models import Skill, Team, Technician

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
PARIS_HOME = {
    "timezone": "Europe/Paris",
    "holiday_country": "FR",
    "home_latitude": 48.8566,
    "home_longitude": 2.3522,
}


@dataclass
class Crew:
    kiosk: Skill
    atm: Skill
    team: Team
    lea: Technician  # the technician user's own record
    marc: Technician  # another technician, no user


def make_technician(name: str, **extra: Any) -> Technician:
    return services.create_technician(SYSTEM, {"name": name, **PARIS_HOME, **extra})


@pytest.fixture
def crew(world: World) -> Crew:
    kiosk = services.create_skill(SYSTEM, code="kiosk", name_en="Kiosk", name_fr="Borne")
    atm = services.create_skill(SYSTEM, code="atm", name_en="ATM", name_fr="GAB")
    team = services.create_team(SYSTEM, code="idf", name="Île-de-France", region="FR-IDF")
    lea = make_technician("Léa Martin", user_id=world.staff[Role.TECHNICIAN].pk, team_id=team.pk)
    marc = make_technician("Marc Durand", team_id=team.pk)
    for technician in (lea, marc):
        services.set_shifts(SYSTEM, technician.pk, OFFICE_WEEK)
    services.set_skills(SYSTEM, lea.pk, {"kiosk": 2})
    services.set_skills(SYSTEM, marc.pk, {"kiosk": 3, "atm": 1})
    return Crew(kiosk, atm, team, lea, marc)
