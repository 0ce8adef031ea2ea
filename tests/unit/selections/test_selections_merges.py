"""Selections follow merged and deleted relations: memberships and hand edits move to the
keeper (unless it has its own), move back when the merge is undone, and go with a deletion."""

from services.relations.messages import MergeUndone, RelationsDeleted, RelationsMerged
from tests.unit.selections.test_selections import (
    SELECTIONS,
    city,
    create,
    member_ids,
    members,
    refresh,
)


def merge(selections, keep, others, merge_id="m1"):
    keep = {**keep, "version": keep["version"] + 1}
    selections.absorb(RelationsMerged, {"merge_id": merge_id, "keep": keep,
                                        "merged": [other["id"] for other in others]})
    return keep


def undo(selections, keep, others, merge_id="m1"):
    selections.absorb(MergeUndone, {
        "merge_id": merge_id, "keep": {**keep, "version": keep["version"] + 1},
        "restored": [{**other, "version": other["version"] + 1} for other in others]})


def edits(selections, selection_id):
    items = selections.api.get(f"{SELECTIONS}/{selection_id}/edits").get_json()["items"]
    return {(item["relation_id"], item["included"]) for item in items}


def hand(selections, selection_id, relation, action=""):
    path = f"{SELECTIONS}/{selection_id}/members{action}"
    response = selections.api.post(path, json={"relation_ids": [relation["id"]]})
    assert response.status_code == 200, response.get_json()


def test_a_merged_relation_hands_its_memberships_to_the_keeper_and_takes_them_back(selections):
    keep = selections.add(address={"city": "Gouda"})
    other = selections.add(address={"city": "Delft"})
    delft = create(selections, name="Delft", source={"filter": city("Delft")})
    both = create(selections, name="Beide", source={"filter": {"or": [city("Delft"),
                                                                       city("Gouda")]}})
    merged_keep = merge(selections, keep, [other])
    assert member_ids(selections, delft["id"]) == {keep["id"]}
    (item,) = members(selections, delft["id"])["items"]
    assert item["membership"]["via"] == "merge"
    assert member_ids(selections, both["id"]) == {keep["id"]}  # it was one already
    undo(selections, merged_keep, [other])
    assert member_ids(selections, delft["id"]) == {other["id"]}
    (item,) = members(selections, delft["id"])["items"]
    assert item["membership"]["via"] == "refresh"
    assert member_ids(selections, both["id"]) == {keep["id"], other["id"]}


def test_hand_edits_move_with_a_merge_and_back_with_its_undo(selections):
    keep = selections.add(address={"city": "Gouda"})
    added = selections.add(address={"city": "Leiden"})
    removed = selections.add(address={"city": "Delft"})
    selection = create(selections, source={"filter": city("Delft")})
    hand(selections, selection["id"], added)
    hand(selections, selection["id"], removed, "/remove")
    merged_keep = merge(selections, keep, [added, removed])
    # A hand-add wins over a hand-remove of another merged relation.
    assert edits(selections, selection["id"]) == {(keep["id"], True)}
    refresh(selections, selection["id"])
    assert member_ids(selections, selection["id"]) == {keep["id"]}
    undo(selections, merged_keep, [added, removed])
    assert edits(selections, selection["id"]) == {(added["id"], True), (removed["id"], False)}
    assert member_ids(selections, selection["id"]) == {added["id"]}


def test_the_keepers_own_edit_stays(selections):
    keep = selections.add(address={"city": "Delft"})
    other = selections.add(address={"city": "Gouda"})
    selection = create(selections, source={"filter": city("Delft")})
    hand(selections, selection["id"], keep, "/remove")
    hand(selections, selection["id"], other)
    merged_keep = merge(selections, keep, [other])
    assert edits(selections, selection["id"]) == {(keep["id"], False)}
    assert member_ids(selections, selection["id"]) == set()  # the keeper's own edit stands
    undo(selections, merged_keep, [other])
    assert edits(selections, selection["id"]) == {(keep["id"], False), (other["id"], True)}
    assert member_ids(selections, selection["id"]) == {other["id"]}


def test_a_merge_seen_twice_or_after_its_undo_moves_nothing(selections):
    keep = selections.add(address={"city": "Gouda"})
    other = selections.add(address={"city": "Delft"})
    selection = create(selections, source={"filter": city("Delft")})
    undo(selections, {**keep, "version": 2}, [other])
    merge(selections, keep, [other])
    assert member_ids(selections, selection["id"]) == {other["id"]}


def test_a_deleted_relation_leaves_every_selection_with_its_edits(selections):
    gone = selections.add(address={"city": "Delft"})
    stays = selections.add(address={"city": "Delft"})
    outsider = selections.add(address={"city": "Gouda"})
    first = create(selections, name="Een", source={"filter": city("Delft")})
    second = create(selections, name="Twee", source={"filter": city("Gouda")})
    hand(selections, second["id"], gone)
    selections.absorb(RelationsDeleted, {"relation_ids": [gone["id"]]})
    assert member_ids(selections, first["id"]) == {stays["id"]}
    assert member_ids(selections, second["id"]) == {outsider["id"]}
    assert edits(selections, second["id"]) == set()
    assert selections.api.get(f"{SELECTIONS}/{first['id']}").get_json()["member_count"] == 1
