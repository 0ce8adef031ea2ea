"""What a bulk account operation would do to each relation of a chunk, decided from what is
stored now and without writing: the preview answers it, the chunk commands then do it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.mail.models import MailSender
from services.accounts.mail.sender import configured_sender
from services.accounts.messages import BlockAccountsParams, CreateAccountsParams
from services.accounts.models import AccountType, now
from services.accounts.portal.changes import LIVE, newest_versions
from services.accounts.portal.models import PortalAccount, RelationContact
from services.accounts.tokens import aware
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Forbidden, ValidationFailed

Outcome = dict[str, Any]
# The outcomes that change something (and so have a before-image, or refuse an undo).
DOING = {"create_accounts": "created", "send_resets": "sent", "delete_accounts": "deleted",
         "block_accounts": "blocked", "unblock_accounts": "unblocked"}
PARAMS = {"create_accounts": CreateAccountsParams, "block_accounts": BlockAccountsParams}


@dataclass
class Chunk:
    """What accounts knows of a chunk's relations: contacts, live accounts, and which
    addresses live accounts hold (by relation)."""

    contacts: dict[str, RelationContact]
    accounts: dict[str, PortalAccount]
    taken: dict[str, str] = field(default_factory=dict)
    # The highest account version each relation had: a new account counts on from it.
    versions: dict[str, int] = field(default_factory=dict)


def authorise(principal: dict[str, Any], permission: str) -> Principal:
    """The job's principal, if it holds `permission` (the bulk service sends the principal
    with the permissions it holds now)."""
    try:
        who = Principal.from_dict(principal)
    except (TypeError, ValueError):
        raise ValidationFailed("the principal is not one", errors={
            "principal": ["not a principal"]}) from None
    if permission not in who.permissions:
        raise Forbidden(f"the job's principal lacks the permission {permission}",
                        permission=permission)
    return who


def checked_params(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The operation's parameters, loaded; 422 naming the field otherwise."""
    schema = PARAMS.get(operation)
    if schema is None:
        if params:
            raise ValidationFailed(f"{operation} takes no parameters",
                                   errors={name: ["unknown field"] for name in params})
        return {}
    try:
        return schema().load(params)
    except ValidationError as exc:
        raise ValidationFailed(f"invalid parameters of {operation}",
                               errors=exc.messages) from None


def prepare(uow: UnitOfWork, operation: str, params: dict[str, Any]) -> MailSender | None:
    """Refuse the whole chunk for what no relation can do without: an unknown account type, a
    block ending in the past, no sender of e-mail. Answers the sender where e-mail goes out."""
    if operation == "create_accounts" and uow.session.get(
            AccountType, params["account_type"]) is None:
        raise ValidationFailed(f"no account type has the key {params['account_type']!r}",
                               errors={"account_type": ["no account type has this key"]})
    until = params.get("until")
    if operation == "block_accounts" and until is not None and aware(until) <= now():
        raise ValidationFailed("a block ends in the future",
                               errors={"until": ["not in the future"]})
    if operation in ("create_accounts", "send_resets"):
        return configured_sender(uow)
    return None


def load(session: Session, operation: str, relation_ids: list[str], *,
         lock: bool = True) -> Chunk:
    contacts = {c.relation_id: c for c in session.scalars(select(RelationContact).where(
        RelationContact.relation_id.in_(relation_ids)))}
    query = select(PortalAccount).where(PortalAccount.relation_id.in_(relation_ids),
                                        PortalAccount.status.in_(LIVE))
    accounts = {a.relation_id: a for a in session.scalars(
        query.with_for_update() if lock else query)}
    chunk = Chunk(contacts, accounts)
    if operation == "create_accounts":
        addresses = {c.email for c in contacts.values() if c.email}
        chunk.taken = dict(session.execute(select(PortalAccount.email, PortalAccount.relation_id)
                                           .where(PortalAccount.email.in_(addresses),
                                                  PortalAccount.status.in_(LIVE))).all())
        chunk.versions = newest_versions(session, relation_ids)
    return chunk


def decide(operation: str, chunk: Chunk, relation_id: str) -> Outcome:
    """The outcome the operation has for the relation now. A created account claims its
    address in `chunk`, so a second relation of the chunk with that address is refused."""
    if operation == "create_accounts":
        return _creation(chunk, relation_id)
    outcome: Outcome = {"relation_id": relation_id}
    account = chunk.accounts.get(relation_id)
    if account is None:
        contact = chunk.contacts.get(relation_id)
        gone = contact is None or contact.gone
        outcome["outcome"] = "unknown_relation" if gone else "no_account"
        return outcome
    outcome["account_id"] = account.id
    blocked = account.status == "blocked"
    if operation == "send_resets":
        outcome["outcome"] = "blocked" if blocked else "sent"
    elif operation == "delete_accounts":
        outcome["outcome"] = "deleted"
    elif operation == "block_accounts":
        outcome["outcome"] = "already_blocked" if blocked else "blocked"
    else:
        outcome["outcome"] = "unblocked" if blocked else "not_blocked"
    return outcome


def _creation(chunk: Chunk, relation_id: str) -> Outcome:
    contact, account = chunk.contacts.get(relation_id), chunk.accounts.get(relation_id)
    outcome: Outcome = {"relation_id": relation_id}
    if account is not None:
        return {**outcome, "outcome": "already_had_account", "account_id": account.id}
    if contact is None or contact.gone:
        return {**outcome, "outcome": "unknown_relation"}
    if contact.status != "active":
        return {**outcome, "outcome": "relation_archived"}
    if not contact.email:
        return {**outcome, "outcome": "no_email_address"}
    if chunk.taken.get(contact.email, relation_id) != relation_id:
        return {**outcome, "outcome": "email_in_use",
                "reason": "another relation's portal account uses this e-mail address"}
    chunk.taken[contact.email] = relation_id
    return {**outcome, "outcome": "created"}


def until_text(until: datetime | None) -> str | None:
    return aware(until).isoformat() if until else None
