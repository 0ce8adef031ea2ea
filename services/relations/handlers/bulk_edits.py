"""A different value per relation (edit_each): the form's fields checked once, each
relation's values checked against its own card, and a chunk applied once per (job,
relation) with history, before-images and one batch event."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError as SchemaError

from services.relations.contacts import normalised_contacts
from services.relations.custom_fields import check_values
from services.relations.field_changes import RelationRefused
from services.relations.handlers.bulk_chunks import per_relation
from services.relations.handlers.relations import check_card
from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.models import EDITABLE_FIELDS, FieldDefinition, Relation
from services.relations.schemas.relations import RelationFieldsSchema
from shared.errors import ValidationFailed
from shared.messages import Envelope
from shared.permissions import RELATIONS_WRITE, on_behalf_of_job


def check_relation_edits(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    """Per relation with values: the changes they would make, or the errors per field."""
    payload = query.payload
    with uow:
        definitions = uow.fields.all()
        form = checked_form(payload["fields"], definitions)
        values = payload["values"]
        found = uow.relations.detached(list(values)) if values else {}
        region = uow.settings.default_country
        return {"fields": form, "relations": {
            rid: _dry_run(found.get(rid), own, form, definitions, region)
            for rid, own in values.items()}}


def apply_relation_edits(command: Envelope, uow: RelationsUnitOfWork) -> list[dict[str, Any]]:
    """Give each relation of the chunk its own values; one without values stays unchanged."""
    payload = command.payload
    with uow, on_behalf_of_job(payload, RELATIONS_WRITE):
        definitions = uow.fields.all()
        form = checked_form(payload["fields"], definitions)
        values, region = payload["values"], uow.settings.default_country
        outcomes = per_relation(uow, payload, lambda relation: wanted(
            relation, values[relation.id], form, definitions, region)
            if values.get(relation.id) else None)
        uow.commit()
    return outcomes


def checked_form(names: list[str], definitions: dict[str, FieldDefinition]) -> list[str]:
    """The form's fields, each an editable standard field or a custom field; 422 otherwise."""
    unknown = [name for name in names if name not in EDITABLE_FIELDS and name not in definitions]
    if unknown:
        raise ValidationFailed("a form edits standard fields and custom fields only", errors={
            name: ["no editable standard or custom field has this name"] for name in unknown})
    return list(dict.fromkeys(names))


def wanted(relation: Relation, values: dict[str, Any], form: list[str],
           definitions: dict[str, FieldDefinition], region: str) -> dict[str, Any]:
    """The apply() input of one relation's values; ValidationFailed names each bad field.
    `region`: the installation's country (settings), for numbers of relations without one."""
    outside = sorted(set(values) - set(form))
    if outside:
        raise ValidationFailed("values for fields the form does not edit", errors={
            name: ["not a field of this form"] for name in outside})
    standard = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    custom = {k: v for k, v in values.items() if k not in EDITABLE_FIELDS}
    try:
        result = RelationFieldsSchema(only=tuple(standard)).load(standard) if standard else {}
    except SchemaError as exc:
        errors = _flat(exc.messages)
        raise ValidationFailed("not valid: " + ", ".join(sorted(errors)), errors=errors) \
            from None
    country = (result.get("address") or relation.address or {}).get("country")
    # Numbers are read as dialled in the relation's own country, else the installation's.
    result = normalised_contacts(result, (country or region).upper())
    if custom:
        try:
            result["fields"] = check_values(definitions, relation.type, custom)
        except ValidationFailed as exc:
            errors = {k.removeprefix("fields."): v for k, v in exc.errors.items()}
            raise ValidationFailed("not valid: " + ", ".join(sorted(errors)),
                                   errors=errors) from None
    return result


def _dry_run(relation: Relation | None, values: dict[str, Any], form: list[str],
             definitions: dict[str, FieldDefinition], region: str) -> dict[str, Any]:
    if relation is None or relation.status not in ("active", "archived"):
        return {"errors": {"relation": ["no such relation"]}}
    try:
        changes = relation.apply(wanted(relation, values, form, definitions, region)) \
            if values else {}
        check_card(relation)
    except ValidationFailed as exc:
        return {"errors": exc.errors}
    except RelationRefused as exc:
        return {"errors": {"relation": [str(exc)]}}
    return {"changes": changes}


def _flat(messages: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as {"phones.0.number": [...]}."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = list(value)
    return flat
