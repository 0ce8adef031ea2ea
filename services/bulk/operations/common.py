"""What built-in operations share: no parameters, reading relation states for previews, and
undoing a chunk by the owner's before-images."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema

from services.relations.messages import (
    GetRelationStates,
    GetRelationVersions,
    RestoreBeforeImages,
)
from shared.messages import Command, Query
from shared.plugins import BulkOperation, OperationContext

STATES_PAGE = 5000  # what GetRelationStates takes at most


class NoParams(Schema):
    """The parameters of an operation that takes none."""


def relation_states(ctx: OperationContext, relation_ids: list[str]) -> dict[str, dict]:
    """The current states of these relations by id; missing ones are left out."""
    return {state["id"]: state for answer in _asked(ctx, GetRelationStates, relation_ids)
            for state in answer["states"]}


def _asked(ctx: OperationContext, query: Query, relation_ids: list[str]):
    """The owner's answers to `query` about these relations, a page of ids at a time."""
    for start in range(0, len(relation_ids), STATES_PAGE):
        yield ctx.rpc.call(query, {"relation_ids": relation_ids[start:start + STATES_PAGE]})


def display_name(state: dict[str, Any]) -> str:
    """How a relation is shown in a preview: the organisation's or the person's name."""
    if state.get("type") == "organisation":
        return state.get("organisation_name") or ""
    parts = (state.get("first_name") or state.get("initials"), state.get("infix"),
             state.get("last_name"))
    return " ".join(part for part in parts if part)


def preview_rows(ctx: OperationContext, relation_ids: list[str],
                 diff_of) -> list[dict[str, Any]]:
    """A preview row per relation from `diff_of(state) -> (diff, reason_or_None)`: a reason
    means it would fail; an empty diff that it would stay unchanged."""
    states = relation_states(ctx, relation_ids)
    rows = []
    for rid in relation_ids:
        state = states.get(rid)
        if state is None:
            rows.append({"relation_id": rid, "name": None, "diff": {}, "outcome": "would_fail",
                         "reason": "no such relation"})
            continue
        diff, reason = diff_of(state)
        outcome = "would_fail" if reason else "would_change" if diff else "unchanged"
        row = {"relation_id": rid, "name": display_name(state), "diff": diff,
               "outcome": outcome}
        if reason:
            row["reason"] = reason
        rows.append(row)
    return rows


class BeforeImagesUndo(BulkOperation):
    """Undone by restoring what the owner recorded: each changed relation's before-image,
    guarded by the version the job left (someone else's later change is skipped or
    overwritten, as the undo job's mode says)."""

    undo = "before_images"

    def undo_command(self, ctx: OperationContext, chunk: list[str], items: list[dict[str, Any]],
                     mode: str) -> tuple[Command, dict[str, Any]] | None:
        wanted = set(chunk)
        images = {item["relation_id"]: {"before": item["before"] or {},
                                        "version": item["version"]}
                  for item in items if item["relation_id"] in wanted}
        if not images:
            return None
        return RestoreBeforeImages, self.chunk_payload(ctx, list(images), images=images,
                                                       mode=mode)

    def changed_since(self, ctx: OperationContext, items: list[dict[str, Any]]) -> list[str]:
        versions = {relation_id: version for answer in _asked(
            ctx, GetRelationVersions, [item["relation_id"] for item in items])
            for relation_id, version in answer["versions"].items()}
        return [item["relation_id"] for item in items
                if versions.get(item["relation_id"]) != item["version"]]
