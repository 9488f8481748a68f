"""Read side of customers: filtered lists scoped to the actor, shared by the API and the pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tournevis.core.actor import Actor
from tournevis.core.domain import clean_phone
from tournevis.customers.access import visible_contacts, visible_customers, visible_sites
from tournevis.customers.models import Contact, Customer, Site


def list_customers(
    actor: Actor, *, name: str | None = None, country: str | None = None, tier: str | None = None
) -> QuerySet[Customer]:
    rows = visible_customers(actor)
    if name and name.strip():
        rows = rows.filter(name__icontains=name.strip())
    if country and country.strip():
        rows = rows.filter(country=country.strip().upper())
    if tier:
        rows = rows.filter(tier=tier)
    return rows.order_by("name", "id")


def list_sites(
    actor: Actor,
    *,
    customer_id: int | None = None,
    country: str | None = None,
    city: str | None = None,
    q: str | None = None,
) -> QuerySet[Site]:
    rows = visible_sites(actor)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if country and country.strip():
        rows = rows.filter(country=country.strip().upper())
    if city and city.strip():
        rows = rows.filter(city__iexact=city.strip())
    if q and q.strip():
        term = q.strip()
        rows = rows.filter(Q(name__icontains=term) | Q(code__iexact=term) | Q(city__icontains=term))
    return rows.order_by("name", "id")


def list_contacts(
    actor: Actor, *, customer_id: int | None = None, site_id: int | None = None, phone: str | None = None
) -> QuerySet[Contact]:
    """``phone`` finds a caller by number in any notation (normalised to E.164 first)."""
    rows = visible_contacts(actor)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if phone:
        # An unencoded "+" in a query string arrives as a space: "?phone=+336…" still means +336….
        if phone.startswith(" ") and phone.strip()[:1].isdigit():
            phone = "+" + phone.strip()
        rows = rows.filter(phone=clean_phone(phone))
    return rows.order_by("name", "id")
