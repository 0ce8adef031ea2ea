"""Functions and dossiers into the read model: a function orders its events by `updated_at`, a
dossier by `version`; a deleted one stays a tombstone, so no late event brings it back."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.selections.models import DossierView, FunctionView
from services.selections.repository import ReadModel
from services.selections.text import fold, moment


def absorb_function(read_model: ReadModel, state: dict[str, Any], *,
                    deleted: bool = False) -> bool:
    """Keep the newest state of a function (the last one, when `deleted`); answers whether it
    changed anything. A function at a deleted relation counts as deleted too."""
    marker = moment(state["updated_at"])
    ends = read_model.gone([state["relation_id"], state["organisation_id"]]).values()
    deleted = deleted or any(tombstone.reason == "deleted" for tombstone in ends)
    row = read_model.function(state["id"])
    if row is None:
        row = FunctionView(id=state["id"], deleted=False)
        read_model.add(row)
    elif row.deleted or (row.updated_at >= marker and not deleted):
        return False
    read_model.touch([row.relation_id, row.organisation_id, state["relation_id"],
                      state["organisation_id"]])
    row.relation_id, row.organisation_id = state["relation_id"], state["organisation_id"]
    row.role = fold(state["role"]) or ""
    row.start_date = date.fromisoformat(state["start_date"])
    row.end_date = date.fromisoformat(state["end_date"]) if state.get("end_date") else None
    row.updated_at, row.deleted = marker, deleted
    return True


def absorb_dossier(read_model: ReadModel, state: dict[str, Any]) -> bool:
    """Keep the newest version of a dossier: its members and (folded) actions."""
    row = read_model.dossier(state["id"])
    if row is None:
        row = DossierView(id=state["id"], version=state["version"], deleted=False)
        read_model.add(row)
    elif row.deleted or row.version >= state["version"]:
        return False
    row.version = state["version"]
    actions = list(dict.fromkeys(folded for key in state["actions"] if (folded := fold(key))))
    read_model.replace_dossier(row.id, list(dict.fromkeys(state["member_ids"])), actions)
    return True


def bury_dossier(read_model: ReadModel, dossier_id: str) -> None:
    """A deleted dossier: no members, no actions, and no state event counts for it again."""
    row = read_model.dossier(dossier_id)
    if row is None:
        row = DossierView(id=dossier_id, version=0)
        read_model.add(row)
    row.deleted = True
    read_model.replace_dossier(dossier_id, [], [])
