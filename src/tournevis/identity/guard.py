"""Declare who may call a page or an API operation; everything undeclared is refused.

- ``@page("page.customers.list")`` on a Django view: anonymous → login page; a role missing from the
  permission table → 403 for staff, 404 for a customer user (who must not learn what exists).
- ``@api("api.customers.list")`` under a ninja route decorator: checked after authentication and
  before the request body is parsed, so a refused call reads and writes nothing.
- ``@public`` for the few pages anyone may reach (login, password reset, language switch).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.utils import contribute_operation_callback

from tournevis.core.actor import Actor
from tournevis.identity.domain import Role
from tournevis.identity.permissions import roles_for

F = TypeVar("F", bound=Callable[..., Any])
OPERATION_ATTR = "tournevis_operation"
PUBLIC_ATTR = "tournevis_public"


def public(view: F) -> F:
    setattr(view, PUBLIC_ATTR, True)
    return view


def page(operation: str) -> Callable[[F], F]:
    roles = roles_for(operation)  # an undeclared operation fails at import

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor: Actor | None = getattr(request, "actor", None)
            if actor is None:
                return redirect_to_login(request.get_full_path())
            if actor.role not in roles:
                if actor.role == Role.CUSTOMER:
                    raise Http404
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapper, OPERATION_ATTR, operation)
        return wrapper  # type: ignore[return-value]

    return decorate


def api(operation: str) -> Callable[[F], F]:
    roles = roles_for(operation)

    def install(op: Any) -> None:
        authenticated_checks = op._run_checks

        def checks(request: HttpRequest) -> HttpResponse | None:
            error = authenticated_checks(request)
            if error is not None:
                return error
            actor: Actor | None = getattr(request, "auth", None)
            if actor is None or actor.role not in roles:
                from tournevis.identity.problems import problem_response

                if actor is not None and actor.role != Role.CUSTOMER:
                    return problem_response(
                        403, _("Forbidden"), _("Your role may not perform this operation.")
                    )
                return problem_response(404, _("Not found"), _("Not found."))
            return None

        op._run_checks = checks
        setattr(op, OPERATION_ATTR, operation)

    def reinstall(run: Any) -> Any:
        install(run.__self__)  # first of the run decorators: ``run`` is still the clone's bound method
        return run

    def contribute(op: Any) -> None:
        install(op)
        # ninja clones every operation when it binds a router to an API, copying only the attributes
        # it knows (not the instance-level check above) but replaying ``_run_decorators`` on each
        # clone; this no-op run decorator re-installs the check on every clone.
        op.__dict__.setdefault("_run_decorators", []).insert(0, reinstall)

    def decorate(func: F) -> F:
        contribute_operation_callback(func, contribute)
        setattr(func, OPERATION_ATTR, operation)
        return func

    return decorate
