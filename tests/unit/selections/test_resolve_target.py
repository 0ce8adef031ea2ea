"""selections.resolve_target: a target's member ids as of now, sorted, a page at a time."""

import uuid
from datetime import UTC, datetime

import pytest

from services.selections.messages import ResolveTarget
from services.selections.models import Group, GroupMember, Selection, SelectionMember
from shared.errors import NotFound, ValidationFailed


def resolve(selections, target, **extra):
    envelope = ResolveTarget.envelope({"target": target, **extra}, source="bulk")
    return selections.runtime.dispatch(envelope)


def every_id(selections, target, limit):
    """Every page of a target; checks pages follow on and stay within `limit`."""
    ids, after = [], None
    while True:
        page = resolve(selections, target, after=after, limit=limit)
        assert len(page["relation_ids"]) <= limit
        ids += page["relation_ids"]
        if (after := page["next"]) is None:
            return ids
        assert after == page["relation_ids"][-1]


@pytest.fixture
def people(selections):
    """Seven people: four in Utrecht (one archived), three in Delft."""
    cities = ["Utrecht"] * 4 + ["Delft"] * 3
    states = [selections.add(address={"city": city}, status="archived" if i == 3 else "active")
              for i, city in enumerate(cities)]
    return [state["id"] for state in states]


def stored(selections, *rows):
    with selections.runtime.unit_of_work() as uow:
        uow.session.add_all(rows)
        uow.commit()


def test_a_filter_pages_through_its_matches_in_id_order(selections, people):
    utrecht = {"field": "city", "op": "eq", "value": "utrecht"}
    assert every_id(selections, {"filter": utrecht}, limit=2) == sorted(people[:3])
    assert every_id(selections, {"filter": {"and": [utrecht, {"archived": True}]}},
                    limit=10) == [people[3]]


def test_a_list_resolves_to_whoever_its_filter_matches_now(selections, people):
    response = selections.api.post("/api/selections/lists", json={
        "name": "Delft", "filter": {"field": "city", "op": "eq", "value": "Delft"}})
    assert response.status_code == 201, response.get_json()
    list_id = response.get_json()["id"]
    assert every_id(selections, {"list": list_id}, limit=1) == sorted(people[4:])
    newcomer = selections.add(address={"city": "Delft"})["id"]
    assert newcomer in every_id(selections, {"list": list_id}, limit=1000)


def test_groups_and_selections_resolve_to_their_kept_members(selections, people):
    now = datetime.now(UTC)
    group, selection = str(uuid.uuid4()), str(uuid.uuid4())
    stored(selections,
           Group(id=group, name="Board", kind="static", visible_on_portal=False,
                 changeable_on_portal=False, created_at=now, updated_at=now),
           *[GroupMember(group_id=group, relation_id=rid, since=now, via="manual",
                         checked_at=now) for rid in people[:5]],
           Selection(id=selection, name="Mailing", source={"filter": {"archived": False}},
                     created_at=now, updated_at=now),
           *[SelectionMember(selection_id=selection, relation_id=rid, added_at=now,
                             via="refresh") for rid in people[2:4]])
    assert every_id(selections, {"group": group}, limit=2) == sorted(people[:5])
    assert every_id(selections, {"selection": selection}, limit=5) == sorted(people[2:4])


def test_explicit_ids_come_back_sorted_once_each(selections):
    ids = ["c", "a", "b", "a"]
    assert every_id(selections, {"relation_ids": ids}, limit=2) == ["a", "b", "c"]
    assert resolve(selections, {"relation_ids": ids}, after="a") == {
        "relation_ids": ["b", "c"], "next": None}


@pytest.mark.parametrize("kind", ["list", "group", "selection"])
def test_an_unknown_set_is_not_found(selections, kind):
    with pytest.raises(NotFound, match=kind):
        resolve(selections, {kind: str(uuid.uuid4())})


@pytest.mark.parametrize("payload, field", [
    ({"target": {"filter": {"field": "colour", "op": "eq", "value": "red"}}}, "target.filter"),
    ({"target": {"list": "a", "group": "b"}}, "target"),
    ({"target": {"everyone": True}}, "target"),
    ({"target": {"group": 7}}, "target.group"),
    ({"target": {"relation_ids": "abc"}}, "target.relation_ids"),
    ({"target": {"relation_ids": ["a"]}, "limit": 10001}, "limit"),
])
def test_a_bad_target_is_refused_naming_the_field(selections, payload, field):
    with pytest.raises(ValidationFailed) as refused:
        selections.runtime.dispatch(ResolveTarget.envelope(payload, source="bulk"))
    assert any(path == field or path.startswith(field + ".")
               for path in refused.value.errors), refused.value.errors
