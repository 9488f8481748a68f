"""Pure rules of the installed base: serials, the materialised-path tree, effective-dated values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tournevis.core.errors import Conflict, InvalidInput, gettext_noop


class ObjectStatus(StrEnum):
    ACTIVE = "active"
    IN_REPAIR = "in_repair"
    RETIRED = "retired"
    ON_LOAN = "on_loan"


_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9./_-]{0,63}$")
_ATTRIBUTE_KEY = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


def clean_serial(value: str | None, field: str = "serial_number") -> str:
    """Serials compare case-insensitively: stored upper-case without spaces; empty means none."""
    serial = re.sub(r"\s+", "", value or "").upper()
    if serial and not _SERIAL.match(serial):
        raise InvalidInput(
            gettext_noop("“%(value)s” is not a serial number (letters, digits, . / _ -, at most 64)."),
            field=field,
            value=value,
        )
    return serial


def clean_status(value: str, field: str = "status") -> str:
    try:
        return ObjectStatus(value).value
    except ValueError:
        raise InvalidInput(
            gettext_noop("Status must be one of %(choices)s."),
            field=field,
            choices=", ".join(s.value for s in ObjectStatus),
        ) from None


def clean_attribute_key(value: str, field: str = "key") -> str:
    if not isinstance(value, str) or not _ATTRIBUTE_KEY.match(value):
        raise InvalidInput(
            gettext_noop(
                "An attribute key is lower-case letters, digits, “_” or “.” (e.g. firmware_version)."
            ),
            field=field,
        )
    return value


# --- Tree -----------------------------------------------------------------------------------------


def node_path(parent_path: str | None, node_id: int) -> str:
    """The path of a node: its ancestors' ids and its own, e.g. ``/12/57/``."""
    return f"{parent_path or '/'}{node_id}/"


def depth_of(path: str) -> int:
    """0 for a root node."""
    return path.count("/") - 2


def subtree_upper_bound(path: str) -> str:
    """Every descendant path p satisfies ``path <= p < subtree_upper_bound(path)`` ('0' follows '/')."""
    return path[:-1] + "0"


def is_in_subtree(path: str, root_path: str) -> bool:
    return path.startswith(root_path)


def check_move(node_path_: str, new_parent_path: str | None) -> None:
    """A node cannot become its own descendant."""
    if new_parent_path is not None and is_in_subtree(new_parent_path, node_path_):
        raise Conflict(
            gettext_noop("An object cannot be placed under itself or one of its parts."), field="parent_id"
        )


def rebase(path: str, old_prefix: str, new_prefix: str) -> str:
    assert path.startswith(old_prefix)
    return new_prefix + path[len(old_prefix) :]


# --- Effective-dated attributes -------------------------------------------------------------------


@dataclass(frozen=True)
class Dated:
    key: str
    value: Any
    valid_from: datetime
    seq: int  # insertion order: the later record wins on equal valid_from (a correction)


def as_of(records: Iterable[Dated], moment: datetime) -> dict[str, Dated]:
    """For each key, the record in force at ``moment``: greatest valid_from ≤ moment, latest recorded."""
    current: dict[str, Dated] = {}
    for record in records:
        if record.valid_from > moment:
            continue
        best = current.get(record.key)
        if best is None or (record.valid_from, record.seq) > (best.valid_from, best.seq):
            current[record.key] = record
    return dict(sorted(current.items()))
