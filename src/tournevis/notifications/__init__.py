"""Notifications: the outbox for e-mail, SMS and webhooks, and its delivery log.

A side effect is written as an outbox row in the same transaction as the change that causes it
(``services.queue_email`` / ``queue_sms`` / ``queue_webhook``); ``delivery.deliver_outbox`` (run by
``tournevis worker``) claims each row with a lease, sends it with a stable key (Message-ID,
Idempotency-Key) and records one ``DeliveryAttempt`` per try, retrying with backoff, so nothing
acknowledged is lost and nothing is sent for a change that rolled back. See docs/contexts/notifications.md.

Glossary: *subject_ref* — the caller's reference of what a message is about (``ticket:T-2026-000042``),
used by ``queries.delivery_log``; *purpose* — why it is sent (``ticket.ack``), used by
``queries.delivered_webhooks``; *lease* — ``claimed_until``, how long a worker's claim holds.

Modules: ``domain`` (pure rules), ``models``, ``services`` (queue), ``delivery`` (claim/send/record),
``sms`` (backends), ``webhooks`` (HTTP transport), ``queries`` (read side), ``rendering`` (templates).

Tables owned: notifications_outboundemail, notifications_outboundemailattachment (files sent with an
e-mail), notifications_outboundsms, notifications_outboundwebhook, notifications_deliveryattempt.
Events: none (higher contexts poll ``queries.delivered_webhooks`` and mark rows handled).
"""
