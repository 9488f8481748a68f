from django.contrib import admin

from tournevis.notifications.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to", "subject", "purpose", "status", "attempts", "sent_at")
    list_filter = ("status", "purpose")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
