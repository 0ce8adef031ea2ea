"""What is derived from a relation's state (search terms, duplicate match keys) follows every
change of it, whichever handler made the change: one hook, not a call in every handler."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

# Modules, not their functions: duplicates reaches this module again through the repository
# package, so its names are looked up when an index is refreshed, not at import.
from services.relations import duplicates, search
from services.relations.models import Relation

NAMES = {"initials", "first_name", "infix", "last_name", "organisation_name"}
# Each index with the relation attributes it is derived from.
INDEXES = (
    (NAMES | {"emails", "phones", "status"}, lambda session, relations: search.reindex(
        session, relations)),
    (NAMES | {"type", "emails", "phones", "birth_date", "address", "status"},
     lambda session, relations: duplicates.refresh_match_keys(session, relations)),
)
EVERYTHING = set().union(*(attributes for attributes, _index in INDEXES))


def follow(session: Session, changed: Iterable[tuple[Relation, set[str]]]) -> None:
    """Bring each index up to date for the relations whose attributes it reads changed."""
    changed = list(changed)
    for attributes, index in INDEXES:
        affected = [relation for relation, names in changed if names & attributes]
        if affected:
            index(session, affected)


def watch(session: Session) -> None:
    """Follow every flush of `session` that writes relations."""
    event.listen(session, "after_flush", _after_flush)


def _after_flush(session: Session, _flush_context) -> None:
    # Still the pre-flush view here: new and dirty objects, with their attribute history.
    changed = [(obj, EVERYTHING) for obj in session.new if isinstance(obj, Relation)]
    changed += [(obj, {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()})
                for obj in session.dirty if isinstance(obj, Relation)]
    follow(session, changed)
