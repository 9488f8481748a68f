"""The demo's work orders: about thirty interventions through ``workorders.services``.

- From the demo tickets: every open ticket with a site (most urgent first, at most 15) gets a corrective
  work order (``create_from_ticket``: contract, on-site deadline and contact come from the ticket);
- by hand: installations, remote sessions and corrective jobs on equipment at the demo sites (15);
- each needs one or two of the demo skills, an estimated duration, sometimes parts;
- about half are planned on the next working days (from tomorrow, local time of the technician) for the
  demo technicians — a technician with an approved absence in the coming week gets none — in
  consecutive two-hour slots from 08:30, at most three a day; the first three planned are dispatched
  (the customer is e-mailed the window). The others stay unscheduled for the planning board;
- the technician the demo technician user signs in as gets up to two corrective visits **today**,
  dispatched, one and three hours from the load, so the technician app (``/m/``) has a day to work.

Without technicians (the workforce phase did not run) the work orders are created without visits
planned. Everything is drawn from the plan's seed; run inside the demo load's transaction.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.customers.models import Site
from tournevis.demo.plan import Plan
from tournevis.installed_base.models import ServiceObject
from tournevis.tickets.domain import Status as TicketStatus
from tournevis.tickets.models import Ticket
from tournevis.workforce.domain import AbsenceStatus
from tournevis.workforce.models import Absence, Skill, Technician
from tournevis.workorders import services
from tournevis.workorders.models import WorkOrder

FROM_TICKETS = 15
BY_HAND = (
    ("installation", "Installer une compteuse neuve", 180),
    ("installation", "Mise en service d'un recycleur", 240),
    ("remote", "Mise à jour du logiciel à distance", 45),
    ("corrective", "Remplacement du module d'alimentation", 90),
    ("corrective", "Bourrage récurrent du réceptacle", 60),
)
HAND_COUNT = 15
PARTS = ("BELT-GFS-220", "FEED-ROLLER-2", "PSU-24V-150W", "SENSOR-UV-3", "FAN-80MM")
SLOTS_PER_DAY = 3
DAYS = 5


def _skills(rng: random.Random, codes: list[str]) -> list[dict[str, int | str]]:
    if not codes:
        return []
    return [
        {"skill": code, "level": rng.randint(1, 2)}
        for code in rng.sample(codes, k=min(len(codes), rng.randint(1, 2)))
    ]


def _parts(rng: random.Random) -> list[dict[str, int | str]]:
    if rng.random() < 0.5:
        return []
    return [
        {"reference": ref, "quantity": rng.randint(1, 2)} for ref in rng.sample(PARTS, k=rng.randint(1, 2))
    ]


def _from_tickets(actor: Actor, rng: random.Random, codes: list[str]) -> list[WorkOrder]:
    open_statuses = [s.value for s in TicketStatus if s not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)]
    tickets = Ticket.objects.filter(
        status__in=open_statuses, site__isnull=False, customer__isnull=False, merged_into__isnull=True
    ).order_by("priority", "created_at", "id")[:FROM_TICKETS]
    return [
        services.create_from_ticket(
            actor,
            ticket.pk,
            {
                "estimated_minutes": rng.choice((45, 60, 90, 120)),
                "skills": _skills(rng, codes),
                "parts_needed": _parts(rng),
            },
        )
        for ticket in tickets
    ]


def _by_hand(actor: Actor, rng: random.Random, codes: list[str]) -> list[WorkOrder]:
    machines = list(
        ServiceObject.objects.filter(equipment_model__isnull=False, site__latitude__isnull=False)
        .order_by("id")
        .values_list("pk", "site_id")[:2000]
    )
    sites = list(
        Site.objects.filter(latitude__isnull=False).order_by("id").values_list("pk", flat=True)[:500]
    )
    made = []
    for index in range(HAND_COUNT):
        kind, title, minutes = BY_HAND[index % len(BY_HAND)]
        data: dict[str, object] = {
            "kind": kind,
            "title": title,
            "priority": rng.choice(("P2", "P3", "P3", "P4")),
            "estimated_minutes": minutes,
            "skills": _skills(rng, codes),
            "parts_needed": _parts(rng) if kind != "remote" else [],
        }
        if kind != "installation" and machines:
            object_id, site_id = rng.choice(machines)
            data.update(service_object_id=object_id, site_id=site_id)
        elif sites:
            data["site_id"] = rng.choice(sites)
        else:
            continue
        made.append(services.create_work_order(actor, data))
    return made


def _next_working_days(start: date, count: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _plan(actor: Actor, rng: random.Random, orders: list[WorkOrder]) -> tuple[int, int]:
    now = clock.now()
    soon = now + timedelta(days=7)
    away = set(
        Absence.objects.filter(status=AbsenceStatus.APPROVED.value, start__lt=soon, end__gt=now).values_list(
            "technician_id", flat=True
        )
    )
    technicians = [t for t in Technician.objects.filter(active=True).order_by("id") if t.pk not in away]
    if not technicians:
        return 0, 0
    chosen = rng.sample(orders, k=len(orders) // 2)
    slots: list[tuple[Technician, datetime]] = []
    for technician in technicians:
        zone = ZoneInfo(technician.timezone)
        for day in _next_working_days(now.astimezone(zone).date(), DAYS):
            for n in range(SLOTS_PER_DAY):
                slots.append(
                    (technician, datetime.combine(day, time(8, 30), tzinfo=zone) + timedelta(hours=2 * n))
                )
    slots.sort(key=lambda s: (s[1], s[0].pk))
    rng.shuffle(slots)
    planned = dispatched = 0
    for order, (technician, start) in zip(chosen, slots, strict=False):
        minutes = min(order.estimated_minutes, 110)  # keeps within the two-hour slot
        visit = services.plan_visit(actor, order.pk, technician.pk, start, start + timedelta(minutes=minutes))
        planned += 1
        if dispatched < 3:
            services.dispatch_visit(actor, visit.pk)
            dispatched += 1
    return planned, dispatched


def _technician_day(actor: Actor, orders: list[WorkOrder]) -> int:
    """Dispatch up to two corrective work orders still unscheduled to the demo user's technician, today."""
    technician = Technician.objects.filter(user__isnull=False, active=True).order_by("id").first()
    if technician is None:
        return 0
    waiting = [
        o for o in orders if o.kind == "corrective" and not o.visits.exclude(status="unscheduled").exists()
    ][:2]
    now = clock.now().replace(second=0, microsecond=0)
    for n, order in enumerate(waiting):
        start = now + timedelta(hours=1 + 2 * n)
        visit = services.plan_visit(actor, order.pk, technician.pk, start, start + timedelta(minutes=90))
        services.dispatch_visit(actor, visit.pk)
    return len(waiting)


def load_workorders(plan: Plan, actor: Actor) -> dict[str, int]:
    """Write the demo work orders (inside the demo load's transaction); returns counts of what it made."""
    rng = random.Random(f"workorders-{plan.seed}")
    codes = list(Skill.objects.order_by("code").values_list("code", flat=True))
    orders = _from_tickets(actor, rng, codes) + _by_hand(actor, rng, codes)
    planned, dispatched = _plan(actor, rng, orders)
    today = _technician_day(actor, orders)
    return {
        "work_orders": len(orders),
        "visits_planned": planned + today,
        "visits_dispatched": dispatched + today,
    }
