"""The only way web code gets a part, a stock location, a transfer, a loaner or a loan.

Staff (but technicians) see every location; a technician sees only their own van (its levels, and
the transfers to or from it). Loaners and loans are visible to all staff. Customer users see nothing.
Anything else is NotFound (404), never Forbidden. Which roles may call which operation is the
permission table's business (identity/permissions.py); this module scopes the objects.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound, gettext_noop
from tournevis.identity.domain import Role
from tournevis.stock.domain import LocationKind
from tournevis.stock.models import Loan, Loaner, Location, Part, Transfer


def own_van_ids(actor: Actor) -> list[int] | None:
    """The locations an actor is limited to: None for office staff (every location), the technician's
    van (or nothing) for a technician, nothing for anybody else."""
    if actor.role == Role.TECHNICIAN:
        if actor.user_id is None:
            return []
        return list(
            Location.objects.filter(
                kind=LocationKind.VAN.value, technician__user_id=actor.user_id
            ).values_list("pk", flat=True)
        )
    if actor.is_customer:
        return []
    return None


def visible_locations(actor: Actor) -> QuerySet[Location]:
    limited = own_van_ids(actor)
    rows = Location.objects.select_related("technician", "site", "depot")
    return rows if limited is None else rows.filter(pk__in=limited)


def access_location(actor: Actor, location_id: int) -> Location:
    found = visible_locations(actor).filter(pk=location_id).first()
    if found is None:
        raise NotFound(gettext_noop("No stock location with id %(id)s."), id=location_id)
    return found


def access_part(actor: Actor, part_id: int) -> Part:
    found = Part.objects.filter(pk=part_id).first() if not actor.is_customer else None
    if found is None:
        raise NotFound(gettext_noop("No part with id %(id)s."), id=part_id)
    return found


def visible_transfers(actor: Actor) -> QuerySet[Transfer]:
    limited = own_van_ids(actor)
    rows = Transfer.objects.all()
    if limited is None:
        return rows
    return rows.filter(Q(source_id__in=limited) | Q(destination_id__in=limited))


def access_transfer(actor: Actor, transfer_id: int) -> Transfer:
    found = visible_transfers(actor).filter(pk=transfer_id).first()
    if found is None:
        raise NotFound(gettext_noop("No transfer with id %(id)s."), id=transfer_id)
    return found


def visible_loaners(actor: Actor) -> QuerySet[Loaner]:
    qs = Loaner.objects.select_related("equipment_model", "location")
    return qs.none() if actor.is_customer else qs


def visible_loans(actor: Actor) -> QuerySet[Loan]:
    qs = Loan.objects.select_related(
        "loaner", "loaner__equipment_model", "loaner__location", "customer", "site"
    )
    return qs.none() if actor.is_customer else qs


def access_loaner(actor: Actor, loaner_id: int) -> Loaner:
    found = visible_loaners(actor).filter(pk=loaner_id).first()
    if found is None:
        raise NotFound(gettext_noop("No loaner with id %(id)s."), id=loaner_id)
    return found


def access_loan(actor: Actor, loan_id: int) -> Loan:
    found = visible_loans(actor).filter(pk=loan_id).first()
    if found is None:
        raise NotFound(gettext_noop("No loan with id %(id)s."), id=loan_id)
    return found
