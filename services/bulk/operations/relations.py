"""Bulk operations the relations service applies: field changes, tags, archive, delete."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.bulk.operations.common import BeforeImagesUndo, NoParams, preview_rows
from services.relations.messages import (
    AddTagChunk,
    ApplyFieldChanges,
    ArchiveChunk,
    AssessArchive,
    CheckFieldChanges,
    DeleteChunk,
    RemoveTagChunk,
    RestoreArchivedChunk,
)
from shared.errors import ValidationFailed
from shared.messages import Command
from shared.permissions import RELATIONS_ARCHIVE, RELATIONS_DELETE, RELATIONS_WRITE
from shared.plugins import BulkOperation, OperationContext

STANDARD = ("initials", "first_name", "infix", "last_name", "organisation_name", "birth_date")
ADDRESS = ("street", "number", "postcode", "city", "country")


class SetFieldsParams(Schema):
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                          validate=validate.Length(min=1), metadata={
                              "description": 'Per field one operation: {"newsletter": {"set": '
                                             'true}, "interests": {"add": ["sport"], "remove": '
                                             '["music"]}, "remarks": {"overwrite": "…"}, '
                                             '"city": {"clear": true}}'})


class SetFields(BeforeImagesUndo):
    """The same change for every relation: a checkbox on or off, options of a multiple
    choice added or removed, a text overwritten, a field cleared."""

    name = "set_fields"
    params = SetFieldsParams
    permission = RELATIONS_WRITE
    owner = "relations"

    def validate(self, ctx: OperationContext, params: dict[str, Any]) -> None:
        try:
            ctx.rpc.call(CheckFieldChanges, {"changes": params["changes"]})
        except ValidationFailed as refused:
            raise ValidationFailed(refused.detail, errors={
                f"params.changes.{name}": problems
                for name, problems in refused.errors.items()}) from None

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        plan = ctx.rpc.call(CheckFieldChanges, {"changes": params["changes"]})["changes"]
        return preview_rows(ctx, relation_ids, lambda state: (_field_diff(state, plan), None))

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return ApplyFieldChanges, self.chunk_payload(ctx, chunk, changes=params["changes"])


def _field_diff(state: dict[str, Any], plan: list[dict[str, Any]]) -> dict[str, list]:
    """[now, after] per field the plan would change on this relation, named as the owner
    records changes (custom fields as `fields.<key>`, the address as a whole), so that the
    preview, the results and the undo's preview name a change alike."""
    after: dict[str, Any] = {}
    for change in plan:
        name, op, value = change["field"], change["op"], change["value"]
        current = after[name] if name in after else _current(state, name)
        if op == "clear":
            after[name] = None
        elif op == "add":
            after[name] = [*(current or []), *[o for o in value if o not in (current or [])]]
        elif op == "remove":
            after[name] = [o for o in current or [] if o not in value] or None
        else:
            after[name] = value
    diff = {name if name in STANDARD else f"fields.{name}": [_current(state, name), value]
            for name, value in after.items()
            if name not in ADDRESS and _current(state, name) != value}
    address = state.get("address") or None
    moved = {**(address or {}), **{k: v for k, v in after.items() if k in ADDRESS}}
    moved = {k: v for k, v in moved.items() if v is not None} or None
    if moved != address:
        diff["address"] = [address, moved]
    return diff


def _current(state: dict[str, Any], name: str) -> Any:
    if name in STANDARD:
        return state.get(name)
    if name in ADDRESS:
        return (state.get("address") or {}).get(name)
    return (state.get("fields") or {}).get(name)


class TagParams(Schema):
    tag = fields.String(required=True, validate=validate.Length(min=1, max=64),
                        metadata={"description": "The key of a defined tag."})


class AddTag(BeforeImagesUndo):
    """Give every relation a tag (a relation that has it already is left unchanged)."""

    name = "add_tag"
    params = TagParams
    permission = RELATIONS_WRITE
    owner = "relations"

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        tag = params["tag"]
        return preview_rows(ctx, relation_ids, lambda state: (
            {} if tag in state["tags"] else {"tags": [state["tags"], [*state["tags"], tag]]},
            None))

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return AddTagChunk, self.chunk_payload(ctx, chunk, tag=params["tag"])


class RemoveTag(BeforeImagesUndo):
    """Take a tag off every relation that has it."""

    name = "remove_tag"
    params = TagParams
    permission = RELATIONS_WRITE
    owner = "relations"

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        tag = params["tag"]
        return preview_rows(ctx, relation_ids, lambda state: (
            {"tags": [state["tags"], [t for t in state["tags"] if t != tag]]}
            if tag in state["tags"] else {}, None))

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return RemoveTagChunk, self.chunk_payload(ctx, chunk, tag=params["tag"])


class ArchiveParams(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Archive(BeforeImagesUndo):
    """Archive every relation with a reason; what else that does (functions ended, accounts
    blocked, …) is listed as impacts, each confirmed before the job runs. Undo restores the
    relations the job archived; what archiving also ended stays ended."""

    name = "archive"
    params = ArchiveParams
    permission = RELATIONS_ARCHIVE
    owner = "relations"

    def undo_command(self, ctx: OperationContext, chunk: list[str], items: list[dict[str, Any]],
                     mode: str) -> tuple[Command, dict[str, Any]] | None:
        wanted = set(chunk)
        versions = {item["relation_id"]: item["version"] for item in items
                    if item["relation_id"] in wanted and item["version"] is not None}
        if not versions:
            return None
        return RestoreArchivedChunk, self.chunk_payload(ctx, list(versions), versions=versions,
                                                        mode=mode)

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        return preview_rows(ctx, relation_ids, lambda state: (
            {"status": [state["status"], "archived"]}, None) if state["status"] == "active"
            else ({}, None))

    def impacts(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        found = ctx.rpc.call(AssessArchive, {"relation_ids": relation_ids})["impacts"]
        return [{"key": impact["key"], "description": impact["description"],
                 "count": impact["count"],
                 "confirmation": impact["key"] if impact.get("requires_confirmation", True)
                 else None} for impact in found]

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return ArchiveChunk, self.chunk_payload(
            ctx, chunk, reason=params["reason"],
            confirmations=list(ctx.job.get("confirmations") or []))


class Delete(BulkOperation):
    """Erase every relation for good (superusers only): a tombstone keeps the id."""

    name = "delete"
    params = NoParams
    permission = RELATIONS_DELETE
    owner = "relations"
    undo_refusal = "a permanent delete erased the personal data; nothing is left to restore"

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        return preview_rows(ctx, relation_ids,
                            lambda state: ({"status": [state["status"], "deleted"]}, None))

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return DeleteChunk, self.chunk_payload(ctx, chunk)
