"""Tables of portal accounts: what accounts knows of relations, the accounts, one-time tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, _iso, now

LIVE = text("status <> 'deleted'")


class RelationContact(Base):
    """A relation's e-mail address and name, kept from relations' events (newest version wins).
    A merged or deleted relation stays as a tombstone, so a late event cannot bring it back."""

    __tablename__ = "relation_contacts"

    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)  # folded (casefold)
    name: Mapped[str | None] = mapped_column(String(400))
    # active | archived | merged | deleted
    status: Mapped[str] = mapped_column(String(20))
    # The merge that made it a tombstone, or whose undo brought it back.
    merge_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    @property
    def gone(self) -> bool:
        return self.status in ("merged", "deleted")


class PortalAccount(Base):
    """A relation's portal account. One live (not deleted) account per relation and per
    e-mail address; a deleted one stays, without its password, and frees both."""

    __tablename__ = "portal_accounts"
    __table_args__ = (
        Index("uq_portal_accounts_live_relation", "relation_id", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
        Index("uq_portal_accounts_live_email", "email", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), index=True)
    email: Mapped[str] = mapped_column(String(320))  # folded (casefold)
    account_type: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    # invited | active | blocked | deleted
    status: Mapped[str] = mapped_column(String(20))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Why it is blocked or deleted when accounts did it itself ("relation archived",
    # "merged into <keeper>"); None for what staff did.
    reason: Mapped[str | None] = mapped_column(String(200))
    # Counts on from the relation's previous account, so readers keyed by relation that keep
    # the newest version also take a new account's state.
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def state(self) -> dict[str, Any]:
        return {"id": self.id, "relation_id": self.relation_id, "email": self.email,
                "status": self.status, "account_type": self.account_type,
                "language": self.language,
                "blocked_until": _iso(self.blocked_until) if self.blocked_until else None,
                "reason": self.reason, "version": self.version, "created_at": _iso(self.created_at),
                "updated_at": _iso(self.updated_at)}


class OneTimeToken(Base):
    """An activation or reset token: only its SHA-256 is kept; used once, then marked."""

    __tablename__ = "portal_one_time_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # activation | reset
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
