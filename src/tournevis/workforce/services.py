"""Workforce use cases, one transaction each, each writing the audit log: skills, teams, technicians,
their skills and weekly shifts, absence requests and decisions.

Bad input raises ``InvalidInput`` naming the field before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.business_time import holiday_dates
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version, create_audited, require, update_audited
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.identity.domain import Role
from tournevis.workforce import domain
from tournevis.workforce.domain import AbsenceStatus
from tournevis.workforce.models import (
    Absence,
    AbsenceStatusChoices,
    Shift,
    Skill,
    Team,
    Technician,
    TechnicianSkill,
)

# Roles that decide on absences and request them for anyone (the permission table says who may call).
DECIDERS = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER})
_ABSENCE_SNAPSHOT = ("status", "decided_by", "decided_at", "version")


def _decides(actor: Actor) -> bool:
    return actor.role in DECIDERS or actor.role == "system"


def _locked_technician(technician_id: int) -> Technician:
    technician = Technician.objects.select_for_update().filter(pk=technician_id).first()
    if technician is None:
        raise NotFound(_("No technician with id %(id)s.") % {"id": technician_id})
    return technician


def _own_only(actor: Actor, technician: Technician) -> None:
    """A technician acts on their own record only; another's does not exist for them (404)."""
    if actor.role == Role.TECHNICIAN and technician.user_id != actor.user_id:
        raise NotFound(_("No technician with id %(id)s.") % {"id": technician.pk})


# --- Skills and teams ------------------------------------------------------------------------------


@transaction.atomic
def create_skill(actor: Actor, *, code: str, name_en: str, name_fr: str) -> Skill:
    code = domain.clean_code(code)
    name_en = clean_text(name_en, "name_en", max_length=100, required=True)
    name_fr = clean_text(name_fr, "name_fr", max_length=100, required=True)
    if Skill.objects.filter(code=code).exists():
        raise Conflict(_("A skill with code “%(code)s” exists.") % {"code": code}, field="code")
    skill = Skill.objects.create(code=code, name_en=name_en, name_fr=name_fr)
    audit.record(actor, "skill.create", skill, after=audit.snapshot(skill))
    return skill


@transaction.atomic
def create_team(actor: Actor, *, code: str, name: str, region: str = "") -> Team:
    code = domain.clean_code(code)
    name = clean_text(name, "name", max_length=100, required=True)
    region = clean_text(region, "region", max_length=100)
    if Team.objects.filter(code=code).exists():
        raise Conflict(_("A team with code “%(code)s” exists.") % {"code": code}, field="code")
    team = Team.objects.create(code=code, name=name, region=region)
    audit.record(actor, "team.create", team, after=audit.snapshot(team))
    return team


# --- Technicians -----------------------------------------------------------------------------------


def _references(data: Mapping[str, Any], technician_id: int | None) -> dict[str, Any]:
    """Resolve ``team_id`` and ``user_id`` when present in ``data``."""
    out: dict[str, Any] = {}
    if "team_id" in data:
        team_id = data["team_id"]
        team = None
        if team_id is not None:
            team = Team.objects.filter(pk=team_id).first()
            if team is None:
                raise InvalidInput(_("No team with id %(id)s.") % {"id": team_id}, field="team_id")
        out["team"] = team
    if "user_id" in data:
        user_id = data["user_id"]
        user = None
        if user_id is not None:
            user = get_user_model().objects.filter(pk=user_id).first()
            if user is None:
                raise InvalidInput(_("No user with id %(id)s.") % {"id": user_id}, field="user_id")
            if user.role != Role.TECHNICIAN:
                raise InvalidInput(
                    _("User “%(name)s” does not have the technician role.") % {"name": user.username},
                    field="user_id",
                )
            others = Technician.objects.filter(user=user)
            taken = (others.exclude(pk=technician_id) if technician_id is not None else others).first()
            if taken is not None:
                raise Conflict(
                    _("User “%(name)s” is already technician “%(technician)s”.")
                    % {"name": user.username, "technician": taken.name},
                    field="user_id",
                )
        out["user"] = user
    return out


