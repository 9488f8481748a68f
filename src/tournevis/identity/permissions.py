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
CUSTOMERS = frozenset({Role.CUSTOMER})

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
    # Tickets (a customer user: its own customer's tickets, public messages only; a technician: the
    # tickets assigned to them — tickets.access)
    "page.tickets.list": ALL,
    "page.tickets.rows": ALL,
    "page.tickets.detail": ALL,
    "page.tickets.thread": ALL,
    "page.tickets.attachment": ALL,
    "page.tickets.reply": ALL,
    "page.tickets.transition": FIELD,
    "page.tickets.assign": DESK,
    "page.tickets.update": DESK,
    "page.tickets.merge": DESK,
    "page.tickets.split": DESK,
    "page.tickets.link": DESK,
    "page.tickets.phone": DESK,
    "page.tickets.new": CUSTOMERS,
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
    "api.sla_policies.escalations.list": STAFF,
    "api.sla_policies.escalations.get": STAFF,
    "api.sla_policies.escalations.create": MANAGERS,
    "api.sla_policies.escalations.update": MANAGERS,
    "api.sla_policies.escalations.delete": MANAGERS,
    "api.sla.at_risk": ALL,  # a customer user: its own contracts' clocks only
    "api.sla.clocks": STAFF,
    "api.sla.preview": ALL,  # with "contract": a customer user's own contracts only (422 naming contract)
    # --- API: telemetry (devices, alert rules, readings, episodes) -------------------------------
    "api.devices.list": STAFF,
    "api.devices.get": STAFF,
    "api.devices.create": MANAGERS,
    "api.devices.update": MANAGERS,
    "api.devices.delete": MANAGERS,
    "api.alert_rules.list": STAFF,
    "api.alert_rules.get": STAFF,
    "api.alert_rules.create": MANAGERS,
    "api.alert_rules.update": MANAGERS,
    "api.alert_rules.delete": MANAGERS,
    "api.objects.readings": ALL,  # a customer user: its own objects only (404 otherwise)
    "api.episodes.list": STAFF,
    # --- API: tickets (a customer user: its own customer's tickets, public messages only;
    #     a technician: the tickets assigned to them) -----------------------------------------------
    "api.tickets.list": ALL,
    "api.tickets.create": ALL,
    "api.tickets.get": ALL,
    "api.tickets.update": DESK,
    "api.tickets.transition": FIELD,
    "api.tickets.assign": DESK,
    "api.tickets.messages.list": ALL,
    "api.tickets.messages.create": ALL,
    "api.tickets.files.create": ALL,
    "api.tickets.timeline": STAFF,
    "api.tickets.merge": DESK,
    "api.tickets.split": DESK,
    "api.tickets.link": DESK,
    "api.tickets.caller": DESK,
    "api.tickets.queues": STAFF,
    "api.tickets.queues.create": MANAGERS,
    "api.tickets.queues.update": MANAGERS,
    "api.tickets.bug": DESK,
    "api.agents.list": STAFF,
    "api.agents.get": STAFF,
    "api.agents.update": MANAGERS,
    "api.triage_rules.list": STAFF,
    "api.triage_rules.get": STAFF,
    "api.triage_rules.test": STAFF,
    "api.triage_rules.create": MANAGERS,
    "api.triage_rules.update": MANAGERS,
    "api.triage_rules.delete": MANAGERS,
    # The bug tracker, not a user: authenticated by the HMAC signature of the body (tickets.api_admin)
    "api.bug_tracker.events": frozenset(),
}

assert all(roles <= ALL for roles in PERMISSIONS.values())
assert STAFF < ALL


def roles_for(operation: str) -> frozenset[Role]:
    """The roles allowed to call ``operation``; KeyError for an undeclared operation."""
    return PERMISSIONS[operation]


def is_allowed(role: str, operation: str) -> bool:
    return role in PERMISSIONS[operation]
