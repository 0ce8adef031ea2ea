"""Dynamic and composite memberships are kept, not computed on read: evaluated in full when a
group or what it reads changes, and for the touched relations whenever an event (or a static
membership change) commits; groups that read other groups follow in dependency order."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from services.relations.messages import (
    DossierActionDefined,
    DossierChanged,
    DossierCreated,
    FunctionAdded,
    FunctionEnded,
    RelationsArchived,
    RelationUpdated,
    TagDefined,
    TagDeleted,
)
from services.selections.groups import materialise
from services.selections.models import Group, GroupMember, RelationView

GROUPS = "/api/selections/groups"
LISTS = "/api/selections/lists"


def city(name):
    return {"field": "city", "op": "eq", "value": name}


def make(api, name, kind="dynamic", **fields):
    response = api.post(GROUPS, json={"name": name, "kind": kind, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def members(selections, group_id):
    """The kept memberships, straight from the table (what reads and explain use)."""
    with selections.runtime.database.session_factory() as session:
        return set(session.scalars(select(GroupMember.relation_id).where(
            GroupMember.group_id == group_id)))


def moved(selections, relation, version, **fields):
    state = {**relation, **fields, "version": version}
    selections.absorb(RelationUpdated, {"relation": state, "changes": {}})
    return state


def test_relation_events_bring_dynamic_and_composite_groups_up_to_date(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"}, tags=[])
    bert = selections.add(address={"city": "Gouda"})
    delft, gouda = make(api, "Delft", filter=city("Delft")), make(api, "Gouda",
                                                                  filter=city("Gouda"))
    either = make(api, "Either", "composite", combine="union", groups=[delft, gouda])
    only_delft = make(api, "Not Gouda", "composite", combine="difference",
                      groups=[either, gouda])
    assert members(selections, delft) == {anna["id"]}
    assert members(selections, only_delft) == {anna["id"]}
    moved(selections, anna, 2, address={"city": "Gouda"})
    assert members(selections, delft) == set()
    assert members(selections, gouda) == {anna["id"], bert["id"]}
    assert members(selections, either) == {anna["id"], bert["id"]}
    assert members(selections, only_delft) == set()
    carl = selections.add(address={"city": "Delft"})
    assert members(selections, only_delft) == {carl["id"]}


def test_an_archived_relation_leaves_a_dynamic_group(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"})
    delft = make(api, "Delft", filter=city("Delft"))
    archived = make(api, "Archived Delft", filter={"and": [city("Delft"), {"archived": True}]})
    selections.absorb(RelationsArchived, {"reason": "moved", "entries": [
        {"relation": {**anna, "status": "archived", "version": 2}}]})
    assert members(selections, delft) == set()
    assert members(selections, archived) == {anna["id"]}


def function(holder, organisation, end=None, at="2024-01-01T10:00:00+00:00"):
    return {"function": {"id": "f1", "relation_id": holder, "organisation_id": organisation,
                         "role": "board member", "start_date": "2020-01-01", "end_date": end,
                         "active": end is None, "created_at": at, "updated_at": at},
            "changes": {}}


def test_function_and_dossier_events_bring_groups_up_to_date(selections):
    api = selections.api
    anna, bert = selections.add()["id"], selections.add()["id"]
    org = selections.add(type="organisation")["id"]
    selections.absorb(DossierActionDefined, {"definition": selections.definition("newsletter")})
    board = make(api, "Board", filter={"function": {"role": "board member"}})
    letter = make(api, "Letter", filter={"dossier_action": "newsletter"})
    selections.absorb(FunctionAdded, function(anna, org))
    assert members(selections, board) == {anna}
    selections.absorb(FunctionEnded, function(anna, org, end="2021-01-01",
                                              at="2024-02-01T10:00:00+00:00"))
    assert members(selections, board) == set()
    dossier = {"id": "d1", "name": "Home", "kind": "household", "actions": ["newsletter"],
               "member_ids": [anna, bert], "version": 1,
               "created_at": "2024-01-01T00:00:00+00:00",
               "updated_at": "2024-01-01T00:00:00+00:00"}
    selections.absorb(DossierCreated, {"dossier": dossier})
    assert members(selections, letter) == {anna, bert}
    selections.absorb(DossierChanged, {"dossier": {**dossier, "member_ids": [bert],
                                                   "version": 2}})
    assert members(selections, letter) == {bert}


def test_a_static_group_change_reaches_the_groups_that_read_it(selections):
    api = selections.api
    anna, bert = selections.add(address={"city": "Delft"})["id"], selections.add()["id"]
    koor = make(api, "Koor", "static")
    delft = make(api, "Delft", filter=city("Delft"))
    singers_in_delft = make(api, "Koor in Delft", "composite", combine="intersection",
                            groups=[koor, delft])
    not_singing = make(api, "Niet in koor", filter={"not": {"in_group": koor}})
    assert members(selections, not_singing) == {anna, bert}
    api.post(f"{GROUPS}/{koor}/members", json={"relation_ids": [anna, bert]})
    assert members(selections, singers_in_delft) == {anna}
    assert members(selections, not_singing) == set()
    api.post(f"{GROUPS}/{koor}/members/remove", json={"relation_ids": [anna]})
    assert members(selections, singers_in_delft) == set()
    assert members(selections, not_singing) == {anna}


def test_changing_a_filter_a_list_or_sub_groups_evaluates_the_users_again(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"})["id"]
    bert = selections.add(address={"city": "Gouda"})["id"]
    places = api.post(LISTS, json={"name": "Places", "filter": city("Delft")}).get_json()["id"]
    listed = make(api, "Listed", filter={"in_list": places})
    gouda = make(api, "Gouda", filter=city("Gouda"))
    union = make(api, "Union", "composite", combine="union", groups=[listed])
    reader = make(api, "Reader", filter={"in_group": union})
    assert members(selections, reader) == {anna}
    api.patch(f"{LISTS}/{places}", json={"filter": city("Gouda")})
    assert members(selections, listed) == members(selections, reader) == {bert}
    api.patch(f"{GROUPS}/{union}", json={"groups": [listed, gouda], "combine": "intersection"})
    assert members(selections, reader) == {bert}
    api.patch(f"{GROUPS}/{gouda}", json={"filter": city("Delft")})
    assert members(selections, union) == members(selections, reader) == set()
    evaluated = api.get(f"{GROUPS}/{reader}").get_json()["evaluated_at"]
    assert evaluated and api.get(f"{GROUPS}/{reader}").get_json()["member_count"] == 0


def test_the_daily_evaluation_catches_what_changes_with_the_date_alone(selections):
    api = selections.api
    born = (datetime.now(UTC) - timedelta(days=365 * 18 - 30)).date()
    teen = selections.add(birth_date=born.isoformat())["id"]
    adults = make(api, "Adults", filter={"age": {"op": "gte", "value": 18}})
    assert members(selections, adults) == set()
    assert materialise.evaluate_stale(selections.runtime.unit_of_work()) is False
    # As if a month went by since the last evaluation: no event comes, the date changes.
    with selections.runtime.database.session_factory() as session:
        session.execute(update(Group).values(evaluated_at=datetime.now(UTC) - timedelta(days=1)))
        session.execute(update(RelationView).values(birth_date=born - timedelta(days=60)))
        session.commit()
    assert members(selections, adults) == set()
    assert materialise.evaluate_stale(selections.runtime.unit_of_work()) is True
    assert members(selections, adults) == {teen}
    assert materialise.DAILY in selections.runtime.plugin.periodic


def test_a_touched_membership_is_marked_checked(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"})
    delft = make(api, "Delft", filter=city("Delft"))

    def checked():
        answer = api.get(f"{GROUPS}/{delft}/explain/{anna['id']}").get_json()
        return datetime.fromisoformat(answer["checked_at"])

    before = checked()
    moved(selections, anna, 2, last_name="Other")
    assert checked() > before and members(selections, delft) == {anna["id"]}


def test_a_filter_that_no_longer_compiles_keeps_its_members_and_events_go_on(selections):
    api = selections.api
    selections.absorb(TagDefined, {"definition": selections.definition("vip")})
    anna = selections.add(tags=["vip"])
    vips = make(api, "VIPs", filter={"tag": "vip"})
    everyone = make(api, "Everyone", filter={"archived": False})
    selections.absorb(TagDeleted, {"key": "vip"})
    bert = selections.add(tags=["vip"])
    assert members(selections, vips) == {anna["id"]}
    assert members(selections, everyone) == {anna["id"], bert["id"]}
    reason = api.get(f"{GROUPS}/{vips}/explain/{anna['id']}").get_json()["reason"]
    assert "unknown tag" in reason["error"]
