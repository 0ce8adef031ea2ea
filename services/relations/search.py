"""Search by name, e-mail or phone: the normalised terms a relation is found by, and the one
function that keeps them in step with the relation.

Call `reindex(session, relations)` in the same transaction as any change to a relation's names,
e-mails, phones or status (create, update, archive and restore, merge, delete, bulk changes).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from phonenumbers import NumberParseException
from sqlalchemy import delete, insert, inspect
from sqlalchemy.orm import Session

from services.relations.contacts import national_digits
from services.relations.models.search import SEARCH_FIELDS, TERM_LENGTH, SearchTerm
from shared.errors import ValidationFailed

NAME, EMAIL, PHONE = range(len(SEARCH_FIELDS))
# Relations in other states (a merged or deleted relation's tombstone) are not found.
SEARCHABLE_STATUSES = ("active", "archived")
MIN_QUERY, MAX_QUERY = 2, 200
# Relations whose search rows are rewritten per statement.
CHUNK = 500

_WORD = re.compile(r"\w+")
# Letters Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ı": "i", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d",
                               "Đ": "d", "ð": "d", "Ð": "d", "æ": "ae", "Æ": "ae", "œ": "oe",
                               "Œ": "oe", "þ": "th", "Þ": "th"})
_ASCII_CONTROLS = {code: " " if chr(code).isspace() else None for code in (*range(0x20), 0x7F)}
# What people type between the digits of a phone number.
_PHONE_NOISE = re.compile(r"[\s\-./()]")
_PHONE_QUERY = re.compile(r"\+?\d{2,}")


def normalise(text: str | None) -> str:
    """Lower case without accents or control characters, single spaces: "José " -> "jose"."""
    if not text:
        return ""
    if text.isascii():
        text = text.translate(_ASCII_CONTROLS)
    else:
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(ch) and unicodedata.category(ch)[0] != "C"
                       or ch.isspace()).translate(_UNDECOMPOSED)
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class SearchQuery:
    """What a user typed, as each field's terms are written."""

    text: str
    # The digits of a phone-looking query ("06 12" -> "0612"), else None.
    digits: str | None

    def for_field(self, field: int) -> str | None:
        return self.digits if field == PHONE else self.text

    @property
    def fingerprint(self) -> str:
        """Ties a cursor to the query it paged."""
        return hashlib.sha1(f"{self.text}|{self.digits}".encode()).hexdigest()[:12]


def parse_query(raw: str) -> SearchQuery:
    """The query, or a 422 on `q` when it is too short or too long to search for."""
    text = normalise(raw)
    if len(text) < MIN_QUERY:
        raise ValidationFailed(f"search for at least {MIN_QUERY} characters",
                               errors={"q": [f"at least {MIN_QUERY} characters"]})
    if len(text) > MAX_QUERY:
        raise ValidationFailed(f"search for at most {MAX_QUERY} characters",
                               errors={"q": [f"at most {MAX_QUERY} characters"]})
    compact = raw.strip()
    if compact.startswith("+"):
        compact = compact.replace("(0)", "")  # "+31 (0)6 ..." is written, never dialled
    compact = _PHONE_NOISE.sub("", compact)
    digits = compact.lstrip("+") if _PHONE_QUERY.fullmatch(compact) else None
    return SearchQuery(text=text, digits=digits)


def display_name(relation: Any) -> str:
    """The name as people write it: "Anna van der Berg", or the organisation's name."""
    if relation.organisation_name:
        return relation.organisation_name
    given = relation.first_name or relation.initials
    return " ".join(part for part in (given, relation.infix, relation.last_name) if part)


def sort_key(relation: Any) -> str:
    """The normalised name, family name first, so equal matches list as in an address book."""
    if relation.organisation_name:
        return normalise(relation.organisation_name)[:TERM_LENGTH]
    given = relation.first_name or relation.initials
    parts = (relation.last_name, given, relation.infix)
    return normalise(" ".join(part for part in parts if part))[:TERM_LENGTH]


def name_terms(relation: Any) -> set[str]:
    """The whole name, the family name with its infix, and every word of the name.

    Every word (split on spaces, and again on punctuation) is a term of its own, which the
    ranking relies on: a term that starts or continues with the query after a space always has
    a better match in that word (see repository.search_conditions)."""
    full = normalise(display_name(relation))
    if not full:
        return set()
    family = normalise(" ".join(p for p in (relation.infix, relation.last_name) if p))
    terms = {full, *full.split(), *_WORD.findall(full)}
    if family:
        terms.add(family)
    return terms


def email_terms(relation: Any) -> set[str]:
    return {normalise(entry["address"]) for entry in relation.emails or []}


def phone_terms(relation: Any) -> set[str]:
    return {term for entry in relation.phones or [] for term in number_terms(entry["number"])}


def number_terms(number: str) -> set[str]:
    """E.164 digits (31612345678) and the digits dialled at home (0612345678)."""
    try:
        return {number.lstrip("+"), national_digits(number)}
    except NumberParseException:  # still found by its E.164 digits
        return {number.lstrip("+")}


def search_rows(relation: Any) -> list[dict[str, Any]]:
    """The rows of the search table for one relation (a Relation, or any row with its columns)."""
    if relation.status not in SEARCHABLE_STATUSES:
        return []
    key = sort_key(relation)
    archived = relation.status == "archived"
    full = normalise(display_name(relation))[:TERM_LENGTH]
    rows = []
    for field, terms in ((NAME, name_terms(relation)), (EMAIL, email_terms(relation)),
                         (PHONE, phone_terms(relation))):
        for term in sorted({term[:TERM_LENGTH] for term in terms if term}):
            rows.append({"relation_id": relation.id, "field": field, "term": term,
                         "sort_key": key, "archived": archived,
                         "whole": field != NAME or term == full})
    return rows


def reindex(session: Session, relations: Iterable[Any]) -> None:
    """Rewrite the search rows of `relations` from their current state, in the caller's
    transaction. A relation deleted from the session (or not searchable) loses its rows."""
    relations = list(relations)
    for start in range(0, len(relations), CHUNK):
        chunk = relations[start:start + CHUNK]
        # Every field and kind named: the index leads with them.
        session.execute(delete(SearchTerm)
                        .where(SearchTerm.field.in_(list(range(len(SEARCH_FIELDS)))),
                               SearchTerm.whole.in_([False, True]),
                               SearchTerm.relation_id.in_([r.id for r in chunk]))
                        .execution_options(synchronize_session=False))
        rows = [row for relation in chunk if not _deleted(relation)
                for row in search_rows(relation)]
        if rows:
            session.execute(insert(SearchTerm), rows)


def matched_value(relation: Any, field: int, term: str) -> str:
    """The value as stored that a search term came from, for the `match` hint."""
    if field == EMAIL:
        return next((e["address"] for e in relation.emails or []
                     if normalise(e["address"]) == term), term)
    if field == PHONE:
        return next((p["number"] for p in relation.phones or []
                     if term in number_terms(p["number"])), term)
    return display_name(relation)


def _deleted(relation: Any) -> bool:
    state = inspect(relation, raiseerr=False)
    return bool(state is not None and (state.deleted or state.was_deleted))
