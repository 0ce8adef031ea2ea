"""Portal account statuses come from the accounts service's events: the newest version per
relation wins, whichever service's event arrives first, and dynamic groups on account status
follow."""

from services.accounts.messages import PortalAccountChanged

GROUPS = "/api/selections/groups"


def account_event(selections, relation_id, status, version):
    selections.runtime.dispatch(PortalAccountChanged.envelope(
        {"account": {"relation_id": relation_id, "status": status, "version": version,
                     "account_type": "member", "blocked_until": None}}, source="accounts"))


def test_the_filter_sees_each_status_and_none_for_no_or_a_deleted_account(selections):
    invited, active, blocked, deleted, without = (selections.add(last_name=name)["id"] for name
                                                  in ("I", "A", "B", "D", "N"))
    for relation_id, status in ((invited, "invited"), (active, "active"), (blocked, "blocked"),
                                (deleted, "deleted")):
        account_event(selections, relation_id, status, 1)
    assert selections.ids({"account": "invited"}) == {invited}
    assert selections.ids({"account": "active"}) == {active}
    assert selections.ids({"account": "blocked"}) == {blocked}
    assert selections.ids({"account": "none"}) == {deleted, without}
    assert selections.ids({"not": {"account": "none"}}) == {invited, active, blocked}


def test_an_older_or_repeated_account_event_changes_nothing(selections):
    relation_id = selections.add(last_name="Laat")["id"]
    account_event(selections, relation_id, "blocked", 3)
    account_event(selections, relation_id, "active", 2)  # overtaken by version 3
    account_event(selections, relation_id, "active", 3)
    assert selections.ids({"account": "blocked"}) == {relation_id}


def test_an_account_event_before_the_relation_itself_is_kept(selections):
    state = selections.state(last_name="Vroeg")
    account_event(selections, state["id"], "active", 1)
    assert selections.ids({"account": "active"}) == set()  # no relation to find yet
    selections.add(**state)
    assert selections.ids({"account": "active"}) == {state["id"]}


def test_a_dynamic_group_on_account_status_follows_account_events(selections):
    relation_id = selections.add(last_name="Portaal")["id"]
    response = selections.api.post(GROUPS, json={
        "name": "Portal users", "kind": "dynamic", "filter": {"account": "active"}})
    assert response.status_code == 201, response.get_json()
    group = response.get_json()["id"]
    account_event(selections, relation_id, "active", 1)
    groups = selections.api.get(f"/api/selections/relations/{relation_id}/groups").get_json()
    assert [item["id"] for item in groups["items"]] == [group]
    account_event(selections, relation_id, "blocked", 2)
    groups = selections.api.get(f"/api/selections/relations/{relation_id}/groups").get_json()
    assert groups["items"] == []
