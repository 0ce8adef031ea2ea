"""Custom field definitions: define, change, delete — never losing values unannounced."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from services.relations.custom_fields import KEY_PATTERN
from services.relations.handlers.batch import rewrite_relations
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import FieldChanged, FieldDefined, FieldDeleted
from services.relations.models import EDITABLE_FIELDS, FieldDefinition
from services.relations.models.base import now
from services.relations.models.fields import CHOICE_TYPES
from shared.errors import Conflict, ValidationFailed

# Card fields, and the names filters give to parts of them: a custom field may not hide one.
RESERVED_KEYS = set(EDITABLE_FIELDS) | {
    "id", "type", "status", "fields", "tags", "version", "created_at", "updated_at", "age",
    "name", "email", "phone", "street", "house_number", "number", "postcode", "city", "country",
    "archived", "account", "tag", "function", "dossier_action"}


def list_fields(uow: RelationsUnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [definition.to_dict() for definition in uow.fields.all().values()]


def get_field(uow: RelationsUnitOfWork, key: str) -> dict[str, Any]:
    with uow:
        return uow.fields.get(key).to_dict()


def define_field(uow: RelationsUnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    key = data["key"]
    if not KEY_PATTERN.match(key) or key in RESERVED_KEYS:
        raise ValidationFailed(f"{key!r} cannot be a field key: use lower-case letters, digits "
                               "and _, not the name of a standard field",
                               errors={"key": ["not a usable key"]})
    options = _options(data["type"], data.get("options"))
    with uow:
        if uow.session.get(FieldDefinition, key) is not None:
            raise Conflict(f"a custom field with the key {key!r} exists already",
                           errors={"key": ["already in use"]})
        definition = FieldDefinition(key=key, label=data["label"], type=data["type"],
                                     options=options, required=data.get("required", False),
                                     applies_to=data["applies_to"])
        uow.fields.add(definition)
        uow.session.flush()
        result = definition.to_dict()
        uow.emit(FieldDefined, {"field": result}, aggregate_id=f"field:{key}")
        uow.commit()
    return result


def change_field(uow: RelationsUnitOfWork, key: str, data: dict[str, Any], *,
                 confirm: bool) -> dict[str, Any]:
    """Change label, rules or options. Removing an option that relations hold needs
    `confirm`; without it the answer is a 409 that says how many hold each one."""
    with uow:
        definition = uow.fields.get(key)
        removed: list[str] = []
        if "options" in data:
            options = _options(definition.type, data["options"])
            removed = [k for k in definition.option_keys if k not in {o["key"] for o in options}]
            held = {option: uow.fields.count_holders(key, option) for option in removed}
            if any(held.values()) and not confirm:
                raise Conflict(
                    "relations hold options you are removing: "
                    + ", ".join(f"{option} ({count})" for option, count in held.items() if count)
                    + "; repeat with confirm=true to remove them from those relations too",
                    holders=held)
            definition.options = options
        for name in ("label", "required", "applies_to"):
            if name in data:
                setattr(definition, name, data[name])
        definition.updated_at = now()
        uow.session.flush()
        for option in removed:
            _strip_values(uow, key, option)
        result = definition.to_dict()
        uow.emit(FieldChanged, {"field": result}, aggregate_id=f"field:{key}")
        uow.commit()
    return result


def delete_field(uow: RelationsUnitOfWork, key: str, *, confirm: bool) -> None:
    """Delete a field; if relations hold a value, only with `confirm` (409 with the count)."""
    with uow:
        definition = uow.fields.get(key)
        held = uow.fields.count_holders(key)
        if held and not confirm:
            raise Conflict(f"{held} relations hold a value for {key!r}; repeat with "
                           "confirm=true to delete the field and those values", holders=held)
        _strip_values(uow, key, None)
        uow.fields.delete(definition)
        uow.emit(FieldDeleted, {"key": key}, aggregate_id=f"field:{key}")
        uow.commit()


def _strip_values(uow: RelationsUnitOfWork, key: str, option: str | None) -> None:
    """Take the field (or one option of it) off every relation holding it, with history and
    one batch event per few hundred relations."""

    def without(relation):
        value = (relation.custom_fields or {}).get(key)
        if option is None or value == option:
            return {"fields": {key: None}}
        return {"fields": {key: [item for item in value if item != option] or None}}

    rewrite_relations(uow, uow.fields.holders(key, option), without, Via.api())


def _options(field_type: str, given: list | None) -> list[dict[str, str]]:
    """Options as [{key, label}]; a plain string is its own label, with a key made from it."""
    if field_type not in CHOICE_TYPES:
        if given:
            raise ValidationFailed("only choice fields have options",
                                   errors={"options": ["not allowed for this type"]})
        return []
    options = [{"key": _slug(o), "label": o} if isinstance(o, str) else dict(o)
               for o in given or []]
    keys = [option["key"] for option in options]
    if not options:
        raise ValidationFailed("a choice field needs options",
                               errors={"options": ["at least one option"]})
    if len(set(keys)) != len(keys) or not all(keys):
        raise ValidationFailed("option keys must be unique and non-empty",
                               errors={"options": ["duplicate or empty key"]})
    return options


def _slug(label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")
