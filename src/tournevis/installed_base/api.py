"""REST API of the installed base: catalogue, service-object tree, dated attributes, history, search."""

from datetime import UTC, date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from tournevis.core import clock
from tournevis.core.errors import InvalidInput
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
from tournevis.customers.access import access_site
from tournevis.customers.api import CustomerOut, SiteOut
from tournevis.identity import guard
from tournevis.installed_base import queries, services
from tournevis.installed_base.access import access_object
from tournevis.installed_base.models import Attribute, Category, EquipmentModel, ServiceObject

router = Router(tags=["installed base"])


# --- Catalogue -------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name_en: str
    name_fr: str


class CategoryIn(StrictIn):
    code: str
    name_en: str
    name_fr: str


class EquipmentModelOut(Schema):
    id: int
    manufacturer: str
    name: str
    category_id: int


class EquipmentModelIn(StrictIn):
    manufacturer: str
    name: str
    category_id: int


@router.get("/categories", response=page_of(CategoryOut), operation_id="list_categories")
@guard.api("api.categories.list")
def list_categories(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(Category.objects.order_by("code"), page)


@router.post("/categories", response={201: CategoryOut}, operation_id="create_category")
@guard.api("api.categories.create")
@idempotent
def create_category(request: HttpRequest, payload: CategoryIn) -> Status:
    return Status(201, services.create_category(actor_of(request), **payload.dict()))


@router.get("/equipment-models", response=page_of(EquipmentModelOut), operation_id="list_equipment_models")
@guard.api("api.models.list")
def list_equipment_models(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(EquipmentModel.objects.order_by("manufacturer", "name", "id"), page)


@router.post("/equipment-models", response={201: EquipmentModelOut}, operation_id="create_equipment_model")
@guard.api("api.models.create")
@idempotent
def create_equipment_model(request: HttpRequest, payload: EquipmentModelIn) -> Status:
    return Status(201, services.create_equipment_model(actor_of(request), **payload.dict()))


# --- Service objects -------------------------------------------------------------------------------


class ObjectOut(Schema):
    id: int
    site_id: int
    parent_id: int | None
    path: str
    depth: int
    name: str
    category_id: int | None
    category: str | None = Field(None, description="The category's code.")
    equipment_model_id: int | None
    equipment_model: str | None = Field(None, description="Manufacturer and model name.")
    serial_number: str
    install_date: date | None
    warranty_end: date | None
    owner_id: int | None
    manager_id: int | None
    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_category(obj: ServiceObject) -> str | None:
        return obj.category.code if obj.category is not None else None

    @staticmethod
    def resolve_equipment_model(obj: ServiceObject) -> str | None:
        return str(obj.equipment_model) if obj.equipment_model is not None else None


class ObjectRowOut(ObjectOut):
    """A row of one tree level: ``has_children`` tells whether it can be expanded."""

    has_children: bool


class _ObjectFields(StrictIn):
    category_id: int | None = None
    equipment_model_id: int | None = None
    serial_number: str | None = None
    install_date: date | None = None
    warranty_end: date | None = None
    owner_id: int | None = Field(None, description="Default: the site's customer.")
    manager_id: int | None = None
    status: str | None = None


class ObjectIn(_ObjectFields):
    site_id: int
    parent_id: int | None = None
    name: str


class ObjectPatch(_ObjectFields):
    site_id: int | None = Field(None, description="Move to another site of the same customer.")
    parent_id: int | None = Field(None, description="Move under another object (null: to the top).")
    name: str | None = None


class ObjectFilters(Schema):
    customer_id: int | None = None
    site_id: int | None = None
    parent_id: int | None = None
    category: str | None = Field(None, description="A category code.")
    status: str | None = None
    serial: str | None = None


@router.get("/objects", response=page_of(ObjectOut), operation_id="list_objects")
@guard.api("api.objects.list")
def list_objects(request: HttpRequest, filters: Query[ObjectFilters], page: Query[PageIn]) -> dict[str, Any]:
    try:
        rows = queries.list_objects(actor_of(request), **filters.dict())
    except InvalidInput as exc:  # the query parameter is "serial", the field it cleans "serial_number"
        raise InvalidInput(exc.text(_), field="serial") from None
    return paginate(rows, page)


@router.post("/objects", response={201: ObjectOut}, operation_id="create_object")
@guard.api("api.objects.create")
@idempotent
def create_object(request: HttpRequest, payload: ObjectIn, response: HttpResponse) -> Status:
    actor = actor_of(request)
    referenced(access_site, actor, payload.site_id, "site_id")
    obj = services.create_object(actor, payload.dict(exclude_unset=True))
    set_etag(response, obj)
    return Status(201, obj)


@router.get("/objects/{object_id}", response=ObjectOut, operation_id="get_object")
@guard.api("api.objects.get")
def get_object(request: HttpRequest, object_id: int, response: HttpResponse) -> ServiceObject:
    obj = access_object(actor_of(request), object_id)
    set_etag(response, obj)
    return obj


@router.patch(
    "/objects/{object_id}", response=ObjectOut, operation_id="update_object", openapi_extra=IF_MATCH
)
@guard.api("api.objects.update")
def update_object(
    request: HttpRequest, object_id: int, payload: ObjectPatch, response: HttpResponse
) -> ServiceObject:
    actor = actor_of(request)
    access_object(actor, object_id)
    data = payload.dict(exclude_unset=True)
    if data.get("site_id") is not None:
        referenced(access_site, actor, data["site_id"], "site_id")
    with current_state_as(ObjectOut):
        obj = services.update_object(actor, object_id, data, expected_version(request))
    set_etag(response, obj)
    return obj


@router.delete("/objects/{object_id}", response={204: None}, operation_id="delete_object")
@guard.api("api.objects.delete")
def delete_object(request: HttpRequest, object_id: int) -> Status:
    actor = actor_of(request)
    access_object(actor, object_id)
    services.delete_object(actor, object_id)
    return Status(204, None)


# --- Browsing the tree -----------------------------------------------------------------------------


@router.get("/sites/{site_id}/tree", response=page_of(ObjectRowOut), operation_id="get_site_tree")
@guard.api("api.objects.children")
def site_tree(request: HttpRequest, site_id: int, page: Query[PageIn]) -> dict[str, Any]:
    actor = actor_of(request)
    site = access_site(actor, site_id)
    return paginate(queries.children(actor, site_id=site.pk, parent_id=None), page)


@router.get(
    "/objects/{object_id}/children", response=page_of(ObjectRowOut), operation_id="list_object_children"
)
@guard.api("api.objects.children")
def object_children(request: HttpRequest, object_id: int, page: Query[PageIn]) -> dict[str, Any]:
    actor = actor_of(request)
    obj = access_object(actor, object_id)
    return paginate(queries.children(actor, site_id=obj.site_id, parent_id=obj.pk), page)


@router.get("/objects/{object_id}/subtree", response=page_of(ObjectOut), operation_id="get_object_subtree")
@guard.api("api.objects.subtree")
def object_subtree(request: HttpRequest, object_id: int, page: Query[PageIn]) -> dict[str, Any]:
    return paginate(queries.subtree(access_object(actor_of(request), object_id)), page)


# --- Attributes and history ------------------------------------------------------------------------


class AttributeValueOut(Schema):
    value: Any
    valid_from: datetime


class AttributesOut(Schema):
    object_id: int
    as_of: datetime
    attributes: dict[str, AttributeValueOut]


class AttributeIn(StrictIn):
    key: str
    value: Any
    valid_from: AwareDatetime | None = Field(None, description="Default: now.")


class AttributeOut(Schema):
    id: int
    object_id: int
    key: str
    value: Any
    valid_from: datetime
    recorded_at: datetime
    recorded_by: str

    @staticmethod
    def resolve_object_id(attribute: Attribute) -> int:
        return attribute.service_object_id

    @staticmethod
    def resolve_valid_from(attribute: Attribute) -> datetime:
        return attribute.valid_from.astimezone(UTC)  # as stored, whatever offset the client sent


class HistoryEntryOut(Schema):
    id: int
    at: datetime
    kind: str
    summary: str
    data: dict[str, Any]
    actor_label: str
    ref_type: str
    ref_id: str


def _as_of(value: str | None) -> date | datetime | None:
    """``2026-02-15`` (a day, in the site's time zone) or an ISO 8601 date-time; empty means now."""
    text = (value or "").strip()
    if not text:
        return None
    if "T" in text:
        text = text.replace(" ", "+")  # an unencoded "+02:00" arrives as " 02:00"
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("“%(value)s” is not a date (YYYY-MM-DD) or an ISO 8601 date-time.") % {"value": value},
            field="as_of",
        ) from None


@router.get("/objects/{object_id}/attributes", response=AttributesOut, operation_id="get_object_attributes")
@guard.api("api.objects.attributes")
def object_attributes(request: HttpRequest, object_id: int, as_of: str | None = None) -> dict[str, Any]:
    obj = access_object(actor_of(request), object_id)
    moment = queries.moment_for(_as_of(as_of), obj.site.timezone, clock.now())
    values = queries.attributes_as_of(obj, moment)
    return {
        "object_id": obj.pk,
        "as_of": moment,
        "attributes": {key: {"value": v.value, "valid_from": v.valid_from} for key, v in values.items()},
    }


@router.post(
    "/objects/{object_id}/attributes", response={201: AttributeOut}, operation_id="set_object_attribute"
)
@guard.api("api.objects.attributes.set")
@idempotent
def set_object_attribute(request: HttpRequest, object_id: int, payload: AttributeIn) -> Status:
    actor = actor_of(request)
    access_object(actor, object_id)
    attribute: Attribute = services.set_attribute(actor, object_id, **payload.dict())
    return Status(201, attribute)


@router.get(
    "/objects/{object_id}/history", response=page_of(HistoryEntryOut), operation_id="get_object_history"
)
@guard.api("api.objects.history")
def object_history(request: HttpRequest, object_id: int, page: Query[PageIn]) -> dict[str, Any]:
    obj = access_object(actor_of(request), object_id)
    return paginate(obj.history.all(), page)  # newest first (the model's ordering)


# --- Search ----------------------------------------------------------------------------------------


class SearchOut(Schema):
    query: str
    objects: list[ObjectOut]
    sites: list[SiteOut]
    customers: list[CustomerOut]


class SearchIn(Schema):
    q: str = Field(..., description="A serial (exact or prefix), or part of a name or city.")
    limit: int = Field(20, ge=1, le=100, description="At most this many rows per group.")


@router.get("/search", response=SearchOut, operation_id="search")
@guard.api("api.search")
def search(request: HttpRequest, params: Query[SearchIn]) -> queries.SearchResults:
    return queries.search(actor_of(request), params.q, limit=params.limit)
