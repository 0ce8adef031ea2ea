"""Changes to portal accounts that accounts makes by itself or in bulk (reacting to relations,
bulk chunks, their undo): each in the transaction in hand, each announced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.accounts import tokens
from services.accounts.messages import PortalAccountChanged
from services.accounts.models import _iso, now
from services.accounts.portal import links
from services.accounts.portal.accounts import LIVE, changed
from services.accounts.portal.models import PortalAccount
from services.accounts.tokens import aware


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


def block(uow, account: PortalAccount, *, reason: str | None = None,
          until: datetime | None = None, **extra: Any) -> dict[str, Any]:
    """Block the account (for good, or until `until`); its sessions and links end."""
    account.status, account.blocked_until, account.reason = "blocked", until, reason
    _end_access(uow, account)
    return changed(uow, account, **extra)


def delete(uow, account: PortalAccount, *, reason: str | None = None,
           **extra: Any) -> dict[str, Any]:
    """Delete the account: its password, sessions and links go; the address is free."""
    account.status, account.blocked_until, account.password_hash = "deleted", None, None
    account.reason = reason
    _end_access(uow, account)
    return changed(uow, account, **extra)


def put_back(uow, account: PortalAccount, before: dict[str, Any],
             **extra: Any) -> dict[str, Any]:
    """The account's status, block end and reason as in `before` (see `snapshot`); a block
    whose end has passed meanwhile is not put back. Active needs a password: without one
    (a deleted account brought back) the account is invited."""
    until = datetime.fromisoformat(before["blocked_until"]) if before["blocked_until"] else None
    status = before["status"]
    if status == "blocked" and until is not None and aware(until) <= now():
        status, until = "active", None
    if status in ("active", "invited"):
        status = "active" if account.password_hash else "invited"
    account.status, account.blocked_until = status, until
    account.reason = before["reason"] if status == "blocked" else None
    if status == "blocked":
        _end_access(uow, account)
    return changed(uow, account, **extra)


def move(uow, account: PortalAccount, relation_id: str, reason: str) -> dict[str, Any]:
    """Give the account to another relation (a merge or its undo). The relation it leaves is
    announced as without an account (status deleted, moved_to), so readers keyed by
    relation forget it there; its sessions end (they speak for the old relation)."""
    previous = newest_versions(uow.session, [relation_id]).get(relation_id, 0)
    account.version = max(account.version, previous)
    left = {**account.state(), "status": "deleted", "blocked_until": None, "reason": reason,
            "moved_to": relation_id, "version": account.version + 1}
    uow.emit(PortalAccountChanged, {"account": left}, aggregate_id=account.relation_id)
    account.relation_id = relation_id
    tokens.revoke_all(uow, "portal", account.id)
    return changed(uow, account)


def _end_access(uow, account: PortalAccount) -> None:
    links.forget(uow, account.id)
    tokens.revoke_all(uow, "portal", account.id)
