"""De-duplication: the match keys of each relation, the duplicate pairs they lead to, the pairs
people said are not duplicates, and the matching rules administrators tune."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain

KEY_LENGTH = 320


class MatchKey(Base):
    """One normalised value a relation can be matched on: an e-mail address, an E.164 phone,
    name and birth date, a postcode (the block of the fuzzy name rule) or the name itself."""

    __tablename__ = "relation_match_keys"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(KEY_LENGTH))

    __table_args__ = (
        Index("ix_relation_match_keys_lookup", "kind", "value", "relation_id"),
        Index("ix_relation_match_keys_relation", "relation_id"),
    )


class DuplicatePair(Base):
    """Two relations that look alike, stored once (a < b), with the evidence found and the
    score the current rules give it (NULL: no enabled rule matched)."""

    __tablename__ = "duplicate_pairs"

    a: Mapped[str] = mapped_column(String(36), primary_key=True)
    b: Mapped[str] = mapped_column(String(36), primary_key=True)
    same_email: Mapped[bool] = mapped_column(Boolean, default=False)
    same_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    same_name_and_birth_date: Mapped[bool] = mapped_column(Boolean, default=False)
    # Similarity (0-100) of the names when both are in one postcode; NULL below the floor.
    name_similarity: Mapped[int | None] = mapped_column(SmallInteger)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        Index("ix_duplicate_pairs_b", "b"),
        Index("ix_duplicate_pairs_score", "score", "a", "b"),
    )


class DuplicateDismissal(Base):
    """A pair someone marked "not a duplicate" (a < b): never proposed again."""

    __tablename__ = "duplicate_dismissals"

    a: Mapped[str] = mapped_column(String(36), primary_key=True)
    b: Mapped[str] = mapped_column(String(36), primary_key=True)
    by: Mapped[str] = mapped_column(String(120))
    dismissed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        Index("ix_duplicate_dismissals_b", "b"),
        Index("ix_duplicate_dismissals_at", "dismissed_at", "a", "b"),
    )

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "by": self.by,
                "dismissed_at": plain(self.dismissed_at)}


class DuplicateRule(Base):
    """How one built-in matching rule is tuned: on or off, its score, its threshold."""

    __tablename__ = "duplicate_rules"

    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[int] = mapped_column(SmallInteger)
    threshold: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class DuplicateSetting(Base):
    """A whole-number setting of de-duplication, e.g. the score from which on_duplicate=reject
    refuses a new relation."""

    __tablename__ = "duplicate_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
