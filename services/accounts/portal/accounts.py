"""Portal accounts: created for a relation with its e-mail address (a welcome e-mail carries
the activation link), blocked (perhaps until a date), unblocked, deleted; every change is
an `accounts.portal_accounts.changed` event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.accounts.mail.sender import configured_sender
from services.accounts.models import AccountType, now
from services.accounts.portal import links
from services.accounts.portal.changes import LIVE, Batch, announce
from services.accounts.portal.contacts import contact_of, fold_email
from services.accounts.portal.models import PortalAccount
from services.accounts.tokens import aware
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


def list_accounts(uow: UnitOfWork, *, limit: int, cursor: str | None,
                  filters: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
    """A page of accounts by id (narrowed by status, relation_id or email), and the cursor of
    the next page."""
    position = decode_cursor(cursor, 1)
    query = select(PortalAccount).order_by(PortalAccount.id).limit(limit + 1)
    if position:
        query = query.where(PortalAccount.id > str(position[0]))
    for name in ("status", "relation_id"):
        if filters.get(name):
            query = query.where(getattr(PortalAccount, name) == filters[name])
    if filters.get("email"):
        query = query.where(PortalAccount.email == fold_email(filters["email"]))
    with uow:
        states = [account.state() for account in uow.session.scalars(query)]
    more = len(states) > limit
    states = states[:limit]
    return states, encode_cursor([states[-1]["id"]]) if more else None


def get_account(uow: UnitOfWork, account_id: str) -> dict[str, Any]:
    with uow:
        account = uow.session.get(PortalAccount, account_id)
        if account is None:
            raise NotFound(f"no portal account has the id {account_id!r}")
        return account.state()


def create_account(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    """An invited account for a relation with an e-mail address, and the welcome e-mail with
    its activation link. 422 for an unknown relation or type or a relation without an
    address; 409 without a sender, or if the relation or the address has a live account."""
    language = data.get("language") or uow.settings.mail_language
    with uow:
        contact = _usable_contact(uow, data)
        sender = configured_sender(uow)
        _free(uow, contact.relation_id, contact.email)
        previous = uow.session.scalar(select(func.max(PortalAccount.version)).where(
            PortalAccount.relation_id == contact.relation_id)) or 0
        account = PortalAccount(id=str(uuid.uuid4()), relation_id=contact.relation_id,
                                email=contact.email, account_type=data["account_type"],
                                language=language, status="invited", version=previous,
                                created_at=now())
        uow.session.add(account)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict("the relation or its e-mail address got a portal account at the "
                           "same moment", errors={"relation_id": ["has a live account"]}) from None
        links.send_link(uow, sender, account)
        state = announce(uow, account)
        uow.commit()
    return state


def _usable_contact(uow: UnitOfWork, data: dict[str, Any]):
    errors: dict[str, list[str]] = {}
    if uow.session.get(AccountType, data["account_type"]) is None:
        errors["account_type"] = ["no account type has this key"]
    contact = contact_of(uow.session, data["relation_id"])
    if contact is None or contact.gone:
        errors["relation_id"] = ["no such relation (merged or deleted ones included)"]
    elif contact.status != "active":
        errors["relation_id"] = ["the relation is archived"]
    elif not contact.email:
        errors["relation_id"] = ["the relation has no e-mail address"]
    if errors:
        raise ValidationFailed("no portal account can be made: " + "; ".join(
            f"{name}: {problems[0]}" for name, problems in errors.items()), errors=errors)
    return contact


def _free(uow: UnitOfWork, relation_id: str, email: str) -> None:
    live = PortalAccount.status.in_(LIVE)
    holder = uow.session.scalar(select(PortalAccount).where(
        live, PortalAccount.relation_id == relation_id))
    if holder is not None:
        raise Conflict(f"relation {relation_id} has a portal account already",
                       errors={"relation_id": ["has a live account"]}, account_id=holder.id)
    holder = uow.session.scalar(select(PortalAccount).where(live, PortalAccount.email == email))
    if holder is not None:
        raise Conflict("another portal account uses this relation's e-mail address",
                       errors={"relation_id": ["its e-mail address has a live account"]},
                       account_id=holder.id)


def block_account(uow: UnitOfWork, account_id: str,
                  until: datetime | None = None) -> dict[str, Any]:
    """Block an account now, for good or until `until` (then it lifts itself); its sessions
    and links end at once."""
    if until is not None and aware(until) <= now():
        raise ValidationFailed("a block ends in the future",
                               errors={"until": ["not in the future"]})
    with uow:
        with Batch(uow) as batch:
            state = batch.block(live_account(uow, account_id), until=until)
        uow.commit()
    return state


def unblock_account(uow: UnitOfWork, account_id: str) -> dict[str, Any]:
    """Lift a block: the account is as before (active, or invited if it never had a
    password). An account not blocked stays as it is."""
    with uow:
        account = live_account(uow, account_id)
        if account.status != "blocked":
            return account.state()
        state = lift_block(uow, account)
        uow.commit()
    return state


def lift_block(uow: UnitOfWork, account: PortalAccount) -> dict[str, Any]:
    """Lift the account's block (announced): active again, or invited without a password."""
    with Batch(uow) as batch:
        return batch.unblock(account)


def delete_account(uow: UnitOfWork, account_id: str) -> None:
    """Delete an account: its password, sessions and links go; the relation and the e-mail
    address are free for a new account. Deleting it again changes nothing."""
    with uow:
        account = found(uow, account_id)
        if account.status == "deleted":
            return
        with Batch(uow) as batch:
            batch.delete(account)
        uow.commit()


def send_reset(uow: UnitOfWork, account_id: str) -> dict[str, Any]:
    """E-mail the account the link it needs: the welcome again while it is invited, a reset
    once active. 409 for a blocked account or without a sender."""
    with uow:
        account = live_account(uow, account_id)
        if account.status == "blocked":
            raise Conflict("the account is blocked: unblock it first",
                           errors={"id": ["blocked"]})
        sender = configured_sender(uow)
        sent = links.send_link(uow, sender, account)
        uow.commit()
    return {"account_id": account_id, "email": sent}


def lift_expired_blocks(uow: UnitOfWork, at: datetime | None = None) -> int:
    """Lift every block whose date has come; answers how many."""
    with uow:
        due = list(uow.session.scalars(select(PortalAccount).where(
            PortalAccount.status == "blocked", PortalAccount.blocked_until <= (at or now()))
            .with_for_update()))
        with Batch(uow) as batch:
            for account in due:
                batch.unblock(account)
        uow.commit()
    return len(due)


def lift_expired(runtime) -> None:
    """The periodic task: lift the blocks whose date has come."""
    lift_expired_blocks(runtime.unit_of_work())


def found(uow: UnitOfWork, account_id: str) -> PortalAccount:
    """The account, locked for a change in this transaction; 404 if there is none."""
    account = uow.session.scalar(select(PortalAccount).where(
        PortalAccount.id == account_id).with_for_update())
    if account is None:
        raise NotFound(f"no portal account has the id {account_id!r}")
    return account


def live_account(uow: UnitOfWork, account_id: str) -> PortalAccount:
    account = found(uow, account_id)
    if account.status == "deleted":
        raise Conflict(f"portal account {account_id} is deleted", errors={"id": ["deleted"]})
    return account

