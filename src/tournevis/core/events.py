"""Events that a lower context publishes and higher contexts handle (DESIGN rule 1: call down,
publish up). A handler is registered by the higher context's ``AppConfig.ready`` (no import-time side
effect) and runs **after the publishing transaction commits**, in its own transaction; a failing
handler is logged and does not undo the change that published the event, nor stop the other
handlers. Payloads are plain values (ids, strings)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)
Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Call ``handler(**payload)`` after commit each time ``name`` is published (once per handler)."""
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def publish(name: str, **payload: Any) -> None:
    """Schedule the handlers of ``name`` for after the current transaction commits (at once outside
    a transaction)."""
    transaction.on_commit(lambda: _deliver(name, payload))


def _deliver(name: str, payload: dict[str, Any]) -> None:
    for handler in list(_handlers.get(name, ())):
        try:
            with transaction.atomic():
                handler(**payload)
        except Exception:
            logger.exception("event %s: handler %s failed", name, getattr(handler, "__qualname__", handler))
