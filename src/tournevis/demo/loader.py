"""Write a demo network into the database, fast enough for 100,000 objects.

Why rows are written directly and not through the per-object services: ``installed_base.services``
creates one object per call, with a row lock check, two saves (the path needs the id), an audit event
and a history line each. For 100,000 objects that is about half a million statements and would take
many minutes on SQLite. The loader instead:

- draws everything from the seed first (``plan.py``, ``trees.py``), running every value through the
  same validation functions the services use (``customers.domain.clean_*``,
  ``installed_base.domain.clean_serial / clean_status / clean_attribute_key``);
- reserves the service objects' ids up front (``nextval`` of the sequence on PostgreSQL, above the
  highest id used on SQLite, inside the write-locked transaction), so ``path`` and ``depth`` are
  computed with ``installed_base.domain.node_path / depth_of`` before the rows exist;
- writes rows with ``bulk_create`` in chunks, all in ONE transaction: a failed load leaves nothing;
- records ONE audit event for the whole load (action ``demo.load``, with the seed, size and counts)
  instead of one per row; the history of each machine (created, firmware, counters, status) is
  written as the services would have written it, dated when it happened;
- creates the demo users through ``identity.services`` (a handful of rows: password validation,
  hashing and their own audit events are worth it);
- with ``service_desk=True`` (the ``demo load`` command), writes calendars, SLA tiers, contracts,
  agents, triage rules and tickets through their services (``service_desk.py``: a few hundred rows),
  then skills, teams, technicians, their shifts and absences (``workforce.py``, through its services),
  then the spare parts: depots, vans, lanes, parts, stock levels and transfers (``stock.py``, through
  ``stock.services``), then about thirty work orders, half of them planned for the technicians
  (``workorders.py``), then parts reserved for some of them and the loaner pool with its loans out
  (``stock.py``), then the checklist templates technicians fill in on visits (``checklists.py``).
"""

from __future__ import annotations

import time as time_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, models, transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.domain import clean_text
from tournevis.core.errors import Conflict
from tournevis.customers.models import Contact, Customer, Site
from tournevis.demo import catalogue
from tournevis.demo.checklists import load_checklists
from tournevis.demo.logins import ensure_users
from tournevis.demo.plan import SIZES, Plan, Size, make_plan
from tournevis.demo.service_desk import load_service_desk
from tournevis.demo.stock import load_loaners, load_reservations, load_stock
from tournevis.demo.trees import SerialMint, site_tree
from tournevis.demo.workforce import load_workforce
from tournevis.demo.workorders import load_workorders
from tournevis.installed_base import domain
from tournevis.installed_base.models import Attribute, Category, EquipmentModel, HistoryEntry, ServiceObject

CHUNK = 5_000
ACTOR = Actor.system("demo")

# progress(phase, done, total): called as the load advances.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LoadReport:
    size: str
    seed: int
    counts: dict[str, int]
    seconds: float


def _quiet(phase: str, done: int, total: int) -> None:
    return None


def resolve_size(size: str | Size) -> Size:
    if isinstance(size, Size):
        return size
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; expected one of {', '.join(SIZES)}")
    return SIZES[size]


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids no other row has or will get: the sequence's next values (PostgreSQL), or the ids above
    both the highest row and SQLite's AUTOINCREMENT counter (the write lock is held: IMMEDIATE)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
            highest = max(highest, cursor.fetchone()[0])
    return list(range(highest + 1, highest + 1 + count))


def _catalogue() -> tuple[dict[str, Category], list[EquipmentModel]]:
    """Categories and models, reusing the ones already in the database (matched by code / name)."""
    existing = {c.code: c for c in Category.objects.all()}
    new = [
        Category(
            code=clean_text(spec.code, "code", max_length=50, required=True),
            name_en=clean_text(spec.name_en, "name_en", max_length=100, required=True),
            name_fr=clean_text(spec.name_fr, "name_fr", max_length=100, required=True),
        )
        for spec in catalogue.CATEGORIES
        if spec.code not in existing
    ]
    Category.objects.bulk_create(new)
    categories = {c.code: c for c in Category.objects.filter(code__in=[s.code for s in catalogue.CATEGORIES])}
    known = {(m.manufacturer, m.name): m for m in EquipmentModel.objects.all()}
    EquipmentModel.objects.bulk_create(
        [
            EquipmentModel(
                manufacturer=clean_text(spec.manufacturer, "manufacturer", max_length=100, required=True),
                name=clean_text(spec.name, "name", max_length=100, required=True),
                category=categories[spec.category],
            )
            for spec in catalogue.MODELS
            if (spec.manufacturer, spec.name) not in known
        ]
    )
    known = {(m.manufacturer, m.name): m for m in EquipmentModel.objects.all()}
    return categories, [known[(spec.manufacturer, spec.name)] for spec in catalogue.MODELS]


