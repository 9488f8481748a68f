"""The demo's spare parts and loaners: regions and depots, a van per technician at its nearest depot,
lanes, the catalogue, stock with some levels below minimum (replenishment has proposals), transfers
in transit, and the loaner pool with two loans out (one overdue) — through the stock services."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.domain import great_circle_m
from tournevis.core.models import AuditEvent
from tournevis.demo import loader
from tournevis.stock import queries, queries_loaners
from tournevis.stock.models import (
    Lane,
    Loan,
    Loaner,
    Location,
    Part,
    Reservation,
    SerialUnit,
    StockLevel,
    Transfer,
)
from tournevis.workforce.models import Technician

from .test_demo import DAY

STAFF = Actor(user_id=None, label="tests", role="manager")


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The demo loaded once for the module, in a transaction rolled back at the end (each test runs in
    a savepoint inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with clock.frozen(DAY):
                yield loader.load(size="small", seed=1, service_desk=True).counts
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def counts(db: None, loaded: dict[str, int]) -> dict[str, int]:
    return loaded


def test_regions_depots_vans_and_lanes(counts: dict[str, int]) -> None:
    depots = list(Location.objects.filter(kind="depot").order_by("code").values_list("code", "region"))
    assert depots == [
        ("DEP-BRU", "BENELUX"),
        ("DEP-GRE", "FR-ARA"),
        ("DEP-LIL", "BENELUX"),
        ("DEP-LYS", "FR-ARA"),
        ("DEP-PAR-N", "FR-IDF"),
        ("DEP-PAR-S", "FR-IDF"),
    ]
    assert not Location.objects.filter(kind="depot", latitude__isnull=True).exists()
    assert dict(Counter(Location.objects.values_list("kind", flat=True))) == {
        "depot": 6,
        "van": 16,
        "defective": 1,
        "consignment": 1,
        "in_transit": 1,
    }
    assert counts["stock_locations"] == 24
    # Every technician has a van restocked by the depot nearest their home, in that depot's region
    for van in Location.objects.filter(kind="van").select_related("technician", "depot"):
        technician = van.technician
        assert technician is not None and van.depot is not None
        nearest = min(
            Location.objects.filter(kind="depot"),
            key=lambda d: great_circle_m(
                technician.home_latitude, technician.home_longitude, d.latitude, d.longitude
            ),
        )
        assert (van.depot_id, van.region) == (nearest.pk, nearest.region)
    assert Technician.objects.count() == Location.objects.filter(kind="van").count()
    # Ground within a region, ground and express air between regions
    assert Lane.objects.count() == counts["lanes"] == 15
    within = {
        (lane.origin_region, lane.mode)
        for lane in Lane.objects.all()
        if lane.origin_region == lane.destination_region
    }
    assert within == {("BENELUX", "ground"), ("FR-ARA", "ground"), ("FR-IDF", "ground")}
    between = Counter(
        lane.mode for lane in Lane.objects.all() if lane.origin_region != lane.destination_region
    )
    assert between == {"ground": 6, "express_air": 6}


def test_the_catalogue_and_the_stock(counts: dict[str, int]) -> None:
    assert Part.objects.count() == counts["parts"] == 41
    assert Part.objects.filter(serialised=True).count() == 16
    assert list(Part.objects.filter(shipping_class="hazardous").values_list("reference", flat=True)) == [
        "KIOSK-UPS-BATT"
    ]
    assert not Part.objects.filter(fits__isnull=True).exists()  # every part fits a demo model
    assert all(part.name_fr and part.name_en for part in Part.objects.all())
    assert StockLevel.objects.exclude(location__kind="in_transit").count() == counts["stock_levels"]
    assert not StockLevel.objects.filter(minimum__isnull=True).exclude(location__kind="in_transit").exists()
    # Serial units match the quantities on hand of serialised parts (in transit included)
    serialised = StockLevel.objects.filter(part__serialised=True)
    assert SerialUnit.objects.filter(status__in=["in_stock", "in_transit"]).count() == sum(
        int(level.on_hand) for level in serialised
    )
    # Some levels are below their minimum: replenishment proposes transfers
    below = queries.levels(below_minimum=True)
    assert len(below) >= 5
    assert len(queries.replenishment_proposals()) >= 3
    # Four transfers: one planned, three in transit (one late)
    restock = Transfer.objects.filter(reason="Réassort")
    assert dict(Counter(restock.values_list("status", flat=True))) == {"planned": 1, "in_transit": 3}
    assert counts["transfers"] == 4
    assert restock.filter(status="in_transit", expected_arrival__lt=DAY).count() == 1


def test_the_loaner_pool_and_its_loans(counts: dict[str, int]) -> None:
    assert (counts["loaners"], counts["loans"]) == (8, 3)
    statuses = Counter(Loaner.objects.values_list("status", flat=True))
    assert statuses == {"available": 5, "lent": 2, "inspection": 1}
    out = queries_loaners.loans_out(STAFF, DAY)
    assert len(out) == 2
    assert sorted(row.overdue for row in out) == [0, 3]
    assert sorted(row.days_out for row in out) == [2, 12]
    assert all(loan.demand_type == "workorder" and loan.demand_label for loan in Loan.objects.all())
    back = Loan.objects.get(returned_at__isnull=False)
    assert (back.returned_at, back.inspection) == (DAY - timedelta(days=2), "")
    # The overdue loan is due a reminder
    assert len(queries_loaners.loans_due_for_reminder(DAY)) >= 1


def test_some_work_orders_have_their_parts_reserved(counts: dict[str, int]) -> None:
    assert counts["work_orders_with_parts"] >= 3
    reserved = Reservation.objects.filter(demand_type="workorder", status="active")
    assert reserved.values("demand_id").distinct().count() == counts["work_orders_with_parts"]
    assert all(row.explanation for row in reserved)
    # Some travel: their transfers are planned for the work orders
    assert Transfer.objects.filter(demand_type="workorder", status="planned").count() >= 1


def test_the_phase_goes_through_the_services(counts: dict[str, int]) -> None:
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["stock.part.create"] == 41
    assert actions["stock.location.create"] == 24
    assert actions["stock.loaner.create"] == 8
    assert actions["stock.loan.create"] == 3
    assert actions["workorder.loaner.lend"] == 3
