"""Admin of the technician app: read-only. Devices are signed in by the app and revoked through the API
(``POST /api/v1/mobile/devices/{id}/revoke``: the session is deleted with it); the operation log and the
conflicts are written by the sync endpoint only (conflicts are resolved from the dispatcher's page)."""

from django.contrib import admin

from tournevis.core.admin_audit import ReadOnlyAdmin
from tournevis.mobile.models import Conflict, Device, Operation


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ("client_id", "name", "user", "last_seq", "last_seen_at", "last_sync_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "client_id", "user__username")
    exclude = ("session_key",)


@admin.register(Operation)
class OperationAdmin(ReadOnlyAdmin):
    list_display = ("device", "seq", "name", "visit_id", "outcome", "status_code", "received_at")
    list_filter = ("outcome", "name")
    search_fields = ("key",)


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ("reason", "device", "visit", "created_at", "seen_at", "resolved_at", "resolved_by_label")
    list_filter = ("reason",)
