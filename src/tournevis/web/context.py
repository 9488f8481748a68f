"""Template context shared by every page: the actor, its role's label and the navigation section."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tournevis.identity.models import RoleChoices

# URL name → the header link shown as current (aria-current="page").
_SECTIONS = {
    "home": "home",
    "customers": "customers",
    "customer": "customers",
    "site": "customers",
    "object": "customers",
    "search": "search",
    "contracts": "contracts",
    "contract": "contracts",
    "at_risk": "at_risk",
    "calendars": "calendars",
    "calendar": "calendars",
    "calendar_edit": "calendars",
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    match = getattr(request, "resolver_match", None)
    section = (
        _SECTIONS.get(match.url_name or "", "") if match is not None and match.namespace == "web" else ""
    )
    role_label = dict(RoleChoices.choices).get(actor.role, actor.role) if actor is not None else ""
    return {"actor": actor, "role_label": role_label, "section": section}
