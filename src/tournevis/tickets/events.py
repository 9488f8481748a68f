"""The ticket's timeline: one ``Event`` row per thing that happened (status, message, routing...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tournevis.core.actor import Actor
from tournevis.tickets.models import Event, Ticket


def event(ticket: Ticket, kind: str, actor: Actor, at: datetime, **data: Any) -> Event:
    return Event.objects.create(ticket=ticket, at=at, kind=kind, actor_label=actor.label[:200], data=data)
