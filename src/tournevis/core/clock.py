"""The injectable clock. Logic asks ``clock.now()``; tests freeze or move it with ``clock.frozen``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


class Clock:
    """Wall clock returning aware UTC datetimes."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and replays."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at


_current: Clock = Clock()


def now() -> datetime:
    return _current.now()


@contextmanager
def frozen(at: datetime) -> Iterator[FixedClock]:
    """Freeze ``now()`` at ``at`` for the duration of the block."""
    global _current
    previous, fixed = _current, FixedClock(at)
    _current = fixed
    try:
        yield fixed
    finally:
        _current = previous
