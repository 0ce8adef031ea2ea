"""Helpers of the portal account tests: a real SMTP server on loopback, relations known to the
accounts service, the sender, and reading the links out of delivered e-mail."""

from __future__ import annotations

import email
import re
import socket
from email.message import Message

from aiosmtpd.controller import Controller

from shared.testing import wait_until

SENDER = {"name": "Vereniging Test", "address": "noreply@example.org",
          "portal_url": "https://portal.example.org"}


class Inbox:
    """What an aiosmtpd server on 127.0.0.1 received, parsed."""

    def __init__(self):
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it so
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [m for m, rcpt in zip(self.messages, self.recipients, strict=True)
                if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(port: int | None = None) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller, inbox


def runtime_of(product, name: str = "accounts"):
    return next(r for r in product.runtimes if r.name == name)


def contact_status(product, relation_id: str) -> str | None:
    """What the accounts service knows of a relation's status (merged, deleted included)."""
    from services.accounts.portal.contacts import contact_of

    with runtime_of(product).unit_of_work() as uow:
        contact = contact_of(uow.session, relation_id)
        return contact.status if contact else None


def new_relation(api, product, address: str | None = "lid@example.org",
                 last_name: str = "Jansen") -> dict:
    """A person registered in relations, once the accounts service has heard of it."""
    from services.accounts.portal.contacts import contact_of

    body = {"type": "person", "first_name": "Piet", "last_name": last_name,
            "emails": [{"address": address, "primary": True}] if address else []}
    response = api.post("/api/relations/relations", json=body)
    assert response.status_code == 201, response.get_json()
    relation = response.get_json()
    accounts = runtime_of(product)

    def known():
        with accounts.unit_of_work() as uow:
            contact = contact_of(uow.session, relation["id"])
            return contact is not None and contact.version >= relation["version"]

    wait_until(known, message="accounts to hear of the relation")
    return relation


def body_text(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def link_token(message: Message, path: str) -> str:
    """The token of the portal link (`/activate` or `/reset-password`) in an e-mail."""
    found = re.search(re.escape(SENDER["portal_url"] + path) + r"\?token=([A-Za-z0-9_-]+)",
                      body_text(message))
    assert found, body_text(message)
    return found.group(1)


def deliver(product) -> int:
    """Deliver what is due now, as the periodic task does every second."""
    from services.accounts.mail.delivery import deliver_due

    accounts = runtime_of(product)
    return deliver_due(accounts.unit_of_work, accounts.settings)
