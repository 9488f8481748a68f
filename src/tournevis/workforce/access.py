"""The only way web code gets a technician or an absence.

Staff other than technicians see every technician; a technician sees only their own record (and its
absences); customer users never see the workforce. Anything else is NotFound (404), never Forbidden.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
from tournevis.identity.domain import Role
from tournevis.workforce.models import Absence, Technician


def visible_technicians(actor: Actor) -> QuerySet[Technician]:
    qs = Technician.objects.select_related("team", "user")
    if actor.is_customer:
        return qs.none()
    if actor.role == Role.TECHNICIAN:
        return qs.filter(user_id=actor.user_id) if actor.user_id is not None else qs.none()
    return qs


def access_technician(actor: Actor, technician_id: int) -> Technician:
    technician = visible_technicians(actor).filter(pk=technician_id).first()
    if technician is None:
        raise NotFound(_("No technician with id %(id)s.") % {"id": technician_id})
    return technician


def access_absence(actor: Actor, absence_id: int) -> Absence:
    absence = (
        Absence.objects.select_related("technician")
        .filter(pk=absence_id, technician__in=visible_technicians(actor))
        .first()
    )
    if absence is None:
        raise NotFound(_("No absence with id %(id)s.") % {"id": absence_id})
    return absence


def own_technician_id(actor: Actor) -> int | None:
    """The technician record of a user actor, if any."""
    if actor.user_id is None:
        return None
    return Technician.objects.filter(user_id=actor.user_id).values_list("pk", flat=True).first()
