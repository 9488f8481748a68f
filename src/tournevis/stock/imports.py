"""Import the parts catalogue from CSV rows (``tournevis stock import parts.csv``).

Columns (header on the first line; only ``reference``, ``name_en`` and ``name_fr`` are required,
the others may be missing or empty)::

    reference,name_en,name_fr,manufacturer_reference,unit,serialised,unit_cost,unit_price,currency,shipping_class,fits

- ``unit``: ``unit`` (default), ``m``, ``l`` or ``kg``; ``serialised``: yes/no, true/false, 1/0
  (empty: no); ``currency``: ISO 4217 (default EUR); ``shipping_class``: standard (default), fragile,
  hazardous or oversize;
- ``unit_cost``, ``unit_price``: money in the currency's units with a dot, ``12.50`` (→ 1250 minor
  units; ``1500`` JPY → 1500; empty: 0);
- ``fits``: the equipment models the part fits, ``Manufacturer:Model`` separated by ``|``, e.g.
  ``Glory:GFS-220|Glory:UW-500`` (the models must exist; case does not matter).

A row whose reference exists updates that part (every column of the row replaces the part's value; a
missing or empty optional column sets the default). Every row is checked first; when any is refused,
nothing is written (all or nothing per file) and the report lists every refused line: its number in
the file (the header is line 1), the column and the message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop
from tournevis.stock import services
from tournevis.stock.models import Movement, Part, SerialUnit, StockLevel

COLUMNS = (
    "reference",
    "name_en",
    "name_fr",
    "manufacturer_reference",
    "unit",
    "serialised",
    "unit_cost",
    "unit_price",
    "currency",
    "shipping_class",
    "fits",
)
REQUIRED = ("reference", "name_en", "name_fr")
YES = {"yes", "y", "true", "1", "oui", "o", "vrai"}
NO = {"no", "n", "false", "0", "non", "faux", ""}
# ISO 4217 minor units where they are not 2.
DECIMALS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"), 0),
    **dict.fromkeys(("UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


@dataclass(frozen=True)
class Refused:
    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import did (or, refused or dry run, would have done)."""

    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    dry_run: bool = False

    @property
    def written(self) -> bool:
        return not self.refused and not self.dry_run and bool(self.created or self.updated)


class NumberedRow(dict[str, Any]):
    """A CSV row that knows its line number in the file (``csv.DictReader.line_num``)."""

    def __init__(self, values: Mapping[str, Any], line: int) -> None:
        super().__init__(values)
        self.line = line


def minor_units(value: str, currency: str, column: str) -> int:
    """``12.50`` in ``currency`` as minor units (1250 for EUR)."""
    text = value.strip()
    if not text:
        return 0
    places = DECIMALS.get(currency, 2)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not an amount (e.g. 12.50)."), field=column, value=text
        ) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(
            gettext_noop("“%(value)s” is not an amount (e.g. 12.50)."), field=column, value=text
        )
    scaled = amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            gettext_noop("%(currency)s amounts have at most %(places)s decimals."),
            field=column,
            currency=currency,
            places=places,
        )
    return int(scaled)


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(gettext_noop("Write yes or no."), field="serialised")


class _Models:
    """Equipment models by (manufacturer, name), lower-cased; loaded once (installed_base is a sibling
    context: read through the app registry)."""

    def __init__(self) -> None:
        model = apps.get_model("installed_base", "EquipmentModel")
        self.ids = {
            (row["manufacturer"].strip().lower(), row["name"].strip().lower()): row["pk"]
            for row in model.objects.values("pk", "manufacturer", "name")
        }

    def resolve(self, text: str) -> list[int]:
        ids = []
        for item in (piece.strip() for piece in text.split("|")):
            if not item:
                continue
            manufacturer, colon, name = item.partition(":")
            pk = self.ids.get((manufacturer.strip().lower(), name.strip().lower())) if colon else None
            if pk is None:
                raise InvalidInput(
                    gettext_noop(
                        "No equipment model “%(value)s” (write Manufacturer:Model, separated by |)."
                    ),
                    field="fits",
                    value=item,
                )
            ids.append(pk)
        return ids


