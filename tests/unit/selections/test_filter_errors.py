"""A bad filter is a 422 that points at the bad node by its path and says what is wrong."""

import pytest

from services.relations.messages import DossierActionDefined, FieldDefined, TagDefined

COND = {"field": "city", "op": "eq", "value": "Utrecht"}


@pytest.fixture(scope="module")
def checked(shared_selections):
    s = shared_selections
    for key, kind, options in (("shares", "number", ()), ("newsletter", "checkbox", ()),
                               ("level", "choice", ("gold", "silver")),
                               ("interests", "multi_choice", ("sport", "music"))):
        s.absorb(FieldDefined, {"field": s.field(key, kind, options)})
    s.absorb(TagDefined, {"definition": s.definition("journalist")})
    s.absorb(DossierActionDefined, {"definition": s.definition("newsletter")})
    return s


def cond(field, op, value=None, **extra):
    return {"field": field, "op": op, **({} if value is None else {"value": value}), **extra}


CASES = [
    (cond("shoe_size", "eq", 1), "filter.field", "unknown field 'shoe_size'; known: type, "),
    (cond(["city"], "eq", 1), "filter.field", "unknown field ['city']"),
    (cond("city", "like", "U"), "filter.op", "unknown operator 'like'; known: eq, ne, in"),
    ({"field": "city", "value": "U"}, "filter.op", "an operator is missing"),
    (cond("city", "eq", "U", extra=1), "filter", "unknown keys extra"),
    (cond("city", "eq", ""), "filter.value", "expected non-empty text"),
    (cond("city", "eq", 7), "filter.value", "expected non-empty text, not 7"),
    (cond("shares", "contains", 1), "filter.op",
     "contains does not apply to shares (a number field); it takes eq, ne, in, gt"),
    (cond("newsletter", "gt", True), "filter.op", "gt does not apply to newsletter"),
    (cond("interests", "eq", "sport"), "filter.op", "it takes contains, in, empty, not_empty"),
    (cond("created_at", "empty"), "filter.op", "empty does not apply to created_at"),
    (cond("shares", "eq", "3"), "filter.value", 'expected a number, not "3"'),
    (cond("shares", "eq", True), "filter.value", "expected a number, not true"),
    (cond("newsletter", "eq", "yes"), "filter.value", 'expected true or false, not "yes"'),
    (cond("level", "eq", "bronze"), "filter.value",
     '"bronze" is not an option of level; options: gold, silver'),
    (cond("type", "eq", "robot"), "filter.value", "options: person, organisation"),
    (cond("interests", "contains", "chess"), "filter.value", "options: sport, music"),
    (cond("level", "in", ["gold", "bronze"]), "filter.value[1]", "not an option of level"),
    (cond("level", "in", "gold"), "filter.value", "in takes a list of 1 to 1000 values"),
    (cond("level", "in", []), "filter.value", "in takes a list of 1 to 1000 values"),
    (cond("city", "in", ["x"] * 1001), "filter.value", "in takes a list of 1 to 1000 values"),
    (cond("shares", "between", [1]), "filter.value", "between takes two values: [low, high]"),
    (cond("shares", "between", [5, 1]), "filter.value", "the low value first"),
    (cond("shares", "between", [1, "x"]), "filter.value[1]", "expected a number"),
    (cond("city", "eq", ["a", "b"]), "filter.value", "takes one value, not a list"),
    (cond("city", "empty", "x"), "filter.value", "empty takes no value"),
    (cond("birth_date", "gt", "1-1-1990"), "filter.value", "expected a date as YYYY-MM-DD"),
    ({"and": [COND, {"or": [cond("city", "like", "x")]}]}, "filter.and[1].or[0].op",
     "unknown operator"),
    ({"not": cond("nope", "eq", 1)}, "filter.not.field", "unknown field"),
    ({"colour": "red"}, "filter", "unknown node 'colour'"),
    ({"tag": "journalist", "archived": True}, "filter", "a node has one key, not 2"),
    ({}, "filter", "expected a node"),
    ("city", "filter", "expected a node"),
    (["city"], "filter", "expected a node"),
    (None, "filter", "expected a node"),
    ({"and": COND}, "filter.and", "and takes a non-empty list of nodes"),
    ({"or": []}, "filter.or", "or takes a non-empty list of nodes"),
    ({"age": 65}, "filter.age", 'expected {"op": ..., "value": ...}'),
    ({"age": {"op": "gte", "value": "65"}}, "filter.age.value", "expected whole years"),
    ({"age": {"op": "gte", "value": 200}}, "filter.age.value", "from 0 to 150"),
    ({"age": {"op": "contains", "value": 6}}, "filter.age.op", "contains does not apply to age"),
    ({"age": {"op": "between", "value": [70, 60]}}, "filter.age.value", "the low value first"),
    ({"tag": "poet"}, "filter.tag", "unknown tag 'poet'; known: journalist"),
    ({"tag": 3}, "filter.tag", "expected a tag key"),
    ({"dossier_action": "mailing"}, "filter.dossier_action",
     "unknown dossier action 'mailing'; known: newsletter"),
    ({"function": "board member"}, "filter.function", 'expected {"role": ...'),
    ({"function": {"role": "chair", "place": "x"}}, "filter.function", "unknown keys place"),
    ({"function": {"role": 3}}, "filter.function.role", "expected a role"),
    ({"function": {"organisation": "no-such-id"}}, "filter.function.organisation",
     "no relation has the id 'no-such-id'"),
    ({"function": {"active": "yes"}}, "filter.function.active", "expected true (held today)"),
    ({"archived": "no"}, "filter.archived", "expected true (archived relations) or false"),
    ({"account": "gone"}, "filter.account", "expected one of invited, active, blocked, none"),
    ({"in_group": "g-1"}, "filter.in_group", "no group has the id 'g-1'"),
    ({"in_list": "l-1"}, "filter.in_list", "no list has the id 'l-1'"),
    ({"in_selection": "s-1"}, "filter.in_selection", "no selection has the id 's-1'"),
    ({"in_group": 5}, "filter.in_group", "expected the id of a group"),
]


