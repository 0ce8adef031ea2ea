"""The queries of de-duplication: rules and settings, pairs (whole database or one relation),
dismissals, and the compact view of a relation that a pair shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, literal, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from services.relations.matching import (
    DEFAULT_RULES,
    DEFAULT_SETTINGS,
    SAME_EMAIL,
    SAME_NAME_BIRTH,
    SAME_PHONE,
    SIMILAR_NAME,
    Rule,
)
from services.relations.models import Relation
from services.relations.models.duplicates import (
    DuplicateDismissal,
    DuplicatePair,
    DuplicateRule,
    DuplicateSetting,
)
from services.relations.search import display_name
from shared.errors import ValidationFailed
from shared.pagination import cursor_time, decode_cursor, encode_cursor

LIVE = ("active", "archived")


def load_rules(session: Session) -> dict[str, Rule]:
    """Every built-in rule as tuned; a rule never stored has its defaults."""
    rules = dict(DEFAULT_RULES)
    for row in session.scalars(select(DuplicateRule)):
        if row.rule in rules:
            rules[row.rule] = Rule(row.rule, row.enabled, row.score, row.threshold)
    return rules


def score_expression(rules: dict[str, Rule], dialect: str) -> ColumnElement:
    """The score of a pair row in SQL, as matching.score_of computes it in Python."""
    parts: list[ColumnElement] = [literal(0)]
    for name, column in ((SAME_EMAIL, DuplicatePair.same_email),
                         (SAME_PHONE, DuplicatePair.same_phone),
                         (SAME_NAME_BIRTH, DuplicatePair.same_name_and_birth_date)):
        if rules[name].enabled:
            parts.append(case((column, literal(rules[name].score)), else_=literal(0)))
    fuzzy, similarity = rules[SIMILAR_NAME], DuplicatePair.name_similarity
    if fuzzy.enabled:
        scaled = (literal(fuzzy.score) * similarity + 50) // 100
        parts.append(case((similarity >= fuzzy.threshold, scaled), else_=literal(0)))
    # SQLite's max() with several arguments is PostgreSQL's greatest().
    best = func.greatest(*parts) if dialect == "postgresql" else func.max(*parts)
    return func.nullif(best, 0)


class DuplicateRepository:
    def __init__(self, session: Session):
        self.session = session

    def rules(self) -> dict[str, Rule]:
        return load_rules(self.session)

    def save_rule(self, rule: Rule, at: datetime) -> None:
        self.session.merge(DuplicateRule(rule=rule.rule, enabled=rule.enabled, score=rule.score,
                                         threshold=rule.threshold, updated_at=at))

    def settings(self) -> dict[str, int]:
        stored = {row.name: row.value for row in self.session.scalars(select(DuplicateSetting))}
        return {name: stored.get(name, default) for name, default in DEFAULT_SETTINGS.items()}

    def save_setting(self, name: str, value: int, at: datetime) -> None:
        self.session.merge(DuplicateSetting(name=name, value=value, updated_at=at))

    def rescore(self, rules: dict[str, Rule]) -> None:
        """Give every stored pair the score the rules as tuned now give its evidence."""
        dialect = self.session.get_bind().dialect.name
        self.session.execute(update(DuplicatePair)
                             .values(score=score_expression(rules, dialect))
                             .execution_options(synchronize_session=False))

    def pairs_of(self, relation_id: str, min_score: int) -> list[DuplicatePair]:
        """The scored pairs of one relation with a live other relation, best first."""
        other_id = case((DuplicatePair.a == relation_id, DuplicatePair.b),
                        else_=DuplicatePair.a)
        query = (select(DuplicatePair)
                 .join(Relation, Relation.id == other_id)
                 .where(or_(DuplicatePair.a == relation_id, DuplicatePair.b == relation_id),
                        DuplicatePair.score >= min_score, Relation.status.in_(LIVE))
                 .order_by(DuplicatePair.score.desc(), other_id))
        return list(self.session.scalars(query))

    def page(self, *, min_score: int, limit: int,
             cursor: str | None) -> tuple[list[DuplicatePair], str | None]:
        """Scored pairs of live relations, highest score first (then by ids, descending)."""
        one, two = aliased(Relation), aliased(Relation)
        order = (DuplicatePair.score, DuplicatePair.a, DuplicatePair.b)
        query = (select(DuplicatePair)
                 .join(one, one.id == DuplicatePair.a).join(two, two.id == DuplicatePair.b)
                 .where(DuplicatePair.score >= min_score, one.status.in_(LIVE),
                        two.status.in_(LIVE))
                 .order_by(*(column.desc() for column in order)))
        position = decode_cursor(cursor, 3)
        if position:
            score, a, b = position
            if not (isinstance(score, int) and isinstance(a, str) and isinstance(b, str)):
                raise ValidationFailed("the cursor is not one this API handed out",
                                       errors={"cursor": ["unknown cursor"]})
            query = query.where(tuple_(*order) < (score, a, b))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([last.score, last.a, last.b])

    def summaries(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        """The compact view of each relation among `ids`, by id."""
        if not ids:
            return {}
        columns = (Relation.id, Relation.type, Relation.status, Relation.initials,
                   Relation.first_name, Relation.infix, Relation.last_name,
                   Relation.organisation_name, Relation.birth_date, Relation.emails,
                   Relation.phones, Relation.address)
        query = select(*columns).where(Relation.id.in_(sorted(ids)))
        return {row.id: summary(row) for row in self.session.execute(query)}

    def dismissal(self, a: str, b: str) -> DuplicateDismissal | None:
        return self.session.get(DuplicateDismissal, (a, b))

    def dismiss(self, dismissal: DuplicateDismissal) -> None:
        self.session.add(dismissal)
        self.session.execute(delete(DuplicatePair).where(DuplicatePair.a == dismissal.a,
                                                         DuplicatePair.b == dismissal.b)
                             .execution_options(synchronize_session=False))
        self.session.flush()

    def undismiss(self, dismissal: DuplicateDismissal) -> None:
        self.session.delete(dismissal)
        self.session.flush()

    def dismissals(self, *, limit: int,
                   cursor: str | None) -> tuple[list[DuplicateDismissal], str | None]:
        """Dismissed pairs, newest first."""
        order = (DuplicateDismissal.dismissed_at, DuplicateDismissal.a, DuplicateDismissal.b)
        query = select(DuplicateDismissal).order_by(*(column.desc() for column in order))
        position = decode_cursor(cursor, 3)
        if position:
            query = query.where(tuple_(*order) < tuple_(cursor_time(position[0]),
                                                        str(position[1]), str(position[2])))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([last.dismissed_at.isoformat(), last.a, last.b])


def summary(relation: Any) -> dict[str, Any]:
    """A relation in a few fields: enough to tell two candidates apart."""
    address = relation.address or {}
    return {"id": relation.id, "type": relation.type, "name": display_name(relation),
            "status": relation.status,
            "birth_date": relation.birth_date.isoformat() if relation.birth_date else None,
            "emails": [entry["address"] for entry in relation.emails or []],
            "phones": [entry["number"] for entry in relation.phones or []],
            "postcode": address.get("postcode"), "city": address.get("city")}

