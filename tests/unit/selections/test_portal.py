"""The portal's own view of groups: what a portal account's relation is in and may join, joining
and leaving changeable static groups only, and nobody but that account acting for it."""

import pytest

from shared.auth import Principal
from tests.unit.selections.conftest import SUPERUSER

GROUPS = "/api/selections/groups"
MINE = "/api/portal/me/groups"


@pytest.fixture
def portal(selections, monkeypatch):
    """Switch who the gateway says is calling: a test-only identity in place of asking the
    accounts service (not part of this harness) what a token stands for."""
    authenticator = selections.api.application.authenticator

    def acting_as(principal: Principal | None) -> None:
        """`principal` from now on; None: the harness's own superuser again."""
        monkeypatch.setattr(authenticator, "identify",
                            lambda environ: (principal or SUPERUSER, False))

    return acting_as


def account(relation):
    return Principal(kind="portal", id=f"account-of-{relation['id'][:8]}",
                     relation_id=relation["id"])


def group(selections, name, kind="static", visible=True, changeable=True, **extra):
    created = selections.api.post(GROUPS, json={
        "name": name, "kind": kind, "visible_on_portal": visible,
        "changeable_on_portal": changeable, **extra})
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def add(selections, group_id, *relations):
    response = selections.api.post(f"{GROUPS}/{group_id}/members",
                                   json={"relation_ids": [r["id"] for r in relations]})
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def club(selections):
    """Anna (Utrecht) and Bert (Zeist), and groups of every kind and portal setting."""
    anna = selections.add(last_name="Berg", address={"city": "Utrecht"})
    bert = selections.add(last_name="Smit", address={"city": "Zeist"})
    in_city = lambda city: {"field": "city", "op": "eq", "value": city}  # noqa: E731
    groups = {
        "koor": group(selections, "Koor"),
        "bestuur": group(selections, "Bestuur", changeable=False),
        "geheim": group(selections, "Geheim", visible=False, changeable=False),
        "open": group(selections, "Open"),
        "utrecht": group(selections, "Utrecht", kind="dynamic", changeable=False,
                         filter=in_city("Utrecht")),
        "zeist": group(selections, "Zeist", kind="dynamic", changeable=False,
                       filter=in_city("Zeist")),
    }
    for name in ("koor", "bestuur", "geheim"):
        add(selections, groups[name]["id"], anna)
    add(selections, groups["open"]["id"], bert)
    return anna, bert, groups


def names(entries):
    return [(entry["name"], entry["changeable"]) for entry in entries]


def test_member_of_and_may_join_follow_visibility_kind_and_changeability(selections, portal,
                                                                         club):
    anna, bert, _ = club
    portal(account(anna))
    mine = selections.api.get(MINE)
    assert mine.status_code == 200, mine.get_json()
    body = mine.get_json()
    # Invisible groups never show; dynamic ones show by their materialised membership.
    assert names(body["member_of"]) == [("Bestuur", False), ("Koor", True),
                                        ("Utrecht", False)]
    assert all(entry["since"] for entry in body["member_of"])
    assert names(body["may_join"]) == [("Open", True)]
    portal(account(bert))
    body = selections.api.get(MINE).get_json()
    assert names(body["member_of"]) == [("Open", True), ("Zeist", False)]
    assert names(body["may_join"]) == [("Koor", True)]


