"""Access tokens: handed out at login, stored as SHA-256, expiring, revoked at logout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Index, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, now
from shared.config import Settings
from shared.db import JSONType, UnitOfWork

KINDS = ("staff", "portal")
API_KEY_PREFIX = "cbx_"
# A sliding expiry is written at most this often, so a busy client does not write every request.
SLIDE_STEP = timedelta(minutes=1)


class AccessToken(Base):
    """One login's token. Only its SHA-256 is kept: 32 random bytes need no slow hash."""

    __tablename__ = "access_tokens"
    __table_args__ = (Index("ix_access_tokens_subject", "kind", "subject_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    principal_fields: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # A sliding token never outlives this (staff: 24 hours after login).
    max_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def digest(secret: str) -> str:
    """The SHA-256 a token or API key secret is stored and looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _lifetimes(kind: str, settings: Settings) -> tuple[timedelta, timedelta]:
    """(sliding lifetime, longest life) of a token of `kind`, from the settings."""
    if kind == "staff":
        return (timedelta(seconds=settings.staff_token_ttl),
                timedelta(seconds=max(settings.staff_token_max_age, settings.staff_token_ttl)))
    life = timedelta(seconds=settings.portal_token_ttl)
    return life, life


def _new_secret() -> str:
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith(API_KEY_PREFIX):  # never mistaken for an API key
            return token


def issue(uow: UnitOfWork, kind: str, subject_id: str, *,
          principal_fields: dict[str, Any]) -> tuple[str, datetime]:
    """A new token for `subject_id` (a staff user's or portal account's id) and when it expires.
    `principal_fields` (e.g. name, relation_id) go into the principal the token stands for."""
    if kind not in KINDS:
        raise ValueError(f"tokens are for {' or '.join(KINDS)}, not {kind!r}")
    token = _new_secret()
    issued = now()
    sliding, longest = _lifetimes(kind, uow.settings)
    row = AccessToken(token_hash=digest(token), kind=kind, subject_id=subject_id,
                      principal_fields=dict(principal_fields), created_at=issued,
                      expires_at=issued + sliding, max_expires_at=issued + longest)
    with uow:
        uow.session.execute(delete(AccessToken).where(AccessToken.expires_at < issued))
        uow.session.add(row)
        uow.commit()
    return token, issued + sliding


@dataclass(frozen=True)
class Bearer:
    """Who a live token stands for."""

    kind: str
    subject_id: str
    principal_fields: dict[str, Any]


def authenticate(uow: UnitOfWork, token: str) -> Bearer | None:
    """Who the live token `token` stands for (its expiry slid on), or None."""
    moment = now()
    with uow:
        row = uow.session.get(AccessToken, digest(token))
        if row is None or aware(row.expires_at) <= moment:
            return None
        sliding, _longest = _lifetimes(row.kind, uow.settings)
        slid = min(moment + sliding, aware(row.max_expires_at))
        if slid - aware(row.expires_at) >= SLIDE_STEP:
            row.expires_at = slid
            row.last_used_at = moment
        bearer = Bearer(row.kind, row.subject_id, dict(row.principal_fields))
        uow.commit()
    return bearer


def revoke(uow: UnitOfWork, token: str) -> bool:
    """End one token at once (logout); whether it was live."""
    with uow:
        gone = uow.session.execute(delete(AccessToken).where(
            AccessToken.token_hash == digest(token))).rowcount
        uow.commit()
    return bool(gone)


def revoke_all(uow: UnitOfWork, kind: str, *subject_ids: str, keep: str | None = None) -> int:
    """End every token of the staff users or portal accounts `subject_ids` (blocked, deleted,
    new password), except the token `keep`; how many ended."""
    if not subject_ids:
        return 0
    statement = delete(AccessToken).where(AccessToken.kind == kind,
                                          AccessToken.subject_id.in_(subject_ids))
    if keep:
        statement = statement.where(AccessToken.token_hash != digest(keep))
    # No session sync: nobody reads an ended token after, and evaluating the criteria against
    # every object in the session makes a bulk chunk of thousands of accounts slow.
    with uow:
        ended = uow.session.execute(
            statement.execution_options(synchronize_session=False)).rowcount
        uow.commit()
    return ended
