"""The security suite of issue #5 on the running distributed stack (RabbitMQ, PostgreSQL, a
gunicorn per service, the gateway over HTTP): every route without credentials, an expired token,
a tampered principal header, a portal account out of bounds, roles and scopes short of a write,
token reuse, and user enumeration by comparing answers. Each attempt must get exactly its
refusal; the table of attempts and answers goes to var/bench/security.json (and .md)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from shared.auth import PRINCIPAL_HEADER, Principal
from shared.permissions import permissions_for_roles, staff_principal
from tests.e2e.running import DistributedStack, Gateway, unique
from tests.e2e.security_portal import (
    PORTAL_PASSWORD,
    Mailbox,
    activated_portal,
    new_staff_address,
    person_with_address,
    ready_for_portal,
)
from tests.e2e.security_support import (
    Raw,
    Results,
    allowed,
    comparable,
    direct,
    operations,
    refused,
    same_answer,
    service_of,
    signed,
    signed_long_ago,
    stack_secret,
    stack_var_dir,
    superuser,
    sweep,
    with_changed_payload,
)

RELATIONS = "/api/relations/relations"
# Reached without a principal: the open accounts routes, and the gateway's own.
OPEN_ROUTES = {("POST", "/api/accounts/login"), ("POST", "/api/accounts/activate"),
               ("POST", "/api/accounts/password-reset"),
               ("POST", "/api/accounts/password-reset/confirm")}
# What the sweep expects: 401 for want of a principal; the open routes (sent an empty body)
# get past authentication to webargs' validation, whose 422 carries this code.
REFUSED, OPEN_ANSWER = (401, "unauthenticated"), (422, "validation_failed")
GATEWAY_OPEN = ("/healthz", "/readyz", "/metrics", "/api/docs/", "/api/openapi.json")
SHORT_TOKEN_TTL = 3  # seconds, for the second stack whose staff tokens expire


@pytest.fixture(scope="module")
def results() -> Iterator[Results]:
    collected = Results()
    yield collected
    collected.write()
    print("\n" + collected.table())


@pytest.fixture(scope="module")
def admin(distributed: Gateway) -> Gateway:
    return distributed


@pytest.fixture(scope="module")
def var_dir(distributed: Gateway, tmp_path_factory):
    return stack_var_dir(distributed, tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def secret(var_dir) -> str:
    return stack_secret(var_dir)


@pytest.fixture(scope="module")
def mailbox(var_dir) -> Mailbox:
    return Mailbox(var_dir)


@pytest.fixture(scope="module")
def account_type(admin: Gateway) -> str:
    return ready_for_portal(admin)


@pytest.fixture(scope="module")
def relation(admin: Gateway) -> dict[str, Any]:
    """Somebody else's relation: what the refused callers reach for."""
    return person_with_address(admin)


# --- 1. every route without credentials ----------------------------------------------------


def test_every_route_refuses_a_caller_without_credentials(admin, results):
    anonymous = admin.anonymous()
    document = anonymous.get("/api/openapi.json")
    calls = operations(allowed(results, "1", "GET /api/openapi.json without credentials",
                               document))
    assert len(calls) > 100 and ("DELETE", RELATIONS + "/{relation_id}") in calls

    def through_gateway(method: str, path: str) -> requests.Response:
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return anonymous.request(method, path, json=body)

    sweep(results, "1", "every route of the API document, at the gateway, no credentials",
          calls, through_gateway,
          lambda method, path: OPEN_ANSWER if (method, path) in OPEN_ROUTES else REFUSED)
    assert {(m, p) for m, p in calls if (m, p) in OPEN_ROUTES} == OPEN_ROUTES

    def past_the_gateway(method: str, path: str) -> requests.Response:
        url = admin.service_urls[service_of(path)]
        return direct(url, method, path, json={} if method != "GET" else None)

    # A service trusts nobody but the gateway: even log-in needs its word.
    sweep(results, "1", "every route at its service's own port, no principal header",
          calls, past_the_gateway, lambda method, path: REFUSED)
    for path in GATEWAY_OPEN:
        allowed(results, "1", f"GET {path} at the gateway without credentials",
                anonymous.get(path))
    # The gateway's sub-request route, from outside: as is, and disguised as another path
    # that the forwarding HTTP client (dot segments) or the service (a second decoding) would
    # have turned back into it.
    body = {"authorization": admin.credentials["Authorization"]}
    for path in ("/api/accounts/internal/authenticate",
                 "/api/accounts/x/../internal/authenticate",
                 "/api/accounts/./internal/authenticate",
                 "/api/accounts/%2569nternal/authenticate"):
        refused(results, "1", f"POST {path} from outside, signed in",
                Raw(admin.url, "POST", path, admin.credentials, body), 404)


