"""Who performs an action. Built by identity from a session or an API token; pure data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    role: str
    customer_id: int | None = None
    token_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, label=label, role="system")

    @property
    def is_customer(self) -> bool:
        return self.role == "customer"
