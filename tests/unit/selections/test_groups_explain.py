"""Explain: why a relation is or is not in a group, node by node for a filter, sub-group by
sub-group for a composite, by its history for a static group; and when that was checked."""

from sqlalchemy import event

GROUPS = "/api/selections/groups"


def make(api, name, kind="dynamic", **fields):
    response = api.post(GROUPS, json={"name": name, "kind": kind, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def explain(api, group_id, relation_id, status=200):
    response = api.get(f"{GROUPS}/{group_id}/explain/{relation_id}")
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_dynamic_group_explains_each_node_of_its_filter(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"}, last_name="Berg")["id"]
    group = make(api, "Delft not Berg", filter={"and": [
        {"field": "city", "op": "eq", "value": "Delft"},
        {"not": {"field": "last_name", "op": "eq", "value": "Berg"}}]})
    answer = explain(api, group, anna)
    assert answer["member"] is False and answer["evaluated_at"] and answer["checked_at"] is None
    tree = answer["reason"]["filter"]
    assert (tree["path"], tree["held"]) == ("filter", False)
    city, negation = tree["and"]
    assert (city["path"], city["held"], city["value"]) == ("filter.and[0]", True, "Delft")
    assert (negation["path"], negation["held"]) == ("filter.and[1]", False)
    assert (negation["not"]["path"], negation["not"]["held"]) == ("filter.and[1].not", True)
    assert answer["reason"]["implicit"] == {
        "archived": False, "held": True,
        "note": "a filter that says nothing of archived finds active relations only"}
    bert = selections.add(address={"city": "Delft"}, last_name="Smit")["id"]
    answer = explain(api, group, bert)
    assert answer["member"] is True and answer["via"] == "filter" and answer["checked_at"]
    assert answer["reason"]["filter"]["held"] is True and answer["reason"]["matches_now"]


def test_a_filter_is_explained_in_one_query(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"})["id"]
    group = make(api, "Wide", filter={"or": [
        {"field": "city", "op": "eq", "value": "Delft"}, {"archived": True},
        {"not": {"field": "city", "op": "empty"}}]})
    statements = []
    engine = selections.runtime.database.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = explain(api, group, anna)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "implicit" not in answer["reason"]
    assert [node["held"] for node in answer["reason"]["filter"]["or"]] == [True, False, True]
    assert len([s for s in statements if "relation_view" in s and "node_0" in s]) == 1


def test_a_composite_group_explains_its_groups_in_turn(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"})["id"]
    koor = make(api, "Koor", "static")
    delft = make(api, "Delft", filter={"field": "city", "op": "eq", "value": "Delft"})
    inner = make(api, "Inner", "composite", combine="union", groups=[koor])
    outer = make(api, "Outer", "composite", combine="difference", groups=[delft, inner])
    api.post(f"{GROUPS}/{koor}/members", json={"relation_ids": [anna]})
    answer = explain(api, outer, anna)
    assert answer["member"] is False and answer["reason"]["combine"] == "difference"
    first, second = answer["reason"]["groups"]
    assert (first["group"]["name"], first["member"]) == ("Delft", True)
    assert first["reason"]["filter"]["held"] is True
    assert (second["group"]["name"], second["member"]) == ("Inner", True)
    static = second["reason"]["groups"][0]
    assert static["member"] is True and static["via"] == "manual"
    assert static["reason"]["history"]["change"] == "joined"


def test_a_static_group_explains_with_the_history_entry(selections):
    api = selections.api
    anna, bert = selections.add()["id"], selections.add()["id"]
    koor = make(api, "Koor", "static")
    api.post(f"{GROUPS}/{koor}/members", json={"relation_ids": [anna]})
    api.post(f"{GROUPS}/{koor}/members/remove", json={"relation_ids": [anna]})
    left = explain(api, koor, anna)
    assert left["member"] is False and left["reason"]["history"]["change"] == "left"
    assert explain(api, koor, bert)["reason"] == {"history": None}


def test_explaining_an_unknown_group_or_relation_is_404(selections):
    api = selections.api
    anna = selections.add()["id"]
    group = make(api, "All", filter={"archived": False})
    explain(api, group, "nope", 404)
    explain(api, "nope", anna, 404)
