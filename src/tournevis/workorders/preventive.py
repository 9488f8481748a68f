"""Generation of preventive work orders from contracts' preventive plans (run by the worker tick).

For each active plan of an active contract, in one transaction per plan (the plan row locked):

- today is ``now`` in the contract customer's time zone, the horizon ends ``horizon_days`` later
  (``settings.PREVENTIVE_HORIZON_DAYS``);
- the objects are the plan's object, or every object of the plan's category that the contract covers
  today; only objects whose status is active;
- the occurrences are those of ``contracts.preventive`` due from the plan's start (and the contract's
  start) to the horizon's end (and the contract's end). Every missing one is created, overdue ones too
  with their original due date, so a missed tick catches up;
- ``(plan, object, occurrence key)`` is unique in the database: running twice creates nothing twice.

Each work order is created ``ready`` with the plan's tolerance as its window, its first visit
(unscheduled, for the planner), a status-change row and one audit event. Numbers: ``WO-YYYY-NNNNNN`` by
year of creation (``lifecycle.next_number``).

Under a **subscription** contract (the customer pays per service, so is told when one is due), each
work order created also queues, in the same transaction, a "service due" e-mail to the contract's
account manager (if active with an address) and to every contact of the customer who wants e-mail
notices and has an address, at the work order's site or at no particular site — each in the
recipient's language. Notices go with the creation, so running twice sends nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import formats, translation
from django.utils.translation import gettext as _

from tournevis.contracts import preventive, queries
from tournevis.contracts.domain import ContractType
from tournevis.contracts.domain import Status as ContractStatus
from tournevis.contracts.models import Contract, PreventivePlan
from tournevis.core import audit
from tournevis.core.actor import Actor
from tournevis.customers.models import Contact
from tournevis.installed_base.domain import ObjectStatus
from tournevis.installed_base.models import Attribute, ServiceObject
from tournevis.notifications.services import queue_email
from tournevis.workorders import lifecycle
from tournevis.workorders.domain import Kind, Status
from tournevis.workorders.models import WorkOrder

ACTOR = Actor.system("workorders")


def _readings(obj: ServiceObject, key: str, start: date, now: datetime) -> list[preventive.Reading]:
    """Numeric readings of ``key`` recorded by ``now``: the last one before ``start`` (the baseline)
    and every one from ``start`` on, dated in the site's time zone."""
    zone = ZoneInfo(obj.site.timezone)
    rows: list[preventive.Reading] = []
    for value, valid_from in (
        Attribute.objects.filter(service_object=obj, key=key, valid_from__lte=now)
        .order_by("valid_from", "id")
        .values_list("value", "valid_from")
    ):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        rows.append(preventive.Reading(valid_from.astimezone(zone).date(), float(value)))
    before = [r for r in rows if r.day < start]
    return before[-1:] + [r for r in rows if r.day >= start]


def occurrences(
    plan: PreventivePlan, obj: ServiceObject, since: date, until: date, now: datetime
) -> list[preventive.Occurrence]:
    if plan.unit == preventive.Unit.COUNTER:
        found = preventive.counter_occurrences(
            _readings(obj, plan.counter_key, since, now), plan.every, until
        )
        return [o for o in found if o.due >= since]
    return list(preventive.calendar_occurrences(plan.start_date, plan.unit, plan.every, since, until))


def _objects(plan: PreventivePlan, contract: Contract, today: date) -> list[ServiceObject]:
    covered = queries.covered_objects(contract, today, plan.category_id)
    if plan.service_object_id is not None:
        covered = [o for o in covered if o.pk == plan.service_object_id]
    return [o for o in covered if o.status == ObjectStatus.ACTIVE]


def _recipients(contract: Contract, site_id: int) -> list[tuple[str, str]]:
    """(address, language) of who is told a service is due at ``site_id``, manager first."""
    out: list[tuple[str, str]] = []
    manager = contract.account_manager
    if manager is not None and manager.is_active and manager.email:
        out.append((manager.email, manager.language or "en"))
    contacts = (
        Contact.objects.filter(customer_id=contract.customer_id, notify_by_email=True)
        .filter(Q(site_id=site_id) | Q(site__isnull=True))
        .exclude(email="")
        .order_by("name", "id")
    )
    out += [(c.email, c.language or "en") for c in contacts]
    return out


