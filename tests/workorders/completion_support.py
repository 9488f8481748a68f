"""Helpers of the completion and service-report tests: a visit of Léa (the stockroom's technician, with
her van holding one BELT) on party a's counter, on site on Tuesday 10 March 2026 from 09:00 (Paris),
and small images made with Pillow."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw

from tests.conftest import SYSTEM, World
from tests.stock.conftest import Stockroom
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11, make_order
from tournevis.workorders import services
from tournevis.workorders.models import Visit, WorkOrder

ARRIVED = TUESDAY_9 + timedelta(minutes=5)  # 09:05 Paris, 08:05 UTC
DONE = TUESDAY_9 + timedelta(minutes=95)  # 10:35 Paris, 09:35 UTC


def uid(n: int) -> uuid.UUID:
    """A readable fixed client id: 00000000-0000-4000-8000-0000000000nn."""
    return uuid.UUID(f"00000000-0000-4000-8000-{n:012d}")


def on_site(world: World, stockroom: Stockroom, **extra: Any) -> tuple[WorkOrder, Visit]:
    """Visit 1 of a work order for party a's counter (its contact told), checked in at 09:05."""
    order = make_order(world, contact_id=world.a.contact.pk, **extra)
    visit = services.plan_visit(SYSTEM, order.pk, stockroom.technician.pk, TUESDAY_9, TUESDAY_11)
    services.dispatch_visit(SYSTEM, visit.pk, at=TUESDAY_9 - timedelta(hours=1))
    services.check_in(SYSTEM, visit.pk, at=ARRIVED)
    visit.refresh_from_db()
    order.refresh_from_db()
    return order, visit


def png(width: int = 300, height: int = 100) -> bytes:
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (290, 70)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 640, height: int = 480, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=85)
    return out.getvalue()
