"""The demo's spare parts and loaners, through ``stock.services`` (a few hundred rows, each with its
audit event and movement).

``load_stock`` (after the workforce, before the work orders):

- three regions matching the technicians' teams (``FR-IDF``, ``FR-ARA``, ``BENELUX``) with six depots
  (two each, with their address and coordinates), a defective-returns area and one consignment stock
  at a bank's site; a van for each demo technician, restocked by the depot nearest their home;
- lanes: ground within each region, express air and (slower) ground between regions — a hazardous
  part never flies;
- forty-one parts (bill counters, sorters, coin counters, recyclers, kiosks, printers, network gear),
  named in French and English, fitted to the demo equipment models, some serialised, one hazardous
  (the kiosks' lithium battery pack);
- stock received at the depots and vans with minimum / maximum; a few levels are left below their
  minimum so that replenishment has proposals;
- four transfers: one planned, three shipped (in transit, one of them late).

``load_reservations`` (after the work orders): the parts of the first six demo work orders that need
some are reserved through ``workorders.parts`` (from the technician's van, else a depot: some travel).

``load_loaners`` (after the work orders): eight loaners (bill counters, a coin counter, a recycler, a
kiosk, routers) at the depots; two loans out for demo work orders — one due back next week, one lent
twelve days ago and three days overdue — and one back, awaiting its inspection.

Everything is drawn from the plan's seed (the same seed on the same day gives the same rows); run
inside the demo load's transaction.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta
from decimal import Decimal

from django.db.models import F

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.domain import great_circle_m
from tournevis.core.errors import DomainError
from tournevis.customers.models import Site
from tournevis.demo.plan import Plan
from tournevis.demo.stock_data import (
    AIR_BETWEEN,
    ALWAYS,
    DEPOTS,
    GROUND_BETWEEN,
    GROUND_WITHIN,
    LOANERS,
    MEASURED,
    PARTS,
    REGIONS,
    PartSpec,
)
from tournevis.installed_base.models import EquipmentModel
from tournevis.stock import services
from tournevis.stock import services_loaners as loaner_services
from tournevis.stock.domain import LocationKind, ShippingMode, Unit
from tournevis.stock.models import Location, Part
from tournevis.workforce.models import Technician
from tournevis.workorders import loaners as workorder_loaners
from tournevis.workorders import parts as workorder_parts
from tournevis.workorders.models import WorkOrder


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper().replace(" ", "-")


class _Stock:
    def __init__(self, plan: Plan, actor: Actor) -> None:
        self.actor = actor
        self.rng = random.Random(f"stock-{plan.seed}")
        self.serial_counter: dict[str, int] = {}
        self.models = {
            f"{m.manufacturer}/{m.name}": m for m in EquipmentModel.objects.select_related("category")
        }

    # --- Catalogue ---------------------------------------------------------------------------------------

    def _fits(self, spec: PartSpec) -> list[int]:
        ids: list[int] = []
        for key in spec.fits:
            if "/" in key:
                ids += [self.models[key].pk] if key in self.models else []
            else:
                ids += [m.pk for m in self.models.values() if m.category.code == key]
        return sorted(set(ids))

    def parts(self) -> dict[str, Part]:
        made = {}
        for spec in PARTS:
            made[spec.reference] = services.create_part(
                self.actor,
                {
                    "reference": spec.reference,
                    "name_en": spec.name_en,
                    "name_fr": spec.name_fr,
                    "unit": spec.unit,
                    "serialised": spec.serialised,
                    "unit_cost_minor": spec.cost * 100,
                    "unit_price_minor": round(spec.cost * 100 * 1.6),
                    "currency": "EUR",
                    "shipping_class": spec.shipping,
                    "fits": self._fits(spec),
                },
            )
        return made

    # --- Places ------------------------------------------------------------------------------------------

    def depots(self) -> dict[str, Location]:
        return {
            d.code: services.create_location(
                self.actor,
                {
                    "code": d.code,
                    "name": d.name,
                    "kind": LocationKind.DEPOT.value,
                    "region": d.region,
                    "address": d.address,
                    "latitude": d.latitude,
                    "longitude": d.longitude,
                    "timezone": d.timezone,
                },
            )
            for d in DEPOTS
        }

    def lanes(self) -> int:
        regions = sorted(set(REGIONS.values()))
        count = 0
        for origin in regions:
            for destination in regions:
                lanes = (
                    [(ShippingMode.GROUND, GROUND_WITHIN[origin])]
                    if origin == destination
                    else [(ShippingMode.GROUND, GROUND_BETWEEN), (ShippingMode.EXPRESS_AIR, AIR_BETWEEN)]
                )
                for mode, hours in lanes:
                    services.set_lane(
                        self.actor,
                        origin_region=origin,
                        destination_region=destination,
                        mode=mode.value,
                        lead_hours=hours,
                    )
                    count += 1
        return count

    def vans(self, depots: dict[str, Location]) -> list[Location]:
        made = []
        for technician in Technician.objects.filter(active=True).order_by("id"):
            home = min(
                DEPOTS,
                key=lambda d: great_circle_m(
                    technician.home_latitude, technician.home_longitude, d.latitude, d.longitude
                ),
            )
            made.append(
                services.create_location(
                    self.actor,
                    {
                        "code": f"VAN-{_ascii(technician.name)}",
                        "name": f"Véhicule de {technician.name}",
                        "kind": LocationKind.VAN.value,
                        "region": home.region,
                        "latitude": technician.home_latitude,
                        "longitude": technician.home_longitude,
                        "timezone": technician.timezone,
                        "technician_id": technician.pk,
                        "depot_id": depots[home.code].pk,
                    },
                )
            )
        return made

    def others(self, depots: dict[str, Location]) -> list[Location]:
        made = [
            services.create_location(
                self.actor,
                {
                    "code": "RET-PAR",
                    "name": "Retours défectueux Paris",
                    "kind": LocationKind.DEFECTIVE.value,
                    "region": "FR-IDF",
                    "address": DEPOTS[0].address,
                    "timezone": "Europe/Paris",
                    "depot_id": depots["DEP-PAR-N"].pk,
                },
            )
        ]
        site = (
            Site.objects.filter(customer__name__icontains="banque", latitude__isnull=False)
            .order_by("id")
            .first()
            or Site.objects.filter(latitude__isnull=False).order_by("id").first()
        )
        if site is not None and site.latitude is not None and site.longitude is not None:
            lat, lon = site.latitude, site.longitude
            nearest = min(DEPOTS, key=lambda d: great_circle_m(lat, lon, d.latitude, d.longitude))
            made.append(
                services.create_location(
                    self.actor,
                    {
                        "code": f"CONS-{site.pk}",
                        "name": f"Stock en consignation {site.name}"[:200],
                        "kind": LocationKind.CONSIGNMENT.value,
                        "region": nearest.region,
                        "latitude": site.latitude,
                        "longitude": site.longitude,
                        "timezone": site.timezone,
                        "site_id": site.pk,
                        "depot_id": depots[nearest.code].pk,
                    },
                )
            )
        return made

    # --- Stock levels ------------------------------------------------------------------------------------

    def _serials(self, part: Part, count: int) -> list[str]:
        start = self.serial_counter.get(part.reference, 0)
        self.serial_counter[part.reference] = start + count
        prefix = part.reference.split("-")[0][:4]
        return [f"{prefix}{self.rng.randint(10, 99)}{start + n + 1:05d}" for n in range(count)]

    def _stock(self, place: Location, part: Part, spec: PartSpec, *, low: bool, van: bool) -> None:
        """Receive a quantity and set the minimum / maximum; ``low``: left below the minimum."""
        if spec.unit != Unit.UNIT.value:
            lo, hi = MEASURED[spec.unit]
            minimum, maximum = (Decimal(lo // 2), Decimal(lo)) if van else (Decimal(lo), Decimal(hi))
            on_hand = minimum / 2 if low else Decimal(self.rng.randint(int(minimum), int(maximum)))
        elif spec.serialised:
            minimum, maximum = (
                (Decimal(1), Decimal(2)) if van else (Decimal(2), Decimal(self.rng.randint(4, 6)))
            )
            on_hand = minimum - 1 if low else Decimal(self.rng.randint(int(minimum), int(maximum)))
        else:
            minimum = Decimal(self.rng.randint(2, 4) if van else self.rng.randint(5, 10))
            maximum = minimum * (2 if van else 3)
            on_hand = (
                Decimal(self.rng.randint(0, int(minimum) - 1))
                if low
                else Decimal(self.rng.randint(int(minimum), int(maximum)))
            )
        if on_hand > 0:
            services.receive(
                self.actor,
                place.pk,
                part.pk,
                on_hand,
                serials=self._serials(part, int(on_hand)) if spec.serialised else (),
                reason="Stock initial",
                reference=f"BL-{self.rng.randint(100000, 999999)}",
            )
        services.set_limits(self.actor, place.pk, part.pk, minimum=minimum, maximum=maximum)

    def levels(self, parts: dict[str, Part], depots: dict[str, Location], vans: list[Location]) -> int:
        count = 0
        for depot in DEPOTS:
            share = 0.5 if depot.main else 0.2
            chosen = [s for s in PARTS if (depot.main and s.reference in ALWAYS) or self.rng.random() < share]
            low = set(self.rng.sample([s.reference for s in chosen], k=2))
            for spec in chosen:
                self._stock(
                    depots[depot.code], parts[spec.reference], spec, low=spec.reference in low, van=False
                )
                count += 1
        carried = [s for s in PARTS if s.van]
        for index, van in enumerate(vans):
            for spec in self.rng.sample(carried, k=min(len(carried), self.rng.randint(2, 4))):
                short = index % 5 == 0 and spec.reference in ("PAPER-ROLL-80", "FUSE-T5A", "BELT-GFS-220")
                self._stock(van, parts[spec.reference], spec, low=short, van=True)
                count += 1
        return count

    def transfers(self, parts: dict[str, Part], depots: dict[str, Location], vans: list[Location]) -> int:
        """One planned, three shipped (one of which is late)."""
        now = clock.now()
        moves = [
            ("DEP-PAR-N", "DEP-LIL", "SENSOR-UV-3", None, False),
            ("DEP-LYS", "DEP-GRE", "RECYC-ROLLERS", None, True),
            ("DEP-BRU", "DEP-PAR-S", "KIOSK-PINPAD", ShippingMode.EXPRESS_AIR.value, True),
            ("DEP-PAR-N", "VAN", "PSU-24V-150W", None, True),
        ]
        made = 0
        for source_code, destination_code, reference, mode, ship in moves:
            part = parts[reference]
            source = depots[source_code]
            destination = vans[0] if destination_code == "VAN" and vans else depots.get(destination_code)
            if destination is None:
                continue
            level = source.levels.filter(part=part).first()
            if level is None or level.on_hand - level.reserved < 1:
                continue
            serials: list[str] = []
            if part.serialised:
                serials = list(
                    part.serial_units.filter(location=source)
                    .order_by("serial")
                    .values_list("serial", flat=True)[:1]
                )
            late = made == 1  # the second one is expected two hours ago
            transfer = services.create_transfer(
                self.actor,
                part_id=part.pk,
                quantity=1,
                source_id=source.pk,
                destination_id=destination.pk,
                serials=serials,
                reason="Réassort",
                mode=mode,
                expected_arrival=now - timedelta(hours=2) if late and ship else None,
            )
            if ship:
                services.ship_transfer(self.actor, transfer.pk)
            made += 1
        return made


def load_stock(plan: Plan, actor: Actor) -> dict[str, int]:
    """Write the demo catalogue, locations, lanes, stock and transfers (inside the demo load's
    transaction); returns counts of what it made."""
    stock = _Stock(plan, actor)
    parts = stock.parts()
    depots = stock.depots()
    lanes = stock.lanes()
    vans = stock.vans(depots)
    others = stock.others(depots)
    levels = stock.levels(parts, depots, vans)
    transfers = stock.transfers(parts, depots, vans)
    return {
        "parts": len(parts),
        "stock_locations": len(depots) + len(vans) + len(others),
        "lanes": lanes,
        "stock_levels": levels,
        "transfers": transfers,
    }


def load_loaners(plan: Plan, actor: Actor) -> dict[str, int]:
    """Write the demo loaners and their loans (after the work orders); returns counts."""
    models = {f"{m.manufacturer}/{m.name}": m for m in EquipmentModel.objects.all()}
    depots = {loc.code: loc for loc in Location.objects.filter(kind=LocationKind.DEPOT.value)}
    made = []
    for key, serial, depot in LOANERS:
        if key not in models or depot not in depots:
            continue
        made.append(
            loaner_services.create_loaner(
                actor,
                {"equipment_model_id": models[key].pk, "serial": serial, "location_id": depots[depot].pk},
            )
        )
    orders = list(
        WorkOrder.objects.select_related("contract")
        .exclude(status__in=[s.value for s in workorder_loaners.CLOSED])
        .order_by(F("contract__loaner_included").desc(nulls_last=True), "id")[:3]
    )
    now = clock.now()
    loans = 0
    # (loaner, lent days ago, due back in days, returned days ago)
    plans = ((0, 2, 7, None), (6, 12, -3, None), (3, 20, -6, 2))
    for (index, ago, due_in, returned), order in zip(plans, orders, strict=False):
        if index >= len(made):
            continue
        lent_at = now - timedelta(days=ago)
        with clock.frozen(lent_at):
            reason = "" if workorder_loaners.entitled(order) else "Démonstration"
            loan = workorder_loaners.lend_for_work_order(
                actor,
                order.pk,
                made[index].pk,
                (now + timedelta(days=due_in)).date(),
                override_reason=reason,
            )
        if returned is not None:
            with clock.frozen(now - timedelta(days=returned)):
                loaner_services.return_loaner(actor, loan.pk)
        loans += 1
    return {"loaners": len(made), "loans": loans}


RESERVED_ORDERS = 6


def load_reservations(plan: Plan, actor: Actor) -> dict[str, int]:
    """Reserve the parts of the first demo work orders that need some (after the work orders), through
    ``workorders.parts``: from the technician's van when it carries them, else from a depot — some
    travel, and their work orders wait for parts. A work order whose parts cannot be found is left
    without reservation."""
    orders = WorkOrder.objects.exclude(status__in=[s.value for s in workorder_loaners.CLOSED]).order_by("id")
    reserved = 0
    for order in orders:
        if reserved >= RESERVED_ORDERS:
            break
        if not order.parts_needed:
            continue
        lines = [{"part": line["reference"], "quantity": line["quantity"]} for line in order.parts_needed]
        try:
            workorder_parts.reserve_parts(actor, order.pk, lines)
        except DomainError:
            continue
        reserved += 1
    return {"work_orders_with_parts": reserved}
