"""One-time links: activation (7 days) and reset (1 hour) tokens, kept as SHA-256, used once,
superseded by a newer one; and the e-mail that carries them."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import delete, select

from services.accounts.mail.compose import already_queued, link, queue_mail
from services.accounts.mail.models import MailSender
from services.accounts.models import now
from services.accounts.portal.contacts import contact_of
from services.accounts.portal.models import OneTimeToken, PortalAccount
from services.accounts.tokens import aware, digest
from shared.db import UnitOfWork
from shared.errors import ValidationFailed

LIFETIMES = {"activation": timedelta(days=7), "reset": timedelta(hours=1)}
# An invited account (no password yet) gets the welcome again; an active one a reset.
MAIL_OF = {"activation": "welcome", "reset": "reset"}


def issue(uow: UnitOfWork, account_id: str, purpose: str) -> tuple[str, OneTimeToken]:
    """A new token for the account; every older one of the account stops working."""
    forget(uow, account_id)
    token = secrets.token_urlsafe(32)
    issued = now()
    row = OneTimeToken(id=str(uuid.uuid4()), token_hash=digest(token), account_id=account_id,
                       purpose=purpose, expires_at=issued + LIFETIMES[purpose],
                       created_at=issued)
    uow.session.add(row)
    uow.session.flush()
    return token, row


def forget(uow: UnitOfWork, *account_ids: str) -> None:
    """Every unused token of the accounts stops working (blocked, deleted, superseded)."""
    if not account_ids:
        return
    # No session sync: evaluating the criteria against every object in the session makes a
    # bulk chunk of thousands of accounts quadratic; no caller reads a deleted token after.
    uow.session.execute(delete(OneTimeToken).where(OneTimeToken.account_id.in_(account_ids),
                                                   OneTimeToken.used_at.is_(None))
                        .execution_options(synchronize_session=False))


def valid(uow: UnitOfWork, token: str, purpose: str) -> OneTimeToken:
    """The token's row if it may be used now; 422 on `token` if it is unknown, used, expired
    or for something else (the same answer for each, so nothing is learnt from it)."""
    row = uow.session.scalar(select(OneTimeToken).where(
        OneTimeToken.token_hash == digest(token)).with_for_update())
    if (row is None or row.purpose != purpose or row.used_at is not None
            or aware(row.expires_at) <= now()):
        raise ValidationFailed("this link is not valid (any more): links work once and "
                               "expire; ask for a new one",
                               errors={"token": ["unknown, used or expired"]})
    return row


def redeem(uow: UnitOfWork, token: str, purpose: str) -> OneTimeToken:
    """The token's row, marked used (see `valid`)."""
    row = valid(uow, token, purpose)
    row.used_at = now()
    return row


def send_link(uow: UnitOfWork, sender: MailSender, account: PortalAccount, *,
              key: str | None = None) -> str | None:
    """Issue the link the account needs now (activation while invited, else reset) and queue
    the e-mail that carries it. `key` names the e-mail for callers that may repeat themselves
    (a redelivered chunk): a key seen before queues nothing and answers None."""
    if key is not None and already_queued(uow, key):
        return None  # checked first: a new token would end the link that e-mail carries
    purpose = "activation" if account.status == "invited" else "reset"
    mail = MAIL_OF[purpose]
    token, row = issue(uow, account.id, purpose)
    contact = contact_of(uow.session, account.relation_id)
    queue_mail(uow, sender, key=key or f"{mail}:{account.id}:{row.id}", purpose=mail,
               account_id=account.id, recipient=account.email, language=account.language,
               values=mail_values(sender, mail, token, contact.name if contact else None))
    return mail


def mail_values(sender: MailSender, mail: str, token: str, name: str | None) -> dict:
    """What the welcome or reset template is filled with."""
    return {"name": name, "link": link(sender, mail, token),
            "valid_days": LIFETIMES["activation"].days,
            "valid_hours": int(LIFETIMES["reset"].total_seconds() // 3600)}
