"""Selections edited by hand: relations added or removed, remembered as edits that later
refreshes honour (unless asked to start over)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from services.selections.groups.members import actor
from services.selections.models import RelationView, SelectionEdit, SelectionMember
from services.selections.snapshots.refresh import touch_of
from services.selections.snapshots.service import found
from shared.db import insert_rows

ADD_OUTCOMES = ("added", "already_member", "unknown_relation")
REMOVE_OUTCOMES = ("removed", "not_member", "unknown_relation")


def add_by_hand(uow: Any, selection_id: str, relation_ids: list[str]) -> dict[str, Any]:
    """Add relations to a selection by hand; per relation: added, already_member or
    unknown_relation (not in the read model: never created, merged or deleted)."""
    with uow:
        found(uow, selection_id)
        ids = list(dict.fromkeys(relation_ids))
        known, members = _known(uow, ids), _members(uow, selection_id, ids)
        outcomes = {rid: "unknown_relation" if rid not in known else
                    "already_member" if rid in members else "added" for rid in ids}
        added = [rid for rid in ids if outcomes[rid] == "added"]
        now = datetime.now(UTC)
        insert_rows(uow.session, SelectionMember.__table__, [
            {"selection_id": selection_id, "relation_id": rid, "added_at": now, "via": "manual"}
            for rid in added])
        _record(uow, selection_id, added, included=True, at=now)
        uow.commit()
    return _summary(outcomes, ADD_OUTCOMES)


def remove_by_hand(uow: Any, selection_id: str, relation_ids: list[str]) -> dict[str, Any]:
    """Remove relations from a selection by hand; per relation: removed, not_member or
    unknown_relation."""
    with uow:
        found(uow, selection_id)
        ids = list(dict.fromkeys(relation_ids))
        known, members = _known(uow, ids), _members(uow, selection_id, ids)
        outcomes = {rid: "removed" if rid in members else
                    "not_member" if rid in known else "unknown_relation" for rid in ids}
        removed = [rid for rid in ids if outcomes[rid] == "removed"]
        uow.session.execute(delete(SelectionMember).where(
            SelectionMember.selection_id == selection_id,
            SelectionMember.relation_id.in_(removed)))
        _record(uow, selection_id, removed, included=False, at=datetime.now(UTC))
        uow.commit()
    return _summary(outcomes, REMOVE_OUTCOMES)


def _known(uow: Any, ids: list[str]) -> set[str]:
    return set(uow.session.scalars(select(RelationView.id).where(RelationView.id.in_(ids))))


def _members(uow: Any, selection_id: str, ids: list[str]) -> set[str]:
    return set(uow.session.scalars(select(SelectionMember.relation_id).where(
        SelectionMember.selection_id == selection_id, SelectionMember.relation_id.in_(ids))))


def _record(uow: Any, selection_id: str, ids: list[str], *, included: bool,
            at: datetime) -> None:
    """The newest hand edit of each relation is the one that counts."""
    if not ids:
        return
    uow.session.execute(delete(SelectionEdit).where(SelectionEdit.selection_id == selection_id,
                                                    SelectionEdit.relation_id.in_(ids)))
    by = actor()
    insert_rows(uow.session, SelectionEdit.__table__, [
        {"selection_id": selection_id, "relation_id": rid, "included": included, "at": at,
         "actor": by} for rid in ids])
    touch = touch_of(uow.read_model, selection_id)
    if touch is not None:
        touch(ids)


def _summary(outcomes: dict[str, str], kinds: tuple[str, ...]) -> dict[str, Any]:
    counted = Counter(outcomes.values())
    return {"outcomes": outcomes, **{kind: counted[kind] for kind in kinds}}
