"""The equipment tree of each demo site: areas → machines → modules (→ sub-modules). Pure.

A site gets exactly its planned number of nodes. Machines carry a serial number that is unique per
model (a running number per model with random gaps), an install date, a warranty, a status, and
effective-dated attributes: firmware versions moving forward over the years, counter readings, and
the management address of network gear. Serials and statuses go through ``installed_base.domain``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tournevis.demo import catalogue
from tournevis.demo.plan import CustomerPlan, Plan, SitePlan, weighted
from tournevis.installed_base.domain import ObjectStatus, clean_attribute_key, clean_serial, clean_status

_CATEGORY = {c.code: c for c in catalogue.CATEGORIES}
_MODELS_BY_CATEGORY: dict[str, list[int]] = {}
for _i, _m in enumerate(catalogue.MODELS):
    _MODELS_BY_CATEGORY.setdefault(_m.category, []).append(_i)
_COUNTED = {"bill-counter", "banknote-sorter", "coin-counter", "cash-recycler"}
_STATUSES = (
    (ObjectStatus.ACTIVE.value, 90), (ObjectStatus.IN_REPAIR.value, 4),
    (ObjectStatus.ON_LOAN.value, 3), (ObjectStatus.RETIRED.value, 3),
)


@dataclass
class Node:
    local: int  # position in the site's list; parents come first
    parent: int | None
    name: str
    category: str | None = None
    model: int | None = None  # index in catalogue.MODELS
    serial: str = ""
    status: str = ObjectStatus.ACTIVE.value
    install_date: date | None = None
    warranty_end: date | None = None
    owner: int = 0  # customer index
    manager: int | None = None
    attributes: list[tuple[str, Any, datetime]] = field(default_factory=list)
    history: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)


class SerialMint:
    """Running numbers per model, with gaps, formatted the manufacturer's way: unique per model."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"tournevis-demo:{seed}:serials")
        self.next: dict[int, int] = {}

    def issue(self, model: int, made: date) -> str:
        number = self.next.get(model) or self.rng.randint(1_000, 40_000)
        self.next[model] = number + self.rng.randint(1, 23)
        raw = catalogue.MODELS[model].serial_format.format(yy=made.year % 100, n=number)
        serial = clean_serial(raw)
        assert serial == raw, raw
        return serial


def _at(day: date, tz: ZoneInfo, rng: random.Random) -> datetime:
    """A working-hours moment of ``day`` on the site's clock, in UTC."""
    local = datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))), tzinfo=tz)
    return local.astimezone(ZoneInfo("UTC"))


def _between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _choose_model(rng: random.Random, customer: CustomerPlan, category: str) -> int:
    if rng.random() < 0.7:
        return customer.preferred[category]
    return rng.choice(_MODELS_BY_CATEGORY[category])


