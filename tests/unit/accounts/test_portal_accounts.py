"""Portal accounts of relations: created with a welcome e-mail, one live account per relation
and per address, blocked (until a date), unblocked, deleted; relations' addresses followed."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.accounts.portal.accounts import lift_expired_blocks
from services.accounts.portal.contacts import contact_of
from services.accounts.portal.login import authenticate_portal
from services.accounts.portal.models import PortalAccount
from services.relations.messages import (
    MergeUndone,
    RelationCreated,
    RelationsBatchUpdated,
    RelationsDeleted,
    RelationsMerged,
    RelationUpdated,
)
from shared.errors import Forbidden, Unauthenticated
from shared.testing import wait_until
from tests.support.portal import (
    contact_status,
    deliver,
    link_token,
    new_relation,
    runtime_of,
)

URL = "/api/accounts/accounts"


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{smtp.port}")


def create(client, relation, **extra):
    return client.post(URL, json={"relation_id": relation["id"], "account_type": "member",
                                  **extra})


def activated(portal, product, smtp, relation, password="a long enough secret"):
    account = create(portal, relation).get_json()
    deliver(product)
    token = link_token(smtp.to(account["email"])[-1], "/activate")
    assert portal.post("/api/accounts/activate",
                       json={"token": token, "password": password}).status_code == 204
    return account


def test_an_account_is_invited_by_e_mail_and_announced(portal, product, smtp):
    relation = new_relation(portal, product, "Piet.Jansen@Example.org")
    created = create(portal, relation, language="en")
    assert created.status_code == 201
    account = created.get_json()
    assert (account["status"], account["email"], account["language"]) == (
        "invited", "piet.jansen@example.org", "en")
    assert portal.get(f"{URL}/{account['id']}").get_json() == account
    deliver(product)
    (welcome,) = smtp.to("piet.jansen@example.org")
    assert welcome["Subject"].startswith("Welcome to Vereniging Test")
    link_token(welcome, "/activate")
    # Relations hears of the account: once active, archiving reports it will be blocked.
    activate = portal.post("/api/accounts/activate", json={
        "token": link_token(welcome, "/activate"), "password": "a long enough secret"})
    assert activate.status_code == 204
    impacts = f"/api/relations/relations/{relation['id']}/archive-impacts"
    wait_until(lambda: [i["key"] for i in portal.get(impacts).get_json()["impacts"]]
               == ["block_portal_accounts"], message="relations to hear of the account")


def test_a_bad_request_names_the_field(portal, product):
    with_address = new_relation(portal, product, "a@example.org")
    without = new_relation(portal, product, None, last_name="Zonder")
    cases = (
        ({"relation_id": "nobody", "account_type": "member"}, "relation_id"),
        ({"relation_id": without["id"], "account_type": "member"}, "relation_id"),
        ({"relation_id": with_address["id"], "account_type": "ghost"}, "account_type"),
        ({"relation_id": with_address["id"], "account_type": "member", "language": "fr"},
         "language"),
        ({"relation_id": with_address["id"], "account_type": "member", "pin": 1}, "pin"),
        ({"account_type": "member"}, "relation_id"),
    )
    for body, field in cases:
        response = portal.post(URL, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"], body
    no_address = portal.post(URL, json=cases[1][0]).get_json()
    assert no_address["errors"]["relation_id"] == ["the relation has no e-mail address"]
    assert portal.get(f"{URL}?limit=10").get_json()["items"] == []


def test_one_live_account_per_relation_and_per_address(portal, product):
    first = new_relation(portal, product, "gedeeld@example.org")
    same_address = new_relation(portal, product, "GEDEELD@example.org", last_name="Ander")
    account = create(portal, first).get_json()
    again = create(portal, first)
    assert again.status_code == 409 and again.get_json()["account_id"] == account["id"]
    taken = create(portal, same_address)
    assert taken.status_code == 409 and "e-mail address" in taken.get_json()["detail"]

    assert portal.delete(f"{URL}/{account['id']}").status_code == 204
    assert portal.get(f"{URL}/{account['id']}").get_json()["status"] == "deleted"
    assert portal.delete(f"{URL}/{account['id']}").status_code == 204
    refused = portal.post(f"{URL}/{account['id']}/block", json={})
    assert refused.status_code == 409
    other = create(portal, same_address)
    assert other.status_code == 201  # the address is free again
    # A later account of the same relation counts its version on from the deleted one's.
    assert create(portal, first).status_code == 409  # `other` holds the address now
    assert portal.delete(f"{URL}/{other.get_json()['id']}").status_code == 204
    renewed = create(portal, first).get_json()
    assert renewed["version"] > portal.get(f"{URL}/{account['id']}").get_json()["version"]


def test_nothing_is_created_before_the_sender_is_configured(admin, product):
    assert admin.get("/api/accounts/sender").get_json()["configured"] is False
    admin.post("/api/accounts/account-types", json={"key": "member", "label": "Member"})
    relation = new_relation(admin, product)
    refused = create(admin, relation)
    assert refused.status_code == 409 and "sender" in refused.get_json()["detail"]
    bad = admin.put("/api/accounts/sender", json={"name": "X", "address": "not an address",
                                                  "portal_url": "ftp://x"})
    assert bad.status_code == 422 and {"address", "portal_url"} <= set(bad.get_json()["errors"])
    assert admin.get(f"{URL}?limit=5").get_json()["items"] == []


def test_block_until_a_date_unblock_and_login(portal, product, smtp):
    relation = new_relation(portal, product, "blok@example.org")
    account = activated(portal, product, smtp, relation)
    accounts = runtime_of(product)
    url = f"{URL}/{account['id']}"
    past = portal.post(f"{url}/block", json={"until": "2020-01-01T00:00:00+00:00"})
    assert past.status_code == 422 and "until" in past.get_json()["errors"]
    naive = portal.post(f"{url}/block", json={"until": "2099-01-01T00:00:00"})
    assert naive.status_code == 422 and "until" in naive.get_json()["errors"]

    until = datetime.now(UTC) + timedelta(days=2)
    blocked = portal.post(f"{url}/block", json={"until": until.isoformat()}).get_json()
    assert blocked["status"] == "blocked" and blocked["blocked_until"]
    with pytest.raises(Unauthenticated):  # a wrong password learns nothing of the block
        authenticate_portal(accounts.unit_of_work(), "blok@example.org", "wrong password!")
    with pytest.raises(Forbidden) as refused:
        authenticate_portal(accounts.unit_of_work(), "blok@example.org", "a long enough secret")
    assert refused.value.detail.startswith("account blocked") and refused.value.extra["until"]

    assert lift_expired_blocks(accounts.unit_of_work()) == 0
    assert lift_expired_blocks(accounts.unit_of_work(), at=until + timedelta(seconds=1)) == 1
    assert portal.get(url).get_json()["status"] == "active"

    assert portal.post(f"{url}/block", json={}).get_json()["blocked_until"] is None
    unblocked = portal.post(f"{url}/unblock").get_json()
    assert unblocked["status"] == "active" and unblocked["version"] > blocked["version"]
    fields = authenticate_portal(accounts.unit_of_work(), "BLOK@example.org",
                                 "a long enough secret")
    assert fields == {"id": account["id"], "relation_id": relation["id"], "name": "Piet Jansen"}


def test_unblocking_an_account_never_activated_leaves_it_invited(portal, product):
    account = create(portal, new_relation(portal, product)).get_json()
    url = f"{URL}/{account['id']}"
    assert portal.post(f"{url}/block", json={}).get_json()["status"] == "blocked"
    assert portal.post(f"{url}/send-reset").status_code == 409
    assert portal.post(f"{url}/unblock").get_json()["status"] == "invited"


def test_accounts_page_and_filter(portal, product):
    ids = [create(portal, new_relation(portal, product, f"p{n}@example.org",
                                       last_name=f"P{n}")).get_json()["id"] for n in range(3)]
    first = portal.get(f"{URL}?limit=2").get_json()
    second = portal.get(f"{URL}?limit=2&cursor={first['next_cursor']}").get_json()
    assert [a["id"] for a in first["items"] + second["items"]] == sorted(ids)
    assert second["next_cursor"] is None
    by_email = portal.get(f"{URL}?email=P1@Example.org").get_json()["items"]
    assert [a["email"] for a in by_email] == ["p1@example.org"]
    assert portal.get(f"{URL}?status=active").get_json()["items"] == []
    assert "cursor" in portal.get(f"{URL}?cursor=nonsense").get_json()["errors"]
    assert portal.get(f"{URL}/nobody").status_code == 404


def test_contacts_follow_address_changes_archive_and_merges(portal, product):
    relation = new_relation(portal, product, "oud@example.org")
    url = f"/api/relations/relations/{relation['id']}"
    changed = portal.patch(url, json={"emails": [{"address": "Nieuw@example.org"}]},
                           headers={"If-Match": f'"{relation["id"]}.{relation["version"]}"'})
    assert changed.status_code == 200, changed.get_json()
    other = new_relation(portal, product, "ander@example.org", last_name="Ander")
    merged = portal.post("/api/relations/merges", json={"keep": other["id"],
                                                        "others": [relation["id"]]})
    assert merged.status_code in (200, 201), merged.get_json()
    wait_until(lambda: contact_status(product, relation["id"]) == "merged",
               message="the merged relation to be gone")
    gone = create(portal, relation)
    assert gone.status_code == 422 and "relation_id" in gone.get_json()["errors"]
    undone = portal.post(f"/api/relations/merges/{merged.get_json()['merge']['id']}/undo")
    assert undone.status_code == 200, undone.get_json()
    wait_until(lambda: contact_status(product, relation["id"]) == "active",
               message="the relation to be back")
    back = create(portal, relation)
    assert back.status_code == 201 and back.get_json()["email"] == "nieuw@example.org"
    archived = portal.post(f"/api/relations/relations/{other['id']}/archive",
                           json={"reason": "left"})
    assert archived.status_code == 200, archived.get_json()
    wait_until(lambda: contact_status(product, other["id"]) == "archived",
               message="the archive to arrive")
    refused = create(portal, other).get_json()
    assert refused["errors"]["relation_id"] == ["the relation is archived"]


def test_managing_accounts_needs_the_accounts_permissions(portal, anonymous_api, staff_api,
                                                          product):
    relation = new_relation(portal, product)
    body = {"relation_id": relation["id"], "account_type": "member"}
    assert anonymous_api.post(URL, json=body).status_code == 401
    viewer = staff_api("viewer")
    assert viewer.get(URL).status_code == 200  # accounts:read
    refused = viewer.post(URL, json=body)
    assert refused.status_code == 403 and refused.get_json()["permission"] == "accounts:manage"
    assert viewer.put("/api/accounts/sender", json={
        "name": "X", "address": "x@example.org", "portal_url": "https://x"}).status_code == 403
    assert portal.get(f"{URL}?limit=5").get_json()["items"] == []


def relation_state(relation_id, version, address="x@example.org", status="active"):
    return {"id": relation_id, "type": "person", "first_name": "An", "last_name": "Smit",
            "emails": [{"address": address, "label": None, "primary": True}], "phones": [],
            "address": None, "status": status, "fields": {}, "tags": [], "version": version,
            "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00"}


def test_contacts_keep_the_newest_state_and_tombstones_whatever_the_order(product):
    accounts = runtime_of(product)

    def send(event, payload):
        accounts.dispatch(event.envelope(payload, source="relations"))

    def contact(relation_id):
        with accounts.unit_of_work() as uow:
            row = contact_of(uow.session, relation_id)
            return row.status, row.email, row.version

    send(RelationUpdated, {"relation": relation_state("r1", 3, "New@example.org"), "changes": {}})
    send(RelationCreated, {"relation": relation_state("r1", 1, "old@example.org")})
    assert contact("r1") == ("active", "new@example.org", 3)
    send(RelationsDeleted, {"relation_ids": ["r1"]})
    send(RelationUpdated, {"relation": relation_state("r1", 9), "changes": {}})
    assert contact("r1") == ("deleted", None, 3)

    # A merge undone before its own event arrives: the late merge buries nothing.
    send(MergeUndone, {"merge_id": "m1", "keep": relation_state("k", 3),
                       "restored": [relation_state("r2", 4, "r2@example.org")]})
    send(RelationsMerged, {"merge_id": "m1", "keep": relation_state("k", 2), "merged": ["r2"]})
    assert contact("r2") == ("active", "r2@example.org", 4)
    # In order: merged away, then back with its restored state.
    send(RelationsMerged, {"merge_id": "m2", "keep": relation_state("k", 5), "merged": ["r2"]})
    assert contact("r2") == ("merged", None, 4)
    send(RelationUpdated, {"relation": relation_state("r2", 8), "changes": {}})
    assert contact("r2")[0] == "merged"
    send(MergeUndone, {"merge_id": "m2", "keep": relation_state("k", 6),
                       "restored": [relation_state("r2", 5, "r2@example.org")]})
    assert contact("r2") == ("active", "r2@example.org", 5)


def test_login_lifts_a_block_whose_date_has_passed(portal, api, product, smtp):
    account = activated(portal, product, smtp, new_relation(portal, product, "later@example.org"))
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    portal.post(f"{URL}/{account['id']}/block", json={"until": until})
    login = {"email": "later@example.org", "password": "a long enough secret", "kind": "portal"}
    refused = api.post("/api/accounts/login", json=login)
    assert refused.status_code == 403 and refused.get_json()["until"]
    with runtime_of(product).unit_of_work() as uow:
        uow.session.execute(update(PortalAccount).values(
            blocked_until=datetime.now(UTC) - timedelta(seconds=1)))
        uow.commit()
    assert api.post("/api/accounts/login", json=login).status_code == 200
    assert portal.get(f"{URL}/{account['id']}").get_json()["status"] == "active"


def test_a_bulk_change_of_custom_fields_leaves_contacts_alone(product):
    accounts = runtime_of(product)

    def contact(relation_id):
        with accounts.unit_of_work() as uow:
            row = contact_of(uow.session, relation_id)
            return row.email, row.version

    accounts.dispatch(RelationCreated.envelope(
        {"relation": relation_state("c1", 1, "first@example.org")}, source="relations"))
    accounts.dispatch(RelationsBatchUpdated.envelope({"entries": [
        {"relation": relation_state("c1", 2, "first@example.org"),
         "changes": {"fields.newsletter": [None, True]}},
        {"relation": relation_state("c2", 2, "second@example.org"),
         "changes": {"tags": [[], ["donor"]]}},
    ], "job": "job-1"}, source="relations"))
    # Nothing written for them: the contact keeps the version it was stored with.
    assert contact("c1") == ("first@example.org", 1)
    with accounts.unit_of_work() as uow:
        assert contact_of(uow.session, "c2") is None
    # A change of address in a batch is taken.
    accounts.dispatch(RelationsBatchUpdated.envelope({"entries": [
        {"relation": relation_state("c1", 3, "moved@example.org"),
         "changes": {"emails": [["first@example.org"], ["moved@example.org"]]}},
    ], "job": "job-1"}, source="relations"))
    assert contact("c1") == ("moved@example.org", 3)
