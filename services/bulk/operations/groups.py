"""Bulk operations on static group memberships, applied by the selections service; each is
undone by its inverse (take out whom the job added, put back whom it took out)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.bulk.operations.common import preview_rows
from services.selections.messages import AddToGroupChunk, GetGroupMembers, RemoveFromGroupChunk
from shared.errors import NotFound, ValidationFailed
from shared.messages import Command
from shared.permissions import SELECTIONS_WRITE
from shared.plugins import BulkOperation, OperationContext

MEMBERS_PAGE = 5000  # what GetGroupMembers takes at most


class GroupParams(Schema):
    group = fields.String(required=True, validate=validate.Length(min=1, max=36),
                          metadata={"description": "The id of a static group."})


class GroupOperation(BulkOperation):
    """What both share: the group must be static; the inverse undoes it."""

    params = GroupParams
    permission = SELECTIONS_WRITE
    owner = "selections"
    undo = "inverse"
    joins: bool                        # True: add to the group; False: take out
    chunk_command: Command
    inverse: Command

    def validate(self, ctx: OperationContext, params: dict[str, Any]) -> None:
        group = _members(ctx, params["group"], [])["group"]
        if group["kind"] != "static":
            raise ValidationFailed(
                f"group {group['name']!r} is {group['kind']}: its members follow from its "
                "definition", errors={"params.group": ["not a static group"]})

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        members: set[str] = set()
        for start in range(0, len(relation_ids), MEMBERS_PAGE):
            members |= set(_members(ctx, params["group"],
                                    relation_ids[start:start + MEMBERS_PAGE])["members"])
        return preview_rows(ctx, relation_ids, lambda state: (
            {} if (state["id"] in members) == self.joins
            else {"member": [not self.joins, self.joins]}, None))

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return self.chunk_command, self.chunk_payload(ctx, chunk, group=params["group"])

    def undo_command(self, ctx: OperationContext, chunk: list[str], items: list[dict[str, Any]],
                     mode: str) -> tuple[Command, dict[str, Any]] | None:
        return self.inverse, self.chunk_payload(ctx, chunk, group=ctx.job["params"]["group"])

    def changed_since(self, ctx: OperationContext, items: list[dict[str, Any]]) -> list[str]:
        """The relations no longer as the job left them: taken out of the group again (or
        put back in) by someone else; all of them once the group is gone."""
        ids = [item["relation_id"] for item in items]
        members: set[str] = set()
        try:
            for start in range(0, len(ids), MEMBERS_PAGE):
                members |= set(ctx.rpc.call(GetGroupMembers, {
                    "group": ctx.job["params"]["group"],
                    "relation_ids": ids[start:start + MEMBERS_PAGE]})["members"])
        except NotFound:
            return ids
        return [rid for rid in ids if (rid in members) != self.joins]


def _members(ctx: OperationContext, group: str, relation_ids: list[str]) -> dict[str, Any]:
    try:
        return ctx.rpc.call(GetGroupMembers, {"group": group, "relation_ids": relation_ids})
    except NotFound as missing:
        raise ValidationFailed(missing.detail, errors={"params.group": [missing.detail]}) \
            from None


class AddToGroup(GroupOperation):
    """Make every relation a member of a static group (members already are left as they
    are); undo takes out those the job added."""

    name = "add_to_group"
    joins = True
    chunk_command, inverse = AddToGroupChunk, RemoveFromGroupChunk


class RemoveFromGroup(GroupOperation):
    """Take every relation out of a static group; undo puts back those the job took out."""

    name = "remove_from_group"
    joins = False
    chunk_command, inverse = RemoveFromGroupChunk, AddToGroupChunk
