"""Custom field, tag and dossier action definitions, as filters check against them. They order
by `updated_at`; a deletion is dated by its event, so a key defined anew afterwards comes back
and a late deletion of an older definition changes nothing."""

from __future__ import annotations

from typing import Any

from services.selections.models import Definition, FieldDefinition
from services.selections.repository import ReadModel
from services.selections.text import moment


def absorb_field(read_model: ReadModel, field: dict[str, Any]) -> None:
    """Keep the newest definition of a custom field: its type and option keys."""
    marker = moment(field["updated_at"]) or ""
    row = read_model.field_definition(field["key"])
    if row is None:
        row = FieldDefinition(key=field["key"])
        read_model.add(row)
    elif row.updated_at >= marker:
        return
    row.label, row.type = field["label"], field["type"]
    row.options = [option["key"] for option in field["options"]]
    row.updated_at, row.deleted = marker, False


def bury_field(read_model: ReadModel, key: str, occurred_at: str) -> None:
    marker = moment(occurred_at) or ""
    row = read_model.field_definition(key)
    if row is None:
        row = FieldDefinition(key=key, label=key, type="text", options=[])
        read_model.add(row)
    elif row.updated_at >= marker:
        return
    row.updated_at, row.deleted = marker, True


def absorb_definition(read_model: ReadModel, kind: str, definition: dict[str, Any]) -> None:
    """Keep the newest definition of a tag or a dossier action (`kind`)."""
    marker = moment(definition.get("updated_at")) or ""
    row = read_model.definition(kind, definition["key"])
    if row is None:
        row = Definition(kind=kind, key=definition["key"])
        read_model.add(row)
    elif row.updated_at >= marker:
        return
    row.label, row.updated_at, row.deleted = definition["label"], marker, False


def bury_definition(read_model: ReadModel, kind: str, key: str, occurred_at: str) -> None:
    marker = moment(occurred_at) or ""
    row = read_model.definition(kind, key)
    if row is None:
        row = Definition(kind=kind, key=key, label=key)
        read_model.add(row)
    elif row.updated_at >= marker:
        return
    row.updated_at, row.deleted = marker, True
