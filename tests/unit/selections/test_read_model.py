"""The read model follows relations events: the newest state wins whatever the order they come
in, a repeated event changes nothing, merged and deleted relations go."""

from services.relations.messages import (
    FieldDefined,
    MergeUndone,
    RelationCreated,
    RelationsArchived,
    RelationsBatchUpdated,
    RelationsDeleted,
    RelationsMerged,
    RelationsRestored,
    RelationUpdated,
    TagDefined,
)

CITY = "city"


def updated(state):
    return RelationUpdated, {"relation": state, "changes": {}}


def in_city(selections, city):
    return selections.ids({"field": CITY, "op": "eq", "value": city})


def test_events_applied_out_of_order_keep_the_newest_state(selections):
    first = selections.add(address={"city": "Utrecht"})
    newer = {**first, "version": 3, "address": {"city": "Zeist"}}
    older = {**first, "version": 2, "address": {"city": "Amersfoort"}}
    selections.absorb(*updated(newer))
    selections.absorb(*updated(older))
    selections.absorb(RelationCreated, {"relation": first})  # redelivered as a new message
    assert in_city(selections, "Zeist") == {first["id"]}
    assert in_city(selections, "Amersfoort") == in_city(selections, "Utrecht") == set()
    (item,) = selections.answer({"field": CITY, "op": "eq", "value": "zeist"},
                                "query").get_json()["items"]
    assert item == newer  # answers are the state as the event carried it


def test_a_redelivered_event_is_handled_once(selections):
    relation = selections.add(address={"city": "Gouda"})
    envelope = RelationUpdated.envelope(
        {"relation": {**relation, "version": 2, "address": {"city": "Delft"}}, "changes": {}},
        source="relations")
    selections.runtime.dispatch(envelope)
    selections.absorb(*updated({**relation, "version": 3, "address": {"city": "Breda"}}))
    selections.runtime.dispatch(envelope)  # the broker delivers it again: the inbox knows it
    assert in_city(selections, "Breda") == {relation["id"]}


def test_a_batch_keeps_the_newest_state_of_each_relation(selections):
    a, b = selections.add(), selections.add(address={"city": "Ede"})
    entries = [{"relation": {**a, "version": 3, "address": {"city": "Ede"}}, "changes": {}},
               {"relation": {**a, "version": 2, "address": {"city": "Epe"}}, "changes": {}},
               {"relation": {**b, "version": 1, "address": {"city": "Epe"}}, "changes": {}}]
    selections.absorb(RelationsBatchUpdated, {"entries": entries})
    assert in_city(selections, "Ede") == {a["id"], b["id"]}


def test_values_are_replaced_with_each_state(selections):
    relation = selections.add(tags=[], emails=[{"address": "old@x.org", "primary": True}])
    selections.absorb(*updated({**relation, "version": 2, "tags": [],
                                "emails": [{"address": "new@x.org", "primary": True}]}))
    assert selections.ids({"field": "email", "op": "eq", "value": "old@x.org"}) == set()
    assert selections.ids({"field": "email", "op": "eq", "value": "new@x.org"}) == {
        relation["id"]}


def bulk_changed(selections, changes_of):
    """One batch event as a bulk chunk sends it: each state with its changes (a function of
    the state it follows, answering (new state, changes))."""
    entries = []
    for state in changes_of:
        after, changes = changes_of[state]
        entries.append({"relation": after, "changes": changes})
    selections.absorb(RelationsBatchUpdated, {"entries": entries, "job": "job-1"})


def newsletter(selections, value):
    return selections.ids({"field": "newsletter", "op": "eq", "value": value})


