"""Work orders (minimal form: the work-order issue adds visits, checklists, time, parts, signatures)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tournevis.workorders.domain import Kind, Status


def _choices(enum: type[Kind] | type[Status]) -> list[tuple[str, str]]:
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
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="workorders_status_due_idx")]
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
        ]

    def __str__(self) -> str:
        return self.number
