"""Helpers of the loaner tests (stock, work orders, API, pages): depots and loaners.

Depots are written directly (one row each, audited by nothing): these tests are about loaners, not
about the catalogue's services."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import SYSTEM, World
from tournevis.core import clock
from tournevis.stock import services_loaners
from tournevis.stock.models import Loan, Loaner, Location

# Tuesday 10 March 2026, 09:00 in Paris
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
DUE = date(2026, 3, 20)


def depot(code: str = "DEP-PAR", *, kind: str = "depot", region: str = "FR-IDF", **extra: object) -> Location:
    found = Location.objects.filter(code=code).first()
    if found is not None:
        return found
    now = clock.now()
    return Location.objects.create(
        code=code,
        name=f"Depot {code}",
        kind=kind,
        region=region,
        latitude=48.86,
        longitude=2.35,
        timezone="Europe/Paris",
        created_at=now,
        updated_at=now,
        **extra,
    )


def loaner(world: World, serial: str = "LN-001", location: Location | None = None) -> Loaner:
    with clock.frozen(NOW):
        return services_loaners.create_loaner(
            SYSTEM,
            {
                "equipment_model_id": world.model.pk,
                "serial": serial,
                "location_id": (location or depot()).pk,
            },
        )


def lent(world: World, serial: str = "LN-001", due_back: date = DUE, own: bool = True) -> Loan:
    """A loaner lent to party a (own) or b at NOW."""
    party = world.a if own else world.b
    item = loaner(world, serial)
    with clock.frozen(NOW):
        return services_loaners.lend(
            SYSTEM, item.pk, customer_id=party.customer.pk, site_id=party.site.pk, due_back=due_back
        )
