"""Skills, teams, technicians with their skills, weekly shifts and absences."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tournevis.workforce.domain import MAX_LEVEL, MIN_LEVEL, AbsenceKind, AbsenceStatus


class Skill(models.Model):
    """Something a technician can do (repair a kiosk, commission a lift...), named in both languages."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


class Team(models.Model):
    """A group of technicians working one region."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Technician(models.Model):
    """A person who goes on site. Routes start and end at the home base; times follow ``timezone``."""

    user = models.OneToOneField(
        "identity.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="technician",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="technicians",
        verbose_name=_("team"),
    )
    home_address = models.CharField(_("home address"), max_length=300, blank=True)
    home_latitude = models.FloatField(_("home latitude"))
    home_longitude = models.FloatField(_("home longitude"))
    timezone = models.CharField(_("time zone"), max_length=64)
    holiday_country = models.CharField(_("public holidays: country"), max_length=2)
    holiday_subdivision = models.CharField(
        _("public holidays: subdivision"),
        max_length=8,
        blank=True,
        help_text=_("ISO 3166-2 subdivision, e.g. 57 for Moselle"),
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["team", "active"], name="workforce_tech_team_idx")]
        constraints = [
            models.CheckConstraint(
                name="workforce_technician_latitude_range",
                condition=Q(home_latitude__gte=-90) & Q(home_latitude__lte=90),
            ),
            models.CheckConstraint(
                name="workforce_technician_longitude_range",
                condition=Q(home_longitude__gte=-180) & Q(home_longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TechnicianSkill(models.Model):
    """A technician's level in one skill: 1 (basic) to 3 (expert)."""

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="skills", verbose_name=_("technician")
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="technicians", verbose_name=_("skill")
    )
    level = models.PositiveSmallIntegerField(_("level"))

    class Meta:
        verbose_name = _("technician skill")
        verbose_name_plural = _("technician skills")
        ordering = ["technician", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "skill"], name="workforce_techskill_unique"),
            models.CheckConstraint(
                name="workforce_techskill_level_range",
                condition=Q(level__gte=MIN_LEVEL) & Q(level__lte=MAX_LEVEL),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}:{self.level}"


class Shift(models.Model):
    """One day of a technician's weekly pattern, in the technician's time zone (Monday = 0).

    No overnight shifts: ``end`` is after ``start`` on the same day. The break of ``break_minutes``
    is taken somewhere between ``break_earliest`` and ``break_latest``.
    """

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("technician")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    break_earliest = models.TimeField(_("break from"), null=True, blank=True)
    break_latest = models.TimeField(_("break until"), null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(_("break (minutes)"), default=0)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["technician", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "weekday"], name="workforce_shift_unique_day"),
            models.CheckConstraint(
                name="workforce_shift_weekday_range", condition=Q(weekday__gte=0) & Q(weekday__lte=6)
            ),
            models.CheckConstraint(name="workforce_shift_end_after_start", condition=Q(end__gt=F("start"))),
            models.CheckConstraint(
                name="workforce_shift_break_inside",
                condition=(Q(break_earliest__isnull=True) & Q(break_latest__isnull=True) & Q(break_minutes=0))
                | (
                    Q(break_earliest__isnull=False)
                    & Q(break_latest__isnull=False)
                    & Q(break_earliest__gte=F("start"))
                    & Q(break_latest__lte=F("end"))
                    & Q(break_latest__gt=F("break_earliest"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class AbsenceKindChoices(models.TextChoices):
    VACATION = AbsenceKind.VACATION.value, _("Vacation")
    SICK = AbsenceKind.SICK.value, _("Sick leave")
    TRAINING = AbsenceKind.TRAINING.value, _("Training")
    MILITARY = AbsenceKind.MILITARY.value, _("Military service")
    OTHER = AbsenceKind.OTHER.value, _("Other")


class AbsenceStatusChoices(models.TextChoices):
    REQUESTED = AbsenceStatus.REQUESTED.value, _("Requested")
    APPROVED = AbsenceStatus.APPROVED.value, _("Approved")
    REFUSED = AbsenceStatus.REFUSED.value, _("Refused")
    CANCELLED = AbsenceStatus.CANCELLED.value, _("Cancelled")


class Absence(models.Model):
    """A period a technician does not work: requested, then approved or refused by a manager."""

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="absences", verbose_name=_("technician")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AbsenceKindChoices.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AbsenceStatusChoices.choices,
        default=AbsenceStatus.REQUESTED.value,
    )
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        "identity.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        "identity.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["technician", "status", "start"], name="workforce_absence_tech_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="workforce_absence_end_after_start", condition=Q(end__gt=F("start"))),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.start:%Y-%m-%d %H:%M} - {self.end:%Y-%m-%d %H:%M}"