class _Writer:
    """Buffers service objects with their attributes and history; flushes them in chunks."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.objects: list[ServiceObject] = []
        self.attributes: list[Attribute] = []
        self.history: list[HistoryEntry] = []
        self.counts = {"objects": 0, "attributes": 0, "history": 0}

    def flush(self) -> None:
        ServiceObject.objects.bulk_create(self.objects, batch_size=1_000)
        Attribute.objects.bulk_create(self.attributes, batch_size=1_000)
        HistoryEntry.objects.bulk_create(self.history, batch_size=1_000)
        self.counts["objects"] += len(self.objects)
        self.counts["attributes"] += len(self.attributes)
        self.counts["history"] += len(self.history)
        self.objects, self.attributes, self.history = [], [], []


def _write_objects(
    plan: Plan,
    sites: list[Site],
    customers: list[Customer],
    categories: dict[str, Category],
    equipment: list[EquipmentModel],
    progress: Progress,
) -> dict[str, int]:
    ids = iter(reserve_ids(ServiceObject, plan.size.objects))
    mint = SerialMint(plan.seed)
    writer = _Writer(clock.now())
    done = 0
    for site_plan, site in zip(plan.sites, sites, strict=True):
        paths: list[str] = []
        pks: list[int] = []
        for node in site_tree(plan, site_plan, mint):
            pk = next(ids)
            path = domain.node_path(paths[node.parent] if node.parent is not None else None, pk)
            paths.append(path)
            pks.append(pk)
            category = categories[node.category] if node.category else None
            model = equipment[node.model] if node.model is not None else None
            writer.objects.append(
                ServiceObject(
                    id=pk,
                    site_id=site.pk,
                    parent_id=pks[node.parent] if node.parent is not None else None,
                    path=path,
                    depth=domain.depth_of(path),
                    name=clean_text(node.name, "name", max_length=200, required=True),
                    category=category,
                    equipment_model=model,
                    serial_number=node.serial,
                    install_date=node.install_date,
                    warranty_end=node.warranty_end,
                    owner_id=customers[node.owner].pk,
                    manager_id=customers[node.manager].pk if node.manager is not None else None,
                    status=node.status,
                    version=1,
                    created_at=writer.now,
                    updated_at=writer.now,
                )
            )
            for key, value, valid_from in node.attributes:
                writer.attributes.append(
                    Attribute(
                        service_object_id=pk,
                        key=key,
                        value=value,
                        valid_from=valid_from,
                        recorded_at=valid_from,
                        recorded_by=ACTOR.label,
                    )
                )
            for at, kind, data in node.history:
                writer.history.append(
                    HistoryEntry(
                        service_object_id=pk,
                        at=at,
                        kind=kind,
                        summary="",
                        data=data,
                        actor_label=ACTOR.label,
                    )
                )
        done += len(pks)
        if len(writer.objects) >= CHUNK:
            writer.flush()
            progress("objects", done, plan.size.objects)
    writer.flush()
    progress("objects", done, plan.size.objects)
    return writer.counts


def _analyze() -> None:
    """Fresh planner statistics (the search plans depend on them right after a bulk load) and, on
    PostgreSQL, GIN indexes with their pending lists merged: a freshly bulk-loaded GIN index keeps new
    entries in an unsorted pending list that every search reads in full until (auto)vacuum merges it.
    ``gin_clean_pending_list`` does that merge and, unlike VACUUM, works inside a transaction."""
    tables = [m._meta.db_table for m in (Customer, Site, Contact, ServiceObject, Attribute, HistoryEntry)]
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                    "WHERE am.amname = 'gin' AND i.indrelid = %s::regclass",
                    [table],
                )
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def load(
    *,
    size: str | Size = "small",
    seed: int = 1,
    progress: Progress = _quiet,
    today: date | None = None,
    service_desk: bool = False,
) -> LoadReport:
    """Load the demo network into an empty database (no customers yet); Conflict otherwise.
    ``service_desk``: also calendars, SLA tiers, contracts, agents and tickets (``service_desk.py``)."""
    started = time_module.perf_counter()
    spec = resolve_size(size)
    plan = make_plan(spec, seed, today or clock.now().date())
    progress("plan", 1, 1)
    with transaction.atomic():
        if Customer.objects.exists():
            raise Conflict("The database already has customers: the demo loads into an empty database only.")
        now = clock.now()
        categories, equipment = _catalogue()
        customers = Customer.objects.bulk_create(
            [Customer(**c.fields, created_at=now, updated_at=now) for c in plan.customers], batch_size=500
        )
        sites = Site.objects.bulk_create(
            [
                Site(customer_id=customers[s.customer].pk, **s.fields, created_at=now, updated_at=now)
                for s in plan.sites
            ],
            batch_size=500,
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    customer_id=customers[c.customer].pk,
                    site_id=sites[c.site].pk if c.site is not None else None,
                    **c.fields,
                    created_at=now,
                    updated_at=now,
                )
                for c in plan.contacts
            ],
            batch_size=500,
        )
        progress("customers", len(customers), len(customers))
        counts = {"customers": len(customers), "sites": len(sites), "contacts": len(plan.contacts)}
        counts |= _write_objects(plan, sites, customers, categories, equipment, progress)
        bank = next((c for c in plan.customers if c.kind == "bank"), plan.customers[0])
        users = ensure_users(ACTOR, customers[bank.index])
        counts["users"] = len(users)
        if service_desk:
            counts |= load_service_desk(plan, customers, ACTOR, progress)
            counts |= load_workforce(plan, ACTOR)
            counts |= load_stock(plan, ACTOR)
            counts |= load_workorders(plan, ACTOR)
            counts |= load_reservations(plan, ACTOR)
            counts |= load_loaners(plan, ACTOR)
            counts |= load_checklists(ACTOR)
        audit.record(
            ACTOR,
            "demo.load",
            object_type="demo.load",
            object_id=seed,
            after={"size": spec.name, "seed": seed, "today": plan.today.isoformat(), **counts},
        )
    _analyze()
    return LoadReport(spec.name, seed, counts, time_module.perf_counter() - started)


def has_customers() -> bool:
    return Customer.objects.exists()
