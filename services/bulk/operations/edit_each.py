"""edit_each: a different value per relation (twenty phone numbers, a date each), entered a
relation at a time through the job's stepping API and applied by the relations service."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.bulk.operations.common import BeforeImagesUndo, display_name, relation_states
from services.relations.messages import ApplyRelationEdits, CheckRelationEdits
from shared.errors import ValidationFailed
from shared.messages import Command
from shared.permissions import RELATIONS_WRITE
from shared.plugins import OperationContext

CHECK_PAGE = 5000  # relations a CheckRelationEdits takes at most


class EditEachParams(Schema):
    fields_ = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)), data_key="fields",
        attribute="fields", required=True, validate=validate.Length(min=1, max=100),
        metadata={"description": "The fields the form edits: emails, phones, address, "
                                 "initials, first_name, infix, last_name, organisation_name, "
                                 "birth_date or custom field keys."})
    per_relation = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict,
                               metadata={"description": "{relation_id: {field: value}}, as "
                                                        "the relation card API takes them; "
                                                        "also set one relation at a time with "
                                                        "PUT /jobs/{id}/items/{relation_id}."})


class EditEach(BeforeImagesUndo):
    """A different value per relation for the fields a form edits; relations left without
    values stay unchanged. Undone by the before-images."""

    name = "edit_each"
    params = EditEachParams
    permission = RELATIONS_WRITE
    owner = "relations"

    def validate(self, ctx: OperationContext, params: dict[str, Any]) -> None:
        given = list(params.get("per_relation") or {})
        errors: dict[str, list[str]] = {}
        for rid, checked in self._checked(ctx, params, given or [None]).items():
            for field, problems in (checked.get("errors") or {}).items():
                errors[f"params.per_relation.{rid}.{field}"] = problems
        if errors:
            raise ValidationFailed("some values are not valid: " + ", ".join(sorted(errors)),
                                   errors=errors)

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        own = params.get("per_relation") or {}
        checked = self._checked(ctx, params, [rid for rid in relation_ids if own.get(rid)])
        states = relation_states(ctx, relation_ids)
        return [_row(rid, states.get(rid), checked.get(rid)) for rid in relation_ids]

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        own = params.get("per_relation") or {}
        return ApplyRelationEdits, self.chunk_payload(
            ctx, chunk, fields=params["fields"],
            values={rid: own[rid] for rid in chunk if own.get(rid)})

    @staticmethod
    def _checked(ctx: OperationContext, params: dict[str, Any],
                 relation_ids: list[str | None]) -> dict[str, dict[str, Any]]:
        """Per relation with values: {changes} or {errors}; a 422 on params.fields for a
        field no form can edit (asked once even without values: `[None]`)."""
        own, answer = params.get("per_relation") or {}, {}
        for start in range(0, len(relation_ids), CHECK_PAGE):
            page = [rid for rid in relation_ids[start:start + CHECK_PAGE] if rid is not None]
            try:
                answer.update(ctx.rpc.call(CheckRelationEdits, {
                    "fields": params["fields"],
                    "values": {rid: own[rid] for rid in page}})["relations"])
            except ValidationFailed as refused:
                raise ValidationFailed(refused.detail, errors={"params.fields": [
                    f"{name}: {problem}" for name, problems in refused.errors.items()
                    for problem in problems]}) from None
        return answer


def _row(rid: str, state: dict[str, Any] | None, checked: dict[str, Any] | None) -> dict:
    row: dict[str, Any] = {"relation_id": rid, "name": display_name(state) if state else None,
                           "diff": {}, "outcome": "unchanged"}
    if state is None:
        return {**row, "outcome": "would_fail", "reason": "no such relation"}
    if checked is None:
        return {**row, "reason": "no values given yet"}
    if checked.get("errors"):
        return {**row, "outcome": "would_fail", "reason": "; ".join(
            f"{field}: {', '.join(map(str, problems))}"
            for field, problems in checked["errors"].items())}
    changes = checked.get("changes") or {}
    return {**row, "diff": changes, "outcome": "would_change" if changes else "unchanged"}
