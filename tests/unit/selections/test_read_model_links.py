"""Functions, dossiers and definitions in the read model: each keeps its newest state (by
`updated_at` or `version`), deletions stay deleted, and merges carry functions along."""

from services.relations.messages import (
    DossierActionDefined,
    DossierChanged,
    DossierCreated,
    DossierDeleted,
    DossiersBatchChanged,
    FieldChanged,
    FieldDefined,
    FieldDeleted,
    FunctionAdded,
    FunctionChanged,
    FunctionDeleted,
    FunctionEnded,
    MergeUndone,
    RelationsDeleted,
    RelationsMerged,
    TagDefined,
    TagDeleted,
)

BOARD = {"function": {"role": "board member"}}
NEWSLETTER = {"dossier_action": "newsletter"}


def function(holder, organisation, *, at="2024-01-01T10:00:00+00:00", role="board member",
             end=None, id="f1"):
    return {"function": {"id": id, "relation_id": holder, "organisation_id": organisation,
                         "role": role, "start_date": "2020-01-01", "end_date": end,
                         "active": end is None, "created_at": at, "updated_at": at},
            "changes": {}}


def test_a_function_keeps_its_newest_state(selections):
    person, org = selections.add()["id"], selections.add(type="organisation")["id"]
    selections.absorb(FunctionAdded, function(person, org))
    selections.absorb(FunctionEnded, function(person, org, end="2021-01-01",
                                              at="2024-03-01T10:00:00+00:00"))
    # Older than the ending, and in another time zone: comes late, changes nothing.
    selections.absorb(FunctionChanged, function(person, org, role="chair",
                                                at="2024-02-01T12:00:00+01:00"))
    assert selections.ids(BOARD) == set()
    assert selections.ids({"function": {"role": "board member", "active": False}}) == {person}
    assert selections.ids({"function": {"role": "chair", "active": None}}) == set()


def test_a_deleted_function_stays_deleted(selections):
    person, org = selections.add()["id"], selections.add(type="organisation")["id"]
    selections.absorb(FunctionAdded, function(person, org))
    selections.absorb(FunctionDeleted, function(person, org))
    selections.absorb(FunctionChanged, function(person, org, at="2024-01-01T10:00:00+00:00"))
    assert selections.ids({"function": {"active": None}}) == set()


def test_functions_follow_a_merge_and_its_undo(selections):
    keep, other = selections.add(), selections.add()
    org = selections.add(type="organisation")["id"]
    selections.absorb(FunctionAdded, function(other["id"], org))
    selections.absorb(RelationsMerged, {"merge_id": "m1", "keep": {**keep, "version": 2},
                                        "merged": [other["id"]]})
    assert selections.ids(BOARD) == {keep["id"]}
    selections.absorb(MergeUndone, {"merge_id": "m1", "keep": {**keep, "version": 3},
                                    "restored": [{**other, "version": 3}]})
    assert selections.ids(BOARD) == {other["id"]}


def test_functions_at_a_deleted_relation_count_no_more(selections):
    person, org = selections.add()["id"], selections.add(type="organisation")["id"]
    selections.absorb(FunctionAdded, function(person, org))
    selections.absorb(RelationsDeleted, {"relation_ids": [org]})
    assert selections.ids(BOARD) == set()


def dossier(members, actions, version, id="d1"):
    return {"id": id, "name": "Household", "kind": "household", "actions": actions,
            "member_ids": members, "version": version,
            "created_at": "2024-01-01T00:00:00+00:00", "updated_at": "2024-01-01T00:00:00+00:00"}


def test_a_dossier_keeps_its_newest_version(selections):
    selections.absorb(DossierActionDefined, {"definition": selections.definition("newsletter")})
    a, b = selections.add()["id"], selections.add()["id"]
    selections.absorb(DossierCreated, {"dossier": dossier([a], ["newsletter"], 1)})
    assert selections.ids(NEWSLETTER) == {a}
    selections.absorb(DossiersBatchChanged, {"dossiers": [dossier([a, b], ["Newsletter"], 3)]})
    selections.absorb(DossierChanged, {"dossier": dossier([a], [], 2)})  # late
    assert selections.ids(NEWSLETTER) == {a, b}
    selections.absorb(DossierDeleted, {"id": "d1", "member_ids": [a, b]})
    selections.absorb(DossierChanged, {"dossier": dossier([a], ["newsletter"], 4)})
    assert selections.ids(NEWSLETTER) == set()


def test_a_field_definition_keeps_its_newest_state(selections):
    level = selections.field("level", "choice", ("gold",), updated_at="2024-01-01T00:00:00Z")
    selections.absorb(FieldDefined, {"field": level})
    selections.absorb(FieldChanged, {"field": {
        **level, "options": [{"key": "gold", "label": "Gold"}, {"key": "silver", "label": "S"}],
        "updated_at": "2024-02-01T00:00:00+00:00"}})
    selections.absorb(FieldChanged, {"field": level})  # late
    assert selections.count({"field": "level", "op": "eq", "value": "silver"}) == 0


def test_a_deleted_field_is_unknown_until_defined_anew(selections):
    level = selections.field("level", "choice", ("gold",), updated_at="2024-01-01T00:00:00Z")
    selections.absorb(FieldDefined, {"field": level})
    selections.absorb(FieldDeleted, {"key": "level"})
    selections.absorb(FieldChanged, {"field": level})  # late: older than the deletion
    problem = selections.problem({"field": "level", "op": "eq", "value": "gold"})
    assert "unknown field 'level'" in problem["errors"]["filter.field"][0]
    selections.absorb(FieldDefined, {"field": selections.field("level", "number")})
    assert selections.count({"field": "level", "op": "gt", "value": 1}) == 0


def test_a_deletion_older_than_a_new_definition_changes_nothing(selections):
    future = "2999-01-01T00:00:00+00:00"
    selections.absorb(TagDefined, {"definition": selections.definition("vip",
                                                                       updated_at=future)})
    selections.absorb(TagDeleted, {"key": "vip"})
    assert selections.count({"tag": "vip"}) == 0
    selections.absorb(TagDefined, {"definition": selections.definition("press")})
    selections.absorb(TagDeleted, {"key": "press"})
    assert "unknown tag 'press'; known: vip" in selections.problem({"tag": "press"})["detail"]


def test_a_function_that_comes_after_its_relation_was_deleted_counts_not(selections):
    person, org = selections.add()["id"], selections.add(type="organisation")["id"]
    selections.absorb(RelationsDeleted, {"relation_ids": [org]})
    selections.absorb(FunctionAdded, function(person, org))
    assert selections.ids({"function": {"active": None}}) == set()
