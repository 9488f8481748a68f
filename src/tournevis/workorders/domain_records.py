"""Pure rules of what a technician records on a visit: the kinds of checklist items, time entries,
expenses and photos, and the **report content** a customer signs. No Django.

The report content
------------------
A signature is given for a report; the report may change afterwards (a part added later, a checklist
answer edited by the office). To tell, the signature stores the SHA-256 of the report's content as the
signing device showed it, and the server computes the same over what it holds. Both sides build the
same text: one line per record, fields separated by ``|``, the lines **sorted** (byte order of their
UTF-8 text) and joined by ``\\n``; the hash is the hex SHA-256 of that UTF-8 text. The technician app
(``mobile/static/mobile/report.js``) builds it the same way; ``tests/workorders/test_report_lines.py``
pins an example.

====================  =====================================================================
line                  fields
====================  =====================================================================
``visit``             the visit id
``time``              kind, start, end (UTC, ``YYYY-MM-DDTHH:MM:SSZ``)
``part``              the part's reference, the quantity (``decimal_text``), serials sorted, ``,``-joined
``check``             the checklist item id, the value (``value_text``)
``photo``             the photo's client id (receipts are not part of the report)
``note``              the note's client id
``outcome``           ``fixed`` / ``not_fixed``, the outcome text
====================  =====================================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    CHECK = "check"
    NUMBER = "number"
    TEXT = "text"
    CHOICE = "choice"
    PHOTO = "photo"


class TimeKind(StrEnum):
    WORK = "work"
    TRAVEL = "travel"


class ExpenseKind(StrEnum):
    DISTANCE = "distance"
    TOLL = "toll"
    MEAL = "meal"
    PARKING = "parking"
    OTHER = "other"


class PhotoPurpose(StrEnum):
    VISIT = "visit"
    CHECKLIST = "checklist"
    RECEIPT = "receipt"


def utc_text(moment: datetime) -> str:
    """``2026-11-24T08:05:00Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_text(value: Decimal | int | str) -> str:
    """A number without exponent nor trailing zeros: ``2``, ``0.5``, ``230.4`` (JavaScript's
    ``String(Number(x))`` for the numbers a technician types)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def value_text(kind: str, value: Any) -> str:
    """A checklist answer as text: a check ``yes``/``no``, a number by ``decimal_text``, else as is."""
    if kind == ItemKind.CHECK:
        return "yes" if value is True else "no"
    if kind == ItemKind.NUMBER:
        return decimal_text(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ReportContent:
    """What the report shows, reduced to what a signature vouches for."""

    visit_id: int
    times: Iterable[tuple[str, datetime, datetime]] = ()
    parts: Iterable[tuple[str, Decimal | int | str, Iterable[str]]] = ()
    checks: Iterable[tuple[int, str, Any]] = ()  # item id, item kind, value
    photos: Iterable[str] = ()
    notes: Iterable[str] = ()
    fixed: bool | None = None
    outcome: str = ""


def report_lines(content: ReportContent) -> list[str]:
    lines = [f"visit|{content.visit_id}"]
    lines += [f"time|{kind}|{utc_text(start)}|{utc_text(end)}" for kind, start, end in content.times]
    lines += [
        f"part|{reference}|{decimal_text(quantity)}|{','.join(sorted(serials))}"
        for reference, quantity, serials in content.parts
    ]
    lines += [f"check|{item}|{value_text(kind, value)}" for item, kind, value in content.checks]
    lines += [f"photo|{client_id}" for client_id in content.photos]
    lines += [f"note|{client_id}" for client_id in content.notes]
    if content.fixed is not None:
        lines.append(f"outcome|{'fixed' if content.fixed else 'not_fixed'}|{content.outcome}")
    return sorted(lines, key=lambda line: line.encode())


def report_sha256(content: ReportContent) -> str:
    return hashlib.sha256("\n".join(report_lines(content)).encode()).hexdigest()
