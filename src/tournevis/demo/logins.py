"""Demo users: one per role, created through ``identity.services`` with a known password in development.

The password is public (it is printed by ``tournevis demo logins``), so it is only ever set when
``TOURNEVIS_DEV=1``; elsewhere the demo users get an unusable password and an operator sets one with
``tournevis changepassword <username>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from tournevis.core.actor import Actor
from tournevis.customers.models import Customer
from tournevis.identity import services as identity_services
from tournevis.identity.domain import Role
from tournevis.identity.models import User

DEMO_PASSWORD = "Tournevis-demo-2026"  # noqa: S105 - public on purpose, development only
ROLES = (Role.ADMIN, Role.MANAGER, Role.DISPATCHER, Role.AGENT, Role.TECHNICIAN, Role.CUSTOMER)


def username_for(role: Role) -> str:
    return f"demo-{role.value}"


def ensure_users(actor: Actor, customer: Customer) -> list[User]:
    """Create the missing demo users (existing ones are left as they are); the customer user is tied to
    ``customer``. Each creation goes through the identity service and writes its audit event."""
    users = []
    for role in ROLES:
        username = username_for(role)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = identity_services.create_user(
                actor,
                username=username,
                role=role.value,
                customer_id=customer.pk if role == Role.CUSTOMER else None,
                email=f"{username}@tournevis.example",
                password=DEMO_PASSWORD if settings.DEV else None,
                language=customer.language if role == Role.CUSTOMER else "en",
            )
        users.append(user)
    return users


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    password: str  # the demo password, or a note saying why it is not shown
    customer: str


def logins() -> list[Login]:
    """The demo users that exist, with the demo password when it still opens their account."""
    by_name = {u.username: u for u in User.objects.select_related("customer").filter(
        username__in=[username_for(role) for role in ROLES])}
    rows = []
    for role in ROLES:
        user = by_name.get(username_for(role))
        if user is None:
            continue
        if not user.is_active:
            shown = "(disabled)"
        elif user.check_password(DEMO_PASSWORD):
            shown = DEMO_PASSWORD
        else:
            shown = "(changed)"
        rows.append(Login(user.username, user.role, shown, user.customer.name if user.customer else ""))
    return rows
