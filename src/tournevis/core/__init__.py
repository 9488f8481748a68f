"""Kernel shared by every context.

Purpose: the few things every context needs and nothing business-specific.
- clock: the injectable source of "now" (never call ``timezone.now()`` in logic).
- errors: the exceptions services raise for bad input (``InvalidInput`` names the field), missing or
  forbidden objects (``NotFound``) and conflicts; the web layers map them to problem+json / pages.
- actor: who is acting (a user through a session or an API token, or the system).
- requestid: the request id carried by every audit event.
- audit: the append-only audit log, written in the same transaction as each change.

- idempotency: ``Idempotency-Key`` handling for API writes; rest: pagination, ETag/If-Match, strict bodies.

Tables owned: core_auditevent (append-only; a database trigger refuses UPDATE and DELETE),
core_idempotencykey (the first answer to each key, stored in the change's transaction).
Events: none.
"""
