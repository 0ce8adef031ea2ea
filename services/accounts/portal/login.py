"""Portal log-in: the password check behind `POST /api/accounts/login` with kind "portal"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.accounts import passwords
from services.accounts.login import WRONG_CREDENTIALS
from services.accounts.models import _iso, now
from services.accounts.portal.accounts import found, lift_block
from services.accounts.portal.contacts import contact_of, fold_email
from services.accounts.portal.models import PortalAccount
from services.accounts.tokens import aware
from shared.db import UnitOfWork
from shared.errors import Forbidden, Unauthenticated


def authenticate_portal(uow: UnitOfWork, email: str, password: str) -> dict[str, Any]:
    """The principal fields of the portal account `email` names, if `password` is its own.
    An unknown address, an account without a password yet and a wrong password get the same
    401 after the same work; a blocked account is told so (403, with `until` when set) only
    after a right password. A block whose date has passed is lifted here."""
    with uow:
        account_id, password_hash = uow.session.execute(select(
            PortalAccount.id, PortalAccount.password_hash).where(
            PortalAccount.email == fold_email(email), PortalAccount.status != "deleted")
        ).one_or_none() or (None, None)
    # Verified outside the transaction: a slow hash must not hold the database's write lock.
    if not passwords.verify_password(password, password_hash, uow.settings):
        raise Unauthenticated(WRONG_CREDENTIALS)
    with uow:
        account = found(uow, account_id)
        if account.status == "deleted" or account.password_hash != password_hash:
            raise Unauthenticated(WRONG_CREDENTIALS)  # deleted or changed this very moment
        if account.status == "blocked":
            _refuse_if_still_blocked(account)
            lift_block(uow, account)
        if passwords.needs_rehash(account.password_hash, uow.settings):
            account.password_hash = passwords.hash_password(password, uow.settings)
        contact = contact_of(uow.session, account.relation_id)
        fields = {"id": account.id, "relation_id": account.relation_id,
                  "name": contact.name if contact else None}
        uow.commit()
    return fields


def _refuse_if_still_blocked(account: PortalAccount) -> None:
    if account.blocked_until is not None and aware(account.blocked_until) <= now():
        return
    until = _iso(account.blocked_until) if account.blocked_until else None
    if until:
        raise Forbidden(f"account blocked until {until}", until=until)
    raise Forbidden("account blocked")
