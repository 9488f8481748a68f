from django.contrib import admin

from tournevis.core.admin_audit import AuditedModelAdmin
from tournevis.customers.models import Contact, Customer, Site


@admin.register(Customer)
class CustomerAdmin(AuditedModelAdmin):
    list_display = ("name", "country", "tier", "language", "timezone")
    list_filter = ("tier", "country")
    search_fields = ("name", "vat_number")
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(Site)
class SiteAdmin(AuditedModelAdmin):
    list_display = ("name", "customer", "city", "country", "timezone")
    list_filter = ("country",)
    search_fields = ("name", "city", "code")
    raw_id_fields = ("customer",)
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(Contact)
class ContactAdmin(AuditedModelAdmin):
    list_display = ("name", "customer", "email", "phone", "language")
    search_fields = ("name", "email", "phone")
    raw_id_fields = ("customer", "site")
    readonly_fields = ("version", "created_at", "updated_at")
