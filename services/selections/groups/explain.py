"""Why a relation is or is not in a group, and when that was last brought up to date: a dynamic
group's filter annotated node by node (one query per relation, each node's condition a
column), a composite group's sub-groups explained in turn, a static group's history entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from services.selections.filters import FilterCatalog, compile_filter
from services.selections.groups import materialise
from services.selections.groups.members import change_shape
from services.selections.groups.service import found
from services.selections.models import (
    COMPOSITE,
    DYNAMIC,
    STATIC,
    Group,
    GroupMember,
    GroupMembershipChange,
    MembershipCheck,
    RelationView,
    iso,
)
from services.selections.models.saved import aware
from shared.db import UnitOfWork
from shared.errors import NotFound, ValidationFailed

IMPLICIT = "a filter that says nothing of archived finds active relations only"


def explain(uow: UnitOfWork, group_id: str, relation_id: str) -> dict[str, Any]:
    """Why `relation_id` is (or is not) a member of the group."""
    with uow:
        group = found(uow.session, group_id)
        if uow.session.get(RelationView, relation_id) is None:
            raise NotFound(f"no relation has the id {relation_id!r}")
        return _explained(uow.session, group, relation_id,
                          materialise.catalog_for(uow.session))


def _explained(session: Session, group: Group, relation_id: str,
               catalog: FilterCatalog) -> dict[str, Any]:
    row = session.execute(select(GroupMember.since, GroupMember.via, GroupMember.checked_at)
                          .where(GroupMember.group_id == group.id,
                                 GroupMember.relation_id == relation_id)).first()
    answer = {"group": {"id": group.id, "name": group.name, "kind": group.kind},
              "member": row is not None, "since": iso(row.since) if row else None,
              "via": row.via if row else None,
              "checked_at": iso(_checked(session, group, relation_id, row.checked_at))
              if row else None, "evaluated_at": iso(group.evaluated_at)}
    if group.kind == DYNAMIC:
        answer["reason"] = _filter_reason(session, group.filter, relation_id, catalog)
    elif group.kind == COMPOSITE:
        answer["reason"] = {"combine": group.combine, "groups": [
            _explained(session, found(session, sub), relation_id, catalog)
            for sub in group.member_groups]}
    else:
        answer["reason"] = {"history": _last_change(session, group.id, relation_id)}
    return answer


def _checked(session: Session, group: Group, relation_id: str, written: datetime) -> datetime:
    """When a membership was last brought up to date: written, or (a derived group) confirmed
    since by the group's full evaluation or a commit that touched the relation."""
    times = [written]
    if group.kind != STATIC:
        check = session.get(MembershipCheck, relation_id)
        times += [group.evaluated_at, check.checked_at if check else None]
    return max(aware(moment) for moment in times if moment is not None)


def _filter_reason(session: Session, node: Any, relation_id: str,
                   catalog: FilterCatalog) -> dict[str, Any]:
    """The filter with `path` and `held` on every node, and whether it matches now."""
    parts: dict[str, ColumnElement[bool]] = {}
    try:
        condition = compile_filter(node, catalog, parts)
    except ValidationFailed as exc:
        # A field, tag or set it names is gone: the members stay as last evaluated.
        return {"filter": node, "error": exc.detail, "errors": exc.errors}
    paths = list(parts)
    columns = [parts[path].label(f"node_{index}") for index, path in enumerate(paths)]
    row = session.execute(select(*columns, condition.label("matches"),
                                 (RelationView.status == "active").label("active"))
                          .select_from(RelationView).where(RelationView.id == relation_id)).one()
    held = {path: bool(row[index]) for index, path in enumerate(paths)}
    reason: dict[str, Any] = {"filter": _annotated(node, "filter", held),
                              "matches_now": bool(row.matches)}
    if condition is not parts.get("filter"):
        reason["implicit"] = {"archived": False, "held": bool(row.active), "note": IMPLICIT}
    return reason


def _annotated(node: Any, path: str, held: dict[str, bool]) -> Any:
    if not isinstance(node, dict):
        return node
    for key in ("and", "or"):
        if key in node and isinstance(node[key], list):
            return {key: [_annotated(child, f"{path}.{key}[{index}]", held)
                          for index, child in enumerate(node[key])],
                    "path": path, "held": held.get(path)}
    if "not" in node:
        return {"not": _annotated(node["not"], f"{path}.not", held), "path": path,
                "held": held.get(path)}
    return {**node, "path": path, "held": held.get(path)}


def _last_change(session: Session, group_id: str, relation_id: str) -> dict[str, Any] | None:
    change = session.scalars(select(GroupMembershipChange).where(
        GroupMembershipChange.group_id == group_id,
        GroupMembershipChange.relation_id == relation_id)
        .order_by(GroupMembershipChange.id.desc()).limit(1)).first()
    return change_shape(change) if change else None
