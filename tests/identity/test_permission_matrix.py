"""Every API operation, every role, own / other customer's object: allowed, 403, or 404 — and a
refused call writes nothing.

The operations are read from the mounted routers, so a new operation is in the matrix as soon as it
is routed; it then needs a valid body in ``BODIES`` (for POST/PATCH) and, if its path names a new
kind of id, an entry in ``TARGETS``. The expected status comes from ``PERMISSIONS`` and ownership:
- a role missing from the operation's entry: 403 for staff, 404 for a customer user;
- an allowed role on an object it may not see (another customer's, for a customer user; another
  user's token, for anyone but an admin): 404;
- otherwise 2xx, with a valid body (a 4xx here would hide a permission bug).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

from tests.api_support import Multipart, audit_count, call, db_state, problem
from tests.conftest import SYSTEM, Party, World, api_client, build_world
from tournevis.contracts import services as contract_services
from tournevis.contracts import services_escalations, services_preventive, services_tiers
from tournevis.contracts.models import EscalationRule
from tournevis.customers import services as customer_services
from tournevis.identity import services as identity_services
from tournevis.identity.domain import ALL, Role
from tournevis.identity.guard import OPERATION_ATTR
from tournevis.identity.models import User
from tournevis.identity.permissions import PERMISSIONS
from tournevis.telemetry import services as telemetry_services
from tournevis.telemetry.models import AlertRule, Device
from tournevis.tickets import services as ticket_services
from tournevis.tickets import services_admin as ticket_admin
from tournevis.tickets.attachments import NewAttachment
from tournevis.tickets.models import Agent, Queue, TriageRule
from tournevis.web.api import api

ROLES = [Role.ADMIN, Role.MANAGER, Role.DISPATCHER, Role.AGENT, Role.TECHNICIAN, Role.CUSTOMER]
SUCCESS = {"GET": 200, "POST": 201, "PATCH": 200, "PUT": 200, "DELETE": 204}
_PARAM = re.compile(r"\{(\w+)\}")


def routed_operations() -> list[tuple[str, str, str]]:
    """(method, path, operation name) of every operation mounted on /api/v1."""
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    full = re.sub("/+", "/", f"/{prefix}/{path}")
                    found.append((method, full, getattr(operation.view_func, OPERATION_ATTR)))
    return sorted(found)


@dataclass
class Scene:
    """The world plus rows that may be deleted without a 409: a deletion must be able to succeed."""

    world: World
    spare_customer: dict[bool, int]
    spare_site: dict[bool, int]
    spare_token: dict[bool, int]
    contract: dict[bool, int]  # active: may be read, edited and amended
    draft_contract: dict[bool, int]  # a draft: may be deleted
    plan: dict[bool, int]  # a preventive plan of the active contract
    draft_plan: dict[bool, int]  # one of the draft contract (DELETE paths name the draft contract)
    calendar: int
    spare_calendar: int
    policy: int
    spare_policy: int
    assignment: int
    ticket: dict[bool, int]  # assigned to the technician on the own side, to the agent on the other
    spare_ticket: dict[bool, int]  # same customer: a merge or link target
    second_message: dict[bool, int]  # a message that may be split off
    attachment: dict[bool, int]
    side: bool = True  # the side of the case being run (bodies that name a second object use it)

    def party(self, own: bool) -> Party:
        return self.world.a if own else self.world.b


# Which id a path parameter gets, for the caller's own side or the other side.
TARGETS: dict[str, Callable[[Scene, str, bool], int]] = {
    # A customer with users cannot be deleted (409), so deletion targets a spare customer; only
    # customer users care about ownership and they may not delete customers at all.
    "customer_id": lambda s, m, own: s.spare_customer[own] if m == "DELETE" else s.party(own).customer.pk,
    "contact_id": lambda s, m, own: s.party(own).contact.pk,
    "site_id": lambda s, m, own: s.spare_site[own] if m == "DELETE" else s.party(own).site.pk,
    "object_id": lambda s, m, own: s.party(own).module.pk if m == "DELETE" else s.party(own).machine.pk,
    "token_id": lambda s, m, own: s.spare_token[own],
    "contract_id": lambda s, m, own: s.draft_contract[own] if m == "DELETE" else s.contract[own],
    "calendar_id": lambda s, m, own: s.spare_calendar if m == "DELETE" else s.calendar,
    "policy_id": lambda s, m, own: s.spare_policy if m == "DELETE" else s.policy,
    "assignment_id": lambda s, m, own: s.assignment,
    "plan_id": lambda s, m, own: s.draft_plan[own] if m == "DELETE" else s.plan[own],
    "ticket_id": lambda s, m, own: s.ticket[own],
    "attachment_id": lambda s, m, own: s.attachment[own],
    # A rule of the policy the path names (DELETE paths name the spare policy), made when first asked.
    "rule_id": lambda s, m, own: _escalation_rule(s.spare_policy if m == "DELETE" else s.policy),
    # Telemetry: a device bound to the party's machine and an alert rule on it, made when first asked.
    "device_pk": lambda s, m, own: _telemetry_device(s.party(own)),
    "alert_rule_id": lambda s, m, own: _alert_rule(s.party(own)),
    # Tickets configuration: staff data, one shared set (an agent profile and a rule made when asked).
    "queue_id": lambda s, m, own: Queue.objects.get(code="software").pk,
    "user_id": lambda s, m, own: _agent_profile(s),
    "triage_rule_id": lambda s, m, own: _triage_rule(),
}
# Who gets 404 for the other side's object even when its role may call the operation.
HIDDEN_FROM_OTHERS: dict[str, frozenset[str]] = {
    "customer_id": frozenset({Role.CUSTOMER}),
    "contact_id": frozenset({Role.CUSTOMER}),
    "site_id": frozenset({Role.CUSTOMER}),
    "object_id": frozenset({Role.CUSTOMER}),
    "token_id": ALL - {Role.ADMIN},  # tokens belong to users; only an admin revokes another's
    "contract_id": frozenset({Role.CUSTOMER}),
    "calendar_id": frozenset(),  # staff data, one shared set: no "other side"
    "policy_id": frozenset(),
    "assignment_id": frozenset(),
    "plan_id": frozenset({Role.CUSTOMER}),
    "ticket_id": frozenset({Role.CUSTOMER, Role.TECHNICIAN}),  # a technician: its assigned tickets only
    "attachment_id": frozenset({Role.CUSTOMER, Role.TECHNICIAN}),
    "rule_id": frozenset(),
    "device_pk": frozenset(),  # staff data: customer users may not call device or rule operations
    "alert_rule_id": frozenset(),
    "queue_id": frozenset(),
    "user_id": frozenset(),
    "triage_rule_id": frozenset(),
}

TARGETS_P1_P4 = [
    {"priority": p, "first_response_minutes": 30, "on_site_minutes": 240, "resolution_minutes": 480}
    for p in ("P1", "P2", "P3", "P4")
]

# A valid body for every operation that takes one (keyed by operation name).
BODIES: dict[str, Callable[[Scene], dict[str, Any]]] = {
    "api.tokens.create": lambda s: {"name": "matrix"},
    "api.customers.create": lambda s: {"name": "Matrix Co", "country": "FR", "timezone": "Europe/Paris"},
    "api.customers.update": lambda s: {"name": "Renamed Co"},
    "api.contacts.create": lambda s: {"customer_id": s.world.a.customer.pk, "name": "New contact"},
    "api.contacts.update": lambda s: {"job_title": "Treasurer"},
    "api.sites.create": lambda s: {"customer_id": s.world.a.customer.pk, "name": "New site"},
    "api.sites.update": lambda s: {"city": "Lille"},
    "api.categories.create": lambda s: {"code": "kiosk", "name_en": "Kiosk", "name_fr": "Borne"},
    "api.models.create": lambda s: {
        "manufacturer": "Glory",
        "name": "UW-500",
        "category_id": s.world.category.pk,
    },
    "api.objects.create": lambda s: {
        "site_id": s.world.a.site.pk,
        "parent_id": s.world.a.area.pk,
        "name": "Sorter",
    },
    "api.objects.update": lambda s: {"status": "in_repair"},
    "api.objects.attributes.set": lambda s: {"key": "firmware_version", "value": "4.2"},
    "api.contracts.create": lambda s: {
        "customer_id": s.world.a.customer.pk,
        "type": "warranty",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "currency": "EUR",
        "coverage": {"object_ids": [s.world.a.machine.pk]},
    },
    "api.contracts.update": lambda s: {"notes": "Renegotiated"},
    "api.contracts.amend": lambda s: {"effective_date": "2026-07-01", "price_minor": 150000},
    "api.contracts.plans.create": lambda s: {
        "name": "Quarterly service",
        "category_id": s.world.category.pk,
        "unit": "months",
        "every": 3,
        "start_date": "2026-02-01",
    },
    "api.contracts.plans.update": lambda s: {"every": 2, "tolerance_after_days": 5},
    "api.calendars.create": lambda s: {"name": "Paris office", "timezone": "Europe/Paris"},
    "api.calendars.update": lambda s: {"holidays": {"country": "FR"}},
    "api.calendars.assign": lambda s: {"site_id": s.world.b.site.pk},
    "api.sla_policies.create": lambda s: {"name": "Silver", "targets": TARGETS_P1_P4},
    "api.sla_policies.update": lambda s: {"description": "Next business day"},
    "api.sla_policies.escalations.create": lambda s: {
        "kind": "resolution",
        "level": 2,
        "offset_minutes": 60,
        "action": "move_tier",
        "params": {"tier": 2},
    },
    "api.sla_policies.escalations.update": lambda s: {"offset_minutes": 30},
    "api.sla.preview": lambda s: {
        "calendar": {"timezone": "Europe/Paris", "slots": {"mon": [["08:00", "12:00"]]}},
        "start": "2026-03-06T17:00:00+01:00",
        "targets": {"response": "PT2H"},
    },
}
BODIES.update(
    {
        "api.tickets.create": lambda s: {"title": "Counter jams", "site_id": s.world.a.site.pk},
        "api.tickets.update": lambda s: {"priority": "P2"},
        "api.tickets.transition": lambda s: {"status": "in_progress"},
        "api.tickets.assign": lambda s: {"user_id": s.world.staff[Role.AGENT].pk},
        "api.tickets.messages.create": lambda s: {"body": "On our way"},
        "api.tickets.files.create": lambda s: Multipart(
            body="Log attached", files=SimpleUploadedFile("log.txt", b"E42 at 10:02", "text/plain")
        ),
        "api.tickets.merge": lambda s: {"into_id": s.spare_ticket[s.side]},
        "api.tickets.split": lambda s: {"message_ids": [s.second_message[s.side]], "title": "Second problem"},
        "api.tickets.link": lambda s: {"target_id": s.spare_ticket[s.side], "kind": "related"},
    }
)
BODIES.update(
    {
        "api.devices.create": lambda s: {"device_id": "matrix-1", "service_object_id": s.world.a.machine.pk},
        "api.devices.update": lambda s: {"active": False},
        "api.alert_rules.create": lambda s: {
            "equipment_model_id": s.world.model.pk,
            "kind": "threshold",
            "metric": "temperature",
            "operator": ">",
            "value": 80,
            "priority": "P2",
            "title": "Overheating",
        },
        "api.alert_rules.update": lambda s: {"value": 85},
    }
)
BODIES.update(
    {
        "api.tickets.queues.create": lambda s: {"code": "printers", "name": "Printers", "tier": 2},
        "api.tickets.queues.update": lambda s: {"name": "Application specialists"},
        "api.agents.update": lambda s: {"queues": ["level1"], "skills": {"software": 2}},
        "api.triage_rules.create": lambda s: {
            "name": "Printers",
            "keywords": ["printer"],
            "set_queue": "hardware",
        },
        "api.triage_rules.update": lambda s: {"active": False},
        "api.triage_rules.test": lambda s: {"title": "Printer jam", "channel": "email"},
        "api.tickets.bug": lambda s: {"summary": "Firmware rejects 50 EUR notes"},
        "api.bug_tracker.events": lambda s: {
            "issue_url": "https://tracker.example/issues/1",
            "state": "released",
        },
    }
)
# POST operations that compute without writing: 200 and nothing changed.
READ_ONLY_POSTS = {"api.sla.preview", "api.triage_rules.test"}
# POST operations that act on an existing object and answer 200 with its new state.
ACTION_POSTS = {"api.tickets.transition", "api.tickets.assign", "api.tickets.merge", "api.tickets.bug"}
# Operations called by a machine proving itself with a signature, not by a user: 401 for every user.
SIGNED = {"api.bug_tracker.events"}
QUERIES: dict[str, Callable[[Scene], str]] = {
    "api.search": lambda s: "?q=Counter",
    "api.contracts.entitlement": lambda s: f"?object_id={s.world.a.module.pk}&priority=P2",
    "api.sla.clocks": lambda s: "?subject_type=tickets.ticket&subject_id=1",
    "api.tickets.caller": lambda s: "?phone=%2B33612345678",
    "api.objects.readings": lambda s: "?metric=temperature",
}
# Request headers an operation needs besides the caller's token (e.g. the technician app's device id).
HEADERS: dict[str, Callable[[Scene, User], dict[str, str]]] = {}


def _merge_parts() -> None:
    """Contexts keep their own matrix entries in ``tests/identity/matrix_<context>.py``: module-level
    ``TARGETS``, ``HIDDEN_FROM_OTHERS``, ``BODIES``, ``QUERIES``, ``HEADERS``, ``ACTION_POSTS`` and
    ``READ_ONLY_POSTS`` (any of them may be missing), merged here."""
    for path in sorted(Path(__file__).parent.glob("matrix_*.py")):
        part = importlib.import_module(f"tests.identity.{path.stem}")
        TARGETS.update(getattr(part, "TARGETS", {}))
        HIDDEN_FROM_OTHERS.update(getattr(part, "HIDDEN_FROM_OTHERS", {}))
        BODIES.update(getattr(part, "BODIES", {}))
        QUERIES.update(getattr(part, "QUERIES", {}))
        HEADERS.update(getattr(part, "HEADERS", {}))
        ACTION_POSTS.update(getattr(part, "ACTION_POSTS", set()))
        READ_ONLY_POSTS.update(getattr(part, "READ_ONLY_POSTS", set()))


_merge_parts()


def _telemetry_device(party: Party) -> int:
    device_id = f"matrix-{party.machine.pk}"
    found = Device.objects.filter(device_id=device_id).first()
    if found is None:
        found = telemetry_services.create_device(
            SYSTEM, {"device_id": device_id, "service_object_id": party.machine.pk}
        )
    return found.pk


def _alert_rule(party: Party) -> int:
    rule = AlertRule.objects.filter(service_object_id=party.machine.pk).first()
    if rule is None:
        rule = telemetry_services.create_rule(
            SYSTEM,
            {
                "service_object_id": party.machine.pk,
                "kind": "threshold",
                "metric": "t",
                "value": 1,
                "title": "T",
            },
        )
    return rule.pk


def _agent_profile(scene: Scene) -> int:
    user = scene.world.staff[Role.AGENT]
    if not Agent.objects.filter(user=user).exists():
        ticket_admin.set_agent(SYSTEM, user.pk, {"queues": ["software"], "skills": {"software": 3}})
    return user.pk


def _triage_rule() -> int:
    rule = TriageRule.objects.order_by("id").first()
    if rule is None:
        rule = ticket_admin.create_rule(
            SYSTEM, {"name": "Matrix", "channels": ["email"], "set_priority": "P2"}
        )
    return rule.pk


def _escalation_rule(policy_id: int) -> int:
    rule = EscalationRule.objects.filter(policy_id=policy_id).first()
    if rule is None:
        data = {"kind": "response", "level": 1, "offset_minutes": 0, "action": "notify_manager"}
        rule = services_escalations.create_rule(SYSTEM, policy_id, data)
    return rule.pk


def _cases() -> list[Any]:
    cases = []
    for method, path, operation in routed_operations():
        params = _PARAM.findall(path)
        sides = (True, False) if params else (True,)
        for role in ROLES:
            for own in sides:
                label = f"{method} {path} as {role}" + (("" if own else " on other's") if params else "")
                cases.append(pytest.param(method, path, operation, role, own, id=label))
    return cases


def _user(world: World, role: str) -> User:
    return world.user(role, own=True)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The matrix builds hundreds of worlds; Argon2 is tested in test_identity, not here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Marking a ticket as a bug needs a tracker (the call is only queued: nothing listens here)
    settings.TICKETS_BUG_TRACKER = {"kind": "generic", "url": "http://127.0.0.1:9/bugs"}


@pytest.fixture(scope="module")
def shared_scene(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Scene]:
    """The scene is built once per module inside a transaction that is rolled back at the end; each
    case runs in a savepoint inside it (the ``db`` fixture), so every case starts from the same rows
    and leaves nothing behind. Objects a case creates lazily (``TARGETS``) vanish with its savepoint."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_scene(build_world())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def scene(db: Any, shared_scene: Scene) -> Scene:
    shared_scene.spare_token.clear()
    shared_scene.side = True
    return shared_scene


