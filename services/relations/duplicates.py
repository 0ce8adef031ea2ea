"""Duplicate candidates without comparing all pairs: every relation's match keys sit in an
indexed table, candidates are the relations sharing a key (found by index lookups), and only
those few are scored. The pairs found are kept in a table, so listing them is one indexed query.

Call `refresh_match_keys(session, relations)` in the same transaction as any change to a
relation's names, birth date, e-mails, phones, postcode or status (create, update, bulk field
changes, merge and its undo, delete). A relation whose keys did not change costs one read.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from services.relations.matching import (
    EMAIL,
    LOOKUP_KINDS,
    NAME_BIRTH,
    PHONE,
    POSTCODE,
    SIMILARITY_FLOOR,
    Evidence,
    match_keys,
    match_name,
    name_similarity,
    score_of,
)
from services.relations.models import Relation
from services.relations.models.duplicates import DuplicateDismissal, DuplicatePair, MatchKey
from services.relations.repository.duplicates import load_rules

Key = tuple[str, str]
LIVE = ("active", "archived")
# Relations handled per statement.
CHUNK = 500
# A value more relations share than this identifies nobody (a club's info@ address, a shared
# switchboard number): it finds no candidates. A postcode holding more relations than
# MAX_BLOCK is too coarse a block for the fuzzy name rule. Both bound the work per relation.
MAX_HOLDERS = 50
MAX_BLOCK = 200
# The first key of pg_advisory_xact_lock(int, int): this module's own lock space.
LOCK_CLASS = 0x44555053


def refresh_match_keys(session: Session, relations: Iterable[Any], *,
                       force: bool = False) -> None:
    """Rewrite the match keys of `relations` from their current state and find their duplicate
    pairs again, in the caller's transaction. A tombstone (merged, deleted) or a relation
    deleted from the session loses its keys and pairs. Relations whose keys did not change are
    left alone unless `force`."""
    relations = list(relations)
    for start in range(0, len(relations), CHUNK):
        _refresh(session, relations[start:start + CHUNK], force)


def _refresh(session: Session, chunk: list[Any], force: bool) -> None:
    wanted = {r.id: (set() if _deleted(r) else match_keys(r)) for r in chunk}
    current = _current_keys(session, list(wanted))
    ids = [rid for rid, keys in wanted.items() if force or keys != current.get(rid, set())]
    if not ids:
        return
    _lock(session, {key for rid in ids for key in wanted[rid] | current.get(rid, set())})
    session.execute(delete(MatchKey).where(MatchKey.relation_id.in_(ids))
                    .execution_options(synchronize_session=False))
    rows = [{"relation_id": rid, "kind": kind, "value": value}
            for rid in ids for kind, value in sorted(wanted[rid])]
    if rows:
        session.execute(insert(MatchKey), rows)
    session.execute(delete(DuplicatePair)
                    .where(or_(DuplicatePair.a.in_(ids), DuplicatePair.b.in_(ids)))
                    .execution_options(synchronize_session=False))
    refreshed = set(ids)
    subjects = [r for r in chunk if r.id in refreshed and wanted[r.id]]
    pairs = find_pairs(session, subjects, {r.id: wanted[r.id] for r in subjects})
    if pairs:
        session.execute(insert(DuplicatePair), pairs)


def find_pairs(session: Session, subjects: list[Any],
               keys: dict[str, set[Key]]) -> list[dict[str, Any]]:
    """The pair rows of `subjects` against every relation sharing a key with them (the
    subjects' own keys already written), dismissed pairs left out, each pair once."""
    holders = _holders(session, {key for ks in keys.values() for key in ks
                                 if key[0] in LOOKUP_KINDS})
    others = {rid for ks in keys.values() for key in ks for rid in holders.get(key, ())}
    info = _live_relations(session, others)
    dismissed = _dismissed(session, [s.id for s in subjects])
    rules = load_rules(session)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for subject in subjects:
        for other_id, evidence in _evidence(subject, keys[subject.id], holders, info).items():
            pair = tuple(sorted((subject.id, other_id)))
            if pair in dismissed or pair in pairs:
                continue
            pairs[pair] = {"a": pair[0], "b": pair[1], "same_email": evidence.same_email,
                           "same_phone": evidence.same_phone,
                           "same_name_and_birth_date": evidence.same_name_and_birth_date,
                           "name_similarity": evidence.name_similarity,
                           "score": score_of(evidence, rules)}
    return list(pairs.values())


def _evidence(subject: Any, keys: set[Key], holders: dict[Key, list[str]],
              info: dict[str, Any]) -> dict[str, Evidence]:
    """Per other live relation of the same type: what it shares with `subject`."""
    flags: dict[str, dict[str, Any]] = defaultdict(dict)
    name = match_name(subject)
    for key in keys:
        for other_id in holders.get(key, ()):
            other = info.get(other_id)
            if other_id == subject.id or other is None or other.type != subject.type:
                continue
            kind = key[0]
            if kind == POSTCODE:
                similarity = name_similarity(name, match_name(other))
                if similarity >= SIMILARITY_FLOOR:
                    flags[other_id]["name_similarity"] = similarity
            else:
                flags[other_id][_FLAG[kind]] = True
    return {other_id: Evidence(**found) for other_id, found in flags.items()}


_FLAG = {EMAIL: "same_email", PHONE: "same_phone", NAME_BIRTH: "same_name_and_birth_date"}


def _holders(session: Session, keys: set[Key]) -> dict[Key, list[str]]:
    """The relations holding each key, leaving out keys held too widely to mean anything."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in sorted(keys):
        by_kind[kind].append(value)
    found: dict[Key, list[str]] = defaultdict(list)
    for start in range(0, max((len(v) for v in by_kind.values()), default=0), CHUNK):
        wanted = [and_(MatchKey.kind == kind, MatchKey.value.in_(values[start:start + CHUNK]))
                  for kind, values in by_kind.items() if values[start:start + CHUNK]]
        held = func.count().over(partition_by=(MatchKey.kind, MatchKey.value)).label("held")
        inner = (select(MatchKey.kind, MatchKey.value, MatchKey.relation_id, held)
                 .where(or_(*wanted)).subquery())
        cap = case((inner.c.kind == POSTCODE, MAX_BLOCK), else_=MAX_HOLDERS)
        query = select(inner.c.kind, inner.c.value, inner.c.relation_id).where(inner.c.held <= cap)
        for kind, value, relation_id in session.execute(query):
            found[(kind, value)].append(relation_id)
    return found


def _live_relations(session: Session, ids: set[str]) -> dict[str, Any]:
    """Type and names of the live relations among `ids` (tombstones are never candidates)."""
    columns = (Relation.id, Relation.type, Relation.status, Relation.first_name,
               Relation.initials, Relation.infix, Relation.last_name, Relation.organisation_name)
    result, ids = {}, sorted(ids)
    for start in range(0, len(ids), CHUNK):
        query = select(*columns).where(Relation.id.in_(ids[start:start + CHUNK]),
                                       Relation.status.in_(LIVE))
        result.update({row.id: row for row in session.execute(query)})
    return result


def _dismissed(session: Session, ids: list[str]) -> set[tuple[str, str]]:
    found = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        query = select(DuplicateDismissal.a, DuplicateDismissal.b).where(
            or_(DuplicateDismissal.a.in_(part), DuplicateDismissal.b.in_(part)))
        found |= {(a, b) for a, b in session.execute(query)}
    return found


def _current_keys(session: Session, ids: list[str]) -> dict[str, set[Key]]:
    query = select(MatchKey.relation_id, MatchKey.kind, MatchKey.value).where(
        MatchKey.relation_id.in_(ids))
    current: dict[str, set[Key]] = defaultdict(set)
    for relation_id, kind, value in session.execute(query):
        current[relation_id].add((kind, value))
    return current


def _lock(session: Session, keys: set[Key]) -> None:
    """Serialise transactions touching the same key until they commit, so two relations
    registered at once with one e-mail address still see each other (and reject finds it).
    SQLite needs nothing: its writers queue already (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # Sorted: every transaction takes its locks in the same order, so none deadlock.
    locks = sorted({_signed32(zlib.crc32(f"{kind}\0{value}".encode())) for kind, value in keys
                    if kind in LOOKUP_KINDS})
    if locks:
        session.execute(text("SELECT pg_advisory_xact_lock(:cls, k) "
                             "FROM unnest(CAST(:keys AS integer[])) AS k"),
                        {"cls": LOCK_CLASS, "keys": locks})


def _signed32(value: int) -> int:
    return value - (1 << 32) if value >= (1 << 31) else value


def _deleted(relation: Any) -> bool:
    state = inspect(relation, raiseerr=False)
    return bool(state is not None and (state.deleted or state.was_deleted))

