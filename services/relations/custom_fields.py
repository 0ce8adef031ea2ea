"""Custom field values checked against their definitions, whoever sets them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from services.relations.models import FieldDefinition
from shared.errors import ValidationFailed

TEXT_LIMITS = {"text": 1000, "long_text": 100_000}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_values(definitions: dict[str, FieldDefinition], relation_type: str,
                 values: dict[str, Any]) -> dict[str, Any]:
    """Normalised values, or a 422 naming every bad `fields.<key>`. None removes a value."""
    errors: dict[str, list[str]] = {}
    normalised: dict[str, Any] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"fields.{key}"] = ["no custom field has this key"]
        elif relation_type not in definition.applies_to:
            errors[f"fields.{key}"] = [f"this field does not apply to a {relation_type}"]
        elif value is None:
            if definition.required:
                errors[f"fields.{key}"] = ["this field is required"]
            else:
                normalised[key] = None
        else:
            try:
                normalised[key] = _checked(definition, value)
            except ValueError as exc:
                errors[f"fields.{key}"] = [str(exc)]
    if errors:
        raise ValidationFailed("some custom fields are not valid: " + ", ".join(sorted(errors)),
                               errors=errors)
    return normalised


def missing_required(definitions: dict[str, FieldDefinition], relation_type: str,
                     values: dict[str, Any]) -> None:
    """A new relation must have every required field that applies to its type."""
    errors = {f"fields.{key}": ["this field is required"]
              for key, definition in definitions.items()
              if definition.required and relation_type in definition.applies_to
              and values.get(key) in (None, "", [])}
    if errors:
        raise ValidationFailed("required custom fields are missing: " + ", ".join(sorted(errors)),
                               errors=errors)


def _checked(definition: FieldDefinition, value: Any) -> Any:
    kind = definition.type
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        return value
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("expected a date as YYYY-MM-DD") from None
    if kind in TEXT_LIMITS:
        if not isinstance(value, str):
            raise ValueError("expected text")
        if len(value) > TEXT_LIMITS[kind]:
            raise ValueError(f"at most {TEXT_LIMITS[kind]} characters")
        return value
    known = definition.option_keys
    if kind == "choice":
        if value not in known:
            raise ValueError(f"unknown option {value!r}; options: {', '.join(known)}")
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of option keys")
    unknown = [item for item in value if item not in known]
    if unknown:
        raise ValueError(f"unknown options {', '.join(map(repr, unknown))}; "
                         f"options: {', '.join(known)}")
    return sorted(set(value), key=known.index)
