"""One change reaching many relations in one transaction: history for each relation, and one
batch event per few hundred of them (a custom field taken away, a tag removed from everyone)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Select

from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import batch_event_for
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
    items = [{"relation": r.state(), "changes": c} for r, c in entries]
    uow.emit(batch_event_for(items), {"entries": items, "job": job},
             aggregate_id=entries[0][0].id)
