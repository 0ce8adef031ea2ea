"""Delivery of the e-mail outbox: over SMTP when CARDBOX_SMTP_URL is set, otherwise into .eml
files under var/mail (the embedded default); failures are retried with backoff."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update

from services.accounts.mail.models import OutgoingEmail
from services.accounts.models import now
from shared.config import Settings
from shared.db import UnitOfWork

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
# A claimed e-mail is left alone this long; a process that died mid-send is retried after.
LEASE = timedelta(minutes=5)
SMTP_TIMEOUT = 20.0


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class MailboxTransport:
    """Writes each e-mail as an .eml file into a folder (named by its id: a retry overwrites)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0]
        scratch = self.folder / f".{name}.tmp"
        scratch.write_bytes(bytes(message))
        os.replace(scratch, self.folder / f"{name}.eml")


class SmtpTransport:
    """smtp://[user:password@]host[:port], smtp+starttls://… or smtps://…; one connection per
    e-mail."""

    def __init__(self, url: str, timeout: float = SMTP_TIMEOUT):
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or {"smtps": 465, "smtp+starttls": 587}.get(self.scheme, 25)
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else ""
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        if self.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self._password)
            smtp.send_message(message)


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return MailboxTransport(Path(settings.var_dir) / "mail")


def deliver_due(new_uow: Callable[[], UnitOfWork], settings: Settings, *,
                transport: Transport | None = None, at: datetime | None = None,
                limit: int = 100) -> int:
    """Send the e-mail that is due (`at`, default now); answers how many went out. Each is
    claimed first, so processes running this side by side never send one twice."""
    transport = transport or transport_for(settings)
    moment = at or now()
    sent = 0
    for email_id, attempts, message in _claim_due(new_uow(), moment, limit):
        try:
            transport.send(message)
        except Exception as exc:  # any failure is recorded and retried
            _record_failure(new_uow(), email_id, attempts + 1, exc, settings, moment)
        else:
            _record_sent(new_uow(), email_id, attempts + 1)
            sent += 1
    return sent


def _claim_due(uow: UnitOfWork, moment: datetime,
               limit: int) -> list[tuple[str, int, EmailMessage]]:
    claimed = []
    with uow:
        due = uow.session.scalars(select(OutgoingEmail).where(
            OutgoingEmail.status == "pending", OutgoingEmail.next_attempt_at <= moment)
            .order_by(OutgoingEmail.next_attempt_at).limit(limit)).all()
        for email in due:
            won = uow.session.execute(update(OutgoingEmail).where(
                OutgoingEmail.id == email.id, OutgoingEmail.status == "pending",
                OutgoingEmail.next_attempt_at <= moment).values(
                next_attempt_at=moment + LEASE).execution_options(
                synchronize_session=False)).rowcount
            if won:
                claimed.append((email.id, email.attempts, message_of(email)))
        uow.commit()
    return claimed


def message_of(email: OutgoingEmail) -> EmailMessage:
    """The e-mail as sent; its Message-ID stays the same on every attempt."""
    message = EmailMessage()
    domain = email.sender_address.rpartition("@")[2] or "cardbox.invalid"
    message["Message-ID"] = f"<{email.id}@{domain}>"
    message["Date"] = formatdate(usegmt=True)
    message["From"] = formataddr((email.sender_name, email.sender_address))
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message.set_content(email.body_text or "")
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def _record_sent(uow: UnitOfWork, email_id: str, attempts: int) -> None:
    with uow:
        email = uow.session.get(OutgoingEmail, email_id)
        email.status, email.attempts, email.sent_at = "sent", attempts, now()
        email.last_error = None
        email.body_text = email.body_html = None  # the one-time link has no business here now
        uow.commit()


def _record_failure(uow: UnitOfWork, email_id: str, attempts: int, exc: Exception,
                    settings: Settings, moment: datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:1000]
    permanent = (isinstance(exc, smtplib.SMTPRecipientsRefused)
                 or (isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500))
    with uow:
        email = uow.session.get(OutgoingEmail, email_id)
        email.attempts, email.last_error = attempts, error
        if permanent or attempts >= settings.mail_max_attempts:
            email.status = "failed"
            email.body_text = email.body_html = None
            log.error("e-mail %s (%s) given up after %d attempts: %s", email_id, email.purpose,
                      attempts, error)
        else:
            email.next_attempt_at = moment + min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)
            log.warning("e-mail %s (%s) not delivered (attempt %d), retried at %s: %s",
                        email_id, email.purpose, attempts, email.next_attempt_at, error)
        uow.commit()


def deliver_mail(runtime) -> None:
    """The periodic task: deliver what is due with the service's own settings."""
    deliver_due(runtime.unit_of_work, runtime.settings)
