"""``{% open_sync_conflicts %}``: the planning board's banner counting the technician app's open sync
conflicts, linking to their page (nothing when there is none)."""

from __future__ import annotations

from typing import Any

from django import template

from tournevis.mobile.models import Conflict

register = template.Library()


@register.inclusion_tag("web/mobile/_conflicts_banner.html")
def open_sync_conflicts() -> dict[str, Any]:
    return {"count": Conflict.objects.filter(resolved_at__isnull=True).count()}