def test_the_answer_has_an_etag_and_an_unchanged_one_is_a_304(selections, portal, club):
    anna, _, groups = club
    portal(account(anna))
    first = selections.api.get(MINE)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = selections.api.get(MINE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert selections.api.put(f"{MINE}/{groups['open']['id']}").status_code == 200
    changed = selections.api.get(MINE, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_join_and_leave_a_changeable_static_group(selections, portal, club):
    anna, _, groups = club
    portal(account(anna))
    url = f"{MINE}/{groups['open']['id']}"
    joined = selections.api.put(url)
    assert joined.status_code == 200, joined.get_json()
    assert joined.get_json() == {"group_id": groups["open"]["id"], "member": True,
                                 "outcome": "added"}
    assert selections.api.put(url).get_json()["outcome"] == "already_member"
    body = selections.api.get(MINE).get_json()
    assert ("Open", True) in names(body["member_of"]) and body["may_join"] == []
    left = selections.api.delete(url)
    assert left.get_json() == {"group_id": groups["open"]["id"], "member": False,
                               "outcome": "removed"}
    assert selections.api.delete(url).get_json()["outcome"] == "not_member"
    portal(None)  # staff's view of the group
    history = selections.api.get(f"{GROUPS}/{groups['open']['id']}/history",
                                 query_string={"relation_id": anna["id"]}).get_json()["items"]
    assert {entry["via"] for entry in history} == {"portal"}
    assert {entry["actor"] for entry in history} == {f"portal:{account(anna).id}"}
    assert len(history) == 2


@pytest.mark.parametrize(("name", "status"), [
    ("bestuur", 403),   # visible, not changeable
    ("utrecht", 403),   # visible, dynamic
    ("geheim", 404),    # invisible: as if it did not exist
])
def test_other_groups_refuse_joining_and_leaving(selections, portal, club, name, status):
    anna, _, groups = club
    portal(account(anna))
    for method in (selections.api.put, selections.api.delete):
        response = method(f"{MINE}/{groups[name]['id']}")
        assert response.status_code == status, (name, method)
        assert response.content_type == "application/problem+json"
    assert selections.api.put(f"{MINE}/no-such-group").status_code == 404
    portal(None)  # staff's view of the group
    members = selections.api.get(f"{GROUPS}/{groups[name]['id']}/members").get_json()
    assert anna["id"] in [item["id"] for item in members["items"]]  # left nothing


@pytest.mark.parametrize("principal, status", [
    (Principal.anonymous(), 401),
    (None, 403),  # the harness's superuser: staff have no portal view, whatever they may
    (Principal(kind="staff", id="root", roles=("superuser",)), 403),
    (Principal(kind="api_client", id="crm"), 403),
    (Principal(kind="portal", id="no-relation"), 403),
])
def test_only_a_portal_account_with_a_relation_has_a_portal_view(selections, portal, club,
                                                                 principal, status):
    _, _, groups = club
    portal(principal)
    for response in (selections.api.get(MINE), selections.api.put(f"{MINE}/{groups['open']['id']}"),
                     selections.api.delete(f"{MINE}/{groups['koor']['id']}")):
        assert response.status_code == status
        assert response.content_type == "application/problem+json"


def test_an_account_acts_on_its_own_relation_only(selections, portal, club):
    anna, bert, groups = club
    url = f"{MINE}/{groups['open']['id']}"
    portal(account(anna))
    assert selections.api.put(url).get_json()["outcome"] == "added"
    assert selections.api.delete(url).get_json()["outcome"] == "removed"
    # Bert, in Open all along, is still in it; Anna's account never reached his membership.
    portal(account(bert))
    assert ("Open", True) in names(selections.api.get(MINE).get_json()["member_of"])
    assert selections.api.delete(url).get_json()["outcome"] == "removed"
    portal(account(anna))
    assert names(selections.api.get(MINE).get_json()["may_join"]) == [("Open", True)]


def test_an_account_whose_relation_is_not_known_here_joins_nothing(selections, portal, club):
    _, _, groups = club
    portal(Principal(kind="portal", id="newcomer", relation_id="not-absorbed-yet"))
    body = selections.api.get(MINE).get_json()
    assert body["member_of"] == [] and names(body["may_join"]) == [("Koor", True),
                                                                   ("Open", True)]
    refused = selections.api.put(f"{MINE}/{groups['open']['id']}")
    assert refused.status_code == 409
    assert refused.get_json()["relation_id"] == "not-absorbed-yet"
