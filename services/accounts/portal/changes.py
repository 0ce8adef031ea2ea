"""Changes to portal accounts (by staff, by accounts itself reacting to relations, by bulk
chunks and their undo): each in the transaction in hand, each announced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.accounts import tokens
from services.accounts.messages import PortalAccountChanged
from services.accounts.models import _iso, now
from services.accounts.portal import links
from services.accounts.portal.models import PortalAccount
from services.accounts.tokens import aware
from shared.db import UnitOfWork

LIVE = ("invited", "active", "blocked")
UNBLOCKED = {"status": "active", "blocked_until": None, "reason": None}


def live_accounts(session: Session, relation_ids: list[str]) -> dict[str, PortalAccount]:
    """The live account of each relation that has one, locked for a change."""
    if not relation_ids:
        return {}
    found = session.scalars(select(PortalAccount).where(
        PortalAccount.relation_id.in_(relation_ids), PortalAccount.status.in_(LIVE))
        .with_for_update())
    return {account.relation_id: account for account in found}


def newest_versions(session: Session, relation_ids: list[str]) -> dict[str, int]:
    """The highest account version each relation has had (deleted accounts included)."""
    if not relation_ids:
        return {}
    rows = session.execute(select(PortalAccount.relation_id, func.max(PortalAccount.version))
                           .where(PortalAccount.relation_id.in_(relation_ids))
                           .group_by(PortalAccount.relation_id))
    return dict(rows.all())


def snapshot(account: PortalAccount) -> dict[str, Any]:
    """What a block, unblock or delete changes: enough to put it back."""
    until = account.blocked_until
    return {"account_id": account.id, "status": account.status,
            "blocked_until": _iso(until) if until else None, "reason": account.reason}


class Batch:
    """Changes to accounts in the transaction in hand, each announced as it is made; the
    links and sessions of the accounts that lose access end together when the batch closes
    (set-based: a chunk of thousands of accounts costs two statements, not thousands)."""

    def __init__(self, uow, **extra: Any):
        self.uow, self.extra = uow, extra
        self._no_access: list[str] = []
        self._no_sessions: list[str] = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if exc_info[0] is None:
            end_access(self.uow, self._no_access, self._no_sessions)
            self._no_access, self._no_sessions = [], []

    def block(self, account: PortalAccount, *, reason: str | None = None,
              until: datetime | None = None) -> dict[str, Any]:
        """Block the account (for good, or until `until`); its sessions and links end."""
        account.status, account.blocked_until, account.reason = "blocked", until, reason
        self._no_access.append(account.id)
        return self._announce(account)

    def delete(self, account: PortalAccount, *, reason: str | None = None) -> dict[str, Any]:
        """Delete the account: its password, sessions and links go; the address is free."""
        account.status, account.blocked_until, account.password_hash = "deleted", None, None
        account.reason = reason
        self._no_access.append(account.id)
        return self._announce(account)

    def put_back(self, account: PortalAccount, before: dict[str, Any]) -> dict[str, Any]:
        """The account's status, block end and reason as in `before` (see `snapshot`); a
        block whose end has passed meanwhile is not put back. Active needs a password:
        without one (a deleted account brought back) the account is invited."""
        until = (datetime.fromisoformat(before["blocked_until"]) if before["blocked_until"]
                 else None)
        status = before["status"]
        if status == "blocked" and until is not None and aware(until) <= now():
            status, until = "active", None
        if status in ("active", "invited"):
            status = "active" if account.password_hash else "invited"
        account.status, account.blocked_until = status, until
        account.reason = before["reason"] if status == "blocked" else None
        if status == "blocked":
            self._no_access.append(account.id)
        return self._announce(account)

    def unblock(self, account: PortalAccount) -> dict[str, Any]:
        """Lift a block: active again, or invited if it never had a password."""
        return self.put_back(account, UNBLOCKED)

    def move(self, account: PortalAccount, relation_id: str, reason: str) -> dict[str, Any]:
        """Give the account to another relation (a merge or its undo). The relation it leaves
        is announced as without an account (status deleted, moved_to), so readers keyed by
        relation forget it there; its sessions end (they speak for the old relation)."""
        previous = newest_versions(self.uow.session, [relation_id]).get(relation_id, 0)
        account.version = max(account.version, previous)
        left = {**account.state(), "status": "deleted", "blocked_until": None,
                "reason": reason, "moved_to": relation_id, "version": account.version + 1}
        self.uow.emit(PortalAccountChanged, {"account": left},
                      aggregate_id=account.relation_id)
        account.relation_id = relation_id
        self._no_sessions.append(account.id)
        return self._announce(account)

    def _announce(self, account: PortalAccount) -> dict[str, Any]:
        return announce(self.uow, account, **self.extra)


def announce(uow: UnitOfWork, account: PortalAccount, **extra: Any) -> dict[str, Any]:
    """Count the change and announce the account's new state with it (and `extra` payload
    fields: the bulk job that did it)."""
    account.version += 1
    account.updated_at = now()
    state = account.state()
    # The accounts' rows are flushed together later (one executemany), not one by one
    # before each outbox insert.
    with uow.session.no_autoflush:
        uow.emit(PortalAccountChanged, {"account": state, **extra},
                 aggregate_id=account.relation_id)
    return state


def end_access(uow: UnitOfWork, account_ids: list[str], sessions_only: list[str] = ()) -> None:
    """The accounts' unused links and the sessions of both lists end (set-based)."""
    links.forget(uow, *account_ids)
    tokens.revoke_all(uow, "portal", *account_ids, *sessions_only)
