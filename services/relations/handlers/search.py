"""Search relations by name, e-mail or phone."""

from __future__ import annotations

from typing import Any

from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.models.search import SEARCH_FIELDS
from services.relations.repository.search import TIERS
from services.relations.search import matched_value, parse_query


def search_relations(uow: RelationsUnitOfWork, q: str, *, limit: int, cursor: str | None,
                     include_archived: bool = False) -> tuple[list[dict[str, Any]], str | None]:
    """A page of relation states, best match first, each with a `match` hint saying where
    it was found; a query under two characters is a 422 on `q`."""
    query = parse_query(q)
    with uow:
        matches, next_cursor = uow.search.page(query, limit=limit, cursor=cursor,
                                               include_archived=include_archived)
        relations = uow.search.relations([match.relation_id for match in matches])
        items = []
        for match in matches:
            relation = relations[match.relation_id]
            hint = {"field": SEARCH_FIELDS[match.field], "kind": TIERS[match.tier],
                    "value": matched_value(relation, match.field, match.term)}
            items.append({**relation.state(), "match": hint})
    return items, next_cursor
