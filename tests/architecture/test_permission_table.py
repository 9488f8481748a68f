"""Deny by default: every routed page and API operation declares an operation from the permission table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tournevis.identity.guard import OPERATION_ATTR, PUBLIC_ATTR
from tournevis.identity.permissions import PERMISSIONS
from tournevis.web.api import api

# Routes that are public on purpose: sign-in pages, the language switch, the API's schema and docs,
# technicians' calendar feeds (a revocable token in the URL: calendar clients cannot sign in).
PUBLIC_NAMES = {
    "calendar_feed",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    # the technician app (/m/): a manifest is fetched without cookies; the worker script holds no data
    "manifest",
    "service_worker",
}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name or "", entry.callback


def api_operations() -> list[tuple[str, str, Any]]:
    """(method, path, view function) for every operation mounted on /api/v1."""
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append((method, prefix + path, operation.view_func))
    return found


def test_every_page_declares_an_operation_or_is_public() -> None:
    undeclared = []
    for namespace, name, callback in _walk(get_resolver().url_patterns):
        if namespace in {"admin", "api"}:
            continue  # admin: admins only (middleware); api: checked operation by operation below
        operation = getattr(callback, OPERATION_ATTR, None)
        if operation is None and not getattr(callback, PUBLIC_ATTR, False):
            undeclared.append(f"{namespace}:{name}")
        if getattr(callback, PUBLIC_ATTR, False):
            assert name in PUBLIC_NAMES, f"{name} is public but not in the reviewed list"
        if operation is not None:
            assert operation in PERMISSIONS
    assert undeclared == []


def test_every_api_operation_declares_an_operation() -> None:
    operations = api_operations()
    assert len(operations) >= 4
    undeclared = [
        f"{m} {p}" for m, p, func in operations if getattr(func, OPERATION_ATTR, None) not in PERMISSIONS
    ]
    assert undeclared == []


def test_every_declared_operation_is_routed() -> None:
    routed = {getattr(func, OPERATION_ATTR, None) for _, _, func in api_operations()}
    routed |= {getattr(cb, OPERATION_ATTR, None) for _, _, cb in _walk(get_resolver().url_patterns)}
    routed.add("page.admin")  # enforced by the middleware for the admin namespace
    assert sorted(set(PERMISSIONS) - routed) == []
