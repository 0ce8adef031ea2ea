"""Static memberships follow merged and deleted relations: a merge moves them to the keeper
(remembering what moved, so an undo moves it back), a deletion ends them. History says so.
Derived memberships follow by themselves: the projection touches these relations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    String,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    select,
)
from sqlalchemy.orm import Session

from services.selections.groups.members import actor
from services.selections.models import (
    STATIC,
    Group,
    GroupMember,
    GroupMembershipChange,
    GroupMergeMove,
    MergeRecord,
)

MEMBERS = GroupMember.__table__
MOVES = GroupMergeMove.__table__
HISTORY_COLUMNS = ["group_id", "relation_id", "change", "at", "via", "reference", "actor"]


def follow_merge(session: Session, merge_id: str, keep_id: str, merged_ids: list[str]) -> None:
    """The merged relations' static memberships move to the keeper; where the keeper is a
    member already, theirs just end. Call before the projection records the merge: a merge
    seen before (or whose undo came first) moves nothing."""
    if session.get(MergeRecord, merge_id) is not None or not merged_ids:
        return
    session.flush()
    now = datetime.now(UTC)
    keeper = MEMBERS.alias("keeper")
    keeper_in = exists(select(1).select_from(keeper).where(
        keeper.c.group_id == MEMBERS.c.group_id, keeper.c.relation_id == keep_id))
    session.execute(insert(MOVES).from_select(
        ["merge_id", "group_id", "relation_id", "since", "via", "keeper_joined"],
        select(literal(merge_id, String), MEMBERS.c.group_id, MEMBERS.c.relation_id,
               MEMBERS.c.since, MEMBERS.c.via, not_(keeper_in))
        .where(_static_rows_of(merged_ids))))
    moved = MOVES.c.merge_id == merge_id
    _write_history(session, select(MOVES.c.group_id, MOVES.c.relation_id).where(moved),
                   "left", now, "merge", merge_id)
    # The keeper has been a member as long as the longest-standing of those it merged.
    session.execute(insert(MEMBERS).from_select(
        ["group_id", "relation_id", "since", "via", "checked_at"],
        select(MOVES.c.group_id, literal(keep_id, String), func.min(MOVES.c.since),
               literal("merge", String), literal(now, DateTime(timezone=True)))
        .where(moved, MOVES.c.keeper_joined).group_by(MOVES.c.group_id)))
    _write_history(session, select(MOVES.c.group_id, literal(keep_id, String))
                   .where(moved, MOVES.c.keeper_joined).distinct(), "joined", now, "merge",
                   merge_id)
    session.execute(delete(MEMBERS).where(_static_rows_of(merged_ids)))


def undo_merge(session: Session, merge_id: str, keep_id: str) -> None:
    """What a merge moved goes back: the merged relations rejoin their groups as they were, and
    the keeper leaves the groups it joined through the merge (if still through it)."""
    session.flush()
    now = datetime.now(UTC)
    moved = MOVES.c.merge_id == merge_id
    joined_by_merge = and_(
        MEMBERS.c.relation_id == keep_id, MEMBERS.c.via == "merge",
        MEMBERS.c.group_id.in_(select(MOVES.c.group_id).where(moved, MOVES.c.keeper_joined)))
    _write_history(session, select(MEMBERS.c.group_id, MEMBERS.c.relation_id)
                   .where(joined_by_merge), "left", now, "merge_undone", merge_id)
    session.execute(delete(MEMBERS).where(joined_by_merge))
    back = and_(moved, ~exists(select(1).select_from(MEMBERS).where(
        MEMBERS.c.group_id == MOVES.c.group_id, MEMBERS.c.relation_id == MOVES.c.relation_id)))
    _write_history(session, select(MOVES.c.group_id, MOVES.c.relation_id).where(back),
                   "joined", now, "merge_undone", merge_id)
    session.execute(insert(MEMBERS).from_select(
        ["group_id", "relation_id", "since", "via", "checked_at"],
        select(MOVES.c.group_id, MOVES.c.relation_id, MOVES.c.since, MOVES.c.via,
               literal(now, DateTime(timezone=True))).where(back)))
    session.execute(delete(MOVES).where(moved))


def forget_memberships(session: Session, relation_ids: list[str]) -> None:
    """Deleted relations leave every static group (history: left via delete)."""
    if not relation_ids:
        return
    session.flush()
    _write_history(session, select(MEMBERS.c.group_id, MEMBERS.c.relation_id)
                   .where(_static_rows_of(relation_ids)), "left", datetime.now(UTC), "delete",
                   None)
    session.execute(delete(MEMBERS).where(MEMBERS.c.relation_id.in_(relation_ids)))


def _static_rows_of(relation_ids: list[str]):
    return and_(MEMBERS.c.relation_id.in_(relation_ids), MEMBERS.c.group_id.in_(
        select(Group.id).where(Group.kind == STATIC)))


def _write_history(session: Session, pairs, change: str, at: datetime, via: str,
                   reference: str | None) -> None:
    """History rows for the (group_id, relation_id) pairs a query selects."""
    rows = pairs.add_columns(literal(change, String), literal(at, DateTime(timezone=True)),
                             literal(via, String), literal(reference, String),
                             literal(actor(), String))
    session.execute(insert(GroupMembershipChange.__table__).from_select(HISTORY_COLUMNS, rows))
