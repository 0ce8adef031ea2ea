"""Portal e-mail written from templates (welcome, reset; Dutch and English) into the e-mail
outbox, in the transaction of the change that asks for it."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select

from services.accounts.mail.models import MailSender, OutgoingEmail
from services.accounts.models import now
from shared.db import UnitOfWork

PURPOSES = ("welcome", "reset")
LANGUAGES = ("nl", "en")
# Where each purpose's link leads on the portal; the token goes along as ?token=.
LINK_PATHS = {"welcome": "/activate", "reset": "/reset-password"}

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                         keep_trailing_newline=True)


def render(purpose: str, language: str, values: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of one e-mail; the text template sets the subject."""
    text_template = _templates.get_template(f"{purpose}.{language}.txt")
    module = text_template.make_module(values)
    html = _templates.get_template(f"{purpose}.{language}.html").render(values)
    return module.subject, str(module), html


def link(sender: MailSender, purpose: str, token: str) -> str:
    return f"{sender.portal_url}{LINK_PATHS[purpose]}?token={token}"


def mail_row(sender: MailSender, *, key: str, purpose: str, account_id: str | None,
             recipient: str, language: str, values: dict[str, Any],
             moment: datetime) -> dict[str, Any]:
    """The outbox row of one e-mail written now (`moment`), due at once."""
    subject, text, html = render(purpose, language, {"sender": sender, **values})
    return {"id": str(uuid.uuid4()), "message_key": key, "purpose": purpose,
            "account_id": account_id, "sender_name": sender.name,
            "sender_address": sender.address, "recipient": recipient, "subject": subject,
            "body_text": text, "body_html": html, "status": "pending", "attempts": 0,
            "next_attempt_at": moment, "last_error": None, "created_at": moment,
            "sent_at": None}


def queue_mail(uow: UnitOfWork, sender: MailSender, *, key: str, purpose: str,
               account_id: str | None, recipient: str, language: str,
               values: dict[str, Any]) -> OutgoingEmail:
    """Put an e-mail in the outbox in the transaction in hand (its key is unique: a caller
    that may repeat itself checks `already_queued` first)."""
    email = OutgoingEmail(**mail_row(sender, key=key, purpose=purpose, account_id=account_id,
                                     recipient=recipient, language=language, values=values,
                                     moment=now()))
    uow.session.add(email)
    uow.session.flush()
    return email


def already_queued(uow: UnitOfWork, key: str) -> bool:
    return uow.session.scalar(select(OutgoingEmail.id).where(
        OutgoingEmail.message_key == key)) is not None
