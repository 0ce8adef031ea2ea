"""The fields a condition can name: standard ones and custom fields by key, each with a kind
that decides its operators and the values they take."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement

from services.selections.models import FieldDefinition, RelationView
from services.selections.projection.rows import field_attribute
from services.selections.text import fold, fold_phone, fold_postcode

RANGE = ("gt", "gte", "lt", "lte", "between")
PRESENCE = ("empty", "not_empty")
OPERATORS: dict[str, tuple[str, ...]] = {
    "text": ("eq", "ne", "in", "contains", "starts_with", *RANGE, *PRESENCE),
    "long_text": ("eq", "ne", "in", "contains", "starts_with", *PRESENCE),
    "multi_text": ("eq", "ne", "in", "contains", "starts_with", *PRESENCE),
    "number": ("eq", "ne", "in", *RANGE, *PRESENCE),
    "date": ("eq", "ne", "in", *RANGE, *PRESENCE),
    "moment": ("eq", "ne", *RANGE),
    "checkbox": ("eq", "ne", *PRESENCE),
    "choice": ("eq", "ne", "in", *PRESENCE),
    "multi_choice": ("contains", "in", *PRESENCE),
    "age": ("eq", "ne", "in", *RANGE, *PRESENCE),
}
ALL_OPERATORS = ("eq", "ne", "in", "contains", "starts_with", *RANGE, *PRESENCE)
# A custom field's type as a kind (email and phone are standard fields of kind multi_text).
CUSTOM_KINDS = {"text": "text", "long_text": "long_text", "number": "number", "date": "date",
                "checkbox": "checkbox", "choice": "choice", "multi_choice": "multi_choice"}
CUSTOM_PREFIX = "fields."
MAX_IN_VALUES = 1000
MAX_AGE = 150


@dataclass(frozen=True)
class FieldSpec:
    """A filterable field: a relation_view column, or values in relation_values under
    `attribute`; text values are compared as `folder` makes them."""

    name: str
    kind: str
    column: ColumnElement[Any] | None = None
    attribute: str | None = None
    options: tuple[str, ...] = ()
    folder: Callable[[str], str | None] = fold

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]


def _column(name: str, kind: str = "text", **extra: Any) -> FieldSpec:
    return FieldSpec(name, kind, column=getattr(RelationView, name), **extra)


STANDARD: dict[str, FieldSpec] = {spec.name: spec for spec in (
    _column("type", "choice", options=("person", "organisation")),
    _column("status", "choice", options=("active", "archived")),
    _column("name"),
    _column("initials"),
    _column("first_name"),
    _column("infix"),
    _column("last_name"),
    _column("organisation_name"),
    _column("birth_date", "date"),
    FieldSpec("email", "multi_text", attribute="email"),
    FieldSpec("phone", "multi_text", attribute="phone", folder=fold_phone),
    _column("street"),
    _column("house_number"),
    _column("postcode", folder=fold_postcode),
    _column("city"),
    _column("country"),
    _column("created_at", "moment"),
    _column("updated_at", "moment"),
)}


def custom_spec(definition: FieldDefinition) -> FieldSpec:
    return FieldSpec(definition.key, CUSTOM_KINDS.get(definition.type, "text"),
                     attribute=field_attribute(definition.key), options=tuple(definition.options))


def check_value(spec: FieldSpec, op: str, node: dict[str, Any]) -> Any:
    """The value of a condition as its SQL wants it (folded text, a date, a float, ...).
    Raises ValueError with what is wrong, or IndexedValueError for one item of a list."""
    value = node.get("value")
    if op in PRESENCE:
        if value is not None:
            raise ValueError(f"{op} takes no value")
        return None
    if op == "in":
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
            raise ValueError(f"in takes a list of 1 to {MAX_IN_VALUES} values")
        return [_item(spec, value, index) for index in range(len(value))]
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError("between takes two values: [low, high]")
        low, high = _item(spec, value, 0), _item(spec, value, 1)
        if low > high:
            raise ValueError("between takes the low value first: [low, high]")
        return [low, high]
    if isinstance(value, list):
        raise ValueError(f"{op} takes one value, not a list (in takes a list)")
    return scalar(spec, value)


class IndexedValueError(ValueError):
    """A bad item of a list value; `index` says which."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


def _item(spec: FieldSpec, values: list[Any], index: int) -> Any:
    try:
        return scalar(spec, values[index])
    except ValueError as exc:
        raise IndexedValueError(index, str(exc)) from None


def scalar(spec: FieldSpec, value: Any) -> Any:
    """One value checked against the field's kind."""
    kind = spec.kind
    if kind in ("text", "long_text", "multi_text"):
        folded = spec.folder(value) if isinstance(value, str) else None
        if folded is None:
            raise ValueError(f"expected non-empty text, not {_shown(value)}")
        return folded
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise ValueError(f"expected a number, not {_shown(value)}")
        return float(value)
    if kind in ("date", "moment"):
        return _date(value)
    if kind == "age":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AGE:
            raise ValueError(f"expected whole years from 0 to {MAX_AGE}, not {_shown(value)}")
        return value
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, not {_shown(value)}")
        return value
    if not isinstance(value, str) or value not in spec.options:
        raise ValueError(f"{_shown(value)} is not an option of {spec.name}; options: "
                         + ", ".join(spec.options))
    return fold(value)


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a date as YYYY-MM-DD, not {_shown(value)}") from None


def _shown(value: Any) -> str:
    """A value as the caller wrote it (JSON), cut short."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
