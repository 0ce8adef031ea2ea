"""The filter language compiled to SQL over the read model (never a Python scan)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

from services.selections.models import RelationView
from shared.errors import ValidationFailed

FIELDS = {
    "type": RelationView.type,
    "status": RelationView.status,
    "first_name": RelationView.first_name,
    "last_name": RelationView.last_name,
    "organisation_name": RelationView.organisation_name,
    "email": RelationView.email,
    "postcode": RelationView.postcode,
    "city": RelationView.city,
    "country": RelationView.country,
}
OPS = ("eq",)


def compile_filter(node: Any, path: str = "filter") -> ColumnElement[bool]:
    """A condition `{"field", "op", "value"}` as a SQL expression; errors name the bad node."""
    if not isinstance(node, dict) or "field" not in node:
        raise _invalid(path, "expected a condition {\"field\", \"op\", \"value\"}")
    unknown = set(node) - {"field", "op", "value"}
    if unknown:
        raise _invalid(path, f"unknown keys: {', '.join(sorted(unknown))}")
    field, op = node["field"], node.get("op")
    if field not in FIELDS:
        raise _invalid(f"{path}.field", f"unknown field {field!r}; known: {', '.join(FIELDS)}")
    if op not in OPS:
        raise _invalid(f"{path}.op", f"unknown operator {op!r}; known: {', '.join(OPS)}")
    value = node.get("value")
    if not isinstance(value, str | int | float | bool) or value == "":
        raise _invalid(f"{path}.value", "expected a non-empty value")
    column = FIELDS[field]
    if field == "email":
        return column == str(value).lower()
    return func.lower(column) == str(value).lower()


def _invalid(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{path}: {message}", errors={path: [message]})
