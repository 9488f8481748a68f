"""Translated labels of contract statuses, types, billing cycles and why a calendar applies."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tournevis.contracts.domain import BillingCycle, ContractType, Status

STATUS_LABELS = {
    Status.DRAFT: gettext_lazy("Draft"),
    Status.ACTIVE: gettext_lazy("Active"),
    Status.SUSPENDED: gettext_lazy("Suspended"),
    Status.EXPIRED: gettext_lazy("Expired"),
    Status.TERMINATED: gettext_lazy("Terminated"),
}
TYPE_LABELS = {
    ContractType.MAINTENANCE: gettext_lazy("Maintenance"),
    ContractType.SUBSCRIPTION: gettext_lazy("Subscription"),
    ContractType.WARRANTY: gettext_lazy("Warranty"),
}
CYCLE_LABELS = {
    BillingCycle.MONTHLY: gettext_lazy("Monthly"),
    BillingCycle.QUARTERLY: gettext_lazy("Quarterly"),
    BillingCycle.SEMI_ANNUAL: gettext_lazy("Every six months"),
    BillingCycle.ANNUAL: gettext_lazy("Yearly"),
}
CALENDAR_REASONS = {
    "contract": gettext_lazy("set on the contract"),
    "site": gettext_lazy("set on the site"),
    "customer": gettext_lazy("set on the customer"),
    "default": gettext_lazy("company default"),
    "fallback": gettext_lazy("no calendar set: open 24/7"),
}
CLOCK_LABELS = {
    "response": gettext_lazy("First response"),
    "onsite": gettext_lazy("On-site arrival"),
    "resolution": gettext_lazy("Resolution"),
    "update": gettext_lazy("Customer update"),
}
