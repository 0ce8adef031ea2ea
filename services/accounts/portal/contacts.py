"""Relations' e-mail addresses and names, kept from relations' events: the newest version of a
relation wins; merged and deleted relations stay as tombstones, and a merge undone brings
them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.models import now
from services.accounts.portal.models import RelationContact
from shared.db import UnitOfWork
from shared.messages import Envelope


def contact_of(session: Session, relation_id: str) -> RelationContact | None:
    """What accounts knows of a relation, or None (a tombstone included: check `gone`)."""
    return session.get(RelationContact, relation_id)


def fold_email(address: str) -> str:
    """An address as compared and stored: case does not tell two addresses apart."""
    return address.strip().casefold()


def primary_email(state: dict[str, Any]) -> str | None:
    """The relation's primary address (else its first), folded; None without one."""
    emails = state.get("emails") or []
    chosen = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    return fold_email(chosen["address"]) if chosen else None


def display_name(state: dict[str, Any]) -> str | None:
    if state.get("type") == "organisation":
        return state.get("organisation_name")
    parts = [state.get("first_name") or state.get("initials"), state.get("infix"),
             state.get("last_name")]
    return " ".join(part for part in parts if part) or None


# The parts of a relation state that primary_email and display_name read, with its status.
KEPT = {"emails", "type", "status", "first_name", "initials", "infix", "last_name",
        "organisation_name"}


def absorb_states(session: Session, states: list[dict[str, Any]], *,
                  undoing: str | None = None) -> None:
    """Keep the newest state of each relation. An older or repeated state, or a state of a
    relation merged or deleted since, changes nothing; `undoing` (a merge id) brings the
    relations that merge buried back."""
    newest: dict[str, dict[str, Any]] = {}
    for state in states:
        if state["id"] not in newest or newest[state["id"]]["version"] < state["version"]:
            newest[state["id"]] = state
    rows = _rows(session, list(newest))
    for relation_id, state in newest.items():
        row = rows.get(relation_id)
        if row is None:
            row = RelationContact(relation_id=relation_id, version=-1)
            session.add(row)
        revived = undoing is not None and row.status == "merged" and row.merge_id == undoing
        if row.gone and not revived:
            continue
        if undoing is not None:
            row.merge_id = undoing  # the merge's own event, should it come late, buries none
        if revived or row.version < state["version"]:
            row.email, row.name = primary_email(state), display_name(state)
            row.status, row.version, row.updated_at = state["status"], state["version"], now()


def bury(session: Session, relation_ids: list[str], reason: str,
         merge_id: str | None = None) -> None:
    """Relations merged away or deleted: tombstones without address or name. A merge whose
    undo came first (the relation carries that merge id and lives) buries nothing."""
    rows = _rows(session, relation_ids)
    for relation_id in dict.fromkeys(relation_ids):
        row = rows.get(relation_id)
        if row is None:
            row = RelationContact(relation_id=relation_id, version=0)
            session.add(row)
        elif merge_id is not None and row.merge_id == merge_id and not row.gone:
            continue
        row.email = row.name = None
        row.status, row.merge_id, row.updated_at = reason, merge_id, now()


def _rows(session: Session, relation_ids: list[str]) -> dict[str, RelationContact]:
    found = session.scalars(select(RelationContact).where(
        RelationContact.relation_id.in_(relation_ids)))
    return {row.relation_id: row for row in found}


# --- the event handlers -------------------------------------------------------------------

def absorb_relation(event: Envelope, uow: UnitOfWork) -> None:
    """A relation created or updated: keep its newest address and name."""
    with uow:
        absorb_states(uow.session, [event.payload["relation"]])
        uow.commit()


def absorb_entries(event: Envelope, uow: UnitOfWork) -> None:
    """Many relations changed at once (a batch update, an archive, a restore). Batches of
    custom field values or tags only come as batch_values_updated, which accounts does not
    take; an entry here whose changes reach nothing kept is passed over all the same:
    what accounts keeps of that version is what it keeps of the one before, so the newest
    address and name still win."""
    states = [entry["relation"] for entry in event.payload["entries"]
              if not entry.get("changes") or KEPT & entry["changes"].keys()]
    if not states:
        return
    with uow:
        absorb_states(uow.session, states)
        uow.commit()


def absorb_deleted(event: Envelope, uow: UnitOfWork) -> None:
    """Deleted relations: their address and name are forgotten."""
    with uow:
        bury(uow.session, event.payload["relation_ids"], "deleted")
        uow.commit()


def absorb_merge(event: Envelope, uow: UnitOfWork) -> None:
    """The merged relations are tombstones now; the keeper's new state."""
    payload = event.payload
    with uow:
        bury(uow.session, payload["merged"], "merged", payload["merge_id"])
        absorb_states(uow.session, [payload["keep"]])
        uow.commit()


def absorb_merge_undone(event: Envelope, uow: UnitOfWork) -> None:
    """Every relation of the merge is back, as it was before."""
    payload = event.payload
    with uow:
        absorb_states(uow.session, [payload["keep"]])
        absorb_states(uow.session, payload["restored"], undoing=payload["merge_id"])
        uow.commit()
