"""Portal e-mail: written to the outbox with the change, delivered over a real SMTP server on
loopback (or into var/mail), retried with backoff, given up after a bound, never twice."""

from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import select

from services.accounts.mail.delivery import deliver_due
from services.accounts.mail.models import OutgoingEmail
from services.accounts.mail.sender import configured_sender
from services.accounts.models import now
from services.accounts.portal import links
from services.accounts.portal.accounts import found
from shared.testing import wait_until
from tests.support.portal import (
    SENDER,
    body_text,
    deliver,
    free_port,
    link_token,
    new_relation,
    runtime_of,
    start_smtp,
)


def outbox(product) -> list[dict]:
    with runtime_of(product).unit_of_work() as uow:
        return [{"status": e.status, "attempts": e.attempts, "last_error": e.last_error,
                 "body_text": e.body_text, "key": e.message_key, "purpose": e.purpose}
                for e in uow.session.scalars(select(OutgoingEmail)
                                             .order_by(OutgoingEmail.created_at))]


def invite(portal, product, address="lid@example.org"):
    relation = new_relation(portal, product, address)
    response = portal.post("/api/accounts/accounts", json={"relation_id": relation["id"],
                                                           "account_type": "member"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


class TestOverSmtp:
    @pytest.fixture
    def settings(self, settings, smtp):
        return settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{smtp.port}")

    def test_the_welcome_arrives_whole_with_a_working_link(self, portal, api, product, smtp):
        invite(portal, product)
        wait_until(lambda: smtp.to("lid@example.org"), message="the welcome e-mail")
        (welcome,) = smtp.messages
        assert welcome["From"] == f'{SENDER["name"]} <{SENDER["address"]}>'
        assert welcome["Subject"] == "Welkom bij Vereniging Test: activeer je account"
        assert welcome["Message-ID"].endswith("@example.org>")
        assert {p.get_content_type() for p in welcome.walk()} >= {"text/plain", "text/html"}
        assert "Beste Piet Jansen" in body_text(welcome)
        token = link_token(welcome, "/activate")
        assert api.post("/api/accounts/activate", json={
            "token": token, "password": "a long enough secret"}).status_code == 204
        (sent,) = outbox(product)
        # Once sent, the outbox keeps no copy of the one-time link.
        assert (sent["status"], sent["attempts"], sent["body_text"]) == ("sent", 1, None)
        assert deliver(product) == 0 and len(smtp.messages) == 1

    def test_the_same_message_key_queues_one_e_mail(self, portal, api, product, smtp):
        account = invite(portal, product)
        accounts = runtime_of(product)
        for _attempt in range(2):  # a redelivered bulk chunk asks again with the same key
            with accounts.unit_of_work() as uow:
                links.send_link(uow, configured_sender(uow), found(uow, account["id"]),
                                key="bulk-job-1:" + account["relation_id"])
                uow.commit()
        deliver(product)
        wait_until(lambda: len(smtp.messages) == 2, message="welcome and the keyed e-mail")
        assert [e["key"] for e in outbox(product)][1] == "bulk-job-1:" + account["relation_id"]
        keyed = link_token(smtp.messages[-1], "/activate")
        assert api.post("/api/accounts/activate", json={
            "token": keyed, "password": "a long enough secret"}).status_code == 204


class TestFailures:
    @pytest.fixture
    def port(self):
        return free_port()

    @pytest.fixture
    def settings(self, settings, port):
        # Nothing listens on the port yet: every attempt fails until a server starts there.
        return settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{port}", mail_max_attempts=3)

    def test_a_failed_delivery_is_retried_later_until_a_server_answers(self, portal, product,
                                                                       port):
        invite(portal, product)
        deliver(product)
        (failed,) = wait_until(lambda: [e for e in outbox(product) if e["attempts"] == 1],
                               message="a first failed attempt")
        assert failed["status"] == "pending" and "Connection refused" in failed["last_error"]
        assert deliver(product) == 0  # not due again before its backoff
        controller, inbox = start_smtp(port)
        try:
            accounts = runtime_of(product)
            later = now() + timedelta(seconds=31)
            assert deliver_due(accounts.unit_of_work, accounts.settings, at=later) == 1
            assert deliver_due(accounts.unit_of_work, accounts.settings,
                               at=later + timedelta(hours=2)) == 0
        finally:
            controller.stop()
        assert len(inbox.to("lid@example.org")) == 1
        (sent,) = outbox(product)
        assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 2, None)

    def test_delivery_is_given_up_after_the_last_attempt(self, portal, product):
        invite(portal, product)
        accounts = runtime_of(product)
        moment = now()
        for step in range(3):  # backoff 30 s, then 60 s
            deliver_due(accounts.unit_of_work, accounts.settings,
                        at=moment + timedelta(seconds=100 * step))
        (failed,) = outbox(product)
        assert (failed["status"], failed["attempts"], failed["body_text"]) == ("failed", 3, None)
        assert deliver_due(accounts.unit_of_work, accounts.settings,
                           at=moment + timedelta(days=1)) == 0


def test_without_smtp_e_mail_lands_in_the_mail_folder(portal, api, product, settings):
    invite(portal, product, "map@example.org")
    deliver(product)
    files = wait_until(lambda: list((settings.var_dir / "mail").glob("*.eml")),
                       message="an .eml file")
    (welcome,) = [message_from_bytes(path.read_bytes()) for path in files]
    assert welcome["To"] == "map@example.org"
    token = link_token(welcome, "/activate")
    assert api.post("/api/accounts/activate", json={
        "token": token, "password": "a long enough secret"}).status_code == 204
