"""REST API of customers, contacts and sites: parse, access_*, one service call, serialise."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from tournevis.core.idempotency import idempotent
from tournevis.core.rest import (
    IF_MATCH,
    PageIn,
    StrictIn,
    actor_of,
    current_state_as,
    expected_version,
    page_of,
    paginate,
    referenced,
    set_etag,
)
from tournevis.customers import access, queries, services
from tournevis.customers.models import Contact, Customer, Site
from tournevis.identity import guard

router = Router(tags=["customers"])

# --- Customers -------------------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    name: str
    country: str
    language: str
    timezone: str
    vat_number: str
    tier: str
    phone: str
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerIn(StrictIn):
    name: str
    country: str
    timezone: str
    language: str = "en"
    vat_number: str = ""
    tier: str = "standard"
    phone: str = ""


class CustomerPatch(StrictIn):
    name: str | None = None
    country: str | None = None
    timezone: str | None = None
    language: str | None = None
    vat_number: str | None = None
    tier: str | None = None
    phone: str | None = None


class CustomerFilters(Schema):
    q: str | None = None
    country: str | None = None
    tier: str | None = None


@router.get("/customers", response=page_of(CustomerOut), operation_id="list_customers")
@guard.api("api.customers.list")
def list_customers(
    request: HttpRequest, filters: Query[CustomerFilters], page: Query[PageIn]
) -> dict[str, Any]:
    rows = queries.list_customers(
        actor_of(request), name=filters.q, country=filters.country, tier=filters.tier
    )
    return paginate(rows, page)


@router.post("/customers", response={201: CustomerOut}, operation_id="create_customer")
@guard.api("api.customers.create")
@idempotent
def create_customer(request: HttpRequest, payload: CustomerIn, response: HttpResponse) -> Status:
    customer = services.create_customer(actor_of(request), payload.dict(exclude_unset=True))
    set_etag(response, customer)
    return Status(201, customer)


@router.get("/customers/{customer_id}", response=CustomerOut, operation_id="get_customer")
@guard.api("api.customers.get")
def get_customer(request: HttpRequest, customer_id: int, response: HttpResponse) -> Customer:
    customer = access.access_customer(actor_of(request), customer_id)
    set_etag(response, customer)
    return customer


@router.patch(
    "/customers/{customer_id}", response=CustomerOut, operation_id="update_customer", openapi_extra=IF_MATCH
)
@guard.api("api.customers.update")
def update_customer(
    request: HttpRequest, customer_id: int, payload: CustomerPatch, response: HttpResponse
) -> Customer:
    actor = actor_of(request)
    access.access_customer(actor, customer_id)
    with current_state_as(CustomerOut):
        customer = services.update_customer(
            actor, customer_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, customer)
    return customer


@router.delete("/customers/{customer_id}", response={204: None}, operation_id="delete_customer")
@guard.api("api.customers.delete")
def delete_customer(request: HttpRequest, customer_id: int) -> Status:
    actor = actor_of(request)
    access.access_customer(actor, customer_id)
    services.delete_customer(actor, customer_id)
    return Status(204, None)


# --- Contacts --------------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    customer_id: int
    site_id: int | None
    name: str
    job_title: str
    email: str
    phone: str
    language: str
    notify_by_email: bool
    notify_by_sms: bool
    receives_reports: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ContactIn(StrictIn):
    customer_id: int
    site_id: int | None = None
    name: str
    job_title: str = ""
    email: str = ""
    phone: str = ""
    language: str = "en"
    notify_by_email: bool = True
    notify_by_sms: bool = False
    receives_reports: bool = False


class ContactPatch(StrictIn):
    site_id: int | None = None
    name: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    notify_by_email: bool | None = None
    notify_by_sms: bool | None = None
    receives_reports: bool | None = None


class ContactFilters(Schema):
    customer_id: int | None = None
    site_id: int | None = None
    phone: str | None = None


@router.get("/contacts", response=page_of(ContactOut), operation_id="list_contacts")
@guard.api("api.contacts.list")
def list_contacts(
    request: HttpRequest, filters: Query[ContactFilters], page: Query[PageIn]
) -> dict[str, Any]:
    return paginate(queries.list_contacts(actor_of(request), **filters.dict()), page)


@router.post("/contacts", response={201: ContactOut}, operation_id="create_contact")
@guard.api("api.contacts.create")
@idempotent
def create_contact(request: HttpRequest, payload: ContactIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    referenced(access.access_customer, actor, payload.customer_id, "customer_id")
    data = payload.dict(exclude_unset=True)
    contact = services.create_contact(actor, data.pop("customer_id"), data)
    set_etag(response, contact)
    return Status(201, contact)


@router.get("/contacts/{contact_id}", response=ContactOut, operation_id="get_contact")
@guard.api("api.contacts.get")
def get_contact(request: HttpRequest, contact_id: int, response: HttpResponse) -> Contact:
    contact = access.access_contact(actor_of(request), contact_id)
    set_etag(response, contact)
    return contact


@router.patch(
    "/contacts/{contact_id}", response=ContactOut, operation_id="update_contact", openapi_extra=IF_MATCH
)
@guard.api("api.contacts.update")
def update_contact(
    request: HttpRequest, contact_id: int, payload: ContactPatch, response: HttpResponse
) -> Contact:
    actor = actor_of(request)
    access.access_contact(actor, contact_id)
    with current_state_as(ContactOut):
        contact = services.update_contact(
            actor, contact_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, contact)
    return contact


@router.delete("/contacts/{contact_id}", response={204: None}, operation_id="delete_contact")
@guard.api("api.contacts.delete")
def delete_contact(request: HttpRequest, contact_id: int) -> Status:
    actor = actor_of(request)
    access.access_contact(actor, contact_id)
    services.delete_contact(actor, contact_id)
    return Status(204, None)


# --- Sites -----------------------------------------------------------------------------------------


class SiteOut(Schema):
    id: int
    customer_id: int
    name: str
    code: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    region: str
    country: str
    latitude: float | None
    longitude: float | None
    timezone: str
    access_hours: dict[str, list[list[str]]]
    access_notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class SitePatch(StrictIn):
    name: str | None = None
    code: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    access_hours: dict[str, Any] | None = None
    access_notes: str | None = None


class SiteIn(StrictIn):
    """A new site takes its customer's country and time zone unless they are given."""

    customer_id: int
    name: str
    code: str = ""
    address_line1: str = ""
    address_line2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    access_hours: dict[str, Any] | None = None
    access_notes: str = ""


