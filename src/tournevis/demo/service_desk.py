"""The demo's service desk: business calendars, SLA tiers with escalation rules, contracts, agents,
triage rules and a few days of tickets, all through the real services.

Unlike the network (``loader.py`` writes rows in bulk), this phase is a few hundred rows: every row
goes through its use case (``contracts.services_tiers`` / ``services`` / ``services_escalations``,
``tickets.services_admin`` / ``services`` / ``services_links``), so SLA clocks, timelines, audit events
and customer notifications are exactly what the application would have written. Tickets are opened in
the past (``at=``) and worked on in the order things happened; at the end the open clocks of each tier
are replayed to now (``sla_services.replay_policy``), so a few are breached and a few at risk. The
worker fires the due warnings and escalation levels on its next tick.

Everything is drawn from the seed (``random.Random``), relative to ``clock.now()`` and ``plan.today``:
the same seed on the same day gives the same contracts and tickets (numbers, titles, statuses).
Names already taken (a calendar or tier created by hand before the demo) are reused, and demo users
that already have an agent profile keep it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tournevis.contracts import services as contract_services
from tournevis.contracts import services_escalations, services_tiers, sla_services
from tournevis.contracts.models import Calendar, SlaPolicy
from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.customers.models import Contact, Customer, Site
from tournevis.demo.plan import Plan
from tournevis.demo.service_desk_data import (
    AGENTS,
    ALWAYS_OPEN,
    CALENDARS,
    CURRENCY,
    PRICE,
    RULES,
    STORIES,
    TIERS,
    Story,
)
from tournevis.identity.models import User
from tournevis.identity.services import actor_for
from tournevis.installed_base.models import Category, ServiceObject
from tournevis.tickets import services as ticket_services
from tournevis.tickets import services_admin, services_links
from tournevis.tickets.models import Agent, Ticket

Progress = Callable[[str, int, int], None]
PHASE = "service_desk"
MAX_TICKETS = 200


# What happened to a ticket after it was opened (oldest tickets first in this order).
CLOSED, RESOLVED, BUG, WAITING, WORKING, ANSWERED, UNTOUCHED = (
    "closed",
    "resolved",
    "bug",
    "waiting",
    "working",
    "answered",
    "untouched",
)


@dataclass
class _Draft:
    story: Story
    customer: Customer
    site: Site | None
    obj: ServiceObject | None
    contact: Contact | None
    channel: str
    at: datetime
    priority: str | None = None  # overrides the story's (the showcase P1s)
    title: str = ""  # prefix of the title ("RE: ")
    fate: str = UNTOUCHED


def ticket_count(customers: int) -> int:
    """Two tickets per customer, at most ``MAX_TICKETS`` (the small demo: 40)."""
    return min(MAX_TICKETS, 2 * customers)


class _Builder:
    def __init__(self, plan: Plan, customers: list[Customer], actor: Actor, progress: Progress) -> None:
        self.plan = plan
        self.customers = customers
        self.actor = actor
        self.progress = progress
        self.rng = random.Random(f"service-desk:{plan.seed}")
        self.now = clock.now()
        self.today: date = plan.today
        self.users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
        self.manager = self.users["demo-manager"]
        self.counts: dict[str, int] = {}
        self.done = 0
        self.total = 0

    def tick(self, steps: int = 1) -> None:
        self.done += steps
        self.progress(PHASE, min(self.done, self.total), self.total)

    # --- Calendars, tiers, rules, agents ----------------------------------------------------------

    def calendars(self) -> dict[str, Calendar]:
        out: dict[str, Calendar] = {}
        has_default = Calendar.objects.filter(is_default=True).exists()
        for key, spec in [*CALENDARS.items(), ("24x7", ALWAYS_OPEN)]:
            row = Calendar.objects.filter(name=spec["name"]).first()
            if row is None:
                data = dict(spec)
                if key == "FR" and not has_default:
                    data["is_default"] = True
                row = services_tiers.create_calendar(self.actor, data)
                self.counts["calendars"] = self.counts.get("calendars", 0) + 1
            out[key] = row
        for plan_customer, customer in zip(self.plan.customers, self.customers, strict=True):
            services_tiers.assign_calendar(self.actor, out[plan_customer.market].pk, customer_id=customer.pk)
        return out

    def tiers(self) -> dict[str, SlaPolicy]:
        out: dict[str, SlaPolicy] = {}
        for name, spec in TIERS.items():
            policy = SlaPolicy.objects.filter(name=name).first()
            if policy is None:
                targets = [
                    {
                        "priority": p,
                        "first_response_minutes": r,
                        "on_site_minutes": o,
                        "resolution_minutes": s,
                    }
                    for p, r, o, s in spec["targets"]
                ]
                policy = services_tiers.create_sla_policy(
                    self.actor, {"name": name, "description": spec["description"], "targets": targets}
                )
                for rule in spec["escalations"]:
                    services_escalations.create_rule(self.actor, policy.pk, rule)
                self.counts["sla_policies"] = self.counts.get("sla_policies", 0) + 1
            out[name] = policy
        return out

    def agents(self, calendars: dict[str, Calendar]) -> None:
        by_name = {c.name: c for c in calendars.values()}
        created = 0
        for username, spec in AGENTS.items():
            user = self.users[username]
            if Agent.objects.filter(user=user).exists():
                continue
            services_admin.set_agent(
                self.actor,
                user.pk,
                {
                    "queues": spec["queues"],
                    "skills": spec["skills"],
                    "capacity": spec["capacity"],
                    "calendar_id": by_name[spec["calendar"]].pk if spec["calendar"] else None,
                },
            )
            created += 1
        self.counts["agents"] = created
        for rule in RULES:
            services_admin.create_rule(self.actor, rule)
        self.counts["triage_rules"] = len(RULES)

    # --- Contracts --------------------------------------------------------------------------------

    def _term(self, *, ends_in_days: int | None = None) -> tuple[date, date]:
        start = self.today - timedelta(days=self.rng.randint(60, 700))
        if ends_in_days is not None:
            return start, self.today + timedelta(days=ends_in_days)
        end = start + timedelta(days=364)
        while end < self.today + timedelta(days=60):
            end += timedelta(days=365)
        return start, end

    def contracts(self, calendars: dict[str, Calendar], tiers: dict[str, SlaPolicy]) -> list[Customer]:
        """Maintenance for about half of the customers (the demo customer user's first; the first one
        is Gold on the 24/7 calendar), two subscriptions, two warranties (one expiring soon)."""
        plans = {c.pk: p for p, c in zip(self.plan.customers, self.customers, strict=True)}
        portal = self.users["demo-customer"].customer_id
        order = sorted(self.customers, key=lambda c: (c.pk != portal, c.pk))
        rest = order[1:]
        self.rng.shuffle(rest)
        order = order[:1] + rest
        half = max(1, len(order) // 2)
        maintained, others = order[:half], order[half:]
        categories = {c.code: c.pk for c in Category.objects.all()}
        made = 0
        for index, customer in enumerate(maintained):
            plan = plans[customer.pk]
            currency = CURRENCY[plan.market]
            if index == 0:
                tier, calendar = "Gold", calendars["24x7"]
            else:
                tier = (
                    "Gold"
                    if plan.kind in ("casino", "cit")
                    else self.rng.choice(["Silver", "Silver", "Bronze"])
                )
                calendar = None
            sites = list(Site.objects.filter(customer=customer).order_by("id").values_list("pk", flat=True))
            if plan.kind == "dealer" or not sites:
                coverage: dict[str, list[int]] = {
                    "category_ids": [categories["bill-counter"], categories["banknote-sorter"]]
                }
            else:
                coverage = {"site_ids": sites}
            start, end = self._term()
            data: dict[str, Any] = {
                "type": "maintenance",
                "status": "active",
                "start_date": start,
                "end_date": end,
                "renewal": "tacit",
                "currency": currency,
                "billing_cycle": self.rng.choice(["quarterly", "annual"]),
                "price_minor": self.rng.randint(8, 60) * 50_000 * PRICE[currency],
                "sla_policy_id": tiers[tier].pk,
                "parts_included": tier != "Bronze",
                "labour_included": True,
                "loaner_included": tier == "Gold",
                "preventive_visits_per_year": {"Gold": 4, "Silver": 2, "Bronze": 1}[tier],
                "account_manager_id": self.manager.pk,
                "coverage": coverage,
                "notes": f"{tier} maintenance, all sites."
                if "site_ids" in coverage
                else f"{tier} maintenance.",
            }
            if calendar is not None:
                data["calendar_id"] = calendar.pk
            contract_services.create_contract(self.actor, customer.pk, data)
            made += 1
        for customer in others[:2]:
            currency = CURRENCY[plans[customer.pk].market]
            sites = list(Site.objects.filter(customer=customer).order_by("id").values_list("pk", flat=True))
            start, end = self._term()
            contract_services.create_contract(
                self.actor,
                customer.pk,
                {
                    "type": "subscription",
                    "status": "active",
                    "start_date": start,
                    "end_date": end,
                    "currency": currency,
                    "billing_cycle": "monthly",
                    "price_minor": 9_900 * PRICE[currency],
                    "per_visit_price_minor": 18_000 * PRICE[currency],
                    "sla_policy_id": tiers["Bronze"].pk,
                    "account_manager_id": self.manager.pk,
                    "coverage": {"site_ids": sites[:2]},
                    "notes": "Hotline subscription; interventions billed per visit.",
                },
            )
            made += 1
        for index, customer in enumerate(others[2:4]):
            currency = CURRENCY[plans[customer.pk].market]
            machines = list(
                ServiceObject.objects.filter(site__customer=customer, equipment_model__isnull=False)
                .exclude(install_date__isnull=True)
                .order_by("-install_date", "id")
                .values_list("pk", flat=True)[:3]
            )
            start, end = self._term(ends_in_days=20 if index == 0 else None)
            if index == 0:
                start = min(start, end - timedelta(days=365))
            contract_services.create_contract(
                self.actor,
                customer.pk,
                {
                    "type": "warranty",
                    "status": "active",
                    "start_date": start,
                    "end_date": end,
                    "renewal": "explicit",
                    "notice_days": 30,
                    "currency": currency,
                    "price_minor": 0,
                    "sla_policy_id": tiers["Bronze"].pk,
                    "parts_included": True,
                    "labour_included": True,
                    "account_manager_id": self.manager.pk,
                    "coverage": {"object_ids": machines},
                    "notes": "Manufacturer warranty of the latest machines.",
                },
            )
            made += 1
        self.counts["contracts"] = made
        return maintained

    # --- Tickets ----------------------------------------------------------------------------------

    def _drafts(self, count: int, maintained: list[Customer]) -> list[_Draft]:
        """Who asks what, when (oldest first). The first two are the showcase, P1 on the Gold 24/7
        contract left unanswered: one opened 3 h ago (response breached), one 12 minutes ago (at risk)."""
        machines: dict[int, dict[str, list[ServiceObject]]] = {}

        def machines_of(customer: Customer) -> dict[str, list[ServiceObject]]:
            """The customer's working machines by category code (read once per customer)."""
            if customer.pk not in machines:
                found: dict[str, list[ServiceObject]] = {}
                for obj in (
                    ServiceObject.objects.select_related("site", "equipment_model__category", "category")
                    .filter(
                        site_id__in=list(Site.objects.filter(customer=customer).values_list("pk", flat=True)),
                        status="active",
                        equipment_model__isnull=False,
                    )
                    .order_by("id")
                ):
                    category = obj.category or obj.equipment_model.category  # type: ignore[union-attr]
                    found.setdefault(category.code, []).append(obj)
                machines[customer.pk] = found
            return machines[customer.pk]

        contacts: dict[int, list[Contact]] = {}
        for contact in Contact.objects.order_by("id"):
            contacts.setdefault(contact.customer_id, []).append(contact)
        weights = [3 if c in maintained else 1 for c in self.customers]

        def draft(customer: Customer, minutes_ago: int, showcase: bool = False) -> _Draft:
            owned = machines_of(customer)
            possible = [
                s
                for s in STORIES
                if (s.category is None and not showcase) or (s.category is not None and owned.get(s.category))
            ]
            if showcase:  # something is down
                possible = [s for s in possible if s.title_en.find(" down ") >= 0] or possible
            story = self.rng.choice(possible or list(STORIES[-2:]))
            obj = self.rng.choice(owned[story.category]) if story.category else None
            people = contacts.get(customer.pk, [])
            contact = self.rng.choice(people) if people and story.channels != ("snmp",) else None
            site = obj.site if obj is not None else (contact.site if contact is not None else None)
            return _Draft(
                story,
                customer,
                site,
                obj,
                contact,
                self.rng.choice(story.channels),
                self.now - timedelta(minutes=minutes_ago),
                priority="P1" if showcase else None,
            )

        gold = maintained[0]
        drafts = [draft(gold, 180, showcase=True), draft(gold, 12, showcase=True)]
        while len(drafts) < count:
            customer = self.rng.choices(self.customers, weights=weights)[0]
            drafts.append(draft(customer, self.rng.randint(30, 7 * 24 * 60)))
        drafts.sort(key=lambda d: d.at)
        return drafts

    def _open(self, d: _Draft) -> Ticket:
        french = d.customer.language == "fr"
        name = d.obj.name if d.obj is not None else ""
        title = (d.story.title_fr if french else d.story.title_en).format(name=name)
        text = d.story.text_fr if french else d.story.text_en
        at = d.at
        snmp = d.channel == "snmp"
        email = d.contact.email if d.contact is not None else ""
        return ticket_services.open_ticket(
            self.actor,
            title=d.title + title,
            channel=d.channel,
            description=text,
            customer_id=d.customer.pk,
            site_id=d.site.pk if d.site is not None else None,
            service_object_id=d.obj.pk if d.obj is not None else None,
            contact_id=d.contact.pk if d.contact is not None else None,
            priority=d.priority or d.story.priority,
            category=d.story.ticket_category,
            external_ref=f"snmp:demo-{self.plan.seed}-{d.obj.pk}" if snmp and d.obj is not None else "",
            email_message_id=f"<demo-{self.plan.seed}-{int(at.timestamp())}@{email.split('@')[-1]}>"
            if d.channel == "email" and email
            else "",
            author_label="snmp" if snmp else None,
            at=at,
        )

    def _later(self, at: datetime, minutes: int) -> datetime:
        """``minutes`` after ``at``, but never in the future."""
        return min(at + timedelta(minutes=minutes), self.now - timedelta(minutes=1))

    def tickets(self, maintained: list[Customer]) -> None:
        """Open the drafts in time order, a duplicate (merged) and a request from an unknown sender
        (triage); then work on them: the oldest are closed or resolved, the newest left untouched."""
        count = ticket_count(len(self.customers))
        drafts = self._drafts(count - 2, maintained)
        others = [d for d in drafts if d.priority is None]
        n = len(others)
        fates = (
            [CLOSED] * max(2, n // 20)
            + [RESOLVED] * max(2, n // 12)
            + [BUG]
            + [WAITING] * max(3, n // 10)
            + [WORKING] * (n // 4)
            + [ANSWERED] * (n // 8)
        )
        for d, fate in zip(others, fates, strict=False):  # oldest first: the oldest are done
            d.fate = fate
        # the bug is a software problem; a ticket waits for a person, not for a router
        bug = next((d for d in others if d.story.ticket_category == "software" and d.fate != CLOSED), None)
        if bug is not None:
            pending = next(d for d in others if d.fate == BUG)
            pending.fate, bug.fate = bug.fate, BUG
        for d in others:
            if d.fate == WAITING and d.contact is None:
                d.fate = WORKING
        self.total = self.done + 2 * len(drafts) + 2
        agent = self.users["demo-agent"]
        staff = [agent, self.manager]
        original = next((d for d in drafts if d.fate == WORKING and d.contact is not None), None)
        duplicate = None
        if original is not None:
            o = original
            duplicate = _Draft(o.story, o.customer, o.site, o.obj, o.contact, "email", self._later(o.at, 40))
            duplicate.title = "RE: "
        unknown = self.now - timedelta(hours=5)
        arrivals: list[tuple[datetime, int, _Draft | None]] = [(d.at, i, d) for i, d in enumerate(drafts)]
        arrivals.append((unknown, len(drafts), None))
        if duplicate is not None:
            arrivals.append((duplicate.at, len(drafts) + 1, duplicate))
        opened: dict[int, Ticket] = {}
        for _at, _order, arrival in sorted(arrivals, key=lambda item: item[:2]):  # numbers follow dates
            if arrival is None:
                self._open_unknown(unknown)
            else:
                opened[id(arrival)] = self._open(arrival)
            self.tick()
        for d in drafts:
            if d.fate != UNTOUCHED:
                self._work(d, opened[id(d)], self.rng.choice(staff))
            self.tick()
        if original is not None and duplicate is not None:  # the requester wrote again: merged
            services_links.merge(
                actor_for(agent),
                opened[id(duplicate)].pk,
                into_id=opened[id(original)].pk,
                at=self._later(original.at, 55),
            )

    def _open_unknown(self, at: datetime) -> Ticket:
        """Nobody knows this sender: the ticket waits in triage."""
        return ticket_services.open_ticket(
            self.actor,
            title="Demande de devis : trois compteuses pour un nouveau magasin",
            channel="email",
            description="Bonjour, pourriez-vous nous faire une offre pour trois compteuses avec détection "
            "des faux billets, livrées et installées avant la fin du mois ?",
            requester_email="achats@nouvelle-enseigne.example",
            language="fr",
            at=at,
        )

    def _work(self, d: _Draft, ticket: Ticket, user: User) -> None:
        actor = actor_for(user)
        french = d.customer.language == "fr"
        at = self._later(d.at, self.rng.randint(5, 25))
        ticket.refresh_from_db()
        if ticket.assignee_id is None:
            ticket_services.assign(actor, ticket.pk, user_id=user.pk, at=at)
        else:
            actor = actor_for(User.objects.get(pk=ticket.assignee_id))
        at = self._later(at, self.rng.randint(5, 120))  # some first responses come too late
        reply = (
            "Bonjour, nous avons bien pris en compte votre demande et analysons le problème."
            if french
            else "Hello, we are on it and are looking into the problem."
        )
        ticket_services.add_message(actor, ticket.pk, body=reply, at=at)
        if d.fate == ANSWERED:
            return
        at = self._later(at, self.rng.randint(10, 60))
        ticket_services.transition(actor, ticket.pk, "in_progress", at=at)
        if d.fate == WORKING:
            return
        if d.fate == BUG:
            at = self._later(at, 30)
            ticket_services.update(
                actor, ticket.pk, {"queue": "software", "is_bug": True}, reason="bug", at=at
            )
            ticket_services.add_message(
                actor,
                ticket.pk,
                body="Reproduced on firmware 4.2 in the lab; handed to R&D (receipt module regression).",
                public=False,
                at=self._later(at, 5),
            )
            return
        if d.fate == WAITING:
            ask = (
                "Pouvez-vous nous envoyer une photo de l'écran d'erreur et le numéro de série ?"
                if french
                else "Could you send us a photo of the error screen and the serial number?"
            )
            at = self._later(at, 20)
            ticket_services.add_message(actor, ticket.pk, body=ask, at=at)
            ticket_services.transition(actor, ticket.pk, "waiting_customer", at=self._later(at, 1))
            return
        at = self._later(at, self.rng.randint(60, 600))
        done = (
            "Intervention effectuée : module remplacé et appareil testé. Nous clôturons la demande."
            if french
            else "Fixed on site: the module was replaced and the machine tested. We are closing the request."
        )
        ticket_services.add_message(actor, ticket.pk, body=done, at=at)
        ticket_services.transition(actor, ticket.pk, "resolved", at=self._later(at, 1))
        if d.fate == CLOSED:
            ticket_services.transition(actor, ticket.pk, "closed", at=self._later(at, 24 * 60))

    def run(self) -> dict[str, int]:
        self.total = 4 + 2 * ticket_count(len(self.customers))
        calendars = self.calendars()
        self.tick()
        tiers = self.tiers()
        self.tick()
        self.agents(calendars)
        self.tick()
        maintained = self.contracts(calendars, tiers)
        self.tick()
        before = Ticket.objects.count()
        self.tickets(maintained)
        self.counts["tickets"] = Ticket.objects.count() - before
        for policy in tiers.values():  # cached states as of now: breached, at risk, running
            sla_services.replay_policy(policy.pk, self.now)
        self.done = self.total
        self.progress(PHASE, self.total, self.total)
        return self.counts


def load_service_desk(
    plan: Plan, customers: list[Customer], actor: Actor, progress: Progress
) -> dict[str, int]:
    """Write the service desk of the demo network (``customers`` in ``plan.customers`` order, the demo
    users created); runs inside the demo load's transaction. Returns counts of what it created."""
    return _Builder(plan, customers, actor, progress).run()
