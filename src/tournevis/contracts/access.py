"""The only way web code gets a contract, calendar or SLA policy.

A customer user sees its own customer's contracts only (anything else is NotFound, never Forbidden);
calendars and SLA policies are staff data (the permission table keeps customer users out).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tournevis.contracts.models import Calendar, CalendarAssignment, Contract, SlaPolicy
from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound


def visible_contracts(actor: Actor) -> QuerySet[Contract]:
    qs = Contract.objects.select_related("customer")
    return qs.filter(customer_id=actor.own_customer_id()) if actor.is_customer else qs


def access_contract(actor: Actor, contract_id: int) -> Contract:
    contract = visible_contracts(actor).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound(_("No contract with id %(id)s.") % {"id": contract_id})
    return contract


def access_calendar(actor: Actor, calendar_id: int) -> Calendar:
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("No calendar with id %(id)s.") % {"id": calendar_id})
    return calendar


def access_assignment(actor: Actor, assignment_id: int) -> CalendarAssignment:
    assignment = CalendarAssignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("No calendar assignment with id %(id)s.") % {"id": assignment_id})
    return assignment


def access_sla_policy(actor: Actor, policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("No SLA policy with id %(id)s.") % {"id": policy_id})
    return policy
