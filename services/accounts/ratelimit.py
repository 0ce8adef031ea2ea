"""Login rate limits: failed attempts per e-mail address and per client IP, kept in the
accounts database so every process of the service counts the same attempts."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, now
from shared.config import Settings
from shared.db import UnitOfWork
from shared.errors import PlatformError


class TooManyAttempts(PlatformError):
    status, code, title = 429, "too_many_requests", "Too many attempts"


class LoginFailure(Base):
    """One failed attempt. The e-mail address is kept as a hash: unknown addresses too."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "scope", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(8))  # email | ip
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


def _keys(email: str, client_ip: str | None,
          settings: Settings) -> list[tuple[str, str, int]]:
    """(scope, key, allowed failures) for the limits that apply to this attempt."""
    folded = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    keys = [("email", folded, settings.login_failures_per_email)]
    if client_ip:
        keys.append(("ip", client_ip[:64], settings.login_failures_per_ip))
    return keys


def _window(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.login_failure_window)


def check(uow: UnitOfWork, email: str, client_ip: str | None) -> None:
    """Refuse (429 with retry_after) an attempt on an address or from an IP that failed too
    often lately; call before looking at the password."""
    moment, window = now(), _window(uow.settings)
    with uow:
        for scope, key, allowed in _keys(email, client_ip, uow.settings):
            count, oldest = uow.session.execute(
                select(func.count(), func.min(LoginFailure.failed_at))
                .where(LoginFailure.scope == scope, LoginFailure.key == key,
                       LoginFailure.failed_at > moment - window)).one()
            if count >= allowed:
                oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=moment.tzinfo)
                wait = max(1, math.ceil((oldest + window - moment).total_seconds()))
                what = "this e-mail address" if scope == "email" else "this address"
                raise TooManyAttempts(f"too many failed attempts for {what}; try again in "
                                      f"{wait} seconds", retry_after=wait)


def record_failure(uow: UnitOfWork, email: str, client_ip: str | None) -> None:
    """Count one failed attempt (and forget attempts that left the window)."""
    moment = now()
    with uow:
        uow.session.execute(delete(LoginFailure).where(
            LoginFailure.failed_at <= moment - _window(uow.settings)))
        for scope, key, _allowed in _keys(email, client_ip, uow.settings):
            uow.session.add(LoginFailure(scope=scope, key=key, failed_at=moment))
        uow.commit()


def record_success(uow: UnitOfWork, email: str) -> None:
    """A right password clears the address's failures (not the IP's)."""
    ((scope, key, _allowed), *_ip) = _keys(email, None, uow.settings)
    with uow:
        uow.session.execute(delete(LoginFailure).where(LoginFailure.scope == scope,
                                                       LoginFailure.key == key))
        uow.commit()
