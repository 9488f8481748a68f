"""Helpers shared by every context's ``api.py``: pagination, ``ETag`` and ``If-Match``.

- Lists take ``page: Query[PageIn]`` (``limit`` 1-500, default 50; ``offset`` ≥ 0) and answer
  ``{"count": N, "items": [...]}`` built by ``paginate``; declare the response with ``page_of(Item)``.
- ``actor_of(request)`` is the authenticated actor; ``StrictIn`` bodies refuse unknown fields;
  ``referenced`` resolves an id named in a body through an ``access_*`` function.
- A versioned row is answered with ``ETag: "<version>"`` (``set_etag``); a PATCH reads
  ``If-Match: "<version>"`` with ``expected_version`` and, on a 412, puts the row's current state in the
  problem body (``current_state_as``).
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, create_model

from tournevis.core.actor import Actor
from tournevis.core.errors import InvalidInput, NotFound, PreconditionFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


def actor_of(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def referenced(find: Callable[[Actor, int], T], actor: Actor, pk: int, field: str) -> T:
    """An object named in a request body; one the actor may not see is a bad value of that field."""
    try:
        return find(actor, pk)
    except NotFound as exc:
        raise InvalidInput(exc.text(_), field=field) from None


class StrictIn(Schema):
    """A request body that refuses unknown fields (422 naming them) instead of ignoring them."""

    model_config = ConfigDict(extra="forbid")


class PageIn(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page (1-500).")
    offset: int = Field(0, ge=0, description="Rows to skip.")


_pages: dict[type, type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The response schema ``{"count": int, "items": [item]}``, named ``<Item>Page`` in OpenAPI."""
    if item not in _pages:
        name = item.__name__.removesuffix("Out") + "Page"
        _pages[item] = create_model(name, __base__=Schema, count=(int, ...), items=(list[item], ...))  # type: ignore[valid-type]
    return _pages[item]


def paginate(rows: "QuerySet[Any] | Sequence[Any]", page: PageIn) -> dict[str, Any]:
    """One page of ``rows`` and the total count (``QuerySet.count()`` is one query, not a fetch)."""
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return {"count": count, "items": list(rows[page.offset : page.offset + page.limit])}


def set_etag(response: HttpResponse, instance: Any) -> None:
    response["ETag"] = f'"{instance.version}"'


IF_MATCH = {  # openapi_extra of a PATCH that reads If-Match
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string", "example": '"3"'},
            "description": "The ETag read before editing; 412 with the current state if it changed since.",
        }
    ]
}

_TAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def expected_version(request: HttpRequest) -> int | None:
    """The version named by ``If-Match`` (``"3"``; ``*`` or no header: any version)."""
    value = request.headers.get("If-Match", "").strip()
    if value in ("", "*"):
        return None
    match = _TAG.match(value)
    if match is None:
        raise InvalidInput(
            _('If-Match must name one version as returned in the ETag header, e.g. "3".'), field="If-Match"
        )
    return int(match.group(1))


@contextmanager
def current_state_as(schema: type[Schema]) -> Iterator[None]:
    """On a 412, replace the stale row's model instance by its serialised state for the problem body."""
    try:
        yield
    except PreconditionFailed as exc:
        if exc.current is not None and not isinstance(exc.current, Schema):
            exc.current = schema.from_orm(exc.current)
        raise
