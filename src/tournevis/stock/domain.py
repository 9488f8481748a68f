"""Pure rules of stock: kinds of parts, locations, movements, transfers, reservations and loaners;
quantities (a part counted in units takes whole, positive numbers; a measured part takes up to three
decimals); and sourcing (see ``sourcing.py``). No Django."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tournevis.core.errors import InvalidInput, gettext_noop


class Unit(StrEnum):
    UNIT = "unit"  # counted: whole quantities only
    METRE = "m"
    LITRE = "l"
    KILOGRAM = "kg"


class ShippingClass(StrEnum):
    STANDARD = "standard"
    FRAGILE = "fragile"
    HAZARDOUS = "hazardous"  # dangerous goods: ground only (no express air)
    OVERSIZE = "oversize"


class LocationKind(StrEnum):
    DEPOT = "depot"
    VAN = "van"
    CONSIGNMENT = "consignment"
    IN_TRANSIT = "in_transit"
    DEFECTIVE = "defective"


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    TRANSFER_OUT = "transfer_out"  # source → in transit
    TRANSFER_IN = "transfer_in"  # in transit → destination
    CONSUMPTION = "consumption"  # used on a visit
    DEFECTIVE_RETURN = "defective_return"  # the replaced part, to the defective area
    ADJUSTMENT = "adjustment"  # after a count


class TransferStatus(StrEnum):
    PLANNED = "planned"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class ShippingMode(StrEnum):
    NONE = "none"  # already there (the van)
    GROUND = "ground"
    EXPRESS_AIR = "express_air"


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    CONSUMED = "consumed"
    RELEASED = "released"


class SerialStatus(StrEnum):
    IN_STOCK = "in_stock"
    IN_TRANSIT = "in_transit"
    CONSUMED = "consumed"
    DEFECTIVE = "defective"


class LoanerStatus(StrEnum):
    AVAILABLE = "available"
    LENT = "lent"
    INSPECTION = "inspection"  # back, to be inspected before it is lent again
    RETIRED = "retired"


class Inspection(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


# Locations that hold stock that can be reserved and shipped.
STOCKING = frozenset({LocationKind.DEPOT, LocationKind.VAN, LocationKind.CONSIGNMENT})
MAX_QUANTITY = Decimal("999999999")
QUANTUM = Decimal("0.001")


def quantity(value: object, unit: str, field: str = "quantity", *, allow_zero: bool = False) -> Decimal:
    """``value`` as a Decimal quantity of a part in ``unit``: positive (or zero when ``allow_zero``),
    whole for a counted part, at most three decimals otherwise; InvalidInput naming ``field``."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(gettext_noop("A quantity is a number."), field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(gettext_noop("A quantity is a number."), field=field) from None
    if not number.is_finite():
        raise InvalidInput(gettext_noop("A quantity is a number."), field=field)
    if number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(gettext_noop("A quantity must be more than zero."), field=field)
    if number > MAX_QUANTITY:
        raise InvalidInput(gettext_noop("This quantity is too large."), field=field)
    if unit == Unit.UNIT and number != number.to_integral_value():
        raise InvalidInput(
            gettext_noop("This part is counted in whole units: %(value)s is not a whole number."),
            field=field,
            value=str(value),
        )
    if number != number.quantize(QUANTUM):
        raise InvalidInput(gettext_noop("A quantity has at most three decimals."), field=field)
    return number.quantize(QUANTUM)


def signed_quantity(value: object, unit: str, field: str = "quantity") -> Decimal:
    """A count correction: like ``quantity`` but negative allowed (not zero)."""
    text = str(value).strip() if not isinstance(value, bool) and value is not None else ""
    if text.startswith("-"):
        return -quantity(text[1:], unit, field)
    return quantity(value, unit, field)
