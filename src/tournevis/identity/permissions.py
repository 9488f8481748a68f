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
PLANNERS = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER})

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
    # --- Pages: workforce (a technician: their own record only — workforce.access) -------------
    "page.technicians.list": STAFF,
    "page.technicians.detail": STAFF,
    "page.technicians.shifts": MANAGERS | {Role.DISPATCHER},
    "page.technicians.absence": FIELD | {Role.DISPATCHER},
    "page.absences.decide": MANAGERS | {Role.DISPATCHER},
    "page.absences.cancel": FIELD | {Role.DISPATCHER},
    # --- Pages: work orders (a technician: work orders with a visit of theirs; a customer user: its
    #     own customer's, read-only — workorders.access) ---------------------------------------------
    "page.workorders.list": ALL,
    "page.workorders.rows": ALL,
    "page.workorders.detail": ALL,
    "page.workorders.new": DESK | {Role.DISPATCHER},
    "page.workorders.transition": DESK | {Role.DISPATCHER},
    "page.workorders.validate": MANAGERS,
    "page.workorders.plan": DESK | {Role.DISPATCHER},
    "page.workorders.visit_transition": FIELD | {Role.DISPATCHER},
    # Planning board (dispatch): an agent may look; a technician sees its own day, map and feeds
    "page.dispatch.board": PLANNERS | {Role.AGENT},
    "page.dispatch.move": PLANNERS,
    "page.dispatch.undo": PLANNERS,
    "page.dispatch.optimise": PLANNERS,
    "page.dispatch.emergency": PLANNERS,
    "page.dispatch.proposal": PLANNERS,
    "page.dispatch.decide": PLANNERS,
    "page.dispatch.day": STAFF,
    "page.dispatch.dispatch_day": PLANNERS,
    "page.dispatch.feeds": PLANNERS | {Role.TECHNICIAN},
    # The dispatcher's list of sync conflicts from the technician app (mobile)
    "page.mobile.conflicts": PLANNERS,
    "page.mobile.conflicts.resolve": PLANNERS,
    # The technician app's shell at /m/ (helper H4; its login, manifest and worker are public)
    "page.mobile.app": frozenset({Role.TECHNICIAN}),
    # --- Pages: loaner pool (stock; staff but technicians) and a work order's loaner -------------
    "page.loaners.pool": DESK | {Role.DISPATCHER},
    "page.loaners.loans": DESK | {Role.DISPATCHER},
    "page.loaners.detail": DESK | {Role.DISPATCHER},
    "page.loaners.new": MANAGERS,
    "page.loaners.edit": MANAGERS,
    "page.loaners.lend": DESK | {Role.DISPATCHER},
    "page.loans.return": DESK | {Role.DISPATCHER},
    "page.loans.inspect": DESK | {Role.DISPATCHER},
    "page.workorders.loan": DESK | {Role.DISPATCHER},
    # A work order's spare parts (helper B): the section is read by staff who see the work order;
    # planners and desk agents reserve and release
    "page.workorders.parts.reserve": PLANNERS | {Role.AGENT},
    "page.workorders.parts.release": PLANNERS | {Role.AGENT},
    # A visit's photos on the work-order page (helper H1): staff; a technician its own visits'
    "page.workorders.visit_photo": STAFF,
    # A visit's service report PDF (helper H2): staff, the work order's technicians, the customer's users
    "page.workorders.visit_report": ALL,
    # --- Pages: stock (office staff read, planners write; a technician: their own van's page only,
    #     404 for any other location — stock.access.access_location; /stock/ leads to the van)
    "page.stock.overview": STAFF,
    "page.stock.location": STAFF,
    "page.stock.receive": PLANNERS,
    "page.stock.adjust": PLANNERS,
    "page.stock.limits": PLANNERS,
    "page.stock.replenish": PLANNERS,
    "page.stock.parts.list": PLANNERS | {Role.AGENT},
    "page.stock.parts.detail": PLANNERS | {Role.AGENT},
    "page.stock.movements": PLANNERS | {Role.AGENT},
    "page.stock.transfers.list": PLANNERS | {Role.AGENT},
    "page.stock.transfers.new": PLANNERS,
    "page.stock.transfers.ship": PLANNERS,
    "page.stock.transfers.receive": PLANNERS,
    "page.stock.transfers.cancel": PLANNERS,
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
    # --- API: workforce (a technician: their own record and absences only — workforce.access) ---
    "api.skills.list": STAFF,
    "api.skills.create": MANAGERS | {Role.DISPATCHER},
    "api.teams.list": STAFF,
    "api.teams.create": MANAGERS | {Role.DISPATCHER},
    "api.technicians.list": STAFF,
    "api.technicians.get": STAFF,
    "api.technicians.create": MANAGERS | {Role.DISPATCHER},
    "api.technicians.update": MANAGERS | {Role.DISPATCHER},
    "api.technicians.skills": MANAGERS | {Role.DISPATCHER},
    "api.technicians.shifts": MANAGERS | {Role.DISPATCHER},
    "api.technicians.availability": STAFF,
    "api.technicians.absences.list": STAFF,
    "api.technicians.absences.create": FIELD | {Role.DISPATCHER},
    "api.absences.decide": MANAGERS | {Role.DISPATCHER},
    "api.absences.cancel": FIELD | {Role.DISPATCHER},
    # --- API: work orders and visits (a technician: work orders with a visit of theirs, transitions
    #     of its own visits only; a customer user: its own customer's, read-only — workorders.access)
    "api.workorders.list": ALL,
    "api.workorders.create": DESK | {Role.DISPATCHER},
    "api.workorders.get": ALL,
    "api.workorders.update": DESK | {Role.DISPATCHER},
    "api.workorders.skills": DESK | {Role.DISPATCHER},
    "api.workorders.transition": DESK | {Role.DISPATCHER},  # to validated: MANAGERS only (403)
    "api.workorders.validate": MANAGERS,
    "api.workorders.visits.list": ALL,
    "api.workorders.visits.create": DESK | {Role.DISPATCHER},
    "api.visits.get": ALL,
    "api.visits.update": DESK | {Role.DISPATCHER},
    "api.visits.transition": FIELD | {Role.DISPATCHER},
    "api.workorders.visits.report": ALL,  # the service report PDF (helper H2; workorders.access)
    # --- API: dispatch (the planning board; a technician manages its own calendar feeds only)
    "api.dispatch.board": PLANNERS | {Role.AGENT},
    "api.dispatch.moves.create": PLANNERS,
    "api.dispatch.moves.undo": PLANNERS,
    "api.dispatch.proposals.create": PLANNERS,
    "api.dispatch.proposals.get": PLANNERS,
    "api.dispatch.proposals.accept": PLANNERS,
    "api.dispatch.proposals.discard": PLANNERS,
    "api.dispatch.emergencies.create": PLANNERS,
    "api.dispatch.days.create": PLANNERS,
    "api.dispatch.feeds.create": PLANNERS | {Role.TECHNICIAN},
    "api.dispatch.feeds.revoke": PLANNERS | {Role.TECHNICIAN},
    # --- API: loaner pool and loans (stock; staff data: customers and technicians never see it) ---
    "api.loaners.list": DESK | {Role.DISPATCHER},
    "api.loaners.pool": DESK | {Role.DISPATCHER},
    "api.loaners.get": DESK | {Role.DISPATCHER},
    "api.loaners.create": MANAGERS,
    "api.loaners.update": MANAGERS,
    "api.loaners.lend": DESK | {Role.DISPATCHER},
    "api.loans.list": DESK | {Role.DISPATCHER},
    "api.loans.get": DESK | {Role.DISPATCHER},
    "api.loans.return": DESK | {Role.DISPATCHER},
    "api.loans.inspect": DESK | {Role.DISPATCHER},
    # --- API: stock core (office staff read, planners write; a technician reads their own van's
    #     location and levels only, 404 for any other — stock.access) --------------------------------
    "api.stock.parts.list": STAFF - {Role.TECHNICIAN},
    "api.stock.parts.get": STAFF - {Role.TECHNICIAN},
    "api.stock.parts.create": PLANNERS,
    "api.stock.parts.update": PLANNERS,
    "api.stock.locations.list": STAFF - {Role.TECHNICIAN},
    "api.stock.locations.get": STAFF,
    "api.stock.locations.create": PLANNERS,
    "api.stock.locations.update": PLANNERS,
    "api.stock.lanes.list": STAFF - {Role.TECHNICIAN},
    "api.stock.lanes.set": PLANNERS,
    "api.stock.lanes.delete": PLANNERS,
    "api.stock.levels.list": STAFF,
    "api.stock.limits.set": PLANNERS,
    "api.stock.receipts.create": PLANNERS,
    "api.stock.adjustments.create": PLANNERS,
    "api.stock.consumptions.create": PLANNERS,
    "api.stock.defective_returns.create": PLANNERS,
    "api.stock.movements.list": STAFF - {Role.TECHNICIAN},
    "api.stock.transfers.list": STAFF - {Role.TECHNICIAN},
    "api.stock.transfers.get": STAFF - {Role.TECHNICIAN},
    "api.stock.transfers.create": PLANNERS,
    "api.stock.transfers.ship": PLANNERS,
    "api.stock.transfers.receive": PLANNERS,
    "api.stock.transfers.cancel": PLANNERS,
    "api.stock.transfers.revise": PLANNERS,
    "api.stock.replenishment.list": STAFF - {Role.TECHNICIAN},
    "api.stock.replenishment.create": PLANNERS,
    # A work order's loaner: its entitlement (staff who see the work order) and lending one (without
    # the contract's entitlement: managers only, with a reason — workorders.loaners)
    "api.workorders.loan.get": STAFF,
    "api.workorders.loan.create": DESK | {Role.DISPATCHER},
    # A work order's spare parts (helper B): planners and desk agents reserve and release; a technician
    # reads the parts of a work order with a visit of theirs (workorders.access: 404 otherwise)
    "api.workorders.parts.list": STAFF,
    "api.workorders.parts.reserve": PLANNERS | {Role.AGENT},
    "api.workorders.parts.release": PLANNERS | {Role.AGENT},
    # Checklist templates (helper H1): office staff and technicians read, managers write
    "api.checklists.list": STAFF,
    "api.checklists.get": STAFF,
    "api.checklists.create": MANAGERS,
    "api.checklists.update": MANAGERS,
    # The technician app (mobile): a technician's own devices, day data, sync, photos and conflicts
    # (every call names its device: X-Device-Id); managers see and revoke any device; planners see
    # and resolve the open conflicts (mobile.access)
    "api.mobile.devices.list": MANAGERS | {Role.TECHNICIAN},
    "api.mobile.devices.revoke": MANAGERS | {Role.TECHNICIAN},
    "api.mobile.day": frozenset({Role.TECHNICIAN}),
    "api.mobile.ops": frozenset({Role.TECHNICIAN}),
    "api.mobile.photos.put": frozenset({Role.TECHNICIAN}),
    "api.mobile.conflicts.list": PLANNERS | {Role.TECHNICIAN},
    "api.mobile.conflicts.seen": frozenset({Role.TECHNICIAN}),
    "api.mobile.conflicts.resolve": PLANNERS,
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
