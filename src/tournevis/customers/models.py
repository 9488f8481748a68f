"""Customers, contacts and sites."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tournevis.customers.domain import Tier


class TierChoices(models.TextChoices):
    STANDARD = Tier.STANDARD.value, _("Standard")
    SILVER = Tier.SILVER.value, _("Silver")
    GOLD = Tier.GOLD.value, _("Gold")
    PLATINUM = Tier.PLATINUM.value, _("Platinum")


class LanguageChoices(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")


class Customer(models.Model):
    """An organisation we serve: a dealer, a bank, a retail chain."""

    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    language = models.CharField(_("language"), max_length=8, choices=LanguageChoices.choices, default="en")
    timezone = models.CharField(_("time zone"), max_length=64)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    tier = models.CharField(
        _("tier"), max_length=16, choices=TierChoices.choices, default=Tier.STANDARD.value
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="customers_customer_name_idx")]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place where a customer's equipment stands."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sites", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(
        _("region"), max_length=8, blank=True, help_text=_("ISO 3166-2 subdivision, e.g. QC")
    )
    country = models.CharField(_("country"), max_length=2)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64)
    access_hours = models.JSONField(_("access hours"), default=dict, blank=True)
    access_notes = models.TextField(_("access notes"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["customer", "name"], name="customers_site_customer_idx"),
            models.Index(fields=["name"], name="customers_site_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a customer, optionally attached to one site."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("site"),
    )
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=LanguageChoices.choices, default="en")
    notify_by_email = models.BooleanField(_("notify by e-mail"), default=True)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=False)
    receives_reports = models.BooleanField(_("receives service reports"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