class SiteFilters(Schema):
    customer_id: int | None = None
    country: str | None = None
    city: str | None = None
    q: str | None = None


@router.get("/sites", response=page_of(SiteOut), operation_id="list_sites")
@guard.api("api.sites.list")
def list_sites(request: HttpRequest, filters: Query[SiteFilters], page: Query[PageIn]) -> dict[str, Any]:
    return paginate(queries.list_sites(actor_of(request), **filters.dict()), page)


@router.post("/sites", response={201: SiteOut}, operation_id="create_site")
@guard.api("api.sites.create")
@idempotent
def create_site(request: HttpRequest, payload: SiteIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    referenced(access.access_customer, actor, payload.customer_id, "customer_id")
    data = payload.dict(exclude_unset=True)
    site = services.create_site(actor, data.pop("customer_id"), data)
    set_etag(response, site)
    return Status(201, site)


@router.get("/sites/{site_id}", response=SiteOut, operation_id="get_site")
@guard.api("api.sites.get")
def get_site(request: HttpRequest, site_id: int, response: HttpResponse) -> Site:
    site = access.access_site(actor_of(request), site_id)
    set_etag(response, site)
    return site


@router.patch("/sites/{site_id}", response=SiteOut, operation_id="update_site", openapi_extra=IF_MATCH)
@guard.api("api.sites.update")
def update_site(request: HttpRequest, site_id: int, payload: SitePatch, response: HttpResponse) -> Site:
    actor = actor_of(request)
    access.access_site(actor, site_id)
    with current_state_as(SiteOut):
        site = services.update_site(
            actor, site_id, payload.dict(exclude_unset=True), expected_version(request)
        )
    set_etag(response, site)
    return site


@router.delete("/sites/{site_id}", response={204: None}, operation_id="delete_site")
@guard.api("api.sites.delete")
def delete_site(request: HttpRequest, site_id: int) -> Status:
    actor = actor_of(request)
    access.access_site(actor, site_id)
    services.delete_site(actor, site_id)
    return Status(204, None)
