"""The search query: ranked matches of the search table, a page at a time, on the database's
own indexes (B-tree ranges for exact and prefix, pg_trgm / FTS5 trigram for contains).

Every match has a position: its tier (0 exact, 1 prefix, 2 contains), its field (in
SEARCH_FIELDS order), then (term, sort_key, relation_id) for exact and prefix matches, which so
list alphabetically, and the relation id alone for contains matches, which so list in an order
that is arbitrary but stable (see _contains for why). A relation is listed once, at its best
position, and positions are totally ordered, so keyset pagination never skips or repeats.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Select, column, literal_column, select, table, text, true
from sqlalchemy.orm import Session

from services.relations.models import Relation
from services.relations.models.search import fts_table
from services.relations.repository.search_conditions import (
    CONTAINS,
    HIT,
    TIERS,
    after_relation,
    after_term,
    better_match_exists,
    contains_condition,
    in_field,
    order,
    segments,
    sorted_candidates,
    tier_condition,
    trigram_like,
    visible,
    wanted,
)
from services.relations.search import SearchQuery
from shared.errors import ValidationFailed
from shared.pagination import decode_cursor, encode_cursor

__all__ = ["TIERS", "Match", "SearchRepository", "segments"]

# Rows of a field a "contains" search reads in relation order before it turns to the
# trigram index: a common fragment is found within them, a rare one is cheap in the index.
WINDOW = 20_000
_TRIGRAM_PLAN = {"enable_indexscan": "off", "enable_seqscan": "off", "jit": "off",
                 "max_parallel_workers_per_gather": "0"}


@dataclass(frozen=True)
class Match:
    """Where a relation was found: its best position in the ranking."""

    tier: int
    field: int
    term: str
    sort_key: str
    relation_id: str

    @property
    def segment(self) -> tuple[int, int]:
        return self.tier, self.field


class SearchRepository:
    def __init__(self, session: Session):
        self.session = session

    def page(self, query: SearchQuery, *, limit: int, cursor: str | None,
             include_archived: bool) -> tuple[list[Match], str | None]:
        """Best matches first: exact before prefix before contains, names before e-mails
        before phones; then alphabetically (exact, prefix) or by relation id (contains)."""
        after = _position(cursor, query)
        found: list[Match] = []
        for segment in segments(query):
            if after and segment < after.segment:
                continue
            keyset = after if after and segment == after.segment else None
            found += self._segment(query, *segment, keyset, limit + 1 - len(found),
                                   include_archived)
            if len(found) > limit:
                last = found[limit - 1]
                return found[:limit], encode_cursor([last.tier, last.field, last.term,
                                                     last.sort_key, last.relation_id,
                                                     query.fingerprint])
        return found, None

    def relations(self, ids: list[str]) -> dict[str, Relation]:
        """The relations of a page of matches, by id."""
        if not ids:
            return {}
        query = select(Relation).where(Relation.id.in_(ids))
        return {relation.id: relation for relation in self.session.scalars(query)}

    def _segment(self, query: SearchQuery, tier: int, field: int, after: Match | None,
                 limit: int, include_archived: bool) -> list[Match]:
        """One (tier, field) of the ranking, in its order."""
        if tier == CONTAINS:
            rows = self._contains(query, field, after, limit, include_archived)
        else:
            rows = self._rows(select(*order(HIT.c)).where(
                in_field(field), tier_condition(tier, query.for_field(field)),
                *after_term(HIT.c, after), *wanted(HIT.c, query, tier, field, include_archived)),
                limit)
        return [Match(tier, field, *row) for row in rows]

    def _contains(self, query: SearchQuery, field: int, after: Match | None, limit: int,
                  include_archived: bool) -> list:
        """Contains matches, one per relation, by relation id: random, so a common fragment
        shows up within the field's next WINDOW whole values in that order; a rare one is
        looked up in the field's trigram index, where it has few entries. The work stays
        bounded either way."""
        # PostgreSQL's index includes `archived`; SQLite's does not, and looks it up by id
        # for the few rows that match rather than for every row read.
        flag = HIT.c.archived if self._dialect == "postgresql" else HIT.c.id
        window = (select(HIT.c.relation_id, HIT.c.term, flag)
                  .where(in_field(field), HIT.c.whole == true(), *after_relation(HIT.c, after))
                  .order_by(HIT.c.relation_id, HIT.c.term).limit(WINDOW).subquery())
        rows = self._scattered(window.c, [
            contains_condition(window.c.term, query.for_field(field)),
            *visible(window.c, include_archived),
            ~better_match_exists(window.c, query, CONTAINS, field)], limit)
        if len(rows) >= limit:
            return rows
        return self._rare(query, field, after, limit, include_archived)

    def _rare(self, query: SearchQuery, field: int, after: Match | None, limit: int,
              include_archived: bool) -> list:
        """Contains matches of a fragment too rare for the window, from the trigram index."""
        term = query.for_field(field)
        found = [in_field(field), HIT.c.whole == true(), contains_condition(HIT.c.term, term),
                 *after_relation(HIT.c, after), *visible(HIT.c, include_archived)]
        if self._dialect == "postgresql":
            found.append(trigram_like(term))
            with self._trigram_plan():  # the field's partial GIN index
                candidates = sorted_candidates(found)
                return self._scattered(candidates, [
                    ~better_match_exists(candidates, query, CONTAINS, field)], limit)
        fts = table(fts_table(field), column("rowid"))
        found.append(HIT.c.id.in_(select(fts.c.rowid).where(
            literal_column(fts_table(field)).op("MATCH")('"' + term.replace('"', '""') + '"'))))
        # The unary + keeps SQLite from walking an index in order: the FTS5 matches drive.
        candidates = sorted_candidates(found, literal_column("+hit.relation_id"))
        return self._scattered(candidates, [
            ~better_match_exists(candidates, query, CONTAINS, field)], limit)

    def _scattered(self, row, conditions: list, limit: int) -> list:
        """Rows of the contains tier as (term, sort_key, relation_id), by relation."""
        statement = (select(row.term, row.relation_id).where(*conditions)
                     .order_by(row.relation_id, row.term).limit(limit))
        return [(term, "", relation_id) for term, relation_id in self.session.execute(statement)]

    def _rows(self, statement: Select, limit: int) -> list:
        return list(self.session.execute(statement.order_by(*order(HIT.c)).limit(limit)))

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    @contextmanager
    def _trigram_plan(self) -> Iterator[None]:
        # The planner cannot tell a rare fragment from a common one and may walk the ordered
        # index "until LIMIT rows match", reading the whole field when none does; here the
        # fragment is known to be rare, so only the trigram index's bitmap is worth using.
        # Its row estimate is far too high, which would also buy JIT compilation and
        # parallel workers, each costing more than the query itself.
        names = list(_TRIGRAM_PLAN)
        saved = self.session.execute(text(
            "SELECT " + ", ".join(f"current_setting('{name}')" for name in names))).one()
        self._set(_TRIGRAM_PLAN)
        try:
            yield
        finally:
            self._set(dict(zip(names, saved, strict=True)))

    def _set(self, settings: dict[str, str]) -> None:
        """Planner settings for the rest of this transaction."""
        self.session.execute(
            text("SELECT " + ", ".join(f"set_config('{name}', :{name}, true)"
                                       for name in settings)), settings)


def _position(cursor: str | None, query: SearchQuery) -> Match | None:
    position = decode_cursor(cursor, 6)
    if position is None:
        return None
    tier, field, term, key, relation_id, fingerprint = position
    if not (isinstance(tier, int) and isinstance(field, int)
            and all(isinstance(v, str) for v in (term, key, relation_id))):
        raise ValidationFailed("the cursor is not one this API handed out",
                               errors={"cursor": ["unknown cursor"]})
    if fingerprint != query.fingerprint:
        raise ValidationFailed("the cursor belongs to another search; start again without it",
                               errors={"cursor": ["from another search"]})
    return Match(tier, field, term, key, relation_id)
