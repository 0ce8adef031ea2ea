"""The same change for many relations: checkbox on or off, an option added or removed, text
overwritten, a field cleared. Checked once against the definitions, then applied per relation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError as SchemaError

from services.relations.custom_fields import check_values
from services.relations.messages import AddressSchema
from services.relations.models import FieldDefinition, Relation
from services.relations.schemas.relations import RelationFieldsSchema
from shared.errors import ValidationFailed

STANDARD = ("initials", "first_name", "infix", "last_name", "organisation_name", "birth_date")
ADDRESS = ("street", "number", "postcode", "city", "country")
OPS_BY_TYPE = {
    "checkbox": {"set", "clear"},
    "choice": {"set", "clear"},
    "multi_choice": {"add", "remove", "set", "clear"},
    "text": {"overwrite", "set", "clear"},
    "long_text": {"overwrite", "set", "clear"},
    "date": {"set", "overwrite", "clear"},
    "number": {"set", "overwrite", "clear"},
    "standard": {"overwrite", "set", "clear"},
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    kind: str            # "standard", "address" or the custom field's type
    op: str
    value: Any = None


class RelationRefused(ValueError):
    """This change cannot be made to this relation (the others go ahead)."""


def plan_changes(changes: dict[str, dict[str, Any]],
                 definitions: dict[str, FieldDefinition]) -> list[FieldChange]:
    """Check every change once; a 422 names each bad field. Nothing is applied here."""
    plan, errors = [], {}
    for field, spec in changes.items():
        kind = _kind_of(field, definitions)
        if kind is None:
            errors[field] = ["no standard or custom field has this name"]
            continue
        try:
            plan.extend(_field_changes(field, kind, spec, definitions.get(field)))
        except ValueError as exc:
            errors[field] = [str(exc)]
    if not plan and not errors:
        errors["changes"] = ["name at least one field to change"]
    if errors:
        raise ValidationFailed("some changes are not valid: " + ", ".join(sorted(errors)),
                               errors=errors)
    return plan


def _kind_of(field: str, definitions: dict[str, FieldDefinition]) -> str | None:
    if field in STANDARD:
        return "standard"
    if field in ADDRESS:
        return "address"
    return definitions[field].type if field in definitions else None


def _field_changes(field: str, kind: str, spec: dict[str, Any],
                   definition: FieldDefinition | None) -> list[FieldChange]:
    allowed = OPS_BY_TYPE.get(kind, OPS_BY_TYPE["standard"])
    unknown = set(spec) - allowed
    if unknown or not spec:
        raise ValueError(f"use one of {', '.join(sorted(allowed))} for this field")
    if "clear" in spec:
        if spec["clear"] is not True or len(spec) > 1:
            raise ValueError('clear stands alone, as {"clear": true}')
        return [FieldChange(field, kind, "clear")]
    if kind == "multi_choice" and ("add" in spec or "remove" in spec):
        if "set" in spec:
            raise ValueError("set replaces the whole list; use it without add or remove")
        add, remove = spec.get("add", []), spec.get("remove", [])
        _known_options(definition, [*add, *remove])
        if set(add) & set(remove):
            raise ValueError("an option cannot be added and removed at once")
        return [FieldChange(field, kind, op, value) for op, value in
                (("add", add), ("remove", remove)) if value]
    if len(spec) > 1:
        raise ValueError("give one operation for this field")
    (op, value), = spec.items()
    if definition is not None:
        check_values({field: definition}, definition.applies_to[0], {field: value})
    else:
        value = _standard_value(field, kind, value)
    return [FieldChange(field, kind, op, value)]


def _standard_value(field: str, kind: str, value: Any) -> Any:
    """A standard or address value, checked by the same schema as the relation card API."""
    schema = AddressSchema() if kind == "address" else RelationFieldsSchema(only=(field,))
    try:
        return schema.load({field: value}, partial=True)[field]
    except SchemaError as exc:
        raise ValueError("; ".join(exc.messages.get(field, ["not a valid value"]))) from None


def _known_options(definition: FieldDefinition, options: list[Any]) -> None:
    unknown = [o for o in options if o not in definition.option_keys]
    if unknown:
        raise ValueError(f"unknown options {', '.join(map(repr, unknown))}; options: "
                         f"{', '.join(definition.option_keys)}")


def changes_for(relation: Relation, plan: list[FieldChange],
                definitions: dict[str, FieldDefinition]) -> dict[str, Any]:
    """The `apply()` input that makes `plan` true for this relation; RelationRefused says why
    it cannot (a field that does not apply to its type, a required field cleared)."""
    result: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    address = dict(relation.address or {})
    for change in plan:
        if change.kind == "standard":
            result[change.field] = None if change.op == "clear" else change.value
        elif change.kind == "address":
            address[change.field] = None if change.op == "clear" else change.value
            result["address"] = {k: v for k, v in address.items() if v is not None} or None
        else:
            current = custom.get(change.field, (relation.custom_fields or {}).get(change.field))
            custom[change.field] = _custom_value(change, current)
    if custom:
        try:
            result["fields"] = check_values(definitions, relation.type, custom)
        except ValidationFailed as exc:
            raise RelationRefused("; ".join(f"{k}: {v[0]}" for k, v in exc.errors.items())) \
                from None
    return result


def _custom_value(change: FieldChange, current: Any) -> Any:
    if change.op == "clear":
        return None
    if change.op == "add":
        return [*(current or []), *[o for o in change.value if o not in (current or [])]]
    if change.op == "remove":
        return [o for o in current or [] if o not in change.value] or None
    return change.value