# --- 2. an expired token -------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory) -> Iterator[Gateway]:
    """A second stack whose staff tokens live SHORT_TOKEN_TTL seconds (its own setting)."""
    product = DistributedStack(tmp_path_factory.mktemp("short_lived"), "sec")
    product.stack.settings["CARDBOX_STAFF_TOKEN_TTL"] = str(SHORT_TOKEN_TTL)
    product.stack.settings["CARDBOX_STAFF_TOKEN_MAX_AGE"] = str(SHORT_TOKEN_TTL)
    try:
        yield product.start()
    finally:
        product.stop()


def test_an_expired_token_is_refused(short_lived, results):
    client = short_lived.anonymous()
    answer = client.post("/api/accounts/login", json={"email": "admin@cardbox.test",
                                                      "password": "e2e-admin-password"})
    login = allowed(results, "2", f"log in (staff token lifetime {SHORT_TOKEN_TTL} s)", answer)
    headers = {"Authorization": f"Bearer {login['token']}"}
    allowed(results, "2", "GET /api/accounts/me with the fresh token",
            client.get("/api/accounts/me", headers=headers))
    expires_at = datetime.fromisoformat(login["expires_at"])
    time.sleep(max(0.0, expires_at.timestamp() - time.time()) + 1.0)
    refused(results, "2", "GET /api/accounts/me with the token after its expires_at",
            client.get("/api/accounts/me", headers=headers), 401, challenge=True)
    refused(results, "2", "GET /api/relations/relations with the expired token",
            client.get(RELATIONS, headers=headers), 401, challenge=True)


# --- 3. a tampered principal header --------------------------------------------------------


def test_a_principal_header_sent_to_the_gateway_grants_nothing(admin, secret, relation,
                                                               results):
    forged = signed(secret, superuser())  # even signed with the stack's own key
    refused(results, "3", "no credentials + a validly signed superuser principal header, "
            "at the gateway", admin.anonymous().get(RELATIONS, headers=forged), 401,
            challenge=True)
    viewer = admin.new_staff("viewer")
    refused(results, "3", "viewer + a validly signed superuser principal header: DELETE "
            "relation, at the gateway",
            viewer.request("DELETE", f"{RELATIONS}/{relation['id']}", headers=forged), 403)
    me = allowed(results, "3", "viewer + forged header: GET /api/accounts/me answers the viewer",
                 viewer.get("/api/accounts/me", headers=forged))
    assert (me["id"], me["role"]) == (viewer.principal["id"], "viewer"), me
    allowed(results, "3", "the relation is still there", admin.get(f"{RELATIONS}/{relation['id']}"))


