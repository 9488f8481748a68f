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

    def own_customer_id(self) -> int:
        """The customer of a customer user (always set for that role: identity checks it)."""
        if self.customer_id is None:
            raise ValueError(f"actor {self.label} has no customer")
        return self.customer_id

    def own_user_id(self) -> int:
        """The id of a user actor (not the system)."""
        if self.user_id is None:
            raise ValueError(f"actor {self.label} is not a user")
        return self.user_id
