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

from sqlalchemy import (
    ColumnElement,
    Select,
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
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from services.relations.models import Relation
from services.relations.models.search import SEARCH_FIELDS, SearchTerm, fts_table
from services.relations.search import EMAIL, NAME, PHONE, SearchQuery
from shared.errors import ValidationFailed
from shared.pagination import decode_cursor, encode_cursor

TIERS = ("exact", "prefix", "contains")
EXACT, PREFIX, CONTAINS = range(len(TIERS))
# Trigram indexes need three characters; shorter queries find exact and prefix matches only.
MIN_CONTAINS = 3
# Rows of a field a "contains" search reads in relation order before it turns to the
# trigram index: a common fragment is found within them, a rare one is cheap in the index.
WINDOW = 40_000

_hit = SearchTerm.__table__.alias("hit")
_other = SearchTerm.__table__.alias("other")


def _order(row) -> tuple:
    return row.term, row.sort_key, row.relation_id


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
            rows = self._rows(select(*_order(_hit.c)).where(
                _in_field(field), _tier_condition(tier, query.for_field(field)),
                *_after(_hit.c, after), *_wanted(_hit.c, query, tier, field, include_archived)),
                limit)
        return [Match(tier, field, *row) for row in rows]

    def _contains(self, query: SearchQuery, field: int, after: Match | None, limit: int,
                  include_archived: bool) -> list:
        """Contains matches, one per relation, by relation id: random, so a common fragment
        shows up within the field's next WINDOW rows in that order; a rare one is looked up
        in the field's trigram index, where it has few entries. The work stays bounded."""
        term = query.for_field(field)
        window = select(_hit.c.relation_id, _hit.c.term, _hit.c.archived).where(
            _in_field(field), *_after_relation(_hit.c, after))
        window = window.order_by(_hit.c.relation_id, _hit.c.term).limit(WINDOW).subquery()
        rows = self._scattered(window.c, [
            _contains_condition(window.c.term, term), *_visible(window.c, include_archived),
            ~_better_match_exists(window.c, query, CONTAINS, field)], limit)
        if len(rows) >= limit:
            return rows
        found = [_in_field(field), _contains_condition(_hit.c.term, term),
                 *_after_relation(_hit.c, after), *_visible(_hit.c, include_archived)]
        if self._dialect == "postgresql":
            with self._bitmap_scans_only():  # the field's partial GIN index
                candidates = _sorted(found)
                return self._scattered(candidates, [
                    ~_better_match_exists(candidates, query, CONTAINS, field)], limit)
        fts = table(fts_table(field), column("rowid"))
        found.append(_hit.c.id.in_(select(fts.c.rowid).where(
            literal_column(fts_table(field)).op("MATCH")('"' + term.replace('"', '""') + '"'))))
        # The unary + keeps SQLite from walking an index in order: the FTS5 matches drive.
        candidates = _sorted(found, literal_column("+hit.relation_id"))
        return self._scattered(candidates, [
            ~_better_match_exists(candidates, query, CONTAINS, field)], limit)

    def _scattered(self, row, conditions: list, limit: int) -> list:
        """Rows of the contains tier as (term, sort_key, relation_id), by relation."""
        statement = (select(row.term, row.relation_id).where(*conditions)
                     .order_by(row.relation_id, row.term).limit(limit))
        return [(term, "", relation_id) for term, relation_id in self.session.execute(statement)]

    def _rows(self, statement: Select, limit: int) -> list:
        return list(self.session.execute(statement.order_by(*_order(_hit.c)).limit(limit)))

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    @contextmanager
    def _bitmap_scans_only(self) -> Iterator[None]:
        # The planner cannot tell a rare fragment from a common one and may walk the ordered
        # index "until LIMIT rows match", reading the whole field when none does; here the
        # fragment is known to be rare, so only the trigram index's bitmap is worth using.
        saved = self.session.execute(text(
            "SELECT current_setting('enable_indexscan'), current_setting('enable_seqscan'), "
            "set_config('enable_indexscan', 'off', true), "
            "set_config('enable_seqscan', 'off', true)")).one()
        try:
            yield
        finally:
            self.session.execute(text(
                "SELECT set_config('enable_indexscan', :i, true), "
                "set_config('enable_seqscan', :s, true)"), {"i": saved[0], "s": saved[1]})


def segments(query: SearchQuery) -> list[tuple[int, int]]:
    """The (tier, field) pairs this query can match, best first."""
    result = []
    for tier in range(len(TIERS)):
        for field in range(len(SEARCH_FIELDS)):
            term = query.for_field(field)
            if not term or (tier == CONTAINS and len(term) < MIN_CONTAINS):
                continue
            if field == EMAIL and (" " in term or (tier == EXACT and "@" not in term)):
                continue  # an address has no spaces, and all of it has an @
            if field == NAME and (query.digits or "@" in term):
                continue  # part of a phone number or an e-mail address, not of a name
            result.append((tier, field))
    return result


def _in_field(field: int) -> ColumnElement[bool]:
    # A literal, so PostgreSQL can match the partial trigram index of the field.
    return _hit.c.field == literal_column(str(int(field)))


def _after(row, after: Match | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    return [tuple_(*_order(row)) > tuple_(after.term, after.sort_key, after.relation_id)]


def _after_relation(row, after: Match | None) -> list[ColumnElement[bool]]:
    return [] if after is None else [row.relation_id > after.relation_id]


def _visible(row, include_archived: bool) -> list[ColumnElement[bool]]:
    return [] if include_archived else [row.archived == false()]


def _wanted(row, query: SearchQuery, tier: int, field: int,
            include_archived: bool) -> list[ColumnElement[bool]]:
    """Not archived (unless asked for), and not better placed elsewhere in the ranking."""
    return [~_better_match_exists(row, query, tier, field), *_visible(row, include_archived)]


def _sorted(conditions: list, first=_hit.c.relation_id):
    """The rows matching `conditions`, sorted by relation, before anything else is asked of
    them (OFFSET 0 keeps the database from checking every row for a better match first)."""
    return (select(_hit.c.relation_id, _hit.c.term).where(*conditions)
            .order_by(first, _hit.c.term).offset(0).subquery("candidates").c)


def _tier_condition(tier: int, term: str) -> ColumnElement[bool]:
    if tier == EXACT:
        return _hit.c.term == term
    # A term that goes on after the query with a space ("de vries" for "de") always has a
    # better match in its first word, itself a term: skip [q + " ", q + "!").
    low = _hit.c.term >= term + "!" if " " not in term else _hit.c.term > term
    return and_(low, _hit.c.term < _after_prefix(term))


def _contains_condition(column_, term: str) -> ColumnElement[bool]:
    conditions = [column_.like(f"%{_escape(term)}%", escape="\\"),
                  or_(column_ < term, column_ >= _after_prefix(term))]
    if " " not in term:
        # Found after a space, the query starts a word, itself a term: a prefix match.
        conditions.append(~column_.like(f"% {_escape(term)}%", escape="\\"))
    return and_(*conditions)


def _better_match_exists(row, query: SearchQuery, tier: int,
                         field: int) -> ColumnElement[bool]:
    """The relation of `row` matches somewhere ranked before it: list it there, not here."""
    fields = [f for f in range(len(SEARCH_FIELDS)) if f != PHONE or query.digits]
    ranks = [(_other.c.field == f, _tier_of(query.for_field(f))) for f in fields]
    return exists().where(_other.c.field.in_(fields),
                          _other.c.relation_id == row.relation_id,
                          tuple_(case(*ranks), _other.c.field, _other.c.term)
                          < tuple_(literal(tier), literal(field), row.term))


def _tier_of(term: str) -> ColumnElement:
    """The tier at which `other.term` matches `term`, NULL when it does not."""
    whens = [(_other.c.term == term, literal(EXACT)),
             (and_(_other.c.term > term, _other.c.term < _after_prefix(term)), literal(PREFIX))]
    if len(term) >= MIN_CONTAINS:
        whens.append((_other.c.term.like(f"%{_escape(term)}%", escape="\\"),
                      literal(CONTAINS)))
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
