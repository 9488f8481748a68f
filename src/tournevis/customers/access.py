"""The only way web code gets a customer, site or contact: scoped to what the actor may see.

A customer user sees its own customer only; anything else is NotFound (404), never Forbidden.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound
from tournevis.customers.models import Contact, Customer, Site


def visible_customers(actor: Actor) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    return qs.filter(pk=actor.own_customer_id()) if actor.is_customer else qs


def visible_sites(actor: Actor) -> QuerySet[Site]:
    qs = Site.objects.select_related("customer")
    return qs.filter(customer_id=actor.own_customer_id()) if actor.is_customer else qs


def visible_contacts(actor: Actor) -> QuerySet[Contact]:
    qs = Contact.objects.select_related("customer", "site")
    return qs.filter(customer_id=actor.own_customer_id()) if actor.is_customer else qs


def access_customer(actor: Actor, customer_id: int) -> Customer:
    customer = visible_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No customer with id %(id)s.") % {"id": customer_id})
    return customer


def access_site(actor: Actor, site_id: int) -> Site:
    site = visible_sites(actor).filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No site with id %(id)s.") % {"id": site_id})
    return site


def access_contact(actor: Actor, contact_id: int) -> Contact:
    contact = visible_contacts(actor).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No contact with id %(id)s.") % {"id": contact_id})
    return contact
