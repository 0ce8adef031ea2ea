"""Portal accounts follow their relations: archived → blocked (restore lifts only that block),
deleted → deleted, merged → moved or blocked and reported, merge undone → taken back; late
and repeated events change nothing."""

import email
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.relations.messages import (
    MergeUndone,
    RelationsArchived,
    RelationsMerged,
    RelationsRestored,
)
from shared.tables import outbox
from shared.testing import wait_until
from tests.support.portal import deliver, link_token, new_relation, runtime_of
from tests.unit.conftest import bearer_client

URL = "/api/accounts/accounts"


def account_of(client, relation):
    response = client.post(URL, json={"relation_id": relation["id"], "account_type": "member"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def state(client, account):
    return client.get(f"{URL}/{account['id']}").get_json()


def wait_for(client, account, **expected):
    wait_until(lambda: {k: state(client, account)[k] for k in expected} == expected,
               message=f"the account to become {expected}")
    return state(client, account)


def events(product, kind):
    with runtime_of(product).unit_of_work() as uow:
        bodies = uow.session.scalars(select(outbox.c.body).where(
            outbox.c.routing_key == kind).order_by(outbox.c.id))
        return [json.loads(body)["payload"] for body in bodies]


def relation_url(relation):
    return f"/api/relations/relations/{relation['id']}"


def test_archive_blocks_the_account_and_restore_lifts_that_block(portal, product):
    relation = new_relation(portal, product)
    account = account_of(portal, relation)
    assert portal.post(f"{relation_url(relation)}/archive",
                       json={"reason": "left"}).status_code == 200
    blocked = wait_for(portal, account, status="blocked")
    assert (blocked["reason"], blocked["blocked_until"]) == ("relation archived", None)
    announced = [e["account"] for e in events(product, "accounts.portal_accounts.changed")]
    assert announced[-1]["status"] == "blocked" and announced[-1]["reason"] == (
        "relation archived")

    assert portal.post(f"{relation_url(relation)}/restore").status_code == 200
    back = wait_for(portal, account, status="invited")
    assert back["reason"] is None and back["version"] == blocked["version"] + 1


def test_restore_leaves_blocks_that_staff_made(portal, product):
    for_good = new_relation(portal, product, "staff@example.org")
    reblocked = new_relation(portal, product, "again@example.org", last_name="Opnieuw")
    kept = account_of(portal, for_good)
    changed = account_of(portal, reblocked)
    portal.post(f"{URL}/{kept['id']}/block", json={})
    for relation in (for_good, reblocked):
        assert portal.post(f"{relation_url(relation)}/archive",
                           json={"reason": "left"}).status_code == 200
    wait_for(portal, changed, status="blocked", reason="relation archived")
    # Staff's block for good stays staff's: the archive leaves it as it is.
    assert state(portal, kept)["reason"] is None
    portal.post(f"{URL}/{changed['id']}/unblock")
    portal.post(f"{URL}/{changed['id']}/block", json={})
    for relation in (for_good, reblocked):
        assert portal.post(f"{relation_url(relation)}/restore").status_code == 200
    wait_until(lambda: min(_version(product, r) for r in (for_good, reblocked)) > 2,
               message="the restores to arrive")
    assert state(portal, kept)["status"] == "blocked"
    assert state(portal, changed)["status"] == "blocked"


def _version(product, relation):
    from services.accounts.portal.reaction_models import LifecycleReaction

    with runtime_of(product).unit_of_work() as uow:
        reaction = uow.session.get(LifecycleReaction, relation["id"])
        return reaction.version if reaction else 0


def test_deleting_a_relation_deletes_its_account_and_frees_the_address(portal, product,
                                                                       as_superuser):
    relation = new_relation(portal, product, "vrij@example.org")
    account = account_of(portal, relation)
    assert as_superuser("relations").delete(relation_url(relation)).status_code == 204
    gone = wait_for(portal, account, status="deleted")
    assert gone["reason"] == "relation deleted"
    successor = new_relation(portal, product, "VRIJ@example.org", last_name="Opvolger")
    assert account_of(portal, successor)["email"] == "vrij@example.org"


def merge(client, keep, *others):
    response = client.post("/api/relations/merges", json={
        "keep": keep["id"], "others": [o["id"] for o in others]})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["merge"]["id"]


def undo(client, merge_id):
    response = client.post(f"/api/relations/merges/{merge_id}/undo")
    assert response.status_code == 200, response.get_json()


def test_a_merged_relations_account_moves_to_the_keeper_and_back(portal, product):
    keeper = new_relation(portal, product, "houder@example.org", last_name="Houder")
    merged = new_relation(portal, product, "weg@example.org", last_name="Weg")
    account = account_of(portal, merged)
    merge_id = merge(portal, keeper, merged)
    moved = wait_for(portal, account, relation_id=keeper["id"])
    assert moved["status"] == "invited" and moved["email"] == "weg@example.org"
    left = events(product, "accounts.portal_accounts.changed")[-2]["account"]
    assert (left["relation_id"], left["status"], left["moved_to"]) == (
        merged["id"], "deleted", keeper["id"])
    assert left["version"] == moved["version"]

    undo(portal, merge_id)
    back = wait_for(portal, account, relation_id=merged["id"])
    assert back["status"] == "invited" and back["version"] > moved["version"]
    left = events(product, "accounts.portal_accounts.changed")[-2]["account"]
    assert (left["relation_id"], left["moved_to"]) == (keeper["id"], merged["id"])


def test_when_both_have_an_account_the_other_is_blocked_and_reported(portal, product):
    keeper = new_relation(portal, product, "houder@example.org", last_name="Houder")
    merged = new_relation(portal, product, "weg@example.org", last_name="Weg")
    kept, other = account_of(portal, keeper), account_of(portal, merged)
    until = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    staff_block = portal.post(f"{URL}/{other['id']}/block", json={"until": until}).get_json()
    merge_id = merge(portal, keeper, merged)
    disabled = wait_for(portal, other, reason=f"merged into {keeper['id']}")
    assert (disabled["status"], disabled["blocked_until"]) == ("blocked", None)
    assert disabled["relation_id"] == merged["id"]
    assert state(portal, kept)["status"] == "invited"
    (conflict,) = events(product, "accounts.portal_accounts.merge_conflict")
    assert (conflict["merge_id"], conflict["keep"], conflict["keeper_account_id"],
            conflict["account"]["id"]) == (merge_id, keeper["id"], kept["id"], other["id"])

    undo(portal, merge_id)
    back = wait_for(portal, other, reason=None)
    # As before the merge: staff's block until its date.
    assert (back["status"], back["blocked_until"]) == ("blocked", staff_block["blocked_until"])
    assert state(portal, kept)["status"] == "invited"


@pytest.fixture
def send(product):
    accounts = runtime_of(product)
    return lambda event, payload: accounts.dispatch(event.envelope(payload, source="relations"))


def as_event(relation, version, status):
    return {**relation, "version": version, "status": status}


def test_late_and_repeated_events_change_nothing(portal, product, send):
    relation = new_relation(portal, product)
    account = account_of(portal, relation)
    v = relation["version"]
    send(RelationsRestored, {"entries": [{"relation": as_event(relation, v + 2, "active")}]})
    send(RelationsArchived, {"entries": [{"relation": as_event(relation, v + 1, "archived")}],
                             "reason": "late"})
    assert state(portal, account)["status"] == "invited"

    archived = {"entries": [{"relation": as_event(relation, v + 3, "archived")}],
                "reason": "left"}
    send(RelationsArchived, archived)
    blocked = state(portal, account)
    send(RelationsArchived, archived)  # a new envelope, the same archive
    assert state(portal, account) == blocked and blocked["status"] == "blocked"

    keeper = new_relation(portal, product, "k@example.org", last_name="Keeper")
    keep_state = as_event(keeper, keeper["version"] + 1, "active")
    send(MergeUndone, {"merge_id": "m-late", "keep": keep_state,
                       "restored": [as_event(relation, v + 5, "archived")]})
    send(RelationsMerged, {"merge_id": "m-late", "keep": keep_state,
                           "merged": [relation["id"]]})
    assert state(portal, account) == blocked
    assert events(product, "accounts.portal_accounts.merge_conflict") == []


def test_archiving_ends_the_portal_sessions_of_the_blocked_account(portal, api, product,
                                                                   settings):
    relation = new_relation(portal, product, "sessie@example.org")
    account = account_of(portal, relation)
    deliver(product)
    (welcome,) = [email.message_from_bytes(path.read_bytes())
                  for path in (settings.var_dir / "mail").glob("*.eml")]
    password = "a long enough secret"
    assert portal.post("/api/accounts/activate", json={
        "token": link_token(welcome, "/activate"), "password": password}).status_code == 204
    member = bearer_client(product.gateway, api.post("/api/accounts/login", json={
        "email": "sessie@example.org", "password": password, "kind": "portal"}
        ).get_json()["token"])
    assert member.get(URL).status_code == 403  # signed in, but not staff
    impacts = f"{relation_url(relation)}/archive-impacts"
    wait_until(lambda: portal.get(impacts).get_json()["impacts"],
               message="relations to hear of the active account")
    archived = portal.post(f"{relation_url(relation)}/archive",
                           json={"reason": "left", "confirm": ["block_portal_accounts"]})
    assert archived.status_code == 200, archived.get_json()
    wait_for(portal, account, status="blocked", reason="relation archived")
    assert member.get(URL).status_code == 401  # the session ended with the block
    assert portal.post(f"{relation_url(relation)}/restore").status_code == 200
    wait_for(portal, account, status="active")
    login = api.post("/api/accounts/login", json={
        "email": "sessie@example.org", "password": password, "kind": "portal"})
    assert login.status_code == 200
