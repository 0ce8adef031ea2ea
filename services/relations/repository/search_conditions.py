"""The SQL conditions of the search query (see repository.search): which rows of the search
table match a query in a tier, and which of them are a relation's best match."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)

from services.relations.models.search import (
    SEARCH_FIELDS,
    TRIGRAM_PUNCTUATION,
    TRIGRAM_SPELLING,
    SearchTerm,
)
from services.relations.search import EMAIL, NAME, SearchQuery

if TYPE_CHECKING:
    from services.relations.repository.search import Match

TIERS = ("exact", "prefix", "contains")
EXACT, PREFIX, CONTAINS = range(len(TIERS))
# Trigram indexes need three characters; shorter queries find exact and prefix matches only.
MIN_CONTAINS = 3

HIT = SearchTerm.__table__.alias("hit")
OTHER = SearchTerm.__table__.alias("other")
FLAGS = SearchTerm.__table__.alias("flags")
_SPELLED = str.maketrans(TRIGRAM_PUNCTUATION, TRIGRAM_SPELLING)


def order(row) -> tuple:
    """The order of exact and prefix matches."""
    return row.term, row.sort_key, row.relation_id


def in_field(field: int) -> ColumnElement[bool]:
    # A literal, so PostgreSQL can match the partial trigram index of the field.
    return HIT.c.field == literal_column(str(int(field)))


def after_term(row, after: Match | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    return [tuple_(*order(row)) > tuple_(after.term, after.sort_key, after.relation_id)]


def after_relation(row, after: Match | None) -> list[ColumnElement[bool]]:
    return [] if after is None else [row.relation_id > after.relation_id]


def visible(row, include_archived: bool) -> list[ColumnElement[bool]]:
    """Not archived, unless asked for; a row without the flag has it looked up by id."""
    if include_archived:
        return []
    if "archived" in row:
        return [row.archived == false()]
    return [~exists().where(FLAGS.c.id == row.id, FLAGS.c.archived == true())]


def wanted(row, query: SearchQuery, tier: int, field: int,
           include_archived: bool) -> list[ColumnElement[bool]]:
    """Not archived (unless asked for), and not better placed elsewhere in the ranking."""
    return [~better_match_exists(row, query, tier, field), *visible(row, include_archived)]


def sorted_candidates(conditions: list, first=HIT.c.relation_id):
    """The rows matching `conditions`, sorted by relation, before anything else is asked of
    them (OFFSET 0 keeps the database from checking every row for a better match first)."""
    return (select(HIT.c.relation_id, HIT.c.term).where(*conditions)
            .order_by(first, HIT.c.term).offset(0).subquery("candidates").c)


def tier_condition(tier: int, term: str) -> ColumnElement[bool]:
    if tier == EXACT:
        return HIT.c.term == term
    # A term that goes on after the query with a space ("de vries" for "de") always has a
    # better match in its first word, itself a term: skip [q + " ", q + "!").
    low = HIT.c.term >= term + "!" if " " not in term else HIT.c.term > term
    return and_(low, HIT.c.term < _after_prefix(term))


def trigram_like(term: str) -> ColumnElement[bool]:
    """LIKE '%term%' as the PostgreSQL trigram indexes see it: pg_trgm keeps letters and
    digits only, so punctuation and spaces are spelled as capitals (never in a term), which
    makes "jansen@gm" or "de vr" as selective as any word."""
    return func.translate(HIT.c.term, literal_column(_sql_string(TRIGRAM_PUNCTUATION)),
                          literal_column(_sql_string(TRIGRAM_SPELLING))).like(
        f"%{_escape(term.translate(_SPELLED))}%", escape="\\")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def contains_condition(column_, term: str) -> ColumnElement[bool]:
    conditions = [column_.like(f"%{_escape(term)}%", escape="\\"),
                  or_(column_ < term, column_ >= _after_prefix(term))]
    if " " not in term:
        # Found after a space, the query starts a word, itself a term: a prefix match.
        conditions.append(~column_.like(f"% {_escape(term)}%", escape="\\"))
    return and_(*conditions)


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


def better_match_exists(row, query: SearchQuery, tier: int,
                        field: int) -> ColumnElement[bool]:
    """The relation of `row` matches somewhere ranked before it (in a segment this query
    searches): list it there, not here."""
    searched = segments(query)
    fields = sorted({f for _tier, f in searched})
    ranks = [(OTHER.c.field == f, _tier_of(query.for_field(f), {t for t, g in searched if g == f}))
             for f in fields]
    return exists().where(OTHER.c.field.in_(fields), OTHER.c.whole.in_([False, True]),
                          OTHER.c.relation_id == row.relation_id,
                          tuple_(case(*ranks), OTHER.c.field, OTHER.c.term)
                          < tuple_(literal(tier), literal(field), row.term))


def _tier_of(term: str, tiers: set[int]) -> ColumnElement:
    """The best of `tiers` at which `other.term` matches `term`, NULL when none."""
    whens = []
    if EXACT in tiers:
        whens.append((OTHER.c.term == term, literal(EXACT)))
    if PREFIX in tiers:
        whens.append((and_(OTHER.c.term > term, OTHER.c.term < _after_prefix(term)),
                      literal(PREFIX)))
    if CONTAINS in tiers:
        whens.append((and_(OTHER.c.whole == true(),
                           OTHER.c.term.like(f"%{_escape(term)}%", escape="\\")),
                      literal(CONTAINS)))
    return case(*whens)


def _after_prefix(term: str) -> str:
    """The least string greater than every string that starts with `term`."""
    last = ord(term[-1])
    return term[:-1] + chr(last + 1) if last < 0x10FFFF else term + chr(0x10FFFF)


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