def _build_scene(world: World) -> Scene:
    def spare_customer(name: str) -> int:
        return customer_services.create_customer(
            SYSTEM, {"name": name, "country": "FR", "timezone": "Europe/Paris"}
        ).pk

    def spare_site(party: Party) -> int:
        return customer_services.create_site(SYSTEM, party.customer.pk, {"name": "Spare site"}).pk

    calendar = services_tiers.create_calendar(SYSTEM, {"name": "Office", "timezone": "Europe/Paris"})
    spare_calendar = services_tiers.create_calendar(SYSTEM, {"name": "Spare", "timezone": "UTC"})
    policy = services_tiers.create_sla_policy(SYSTEM, {"name": "Gold", "targets": TARGETS_P1_P4})
    spare_policy = services_tiers.create_sla_policy(SYSTEM, {"name": "Spare", "targets": TARGETS_P1_P4})
    assignment = services_tiers.assign_calendar(SYSTEM, calendar.pk, site_id=world.a.site.pk)

    def contract(party: Party, status: str) -> int:
        return contract_services.create_contract(
            SYSTEM,
            party.customer.pk,
            {
                "type": "maintenance",
                "status": status,
                "start_date": date(2026, 1, 1),
                "end_date": date(2026, 12, 31),
                "currency": "EUR",
                "billing_cycle": "annual",
                "price_minor": 120000,
                "sla_policy_id": policy.pk,
                "coverage": {"site_ids": [party.site.pk]},
            },
        ).pk

    def plan(contract_id: int) -> int:
        return services_preventive.create_plan(
            SYSTEM,
            contract_id,
            {
                "name": "Monthly service",
                "category_id": world.category.pk,
                "unit": "months",
                "every": 1,
                "start_date": date(2026, 1, 31),
            },
        ).pk

    def ticket(party: Party, assignee: User) -> tuple[int, int, int, int]:
        opened = ticket_services.open_ticket(
            SYSTEM, title="Jam", channel="api", site_id=party.site.pk, contact_id=party.contact.pk
        )
        ticket_services.assign(SYSTEM, opened.pk, user_id=assignee.pk)
        second = ticket_services.add_message(
            SYSTEM,
            opened.pk,
            body="And the screen flickers",
            from_customer=True,
            attachments=[NewAttachment("log.txt", "text/plain", b"E42")],
        )
        spare = ticket_services.open_ticket(SYSTEM, title="Spare", channel="api", site_id=party.site.pk)
        return opened.pk, spare.pk, second.pk, second.attachments.get().pk

    tickets = {
        True: ticket(world.a, world.staff[Role.TECHNICIAN]),
        False: ticket(world.b, world.staff[Role.AGENT]),
    }
    contracts = {True: contract(world.a, "active"), False: contract(world.b, "active")}
    drafts = {True: contract(world.a, "draft"), False: contract(world.b, "draft")}
    return Scene(
        world,
        spare_customer={True: spare_customer("Spare One"), False: spare_customer("Spare Two")},
        spare_site={True: spare_site(world.a), False: spare_site(world.b)},
        spare_token={},
        contract=contracts,
        draft_contract=drafts,
        plan={own: plan(pk) for own, pk in contracts.items()},
        draft_plan={own: plan(pk) for own, pk in drafts.items()},
        calendar=calendar.pk,
        spare_calendar=spare_calendar.pk,
        policy=policy.pk,
        spare_policy=spare_policy.pk,
        assignment=assignment.pk,
        ticket={own: t[0] for own, t in tickets.items()},
        spare_ticket={own: t[1] for own, t in tickets.items()},
        second_message={own: t[2] for own, t in tickets.items()},
        attachment={own: t[3] for own, t in tickets.items()},
    )


