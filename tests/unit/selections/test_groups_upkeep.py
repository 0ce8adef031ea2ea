"""A commit brings the derived memberships of the relations it touched up to date in a few
statements, whatever the number of groups: the outcome is what a full evaluation gives, and
memberships that stay are not rewritten."""

from sqlalchemy import event, select

from services.relations.messages import RelationsBatchUpdated, RelationsDeleted
from services.selections.groups import materialise
from services.selections.models import GroupMember

GROUPS = "/api/selections/groups"
LISTS = "/api/selections/lists"
CITIES = ["Delft", "Gouda", "Leiden"]


def city(name):
    return {"field": "city", "op": "eq", "value": name}


def make(api, name, kind="dynamic", **fields):
    response = api.post(GROUPS, json={"name": name, "kind": kind, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def kept(selections):
    """Every kept membership: (group, relation) -> (since, via, checked_at)."""
    with selections.runtime.database.session_factory() as session:
        return {(row.group_id, row.relation_id): (row.since, row.via, row.checked_at)
                for row in session.scalars(select(GroupMember))}


def batch(selections, states):
    selections.absorb(RelationsBatchUpdated, {"entries": [
        {"relation": state, "changes": {}} for state in states]})


def people(selections, count):
    return [selections.add(address={"city": CITIES[n % 3]},
                           last_name="Berg" if n % 4 == 0 else "Smit") for n in range(count)]


def every_kind_of_group(api, koor):
    """Dynamic groups, dynamic ones reading derived groups (in_group, through a list and a
    composite), composite unions, intersections and differences, some of them nested."""
    delft, gouda = make(api, "Delft", filter=city("Delft")), make(api, "Gouda",
                                                                  filter=city("Gouda"))
    either = make(api, "Either", "composite", combine="union", groups=[delft, gouda])
    places = api.post(LISTS, json={"name": "In Delft", "filter": {"in_group": delft}})
    ids = {"delft": delft, "gouda": gouda, "either": either,
           "singing_delft": make(api, "Koor in Delft", "composite", combine="intersection",
                                 groups=[koor, delft]),
           "not_gouda": make(api, "Not Gouda", "composite", combine="difference",
                             groups=[either, gouda]),
           "not_delft": make(api, "Not Delft", filter={"not": {"in_group": delft}}),
           "listed": make(api, "Listed", filter={"in_list": places.get_json()["id"]}),
           "either_no_berg": make(api, "Either, no Berg", filter={"and": [
               {"in_group": either},
               {"not": {"field": "last_name", "op": "eq", "value": "Berg"}}]})}
    ids["nested"] = make(api, "Nested", "composite", combine="difference",
                         groups=[ids["either_no_berg"], ids["singing_delft"]])
    return ids


def test_a_batch_leaves_exactly_the_memberships_a_full_evaluation_gives(selections):
    api = selections.api
    relations = people(selections, 12)
    koor = make(api, "Koor", "static")
    api.post(f"{GROUPS}/{koor}/members", json={"relation_ids": [r["id"] for r in relations[:6]]})
    groups = every_kind_of_group(api, koor)
    before = kept(selections)
    # One transaction: most relations move on, some change name, one is archived.
    moved = [{**relation, "address": {"city": CITIES[(n + 1) % 3]}, "version": 2,
              "last_name": "Berg" if n % 3 == 0 else "Smit",
              "status": "archived" if n == 5 else "active"}
             for n, relation in enumerate(relations) if n % 6 != 1]
    batch(selections, moved)
    after = kept(selections)
    for group in ("delft", "gouda", "not_delft", "listed", "either", "not_gouda", "nested"):
        pairs = {pair for pair in after if pair[0] == groups[group]}
        assert pairs != {pair for pair in before if pair[0] == groups[group]}, group
    stayed = after.keys() & before.keys()
    assert stayed and all(after[pair] == before[pair] for pair in stayed)
    materialise.evaluate_all(selections.runtime.unit_of_work())
    assert kept(selections).keys() == after.keys()
    selections.absorb(RelationsDeleted, {"relation_ids": [relations[2]["id"]]})
    remaining = kept(selections).keys()
    assert not any(relation == relations[2]["id"] for _, relation in remaining)
    materialise.evaluate_all(selections.runtime.unit_of_work())
    assert kept(selections).keys() == remaining


def membership_statements(selections, states):
    """The statements a batch makes on the kept memberships and the checked stamps, as
    (reads, writes, stamps)."""
    statements = []
    engine = selections.runtime.database.engine
    listener = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        batch(selections, states)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return (len([s for s in statements if s.startswith("SELECT") and "FROM group_members" in s]),
            len([s for s in statements if s.startswith(("INSERT INTO group_members",
                                                        "DELETE FROM group_members"))]),
            len([s for s in statements if "membership_checks" in s]))


def test_the_statements_a_batch_makes_do_not_grow_with_the_groups(selections):
    api = selections.api
    relations = people(selections, 9)
    for n in range(8):
        make(api, f"City {n}", filter=city(CITIES[n % 3]))
    make(api, "All", "composite", combine="union", groups=[
        group["id"] for group in api.get(GROUPS).get_json()["items"]])
    reads, writes, stamps = membership_statements(selections, [
        {**relation, "address": {"city": CITIES[(n + 1) % 3]}, "version": 2}
        for n, relation in enumerate(relations)])
    # The kept memberships read once; who joined and who left written once each.
    assert (reads, writes, stamps) == (1, 2, 1)
    # Nothing that matters to a group changed: nothing written but the stamps.
    assert membership_statements(selections, [
        {**relation, "version": 3, "address": {"city": CITIES[(n + 1) % 3]},
         "first_name": "Changed"} for n, relation in enumerate(relations)]) == (1, 0, 1)
