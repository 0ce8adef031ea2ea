"""Relation states into the read model: newest version wins; merged and deleted relations go,
and a merge undone brings them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.selections.models import GoneRelation, MergeRecord
from services.selections.projection.rows import value_attributes, value_rows, view_columns
from services.selections.projection.upsert import expire_loaded, upsert_views
from services.selections.repository import ReadModel
from services.selections.text import moment


def absorb_states(read_model: ReadModel, states: list[dict[str, Any]], at: datetime) -> int:
    """Keep the newest state of each relation; an older or repeated state, or one of a relation
    merged or deleted since, changes nothing. Answers how many relations changed."""
    newest: dict[str, dict[str, Any]] = {}
    for state in states:
        seen = newest.get(state["id"])
        if seen is None or seen["version"] < state["version"]:
            newest[state["id"]] = state
    written = upsert_views(read_model.session,
                           [view_columns(state, at) for state in newest.values()])
    changed = [state for relation_id, state in newest.items() if relation_id in written]
    if changed:
        read_model.replace_values([state["id"] for state in changed],
                                  [row for state in changed for row in value_rows(state)])
    read_model.touch(state["id"] for state in changed)
    return len(changed)


def absorb_entries(read_model: ReadModel, entries: list[dict[str, Any]], at: datetime) -> int:
    """A batch event's entries (a state and its changes each). A state that follows the stored
    one and changed only lists or custom fields (a bulk job's usual change) rewrites its view
    row's state and version and the value rows of what changed; every other state is
    absorbed whole. Answers how many relations changed."""
    newest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        seen = newest.get(entry["relation"]["id"])
        if seen is None or seen["relation"]["version"] < entry["relation"]["version"]:
            newest[entry["relation"]["id"]] = entry
    narrow = {relation_id: attributes for relation_id, entry in newest.items()
              if entry.get("changes")
              and (attributes := value_attributes(entry["changes"]))}
    following: dict[str, set[str]] = {}
    if narrow:
        states = [newest[relation_id]["relation"] for relation_id in narrow]
        advanced = read_model.advance(
            [{"id": state["id"], "state": state, "version": state["version"],
              "updated_at": moment(state["updated_at"]), "absorbed_at": at} for state in states])
        following = {relation_id: narrow[relation_id] for relation_id in narrow
                     if relation_id in advanced}
        read_model.replace_values_of(following, [
            row for relation_id in following
            for row in value_rows(newest[relation_id]["relation"], following[relation_id])])
        expire_loaded(read_model.session, set(following))
        read_model.touch(following)
    return len(following) + absorb_states(
        read_model, [entry["relation"] for relation_id, entry in newest.items()
                     if relation_id not in following], at)


def absorb_merge(read_model: ReadModel, merge_id: str, keep: dict[str, Any],
                 merged_ids: list[str], at: datetime) -> None:
    """The merged relations go (tombstones remember the merge) and their functions move to the
    keeper, as they did in relations; then the keeper's new state. A merge whose undo came
    first only offers the keeper's state."""
    if read_model.merge(merge_id) is None:
        moved = read_model.functions_touching(merged_ids)
        read_model.add(MergeRecord(
            merge_id=merge_id, keep_id=keep["id"], merged_ids=merged_ids, undone=False,
            moved_functions=[[f.id, f.relation_id, f.organisation_id] for f in moved]))
        for function in moved:
            if function.relation_id in merged_ids:
                function.relation_id = keep["id"]
            if function.organisation_id in merged_ids:
                function.organisation_id = keep["id"]
        bury(read_model, merged_ids, "merged", merge_id, at)
        read_model.touch([keep["id"], *merged_ids, *(f.organisation_id for f in moved)])
    absorb_states(read_model, [keep], at)


def absorb_merge_undone(read_model: ReadModel, merge_id: str, keep: dict[str, Any],
                        restored: list[dict[str, Any]], at: datetime) -> None:
    """Functions move back, the merged relations return with their restored states."""
    record = read_model.merge(merge_id)
    if record is None:
        # The undo overtook its merge: remember it, so the merge changes nothing when it comes.
        read_model.add(MergeRecord(merge_id=merge_id, keep_id=keep["id"], undone=True,
                                   merged_ids=[state["id"] for state in restored],
                                   moved_functions=[]))
    elif not record.undone:
        record.undone = True
        for function_id, relation_id, organisation_id in record.moved_functions:
            function = read_model.function(function_id)
            if function is not None:
                function.relation_id, function.organisation_id = relation_id, organisation_id
        read_model.touch(end for moved in record.moved_functions for end in moved[1:])
    read_model.touch([keep["id"], *(state["id"] for state in restored)])
    read_model.unmark_gone([state["id"] for state in restored], merge_id)
    absorb_states(read_model, [keep, *restored], at)


def forget(read_model: ReadModel, relation_ids: list[str], at: datetime) -> None:
    """Deleted relations leave for good, and the functions at either end of them count no
    more: nothing may find them, whatever event about them comes late."""
    read_model.touch([*relation_ids, *(end for f in read_model.functions_touching(relation_ids)
                                       for end in (f.relation_id, f.organisation_id))])
    read_model.bury_functions_of(relation_ids)
    bury(read_model, relation_ids, "deleted", None, at)


def bury(read_model: ReadModel, relation_ids: list[str], reason: str, merge_id: str | None,
         at: datetime) -> None:
    """The relations leave the read model; a tombstone says why, so no late event brings
    them back."""
    read_model.remove(relation_ids)
    gone = read_model.gone(relation_ids)
    for relation_id in dict.fromkeys(relation_ids):
        tombstone = gone.get(relation_id)
        if tombstone is None:
            read_model.add(GoneRelation(id=relation_id, reason=reason, merge_id=merge_id, at=at))
        else:
            tombstone.reason, tombstone.merge_id, tombstone.at = reason, merge_id, at
