"""A selection's snapshot taken anew: members = the source now ∪ hand-added − hand-removed,
written with set-based statements (the source is one SELECT, never a list of ids here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Executable,
    Select,
    String,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from services.selections.dependencies import Graph, dependants
from services.selections.models import (
    RelationView,
    Selection,
    SelectionEdit,
    SelectionMember,
    SelectionRefresh,
)
from services.selections.snapshots.source import source_members

Touch = Callable[[list[str]], None]
MEMBER_COLUMNS = ["selection_id", "relation_id", "added_at", "via"]


def refresh(uow: Any, selection: Selection, *, trigger: str, actor: str | None, at: datetime,
            keep_edits: bool = True) -> SelectionRefresh:
    """Take the snapshot anew (hand edits forgotten first unless `keep_edits`), record how many
    joined and left, and answer that record."""
    session: Session = uow.session
    session.flush()
    if not keep_edits:
        session.execute(delete(SelectionEdit).where(SelectionEdit.selection_id == selection.id))
    source = source_members(uow.read_model, selection.source, at.date())
    touch = touch_of(uow.read_model, selection.id)
    left = _write(session, _leaving(selection.id, source), touch)
    joined = (_write(session, _joining_from_source(selection.id, source, at), touch)
              + _write(session, _joining_by_hand(selection.id, at), touch))
    record = SelectionRefresh(selection_id=selection.id, at=at, trigger=trigger, actor=actor,
                              joined=joined, left=left, total=member_count(session,
                                                                           selection.id))
    session.add(record)
    selection.refreshed_at = at
    session.flush()
    return record


def member_count(session: Session, selection_id: str) -> int:
    return session.scalar(select(func.count()).select_from(SelectionMember)
                          .where(SelectionMember.selection_id == selection_id))


def touch_of(read_model: Any, selection_id: str) -> Touch | None:
    """The read model's touch, if some derived group reads this selection's members (then
    those groups follow the members that changed); else None, and no ids are gathered."""
    if not dependants(Graph(read_model.session), ("selection", selection_id)):
        return None
    return read_model.touch


def hand_edit(selection_id: str, relation_id: Any, included: bool) -> Any:
    """There is a hand edit of this relation in this selection that added (or removed) it."""
    return exists(select(SelectionEdit.relation_id).where(
        SelectionEdit.selection_id == selection_id, SelectionEdit.relation_id == relation_id,
        SelectionEdit.included.is_(included)))


def _leaving(selection_id: str, source: Select) -> Executable:
    member = SelectionMember.relation_id
    in_source = exists(source.where(source.selected_columns[0] == member))
    # Not synchronised with the session: the ORM would fetch every deleted key to do so.
    return delete(SelectionMember).where(
        SelectionMember.selection_id == selection_id,
        or_((~in_source) & ~hand_edit(selection_id, member, True),
            hand_edit(selection_id, member, False))).execution_options(
        synchronize_session=False)


def _joining_from_source(selection_id: str, source: Select, at: datetime) -> Executable:
    rows = source.subquery("source")
    relation_id = rows.c[0]
    return _inserted(select(literal(selection_id, String), relation_id,
                            literal(at, DateTime(timezone=True)), literal("refresh", String))
                     .where(~_is_member(selection_id, relation_id),
                            ~hand_edit(selection_id, relation_id, False)))


def _joining_by_hand(selection_id: str, at: datetime) -> Executable:
    relation_id = SelectionEdit.relation_id
    return _inserted(select(literal(selection_id, String), relation_id,
                            literal(at, DateTime(timezone=True)), literal("manual", String))
                     .where(SelectionEdit.selection_id == selection_id,
                            SelectionEdit.included.is_(True),
                            exists(select(RelationView.id).where(RelationView.id == relation_id)),
                            ~_is_member(selection_id, relation_id)))


def _is_member(selection_id: str, relation_id: Any) -> Any:
    return exists(select(SelectionMember.relation_id).where(
        SelectionMember.selection_id == selection_id, SelectionMember.relation_id == relation_id))


def _inserted(rows: Select) -> Executable:
    return insert(SelectionMember).from_select(MEMBER_COLUMNS, rows)


def _write(session: Session, statement: Any, touch: Touch | None) -> int:
    """Run an INSERT or DELETE of members; answers how many rows it wrote. With a touch, the
    ids come back (RETURNING) so the groups that use the selection can follow them."""
    if touch is None:
        # Without preserve_rowcount an INSERT … SELECT answers -1 on PostgreSQL (psycopg).
        return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount
    ids = list(session.scalars(statement.returning(SelectionMember.relation_id)))
    if ids:
        touch(ids)
    return len(ids)
