"""Technicians' calendar feeds: a revocable token URL per feed, its iCalendar document.

The URL carries a random token; only its SHA-256 is stored. Publishing is remembered per visit
(``FeedEntry``): a visit that left the technician (moved to a colleague, unscheduled, cancelled) goes
out once more as cancelled with a higher SEQUENCE, so calendar clients drop it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import NotFound, gettext_noop
from tournevis.dispatch import ical, queries
from tournevis.dispatch.models import Feed, FeedEntry
from tournevis.workforce.models import Technician
from tournevis.workorders.domain import VisitStatus


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_feed(actor: Actor, technician_id: int) -> tuple[Feed, str]:
    """A new feed URL token (shown once; only its hash is kept)."""
    if not Technician.objects.filter(pk=technician_id).exists():
        raise NotFound(gettext_noop("No technician with id %(id)s."), id=technician_id)
    token = secrets.token_urlsafe(32)
    feed = Feed.objects.create(
        technician_id=technician_id,
        token_hash=token_hash(token),
        created_at=clock.now(),
        created_by_id=actor.user_id,
    )
    audit.record(actor, "dispatch.feed.create", feed, before=None, after={"technician_id": technician_id})
    return feed, token


@transaction.atomic
def revoke_feed(actor: Actor, feed_id: int) -> Feed:
    feed = Feed.objects.select_for_update().filter(pk=feed_id).first()
    if feed is None:
        raise NotFound(gettext_noop("No calendar feed with id %(id)s."), id=feed_id)
    if feed.revoked_at is None:
        feed.revoked_at = clock.now()
        feed.save(update_fields=["revoked_at"])
        audit.record(actor, "dispatch.feed.revoke", feed, before={"revoked": False}, after={"revoked": True})
    return feed


FEED_PAST_DAYS = 30
UID_DOMAIN = "tournevis"  # UIDs never change with the host name the feed is fetched through
FEED_FUTURE_DAYS = 90


@transaction.atomic
def feed_document(token: str) -> str | None:
    """The iCalendar text of the feed a token opens (None: unknown or revoked token). Publishing is
    remembered per visit (``FeedEntry``) so a visit that left this technician goes out as cancelled."""
    feed = queries.feed_by_token_hash(token_hash(token))
    if feed is None:
        return None
    now = clock.now()
    low, high = now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)
    entries = {e.visit_id: e for e in FeedEntry.objects.select_for_update().filter(feed=feed)}
    current = {
        v.pk: v
        for v in queries.feed_visits(feed.technician_id, low, high)
        if v.status not in (VisitStatus.UNSCHEDULED.value, VisitStatus.CANCELLED.value)
    }
    for visit_id, visit in current.items():
        order = visit.work_order
        summary = f"{order.number} · {order.customer.name}" + (f" · {order.title}" if order.title else "")
        site = order.site
        place = ", ".join(p for p in (site.name, site.address_line1, site.postal_code, site.city) if p)
        entry = entries.get(visit_id)
        sequence = visit.version if entry is None else max(visit.version, entry.sequence)
        values = {
            "sequence": sequence,
            "start": visit.planned_start,
            "end": visit.planned_end,
            "summary": summary[:300],
            "location": place[:300],
            "cancelled": False,
        }
        if entry is None:
            entries[visit_id] = FeedEntry.objects.create(feed=feed, visit=visit, **values)
        elif any(getattr(entry, k) != v for k, v in values.items()):
            if entry.cancelled:
                values["sequence"] = max(sequence, entry.sequence + 1)
            for name, value in values.items():
                setattr(entry, name, value)
            entry.save()
    for visit_id, entry in entries.items():
        if visit_id not in current and not entry.cancelled:
            entry.cancelled = True
            entry.sequence += 1
            entry.save(update_fields=["cancelled", "sequence"])
    events = [
        ical.Event(
            uid=f"visit-{e.visit_id}@{UID_DOMAIN}",
            sequence=e.sequence,
            start=e.start,
            end=e.end,
            summary=e.summary,
            location=e.location,
            cancelled=e.cancelled,
        )
        for e in sorted(entries.values(), key=lambda e: (e.start, e.visit_id))
        if e.end >= low
    ]
    return ical.calendar(feed.technician.name, events, now=now)
