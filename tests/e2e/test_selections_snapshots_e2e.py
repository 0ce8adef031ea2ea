"""Selections (static snapshots) through the gateway in both modes (issue 4, point 4): a snapshot
of a saved list stays as taken while relations change, a refresh counts who joined and left,
and edits by hand survive it."""

from __future__ import annotations

from tests.e2e.relations_support import body, every_id, person
from tests.e2e.running import Gateway, unique
from tests.e2e.selections_support import absorbed, changed, settles

LISTS, SELECTIONS = "/api/selections/lists", "/api/selections/selections"


def list_members(stack: Gateway, list_id: str) -> set[str]:
    return set(every_id(stack, f"{LISTS}/{list_id}/members"))


def test_a_snapshot_stays_until_refreshed_and_keeps_hand_edits(stack: Gateway):
    town, elsewhere = unique("Momentstad-"), unique("Elders-")
    saved = body(stack.post(LISTS, json={"name": unique("E2E list "), "filter": {
        "field": "city", "op": "eq", "value": town}}), 201)
    anna, bert, cees = (person(stack, first_name=name, address={"city": town})
                        for name in ("Anna", "Bert", "Cees"))
    outsider = person(stack, first_name="Xander", address={"city": elsewhere})
    settles(lambda: list_members(stack, saved["id"]), {anna["id"], bert["id"], cees["id"]},
            "the list's members")
    absorbed(stack, elsewhere, 1)

    snapshot = body(stack.post(SELECTIONS, json={"name": unique("E2E selection "),
                                                 "source": {"list": saved["id"]}}), 201)
    url = f"{SELECTIONS}/{snapshot['id']}"
    assert snapshot["member_count"] == 3 and snapshot["refreshed_at"]
    added = body(stack.post(f"{url}/members", json={"relation_ids": [outsider["id"]]}))
    removed = body(stack.post(f"{url}/members/remove", json={"relation_ids": [bert["id"]]}))
    assert (added["outcomes"], removed["outcomes"]) == (
        {outsider["id"]: "added"}, {bert["id"]: "removed"})
    kept = {anna["id"], cees["id"], outsider["id"]}
    assert set(every_id(stack, f"{url}/members")) == kept

    changed(stack, cees, address={"city": elsewhere})
    dirk = person(stack, first_name="Dirk", address={"city": town})
    settles(lambda: list_members(stack, saved["id"]), {anna["id"], bert["id"], dirk["id"]},
            "the list after the changes")
    assert set(every_id(stack, f"{url}/members")) == kept  # a snapshot does not follow

    refresh = body(stack.post(f"{url}/refresh", json={}))
    assert (refresh["trigger"], refresh["joined"], refresh["left"], refresh["total"]) == (
        "manual", 1, 1, 3)
    assert refresh["actor"] == stack.label
    assert set(every_id(stack, f"{url}/members")) == {anna["id"], dirk["id"], outsider["id"]}
    history = body(stack.get(f"{url}/refreshes"))["items"]
    assert [(r["trigger"], r["joined"], r["left"], r["total"]) for r in history] == [
        ("manual", 1, 1, 3), ("created", 3, 0, 3)]
    edits = {e["relation_id"]: e["included"] for e in body(stack.get(f"{url}/edits"))["items"]}
    assert edits == {outsider["id"]: True, bert["id"]: False}

    fresh = body(stack.post(f"{url}/refresh", json={"keep_edits": False}))
    assert (fresh["joined"], fresh["left"], fresh["total"]) == (1, 1, 3)
    assert set(every_id(stack, f"{url}/members")) == {anna["id"], bert["id"], dirk["id"]}
    assert body(stack.get(f"{url}/edits"))["items"] == []
