"""The /api/v1 NinjaAPI: authentication, every context's router, errors as problem+json naming the field."""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.responses import NinjaJSONEncoder

from tournevis.contracts.api import router as contracts_router
from tournevis.contracts.api_escalations import router as escalations_router
from tournevis.contracts.api_preventive import router as preventive_router
from tournevis.contracts.api_sla import router as sla_router
from tournevis.contracts.api_tiers import router as contract_tiers_router
from tournevis.core.errors import DomainError, PreconditionFailed
from tournevis.customers.api import router as customers_router
from tournevis.dispatch.api import router as dispatch_router
from tournevis.identity.api import BearerTokenAuth, SessionActorAuth
from tournevis.identity.api import router as identity_router
from tournevis.identity.problems import problem_body, problem_response
from tournevis.installed_base.api import router as installed_base_router
from tournevis.mobile.api import router as mobile_router
from tournevis.stock.api import router as stock_router
from tournevis.stock.api_loaners import router as loaners_router
from tournevis.stock.api_transfers import router as stock_transfers_router
from tournevis.telemetry.api import router as telemetry_router
from tournevis.tickets.api import router as tickets_router
from tournevis.tickets.api_admin import router as tickets_admin_router
from tournevis.workforce.api import router as workforce_router
from tournevis.workorders.api import router as workorders_router
from tournevis.workorders.api_checklists import router as checklists_router
from tournevis.workorders.api_loaners import router as workorder_loaners_router
from tournevis.workorders.api_parts import router as workorder_parts_router
from tournevis.workorders.api_report import router as workorder_report_router

api = NinjaAPI(
    title="Tournevis API",
    version="1",
    description=(
        "Tournevis: after-sales and field service. Authenticate with `Authorization: Bearer <token>`."
    ),
    auth=[BearerTokenAuth(), SessionActorAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", identity_router)
api.add_router("/", customers_router)
api.add_router("/", installed_base_router)
api.add_router("/", contracts_router)
api.add_router("/", contract_tiers_router)
api.add_router("/", escalations_router)
api.add_router("/", sla_router)
api.add_router("/", preventive_router)
api.add_router("/", telemetry_router)
api.add_router("/", tickets_admin_router)  # first: it serves /tickets/queues (list and create)
api.add_router("/", tickets_router)
api.add_router("/", workorders_router)
api.add_router("/", workforce_router)
api.add_router("/", dispatch_router)
api.add_router("/", stock_router)  # stock: parts, locations, levels, movements
api.add_router("/", stock_transfers_router)  # stock: transfers and replenishment
api.add_router("/", loaners_router)  # stock: the loaner pool and loans
api.add_router("/", workorder_loaners_router)  # a work order's loaner (entitlement, lend)
api.add_router("/", workorder_parts_router)  # a work order's spare parts (reserve, release)
api.add_router("/", workorder_report_router)  # a visit's service report (PDF)
api.add_router("/", checklists_router)  # checklist templates (managers)
api.add_router("/", mobile_router)  # the technician app: devices, day data, sync, conflicts


def _field_of(location: tuple[object, ...] | list[object]) -> str:
    """ninja's loc ("body", "payload", "timezone") → "timezone"; query/path params keep their name."""
    parts = [str(p) for p in location]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


_WHOLE_BODY_ERRORS = {"missing", "model_attributes_type", "dict_type", "model_type"}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        field = _field_of(error.get("loc", ()))
        if (
            tuple(error.get("loc", ()))[:1] == ("body",)
            and len(error["loc"]) == 2
            and (error.get("type") in _WHOLE_BODY_ERRORS)
        ):
            field = "body"  # no body, or not a JSON object
        if error.get("type") == "json_invalid":
            return problem_response(
                400,
                _("Malformed JSON"),
                _("The request body is not valid JSON."),
                [{"field": "body", "message": str(error.get("msg", ""))}],
            )
        errors.append({"field": field, "message": str(error.get("msg", ""))})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, _("Invalid input"), detail, errors)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    message = exc.text(_)
    errors = [{"field": exc.field, "message": message}] if exc.field else None
    response = problem_response(exc.status, _(exc.title), message, errors)
    members = exc.problem_members(_)
    if members:
        body = problem_body(exc.status, _(exc.title), message, errors) | members
        response.content = json.dumps(body, ensure_ascii=False, cls=NinjaJSONEncoder)
    if isinstance(exc, PreconditionFailed) and exc.current is not None and hasattr(exc.current, "version"):
        response["ETag"] = f'"{exc.current.version}"'
        if isinstance(exc.current, Schema):  # the row's current state, as a GET would return it
            body = problem_body(exc.status, _(exc.title), message, errors)
            body["current"] = exc.current.model_dump()
            response.content = json.dumps(body, ensure_ascii=False, cls=NinjaJSONEncoder)
    return response


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(401, _("Unauthorized"), _("Authenticate with Authorization: Bearer <token>."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):  # ninja could not parse the body
        detail = _("The request body is not valid JSON.")
        return problem_response(400, _("Malformed JSON"), detail, [{"field": "body", "message": detail}])
    return problem_response(exc.status_code, str(exc.message), str(exc.message))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem_response(
        413,
        _("Payload too large"),
        _("The request body exceeds the 1 MiB limit."),
        [{"field": "body", "message": _("The request body exceeds the 1 MiB limit.")}],
    )
