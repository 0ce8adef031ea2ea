"""Setting a portal password through a one-time link: activation of an invited account, and
the reset anyone may ask for by e-mail address (answered alike whether or not it exists)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.accounts import passwords, ratelimit
from services.accounts.mail.compose import render
from services.accounts.mail.models import OutgoingEmail
from services.accounts.mail.sender import configured_sender
from services.accounts.models import now
from services.accounts.portal import links
from services.accounts.portal.accounts import found
from services.accounts.portal.changes import announce, end_access
from services.accounts.portal.contacts import fold_email
from services.accounts.portal.models import PortalAccount
from shared.db import UnitOfWork

# What every reset request is answered, whether or not the address has an account.
RESET_REQUESTED = ("if a portal account uses this address, an e-mail with a link to choose a "
                   "new password is on its way; the link works once, for an hour")
# One e-mail of a kind a minute per account, however often a reset is asked for.
RESET_INTERVAL = timedelta(minutes=1)


def activate(uow: UnitOfWork, token: str, password: str) -> None:
    """Give an invited account its first password: it is active from now on."""
    _set_password(uow, token, "activation", password)


def confirm_reset(uow: UnitOfWork, token: str, password: str) -> None:
    """Set a new password through a reset link; every session of the account ends."""
    _set_password(uow, token, "reset", password)


def _set_password(uow: UnitOfWork, token: str, purpose: str, password: str) -> None:
    with uow:
        email = found(uow, links.valid(uow, token, purpose).account_id).email
    passwords.require_policy(password, email)
    # Hashed outside the transaction: a slow hash must not hold the database's write lock.
    password_hash = passwords.hash_password(password, uow.settings)
    with uow:
        account = found(uow, links.redeem(uow, token, purpose).account_id)
        account.password_hash = password_hash
        end_access(uow, [account.id])
        if account.status == "invited":
            account.status = "active"
            announce(uow, account)
        uow.commit()


def request_reset(uow: UnitOfWork, email: str, client_ip: str | None = None) -> str:
    """E-mail the account of `email` the link it needs (a reset, or the welcome again while
    invited). Answers the same text whether or not there is one; 409 (which says nothing of
    the address) while no sender is configured; 429 for an address or IP that failed to log
    in too often."""
    ratelimit.check(uow, email, client_ip)
    folded = fold_email(email)
    with uow:
        sender = configured_sender(uow)
        account = uow.session.scalar(select(PortalAccount).where(
            PortalAccount.email == folded, PortalAccount.status.in_(("invited", "active"))))
        if account is not None and not _mailed_lately(uow, account):
            links.send_link(uow, sender, account)
        else:
            # The same work as an e-mail written, so the answer takes about as long.
            render("reset", "en", {"sender": sender, "name": None, "link": "",
                                   "valid_days": 0, "valid_hours": 0})
        uow.commit()
    return RESET_REQUESTED


def _mailed_lately(uow: UnitOfWork, account: PortalAccount) -> bool:
    """Whether the e-mail a request would send now went out to the account very lately."""
    purpose = "welcome" if account.status == "invited" else "reset"
    return uow.session.scalar(select(OutgoingEmail.id).where(
        OutgoingEmail.account_id == account.id, OutgoingEmail.purpose == purpose,
        OutgoingEmail.created_at > now() - RESET_INTERVAL).limit(1)) is not None
