"""The only way web code gets a work order or a visit.

Staff (admin, manager, dispatcher, agent) see all of them. A technician sees the work orders with a
visit assigned to them (any of its visits, past ones included) and acts only on their own visits. A
customer user sees its own customer's work orders, read-only (the permission table gives it no write).
Anything else is NotFound (404), never Forbidden.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
from tournevis.identity.domain import Role
from tournevis.workorders.models import Visit, WorkOrder


def visible_work_orders(actor: Actor) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.select_related("customer", "site", "service_object", "ticket", "contract")
    if actor.is_customer:
        return qs.filter(customer_id=actor.own_customer_id())
    if actor.role == Role.TECHNICIAN:
        mine = Visit.objects.filter(work_order=OuterRef("pk"), technician__user_id=actor.own_user_id())
        return qs.filter(Exists(mine))
    return qs


def visible_visits(actor: Actor) -> QuerySet[Visit]:
    qs = Visit.objects.select_related("technician", "work_order")
    if actor.is_customer:
        return qs.filter(work_order__customer_id=actor.own_customer_id())
    if actor.role == Role.TECHNICIAN:
        mine = Visit.objects.filter(
            work_order=OuterRef("work_order_id"), technician__user_id=actor.own_user_id()
        )
        return qs.filter(Exists(mine))
    return qs


def access_work_order(actor: Actor, work_order_id: int) -> WorkOrder:
    found = visible_work_orders(actor).filter(pk=work_order_id).first()
    if found is None:
        raise NotFound(_("No work order with id %(id)s.") % {"id": work_order_id})
    return found


def access_visit(actor: Actor, visit_id: int, *, acting: bool = False) -> Visit:
    """A visit of a visible work order. ``acting`` (the visit is being changed): a technician's own
    visits only."""
    rows = visible_visits(actor).filter(pk=visit_id)
    if acting and actor.role == Role.TECHNICIAN:
        rows = rows.filter(technician__user_id=actor.own_user_id())
    found = rows.first()
    if found is None:
        raise NotFound(_("No visit with id %(id)s.") % {"id": visit_id})
    return found
