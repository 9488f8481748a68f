"""Work orders, their required skills, visits and the log of status changes; what a technician records
on a visit is in ``models_records`` (imported at the end so Django registers it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tournevis.workorders.domain import (
    MAX_LEVEL,
    MIN_LEVEL,
    OPEN_VISIT,
    Kind,
    Priority,
    Status,
    VisitStatus,
)


def _choices(enum: type[Kind] | type[Status] | type[VisitStatus] | type[Priority]) -> list[tuple[str, str]]:
    return [(item.value, item.value.replace("_", " ")) for item in enum]


class WorkOrder(models.Model):
    """One intervention for a customer at a site, on one object, possibly under a contract."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=_choices(Kind))
    status = models.CharField(
        _("status"), max_length=16, choices=_choices(Status), default=Status.DRAFT.value
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    site = models.ForeignKey(
        "customers.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    service_object = models.ForeignKey(
        "installed_base.ServiceObject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service object"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contract"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    window_start = models.DateField(_("window start"), null=True, blank=True)
    window_end = models.DateField(_("window end"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticket"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=2, choices=_choices(Priority), default=Priority.P3.value
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=60)
    onsite_deadline = models.DateTimeField(_("on-site deadline"), null=True, blank=True)
    slot_start = models.DateTimeField(_("booked slot start"), null=True, blank=True)
    slot_end = models.DateTimeField(_("booked slot end"), null=True, blank=True)
    parts_needed = models.JSONField(_("parts needed"), default=list, blank=True)
    source_plan = models.ForeignKey(
        "contracts.PreventivePlan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("preventive plan"),
    )
    occurrence_key = models.CharField(max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    first_time_fix = models.BooleanField(_("first-time fix"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="workorders_status_due_idx"),
            models.Index(fields=["customer", "status"], name="workorders_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_plan", "service_object", "occurrence_key"],
                condition=Q(source_plan__isnull=False),
                name="workorders_plan_occurrence_once",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gte=models.F("window_start")),
                name="workorders_window_order",
            ),
            models.CheckConstraint(
                condition=Q(slot_start__isnull=True, slot_end__isnull=True)
                | Q(slot_start__isnull=False, slot_end__gt=F("slot_start")),
                name="workorders_slot_order",
            ),
            models.CheckConstraint(condition=Q(estimated_minutes__gt=0), name="workorders_estimate_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class NumberSequence(models.Model):
    """The last work-order number given in a year (locked while a number is taken: no gaps, no twins)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("work-order number sequence")
        verbose_name_plural = _("work-order number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class WorkOrderSkill(models.Model):
    """A skill the work order needs, at a minimum level (1 basic to 3 expert)."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="required_skills", verbose_name=_("work order")
    )
    skill = models.ForeignKey(
        "workforce.Skill", on_delete=models.PROTECT, related_name="+", verbose_name=_("skill")
    )
    level = models.PositiveSmallIntegerField(_("level"))

    class Meta:
        verbose_name = _("required skill")
        verbose_name_plural = _("required skills")
        ordering = ["work_order", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "skill"], name="workorders_skill_once"),
            models.CheckConstraint(
                condition=Q(level__gte=MIN_LEVEL) & Q(level__lte=MAX_LEVEL), name="workorders_skill_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}:{self.level}"


class Visit(models.Model):
    """One trip of a technician to the work order's site (or one remote session): numbered 1, 2, … per
    work order; planned by the dispatcher, then dispatched, travelled, worked and completed or cancelled.
    ``pinned``: the optimiser keeps it where the dispatcher put it."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="visits", verbose_name=_("work order")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    technician = models.ForeignKey(
        "workforce.Technician",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("technician"),
    )
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=_choices(VisitStatus), default=VisitStatus.UNSCHEDULED.value
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("en route at"), null=True, blank=True)
    on_site_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    fixed = models.BooleanField(_("fixed"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_reason = models.CharField(_("follow-up reason"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["work_order", "number"]
        indexes = [
            models.Index(fields=["technician", "planned_start"], name="workorders_visit_tech_start"),
            models.Index(fields=["status", "planned_start"], name="workorders_visit_status_start"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "number"], name="workorders_visit_number_once"),
            models.UniqueConstraint(
                fields=["work_order"],
                condition=Q(status__in=[s.value for s in VisitStatus if s in OPEN_VISIT]),  # enum order
                name="workorders_one_open_visit",
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True, planned_end__isnull=True)
                | Q(planned_start__isnull=False, planned_end__gt=F("planned_start")),
                name="workorders_visit_times",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[VisitStatus.UNSCHEDULED.value, VisitStatus.CANCELLED.value])
                | Q(technician__isnull=False, planned_start__isnull=False),
                name="workorders_visit_planned_has_technician",
            ),
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.UNSCHEDULED.value)
                | Q(technician__isnull=True, planned_start__isnull=True),
                name="workorders_visit_unscheduled_is_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id}/{self.number}"


class StatusChange(models.Model):
    """One status change of a work order or of one of its visits (``visit`` set), timestamped: the
    source of on-site times, first-time-fix and mean-time-to-repair figures. ``old`` is empty for a
    creation."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("work order")
    )
    visit = models.ForeignKey(
        Visit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("visit"),
    )
    old = models.CharField(_("from"), max_length=16, blank=True)
    new = models.CharField(_("to"), max_length=16)
    at = models.DateTimeField(_("at"))
    actor_label = models.CharField(_("by"), max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["work_order", "at"], name="workorders_change_wo_at")]

    def __str__(self) -> str:
        return f"{self.old or '-'} -> {self.new}"


from tournevis.workorders.models_records import (  # noqa: E402 (registered with this app's models)
    ChecklistItem,
    ChecklistResult,
    ChecklistTemplate,
    Expense,
    PartUsed,
    ServiceReport,
    Signature,
    TimeEntry,
    VisitNote,
    VisitPhoto,
)

__all__ = [
    "ChecklistItem",
    "ChecklistResult",
    "ChecklistTemplate",
    "Expense",
    "NumberSequence",
    "PartUsed",
    "ServiceReport",
    "Signature",
    "StatusChange",
    "TimeEntry",
    "Visit",
    "VisitNote",
    "VisitPhoto",
    "WorkOrder",
    "WorkOrderSkill",
]