def test_a_service_port_refuses_a_principal_header_the_gateway_did_not_sign(admin, secret,
                                                                            relation, results):
    url, path = admin.service_urls["relations"], f"{RELATIONS}/{relation['id']}"
    viewer = staff_principal(str(uuid.uuid4()), "viewer")
    good = signed(secret, viewer)
    allowed(results, "3", "relations port, GET relation, header signed by the stack's key "
            "(control)", direct(url, "GET", path, good))
    refused(results, "3", "relations port, GET relation, no principal header",
            direct(url, "GET", path), 401)
    attempts = {
        "an unsigned principal (bare JSON)": {PRINCIPAL_HEADER: '{"kind": "staff", "id": "x", '
                                              '"roles": ["superuser"]}'},
        "a superuser principal signed with a wrong key": signed("not the stack's key",
                                                                superuser()),
        "the viewer's valid signature, payload changed to superuser": {
            PRINCIPAL_HEADER: with_changed_payload(good[PRINCIPAL_HEADER], {
                "roles": ["superuser"],
                "permissions": list(permissions_for_roles(("superuser",)))})},
        "a validly signed header 10 minutes old (replayed)": signed_long_ago(
            secret, viewer, 600),
    }
    for what, headers in attempts.items():
        refused(results, "3", f"relations port, DELETE relation, {what}",
                direct(url, "DELETE", path, headers), 401)
    refused(results, "3", "relations port, DELETE relation, a validly signed viewer",
            direct(url, "DELETE", path, good), 403)
    allowed(results, "3", "the relation is still there", admin.get(path))


# --- 4. a portal account out of its bounds -------------------------------------------------


def test_a_portal_account_reaches_only_its_own(admin, secret, mailbox, account_type, relation,
                                              results):
    portal = activated_portal(admin, mailbox, account_type)
    client, other = portal["client"], relation["id"]
    attempts = {
        f"GET {RELATIONS}/{{other}}": f"{RELATIONS}/{other}",
        "GET /api/selections/relations/{other}/groups":
            f"/api/selections/relations/{other}/groups",
        f"GET {RELATIONS}/{{own}}": f"{RELATIONS}/{portal['relation']['id']}",
        f"GET {RELATIONS} (staff list)": RELATIONS,
        "GET /api/accounts/staff": "/api/accounts/staff",
        "GET /api/accounts/accounts": "/api/accounts/accounts",
    }
    for what, path in attempts.items():
        refused(results, "4", f"portal account: {what}", client.get(path), 403)
    refused(results, "4", "portal account: PATCH its own relation",
            client.patch(f"{RELATIONS}/{portal['relation']['id']}", json={"first_name": "X"}),
            403)
    # Past the portal prefix by dot segments, which the forwarding HTTP client would resolve.
    sneaky = f"/api/portal/me/groups/../../../selections/relations/{other}/groups"
    refused(results, "4", "portal account: GET " + sneaky.replace(other, "{other}"),
            Raw(admin.url, "GET", sneaky, client.credentials), 404)
    groups = allowed(results, "4", "portal account: GET /api/portal/me/groups",
                     client.get("/api/portal/me/groups"))
    assert set(groups) == {"member_of", "may_join"}, groups
    # The services check it themselves too: a portal principal signed as the gateway would.
    principal = Principal(kind="portal", id=portal["account"]["id"],
                          relation_id=portal["relation"]["id"])
    for service, path in (("relations", f"{RELATIONS}/{other}"),
                          ("selections", f"/api/selections/relations/{other}/groups")):
        refused(results, "4", f"{service} port, validly signed portal principal: GET {path}"
                .replace(other, "{other}"),
                direct(admin.service_urls[service], "GET", path, signed(secret, principal)),
                403)


# --- 5. roles and scopes short of the write ------------------------------------------------


