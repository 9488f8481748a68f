"""The only way web code gets a device, a technician's record or a sync conflict.

- ``X-Device-Id``: a technician's every mobile call names its device; an unknown device, another
  user's, or a revoked one is refused with 401 (``DeviceRefused``). Office staff (managers,
  dispatchers) call the devices and conflicts operations without a device; a header they do send is
  checked all the same.
- A technician sees its own devices and the conflicts of its own devices; managers see every device;
  planners (admin, manager, dispatcher) every conflict. Anything else is NotFound (404).
- ``had_visit``: the visit is, or was before a reassignment, the technician's (its audit log names
  them): what the device did on it is kept, as a conflict, instead of being refused.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, NotFound, gettext_noop
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.mobile.models import Conflict, Device
from tournevis.workforce.models import Technician

DEVICE_HEADER = "X-Device-Id"
DEVICE_MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
CONFLICT_PLANNERS = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER})


class DeviceRefused(DomainError):
    """The call names no device, an unknown one, another user's or a revoked one (401)."""

    status = 401
    title = gettext_noop("Unauthorized")


def device_for(actor: Actor, header: str | None, *, required: bool) -> Device | None:
    """The caller's device named by the ``X-Device-Id`` header value. ``required``: a technician's
    call must name one (other roles may omit it)."""
    if not header:
        if required and actor.role == Role.TECHNICIAN:
            raise DeviceRefused(
                gettext_noop("This call must name its device (X-Device-Id)."), field=DEVICE_HEADER
            )
        return None
    try:
        client_id = uuid.UUID(header.strip())
    except ValueError:
        raise DeviceRefused(gettext_noop("Unknown device."), field=DEVICE_HEADER) from None
    device = Device.objects.filter(client_id=client_id, user_id=actor.user_id or 0).first()
    if device is None:
        raise DeviceRefused(gettext_noop("Unknown device."), field=DEVICE_HEADER)
    if device.revoked_at is not None:
        raise DeviceRefused(gettext_noop("This device was signed out; sign in again."), field=DEVICE_HEADER)
    return device


def technician_of(actor: Actor) -> Technician:
    """The technician record of the calling user (404 when the user has none)."""
    found = Technician.objects.filter(user_id=actor.user_id).first() if actor.user_id else None
    if found is None:
        raise NotFound(_("No technician record is tied to your account."))
    return found


def visible_devices(actor: Actor) -> QuerySet[Device]:
    rows = Device.objects.select_related("user").order_by("user__username", "-last_seen_at", "id")
    if actor.role in DEVICE_MANAGERS:
        return rows
    return rows.filter(user_id=actor.user_id or 0)


def access_device(actor: Actor, device_id: int) -> Device:
    found = visible_devices(actor).filter(pk=device_id).first()
    if found is None:
        raise NotFound(_("No device with id %(id)s.") % {"id": device_id})
    return found


def visible_conflicts(actor: Actor) -> QuerySet[Conflict]:
    rows = Conflict.objects.select_related("device__user", "operation", "visit__work_order")
    if actor.role in CONFLICT_PLANNERS:
        return rows
    return rows.filter(device__user_id=actor.user_id or 0)


def access_conflict(actor: Actor, conflict_id: int) -> Conflict:
    found = visible_conflicts(actor).filter(pk=conflict_id).first()
    if found is None:
        raise NotFound(_("No conflict with id %(id)s.") % {"id": conflict_id})
    return found


def had_visit(technician_id: int, visit_id: int) -> bool:
    """The visit was given to this technician at some point (its audit log names them)."""
    return AuditEvent.objects.filter(
        Q(before__technician_id=technician_id) | Q(after__technician_id=technician_id),
        object_type="workorders.visit",
        object_id=str(visit_id),
    ).exists()
