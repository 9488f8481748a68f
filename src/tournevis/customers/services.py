"""Use cases for customers, contacts and sites; each runs in one transaction and writes the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.editing import create_audited, delete_audited, require, update_audited
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.customers.domain import clean_contact, clean_customer, clean_site
from tournevis.customers.models import Contact, Customer, Site


def _locked(model: type[Customer] | type[Site] | type[Contact], pk: int) -> Any:
    instance = model.objects.select_for_update().filter(pk=pk).first()
    if instance is None:
        raise NotFound(_("No %(kind)s with id %(id)s.") % {"kind": model._meta.verbose_name, "id": pk})
    return instance


# --- Customers -------------------------------------------------------------------------------------


@transaction.atomic
def create_customer(actor: Actor, data: dict[str, Any]) -> Customer:
    fields = clean_customer(data)
    require(fields, "name", "country", "timezone")
    return create_audited(actor, Customer, "customer.create", fields)


@transaction.atomic
def update_customer(
    actor: Actor, customer_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Customer:
    customer = _locked(Customer, customer_id)
    fields = clean_customer({"country": customer.country, **data} if "phone" in data else data)
    return update_audited(actor, customer, "customer.update", fields, expected_version)


@transaction.atomic
def delete_customer(actor: Actor, customer_id: int) -> None:
    try:
        delete_audited(actor, _locked(Customer, customer_id), "customer.delete")
    except ProtectedError:
        raise Conflict(
            _("This customer still has sites, contacts, users or equipment; remove them first."), field="id"
        ) from None


# --- Sites -----------------------------------------------------------------------------------------


@transaction.atomic
def create_site(actor: Actor, customer_id: int, data: dict[str, Any]) -> Site:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise InvalidInput(_("No customer with id %(id)s.") % {"id": customer_id}, field="customer_id")
    fields = clean_site({"country": customer.country, "timezone": customer.timezone, **data})
    require(fields, "name")
    fields["customer"] = customer
    return create_audited(actor, Site, "site.create", fields)


@transaction.atomic
def update_site(
    actor: Actor, site_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Site:
    site = _locked(Site, site_id)
    fields = clean_site(data, country_hint=site.country)
    return update_audited(actor, site, "site.update", fields, expected_version)


@transaction.atomic
def delete_site(actor: Actor, site_id: int) -> None:
    """Delete a site; refused while service objects stand on it."""
    try:
        delete_audited(actor, _locked(Site, site_id), "site.delete")
    except ProtectedError:
        raise Conflict(
            _("This site still has service objects; move or remove them first."), field="id"
        ) from None


# --- Contacts --------------------------------------------------------------------------------------


def _site_of(customer_id: int, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = Site.objects.filter(pk=site_id, customer_id=customer_id).first()
    if site is None:
        raise InvalidInput(_("No site with id %(id)s at this customer.") % {"id": site_id}, field="site_id")
    return site


@transaction.atomic
def create_contact(actor: Actor, customer_id: int, data: dict[str, Any]) -> Contact:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise InvalidInput(_("No customer with id %(id)s.") % {"id": customer_id}, field="customer_id")
    fields = clean_contact({"language": customer.language, **data}, country=customer.country)
    require(fields, "name")
    fields["customer"] = customer
    fields["site"] = _site_of(customer.pk, data.get("site_id"))
    return create_audited(actor, Contact, "contact.create", fields)


@transaction.atomic
def update_contact(
    actor: Actor, contact_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Contact:
    contact = _locked(Contact, contact_id)
    fields = clean_contact(data, country=contact.customer.country)
    if "site_id" in data:
        fields["site"] = _site_of(contact.customer_id, data["site_id"])
    return update_audited(actor, contact, "contact.update", fields, expected_version)


@transaction.atomic
def delete_contact(actor: Actor, contact_id: int) -> None:
    delete_audited(actor, _locked(Contact, contact_id), "contact.delete")