def test_a_bulk_field_change_rewrites_what_changed_and_keeps_the_rest(selections):
    selections.absorb(FieldDefined, {"field": selections.field("newsletter", "checkbox")})
    selections.absorb(FieldDefined, {"field": selections.field("sports", "multiple_choice",
                                                               ("golf", "judo"))})
    for tag in ("donor", "press"):
        selections.absorb(TagDefined, {"definition": selections.definition(tag)})
    first = selections.add(address={"city": "Urk"}, tags=["donor"],
                           emails=[{"address": "a@x.org", "primary": True}],
                           fields={"newsletter": False, "sports": ["golf"]})
    second = selections.add(address={"city": "Urk"}, fields={"newsletter": False})
    changes_of = {}
    for state in (first, second):
        after = {**state, "version": 2, "fields": {"newsletter": True}, "tags": ["press"]}
        changes_of[state["id"]] = (after, {"fields.newsletter": [False, True],
                                           "fields.sports": [state["fields"].get("sports"), None],
                                           "tags": [state["tags"], ["press"]]})
    bulk_changed(selections, changes_of)
    assert newsletter(selections, True) == {first["id"], second["id"]}
    assert newsletter(selections, False) == set()
    assert selections.ids({"field": "sports", "op": "contains", "value": "golf"}) == set()
    assert selections.ids({"tag": "press"}) == {
        first["id"], second["id"]}
    assert selections.ids({"tag": "donor"}) == set()
    # What the change did not reach stays findable.
    assert selections.ids({"field": "email", "op": "eq", "value": "a@x.org"}) == {first["id"]}
    assert in_city(selections, "Urk") == {first["id"], second["id"]}
    answered = {item["id"]: item for item in selections.answer(
        {"field": CITY, "op": "eq", "value": "Urk"}, "query").get_json()["items"]}
    assert answered[first["id"]] == changes_of[first["id"]][0]


def test_a_bulk_change_after_a_missed_version_takes_the_whole_state(selections):
    selections.absorb(FieldDefined, {"field": selections.field("newsletter", "checkbox")})
    relation = selections.add(address={"city": "Urk"}, fields={"newsletter": False})
    # Version 2 (a move to Edam) has not arrived yet: version 3 carries it in its state.
    after = {**relation, "version": 3, "address": {"city": "Edam"},
             "fields": {"newsletter": True}}
    bulk_changed(selections, {relation["id"]: (after, {"fields.newsletter": [False, True]})})
    assert in_city(selections, "Edam") == newsletter(selections, True) == {relation["id"]}
    assert in_city(selections, "Urk") == set()


def test_archived_and_restored_relations(selections):
    relation = selections.add(address={"city": "Hoorn"})
    archived = {**relation, "version": 2, "status": "archived"}
    selections.absorb(RelationsArchived, {"entries": [{"relation": archived}], "reason": "left"})
    assert in_city(selections, "Hoorn") == set()
    assert selections.ids({"and": [{"archived": True}, {"field": CITY, "op": "eq",
                                                        "value": "Hoorn"}]}) == {relation["id"]}
    selections.absorb(RelationsRestored, {"entries": [{"relation": {**relation, "version": 3}}]})
    assert in_city(selections, "Hoorn") == {relation["id"]}


def test_a_deleted_relation_is_gone_for_good(selections):
    relation = selections.add(address={"city": "Venlo"}, tags=[])
    selections.absorb(RelationsDeleted, {"relation_ids": [relation["id"]]})
    selections.absorb(*updated({**relation, "version": 2}))  # late, from before the delete
    assert in_city(selections, "Venlo") == set()
    assert selections.ids({"or": [{"archived": True}, {"archived": False}]}) == set()


def merge(selections, keep, others, merge_id="m1"):
    selections.absorb(RelationsMerged, {"merge_id": merge_id, "keep": keep,
                                        "merged": [other["id"] for other in others]})


def test_a_merge_leaves_only_the_keeper(selections):
    keep = selections.add(address={"city": "Assen"})
    other = selections.add(address={"city": "Emmen"})
    merge(selections, {**keep, "version": 2, "address": {"city": "Emmen"}}, [other])
    selections.absorb(*updated({**other, "version": 2}))  # late, from before the merge
    assert in_city(selections, "Emmen") == {keep["id"]}
    assert in_city(selections, "Assen") == set()


def test_a_merge_undone_brings_everyone_back(selections):
    keep = selections.add(address={"city": "Assen"})
    other = selections.add(address={"city": "Emmen"})
    merge(selections, {**keep, "version": 2, "address": {"city": "Emmen"}}, [other])
    selections.absorb(MergeUndone, {
        "merge_id": "m1", "keep": {**keep, "version": 3},
        "restored": [{**other, "version": 3}]})
    assert in_city(selections, "Emmen") == {other["id"]}
    assert in_city(selections, "Assen") == {keep["id"]}


def test_an_undo_that_overtakes_its_merge_wins(selections):
    keep = selections.add(address={"city": "Assen"})
    other = selections.add(address={"city": "Emmen"})
    selections.absorb(MergeUndone, {"merge_id": "m1", "keep": {**keep, "version": 3},
                                    "restored": [{**other, "version": 3}]})
    merge(selections, {**keep, "version": 2, "address": {"city": "Emmen"}}, [other])
    assert in_city(selections, "Emmen") == {other["id"]}
    assert in_city(selections, "Assen") == {keep["id"]}
