"""Portal accounts created for a chunk of relations at once: the accounts, their activation
links and welcome e-mails inserted set-based (row by row through the ORM a chunk of 5,000
would hold the database's write lock for half a minute), each account announced."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from services.accounts.bulk.plans import Chunk, Outcome
from services.accounts.mail.compose import mail_row
from services.accounts.mail.models import MailSender, OutgoingEmail
from services.accounts.messages import PortalAccountChanged
from services.accounts.models import now
from services.accounts.portal.links import LIFETIMES, mail_values
from services.accounts.portal.models import OneTimeToken, PortalAccount
from services.accounts.tokens import digest
from shared.db import UnitOfWork, insert_rows


def create_invited(uow: UnitOfWork, chunk: Chunk, created: list[Outcome], *,
                   params: dict[str, Any], sender: MailSender, keys: list[str],
                   extra: dict[str, Any]) -> None:
    """An invited account for each outcome's relation (decided "created"), its activation
    link, and its welcome e-mail under `keys` (one per outcome); each outcome learns its
    account and version. A concurrent creation makes the whole chunk fail (and be retried)."""
    language = params["language"] or uow.settings.mail_language
    moment = now()
    accounts, links, mails = [], [], []
    for outcome, key in zip(created, keys, strict=True):
        rid = outcome["relation_id"]
        contact = chunk.contacts[rid]
        account = PortalAccount(
            id=str(uuid.uuid4()), relation_id=rid, email=contact.email,
            account_type=params["account_type"], language=language, status="invited",
            blocked_until=None, password_hash=None, reason=None,
            version=chunk.versions.get(rid, 0) + 1, created_at=moment, updated_at=moment)
        token = secrets.token_urlsafe(32)
        links.append({"id": str(uuid.uuid4()), "token_hash": digest(token),
                      "account_id": account.id, "purpose": "activation",
                      "expires_at": moment + LIFETIMES["activation"], "used_at": None,
                      "created_at": moment})
        mails.append(mail_row(sender, key=key, purpose="welcome", account_id=account.id,
                              recipient=account.email, language=language,
                              values=mail_values(sender, "welcome", token, contact.name),
                              moment=moment))
        accounts.append(account)
        outcome.update(account_id=account.id, before={"account": None},
                       version=account.version)
    insert_rows(uow.session, PortalAccount.__table__, [_row(a) for a in accounts])
    insert_rows(uow.session, OneTimeToken.__table__, links)
    insert_rows(uow.session, OutgoingEmail.__table__, mails)
    for account in accounts:
        uow.emit(PortalAccountChanged, {"account": account.state(), **extra},
                 aggregate_id=account.relation_id)


def _row(account: PortalAccount) -> dict[str, Any]:
    return {column.key: getattr(account, column.key)
            for column in PortalAccount.__table__.columns}

