"""Dossiers (a household, a case): open, change, close; their members and their actions.
An action applies to the whole dossier, so every change is history on each member it reaches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.relations.handlers.batch import in_chunks
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import (
    STATUSES,
    DossierChanged,
    DossierCreated,
    DossierDeleted,
    DossiersBatchChanged,
)
from services.relations.models import Dossier
from shared.errors import NotFound, ValidationFailed


def list_dossiers(uow: RelationsUnitOfWork, **criteria: Any) -> tuple[list[dict], str | None]:
    """Dossiers by name, a page at a time (`kind`, `relation_id` narrow the choice)."""
    with uow:
        if criteria.get("relation_id"):
            uow.relations.get(criteria["relation_id"])  # 404 for a relation that never existed
        rows, next_cursor = uow.dossiers.page(**criteria)
        return [dossier.state() for dossier in rows], next_cursor


def get_dossier(uow: RelationsUnitOfWork, dossier_id: str) -> dict[str, Any]:
    with uow:
        return uow.dossiers.get(dossier_id).state()


def open_dossier(uow: RelationsUnitOfWork, data: dict[str, Any], *,
                 via: Via | None = None) -> dict[str, Any]:
    """Open a dossier, with its first members and actions if given."""
    with uow:
        member_ids = list(dict.fromkeys(data.get("member_ids", [])))
        actions = list(dict.fromkeys(data.get("actions", [])))
        _check_members(uow, member_ids)
        _check_actions(uow, actions, field="actions")
        dossier = Dossier(name=data["name"], kind=data["kind"], actions=actions)
        for relation_id in member_ids:
            dossier.add_member(relation_id)
        uow.dossiers.add(dossier)
        summary = dossier.summary()
        for relation_id in member_ids:
            uow.record(relation_id, {"dossiers": [None, summary]}, via or Via.api())
        state = dossier.state()
        uow.emit(DossierCreated, {"dossier": state}, aggregate_id=_aggregate(dossier.id))
        uow.commit()
    return state


def change_dossier(uow: RelationsUnitOfWork, dossier_id: str, data: dict[str, Any], *,
                   via: Via | None = None) -> dict[str, Any]:
    """Rename a dossier or change its kind."""
    with uow:
        dossier = uow.dossiers.get(dossier_id)
        before = dossier.summary()
        changed = {name: data[name] for name in ("name", "kind")
                   if name in data and getattr(dossier, name) != data[name]}
        for name, value in changed.items():
            setattr(dossier, name, value)
        if changed:
            dossier.touch()
            saved(uow, dossier, before, via or Via.api())
        state = dossier.state()
        uow.commit()
    return state


def close_dossier(uow: RelationsUnitOfWork, dossier_id: str, *, via: Via | None = None) -> None:
    """Delete a dossier with its memberships and actions; its members keep the history."""
    with uow:
        dossier = uow.dossiers.get(dossier_id)
        before, member_ids = dossier.summary(), dossier.member_ids
        for relation_id in member_ids:
            uow.record(relation_id, {"dossiers": [before, None]}, via or Via.api())
        uow.dossiers.delete(dossier)
        uow.emit(DossierDeleted, {"id": dossier_id, "member_ids": member_ids},
                 aggregate_id=_aggregate(dossier_id))
        uow.commit()


def add_member(uow: RelationsUnitOfWork, dossier_id: str, relation_id: str, *,
               via: Via | None = None) -> dict[str, Any]:
    """Put a relation in a dossier; a member already stays as it is."""
    with uow:
        dossier = uow.dossiers.get(dossier_id)
        uow.relations.live(relation_id)
        if dossier.add_member(relation_id):
            saved(uow, dossier, dossier.summary(), via or Via.api(), joined=[relation_id])
        state = dossier.state()
        uow.commit()
    return state


def remove_member(uow: RelationsUnitOfWork, dossier_id: str, relation_id: str, *,
                  via: Via | None = None) -> dict[str, Any]:
    """Take a relation out of a dossier; one that is not in it is no error."""
    with uow:
        dossier = uow.dossiers.get(dossier_id)
        if dossier.remove_member(relation_id):
            saved(uow, dossier, dossier.summary(), via or Via.api(), left=[relation_id])
        state = dossier.state()
        uow.commit()
    return state


def add_action(uow: RelationsUnitOfWork, dossier_id: str, key: str, *,
               via: Via | None = None) -> dict[str, Any]:
    """Give a dossier a defined action, for each of its members; idempotent."""
    with uow:
        dossier = uow.dossiers.get(dossier_id)
        _check_actions(uow, [key], field="action")
        before = dossier.summary()
        if key not in before["actions"] and dossier.set_actions([*before["actions"], key]):
            saved(uow, dossier, before, via or Via.api())
        state = dossier.state()
        uow.commit()
    return state


def remove_action(uow: RelationsUnitOfWork, dossier_id: str, key: str, *,
                  via: Via | None = None) -> dict[str, Any]:
    """Take an action off a dossier (every occurrence of it); not having it is no error."""
    with uow:
        dossier = uow.dossiers.get(dossier_id)
        before = dossier.summary()
        if dossier.set_actions([action for action in before["actions"] if action != key]):
            saved(uow, dossier, before, via or Via.api())
        state = dossier.state()
        uow.commit()
    return state


def remove_action_from_everyone(uow: RelationsUnitOfWork, key: str, *,
                                via: Via | None = None) -> int:
    """Take an action off every dossier carrying it, duplicates included, in one
    transaction; answers how many dossiers changed."""
    via = via or Via.api()
    with uow:
        if uow.dossier_actions.find(key) is None and not uow.dossier_actions.count_holders(key):
            raise NotFound(f"no dossier action has the key {key!r}")
        changed = 0
        for chunk in in_chunks(uow, uow.dossiers.holders(key), Dossier):
            touched = [(dossier, dossier.summary()) for dossier in chunk]
            touched = [(dossier, before) for dossier, before in touched
                       if dossier.set_actions([a for a in before["actions"] if a != key])]
            saved_many(uow, touched, via)
            changed += len(touched)
        uow.commit()
    return changed


def move_relation_dossiers(uow: RelationsUnitOfWork, source_id: str, target_id: str,
                           via: Via) -> list[dict[str, Any]]:
    """For a merge, inside its transaction: the target takes the source's place in each of
    its dossiers (never twice), with history on both and one event; answers the dossiers'
    new states."""
    moved = uow.dossiers.move_memberships(source_id, target_id)
    for dossier, joined in moved:
        record_members(uow, dossier, dossier.summary(), via, left=[source_id],
                       joined=[target_id] if joined else [])
    # Name, kind and actions stay as they were: this records nothing more, it announces.
    saved_many(uow, [(dossier, dossier.summary()) for dossier, _joined in moved], via)
    return [dossier.state() for dossier, _joined in moved]


def saved_many(uow: RelationsUnitOfWork, touched: list[tuple[Dossier, dict[str, Any]]],
               via: Via) -> None:
    """After changes to many dossiers in one transaction: history on their members (the
    dossier before and after), and one event with every dossier's new state."""
    if not touched:
        return
    uow.session.flush()  # bumps the versions the event carries
    for dossier, before in touched:
        record_members(uow, dossier, before, via)
    uow.emit(DossiersBatchChanged, {"dossiers": [dossier.state() for dossier, _ in touched]},
             aggregate_id=_aggregate(touched[0][0].id))


