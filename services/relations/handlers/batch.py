"""One change reaching many relations in one transaction: history for each relation, and one
batch event per few hundred of them (a custom field taken away, a tag removed from everyone)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Select

from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import RelationsBatchUpdated, RelationsBatchValuesUpdated
from services.relations.models import Relation

# Rows per chunk, and so per batch event.
BATCH = 500


def in_chunks(uow: RelationsUnitOfWork, query: Select, model: type) -> Iterator[list[Any]]:
    """The rows `query` finds (of a model with an `id`), BATCH at a time in id order."""
    last_id = ""
    while True:
        # Keyset by id: memory stays flat, and a row a change leaves matching the query is
        # not visited again.
        chunk = list(uow.session.scalars(
            query.where(model.id > last_id).order_by(model.id).limit(BATCH)))
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].id


def rewrite_relations(uow: RelationsUnitOfWork, query: Select[tuple[Relation]],
                      rewrite: Callable[[Relation], dict[str, Any]], via: Via, *,
                      job: str | None = None) -> int:
    """Apply `rewrite(relation)` (changes as Relation.apply takes them) to every relation
    `query` finds, with history; answers how many really changed."""
    changed_count = 0
    for chunk in in_chunks(uow, query, Relation):
        entries = []
        for relation in chunk:
            changed = relation.apply(rewrite(relation))
            if changed:
                uow.record(relation.id, changed, via)
                entries.append((relation, changed))
        if entries:
            emit_batch(uow, entries, job=job)
        changed_count += len(entries)
    return changed_count


def emit_batch(uow: RelationsUnitOfWork, entries: list[tuple[Relation, dict[str, list[Any]]]],
               *, job: str | None = None) -> None:
    """One batch event for relations changed in this transaction, each with its new
    state and its changes."""
    uow.session.flush()  # versions first: the event carries them
    emit_entries(uow, [{"relation": r.state(), "changes": c} for r, c in entries], job=job)


def emit_entries(uow: RelationsUnitOfWork, entries: list[dict[str, Any]], *,
                 job: str | None = None, suppress_automations: bool = False) -> None:
    """The batch event of these entries ({"relation": state, "changes"} each):
    batch_values_updated when every entry changed custom field values or tags only (services
    that keep neither leave it unsubscribed), batch_updated otherwise."""
    values_only = all(name == "tags" or name.startswith("fields.")
                      for entry in entries for name in entry["changes"])
    uow.emit(RelationsBatchValuesUpdated if values_only else RelationsBatchUpdated,
             {"entries": entries, "job": job, "suppress_automations": suppress_automations},
             aggregate_id=entries[0]["relation"]["id"])
