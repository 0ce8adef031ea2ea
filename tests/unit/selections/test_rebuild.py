"""The rebuild: a read model that lost rows, holds stale versions, missed a merge and a
deletion, and keeps what relations no longer has, is brought back in line from relations."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from services.selections.models import (
    Definition,
    DossierMember,
    DossierView,
    FieldDefinition,
    FunctionView,
    GoneRelation,
    GroupMember,
    MergeRecord,
    RelationValue,
    RelationView,
)
from services.selections.projection.rows import view_columns
from services.selections.rebuild import rebuild
from shared.testing import wait_until

RELATIONS = "/api/relations"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def ids(api, filter_node):
    response = api.post("/api/selections/filters/query", json={"filter": filter_node,
                                                                "limit": 500})
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def city(name):
    return {"field": "city", "op": "eq", "value": name}


@pytest.fixture
def runtime(product):
    return next(r for r in product.runtimes if r.name == "selections")


@pytest.fixture
def world(api, as_superuser):
    """Relations upstream, with a field, a tag, a function, a dossier, a merge and a deletion;
    the read model caught up with all of it."""
    created(api.post(f"{RELATIONS}/fields", json={
        "key": "interests", "label": "Interests", "type": "multi_choice", "options": ["Sport"]}))
    created(api.post(f"{RELATIONS}/dossier-actions", json={"key": "mail", "label": "Mail"}))

    def person(name, town, **extra):
        return created(api.post(f"{RELATIONS}/relations", json={
            "type": "person", "last_name": name, "address": {"city": town}, **extra}))

    anna = person("Anna", "Utrecht", fields={"interests": ["sport"]})
    bert = person("Bert", "Delft")
    keep, other = person("Janssen", "Assen"), person("Janssen", "Emmen")
    doomed = person("Doomed", "Delft")
    acme = created(api.post(f"{RELATIONS}/relations", json={
        "type": "organisation", "organisation_name": "Acme"}))
    created(api.post(f"{RELATIONS}/relations/{anna['id']}/functions", json={
        "organisation_id": acme["id"], "role": "Chair", "start_date": "2020-01-01"}))
    created(api.post(f"{RELATIONS}/dossiers", json={
        "name": "Bert", "kind": "household", "member_ids": [bert["id"]], "actions": ["mail"]}))
    merge = created(api.post(f"{RELATIONS}/merges", json={
        "keep": keep["id"], "others": [other["id"]], "choices": {}}))
    assert as_superuser("relations").delete(
        f"{RELATIONS}/relations/{doomed['id']}").status_code in (200, 204)
    wait_until(lambda: ids(api, {"archived": False}) == {
        anna["id"], bert["id"], keep["id"], acme["id"]} and ids(api, {"dossier_action": "mail"})
        == {bert["id"]} and ids(api, {"function": {"role": "chair"}}) == {anna["id"]},
        message="the read model to catch up")
    return {"anna": anna, "bert": bert, "keep": keep, "other": other, "doomed": doomed,
            "acme": acme, "merge_id": merge["merge"]["id"]}


def break_read_model(runtime, world):
    """Rows lost, a stale version, a merge and a deletion missed, leftovers relations lacks."""
    anna, bert, other, doomed = (world[k] for k in ("anna", "bert", "other", "doomed"))
    with runtime.unit_of_work() as uow:
        session = uow.session
        for model, key in ((RelationValue, RelationValue.relation_id), (RelationView,
                                                                        RelationView.id)):
            session.execute(delete(model).where(key == anna["id"]))
        session.execute(update(RelationView).where(RelationView.id == bert["id"])
                        .values(city="nowhere", version=0))
        session.execute(delete(GoneRelation))
        session.execute(delete(MergeRecord))
        ghost = state_of(str(uuid.uuid4()), "Ghost", "Delft")
        for state in (other, doomed, ghost):
            session.add(RelationView(**{**view_columns(state, LONG_AGO), "version": 1}))
        session.execute(delete(FunctionView))
        session.execute(delete(DossierMember))
        session.execute(update(DossierView).values(version=0))
        session.execute(delete(FieldDefinition))
        session.add(Definition(kind="tag", key="ghost", label="Ghost", updated_at="2000",
                               deleted=False))
        uow.commit()
    return ghost


def state_of(relation_id, name, town):
    """A relation state relations never had."""
    now = datetime.now(UTC).isoformat()
    return {"id": relation_id, "type": "person", "initials": None, "first_name": None,
            "infix": None, "last_name": name, "organisation_name": None, "birth_date": None,
            "emails": [], "phones": [], "address": {"city": town}, "status": "active",
            "fields": {}, "tags": [], "version": 1, "created_at": now, "updated_at": now}


def assert_in_line(api, runtime, world):
    anna, bert, keep, acme = (world[k]["id"] for k in ("anna", "bert", "keep", "acme"))
    assert ids(api, {"archived": False}) == {anna, bert, keep, acme}
    assert ids(api, city("Utrecht")) == {anna}
    assert ids(api, city("Delft")) == {bert}
    assert ids(api, {"field": "last_name", "op": "eq", "value": "janssen"}) == {keep}
    assert ids(api, {"function": {"role": "chair", "organisation": acme}}) == {anna}
    assert ids(api, {"dossier_action": "mail"}) == {bert}
    assert ids(api, {"field": "interests", "op": "contains", "value": "sport"}) == {anna}
    unknown_tag = api.post("/api/selections/filters/count", json={"filter": {"tag": "ghost"}})
    assert unknown_tag.status_code == 422
    with runtime.unit_of_work() as uow:
        tombstones = {row.id: (row.reason, row.merge_id)
                      for row in uow.session.scalars(select(GoneRelation))}
        assert uow.session.get(MergeRecord, world["merge_id"]).keep_id == keep
    assert tombstones[world["other"]["id"]] == ("merged", world["merge_id"])
    assert tombstones[world["doomed"]["id"]] == ("deleted", None)


def test_a_broken_read_model_is_rebuilt_in_line_with_relations(api, runtime, world):
    ghost = break_read_model(runtime, world)
    assert ids(api, city("Delft")) == {world["doomed"]["id"], ghost["id"]}

    counts = rebuild(runtime)

    assert_in_line(api, runtime, world)
    assert counts["relations"] == 4 and counts["gone"] == 2
    assert counts["relations_forgotten"] == 1  # the ghost
    assert counts["gone_applied"] == 2


def test_a_rebuild_from_scratch_keeps_saved_lists(api, runtime, world):
    saved = created(api.post("/api/selections/lists", json={"name": "Delft",
                                                            "filter": city("Delft")}))
    break_read_model(runtime, world)

    rebuild(runtime, from_scratch=True)

    assert_in_line(api, runtime, world)
    members = api.get(f"/api/selections/lists/{saved['id']}/members").get_json()
    assert [item["id"] for item in members["items"]] == [world["bert"]["id"]]


def test_a_second_rebuild_changes_nothing(api, runtime, world):
    rebuild(runtime)
    counts = rebuild(runtime)
    assert (counts["relations_applied"], counts["gone_applied"],
            counts["relations_forgotten"]) == (0, 0, 0)
    assert_in_line(api, runtime, world)


def test_a_missed_undo_of_a_merge_brings_the_merged_relation_back(api, runtime, world):
    created(api.post(f"{RELATIONS}/merges/{world['merge_id']}/undo"), 200)
    other = world["other"]["id"]
    wait_until(lambda: other in ids(api, city("Emmen")), message="the undo")
    with runtime.unit_of_work() as uow:
        uow.session.execute(delete(RelationValue).where(RelationValue.relation_id == other))
        uow.session.execute(delete(RelationView).where(RelationView.id == other))
        uow.session.execute(update(MergeRecord).values(undone=False))
        uow.session.add(GoneRelation(id=other, reason="merged", merge_id=world["merge_id"],
                                     at=LONG_AGO))
        uow.commit()
    assert ids(api, city("Emmen")) == set()

    rebuild(runtime)

    assert ids(api, city("Emmen")) == {other}
    assert ids(api, {"field": "last_name", "op": "eq", "value": "janssen"}) == {
        world["keep"]["id"], other}


def test_what_an_event_brought_after_the_export_is_not_undone(api, runtime, world):
    bert = world["bert"]["id"]
    with runtime.unit_of_work() as uow:
        uow.session.execute(update(RelationView).where(RelationView.id == bert)
                            .values(city="newer", version=99))
        uow.commit()

    rebuild(runtime)

    assert ids(api, city("newer")) == {bert}


def test_dynamic_groups_are_evaluated_against_the_rebuilt_model(api, runtime, world):
    group = created(api.post("/api/selections/groups", json={
        "name": "Delft", "kind": "dynamic", "filter": city("Delft")}))
    members = f"/api/selections/groups/{group['id']}/members"
    assert [item["id"] for item in api.get(members).get_json()["items"]] == [world["bert"]["id"]]
    with runtime.unit_of_work() as uow:
        uow.session.execute(delete(GroupMember))
        uow.commit()
    assert api.get(members).get_json()["count"] == 0

    counts = rebuild(runtime)

    assert counts["groups_evaluated"]
    assert [item["id"] for item in api.get(members).get_json()["items"]] == [world["bert"]["id"]]


def test_a_missed_merge_and_deletion_reach_static_groups_as_their_events_would(
        api, runtime, world):
    group = created(api.post("/api/selections/groups", json={"name": "Hand-picked",
                                                             "kind": "static"}))
    other, doomed = world["other"]["id"], world["doomed"]["id"]
    break_read_model(runtime, world)
    with runtime.unit_of_work() as uow:
        for relation_id in (other, doomed):
            uow.session.add(GroupMember(group_id=group["id"], relation_id=relation_id,
                                        since=LONG_AGO, via="manual", checked_at=LONG_AGO))
        uow.commit()

    rebuild(runtime)

    with runtime.unit_of_work() as uow:
        held = {row.relation_id: row.via for row in uow.session.scalars(
            select(GroupMember).where(GroupMember.group_id == group["id"]))}
    assert held == {world["keep"]["id"]: "merge"}
