"""The only way web code gets a service object: scoped to the actor (a customer user: its own sites)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
from tournevis.installed_base.models import ServiceObject


def visible_objects(actor: Actor) -> QuerySet[ServiceObject]:
    qs = ServiceObject.objects.all()
    return qs.filter(site__customer_id=actor.own_customer_id()) if actor.is_customer else qs


def access_object(actor: Actor, object_id: int) -> ServiceObject:
    obj = (
        visible_objects(actor)
        .select_related("site", "site__customer", "category", "equipment_model", "parent", "owner", "manager")
        .filter(pk=object_id)
        .first()
    )
    if obj is None:
        raise NotFound(_("No service object with id %(id)s.") % {"id": object_id})
    return obj
