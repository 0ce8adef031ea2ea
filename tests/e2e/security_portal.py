"""Portal accounts for the end-to-end tests (the security suite, the selections portal), made
the way an administrator makes them: the sender and an account type configured, a relation with
an address, the welcome e-mail read from the product's mailbox folder (var/mail: the products
here set no SMTP URL), the password chosen."""

from __future__ import annotations

import email
import re
from pathlib import Path
from typing import Any

from shared.testing import wait_until
from tests.e2e.running import Gateway, unique
from tests.support.portal import body_text

SENDER = {"name": "Security suite", "address": "noreply@example.org",
          "portal_url": "https://portal.example.org"}
PORTAL_PASSWORD = "portal password of ten+"
# The consumer delivers the outbox every second; the read model follows within milliseconds.
MAIL_TIMEOUT = 30.0


class Mailbox:
    """The .eml files a product's accounts consumer writes into <var dir>/mail (no SMTP URL
    set); `pattern` may span several products' var dirs ("*/mail/*.eml")."""

    def __init__(self, var_dir: Path, pattern: str = "mail/*.eml"):
        self.var_dir, self.pattern = var_dir, pattern

    def token(self, recipient: str, path: str, seen: set[str] = frozenset()) -> str:
        """The token of the newest link to `path` (/activate, /reset-password) mailed to
        `recipient` in a file not in `seen`, waiting for the delivery."""
        pattern = re.compile(re.escape(path) + r"\?token=([A-Za-z0-9_-]+)")

        def found() -> list[str]:
            tokens = []
            for file in sorted(self.var_dir.glob(self.pattern), key=lambda f: f.stat().st_mtime):
                message = email.message_from_bytes(file.read_bytes())
                match = pattern.search(body_text(message))
                if file.name not in seen and message["To"] == recipient and match:
                    tokens.append(match.group(1))
            return tokens[-1:]

        (token,) = wait_until(found, timeout=MAIL_TIMEOUT, interval=0.1,
                              message=f"a {path} e-mail to {recipient} in "
                                      f"{self.var_dir / self.pattern}")
        return token

    def files(self) -> set[str]:
        return {file.name for file in self.var_dir.glob(self.pattern)}


def ready_for_portal(admin: Gateway) -> str:
    """Configure the sender and a fresh account type; answers the type's key."""
    assert admin.request("PUT", "/api/accounts/sender", json=SENDER).status_code == 200
    key = unique("sec_")
    created = admin.post("/api/accounts/account-types", json={"key": key, "label": "Security"})
    assert created.status_code == 201, created.text
    return key


def person_with_address(admin: Gateway, address: str | None = None) -> dict[str, Any]:
    """A person with a primary e-mail address (a unique one unless given)."""
    address = address or f"{unique('member.')}@example.org"
    created = admin.post("/api/relations/relations", json={
        "type": "person", "first_name": "Sec", "last_name": unique("Urity-"),
        "emails": [{"address": address, "primary": True}]})
    assert created.status_code == 201, created.text
    return created.json()


def invite(admin: Gateway, relation: dict[str, Any], account_type: str) -> dict[str, Any]:
    """Create the relation's portal account once the accounts service has heard of it."""

    def created() -> list[dict[str, Any]]:
        response = admin.post("/api/accounts/accounts", json={
            "relation_id": relation["id"], "account_type": account_type, "language": "en"})
        if response.status_code == 422:  # the relation's event is still on its way
            return []
        assert response.status_code == 201, response.text
        return [response.json()]

    (account,) = wait_until(created, timeout=MAIL_TIMEOUT, interval=0.1,
                            message="the accounts service to hear of the relation")
    return account


def activated_portal(admin: Gateway, mailbox: Mailbox, account_type: str,
                     relation: dict[str, Any] | None = None) -> dict[str, Any]:
    """A relation (a new one unless given) with an active portal account, signed in:
    {relation, account (as created), token (the activation link's, used), client}."""
    relation = relation or person_with_address(admin)
    account = invite(admin, relation, account_type)
    token = mailbox.token(account["email"], "/activate")
    done = admin.anonymous().post("/api/accounts/activate",
                                  json={"token": token, "password": PORTAL_PASSWORD})
    assert done.status_code == 204, done.text
    client = admin.anonymous()
    signed_in = client.post("/api/accounts/login", json={
        "email": account["email"], "password": PORTAL_PASSWORD, "kind": "portal"})
    assert signed_in.status_code == 200, signed_in.text
    client.session.headers["Authorization"] = f"Bearer {signed_in.json()['token']}"
    client.principal = signed_in.json()["principal"]
    return {"relation": relation, "account": account, "token": token, "client": client}


def new_staff_address(admin: Gateway, password: str) -> str:
    address = f"{unique('known.')}@example.org"
    created = admin.post("/api/accounts/staff", json={
        "email": address, "name": "Known", "role": "viewer", "password": password,
        "must_change_password": False})
    assert created.status_code == 201, created.text
    return address
