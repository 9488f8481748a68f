"""The technician app: an installable, offline-first PWA at ``/m/`` and its sync API
(``/api/v1/mobile/…``), docs/adr/0004-technician-app-offline.md and docs/contexts/mobile.md.

Glossary:
- Device: one phone or tablet a technician signed in on; its session is long (``MOBILE_SESSION_DAYS``)
  but revocable (``revoked_at``: its session ends at once, its next sync is refused).
- Operation: one change made on the device (check-in, a checklist answer, a part used…), queued in the
  device's IndexedDB outbox with a client UUID (sent as ``Idempotency-Key``) and a per-device sequence
  number; the server applies each at most once, in sequence order, and keeps its answer to replay it.
- Sync conflict: an operation the server could not apply as the technician meant it (the visit was
  cancelled, moved or given to someone else, a row changed since the device read it, a signature for a
  report that changed); recorded with the whole operation, shown to the technician and the dispatcher.

Tables owned: mobile_device, mobile_operation, mobile_conflict.
Calls down: workorders (visit steps and records, report), stock (catalogue, van), installed_base
(object tree, history), customers, workforce (the technician of a user).
Events published: none.
"""
