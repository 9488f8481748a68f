"""Calendars, SLA policies, contracts, their coverage, amendments and the reminders sent."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tournevis.contracts.domain import BillingCycle, ContractType, Priority, Renewal, Status


class Calendar(models.Model):
    """Business hours: weekly slots in a time zone, public holidays, closures; or open 24/7."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64)
    slots = models.JSONField(_("weekly slots"), default=dict, blank=True)
    holidays_country = models.CharField(_("holidays country"), max_length=3, blank=True)
    holidays_subdivision = models.CharField(_("holidays subdivision"), max_length=10, blank=True)
    closures = models.JSONField(_("closures"), default=list, blank=True)
    yearly_closures = models.JSONField(_("yearly closures"), default=list, blank=True)
    always_open = models.BooleanField(_("open 24/7"), default=False)
    is_default = models.BooleanField(_("company default"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="contracts_one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalendarAssignment(models.Model):
    """The calendar of one site or one customer (kept here: customers must not know contracts)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="assignments")
    site = models.OneToOneField(
        "customers.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.OneToOneField(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("calendar assignment")
        verbose_name_plural = _("calendar assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(site__isnull=False) & Q(customer__isnull=True))
                | (Q(site__isnull=True) & Q(customer__isnull=False)),
                name="contracts_assignment_site_xor_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar} → {self.site or self.customer}"


class SlaPolicy(models.Model):
    """A named tier ("Gold 4h on-site") whose targets are ``SlaTarget`` rows."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


PRIORITY_CHOICES = [(p.value, p.value) for p in Priority]


class SlaTarget(models.Model):
    """Targets of one priority (and optionally one category) in business minutes."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=2, choices=PRIORITY_CHOICES)
    category = models.ForeignKey(
        "installed_base.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    on_site_minutes = models.PositiveIntegerField(_("on-site arrival (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    update_every_minutes = models.PositiveIntegerField(_("customer update every (business minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "priority", "category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "category"],
                condition=Q(category__isnull=False),
                name="contracts_target_unique_category",
            ),
            models.UniqueConstraint(
                fields=["policy", "priority"],
                condition=Q(category__isnull=True),
                name="contracts_target_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.priority}"


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(item.value, item.value.replace("_", "-")) for item in enum]


class Contract(models.Model):
    """A service agreement with one customer; this row is the term as signed (the base), amendments
    change its coverage, tier and price from their effective date on."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    type = models.CharField(_("type"), max_length=16, choices=_choices(ContractType))
    status = models.CharField(
        _("status"), max_length=16, choices=_choices(Status), default=Status.DRAFT.value
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    renewal = models.CharField(_("renewal"), max_length=16, choices=_choices(Renewal))
    renewal_months = models.PositiveSmallIntegerField(_("renewal period (months)"), default=12)
    notice_days = models.PositiveIntegerField(_("notice period (days)"), default=90)
    price_minor = models.BigIntegerField(_("price per billing period (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    billing_cycle = models.CharField(_("billing cycle"), max_length=16, choices=_choices(BillingCycle))
    per_visit_price_minor = models.BigIntegerField(
        _("price per intervention (minor units)"), null=True, blank=True
    )
    sla_policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("tier"),
    )
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    parts_included = models.BooleanField(_("parts included"), default=False)
    labour_included = models.BooleanField(_("labour included"), default=False)
    loaner_included = models.BooleanField(_("loaner entitlement"), default=False)
    sla_pause_for_parts = models.BooleanField(_("SLA paused while waiting for parts"), default=False)
    preventive_visits_per_year = models.PositiveSmallIntegerField(_("preventive visits per year"), default=0)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["customer", "status"], name="contracts_customer_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="contracts_term"),
        ]

    def __str__(self) -> str:
        return self.number


class Amendment(models.Model):
    """A dated change during the term; immutable once written (each one is a version of the contract)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    sequence = models.PositiveIntegerField()
    effective_date = models.DateField(_("effective date"))
    sla_policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new tier"),
    )
    price_minor = models.BigIntegerField(_("new price (minor units)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "effective_date", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="contracts_amendment_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.contract} #{self.sequence} ({self.effective_date})"


class Coverage(models.Model):
    """One covered site, object (with its subtree) or category: in the base (``amendment`` None) or
    added / removed by an amendment."""

    class Op(models.TextChoices):
        ADD = "add", _("add")
        REMOVE = "remove", _("remove")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverage")
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="coverage"
    )
    op = models.CharField(max_length=6, choices=Op.choices, default=Op.ADD)
    site = models.ForeignKey(
        "customers.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_object = models.ForeignKey(
        "installed_base.ServiceObject", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "installed_base.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        ordering = ["contract", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(site__isnull=False) & Q(service_object__isnull=True) & Q(category__isnull=True))
                | (Q(site__isnull=True) & Q(service_object__isnull=False) & Q(category__isnull=True))
                | (Q(site__isnull=True) & Q(service_object__isnull=True) & Q(category__isnull=False)),
                name="contracts_coverage_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.op} {self.site or self.service_object or self.category}"


class ReminderSent(models.Model):
    """A reminder queued for one term of a contract; never queued twice."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)
    term_end = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind", "term_end"], name="contracts_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.kind} {self.term_end}"


# --- SLA clocks ------------------------------------------------------------------------------------

CLOCK_KINDS = [(k, k) for k in ("response", "onsite", "resolution", "update")]
CLOCK_STATES = [(s, s) for s in ("running", "paused", "met", "breached")]
CLOCK_EVENTS = [(e, e) for e in ("start", "pause", "resume", "retarget", "stop")]


class EscalationRule(models.Model):
    """One escalation level of a tier for one clock kind: fires ``offset_minutes`` of business time
    after the deadline (negative: before it)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("clock"), max_length=12, choices=CLOCK_KINDS)
    level = models.PositiveSmallIntegerField(_("level"))
    offset_minutes = models.IntegerField(_("offset from the deadline (business minutes)"))
    action = models.CharField(_("action"), max_length=20)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["policy", "kind", "level"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind", "level"], name="contracts_escalation_level"),
            models.CheckConstraint(condition=Q(level__gte=1), name="contracts_escalation_level_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.kind} L{self.level}"


class SlaClock(models.Model):
    """One SLA clock of a subject (a ticket, a work order). ``SlaClockEvent`` rows are the truth; the
    fields below ``target_minutes`` are a cache, always ``contracts.clocks.evaluate`` of that log."""

    subject_type = models.CharField(max_length=40)
    subject_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("clock"), max_length=12, choices=CLOCK_KINDS)
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )  # None: the 24/7 fallback
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    priority = models.CharField(_("priority"), max_length=2, choices=PRIORITY_CHOICES)
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    # Cache of the log's evaluation
    state = models.CharField(_("state"), max_length=10, choices=CLOCK_STATES)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    warning_at = models.DateTimeField(null=True, blank=True)
    next_alert_at = models.DateTimeField(null=True, blank=True, db_index=True)
    consumed_seconds = models.BigIntegerField(default=0)
    remaining_seconds = models.BigIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="contracts_clock_state_deadline"),
            models.Index(fields=["subject_type", "subject_id"], name="contracts_clock_subject"),
        ]
        constraints = [
            # one running clock per kind; the recurring update clock keeps its stopped cycles
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=Q(stopped_at__isnull=True),
                name="contracts_open_clock_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.kind}"


class SlaClockEvent(models.Model):
    """Append-only log of one clock."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=CLOCK_EVENTS)
    target_minutes = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    actor_label = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("SLA clock event")
        verbose_name_plural = _("SLA clock events")
        ordering = ["clock", "at", "id"]

    def __str__(self) -> str:
        return f"{self.clock} {self.kind} {self.at}"


class SlaEscalation(models.Model):
    """A warning (level 0) or escalation level fired for a clock; never fired twice.

    ``params`` is a copy of the rule's parameters when it fired. ``handled_at`` is set once the action
    is done: at firing time for the warning and ``notify_manager`` (contracts sends the e-mail itself);
    by the higher context that applies it (tickets: ``move_queue``, ``move_tier``, ``raise_priority``,
    through ``sla_services.pending_actions`` and ``mark_handled``) for the others."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=20)
    params = models.JSONField(default=dict, blank=True)
    fired_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA escalation fired")
        verbose_name_plural = _("SLA escalations fired")
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="contracts_escalation_once")]
        indexes = [
            models.Index(
                fields=["action", "fired_at"],
                condition=Q(handled_at__isnull=True),
                name="contracts_escalation_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock} L{self.level}"


# --- Preventive maintenance ------------------------------------------------------------------------

PLAN_UNITS = [(u, u) for u in ("days", "weeks", "months", "counter")]


class PreventivePlan(models.Model):
    """Recurring preventive maintenance of one covered object, or of every covered object of one
    category, every N days / weeks / months or every N units of a counter attribute. Scheduling rules:
    ``contracts.preventive``; the work orders are generated by ``workorders.preventive``."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="preventive_plans")
    name = models.CharField(_("name"), max_length=200)
    service_object = models.ForeignKey(
        "installed_base.ServiceObject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service object"),
    )
    category = models.ForeignKey(
        "installed_base.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("equipment category"),
    )
    unit = models.CharField(_("interval unit"), max_length=8, choices=PLAN_UNITS)
    every = models.PositiveBigIntegerField(_("every (N days, weeks, months or counter units)"))
    counter_key = models.CharField(_("counter attribute"), max_length=64, blank=True)
    tolerance_before_days = models.PositiveSmallIntegerField(_("tolerance before (days)"), default=0)
    tolerance_after_days = models.PositiveSmallIntegerField(_("tolerance after (days)"), default=0)
    start_date = models.DateField(_("start date"))
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("preventive plan")
        verbose_name_plural = _("preventive plans")
        ordering = ["contract", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(service_object__isnull=False) & Q(category__isnull=True))
                | (Q(service_object__isnull=True) & Q(category__isnull=False)),
                name="contracts_plan_object_xor_category",
            ),
            models.CheckConstraint(condition=Q(every__gte=1), name="contracts_plan_every_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.name}"