@pytest.mark.parametrize("filter_node, path, message", CASES,
                         ids=[f"{case[1]}:{case[2][:30]}" for case in CASES])
def test_a_bad_filter_is_a_problem_pointing_at_the_node(checked, filter_node, path, message):
    problem = checked.problem(filter_node)
    assert list(problem["errors"]) == [path]
    assert message in problem["errors"][path][0]
    assert path in problem["detail"]


def test_every_bad_node_is_reported_at_once(checked):
    problem = checked.problem({"and": [cond("x", "eq", 1), {"or": [COND, {"tag": "poet"}]},
                                       {"not": {"age": {"op": "gte"}}}]})
    assert sorted(problem["errors"]) == ["filter.and[0].field", "filter.and[1].or[1].tag",
                                         "filter.and[2].not.age.value"]
    assert "filter.and[0].field: unknown field 'x'" in problem["detail"]


def test_depth_is_limited_to_twenty_levels(checked):
    def nested(levels):
        node = COND
        for _ in range(levels - 1):
            node = {"not": node}
        return node

    assert checked.count(nested(20)) == 0
    problem = checked.problem(nested(21))
    (path,) = problem["errors"]
    assert path == "filter" + ".not" * 20
    assert problem["errors"][path] == ["nested deeper than 20 levels"]


def test_size_is_limited_to_five_hundred_nodes(checked):
    assert checked.count({"or": [COND] * 499}) == 0
    problem = checked.problem({"or": [COND] * 500})
    assert problem["errors"] == {"filter": ["a filter has at most 500 nodes"]}


def test_list_values_are_limited_in_all(checked):
    many = cond("city", "in", [f"c{i}" for i in range(1000)])
    assert checked.count({"or": [many] * 5}) == 0
    problem = checked.problem({"or": [many] * 6})
    assert problem["errors"] == {"filter": ["a filter has at most 5000 values in all its lists"]}


@pytest.mark.parametrize("body, field", [
    ({}, "filter"),
    ({"filter": COND, "colour": "red"}, "colour"),
    ({"filter": COND, "limit": 0}, "limit"),
    ({"filter": COND, "cursor": "not-ours"}, "cursor"),
])
def test_a_bad_request_body_is_a_problem_on_its_field(checked, body, field):
    response = checked.api.post("/api/selections/filters/query", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
