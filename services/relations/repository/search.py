"""The search query: ranked matches of the search table, a page at a time, on the database's
own indexes (pg_trgm on PostgreSQL, FTS5 trigram on SQLite, B-tree ranges for the rest).

Every match has a position (tier, field, term, sort_key, relation_id): tier 0 exact, 1 prefix,
2 contains; field in SEARCH_FIELDS order. A relation is listed once, at its best position, and
positions are totally ordered, so keyset pagination over them never skips or repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    column,
    exists,
    false,
    literal,
    literal_column,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from services.relations.models import Relation
from services.relations.models.search import FTS_TABLE, SEARCH_FIELDS, SearchTerm
from services.relations.search import SearchQuery
from shared.errors import ValidationFailed
from shared.pagination import decode_cursor, encode_cursor

TIERS = ("exact", "prefix", "contains")
EXACT, PREFIX, CONTAINS = range(len(TIERS))
# Trigram indexes need three characters; shorter queries find exact and prefix matches only.
MIN_CONTAINS = 3

_fts = table(FTS_TABLE, column("rowid"))


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
        before phones, then by term, name and id."""
        after = _position(cursor, query)
        found: list[Match] = []
        for tier, field in segments(query):
            if after and (tier, field) < after.segment:
                continue
            keyset = after if after and (tier, field) == after.segment else None
            found += self._segment(query, tier, field, keyset, limit + 1 - len(found),
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
        return {r.id: r for r in self.session.scalars(select(Relation).where(Relation.id.in_(ids)))}

    def _segment(self, query: SearchQuery, tier: int, field: int, after: Match | None,
                 limit: int, include_archived: bool) -> list[Match]:
        """One (tier, field) of the ranking, in (term, sort_key, relation_id) order."""
        term = query.for_field(field)
        row = aliased(SearchTerm, name="hit")
        conditions = [row.field == field, self._tier_condition(row, tier, term),
                      ~_better_match_exists(row, query, tier, field)]
        if not include_archived:
            conditions.append(row.archived == false())
        if after:
            conditions.append(tuple_(row.term, row.sort_key, row.relation_id)
                              > tuple_(after.term, after.sort_key, after.relation_id))
        statement = (select(row.term, row.sort_key, row.relation_id).where(*conditions)
                     .order_by(row.term, row.sort_key, row.relation_id).limit(limit))
        return [Match(tier, field, hit.term, hit.sort_key, hit.relation_id)
                for hit in self.session.execute(statement)]

    def _tier_condition(self, row, tier: int, term: str) -> ColumnElement[bool]:
        if tier == EXACT:
            return row.term == term
        if tier == PREFIX:
            # A term that goes on after the query with a space ("de vries" for "de") always
            # has a better match in its first word, itself a term: skip [q + " ", q + "!").
            low = row.term >= term + "!" if " " not in term else row.term > term
            return and_(low, row.term < _after_prefix(term))
        not_prefix = or_(row.term < term, row.term >= _after_prefix(term))
        if self.session.get_bind().dialect.name == "postgresql":
            contained = row.term.like(f"%{_escape(term)}%", escape="\\")  # pg_trgm GIN
        else:
            phrase = '"' + term.replace('"', '""') + '"'
            contained = row.id.in_(select(_fts.c.rowid)
                                   .where(literal_column(FTS_TABLE).op("MATCH")(phrase)))
        conditions = [contained, not_prefix]
        if " " not in term:
            # Also found after a space: that word is a term and matched by prefix already.
            conditions.append(~row.term.like(f"% {_escape(term)}%", escape="\\"))
        return and_(*conditions)


def segments(query: SearchQuery) -> list[tuple[int, int]]:
    """The (tier, field) pairs this query can match, best first."""
    result = []
    for tier in range(len(TIERS)):
        for field in range(len(SEARCH_FIELDS)):
            term = query.for_field(field)
            if term and (tier != CONTAINS or len(term) >= MIN_CONTAINS):
                result.append((tier, field))
    return result


def _better_match_exists(row, query: SearchQuery, tier: int, field: int) -> ColumnElement[bool]:
    """The relation of `row` matches somewhere ranked before `row`: list it there, not here."""
    other = aliased(SearchTerm, name="other")
    tiers = {f: _tier_of(other.term, query.for_field(f)) for f in range(len(SEARCH_FIELDS))}
    rank = case(*((other.field == f, expr) for f, expr in tiers.items()))
    return exists().where(other.relation_id == row.relation_id,
                          tuple_(rank, other.field, other.term)
                          < tuple_(literal(tier), literal(field), row.term))


def _tier_of(term_column, term: str | None) -> ColumnElement:
    """The tier at which a term column matches `term`, NULL when it does not."""
    if not term:
        return literal(None)
    whens = [(term_column == term, literal(EXACT)),
             (and_(term_column > term, term_column < _after_prefix(term)), literal(PREFIX))]
    if len(term) >= MIN_CONTAINS:
        whens.append((term_column.like(f"%{_escape(term)}%", escape="\\"), literal(CONTAINS)))
    return case(*whens)


def _after_prefix(term: str) -> str:
    """The least string greater than every string that starts with `term`."""
    last = ord(term[-1])
    return term[:-1] + chr(last + 1) if last < 0x10FFFF else term + chr(0x10FFFF)


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
