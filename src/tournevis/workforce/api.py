"""REST API of the workforce: skills, teams, technicians (skills, weekly shifts, availability) and
absences. Thin: parse, access_*, one service or query call, serialise."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from tournevis.core.errors import InvalidInput
from tournevis.core.idempotency import idempotent
from tournevis.core.rest import (
    IF_MATCH,
    PageIn,
    StrictIn,
    actor_of,
    current_state_as,
    expected_version,
    page_of,
    paginate,
    set_etag,
)
from tournevis.identity import guard
from tournevis.workforce import access, queries, services
from tournevis.workforce.models import Absence, Skill, Team, Technician

router = Router(tags=["workforce"])

# --- Skills and teams ------------------------------------------------------------------------------


class SkillOut(Schema):
    id: int
    code: str
    name_en: str
    name_fr: str


class SkillIn(StrictIn):
    code: str
    name_en: str
    name_fr: str


class TeamOut(Schema):
    id: int
    code: str
    name: str
    region: str


class TeamIn(StrictIn):
    code: str
    name: str
    region: str = ""


@router.get("/skills", response=page_of(SkillOut), operation_id="list_skills")
@guard.api("api.skills.list")
def list_skills(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(Skill.objects.order_by("code"), page)


@router.post("/skills", response={201: SkillOut}, operation_id="create_skill")
@guard.api("api.skills.create")
@idempotent
def create_skill(request: HttpRequest, payload: SkillIn) -> Status:
    return Status(201, services.create_skill(actor_of(request), **payload.dict()))


@router.get("/teams", response=page_of(TeamOut), operation_id="list_teams")
@guard.api("api.teams.list")
def list_teams(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(Team.objects.order_by("name", "id"), page)


@router.post("/teams", response={201: TeamOut}, operation_id="create_team")
@guard.api("api.teams.create")
@idempotent
def create_team(request: HttpRequest, payload: TeamIn) -> Status:
    return Status(201, services.create_team(actor_of(request), **payload.dict()))


# --- Technicians -----------------------------------------------------------------------------------


class ShiftOut(Schema):
    weekday: int
    start: str
    end: str
    break_earliest: str | None
    break_latest: str | None
    break_minutes: int


class ShiftIn(StrictIn):
    weekday: int | str
    start: str
    end: str
    break_earliest: str | None = None
    break_latest: str | None = None
    break_minutes: int = 0


def _hhmm(value: Any) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _shift_out(shift: Any) -> dict[str, Any]:
    return {
        "weekday": shift.weekday,
        "start": _hhmm(shift.start),
        "end": _hhmm(shift.end),
        "break_earliest": _hhmm(shift.break_earliest),
        "break_latest": _hhmm(shift.break_latest),
        "break_minutes": shift.break_minutes,
    }


class TechnicianOut(Schema):
    id: int
    user_id: int | None
    name: str
    email: str
    phone: str
    team_id: int | None
    home_address: str
    home_latitude: float
    home_longitude: float
    timezone: str
    holiday_country: str
    holiday_subdivision: str
    languages: list[str]
    active: bool
    skills: dict[str, int]
    shifts: list[ShiftOut]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_skills(obj: Technician) -> dict[str, int]:
        return {row.skill.code: row.level for row in obj.skills.all()}

    @staticmethod
    def resolve_shifts(obj: Technician) -> list[dict[str, Any]]:
        return [_shift_out(shift) for shift in sorted(obj.shifts.all(), key=lambda s: s.weekday)]


class TechnicianIn(StrictIn):
    name: str
    home_latitude: float
    home_longitude: float
    timezone: str
    holiday_country: str
    holiday_subdivision: str = ""
    email: str = ""
    phone: str = ""
    team_id: int | None = None
    user_id: int | None = None
    home_address: str = ""
    languages: list[str] = []
    active: bool = True


class TechnicianPatch(StrictIn):
    name: str | None = None
    home_latitude: float | None = None
    home_longitude: float | None = None
    timezone: str | None = None
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    email: str | None = None
    phone: str | None = None
    team_id: int | None = None
    user_id: int | None = None
    home_address: str | None = None
    languages: list[str] | None = None
    active: bool | None = None


class TechnicianFilters(Schema):
    team_id: int | None = None
    skill: str | None = None
    q: str | None = None
    active: bool | None = None


def _fresh(actor: Any, technician_id: int) -> Technician:
    """The technician re-read with skills and shifts, as answered by the API."""
    return queries.list_technicians(actor).get(pk=technician_id)


@router.get("/technicians", response=page_of(TechnicianOut), operation_id="list_technicians")
@guard.api("api.technicians.list")
def list_technicians(
    request: HttpRequest, filters: Query[TechnicianFilters], page: Query[PageIn]
) -> dict[str, Any]:
    return paginate(queries.list_technicians(actor_of(request), **filters.dict()), page)


@router.post("/technicians", response={201: TechnicianOut}, operation_id="create_technician")
@guard.api("api.technicians.create")
@idempotent
def create_technician(request: HttpRequest, payload: TechnicianIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    technician = services.create_technician(actor, payload.dict())
    set_etag(response, technician)
    return Status(201, _fresh(actor, technician.pk))


@router.get("/technicians/{technician_id}", response=TechnicianOut, operation_id="get_technician")
@guard.api("api.technicians.get")
def get_technician(request: HttpRequest, technician_id: int, response: HttpResponse) -> Technician:
    actor = actor_of(request)
    access.access_technician(actor, technician_id)
    technician = _fresh(actor, technician_id)
    set_etag(response, technician)
    return technician


@router.patch(
    "/technicians/{technician_id}",
    response=TechnicianOut,
    operation_id="update_technician",
    openapi_extra=IF_MATCH,
)
@guard.api("api.technicians.update")
def update_technician(
    request: HttpRequest, technician_id: int, payload: TechnicianPatch, response: HttpResponse
) -> Technician:
    actor = actor_of(request)
    access.access_technician(actor, technician_id)
    with current_state_as(TechnicianOut):
        services.update_technician(
            actor, technician_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    technician = _fresh(actor, technician_id)
    set_etag(response, technician)
    return technician


class SkillsIn(StrictIn):
    skills: dict[str, int]


class SkillsOut(Schema):
    skills: dict[str, int]


@router.put("/technicians/{technician_id}/skills", response=SkillsOut, operation_id="set_technician_skills")
@guard.api("api.technicians.skills")
def set_technician_skills(request: HttpRequest, technician_id: int, payload: SkillsIn) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_technician(actor, technician_id)
    return {"skills": services.set_skills(actor, technician_id, payload.skills)}


class ShiftsIn(StrictIn):
    shifts: list[ShiftIn]


class ShiftsOut(Schema):
    shifts: list[ShiftOut]


@router.put("/technicians/{technician_id}/shifts", response=ShiftsOut, operation_id="set_technician_shifts")
@guard.api("api.technicians.shifts")
def set_technician_shifts(request: HttpRequest, technician_id: int, payload: ShiftsIn) -> dict[str, Any]:
    actor = actor_of(request)
    access.access_technician(actor, technician_id)
    shifts = services.set_shifts(actor, technician_id, [shift.dict() for shift in payload.shifts])
    return {"shifts": [_shift_out(shift) for shift in shifts]}


# --- Availability ----------------------------------------------------------------------------------


class WindowOut(Schema):
    start: datetime
    end: datetime
    break_earliest: datetime | None
    break_latest: datetime | None
    break_minutes: int


class AvailabilityOut(Schema):
    technician_id: int
    timezone: str
    first: date
    last: date
    windows: list[WindowOut]


class AvailabilityQuery(Schema):
    first: date
    last: date


@router.get(
    "/technicians/{technician_id}/availability",
    response=AvailabilityOut,
    operation_id="technician_availability",
)
@guard.api("api.technicians.availability")
def technician_availability(
    request: HttpRequest, technician_id: int, period: Query[AvailabilityQuery]
) -> dict[str, Any]:
    technician = access.access_technician(actor_of(request), technician_id)
    if period.last < period.first:
        raise InvalidInput(_("The last day comes before the first."), field="last")
    if (period.last - period.first).days + 1 > queries.MAX_AVAILABILITY_DAYS:
        raise InvalidInput(
            _("At most %(max)s days at a time.") % {"max": queries.MAX_AVAILABILITY_DAYS}, field="last"
        )
    windows = queries.availability([technician.pk], period.first, period.last).get(technician.pk, [])
    return {
        "technician_id": technician.pk,
        "timezone": technician.timezone,
        "first": period.first,
        "last": period.last,
        "windows": windows,
    }


# --- Absences --------------------------------------------------------------------------------------


class AbsenceOut(Schema):
    id: int
    technician_id: int
    kind: str
    start: datetime
    end: datetime
    status: str
    reason: str
    requested_by_id: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class AbsenceIn(StrictIn):
    kind: str
    start: datetime
    end: datetime
    reason: str = ""


class AbsenceFilters(Schema):
    status: str | None = None


class DecisionIn(StrictIn):
    decision: Literal["approve", "refuse"]


@router.get(
    "/technicians/{technician_id}/absences",
    response=page_of(AbsenceOut),
    operation_id="list_technician_absences",
)
@guard.api("api.technicians.absences.list")
def list_absences(
    request: HttpRequest, technician_id: int, filters: Query[AbsenceFilters], page: Query[PageIn]
) -> dict[str, Any]:
    access.access_technician(actor_of(request), technician_id)
    return paginate(queries.absences_of(technician_id, status=filters.status), page)


@router.post(
    "/technicians/{technician_id}/absences", response={201: AbsenceOut}, operation_id="request_absence"
)
@guard.api("api.technicians.absences.create")
@idempotent
def request_absence(
    request: HttpRequest, technician_id: int, payload: AbsenceIn, response: HttpResponse
) -> Status:
    actor = actor_of(request)
    access.access_technician(actor, technician_id)
    absence = services.request_absence(actor, technician_id, payload.dict())
    set_etag(response, absence)
    return Status(201, absence)


@router.post(
    "/absences/{absence_id}/decide",
    response=AbsenceOut,
    operation_id="decide_absence",
    openapi_extra=IF_MATCH,
)
@guard.api("api.absences.decide")
@idempotent
def decide_absence(
    request: HttpRequest, absence_id: int, payload: DecisionIn, response: HttpResponse
) -> Absence:
    actor = actor_of(request)
    access.access_absence(actor, absence_id)
    with current_state_as(AbsenceOut):
        absence = services.decide_absence(
            actor, absence_id, payload.decision == "approve", expected_version(request)
        )
    set_etag(response, absence)
    return absence


@router.post(
    "/absences/{absence_id}/cancel",
    response=AbsenceOut,
    operation_id="cancel_absence",
    openapi_extra=IF_MATCH,
)
@guard.api("api.absences.cancel")
@idempotent
def cancel_absence(request: HttpRequest, absence_id: int, response: HttpResponse) -> Absence:
    actor = actor_of(request)
    access.access_absence(actor, absence_id)
    with current_state_as(AbsenceOut):
        absence = services.cancel_absence(actor, absence_id, expected_version(request))
    set_etag(response, absence)
    return absence