def test_roles_and_scopes_short_of_a_write_are_refused(admin, relation, results):
    path = f"{RELATIONS}/{relation['id']}"
    editor = admin.new_staff("editor")
    problem = refused(results, "5", "editor: DELETE relation (permanent delete)",
                      editor.request("DELETE", path), 403)
    assert problem["permission"] == "relations:delete", problem
    viewer = admin.new_staff("viewer")
    refused(results, "5", "viewer: POST relation",
            viewer.post(RELATIONS, json={"type": "person", "last_name": unique("V-")}), 403)
    refused(results, "5", "viewer: PATCH relation",
            viewer.patch(path, json={"first_name": "Changed"}), 403)
    key = admin.post("/api/accounts/api-clients", json={
        "name": unique("reader-"), "scopes": ["relations:read"]})
    assert key.status_code == 201, key.text
    reader = {"Authorization": f"ApiKey {key.json()['key']}"}
    allowed(results, "5", "API client (relations:read): GET relation",
            admin.anonymous().get(path, headers=reader))
    for method, what, body in (("POST", RELATIONS, {"type": "person", "last_name": "K"}),
                               ("PATCH", path, {"first_name": "Changed"}),
                               ("DELETE", path, None)):
        refused(results, "5", f"API client (relations:read): {method} "
                f"{what.replace(relation['id'], '{id}')}",
                admin.anonymous().request(method, what, headers=reader, json=body), 403)
    first_login = admin.anonymous()
    address, password = f"{unique('first.')}@example.org", unique("one-time-")
    assert admin.post("/api/accounts/staff", json={
        "email": address, "name": "First", "role": "editor", "password": password,
        "must_change_password": True}).status_code == 201
    first_login.sign_in(address, password)
    refused(results, "5", "editor who must change the one-time password first: PATCH relation",
            first_login.patch(path, json={"first_name": "Changed"}), 403)
    allowed(results, "5", "the same user: GET /api/accounts/me", first_login.get(
        "/api/accounts/me"))
    after = allowed(results, "5", "the relation is unchanged", admin.get(path))
    assert (after["version"], after.get("first_name")) == (relation["version"],
                                                           relation.get("first_name")), after


# --- 6. token reuse ------------------------------------------------------------------------


def test_a_token_is_dead_after_log_out(admin, results):
    viewer = admin.new_staff("viewer")
    allowed(results, "6", "staff token: GET /api/accounts/me before log-out",
            viewer.get("/api/accounts/me"))
    allowed(results, "6", "POST /api/accounts/logout", viewer.post("/api/accounts/logout"), 204)
    refused(results, "6", "the logged-out token: GET /api/accounts/me",
            viewer.get("/api/accounts/me"), 401, challenge=True)
    refused(results, "6", "the logged-out token: POST /api/accounts/logout again",
            viewer.post("/api/accounts/logout"), 401, challenge=True)


def test_a_token_dies_with_its_user_or_account(admin, mailbox, account_type, results):
    viewer = admin.new_staff("viewer")
    gone = admin.request("DELETE", f"/api/accounts/staff/{viewer.principal['id']}")
    assert gone.status_code == 204, gone.text
    refused(results, "6", "the token of a staff user since removed: GET /api/accounts/me",
            viewer.get("/api/accounts/me"), 401, challenge=True)
    portal = activated_portal(admin, mailbox, account_type)
    blocked = admin.post(f"/api/accounts/accounts/{portal['account']['id']}/block", json={})
    assert blocked.status_code == 200, blocked.text
    refused(results, "6", "the token of a portal account since blocked: GET "
            "/api/portal/me/groups", portal["client"].get("/api/portal/me/groups"), 401,
            challenge=True)


def test_an_activation_or_reset_link_works_once(admin, mailbox, account_type, results):
    portal = activated_portal(admin, mailbox, account_type)
    anonymous, address = admin.anonymous(), portal["account"]["email"]
    problem = refused(results, "6", "the used activation token, again",
                      anonymous.post("/api/accounts/activate", json={
                          "token": portal["token"], "password": "another password 1"}), 422)
    assert "token" in problem["errors"], problem
    seen = mailbox.files()
    sent = admin.post(f"/api/accounts/accounts/{portal['account']['id']}/send-reset")
    assert sent.status_code == 202, sent.text
    token = mailbox.token(address, "/reset-password", seen)
    allowed(results, "6", "a reset token, first use",
            anonymous.post("/api/accounts/password-reset/confirm", json={
                "token": token, "password": "a new portal password"}), 204)
    problem = refused(results, "6", "the same reset token, again",
                      anonymous.post("/api/accounts/password-reset/confirm", json={
                          "token": token, "password": "yet another password"}), 422)
    assert "token" in problem["errors"], problem
    refused(results, "6", "the portal session from before the reset",
            portal["client"].get("/api/portal/me/groups"), 401, challenge=True)
    refused(results, "6", "the old portal password after the reset",
            anonymous.post("/api/accounts/login", json={
                "email": address, "password": PORTAL_PASSWORD, "kind": "portal"}), 401)


