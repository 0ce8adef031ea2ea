"""A real portal account through the gateway in both modes (issue 4, point 7): invited by e-mail
(delivered to the product's mailbox folder when no SMTP server is set), activated, logged in as
kind "portal"; it sees the visible groups it is in, joins and leaves a changeable static group,
and is refused everywhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.relations_support import body, delete, person, problem, put
from tests.e2e.running import Gateway, unique
from tests.e2e.security_portal import Mailbox, activated_portal, ready_for_portal
from tests.e2e.selections_support import GROUPS, add_known, group, history, members_become

ME = "/api/portal/me/groups"


def portal_account(stack: Gateway, base_temp: Path, relation: dict[str, Any]) -> Gateway:
    """An active portal account for `relation`, logged in: a client of the portal. Each product
    here has no SMTP server, so its accounts service writes .eml files into <its var dir>/mail
    (the embedded process's var dir, or the stack's)."""
    made = activated_portal(stack, Mailbox(base_temp, "*/mail/*.eml"), ready_for_portal(stack),
                            relation)
    assert made["account"]["status"] == "invited"
    portal = made["client"]
    assert (portal.principal["kind"], portal.principal["relation_id"]) == (
        "portal", relation["id"])
    return portal


def mine(portal: Gateway, ours: set[str]) -> dict[str, dict[str, bool]]:
    """The portal's view of our groups only (other tests' groups may be visible too)."""
    view = body(portal.get(ME))
    return {part: {g["id"]: g["changeable"] for g in view[part] if g["id"] in ours}
            for part in ("member_of", "may_join")}


@pytest.fixture
def member(stack: Gateway, tmp_path_factory) -> dict[str, Any]:
    town = unique("Portaalstad-")
    relation = person(stack, first_name="Petra", address={"city": town}, emails=[{
        "address": f"{unique('petra.')}@example.org", "label": "home", "primary": True}])
    return {"relation": relation, "town": town,
            "portal": portal_account(stack, tmp_path_factory.getbasetemp(), relation)}


def test_a_portal_account_sees_and_changes_only_its_own_groups(stack: Gateway,
                                                               member: dict[str, Any]):
    relation, portal = member["relation"], member["portal"]
    rid = relation["id"]
    joinable = group(stack, "static", visible_on_portal=True, changeable_on_portal=True)
    fixed = group(stack, "static", visible_on_portal=True)
    hidden = group(stack, "static")
    following = group(stack, "dynamic", visible_on_portal=True, filter={
        "field": "city", "op": "eq", "value": member["town"]})
    members_become(stack, following["id"], {rid}, "the dynamic group")
    add_known(stack, fixed["id"], [rid])
    add_known(stack, hidden["id"], [rid])
    ours = {joinable["id"], fixed["id"], hidden["id"], following["id"]}

    assert mine(portal, ours) == {"member_of": {fixed["id"]: False, following["id"]: False},
                                  "may_join": {joinable["id"]: True}}
    joined = body(put(portal, f"{ME}/{joinable['id']}"))
    assert (joined["member"], joined["outcome"]) == (True, "added")
    assert mine(portal, ours)["member_of"] == {
        fixed["id"]: False, following["id"]: False, joinable["id"]: True}
    latest = history(stack, joinable["id"], relation_id=rid)[0]
    assert (latest["change"], latest["via"], latest["actor"]) == (
        "joined", "portal", f"portal:{portal.principal['id']}")
    left = body(delete(portal, f"{ME}/{joinable['id']}"))
    assert (left["member"], left["outcome"]) == (False, "removed")
    assert mine(portal, ours)["may_join"] == {joinable["id"]: True}

    problem(put(portal, f"{ME}/{fixed['id']}"), 403)  # visible, not changeable
    problem(delete(portal, f"{ME}/{following['id']}"), 403)  # visible, dynamic
    problem(put(portal, f"{ME}/{hidden['id']}"), 404)  # invisible: not even its existence
    problem(put(portal, f"{ME}/{unique('no-such-group-')}"), 404)
    problem(portal.get(GROUPS), 403)  # staff routes are not the portal's
    problem(portal.get(f"{GROUPS}/{joinable['id']}/members"), 403)
    problem(portal.post(f"{GROUPS}/{joinable['id']}/members", json={"relation_ids": [rid]}),
            403)
    problem(stack.get(ME), 403)  # a staff user has no portal view
    problem(stack.anonymous().get(ME), 401)
