"""Exceptions that services raise; web layers translate them (problem+json, form errors, CLI line).

A message is a gettext msgid with ``%(name)s`` placeholders and its params, translated at the
boundary by ``text()``. Pure code marks msgids with ``gettext_noop`` so makemessages extracts them;
Django-side code may pass an already translated string (it passes through unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a msgid for extraction without translating it (translated later by ``DomainError.text``)."""
    return message


class DomainError(Exception):
    """Base class: the request cannot be carried out; nothing was written."""

    status = 400
    title = gettext_noop("Bad request")

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        self.template = message
        self.params = params
        self.field = field
        super().__init__(self.text())

    def text(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.template) if gettext else self.template
        return template % self.params if self.params else template

    @property
    def message(self) -> str:
        return self.text()

    def problem_members(self, gettext: Callable[[str], str]) -> dict[str, Any]:
        """Members a subclass adds to the problem body (e.g. every reason a move was refused)."""
        return {}


class InvalidInput(DomainError):
    """A value is wrong; ``field`` names it (dotted path for nested values)."""

    status = 422
    title = gettext_noop("Invalid input")


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it exists (404, never 403)."""

    status = 404
    title = gettext_noop("Not found")


class Forbidden(DomainError):
    """The actor's role may not perform the operation."""

    status = 403
    title = gettext_noop("Forbidden")


class Conflict(DomainError):
    """The change clashes with the current state (duplicate, cycle, objects still attached...)."""

    status = 409
    title = gettext_noop("Conflict")


class RequestTooLarge(DomainError):
    """The request's content is larger than the operation accepts (413); ``field`` names it."""

    status = 413
    title = gettext_noop("Payload too large")


class PreconditionFailed(DomainError):
    """``If-Match`` named a version that is no longer current (412, with the current state)."""

    status = 412
    title = gettext_noop("Precondition failed")

    def __init__(self, message: str, current: object = None, **params: Any) -> None:
        super().__init__(message, field="If-Match", **params)
        self.current = current
