"""Background entry points of work orders (django-tasks; run by ``tournevis db_worker``)."""

from __future__ import annotations

from django_tasks import task

from tournevis.core import clock
from tournevis.workorders import preventive


@task()
def generate_preventive_work_orders(horizon_days: int | None = None) -> int:
    """Enqueue with ``generate_preventive_work_orders.enqueue()``; the worker tick also runs it."""
    return preventive.generate_preventive(clock.now(), horizon_days)
