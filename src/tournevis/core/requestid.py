"""The id of the request being served, for the audit log and logs."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("tournevis_request_id", default="")


def current() -> str:
    return _request_id.get()


def new_id() -> str:
    return uuid.uuid4().hex


def set_current(value: str) -> object:
    return _request_id.set(value)


def reset(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]
