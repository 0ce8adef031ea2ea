"""Logging in and out: tokens, their expiry, one answer for every wrong password, and the
rate limits."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from services.accounts.tokens import AccessToken
from tests.unit.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_client

LOGIN = "/api/accounts/login"


def accounts_uow(product):
    return next(r for r in product.runtimes if r.name == "accounts").unit_of_work()


def test_a_right_password_gives_an_expiring_token(api, product):
    response = api.post(LOGIN, json={"email": ADMIN_EMAIL.upper(), "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["principal"]["kind"] == "staff" and body["principal"]["roles"] == ["superuser"]
    expires = datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)
    assert timedelta(hours=7, minutes=59) < expires <= timedelta(hours=8)
    with accounts_uow(product) as uow:
        stored = uow.session.scalars(select(AccessToken.token_hash)).all()
    assert stored and body["token"] not in stored  # kept as a hash only
    me = bearer_client(product.gateway, body["token"]).get("/api/accounts/me")
    assert me.status_code == 200 and me.get_json()["email"] == ADMIN_EMAIL


def test_an_unknown_address_and_a_wrong_password_get_the_same_answer(api):
    answers = [api.post(LOGIN, json=body) for body in (
        {"email": "nobody@example.org", "password": ADMIN_PASSWORD},
        {"email": ADMIN_EMAIL, "password": "not the password"},
        {"email": "not even an address", "password": "whatever it is"},
        {"email": "nobody@example.org", "password": ADMIN_PASSWORD, "kind": "portal"})]
    assert {a.status_code for a in answers} == {401}
    assert len({a.data for a in answers}) == 1
    assert len({a.content_type for a in answers}) == 1


def test_bad_login_bodies_name_the_field(api):
    for body, field in (({"password": "x"}, "email"), ({"email": "a@b.c"}, "password"),
                        ({"email": "a@b.c", "password": "x", "kind": "robot"}, "kind"),
                        ({"email": "a@b.c", "password": "x", "remember": True}, "remember")):
        response = api.post(LOGIN, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]


def test_logout_ends_the_token_at_once(api, product):
    client = bearer_client(product.gateway, api.post(LOGIN, json={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).get_json()["token"])
    assert client.get("/api/accounts/me").status_code == 200
    assert client.post("/api/accounts/logout").status_code == 204
    reused = client.get("/api/accounts/me")
    assert reused.status_code == 401 and reused.content_type == "application/problem+json"


def test_an_expired_token_is_refused_and_a_used_one_slides_up_to_its_limit(anonymous_api,
                                                                           product):
    token = anonymous_api.post(LOGIN, json={"email": ADMIN_EMAIL,
                                            "password": ADMIN_PASSWORD}).get_json()["token"]
    client = bearer_client(product.gateway, token)
    now = datetime.now(UTC)
    with accounts_uow(product) as uow:
        uow.session.execute(update(AccessToken).values(
            expires_at=now + timedelta(hours=1), max_expires_at=now + timedelta(hours=2)))
        uow.commit()
    assert client.get("/api/accounts/me").status_code == 200
    with accounts_uow(product) as uow:
        slid = uow.session.scalar(select(AccessToken.expires_at))
    assert slid.replace(tzinfo=UTC) == now + timedelta(hours=2)  # not now + 8 hours
    with accounts_uow(product) as uow:
        uow.session.execute(update(AccessToken).values(expires_at=now - timedelta(seconds=1)))
        uow.commit()
    assert client.get("/api/accounts/me").status_code == 401


def test_too_many_failures_for_an_address_are_refused_for_a_while(api):
    for _ in range(5):
        assert api.post(LOGIN, json={"email": ADMIN_EMAIL,
                                     "password": "wrong password"}).status_code == 401
    refused = api.post(LOGIN, json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert refused.get_json()["retry_after"] == int(refused.headers["Retry-After"])
    other = api.post(LOGIN, json={"email": "someone@example.org", "password": "x"})
    assert other.status_code == 401


class TestPerClientLimit:
    @pytest.fixture
    def settings(self, settings):
        return settings.with_overrides(login_failures_per_ip=3)

    def test_too_many_failures_from_one_client_are_refused_whatever_it_forwards(self, api):
        def attempt(ip, email, forwarded="6.6.6.6"):
            return api.post(LOGIN, json={"email": email, "password": "wrong password"},
                            headers={"X-Forwarded-For": forwarded},
                            environ_base={"REMOTE_ADDR": ip})

        for n in range(3):
            assert attempt("10.0.0.1", f"user{n}@example.org", forwarded=f"7.7.7.{n}") \
                .status_code == 401
        assert attempt("10.0.0.1", "fresh@example.org").status_code == 429
        assert attempt("10.0.0.2", "fresh@example.org").status_code == 401


def test_a_right_password_clears_the_addresss_failures(api):
    for _ in range(2):
        api.post(LOGIN, json={"email": ADMIN_EMAIL, "password": "wrong password"},
                 environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert api.post(LOGIN, json={"email": ADMIN_EMAIL,
                                 "password": ADMIN_PASSWORD}).status_code == 200
    for _ in range(4):
        assert api.post(LOGIN, json={"email": ADMIN_EMAIL, "password": "wrong password"},
                        environ_base={"REMOTE_ADDR": f"10.0.1.{_}"}).status_code == 401
