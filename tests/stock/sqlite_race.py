"""The SQLite reservation race of ``test_concurrency`` in a process of its own: migrates a fresh SQLite
file (``TOURNEVIS_VAR_DIR``, the project's SQLite settings), puts 10 units at a depot, lets 50 threads
reserve 1 unit each at once, and prints what happened as one JSON line."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tournevis.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    call_command("migrate", verbosity=0)
    from tests.stock import test_concurrency as race
    from tournevis.stock import reservations
    from tournevis.stock.models import Reservation, StockLevel, Transfer
    from tournevis.stock.reservations import Destination

    part, source, other = race._stock(10)
    won, refused, errors = race._race(
        50,
        lambda: reservations.reserve(
            race.SYSTEM,
            demand_type="workorder",
            demand_id=1,
            part_id=part.pk,
            quantity=1,
            destination=Destination(other.pk),
        ),
    )
    level = StockLevel.objects.get(part=part, location=source)
    sys.stdout.write(
        json.dumps(
            {
                "vendor": connection.vendor,
                "won": len(won),
                "refused": len(refused),
                "errors": [repr(e) for e in errors],
                "messages": sorted({e.message for e in refused}),
                "on_hand": format(level.on_hand.normalize(), "f"),
                "reserved": format(level.reserved.normalize(), "f"),
                "active_reservations": Reservation.objects.filter(status="active").count(),
                "transfers": Transfer.objects.count(),
                "negative": StockLevel.objects.filter(Q(on_hand__lt=0) | Q(reserved__lt=0)).count(),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
