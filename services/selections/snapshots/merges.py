"""Selections follow merged and deleted relations: a merged relation's memberships and hand
edits move to the keeper (unless it has its own) and move back when the merge is undone; a
deleted relation's go. Set-based: one statement per step, whatever the number of selections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    String,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.orm import aliased

from services.selections.models import (
    Selection,
    SelectionEdit,
    SelectionMember,
    SelectionMergeMove,
)

Move = SelectionMergeMove
MOVE_COLUMNS = ["merge_id", "selection_id", "relation_id", "kind", "at", "via", "included",
                "actor", "keeper_added"]


def absorb_merge(read_model: Any, merge_id: str, keep_id: str, merged_ids: list[str]) -> None:
    """Move memberships and edits of the merged relations to the keeper, remembering what
    moved. Call before the merge is recorded: a merge already known (a repeat, or one whose
    undo came first) moves nothing."""
    if read_model.merge(merge_id) is not None:
        return
    session = read_model.session
    session.flush()
    for model, kind in ((SelectionMember, "member"), (SelectionEdit, "edit")):
        session.execute(_remember(model, kind, merge_id, keep_id, merged_ids))
    session.execute(insert(SelectionMember).from_select(
        ["selection_id", "relation_id", "added_at", "via"],
        select(Move.selection_id, literal(keep_id, String), func.min(Move.at),
               literal("merge", String))
        .where(_moved(merge_id, "member"), Move.keeper_added.is_(True),
               ~_keeper_removed_by_hand(keep_id))
        .group_by(Move.selection_id)))
    # Two merged relations edited by hand in one selection: a hand-add wins, then the first.
    for included in (True, False):
        session.execute(_keeper_edits(merge_id, keep_id, included))
    for model in (SelectionMember, SelectionEdit):
        session.execute(delete(model).where(model.relation_id.in_(merged_ids)))
    read_model.touch([keep_id, *merged_ids])


def absorb_merge_undone(read_model: Any, merge_id: str, keep_id: str) -> None:
    """Move back what the merge moved: the keeper's rows that came from it go, the merged
    relations' rows return. Call before the undo is recorded."""
    record = read_model.merge(merge_id)
    if record is None or record.undone:
        return
    session = read_model.session
    session.flush()
    for model, kind in ((SelectionMember, "member"), (SelectionEdit, "edit")):
        session.execute(delete(model).where(model.relation_id == keep_id, model.selection_id.in_(
            select(Move.selection_id).where(_moved(merge_id, kind), Move.keeper_added.is_(True))
        )).execution_options(synchronize_session=False))
    session.execute(_restored_members(merge_id))
    session.execute(_restored_edits(merge_id))
    session.execute(delete(Move).where(Move.merge_id == merge_id))
    read_model.touch([keep_id, *record.merged_ids])


def forget(read_model: Any, relation_ids: list[str]) -> None:
    """Deleted relations leave every selection, with their hand edits."""
    session = read_model.session
    session.flush()
    for model in (SelectionMember, SelectionEdit):
        session.execute(delete(model).where(model.relation_id.in_(relation_ids)))
    read_model.touch(relation_ids)


def _remember(model: Any, kind: str, merge_id: str, keep_id: str, merged_ids: list[str]):
    keeper = aliased(model, name="keeper")
    has_keeper = exists(select(keeper.relation_id).where(
        keeper.selection_id == model.selection_id, keeper.relation_id == keep_id))
    member = kind == "member"
    rows = select(literal(merge_id, String), model.selection_id, model.relation_id,
                  literal(kind, String), model.added_at if member else model.at,
                  model.via if member else cast(null(), String),
                  cast(null(), Boolean) if member else model.included,
                  cast(null(), String) if member else model.actor, ~has_keeper
                  ).where(model.relation_id.in_(merged_ids))
    return insert(Move).from_select(MOVE_COLUMNS, rows)


def _keeper_edits(merge_id: str, keep_id: str, included: bool):
    earlier = aliased(Move, name="earlier")
    rows = select(Move.selection_id, literal(keep_id, String), Move.included, Move.at,
                  Move.actor).where(
        _moved(merge_id, "edit"), Move.keeper_added.is_(True), Move.included.is_(included),
        ~exists(select(earlier.relation_id).where(
            earlier.merge_id == merge_id, earlier.kind == "edit",
            earlier.selection_id == Move.selection_id, earlier.included.is_(included),
            earlier.relation_id < Move.relation_id)),
        ~exists(select(SelectionEdit.relation_id).where(
            SelectionEdit.selection_id == Move.selection_id,
            SelectionEdit.relation_id == keep_id)))
    if not included:
        # A merge does not take the keeper out of a selection it is in.
        rows = rows.where(~exists(select(SelectionMember.relation_id).where(
            SelectionMember.selection_id == Move.selection_id,
            SelectionMember.relation_id == keep_id)))
    return insert(SelectionEdit).from_select(
        ["selection_id", "relation_id", "included", "at", "actor"], rows)


def _restored_members(merge_id: str):
    rows = select(Move.selection_id, Move.relation_id, Move.at, Move.via).where(
        _moved(merge_id, "member"), _selection_exists(),
        ~exists(select(SelectionMember.relation_id).where(
            SelectionMember.selection_id == Move.selection_id,
            SelectionMember.relation_id == Move.relation_id)))
    return insert(SelectionMember).from_select(
        ["selection_id", "relation_id", "added_at", "via"], rows)


def _restored_edits(merge_id: str):
    rows = select(Move.selection_id, Move.relation_id, Move.included, Move.at,
                  Move.actor).where(
        _moved(merge_id, "edit"), _selection_exists(),
        ~exists(select(SelectionEdit.relation_id).where(
            SelectionEdit.selection_id == Move.selection_id,
            SelectionEdit.relation_id == Move.relation_id)))
    return insert(SelectionEdit).from_select(
        ["selection_id", "relation_id", "included", "at", "actor"], rows)


def _keeper_removed_by_hand(keep_id: str) -> Any:
    """The keeper's own hand edit took it out of the move's selection: that edit stands."""
    return exists(select(SelectionEdit.relation_id).where(
        SelectionEdit.selection_id == Move.selection_id, SelectionEdit.relation_id == keep_id,
        SelectionEdit.included.is_(False)))


def _moved(merge_id: str, kind: str) -> Any:
    return (Move.merge_id == merge_id) & (Move.kind == kind)


def _selection_exists() -> Any:
    return exists(select(Selection.id).where(Selection.id == Move.selection_id))
