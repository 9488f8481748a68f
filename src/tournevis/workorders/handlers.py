"""Reactions of work orders to lower contexts' events (``core.events``, after commit), subscribed in
``apps.WorkordersConfig.ready``.

- ``stock.transfer_received``: a transfer of a work order's parts arrived — the work order's audit log
  records it; when nothing else is awaited its SLA clocks paused for parts resume (``parts.sync_sla``).
- ``stock.transfer_cancelled``: the same, for a cancelled transfer (its reservations were released).
"""

from __future__ import annotations

from typing import Any

from tournevis.core.actor import Actor
from tournevis.workorders import parts

ACTOR = Actor.system("stock")


def transfer_received(
    *, transfer_id: int, demand_type: str = "", demand_id: int | None = None, **_: Any
) -> None:
    if demand_type == parts.DEMAND and demand_id is not None:
        parts.transfer_event(ACTOR, demand_id, transfer_id, "received")


def transfer_cancelled(
    *, transfer_id: int, demand_type: str = "", demand_id: int | None = None, **_: Any
) -> None:
    if demand_type == parts.DEMAND and demand_id is not None:
        parts.transfer_event(ACTOR, demand_id, transfer_id, "cancelled")
