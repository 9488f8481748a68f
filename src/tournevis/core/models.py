"""Kernel tables: the append-only audit log."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditEvent(models.Model):
    """One write by one actor: what changed, before and after, when and in which request.

    Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002).
    """

    at = models.DateTimeField(db_index=True)
    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        who = f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label}"
        return f"{who} {self.action} {self.object_type}#{self.object_id}"


class IdempotencyKey(models.Model):
    """The first answer to a create sent with an ``Idempotency-Key`` header, replayed on a retry.

    Written in the transaction of the change it answers (core.idempotency), so a key exists exactly
    when the change was committed. Unique per user: two users' keys never collide.
    """

    key = models.CharField(max_length=255)
    actor_user_id = models.BigIntegerField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor_user_id", "key"], name="core_idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] → {self.status}"
