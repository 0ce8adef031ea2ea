"""Selections created, changed, refreshed on demand and deleted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete

from services.selections.groups.members import actor
from services.selections.models import (
    Selection,
    SelectionEdit,
    SelectionMember,
    SelectionMergeMove,
    SelectionRefresh,
    iso,
)
from services.selections.snapshots.refresh import member_count, refresh
from services.selections.snapshots.schedule import check_schedule, next_refresh
from services.selections.snapshots.source import check_source
from shared.errors import Conflict, NotFound, ValidationFailed


def create_selection(uow: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A new selection, its snapshot taken at once (trigger "created")."""
    with uow:
        schedule = _checked(uow, data)
        now = datetime.now(UTC)
        selection = Selection(id=str(uuid.uuid4()), name=data["name"],
                              description=data.get("description"), source=data["source"],
                              schedule=schedule, next_refresh_at=next_refresh(schedule, now),
                              created_at=now, updated_at=now)
        uow.session.add(selection)
        refresh(uow, selection, trigger="created", actor=actor(), at=now)
        result = shape(uow, selection)
        uow.commit()
    return result


def get_selection(uow: Any, selection_id: str) -> dict[str, Any]:
    with uow:
        return shape(uow, found(uow, selection_id))


def change_selection(uow: Any, selection_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Rename, describe, or change the source (taken at the next refresh) or the schedule."""
    with uow:
        selection = found(uow, selection_id)
        schedule = _checked(uow, data)
        now = datetime.now(UTC)
        for name in ("name", "description", "source"):
            if name in data:
                setattr(selection, name, data[name])
        if "schedule" in data:
            selection.schedule = schedule
            selection.next_refresh_at = next_refresh(schedule, now)
        selection.updated_at = now
        uow.session.flush()
        result = shape(uow, selection)
        uow.commit()
    return result


def refresh_selection(uow: Any, selection_id: str, *, keep_edits: bool) -> dict[str, Any]:
    """Take the snapshot anew now (trigger "manual"); answers the refresh record."""
    with uow:
        record = refresh(uow, found(uow, selection_id), trigger="manual", actor=actor(),
                         at=datetime.now(UTC), keep_edits=keep_edits)
        result = refresh_shape(record)
        uow.commit()
    return result


def delete_selection(uow: Any, selection_id: str) -> None:
    """Delete a selection with its members, edits and history, unless a list, group or
    selection uses it (409 naming them)."""
    # Imported here: dependencies reads every kind of saved set, this package among them.
    from services.selections.dependencies import users_of

    with uow:
        selection = found(uow, selection_id)
        users = users_of(uow.session, "selection", selection_id)
        if users:
            raise Conflict(f"selection {selection_id} is used by " + ", ".join(
                f"{user['kind']} {user['name']!r} ({user['id']})" for user in users)
                + "; change those first", used_by=users)
        for table in (SelectionMember, SelectionEdit, SelectionRefresh, SelectionMergeMove):
            uow.session.execute(delete(table).where(table.selection_id == selection_id)
                                .execution_options(synchronize_session=False))
        uow.session.delete(selection)
        uow.commit()


def found(uow: Any, selection_id: str) -> Selection:
    selection = uow.session.get(Selection, selection_id)
    if selection is None:
        raise NotFound(f"no selection has the id {selection_id!r}")
    return selection


def shape(uow: Any, selection: Selection, count: int | None = None) -> dict[str, Any]:
    """A selection as the API answers it."""
    return {"id": selection.id, "name": selection.name, "description": selection.description,
            "source": selection.source, "schedule": selection.schedule,
            "member_count": member_count(uow.session, selection.id) if count is None else count,
            "refreshed_at": iso(selection.refreshed_at),
            "next_refresh_at": iso(selection.next_refresh_at),
            "created_at": iso(selection.created_at), "updated_at": iso(selection.updated_at)}


def refresh_shape(record: SelectionRefresh) -> dict[str, Any]:
    return {"at": iso(record.at), "trigger": record.trigger, "actor": record.actor,
            "joined": record.joined, "left": record.left, "total": record.total}


def _checked(uow: Any, data: dict[str, Any]) -> dict[str, str] | None:
    """The schedule as stored, once the source and the schedule given are both valid; else
    one 422 naming every bad part of either."""
    errors: dict[str, Any] = {}
    details: list[str] = []
    schedule = None
    if "source" in data:
        try:
            check_source(uow.read_model, data["source"])
        except ValidationFailed as exc:
            errors.update(exc.errors)
            details.append(exc.detail)
    try:
        schedule = check_schedule(data.get("schedule"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
        details.append(exc.detail)
    if errors:
        raise ValidationFailed("; ".join(details), errors=errors)
    return schedule
