"""Contact moments: record, list, correct and remove the contacts had with a relation.

A contact moment is not a change of the relation card: the relation's version stays, but its
history notes the moment (field "contact_moments"), so every change to a relation is recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import (
    ContactMomentChanged,
    ContactMomentDeleted,
    ContactMomentRecorded,
)
from services.relations.models import ContactMoment
from services.relations.models.base import now
from services.relations.models.contact_moments import CONTACT_MOMENT_EDITABLE
from shared import context
from shared.messages import Event

HISTORY_FIELD = "contact_moments"


def record_contact_moment(uow: RelationsUnitOfWork, relation_id: str, data: dict[str, Any], *,
                          via: Via | None = None) -> dict[str, Any]:
    """Record a contact; `at` defaults to now, and who recorded it is the caller's principal."""
    with uow:
        relation = uow.relations.live(relation_id)
        moment = ContactMoment(relation_id=relation.id, kind=data["kind"],
                               at=_utc(data.get("at") or now()), subject=data["subject"],
                               note=data.get("note"), by=_principal_label())
        uow.contact_moments.add(moment)
        uow.record(relation.id, {HISTORY_FIELD: [None, _summary(moment)]}, via or Via.api())
        state = _emit(uow, ContactMomentRecorded, moment)
        uow.commit()
    return state


def list_contact_moments(uow: RelationsUnitOfWork, relation_id: str, *, limit: int,
                         cursor: str | None, kind: str | None = None
                         ) -> tuple[list[dict[str, Any]], str | None]:
    """The contact moments of one relation, newest first."""
    with uow:
        uow.relations.get(relation_id)  # 404 for a relation that never existed
        rows, next_cursor = uow.contact_moments.page(relation_id, limit=limit, cursor=cursor,
                                                     kind=kind)
        return [row.state() for row in rows], next_cursor


def get_contact_moment(uow: RelationsUnitOfWork, moment_id: str) -> dict[str, Any]:
    with uow:
        return uow.contact_moments.get(moment_id).state()


def change_contact_moment(uow: RelationsUnitOfWork, moment_id: str, changes: dict[str, Any], *,
                          via: Via | None = None) -> dict[str, Any]:
    """Correct the kind, time, subject or note of a recorded contact moment."""
    with uow:
        moment = uow.contact_moments.get(moment_id)
        wanted = {name: changes[name] for name in CONTACT_MOMENT_EDITABLE if name in changes}
        if "at" in wanted:
            wanted["at"] = _utc(wanted["at"])
        changed = moment.apply(wanted)
        if changed:
            uow.session.flush()
            before = {"id": moment.id, **{name: pair[0] for name, pair in changed.items()}}
            after = {"id": moment.id, **{name: pair[1] for name, pair in changed.items()}}
            uow.record(moment.relation_id, {HISTORY_FIELD: [before, after]}, via or Via.api())
            state = _emit(uow, ContactMomentChanged, moment, changed)
        else:
            state = moment.state()
        uow.commit()
    return state


def delete_contact_moment(uow: RelationsUnitOfWork, moment_id: str, *,
                          via: Via | None = None) -> None:
    """Remove a contact moment; the relation's history keeps what it said."""
    with uow:
        moment = uow.contact_moments.get(moment_id)
        uow.record(moment.relation_id, {HISTORY_FIELD: [_summary(moment), None]},
                   via or Via.api())
        _emit(uow, ContactMomentDeleted, moment)
        uow.contact_moments.delete(moment)
        uow.commit()


def _emit(uow: RelationsUnitOfWork, event: Event, moment: ContactMoment,
          changes: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    state = moment.state()
    uow.emit(event, {"contact_moment": state, "changes": changes or {}},
             aggregate_id=f"contact_moment:{moment.id}")
    return state


def _summary(moment: ContactMoment) -> dict[str, Any]:
    """What history keeps of a contact moment."""
    state = moment.state()
    return {name: state[name] for name in ("id", "kind", "at", "subject", "note", "by")}


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _principal_label() -> str:
    principal = context.principal()
    return principal.label if principal is not None else "system"
