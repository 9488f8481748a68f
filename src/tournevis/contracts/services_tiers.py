"""Use cases of business calendars (and which site or customer uses one) and SLA policies."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tournevis.contracts import domain, sla_services
from tournevis.contracts.models import Calendar, CalendarAssignment, SlaPolicy, SlaTarget
from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.editing import check_version, create_audited, delete_audited, require, update_audited
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.customers.models import Customer, Site
from tournevis.installed_base.models import Category


def _locked(model: type[Calendar] | type[SlaPolicy], pk: int) -> Any:
    instance = model.objects.select_for_update().filter(pk=pk).first()
    if instance is None:
        raise NotFound(_("No %(kind)s with id %(id)s.") % {"kind": model._meta.verbose_name, "id": pk})
    return instance


# --- Calendars -------------------------------------------------------------------------------------


def _unique_name(model: type[Calendar] | type[SlaPolicy], name: str | None, pk: int | None = None) -> None:
    others = model.objects.filter(name=name) if pk is None else model.objects.filter(name=name).exclude(pk=pk)
    if name and others.exists():
        raise Conflict(_("This name is taken."), field="name")


def _take_default(actor: Actor, keep: int | None) -> None:
    """Exactly one calendar is the company default: the one being set takes the flag from the others."""
    others = Calendar.objects.select_for_update().filter(is_default=True)
    for other in others if keep is None else others.exclude(pk=keep):
        update_audited(actor, other, "calendar.update", {"is_default": False}, None)


@transaction.atomic
def create_calendar(actor: Actor, data: dict[str, Any]) -> Calendar:
    fields = domain.clean_calendar(data)
    require(fields, "name", "timezone")
    _unique_name(Calendar, fields["name"])
    if fields.get("is_default"):
        _take_default(actor, None)
    return create_audited(actor, Calendar, "calendar.create", fields)


@transaction.atomic
def update_calendar(
    actor: Actor, calendar_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Calendar:
    calendar = _locked(Calendar, calendar_id)
    check_version(calendar, expected_version)
    fields = domain.clean_calendar(data)
    if "name" in fields:
        _unique_name(Calendar, fields["name"], calendar.pk)
    if fields.get("is_default"):
        _take_default(actor, calendar.pk)
    calendar = update_audited(actor, calendar, "calendar.update", fields, None)
    sla_services.replay_calendar(calendar.pk)  # the log is the truth: open clocks follow the new hours
    return calendar


@transaction.atomic
def delete_calendar(actor: Actor, calendar_id: int) -> None:
    try:
        delete_audited(actor, _locked(Calendar, calendar_id), "calendar.delete")
    except ProtectedError:
        raise Conflict(_("Contracts, sites or customers still use this calendar."), field="id") from None


@transaction.atomic
def assign_calendar(
    actor: Actor, calendar_id: int, *, site_id: int | None = None, customer_id: int | None = None
) -> CalendarAssignment:
    """Make ``calendar_id`` the calendar of one site or one customer (replacing its previous one)."""
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(
            _("No %(kind)s with id %(id)s.") % {"kind": Calendar._meta.verbose_name, "id": calendar_id}
        )
    if (site_id is None) == (customer_id is None):
        raise InvalidInput(_("Give either a site or a customer."), field="site_id")
    if site_id is not None:
        if not Site.objects.filter(pk=site_id).exists():
            raise InvalidInput(_("No site with id %(id)s.") % {"id": site_id}, field="site_id")
        key: dict[str, Any] = {"site_id": site_id}
    else:
        if customer_id is None or not Customer.objects.filter(pk=customer_id).exists():
            raise InvalidInput(_("No customer with id %(id)s.") % {"id": customer_id}, field="customer_id")
        key = {"customer_id": customer_id}
    now = clock.now()
    existing = CalendarAssignment.objects.select_for_update().filter(**key).first()
    if existing is None:
        assignment = CalendarAssignment.objects.create(
            calendar=calendar, created_at=now, updated_at=now, **key
        )
        audit.record(actor, "calendar.assign", assignment, after=audit.snapshot(assignment))
        return assignment
    before = audit.snapshot(existing)
    existing.calendar, existing.updated_at = calendar, now
    existing.save()
    audit.record(actor, "calendar.assign", existing, before=before, after=audit.snapshot(existing))
    return existing


@transaction.atomic
def unassign_calendar(actor: Actor, assignment_id: int) -> None:
    assignment = CalendarAssignment.objects.select_for_update().filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("No calendar assignment with id %(id)s.") % {"id": assignment_id})
    delete_audited(actor, assignment, "calendar.unassign")


# --- SLA policies ----------------------------------------------------------------------------------


def _clean_policy(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=100, required=True)
    if "description" in data:
        out["description"] = clean_text(data["description"], "description", max_length=2000)
    return out


def _clean_targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = domain.clean_targets(data.get("targets"))
    wanted = {row["category_id"] for row in rows} - {None}
    known = set(Category.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for index, row in enumerate(rows):
        if row["category_id"] is not None and row["category_id"] not in known:
            raise InvalidInput(
                _("No category with id %(id)s.") % {"id": row["category_id"]},
                field=f"targets.{index}.category_id",
            )
    return rows


def targets_snapshot(policy: SlaPolicy) -> list[dict[str, Any]]:
    return [
        {
            "priority": t.priority,
            "category_id": t.category_id,
            **{n: getattr(t, n) for n in domain.TARGET_FIELDS},
        }
        for t in SlaTarget.objects.filter(policy=policy).order_by("priority", "category_id", "id")
    ]


def _write_targets(policy: SlaPolicy, rows: list[dict[str, Any]]) -> None:
    SlaTarget.objects.filter(policy=policy).delete()
    SlaTarget.objects.bulk_create(SlaTarget(policy=policy, **row) for row in rows)


@transaction.atomic
def create_sla_policy(actor: Actor, data: dict[str, Any]) -> SlaPolicy:
    """A tier with its targets (the four priorities without category at least; minutes > 0)."""
    fields = _clean_policy(data)
    require(fields, "name")
    _unique_name(SlaPolicy, fields["name"])
    rows = _clean_targets(data)
    policy = create_audited(actor, SlaPolicy, "sla_policy.create", fields)
    _write_targets(policy, rows)
    audit.record(actor, "sla_policy.targets", policy, after={"targets": targets_snapshot(policy)})
    return policy


@transaction.atomic
def update_sla_policy(
    actor: Actor, policy_id: int, data: dict[str, Any], expected_version: int | None = None
) -> SlaPolicy:
    """Edit the name, description or targets (``targets`` replaces the whole list)."""
    policy = _locked(SlaPolicy, policy_id)
    check_version(policy, expected_version)
    fields = _clean_policy(data)
    if "name" in fields:
        _unique_name(SlaPolicy, fields["name"], policy.pk)
    rows = _clean_targets(data) if "targets" in data else None
    version_before, targets_before = policy.version, targets_snapshot(policy)
    policy = update_audited(actor, policy, "sla_policy.update", fields, None)
    if rows is not None:
        _write_targets(policy, rows)
        after = targets_snapshot(policy)
        if after != targets_before:
            if policy.version == version_before:
                policy.version += 1
                policy.updated_at = clock.now()
                policy.save(update_fields=["version", "updated_at"])
            audit.record(
                actor,
                "sla_policy.targets",
                policy,
                before={"targets": targets_before},
                after={"targets": after},
            )
    return policy


@transaction.atomic
def delete_sla_policy(actor: Actor, policy_id: int) -> None:
    policy = _locked(SlaPolicy, policy_id)
    try:
        with transaction.atomic():
            before = targets_snapshot(policy)
            SlaTarget.objects.filter(policy=policy).delete()
            delete_audited(actor, policy, "sla_policy.delete")
    except ProtectedError:
        raise Conflict(_("Contracts still use this SLA policy."), field="id") from None
    audit.record(
        actor,
        "sla_policy.targets",
        object_type="contracts.slapolicy",
        object_id=policy_id,
        before={"targets": before},
    )