def row_fields(row: Mapping[str, Any], models: _Models) -> dict[str, Any]:
    """The part fields of one CSV row (``services.create_part`` names), checked."""
    text = {column: str(row.get(column) or "").strip() for column in COLUMNS}
    currency = services.clean_currency(text["currency"] or "EUR")
    fields: dict[str, Any] = {
        "reference": text["reference"],
        "name_en": text["name_en"],
        "name_fr": text["name_fr"],
        "manufacturer_reference": text["manufacturer_reference"],
        "unit": text["unit"] or "unit",
        "serialised": _flag(text["serialised"]),
        "unit_cost_minor": minor_units(text["unit_cost"], currency, "unit_cost"),
        "unit_price_minor": minor_units(text["unit_price"], currency, "unit_price"),
        "currency": currency,
        "shipping_class": text["shipping_class"] or "standard",
        "fits": models.resolve(text["fits"]),
    }
    services.clean_part(fields)
    return fields


def check_columns(columns: Iterable[str | None]) -> list[Refused]:
    """The header's faults (line 1): unknown columns, missing required ones."""
    names = [column for column in columns if column is not None]
    refused = [Refused(1, str(column), _("Unknown column.")) for column in names if column not in COLUMNS]
    refused += [
        Refused(1, column, _("This column is required.")) for column in REQUIRED if column not in names
    ]
    return refused


def _has_stock(part: Part) -> bool:
    return (
        Movement.objects.filter(part=part).exists()
        or StockLevel.objects.filter(part=part, on_hand__gt=0).exists()
        or SerialUnit.objects.filter(part=part).exists()
    )


def _compare(part: Part, fields: dict[str, Any]) -> bool:
    """True when the row would change ``part``; a Conflict when it changes what cannot change."""
    for name in ("unit", "serialised"):
        if fields[name] != getattr(part, name) and _has_stock(part):
            raise InvalidInput(
                gettext_noop("%(part)s has had stock: its %(name)s cannot change."),
                field=name,
                part=part.reference,
                name=name,
            )
    same = all(getattr(part, name) == value for name, value in fields.items() if name != "fits")
    return not (same and sorted(part.fits.values_list("pk", flat=True)) == sorted(fields["fits"]))


def _column(error: DomainError) -> str:
    """The CSV column a service error names."""
    name = error.field or ""
    return {"unit_cost_minor": "unit_cost", "unit_price_minor": "unit_price"}.get(name, name)


def _line(row: Mapping[str, Any], index: int) -> int:
    return getattr(row, "line", index + 2)


def import_parts(
    actor: Actor,
    rows: Iterable[Mapping[str, Any]],
    *,
    progress: Callable[[int], None] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Check every row, then (none refused, not a dry run) create or update the parts in one
    transaction. ``progress(n)``: called with 1 for each row checked and again for each row written.
    A row's line is its ``line`` attribute (``NumberedRow``), else its position + 1 after the header."""
    report = ImportReport(dry_run=dry_run)
    models = _Models()
    seen: dict[str, int] = {}
    plan: list[tuple[int, dict[str, Any], Part | None]] = []
    existing = {part.reference: part for part in Part.objects.prefetch_related("fits")}
    for index, row in enumerate(rows):
        line = _line(row, index)
        report.rows += 1
        if index == 0:
            report.refused += check_columns(row)
        if None in row:
            report.refused.append(Refused(line, "", _("This line has more values than the header.")))
        else:
            try:
                fields = row_fields(row, models)
                reference = fields["reference"]
                if reference in seen:
                    raise InvalidInput(
                        gettext_noop("Reference %(reference)s is already on line %(line)s."),
                        field="reference",
                        reference=reference,
                        line=seen[reference],
                    )
                seen[reference] = line
                current = existing.get(reference)
                if current is None:
                    plan.append((line, fields, None))
                    report.created.append(reference)
                elif _compare(current, fields):
                    plan.append((line, fields, current))
                    report.updated.append(reference)
                else:
                    report.unchanged.append(reference)
            except DomainError as error:
                report.refused.append(Refused(line, _column(error), error.text(_)))
        if progress is not None:
            progress(1)
    if report.refused or dry_run:
        return report
    with suppress(_Refused):  # rolled back: the report names the line
        _write(actor, plan, progress, report)
    return report


class _Refused(Exception):
    """A row refused while writing (changed meanwhile): the whole file's transaction rolls back."""


@transaction.atomic
def _write(
    actor: Actor,
    plan: list[tuple[int, dict[str, Any], Part | None]],
    progress: Callable[[int], None] | None,
    report: ImportReport,
) -> None:
    for line, fields, current in plan:
        try:
            if current is None:
                services.create_part(actor, fields)
            else:
                services.update_part(actor, current.pk, fields)
        except DomainError as error:
            report.refused.append(Refused(line, _column(error), error.text(_)))
            raise _Refused from None
        if progress is not None:
            progress(1)
