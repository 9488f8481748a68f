"""The permission table: which roles may call each page and API operation. Deny by default.

Every view and API operation is declared with ``guard.page(name)`` / ``guard.api(name)``, which
refuses names missing here; tests/architecture/test_permission_table.py walks every route and fails
on an endpoint without a declared operation. Object-level scoping (a customer user sees only its own
customer) is done by each context's ``access.py``, on top of this table.
"""

from __future__ import annotations

from tournevis.identity.domain import ALL, STAFF, Role

ADMIN = frozenset({Role.ADMIN})
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
DESK = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
FIELD = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT, Role.TECHNICIAN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # --- Back-office pages -----------------------------------------------------------------------
    "page.home": ALL,
    "page.search": ALL,
    "page.customers.list": ALL,
    "page.customers.detail": ALL,
    "page.sites.detail": ALL,
    "page.objects.children": ALL,
    "page.objects.detail": ALL,
    "page.contracts.list": ALL,
    "page.contracts.detail": ALL,
    "page.calendars.list": STAFF,
    "page.calendars.detail": STAFF,
    "page.calendars.edit": MANAGERS,
    "page.calendars.preview": MANAGERS,
    "page.sla.at_risk": ALL,
    "page.admin": ADMIN,
    # --- API: identity ---------------------------------------------------------------------------
    "api.me": ALL,
    "api.tokens.list": ALL,
    "api.tokens.create": ALL,
    "api.tokens.revoke": ALL,
    # --- API: customers, contacts, sites ---------------------------------------------------------
    "api.customers.list": ALL,
    "api.customers.get": ALL,
    "api.customers.create": MANAGERS,
    "api.customers.update": MANAGERS,
    "api.customers.delete": MANAGERS,
    "api.contacts.list": ALL,
    "api.contacts.get": ALL,
    "api.contacts.create": DESK,
    "api.contacts.update": DESK,
    "api.contacts.delete": DESK,
    "api.sites.list": ALL,
    "api.sites.get": ALL,
    "api.sites.create": MANAGERS,
    "api.sites.update": MANAGERS,
    "api.sites.delete": MANAGERS,
    # --- API: installed base ---------------------------------------------------------------------
    "api.categories.list": ALL,
    "api.categories.create": MANAGERS,
    "api.models.list": ALL,
    "api.models.create": MANAGERS,
    "api.objects.list": ALL,
    "api.objects.get": ALL,
    "api.objects.create": DESK,
    "api.objects.update": DESK,
    "api.objects.delete": MANAGERS,
    "api.objects.children": ALL,
    "api.objects.subtree": ALL,
    "api.objects.attributes": ALL,
    "api.objects.attributes.set": FIELD,
    "api.objects.history": ALL,
    "api.search": ALL,
    # --- API: contracts, amendments, entitlement, calendars, SLA policies ------------------------
    "api.contracts.list": ALL,
    "api.contracts.get": ALL,
    "api.contracts.create": MANAGERS,
    "api.contracts.update": MANAGERS,
    "api.contracts.delete": MANAGERS,
    "api.contracts.amendments": ALL,
    "api.contracts.amend": MANAGERS,
    "api.contracts.entitlement": ALL,
    "api.contracts.plans.list": ALL,  # a customer user: its own contracts only
    "api.contracts.plans.get": ALL,
    "api.contracts.plans.create": MANAGERS,
    "api.contracts.plans.update": MANAGERS,
    "api.contracts.plans.delete": MANAGERS,
    "api.calendars.list": STAFF,
    "api.calendars.get": STAFF,
    "api.calendars.create": MANAGERS,
    "api.calendars.update": MANAGERS,
    "api.calendars.delete": MANAGERS,
    "api.calendars.assignments": STAFF,
    "api.calendars.assign": MANAGERS,
    "api.calendars.unassign": MANAGERS,
    "api.sla_policies.list": STAFF,
    "api.sla_policies.get": STAFF,
    "api.sla_policies.create": MANAGERS,
    "api.sla_policies.update": MANAGERS,
    "api.sla_policies.delete": MANAGERS,
    "api.sla.at_risk": ALL,  # a customer user: its own contracts' clocks only
    "api.sla.clocks": STAFF,
    "api.sla.preview": ALL,  # with "contract": a customer user's own contracts only (422 naming contract)
}

assert all(roles <= ALL for roles in PERMISSIONS.values())
assert STAFF < ALL


def roles_for(operation: str) -> frozenset[Role]:
    """The roles allowed to call ``operation``; KeyError for an undeclared operation."""
    return PERMISSIONS[operation]


def is_allowed(role: str, operation: str) -> bool:
    return role in PERMISSIONS[operation]
