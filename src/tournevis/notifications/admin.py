"""Read-only admin pages of the outbox and its delivery log (rows are written by services only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tournevis.notifications.models import (
    DeliveryAttempt,
    OutboundEmail,
    OutboundEmailAttachment,
    OutboundSms,
    OutboundWebhook,
)

SECRET_HEADERS = ("authorization", "x-api-key", "x-hub-signature", "x-hub-signature-256", "private-token")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        excluded = self.get_exclude(request, obj) or ()
        return [f.name for f in self.model._meta.fields if f.name not in excluded]


class AttachmentInline(admin.TabularInline):
    model = OutboundEmailAttachment
    fields = ("position", "filename", "content_type", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundEmailAttachment)
class OutboundEmailAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("email", "position", "filename", "content_type", "size")
    search_fields = ("filename", "email__to", "email__subject")
    exclude = ("content",)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    inlines = (AttachmentInline,)
    list_display = ("created_at", "to", "subject", "purpose", "subject_ref", "status", "attempts", "sent_at")
    list_filter = ("status", "purpose")
    search_fields = ("to", "subject", "subject_ref", "message_id")


@admin.register(OutboundSms)
class OutboundSmsAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "to",
        "purpose",
        "subject_ref",
        "status",
        "attempts",
        "sent_at",
        "provider_id",
    )
    list_filter = ("status", "purpose")
    search_fields = ("to", "subject_ref", "idempotency_key", "provider_id")


@admin.register(OutboundWebhook)
class OutboundWebhookAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "method",
        "url",
        "purpose",
        "subject_ref",
        "status",
        "response_status",
        "sent_at",
    )
    list_filter = ("status", "purpose")
    search_fields = ("url", "subject_ref", "idempotency_key")
    exclude = ("headers",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "masked_headers"]

    @admin.display(description=_("headers"))
    def masked_headers(self, obj: OutboundWebhook) -> str:
        """Credentials a caller put in the headers are not shown."""
        return ", ".join(
            f"{name}: {'•••' if name.lower() in SECRET_HEADERS else value}"
            for name, value in sorted(obj.headers.items())
        )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "outbox_id", "attempt", "outcome", "purpose", "subject_ref", "recipient")
    list_filter = ("kind", "outcome", "purpose")
    search_fields = ("subject_ref", "recipient")
