"""Helpers for API tests: JSON calls, problem bodies, and a fingerprint proving nothing was written."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.db.models import Sum
from django.test import Client

from tournevis.core.models import AuditEvent

TRACKED_APPS = (
    "core",
    "identity",
    "customers",
    "installed_base",
    "contracts",
    "notifications",
    "workorders",
    "tickets",
    "telemetry",
    "workforce",
    "dispatch",
    "stock",
    "mobile",
    "django_tasks_db",
)
PROBLEM = "application/problem+json"


class Multipart(dict):  # type: ignore[type-arg]
    """Form fields and files sent as multipart/form-data (values may be file objects)."""


def call(
    client: Client, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    """``body``: a JSON value (dumped), str/bytes sent as they are, or ``Multipart`` form fields/files."""
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if isinstance(body, Multipart):
        kwargs["data"] = dict(body)
    elif body is not None:
        kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
        kwargs["content_type"] = "application/json"
    return getattr(client, method.lower())(f"/api/v1{path}", **kwargs)


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of a refused call (asserting the status and the media type)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def fields_of(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def db_state() -> dict[str, tuple[Any, ...]]:
    """Row counts of every project table, plus the sums that move on an update or a revocation."""
    state: dict[str, tuple[Any, ...]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in TRACKED_APPS:
            continue
        rows = model._default_manager.all()
        names = {field.name for field in model._meta.concrete_fields}
        marks: list[Any] = [rows.count()]
        if "version" in names:
            marks.append(rows.aggregate(total=Sum("version"))["total"])
        if "revoked_at" in names:
            marks.append(rows.filter(revoked_at__isnull=False).count())
        if "is_active" in names:
            marks.append(rows.filter(is_active=True).count())
        state[model._meta.label] = tuple(marks)
    return state


def audit_count() -> int:
    return AuditEvent.objects.count()