class SiteTreeBuilder:
    def __init__(self, plan: Plan, site: SitePlan, mint: SerialMint) -> None:
        self.plan, self.site, self.mint = plan, site, mint
        self.customer = plan.customers[site.customer]
        self.rng = random.Random(f"tournevis-demo:{plan.seed}:site:{site.index}")
        self.tz = ZoneInfo(site.fields["timezone"])
        self.fr = self.customer.fields["language"] == "fr"
        self.nodes: list[Node] = []
        self.numbers: dict[str, int] = {}

    def _add(self, parent: int | None, name: str, **values: Any) -> Node:
        node = Node(len(self.nodes), parent, name, owner=self.customer.index, **values)
        self.nodes.append(node)
        return node

    def build(self) -> list[Node]:
        budget = self.site.budget
        kind = catalogue.SITE_KINDS[self.site.kind]
        codes: tuple[str, ...] = kind["areas"]  # type: ignore[assignment]
        codes = codes[: max(1, min(len(codes), budget // 7))]
        areas = []
        for code in codes:
            en, fr, _ = catalogue.AREAS[code]
            areas.append((code, self._add(None, fr if self.fr else en)))
        left = budget - len(areas)
        network = ["router", "switch"] if any(code == "back-office" for code, _ in areas) else []
        while left > 0:
            if network:
                category = network.pop(0)
                area = next(node for code, node in areas if code == "back-office")
            else:
                code, area = self.rng.choice(areas)
                category = weighted(self.rng, catalogue.AREAS[code][2])
            left -= self._machine(area.local, category, left)
        assert len(self.nodes) == budget
        return self.nodes

    def _machine(self, parent: int, category: str, room: int) -> int:
        """Add a machine with as many of its modules as ``room`` allows; return the nodes added."""
        rng, spec = self.rng, _CATEGORY[category]
        model = _choose_model(rng, self.customer, category)
        self.numbers[category] = n = self.numbers.get(category, 0) + 1
        today = self.plan.today
        installed = _between(rng, today - timedelta(days=8 * 365), today - timedelta(days=60))
        status = clean_status(weighted(rng, _STATUSES))
        owner, manager = self.customer.index, self.customer.dealer
        if status == ObjectStatus.ON_LOAN and self.customer.dealer is not None:
            owner = self.customer.dealer  # a loaner from the dealer's pool
        machine = self._add(
            parent, f"{spec.label_fr if self.fr else spec.label_en} {n:02d}",
            category=category, model=model, serial=self.mint.issue(model, installed), status=status,
            install_date=installed,
            warranty_end=installed + timedelta(days=365 * rng.choice((2, 2, 2, 3, 3, 5))),
            manager=manager,
        )
        machine.owner = owner
        self._dated(machine, category, model, installed)
        added, layout = 1, catalogue.LAYOUTS[category]
        parts = layout[: rng.randint(min(2, len(layout)), len(layout))]
        for part in parts:
            if added >= room:
                break
            module = self._module(machine, part.fr if self.fr else part.en, part.printer, installed)
            added += 1
            for en, fr in part.children:
                if added >= room:
                    break
                self._module(module, fr if self.fr else en, False, installed)
                added += 1
        return added

    def _module(self, parent: Node, name: str, printer: bool, installed: date) -> Node:
        status = parent.status if parent.status == ObjectStatus.RETIRED else ObjectStatus.ACTIVE.value
        values: dict[str, Any] = {"status": status, "install_date": installed, "manager": parent.manager}
        if printer:
            model = self.rng.choice(_MODELS_BY_CATEGORY["receipt-printer"])
            values.update(category="receipt-printer", model=model, serial=self.mint.issue(model, installed))
        node = self._add(parent.local, name, **values)
        node.owner = parent.owner
        return node

    def _dated(self, machine: Node, category: str, model: int, installed: date) -> None:
        """Firmware releases over time, counter readings, a management address; and the timeline."""
        rng, today = self.rng, self.plan.today
        installed_at = _at(installed, self.tz, rng)
        created = {"name": machine.name, "serial_number": machine.serial}
        machine.history.append((installed_at, "created", created))
        releases = catalogue.MODELS[model].firmware
        start = rng.randint(0, max(0, len(releases) - 2))
        day = installed
        for version in releases[start:]:
            self._attribute(machine, "firmware_version", version,
                            installed_at if day == installed else _at(day, self.tz, rng))
            earliest_upgrade = day + timedelta(days=60)
            if rng.random() < 0.45 or earliest_upgrade >= today:
                break
            day = _between(rng, earliest_upgrade, today)
        if category in _COUNTED:
            per_day = rng.randint(800, 25_000)
            day = installed
            for _ in range(rng.randint(1, 4)):
                if day + timedelta(days=30) > today:
                    break
                day = _between(rng, day + timedelta(days=30), today)
                reading = per_day * (day - installed).days + rng.randint(0, per_day)
                self._attribute(machine, "counter_reading", reading, _at(day, self.tz, rng))
        elif category in ("router", "switch"):
            host = 1 if category == "router" else 2
            address = f"10.{self.customer.index % 250}.{self.site.index % 250}.{host}"
            self._attribute(machine, "management_ip", address, installed_at)
        if machine.status != ObjectStatus.ACTIVE:
            at = _at(_between(rng, today - timedelta(days=120), today - timedelta(days=1)), self.tz, rng)
            machine.history.append((at, "status", {"changes": {"status": machine.status},
                                                   "before": {"status": ObjectStatus.ACTIVE.value}}))

    def _attribute(self, node: Node, key: str, value: Any, valid_from: datetime) -> None:
        node.attributes.append((clean_attribute_key(key), value, valid_from))
        data = {"key": key, "value": value, "valid_from": valid_from.isoformat()}
        node.history.append((valid_from, "attribute", data))


def site_tree(plan: Plan, site: SitePlan, mint: SerialMint) -> list[Node]:
    return SiteTreeBuilder(plan, site, mint).build()
