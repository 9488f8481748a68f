from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tournevis.identity.models import ApiToken, LoginFailure, User


@admin.register(User)
class TournevisUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "customer", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Tournevis"), {"fields": ("role", "customer", "language")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Tournevis"), {"fields": ("role", "customer", "language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by the API or `tournevis token create`; here they can only be seen or revoked."""

    list_display = ("name", "user", "role", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "role", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed logins inside the throttling window; deleting rows lifts a throttle early."""

    list_display = ("at", "account", "ip")
    search_fields = ("account", "ip")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
