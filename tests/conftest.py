"""Shared fixtures: a small world of two customers, users of every role, API clients with tokens."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tournevis.core.actor import Actor
from tournevis.customers import services as customer_services
from tournevis.customers.models import Contact, Customer, Site
from tournevis.identity import services as identity_services
from tournevis.identity.domain import Role
from tournevis.identity.models import User
from tournevis.installed_base import services as ib_services
from tournevis.installed_base.models import Category, EquipmentModel, ServiceObject

PASSWORD = "Correct-horse-battery-9"
SYSTEM = Actor.system("tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests skip, with the reason, when the suite runs on SQLite."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI runs this pass)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture
def system() -> Actor:
    return SYSTEM


@dataclass
class Party:
    """One customer with a site, a contact and a small tree: area → machine → module."""

    customer: Customer
    site: Site
    contact: Contact
    area: ServiceObject
    machine: ServiceObject
    module: ServiceObject
    user: User


@dataclass
class World:
    category: Category
    model: EquipmentModel
    a: Party
    b: Party
    staff: dict[str, User] = field(default_factory=dict)

    def user(self, role: str, own: bool = True) -> User:
        if role == Role.CUSTOMER:
            return self.a.user if own else self.b.user
        return self.staff[role]


def make_user(username: str, role: str, customer: Customer | None = None) -> User:
    return identity_services.create_user(
        SYSTEM,
        username=username,
        role=role,
        customer_id=customer.pk if customer else None,
        email=f"{username}@example.com",
        password=PASSWORD,
    )


def _party(prefix: str, country: str, tz: str, category: Category, model: EquipmentModel) -> Party:
    customer = customer_services.create_customer(
        SYSTEM,
        {"name": f"{prefix} Bank", "country": country, "timezone": tz, "language": "fr", "tier": "gold"},
    )
    site = customer_services.create_site(SYSTEM, customer.pk, {"name": f"{prefix} HQ", "city": "Paris"})
    contact = customer_services.create_contact(
        SYSTEM, customer.pk, {"name": f"{prefix} Contact", "email": f"c@{prefix.lower()}.example"}
    )
    area = ib_services.create_object(SYSTEM, {"site_id": site.pk, "name": "Cash room"})
    machine = ib_services.create_object(
        SYSTEM,
        {
            "site_id": site.pk,
            "parent_id": area.pk,
            "name": "Counter",
            "equipment_model_id": model.pk,
            "serial_number": f"{prefix}-0001",
            "install_date": date(2024, 3, 1),
        },
    )
    module = ib_services.create_object(
        SYSTEM, {"site_id": site.pk, "parent_id": machine.pk, "name": "Feeder"}
    )
    user = make_user(f"{prefix.lower()}-user", Role.CUSTOMER, customer)
    return Party(customer, site, contact, area, machine, module, user)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def build_world() -> World:
    """The world of the ``world`` fixture (for fixtures of a wider scope that build it themselves)."""
    category = ib_services.create_category(
        SYSTEM, code="bill-counter", name_en="Bill counter", name_fr="Compteuse de billets"
    )
    model = ib_services.create_equipment_model(
        SYSTEM, manufacturer="Glory", name="GFS-220", category_id=category.pk
    )
    w = World(
        category,
        model,
        _party("Alpha", "FR", "Europe/Paris", category, model),
        _party("Beta", "CA", "America/Toronto", category, model),
    )
    for role in (Role.ADMIN, Role.MANAGER, Role.DISPATCHER, Role.AGENT, Role.TECHNICIAN):
        w.staff[role] = make_user(f"{role}-user", role)
    return w


def token_for(user: User) -> str:
    _, plain = identity_services.create_token(SYSTEM, user, name="tests")
    return plain


def api_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