def _check_holidays(fields: Mapping[str, Any], technician: Technician | None) -> None:
    """The holiday calendar must be one the ``holidays`` package knows (checked on change only)."""
    if "holiday_country" not in fields and "holiday_subdivision" not in fields:
        return
    country = fields.get("holiday_country", technician.holiday_country if technician else "")
    subdivision = fields.get("holiday_subdivision", technician.holiday_subdivision if technician else "")
    try:
        holiday_dates(country, subdivision or None, [clock.now().year])
    except InvalidInput:
        raise InvalidInput(
            _("No public holidays are known for country “%(value)s”.") % {"value": country},
            field="holiday_country",
        ) from None


@transaction.atomic
def create_technician(actor: Actor, data: Mapping[str, Any]) -> Technician:
    """A technician with a home base (latitude and longitude required), a time zone and a holiday
    calendar (country, optional subdivision); ``team_id`` and ``user_id`` optional."""
    fields = domain.clean_technician(data)
    require(fields, "name", "home_latitude", "home_longitude", "timezone", "holiday_country")
    _check_holidays(fields, None)
    fields.update(_references(data, None))
    return create_audited(actor, Technician, "technician.create", fields)


@transaction.atomic
def update_technician(
    actor: Actor, technician_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> Technician:
    technician = _locked_technician(technician_id)
    check_version(technician, expected_version)
    fields = domain.clean_technician(data, country_hint=technician.holiday_country)
    _check_holidays(fields, technician)
    fields.update(_references(data, technician.pk))
    return update_audited(actor, technician, "technician.update", fields, expected_version)


@transaction.atomic
def set_skills(actor: Actor, technician_id: int, levels: Mapping[str, int]) -> dict[str, int]:
    """Replace the technician's skills by ``{code: level}``; returns the new skills sorted by code."""
    technician = _locked_technician(technician_id)
    cleaned = domain.clean_skill_levels(levels)
    skills = {skill.code: skill for skill in Skill.objects.filter(code__in=cleaned)}
    for raw in levels:
        if str(raw).strip().lower() not in skills:
            raise InvalidInput(_("No skill with code “%(code)s”.") % {"code": raw}, field=f"skills.{raw}")
    rows = TechnicianSkill.objects.filter(technician=technician).select_related("skill")
    before = {row.skill.code: row.level for row in rows}
    after = dict(sorted(cleaned.items()))
    if before == after:
        return after
    TechnicianSkill.objects.filter(technician=technician).delete()
    TechnicianSkill.objects.bulk_create(
        TechnicianSkill(technician=technician, skill=skills[code], level=level)
        for code, level in after.items()
    )
    audit.record(actor, "technician.skills", technician, before={"skills": before}, after={"skills": after})
    return after


def _shift_data(shift: Shift | domain.ShiftDay) -> dict[str, Any]:
    def hhmm(value: Any) -> str | None:
        return value.strftime("%H:%M") if value is not None else None

    return {
        "weekday": shift.weekday,
        "start": hhmm(shift.start),
        "end": hhmm(shift.end),
        "break_earliest": hhmm(shift.break_earliest),
        "break_latest": hhmm(shift.break_latest),
        "break_minutes": shift.break_minutes,
    }


@transaction.atomic
def set_shifts(actor: Actor, technician_id: int, shifts: Sequence[Mapping[str, Any]]) -> list[Shift]:
    """Replace the technician's weekly pattern (one shift per weekday at most; a missing day is off)."""
    technician = _locked_technician(technician_id)
    week = domain.clean_week(shifts)
    current = list(Shift.objects.filter(technician=technician).order_by("weekday"))
    before = [_shift_data(shift) for shift in current]
    after = [_shift_data(day) for day in week]
    if before == after:
        return current
    Shift.objects.filter(technician=technician).delete()
    created = Shift.objects.bulk_create(
        Shift(
            technician=technician,
            weekday=day.weekday,
            start=day.start,
            end=day.end,
            break_earliest=day.break_earliest,
            break_latest=day.break_latest,
            break_minutes=day.break_minutes,
        )
        for day in week
    )
    audit.record(actor, "technician.shifts", technician, before={"shifts": before}, after={"shifts": after})
    return created


# --- Absences --------------------------------------------------------------------------------------


def _locked_absence(absence_id: int) -> tuple[Technician, Absence]:
    """Lock the absence's technician, then the absence (always in that order: decisions on one
    technician's absences are serialised, so two overlapping approvals cannot both pass)."""
    found = Absence.objects.filter(pk=absence_id).values_list("technician_id", flat=True).first()
    if found is None:
        raise NotFound(_("No absence with id %(id)s.") % {"id": absence_id})
    technician = _locked_technician(found)
    absence = Absence.objects.select_for_update().get(pk=absence_id)
    return technician, absence


@transaction.atomic
def request_absence(actor: Actor, technician_id: int, data: Mapping[str, Any]) -> Absence:
    """Ask for an absence (``kind``, aware ``start`` and ``end``, optional ``reason``); it waits for a
    decision. A technician asks for themselves only."""
    technician = _locked_technician(technician_id)
    _own_only(actor, technician)
    require(dict(data), "kind", "start", "end")
    kind = domain.clean_kind(data["kind"])
    start, end = domain.clean_period(data["start"], data["end"])
    reason = clean_text(data.get("reason"), "reason", max_length=2000)
    now = clock.now()
    absence = Absence.objects.create(
        technician=technician,
        kind=kind.value,
        start=start,
        end=end,
        status=AbsenceStatus.REQUESTED.value,
        reason=reason,
        requested_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    audit.record(actor, "absence.request", absence, after=audit.snapshot(absence))
    return absence


def _next_status(absence: Absence, wanted: AbsenceStatus) -> AbsenceStatus:
    """``domain.next_status`` with the statuses named in the reader's language."""
    try:
        return domain.next_status(absence.status, wanted)
    except Conflict:
        labels = dict(AbsenceStatusChoices.choices)
        raise Conflict(
            _("This absence is %(status)s; it cannot become %(wanted)s.")
            % {"status": str(labels[absence.status]).lower(), "wanted": str(labels[wanted.value]).lower()},
            field="status",
        ) from None


def _decide(actor: Actor, absence: Absence, status: AbsenceStatus, action: str) -> Absence:
    before = audit.snapshot(absence, _ABSENCE_SNAPSHOT)
    now = clock.now()
    absence.status = status.value
    absence.decided_by_id = actor.user_id
    absence.decided_at = now
    absence.version += 1
    absence.updated_at = now
    absence.save()
    audit.record(actor, action, absence, before=before, after=audit.snapshot(absence, _ABSENCE_SNAPSHOT))
    return absence


@transaction.atomic
def decide_absence(
    actor: Actor, absence_id: int, approve: bool, expected_version: int | None = None
) -> Absence:
    """Approve or refuse a requested absence. An approval overlapping another approved absence of the
    same technician is refused (409): cancel or shorten that one first."""
    technician, absence = _locked_absence(absence_id)
    _own_only(actor, technician)
    check_version(absence, expected_version)
    status = _next_status(absence, AbsenceStatus.APPROVED if approve else AbsenceStatus.REFUSED)
    if approve:
        clash = (
            Absence.objects.filter(
                technician=technician,
                status=AbsenceStatus.APPROVED.value,
                start__lt=absence.end,
                end__gt=absence.start,
            )
            .exclude(pk=absence.pk)
            .order_by("start")
            .first()
        )
        if clash is not None:
            raise Conflict(
                _("It overlaps approved absence %(id)s (%(start)s to %(end)s); cancel that one first.")
                % {"id": clash.pk, "start": _utc(clash.start), "end": _utc(clash.end)},
                field="decision",
            )
    return _decide(actor, absence, status, "absence.approve" if approve else "absence.refuse")


def _utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@transaction.atomic
def cancel_absence(actor: Actor, absence_id: int, expected_version: int | None = None) -> Absence:
    """Withdraw a requested or approved absence. A technician withdraws their own requests; an
    approved absence is cancelled by a manager or dispatcher (the plan may depend on it)."""
    technician, absence = _locked_absence(absence_id)
    _own_only(actor, technician)
    check_version(absence, expected_version)
    status = _next_status(absence, AbsenceStatus.CANCELLED)
    if absence.status == AbsenceStatus.APPROVED and not _decides(actor):
        raise Conflict(
            _("This absence is approved; ask a manager or a dispatcher to cancel it."), field="status"
        )
    return _decide(actor, absence, status, "absence.cancel")
