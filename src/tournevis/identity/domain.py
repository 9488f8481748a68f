"""Roles and the rules about them. Pure: no Django."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    DISPATCHER = "dispatcher"
    AGENT = "agent"
    TECHNICIAN = "technician"
    CUSTOMER = "customer"


STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER, Role.AGENT, Role.TECHNICIAN})
ALL = STAFF | {Role.CUSTOMER}


def check_customer_binding(role: Role, customer_id: int | None) -> str | None:
    """A customer user is tied to exactly one customer; staff to none. Returns an error or None."""
    if role == Role.CUSTOMER and customer_id is None:
        return "customer"
    if role != Role.CUSTOMER and customer_id is not None:
        return "customer"
    return None


def token_role_allowed(user_role: Role, token_role: Role) -> bool:
    """A token acts with its owner's role, or (for an admin) any staff role, never more."""
    if token_role == user_role:
        return True
    return user_role == Role.ADMIN and token_role in STAFF
