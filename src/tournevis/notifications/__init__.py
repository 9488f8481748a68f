"""Notifications: the outbox for e-mail (later SMS and webhooks) and its delivery log.

A side effect is written as an outbox row in the same transaction as the change that causes it;
``deliver_pending`` (run by ``tournevis worker``) sends it, retrying with backoff, so nothing
acknowledged is lost and nothing is sent for a change that rolled back.

Tables owned: notifications_outboundemail.
Events: none.
"""
