"""Devices and sync conflicts, one transaction each.

A device signs in through the app's login page (``register_device``, after Django's ``login``): its
session lasts ``MOBILE_SESSION_DAYS`` and is stored on the device row, so that signing out or a
revocation by its owner or a manager deletes it at once — the device's next call is a 401. Signing in
again with the same device id brings the same row back (its sequence numbering goes on).

A conflict (``sync.apply``) is shown to the technician until seen and to planners until resolved.
"""

from __future__ import annotations

import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict as ConflictError
from tournevis.core.errors import InvalidInput, gettext_noop
from tournevis.identity.models import User
from tournevis.identity.services import actor_for
from tournevis.mobile.models import Conflict, Device

DEVICE_SNAPSHOT = ("user", "client_id", "name", "last_seq", "revoked_at")
CONFLICT_SNAPSHOT = ("reason", "seen_at", "resolved_at", "resolved_by_label", "resolution")
MAX_RESOLUTION = 500


def _client_id(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(gettext_noop("A device id is a UUID."), field="client_id") from None


def _end_session(session_key: str) -> None:
    if session_key:
        engine = import_module(settings.SESSION_ENGINE)
        engine.SessionStore(session_key=session_key).delete()


@transaction.atomic
def register_device(request: HttpRequest, user: User, *, client_id: object, name: str = "") -> Device:
    """Tie the request's (just logged-in) session to the device ``client_id``, for
    ``MOBILE_SESSION_DAYS``. The same device id again is the same device (signed in again); a device
    id another user holds is refused (409 naming ``client_id``: the app makes a new id)."""
    device_id = _client_id(client_id)
    now = clock.now()
    request.session.set_expiry(settings.MOBILE_SESSION_DAYS * 24 * 3600)  # seconds: from each request
    if request.session.session_key is None:
        request.session.save()
    session_key = request.session.session_key or ""
    actor = actor_for(user)
    device = Device.objects.select_for_update().filter(client_id=device_id).first()
    if device is not None and device.user_id != user.pk:
        raise ConflictError(
            gettext_noop("This device id belongs to another user's device."), field="client_id"
        )
    if device is None:
        device = Device.objects.create(
            user=user,
            client_id=device_id,
            name=name.strip()[:200],
            session_key=session_key,
            created_at=now,
            last_seen_at=now,
        )
        audit.record(actor, "device.register", device, after=audit.snapshot(device, DEVICE_SNAPSHOT))
        return device
    before = audit.snapshot(device, DEVICE_SNAPSHOT)
    if device.session_key and device.session_key != session_key:
        _end_session(device.session_key)
    device.name = name.strip()[:200] or device.name
    device.session_key, device.last_seen_at, device.revoked_at = session_key, now, None
    device.save()
    audit.record(
        actor, "device.sign_in", device, before=before, after=audit.snapshot(device, DEVICE_SNAPSHOT)
    )
    return device


@transaction.atomic
def sign_out(request: HttpRequest, device: Device) -> Device:
    """The device signs out: its session ends (Django's ``logout``) and it is marked revoked, so a
    stale copy of its cookie syncs nothing."""
    actor = actor_for(request.user) if request.user.is_authenticated else Actor.system("mobile")
    locked = Device.objects.select_for_update().get(pk=device.pk)
    before = audit.snapshot(locked, DEVICE_SNAPSHOT)
    _end_session(locked.session_key)
    logout(request)
    locked.session_key = ""
    locked.revoked_at = locked.revoked_at or clock.now()
    locked.save()
    audit.record(
        actor, "device.sign_out", locked, before=before, after=audit.snapshot(locked, DEVICE_SNAPSHOT)
    )
    return locked


@transaction.atomic
def revoke_device(actor: Actor, device_id: int) -> Device:
    """Its owner or a manager revokes a device (lost, stolen, given back): its session is deleted, its
    next call is a 401. Revoking a revoked device changes nothing. Access is the caller's
    (``access.access_device``)."""
    device = Device.objects.select_for_update().get(pk=device_id)
    if device.revoked_at is not None and not device.session_key:
        return device
    before = audit.snapshot(device, DEVICE_SNAPSHOT)
    _end_session(device.session_key)
    device.session_key = ""
    device.revoked_at = device.revoked_at or clock.now()
    device.save()
    audit.record(actor, "device.revoke", device, before=before, after=audit.snapshot(device, DEVICE_SNAPSHOT))
    return device


def touch(device: Device) -> None:
    """The device was seen now (not audited: bookkeeping)."""
    now = clock.now()
    Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    device.last_seen_at = now


@transaction.atomic
def mark_seen(actor: Actor, conflict_id: int) -> Conflict:
    """The technician has read the conflict (it leaves the app's list; planners still see it)."""
    conflict = Conflict.objects.select_for_update().get(pk=conflict_id)
    if conflict.seen_at is not None:
        return conflict
    before = audit.snapshot(conflict, CONFLICT_SNAPSHOT)
    conflict.seen_at = clock.now()
    conflict.save(update_fields=["seen_at"])
    audit.record(
        actor, "conflict.seen", conflict, before=before, after=audit.snapshot(conflict, CONFLICT_SNAPSHOT)
    )
    return conflict


@transaction.atomic
def resolve_conflict(actor: Actor, conflict_id: int, *, resolution: str) -> Conflict:
    """A planner closes the conflict, saying what was done (re-planned, records re-entered, …); a
    resolved conflict is not resolved again (409)."""
    text = (resolution or "").strip()
    if not text:
        raise InvalidInput(gettext_noop("This field is required."), field="resolution")
    if len(text) > MAX_RESOLUTION:
        raise InvalidInput(
            gettext_noop("At most %(max)s characters."), field="resolution", max=MAX_RESOLUTION
        )
    conflict = Conflict.objects.select_for_update().get(pk=conflict_id)
    if conflict.resolved_at is not None:
        raise ConflictError(gettext_noop("This conflict is already resolved."), field="resolution")
    before = audit.snapshot(conflict, CONFLICT_SNAPSHOT)
    conflict.resolved_at = clock.now()
    conflict.resolved_by_label = actor.label[:200]
    conflict.resolution = text
    conflict.save(update_fields=["resolved_at", "resolved_by_label", "resolution"])
    audit.record(
        actor, "conflict.resolve", conflict, before=before, after=audit.snapshot(conflict, CONFLICT_SNAPSHOT)
    )
    return conflict
