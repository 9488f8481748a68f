"""Users, API tokens and login failures."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tournevis.identity.domain import Role


class RoleChoices(models.TextChoices):
    ADMIN = Role.ADMIN.value, _("Administrator")
    MANAGER = Role.MANAGER.value, _("Manager")
    DISPATCHER = Role.DISPATCHER.value, _("Dispatcher")
    AGENT = Role.AGENT.value, _("Service desk agent")
    TECHNICIAN = Role.TECHNICIAN.value, _("Technician")
    CUSTOMER = Role.CUSTOMER.value, _("Customer user")


class User(AbstractUser):
    """A person who logs in. Staff have one of the staff roles; a customer user is tied to one customer."""

    role = models.CharField(_("role"), max_length=20, choices=RoleChoices.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    language = models.CharField(_("language"), max_length=8, default="en")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="identity_user_customer_iff_customer_role",
                condition=(Q(role="customer") & Q(customer__isnull=False))
                | (~Q(role="customer") & Q(customer__isnull=True)),
            )
        ]


class ApiToken(models.Model):
    """A bearer token for integrations: shown once, stored as a SHA-256 digest, revocable."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=RoleChoices.choices)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed login, kept for the throttling window."""

    account = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField()
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="identity_loginfail_ip_idx")]

    def __str__(self) -> str:
        return f"{self.account} from {self.ip} at {self.at:%Y-%m-%d %H:%M:%S}"