def _service_due(
    order: WorkOrder, plan: PreventivePlan, obj: ServiceObject, days: tuple[date, date, date], language: str
) -> tuple[str, str]:
    """Subject and body of the notice in ``language``; ``days``: the due date, window start and end."""
    due, start, end = days
    with translation.override(language):
        params = {
            "plan": plan.name,
            "object": obj.name,
            "site": obj.site.name,
            "start": formats.date_format(start, "DATE_FORMAT"),
            "end": formats.date_format(end, "DATE_FORMAT"),
            "due": formats.date_format(due, "DATE_FORMAT"),
            "number": order.number,
            "contract": plan.contract.number,
        }
        subject = _("Service due: %(plan)s on %(object)s, window %(start)s – %(end)s") % params  # noqa: RUF001
        body = (
            _(
                "A service is due under contract %(contract)s.\n\n"
                "Service: %(plan)s\nEquipment: %(object)s\nSite: %(site)s\n"
                "Due on: %(due)s\nWindow: %(start)s – %(end)s\nWork order: %(number)s"  # noqa: RUF001
            )
            % params
        )
    return subject, body


def _notify_due(
    order: WorkOrder, plan: PreventivePlan, obj: ServiceObject, days: tuple[date, date, date]
) -> int:
    """Queue the "service due" e-mails of a subscription's new work order; how many."""
    recipients = _recipients(plan.contract, order.site_id)
    for address, language in recipients:
        subject, body = _service_due(order, plan, obj, days, language)
        queue_email(ACTOR, to=address, subject=subject, body=body, purpose="workorder.service_due")
    return len(recipients)


@transaction.atomic
def generate_for_plan(plan_id: int, now: datetime, horizon_days: int) -> int:
    plan = (
        PreventivePlan.objects.select_for_update(of=("self",))
        .select_related("contract__customer", "contract__account_manager")
        .filter(pk=plan_id, active=True, contract__status=ContractStatus.ACTIVE)
        .first()
    )
    if plan is None:
        return 0
    contract = plan.contract
    today = now.astimezone(ZoneInfo(contract.customer.timezone)).date()
    if not contract.start_date <= today <= contract.end_date:
        return 0
    since = max(plan.start_date, contract.start_date)
    until = min(today + timedelta(days=horizon_days), contract.end_date)
    existing = set(
        WorkOrder.objects.filter(source_plan=plan).values_list("service_object_id", "occurrence_key")
    )
    created = 0
    for obj in _objects(plan, contract, today):
        for occurrence in occurrences(plan, obj, since, until, now):
            if (obj.pk, occurrence.key) in existing:
                continue
            existing.add((obj.pk, occurrence.key))
            start, end = preventive.window(
                occurrence.due, plan.tolerance_before_days, plan.tolerance_after_days
            )
            order = WorkOrder.objects.create(
                number=lifecycle.next_number(now),
                kind=Kind.PREVENTIVE,
                status=Status.READY,
                customer_id=contract.customer_id,
                site_id=obj.site_id,
                service_object=obj,
                contract=contract,
                due_date=occurrence.due,
                window_start=start,
                window_end=end,
                source_plan=plan,
                occurrence_key=occurrence.key,
                title=f"{plan.name}: {obj.name}"[:300],
                notes=plan.name,
                created_at=now,
                updated_at=now,
            )
            lifecycle.log_change(ACTOR, order, None, "", order.status, now)
            lifecycle.new_visit(ACTOR, order, now)
            audit.record(ACTOR, "workorder.generate", order, after=audit.snapshot(order))
            if contract.type == ContractType.SUBSCRIPTION:
                _notify_due(order, plan, obj, (occurrence.due, start, end))
            created += 1
    return created


def generate_preventive(now: datetime, horizon_days: int | None = None) -> int:
    """Create the missing preventive work orders due by ``now`` + the horizon; the number created."""
    horizon = settings.PREVENTIVE_HORIZON_DAYS if horizon_days is None else horizon_days
    plan_ids = PreventivePlan.objects.filter(active=True, contract__status=ContractStatus.ACTIVE).order_by(
        "id"
    )
    return sum(generate_for_plan(pk, now, horizon) for pk in plan_ids.values_list("pk", flat=True))


def tick(now: datetime) -> dict[str, int]:
    return {"preventive_work_orders_created": generate_preventive(now)}
