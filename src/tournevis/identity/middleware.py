"""Deny by default: every routed view must be declared public, a guarded page, admin, or the API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from tournevis.identity.domain import Role
from tournevis.identity.guard import OPERATION_ATTR, PUBLIC_ATTR
from tournevis.identity.services import actor_for

logger = logging.getLogger(__name__)


class DenyByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        request.actor = actor_for(user) if user is not None and user.is_authenticated else None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, OPERATION_ATTR, None) or getattr(view_func, PUBLIC_ATTR, False):
            return None
        match = request.resolver_match
        namespace = match.namespace if match else ""
        if namespace == "api":
            return None  # django-ninja: every operation is authenticated and guarded by @api
        if namespace == "admin":
            actor = getattr(request, "actor", None)
            if actor is None:
                return redirect_to_login(request.get_full_path())
            if actor.role != Role.ADMIN:
                if actor.role == Role.CUSTOMER:
                    raise Http404
                raise PermissionDenied
            return None
        logger.error("Refused %s: view %r declares no operation", request.path, view_func)
        raise PermissionDenied
