"""Activation and password reset through one-time links e-mailed over a real SMTP server:
single use, expiring, superseded by a newer link, answered alike for unknown addresses."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.accounts.portal.models import OneTimeToken
from tests.support.portal import deliver, link_token, new_relation, runtime_of

PASSWORD = "a long enough secret"


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{smtp.port}")


def log_in(api, email, password):
    return api.post("/api/accounts/login", json={"email": email, "password": password,
                                                 "kind": "portal"})


def invite(portal, product, smtp, address="lid@example.org"):
    relation = new_relation(portal, product, address)
    account = portal.post("/api/accounts/accounts", json={
        "relation_id": relation["id"], "account_type": "member"}).get_json()
    deliver(product)
    return account, link_token(smtp.to(address)[-1], "/activate")


def test_the_welcome_link_activates_once_with_a_good_password(portal, api, product, smtp):
    account, token = invite(portal, product, smtp)
    assert log_in(api, "lid@example.org", PASSWORD).status_code == 401  # no password yet
    for password, problem in (("short", "at least"), ("LID@example.org", "e-mail")):
        refused = api.post("/api/accounts/activate", json={"token": token,
                                                           "password": password})
        assert refused.status_code == 422
        assert any(problem in text for text in refused.get_json()["errors"]["password"])
    assert api.post("/api/accounts/activate",
                    json={"token": token, "password": PASSWORD}).status_code == 204
    assert portal.get(f"/api/accounts/accounts/{account['id']}").get_json()["status"] == "active"
    again = api.post("/api/accounts/activate", json={"token": token, "password": PASSWORD})
    assert again.status_code == 422 and "token" in again.get_json()["errors"]
    logged_in = log_in(api, "LID@example.org", PASSWORD)
    assert logged_in.status_code == 200
    assert logged_in.get_json()["principal"]["relation_id"] == account["relation_id"]


def test_reset_end_to_end_and_the_same_answer_for_unknown_addresses(portal, api, product,
                                                                    smtp):
    _account, token = invite(portal, product, smtp)
    api.post("/api/accounts/activate", json={"token": token, "password": PASSWORD})
    session = log_in(api, "lid@example.org", PASSWORD).get_json()["token"]

    known = api.post("/api/accounts/password-reset", json={"email": "Lid@Example.org"})
    unknown = api.post("/api/accounts/password-reset", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    deliver(product)
    assert smtp.to("nobody@example.org") == []
    reset = smtp.to("lid@example.org")[-1]
    assert "new password" in reset["Subject"] or "wachtwoord" in reset["Subject"]
    token = link_token(reset, "/reset-password")
    assert api.post("/api/accounts/activate", json={"token": token, "password": PASSWORD}
                    ).status_code == 422  # a reset link is no activation link
    confirmed = api.post("/api/accounts/password-reset/confirm",
                         json={"token": token, "password": "another long secret"})
    assert confirmed.status_code == 204
    assert log_in(api, "lid@example.org", PASSWORD).status_code == 401
    assert log_in(api, "lid@example.org", "another long secret").status_code == 200
    old_session = api.post("/api/accounts/logout", headers={"Authorization": f"Bearer {session}"})
    assert old_session.status_code in (401, 204)  # ended by the reset (or already gone)
    reused = api.post("/api/accounts/password-reset/confirm",
                      json={"token": token, "password": "yet another secret"})
    assert reused.status_code == 422 and "token" in reused.get_json()["errors"]


def test_a_newer_link_supersedes_the_older_and_links_expire(portal, api, product, smtp):
    account, token = invite(portal, product, smtp)
    api.post("/api/accounts/activate", json={"token": token, "password": PASSWORD})
    url = f"/api/accounts/accounts/{account['id']}/send-reset"
    assert portal.post(url).get_json() == {"account_id": account["id"], "email": "reset"}
    assert portal.post(url).status_code == 202
    deliver(product)
    older, newer = (link_token(m, "/reset-password") for m in smtp.to("lid@example.org")[-2:])
    body = {"password": "another long secret"}
    stale = api.post("/api/accounts/password-reset/confirm", json={"token": older, **body})
    assert stale.status_code == 422
    accounts = runtime_of(product)
    with accounts.unit_of_work() as uow:
        uow.session.execute(update(OneTimeToken).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        uow.commit()
    expired = api.post("/api/accounts/password-reset/confirm", json={"token": newer, **body})
    assert expired.status_code == 422 and "token" in expired.get_json()["errors"]


def test_an_invited_account_asking_for_a_reset_gets_the_welcome_again(portal, api, product,
                                                                      smtp):
    _account, first = invite(portal, product, smtp)
    sent = portal.post(f"/api/accounts/accounts/{_account['id']}/send-reset").get_json()
    assert sent["email"] == "welcome"
    deliver(product)
    second = link_token(smtp.to("lid@example.org")[-1], "/activate")
    assert api.post("/api/accounts/activate",
                    json={"token": first, "password": PASSWORD}).status_code == 422
    assert api.post("/api/accounts/activate",
                    json={"token": second, "password": PASSWORD}).status_code == 204


def test_reset_requests_are_refused_alike_without_a_sender_and_checked(api):
    for address in ("nobody@example.org", "other@example.org"):
        refused = api.post("/api/accounts/password-reset", json={"email": address})
        assert refused.status_code == 409 and "sender" in refused.get_json()["detail"]
    bad = api.post("/api/accounts/password-reset", json={"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]
    for body, field in (({"password": PASSWORD}, "token"), ({"token": "x"}, "password"),
                        ({"token": "x", "password": PASSWORD, "extra": 1}, "extra")):
        response = api.post("/api/accounts/password-reset/confirm", json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]
    unknown = api.post("/api/accounts/activate", json={"token": "x" * 43, "password": PASSWORD})
    assert unknown.status_code == 422 and "token" in unknown.get_json()["errors"]


def test_reset_requests_share_the_login_rate_limit(portal, api, product, smtp, settings):
    for _attempt in range(settings.login_failures_per_email):
        assert log_in(api, "lid@example.org", "not the password").status_code == 401
    limited = api.post("/api/accounts/password-reset", json={"email": "LID@example.org"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
