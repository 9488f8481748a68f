"""REST API of checklist templates (managers write, office staff read): list, create, get, patch.

A template applies to the visits on equipment of its category (none: any) and of its work kind
(blank: any). Its items come in order; a PATCH with ``items`` replaces the whole list — name an
existing item's ``id`` to keep it (and its results on visits). The rules are ``workorders.checklists``'.
Creation takes an ``Idempotency-Key``; a PATCH takes ``If-Match`` (412 with the current state).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator

from tournevis.core.errors import NotFound, gettext_noop
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
    set_etag,
)
from tournevis.identity import guard
from tournevis.workorders import checklists
from tournevis.workorders.domain_records import decimal_text
from tournevis.workorders.models import ChecklistItem, ChecklistTemplate

router = Router(tags=["checklists"])


def _number(value: Any) -> Any:
    return decimal_text(value) if isinstance(value, Decimal) else value


Number = Annotated[str | None, BeforeValidator(_number)]
ItemKind = Literal["check", "number", "text", "choice", "photo"]
WorkKind = Literal["", "corrective", "preventive", "installation", "remote"]


class ChoiceSchema(StrictIn):
    value: str
    en: str
    fr: str = ""


class ChecklistItemIn(StrictIn):
    id: int | None = None
    label_en: str
    label_fr: str = ""
    kind: ItemKind
    required: bool = False
    minimum: int | float | str | None = None
    maximum: int | float | str | None = None
    unit: str = ""
    choices: list[ChoiceSchema] = []


class ChecklistItemOut(Schema):
    id: int
    position: int
    label_en: str
    label_fr: str
    kind: str
    required: bool
    minimum: Number
    maximum: Number
    unit: str
    choices: list[dict[str, str]]


class ChecklistOut(Schema):
    id: int
    code: str
    name_en: str
    name_fr: str
    category_id: int | None
    kind: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
    items: list[ChecklistItemOut]

    @staticmethod
    def resolve_items(obj: ChecklistTemplate | dict[str, Any]) -> list[Any]:
        if isinstance(obj, dict):
            return list(obj.get("items", []))
        return list(ChecklistItem.objects.filter(template=obj).order_by("position"))


class ChecklistIn(StrictIn):
    code: str
    name_en: str
    name_fr: str = ""
    category_id: int | None = None
    kind: WorkKind = ""
    active: bool = True
    items: list[ChecklistItemIn] = []


class ChecklistPatch(StrictIn):
    code: str | None = None
    name_en: str | None = None
    name_fr: str | None = None
    category_id: int | None = None
    kind: WorkKind | None = None
    active: bool | None = None
    items: list[ChecklistItemIn] | None = None


class ChecklistFilters(Schema):
    active: bool | None = None
    category_id: int | None = None
    kind: WorkKind | None = None


def _template(template_id: int) -> ChecklistTemplate:
    found = ChecklistTemplate.objects.filter(pk=template_id).first()
    if found is None:
        raise NotFound(gettext_noop("No checklist with id %(id)s."), id=template_id)
    return found


def _data(payload: StrictIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    for name in ("code", "name_en", "name_fr", "kind", "active"):
        if name in data and data[name] is None:
            del data[name]  # null: unchanged
    if "items" in data and data["items"] is None:
        del data["items"]
    for item in data.get("items", []):
        if item.get("id") is None:
            item.pop("id", None)
    return data


@router.get("/checklists", response=page_of(ChecklistOut), operation_id="list_checklists")
@guard.api("api.checklists.list")
def list_checklists(
    request: HttpRequest, filters: Query[ChecklistFilters], page: Query[PageIn]
) -> dict[str, Any]:
    rows = ChecklistTemplate.objects.order_by("code")
    if filters.active is not None:
        rows = rows.filter(active=filters.active)
    if filters.category_id is not None:
        rows = rows.filter(category_id=filters.category_id)
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    return paginate(rows, page)


@router.post("/checklists", response={201: ChecklistOut}, operation_id="create_checklist")
@guard.api("api.checklists.create")
@idempotent
def create_checklist(request: HttpRequest, payload: ChecklistIn, response: HttpResponse) -> Status:
    """A template with its items in order (positions 1, 2, …)."""
    template = checklists.create_template(actor_of(request), _data(payload))
    set_etag(response, template)
    return Status(201, template)


@router.get("/checklists/{checklist_id}", response=ChecklistOut, operation_id="get_checklist")
@guard.api("api.checklists.get")
def get_checklist(request: HttpRequest, checklist_id: int, response: HttpResponse) -> ChecklistTemplate:
    template = _template(checklist_id)
    set_etag(response, template)
    return template


@router.patch(
    "/checklists/{checklist_id}",
    response=ChecklistOut,
    operation_id="update_checklist",
    openapi_extra=IF_MATCH,
)
@guard.api("api.checklists.update")
def update_checklist(
    request: HttpRequest, checklist_id: int, payload: ChecklistPatch, response: HttpResponse
) -> ChecklistTemplate:
    """Change fields; with ``items``, the whole list (items named by ``id`` keep their results)."""
    _template(checklist_id)
    with current_state_as(ChecklistOut):
        template = checklists.update_template(
            actor_of(request), checklist_id, _data(payload), expected_version(request)
        )
    set_etag(response, template)
    return template