def test_the_matrix_covers_every_declared_api_operation() -> None:
    routed = {operation for _, _, operation in routed_operations()}
    assert routed == {name for name in PERMISSIONS if name.startswith("api.")}
    assert len(_cases()) == sum(len(ROLES) * (2 if "{" in p else 1) for _, p, _ in routed_operations())


@pytest.mark.parametrize(("method", "path", "operation", "role", "own"), _cases())
def test_operation_as_role(
    scene: Scene, method: str, path: str, operation: str, role: str, own: bool
) -> None:
    # Given a caller of that role and, where the path names an object, the caller's own or the other side's
    user = _user(scene.world, role)
    client = api_client(user)
    other_user = scene.world.staff[Role.MANAGER if role == Role.ADMIN else Role.ADMIN]
    scene.spare_token[True] = identity_services.create_token(SYSTEM, user, name="spare")[0].pk
    scene.spare_token[False] = identity_services.create_token(SYSTEM, other_user, name="spare")[0].pk
    kinds = _PARAM.findall(path)
    url = path
    for kind in kinds:
        assert kind in TARGETS, f"the matrix does not know which {kind} to use: add it to TARGETS"
        url = url.replace(f"{{{kind}}}", str(TARGETS[kind](scene, method, own)))
    body = None
    scene.side = own
    if method in ("POST", "PATCH", "PUT"):
        assert operation in BODIES, f"add a valid body for {operation} to BODIES"
        body = BODIES[operation](scene)
    headers = HEADERS[operation](scene, user) if operation in HEADERS else None
    before, audits_before = db_state(), audit_count()

    # When it calls the operation
    query = QUERIES[operation](scene) if operation in QUERIES else ""
    response = call(client, method, url + query, body, headers)

    # Then the status follows the permission table and ownership
    allowed = role in PERMISSIONS[operation]
    hidden = any(not own and role in HIDDEN_FROM_OTHERS[kind] for kind in kinds)
    if operation in SIGNED:
        expected = 401
    elif not allowed:
        expected = 404 if role == Role.CUSTOMER else 403
    elif hidden:
        expected = 404
    else:
        expected = 200 if operation in READ_ONLY_POSTS | ACTION_POSTS else SUCCESS[method]
    assert response.status_code == expected, response.content
    if expected >= 400:
        problem(response, expected)
    # and a refusal, like a read, changes nothing; an allowed write leaves an audit event
    if expected >= 400 or method == "GET" or operation in READ_ONLY_POSTS:
        assert (db_state(), audit_count()) == (before, audits_before)
    else:
        assert audit_count() > audits_before
