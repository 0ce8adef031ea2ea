"""The sender of portal e-mail and the portal's address, configured once by administrators."""

from __future__ import annotations

from typing import Any

from services.accounts.mail.models import MailSender
from services.accounts.models import _iso, now
from shared.db import UnitOfWork
from shared.errors import Conflict

SENDER_ID = 1


def configured_sender(uow: UnitOfWork) -> MailSender:
    """The sender, or a 409 that says what to do: no portal e-mail goes out without one."""
    sender = uow.session.get(MailSender, SENDER_ID)
    if sender is None:
        raise Conflict("no sender of portal e-mail is configured yet: an administrator sets "
                       "its name, address and the portal's URL with PUT /api/accounts/sender "
                       "first")
    return sender


def get_sender(uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        return _state(uow.session.get(MailSender, SENDER_ID))


def set_sender(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    with uow:
        sender = uow.session.get(MailSender, SENDER_ID)
        if sender is None:
            sender = MailSender(id=SENDER_ID)
            uow.session.add(sender)
        sender.name, sender.address = data["name"], data["address"]
        sender.portal_url = data["portal_url"].rstrip("/")
        sender.updated_at = now()
        uow.session.flush()
        state = _state(sender)
        uow.commit()
    return state


def _state(sender: MailSender | None) -> dict[str, Any]:
    if sender is None:
        return {"configured": False, "name": None, "address": None, "portal_url": None,
                "updated_at": None}
    return {"configured": True, "name": sender.name, "address": sender.address,
            "portal_url": sender.portal_url, "updated_at": _iso(sender.updated_at)}
