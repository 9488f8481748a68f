"""core.events: handlers run after the publishing transaction commits, never after a rollback, and a
failing handler neither undoes the change nor stops the others."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tournevis.core import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def first(**payload: Any) -> None:
        seen.append(("first", payload))

    def broken(**payload: Any) -> None:
        raise RuntimeError("handler bug")

    def last(**payload: Any) -> None:
        seen.append(("last", payload))

    for handler in (first, broken, last, first):  # the second ``first`` is ignored
        events.subscribe("test.happened", handler)
    yield seen
    events._handlers.pop("test.happened")


def test_handlers_run_after_commit_in_order_past_a_failing_one(
    received: list[tuple[str, dict[str, Any]]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        events.publish("test.happened", transfer_id=7)
        assert received == []
    assert len(callbacks) == 1
    assert received == [("first", {"transfer_id": 7}), ("last", {"transfer_id": 7})]


def test_nothing_runs_when_the_transaction_rolls_back(
    received: list[tuple[str, dict[str, Any]]], django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValueError),
        transaction.atomic(),
    ):
        events.publish("test.happened", transfer_id=8)
        raise ValueError("rolled back")
    assert callbacks == []
    assert received == []


def test_an_event_nobody_handles_is_a_no_op(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.publish("test.unheard", x=1)
    assert len(callbacks) == 1
