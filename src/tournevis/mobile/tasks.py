"""Periodic work of the technician app (the worker tick's ``mobile`` step)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tournevis.mobile.models import Operation


@transaction.atomic
def purge_operations(now: datetime) -> dict[str, int]:
    """Forget the operations received more than ``MOBILE_OPERATION_DAYS`` ago (longer than any offline
    period: a replay older than that is not expected). An operation whose conflict is still open is
    kept until a planner resolves it."""
    cutoff = now - timedelta(days=settings.MOBILE_OPERATION_DAYS)
    old = Operation.objects.filter(received_at__lt=cutoff).filter(
        Q(conflict__isnull=True) | Q(conflict__resolved_at__isnull=False)
    )
    purged = Operation.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()[1]
    return {"mobile_operations_purged": purged.get(Operation._meta.label, 0)}


def tick(now: datetime) -> dict[str, int]:
    return purge_operations(now)