def test_a_rotated_api_key_is_dead_at_once(admin, results):
    created = admin.post("/api/accounts/api-clients", json={
        "name": unique("rotated-"), "scopes": ["relations:read"]})
    assert created.status_code == 201, created.text
    client_id, old = created.json()["id"], created.json()["key"]
    caller = admin.anonymous()

    def as_key(key: str) -> requests.Response:
        return caller.get(RELATIONS, params={"limit": 1}, headers={"Authorization":
                                                                     f"ApiKey {key}"})

    allowed(results, "6", "API key before rotation", as_key(old))
    rotated = admin.post(f"/api/accounts/api-clients/{client_id}/rotate", json={})
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["key"]
    refused(results, "6", "the old API key after rotation (no grace)", as_key(old), 401,
            challenge=True)
    allowed(results, "6", "the new API key", as_key(new))
    assert admin.request("DELETE", f"/api/accounts/api-clients/{client_id}").status_code == 204
    refused(results, "6", "the new API key after the client is revoked", as_key(new), 401,
            challenge=True)


# --- 7. user enumeration -------------------------------------------------------------------


def test_answers_do_not_tell_which_addresses_exist(admin, mailbox, account_type, results):
    anonymous = admin.anonymous()

    def login(address: str, password: str, kind: str = "staff") -> requests.Response:
        return anonymous.post("/api/accounts/login", json={
            "email": address, "password": password, "kind": kind})

    known = new_staff_address(admin, "the right password")
    same_answer(results, "staff log-in: known address + wrong password vs unknown address",
                login(known, "a wrong password"),
                login(f"{unique('nobody.')}@example.org", "a wrong password"), 401)
    portal = activated_portal(admin, mailbox, account_type)
    address = portal["account"]["email"]
    same_answer(results, "portal log-in: known address + wrong password vs unknown address",
                login(address, "a wrong password", "portal"),
                login(f"{unique('nobody.')}@example.org", "a wrong password", "portal"), 401)
    blocked = admin.post(f"/api/accounts/accounts/{portal['account']['id']}/block", json={})
    assert blocked.status_code == 200, blocked.text
    same_answer(results, "portal log-in: a blocked account + wrong password vs unknown address",
                login(address, "a wrong password", "portal"),
                login(f"{unique('nobody.')}@example.org", "a wrong password", "portal"), 401)
    assert admin.post(f"/api/accounts/accounts/{portal['account']['id']}/unblock").ok
    same_answer(results, "password-reset request: a portal account's address vs unknown",
                anonymous.post("/api/accounts/password-reset", json={"email": address}),
                anonymous.post("/api/accounts/password-reset",
                               json={"email": f"{unique('nobody.')}@example.org"}), 202)


def test_the_rate_limit_answers_alike_for_known_and_unknown_addresses(admin, results):
    anonymous = admin.anonymous()
    known = new_staff_address(admin, "the right password")
    unknown = f"{unique('nobody.')}@example.org"

    def login(address: str, password: str = "a wrong password") -> requests.Response:
        return anonymous.post("/api/accounts/login", json={"email": address,
                                                           "password": password})

    for _ in range(5):  # CARDBOX_LOGIN_FAILURES_PER_EMAIL's default
        assert comparable(login(known))[::2] == comparable(login(unknown))[::2]
    known_answer, unknown_answer = login(known), login(unknown)
    digits = lambda text: re.sub(r"\d+", "N", text)  # noqa: E731 -- the seconds left may differ
    same_answer(results, "6th wrong log-in: known vs unknown address (429, Retry-After; "
                "seconds masked)", known_answer, unknown_answer, 429, mask=digits)
    for answer in (known_answer, unknown_answer):
        problem = refused(results, "7", "6th wrong log-in, " + (
            "known" if answer is known_answer else "unknown") + " address", answer, 429)
        retry_after = int(answer.headers["Retry-After"])
        assert 0 < retry_after <= 15 * 60 and problem["retry_after"] == retry_after, problem
    refused(results, "7", "the right password while the address is limited", login(
        known, "the right password"), 429)