def saved(uow: RelationsUnitOfWork, dossier: Dossier, before: dict[str, Any], via: Via, *,
          joined: Sequence[str] = (), left: Sequence[str] = ()) -> None:
    """After a change to one dossier: history on each member it concerns (field "dossiers",
    the dossier before and after), and the dossier's new state as an event."""
    uow.session.flush()  # bumps the version the event carries
    record_members(uow, dossier, before, via, joined=joined, left=left)
    uow.emit(DossierChanged, {"dossier": dossier.state()}, aggregate_id=_aggregate(dossier.id))


def record_members(uow: RelationsUnitOfWork, dossier: Dossier, before: dict[str, Any],
                   via: Via, *, joined: Sequence[str] = (), left: Sequence[str] = ()) -> None:
    """History field "dossiers" on each member a change concerns: the dossier before and
    after; for one who joined, nothing before; for one who left, nothing after."""
    after = dossier.summary()
    changes = {rid: [before, after] for rid in dossier.member_ids if before != after}
    changes.update({rid: [None, after] for rid in joined})
    changes.update({rid: [before, None] for rid in left})
    for relation_id, change in changes.items():
        uow.record(relation_id, {"dossiers": change}, via)


def _check_members(uow: RelationsUnitOfWork, relation_ids: list[str]) -> None:
    found = uow.relations.many(relation_ids) if relation_ids else {}
    unusable = [rid for rid in relation_ids
                if rid not in found or found[rid].status not in STATUSES]
    if unusable:
        raise ValidationFailed("some members are not relations that can join a dossier: "
                               + ", ".join(unusable),
                               errors={"member_ids": [f"no such relation: {rid}"
                                                      for rid in unusable]})


def _check_actions(uow: RelationsUnitOfWork, keys: list[str], *, field: str) -> None:
    known = uow.dossier_actions.labels(keys) if keys else {}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ValidationFailed(f"no dossier action has the key {', '.join(map(repr, unknown))}: "
                               "define it first",
                               errors={field: [f"unknown action {key!r}" for key in unknown]})


def _aggregate(dossier_id: str) -> str:
    return f"dossier:{dossier_id}"
