"""What the selections service does, one function per message."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.selections.filters import FilterCatalog, compile_filter
from services.selections.groups import follow, upkeep
from services.selections.projection import accounts, definitions, links, relations
from services.selections.repository import ReadModel
from services.selections.snapshots import merges as selection_merges
from shared.db import UnitOfWork
from shared.messages import Envelope


class SelectionsUnitOfWork(UnitOfWork):
    @property
    def read_model(self) -> ReadModel:
        return ReadModel(self.session)

    def commit(self) -> None:
        """Bring the derived group memberships of the relations touched up to date, then
        commit: every handler and API write is covered by this one place."""
        upkeep.refresh_touched(self.session)
        super().commit()


# --- relations ------------------------------------------------------------------------------

def absorb_relation_state(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Keep the newest state of a relation; an older or repeated event changes nothing."""
    with uow:
        relations.absorb_states(uow.read_model, [event.payload["relation"]], _now())
        uow.commit()


def absorb_batch(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Many relations changed in one transaction upstream (a batch update, an archive, a
    restore): absorb them in one here too."""
    with uow:
        relations.absorb_entries(uow.read_model, event.payload["entries"], _now())
        uow.commit()


def absorb_merge(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """The merged relations are tombstones now: only the keeper stays findable."""
    payload = event.payload
    with uow:
        merge(uow, payload["merge_id"], payload["keep"], payload["merged"], _now())
        uow.commit()


def absorb_merge_undone(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Every relation of the merge is findable again, as it was before."""
    payload = event.payload
    with uow:
        undo_merge(uow, payload["merge_id"], payload["keep"], payload["restored"], _now())
        uow.commit()


def forget_relations(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Deleted relations leave the read model: nothing may find them any more."""
    with uow:
        forget(uow, event.payload["relation_ids"], _now())
        uow.commit()


# A merge, its undo and a deletion reach static groups, selections and the read model alike,
# from an event or from the rebuild. Groups and selections go first: they move nothing once the
# projection has recorded the merge.

def merge(uow: SelectionsUnitOfWork, merge_id: str, keep: dict[str, Any],
          merged_ids: list[str], at: datetime) -> None:
    """Static memberships, selection members and edits move to the keeper; the merged
    relations become tombstones."""
    follow.follow_merge(uow.session, merge_id, keep["id"], merged_ids)
    selection_merges.absorb_merge(uow.read_model, merge_id, keep["id"], merged_ids)
    relations.absorb_merge(uow.read_model, merge_id, keep, merged_ids, at)


def undo_merge(uow: SelectionsUnitOfWork, merge_id: str, keep: dict[str, Any],
               restored: list[dict[str, Any]], at: datetime) -> None:
    """What the merge moved goes back, and the merged relations return."""
    follow.undo_merge(uow.session, merge_id, keep["id"])
    selection_merges.absorb_merge_undone(uow.read_model, merge_id, keep["id"])
    relations.absorb_merge_undone(uow.read_model, merge_id, keep, restored, at)


def forget(uow: SelectionsUnitOfWork, relation_ids: list[str], at: datetime) -> None:
    """Deleted relations leave static groups, selections and the read model."""
    follow.forget_memberships(uow.session, relation_ids)
    selection_merges.forget(uow.read_model, relation_ids)
    relations.forget(uow.read_model, relation_ids, at)


def absorb_account(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A portal account created, activated, blocked, unblocked, moved or deleted: filters on
    account status see it."""
    with uow:
        accounts.absorb_account(uow.read_model, event.payload["account"])
        uow.commit()


# --- functions and dossiers -----------------------------------------------------------------

def absorb_function(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A function added, changed or ended: keep its newest state."""
    with uow:
        links.absorb_function(uow.read_model, event.payload["function"])
        uow.commit()


def bury_function(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A function removed as if never held."""
    with uow:
        links.absorb_function(uow.read_model, event.payload["function"], deleted=True)
        uow.commit()


def absorb_dossier(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A dossier opened or changed: its members and actions as of its newest version."""
    with uow:
        links.absorb_dossier(uow.read_model, event.payload["dossier"])
        uow.commit()


def absorb_dossiers(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Many dossiers changed in one transaction upstream."""
    with uow:
        for state in event.payload["dossiers"]:
            links.absorb_dossier(uow.read_model, state)
        uow.commit()


def bury_dossier(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A dossier deleted, with its memberships and actions."""
    with uow:
        links.bury_dossier(uow.read_model, event.payload["id"])
        uow.commit()


# --- definitions ----------------------------------------------------------------------------

def absorb_field(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A custom field defined or changed: filters check values against its type and options."""
    with uow:
        definitions.absorb_field(uow.read_model, event.payload["field"])
        uow.commit()


def bury_field(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """A custom field deleted (its values left in batch events before this one)."""
    with uow:
        definitions.bury_field(uow.read_model, event.payload["key"], event.occurred_at)
        uow.commit()


def absorber_of(kind: str):
    """The handler that keeps the newest definition of a tag or a dossier action."""

    def absorb(event: Envelope, uow: SelectionsUnitOfWork) -> None:
        with uow:
            definitions.absorb_definition(uow.read_model, kind, event.payload["definition"])
            uow.commit()

    absorb.__doc__ = f"A {kind} defined or changed."
    return absorb


def burier_of(kind: str):
    """The handler that forgets a deleted tag or dossier action definition."""

    def bury(event: Envelope, uow: SelectionsUnitOfWork) -> None:
        with uow:
            definitions.bury_definition(uow.read_model, kind, event.payload["key"],
                                        event.occurred_at)
            uow.commit()

    bury.__doc__ = f"A {kind} deleted."
    return bury


# --- filters --------------------------------------------------------------------------------

def count_matching(uow: SelectionsUnitOfWork, filter_node: Any) -> int:
    """How many relations a filter matches."""
    with uow:
        condition = compile_filter(filter_node, FilterCatalog(uow.read_model, date.today()))
        return uow.read_model.count(condition)


def query_matching(uow: SelectionsUnitOfWork, filter_node: Any, *, limit: int,
                   cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The states of the relations a filter matches, a page at a time."""
    with uow:
        condition = compile_filter(filter_node, FilterCatalog(uow.read_model, date.today()))
        return uow.read_model.page(condition, limit=limit, cursor=cursor)


def _now() -> datetime:
    return datetime.now(UTC)
