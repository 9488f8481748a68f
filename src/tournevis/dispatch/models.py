"""Dispatch tables: optimised plans offered to the dispatcher, board moves (for undo), calendar feeds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProposalKind(models.TextChoices):
    OPTIMISE = "optimise", _("optimisation")
    EMERGENCY = "emergency", _("emergency insertion")


class ProposalStatus(models.TextChoices):
    RUNNING = "running", _("running")
    READY = "ready", _("ready")
    ACCEPTED = "accepted", _("accepted")
    DISCARDED = "discarded", _("discarded")
    FAILED = "failed", _("failed")


class Proposal(models.Model):
    """A plan computed by the optimiser for a team and a horizon, shown to the dispatcher who accepts
    or discards it. ``basis`` keeps each visit's row version at solve time: accepting skips a visit
    that changed since (and says so) rather than overwrite a newer decision."""

    kind = models.CharField(_("kind"), max_length=16, choices=ProposalKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.RUNNING
    )
    team = models.ForeignKey(
        "workforce.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    time_limit = models.FloatField(_("time limit (seconds)"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    basis = models.JSONField(default=dict, blank=True)  # {"<visit key>": version or null}
    changes = models.JSONField(default=list, blank=True)
    unassigned = models.JSONField(default=list, blank=True)
    totals = models.JSONField(default=dict, blank=True)
    solver = models.CharField(_("solver"), max_length=20, blank=True)
    error = models.TextField(_("error"), blank=True)
    outcome = models.JSONField(default=dict, blank=True)  # what accepting did: applied, skipped
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("plan proposal")
        verbose_name_plural = _("plan proposals")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="dispatch_horizon"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_day}..{self.last_day} ({self.status})"


class Move(models.Model):
    """One change of a visit made on the board (drag and drop or the keyboard form), kept for undo."""

    visit = models.ForeignKey(
        "workorders.Visit", on_delete=models.CASCADE, related_name="+", verbose_name=_("visit")
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before = models.JSONField()  # {"technician_id", "start", "end", "status"}
    after = models.JSONField()
    version_after = models.PositiveIntegerField()  # the visit's version right after the move
    warnings = models.JSONField(default=list, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("board move")
        verbose_name_plural = _("board moves")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"visit {self.visit_id} at {self.at:%Y-%m-%d %H:%M}"


class Feed(models.Model):
    """A technician's iCalendar feed: the URL carries a random token, stored here only as its SHA-256;
    revoking sets ``revoked_at`` and the URL answers 404 from then on."""

    technician = models.ForeignKey(
        "workforce.Technician", on_delete=models.CASCADE, related_name="+", verbose_name=_("technician")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"feed of {self.technician_id}"


class FeedEntry(models.Model):
    """What a feed last published for a visit: a visit that left the technician (moved to a colleague,
    unscheduled, cancelled) is published once more as cancelled, with a higher SEQUENCE, so calendar
    clients drop it instead of keeping a stale copy."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    visit = models.ForeignKey("workorders.Visit", on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    summary = models.CharField(max_length=300)
    location = models.CharField(max_length=300, blank=True)
    cancelled = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("published calendar entry")
        verbose_name_plural = _("published calendar entries")
        constraints = [models.UniqueConstraint(fields=["feed", "visit"], name="dispatch_feed_visit_once")]

    def __str__(self) -> str:
        return f"{self.feed_id}/{self.visit_id}@{self.sequence}"
