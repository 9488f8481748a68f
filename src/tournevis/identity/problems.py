"""RFC 9457 problem+json responses."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from tournevis.core import requestid

CONTENT_TYPE = "application/problem+json"


def problem_body(
    status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    rid = requestid.current()
    if rid:
        body["request_id"] = rid
    return body


def problem_response(
    status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    return HttpResponse(
        json.dumps(problem_body(status, title, detail, errors), ensure_ascii=False),
        status=status,
        content_type=CONTENT_TYPE,
    )
