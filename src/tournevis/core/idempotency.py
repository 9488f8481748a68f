"""``Idempotency-Key`` for API writes a client may retry (DESIGN rule 5).

Put ``@idempotent`` directly above the view function, under the route and ``guard.api`` decorators::

    @router.post("/customers", response={201: CustomerOut}, operation_id="create_customer")
    @guard.api("api.customers.create")
    @idempotent
    def create_customer(request, payload: CustomerIn): ...

A request without the header runs as usual. With it:

- the whole operation (authentication included) runs in one transaction, and a 2xx answer is stored
  with the key in that same transaction: the key exists exactly when the change was committed;
- a retry with the same key, method, path and body gets the stored answer (same status, body and
  ``ETag``/``Location``) with ``Idempotent-Replayed: true`` and writes nothing;
- the same key with another body (or on another operation) is refused with 422 naming the header;
- a refused request (4xx) stores no key and leaves nothing behind, so it can be corrected and resent.

Two concurrent requests with one key: the second waits on the unique index, fails, and is answered
with the first one's stored response (or the 422 above).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, RawPostDataException
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja.utils import contribute_operation_callback

from tournevis.core import clock
from tournevis.core.errors import InvalidInput
from tournevis.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Content-Type", "ETag", "Location")
MAX_KEY_LENGTH = 255

F = TypeVar("F", bound=Callable[..., Any])
_PENDING = "_tournevis_idempotency"


class _Raced(Exception):
    """Another request stored the same key first; this one's transaction must roll back."""


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    """What identifies this request's key, or None when there is no key (or no user to scope it)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            _("An idempotency key is 1 to %(max)s printable ASCII characters.") % {"max": MAX_KEY_LENGTH},
            field=HEADER,
        )
    user_id = getattr(getattr(request, "auth", None), "user_id", None)
    if user_id is None:
        return None
    return {
        "key": key,
        "actor_user_id": user_id,
        "method": request.method or "",
        "path": request.path[:500],
        "body_sha256": _body_digest(request),
    }


def _body_digest(request: HttpRequest) -> str:
    """SHA-256 of the request body; for a multipart body the API layer has already parsed (its raw
    bytes are gone), of its fields and its files' names and contents instead."""
    try:
        return hashlib.sha256(request.body).hexdigest()
    except RawPostDataException:
        digest = hashlib.sha256()
        for name, values in sorted(request.POST.lists()):
            for value in values:
                digest.update(f"field {name}={value}\n".encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(f"file {name}={upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()


def _replay(stored: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(stored.response_body, status=stored.status)
    for name, value in stored.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _check_replay(pending: dict[str, Any]) -> HttpResponse | None:
    stored = IdempotencyKey.objects.filter(actor_user_id=pending["actor_user_id"], key=pending["key"]).first()
    if stored is None:
        return None
    if (stored.method, stored.path, stored.body_sha256) != (
        pending["method"],
        pending["path"],
        pending["body_sha256"],
    ):
        raise InvalidInput(
            _("This idempotency key was already used for a different request; use a new key."),
            field=HEADER,
        )
    return _replay(stored)


def _store(pending: dict[str, Any], response: HttpResponseBase) -> None:
    content = getattr(response, "content", b"")
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                **pending,
                status=response.status_code,
                response_body=content.decode(response.charset or "utf-8"),
                response_headers={name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
                created_at=clock.now(),
            )
    except IntegrityError:
        raise _Raced from None


def _in_transaction(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap an operation's ``run``: one transaction per keyed request, the key stored inside it."""

    def attempt(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        with transaction.atomic():
            response = run(request, **kwargs)
            pending = getattr(request, _PENDING, None)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
            elif pending is not None:
                _store(pending, response)
            return response

    @wraps(run)
    def run_once(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        if HEADER not in request.headers:
            return run(request, **kwargs)
        try:
            return attempt(request, **kwargs)
        except _Raced:
            # The other request has committed its key by now: this attempt is answered from it.
            setattr(request, _PENDING, None)
            return attempt(request, **kwargs)

    return run_once


def _contribute(operation: Any) -> None:
    # Like ninja's ``decorate_view``: recorded in ``_run_decorators`` so that ninja re-applies it to
    # the copy of the operation it makes when a router is bound to an API.
    operation.__dict__.setdefault("_run_decorators", []).append(_in_transaction)
    operation.run = _in_transaction(operation.run)
    # A copy: openapi_extra may be a shared constant (rest.IF_MATCH) that other operations use too.
    extra = operation.openapi_extra = dict(operation.openapi_extra or {})
    extra["parameters"] = list(extra.get("parameters", []))
    extra["parameters"].append(
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
            "description": "Send the same key when retrying: the first answer is replayed, nothing is "
            "written twice.",
        }
    )


def idempotent(view: F) -> F:
    """Honour ``Idempotency-Key`` on an API operation that creates something (see module docstring)."""

    @wraps(view)
    def once(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        pending = _pending(request)
        if pending is not None:
            replayed = _check_replay(pending)
            if replayed is not None:
                return replayed
        setattr(request, _PENDING, pending)
        return view(request, *args, **kwargs)

    contribute_operation_callback(once, _contribute)
    return once  # type: ignore[return-value]


def purge(before: datetime) -> int:
    """Forget keys stored before ``before`` (a retry later than that runs again); returns the count."""
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted
