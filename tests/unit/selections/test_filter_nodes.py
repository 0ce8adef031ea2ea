"""The nodes besides field conditions, and the and / or / not around them, on one seeded read
model: age, tags, dossier actions, functions, archived, account status."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.relations.messages import (
    DossierActionDefined,
    DossierCreated,
    FunctionAdded,
    RelationsArchived,
    TagDefined,
)
from services.selections.filters import FilterCatalog, compile_filter
from services.selections.models import RelationView

TODAY = date.today()


def years_ago(years: int, days: int = 0) -> str:
    return (TODAY.replace(year=TODAY.year - years) + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def seeded(shared_selections):
    s = shared_selections
    s.absorb(TagDefined, {"definition": s.definition("journalist")})
    s.absorb(DossierActionDefined, {"definition": s.definition("newsletter")})
    ids = {
        "oma": s.add(birth_date=years_ago(65), tags=["journalist"])["id"],
        "jong": s.add(birth_date=years_ago(65, days=1))["id"],
        "acme": s.add(type="organisation", organisation_name="Acme")["id"],
        "club": s.add(type="organisation", organisation_name="Club")["id"],
        "board": s.add()["id"],
        "former": s.add()["id"],
        "future": s.add()["id"],
        "treasurer": s.add()["id"],
    }
    archived = s.state(tags=["journalist"], status="archived", version=2)
    s.add(id=archived["id"], tags=["journalist"])
    s.absorb(RelationsArchived, {"entries": [{"relation": archived}], "reason": "left"})
    ids["arch"] = archived["id"]
    for holder, role, at, start, end in (
            ("board", "Board Member", "acme", "2020-01-01", None),
            ("former", "board member", "acme", "2015-01-01", "2021-12-31"),
            ("future", "board member", "club", (TODAY + timedelta(days=365)).isoformat(), None),
            ("treasurer", "treasurer", "acme", "2019-01-01", TODAY.isoformat())):
        s.absorb(FunctionAdded, {"function": function(ids[holder], ids[at], role, start, end)})
    for members, actions in (([ids["oma"], ids["jong"]], ["newsletter"]), ([ids["board"]], [])):
        s.absorb(DossierCreated, {"dossier": dossier(members, actions)})
    return s, ids


def function(holder: str, organisation: str, role: str, start: str, end: str | None) -> dict:
    return {"id": str(uuid.uuid4()), "relation_id": holder, "organisation_id": organisation,
            "role": role, "start_date": start, "end_date": end, "active": True,
            "created_at": TODAY.isoformat() + "T00:00:00+00:00",
            "updated_at": TODAY.isoformat() + "T00:00:00+00:00"}


def dossier(members: list[str], actions: list[str], version: int = 1, **extra) -> dict:
    return {"id": extra.pop("id", str(uuid.uuid4())), "name": "Household",
            "kind": "household", "actions": actions, "member_ids": members, "version": version,
            "created_at": "2024-01-01T00:00:00+00:00", "updated_at": "2024-01-01T00:00:00+00:00",
            **extra}


def found(seeded, filter_node) -> set[str]:
    selections, ids = seeded
    names = {relation_id: name for name, relation_id in ids.items()}
    return {names[relation_id] for relation_id in selections.ids(filter_node)}


ACTIVE = {"oma", "jong", "acme", "club", "board", "former", "future", "treasurer"}


def age(op, value=None):
    return {"age": {"op": op} if value is None else {"op": op, "value": value}}


CASES = [
    (age("gte", 65), {"oma"}),
    (age("gt", 64), {"oma"}),
    (age("eq", 65), {"oma"}),
    (age("eq", 64), {"jong"}),  # 65 tomorrow
    (age("lt", 65), {"jong"}),
    (age("lte", 64), {"jong"}),
    (age("between", [64, 65]), {"oma", "jong"}),
    (age("in", [64, 80]), {"jong"}),
    (age("ne", 65), ACTIVE - {"oma"}),  # no birth date: not 65 either
    (age("empty"), ACTIVE - {"oma", "jong"}),
    (age("not_empty"), {"oma", "jong"}),
    ({"tag": "Journalist"}, {"oma"}),  # the archived journalist is not in a default filter
    ({"and": [{"tag": "journalist"}, {"archived": True}]}, {"arch"}),
    ({"archived": False}, ACTIVE),
    ({"archived": True}, {"arch"}),
    ({"or": [{"archived": True}, {"archived": False}]}, ACTIVE | {"arch"}),
    ({"not": {"archived": True}}, ACTIVE),
    ({"dossier_action": "newsletter"}, {"oma", "jong"}),
    ({"not": {"dossier_action": "newsletter"}}, ACTIVE - {"oma", "jong"}),
    ({"function": {"role": "board member"}}, {"board"}),
    ({"function": {"role": "BOARD  Member", "active": True}}, {"board"}),
    ({"function": {"role": "board member", "active": False}}, {"former", "future"}),
    ({"function": {"role": "board member", "active": None}}, {"board", "former", "future"}),
    ({"function": {"role": "treasurer"}}, {"treasurer"}),  # the end date is the last day held
    ({"function": {}}, {"board", "treasurer"}),
    ({"function": {"organisation": "acme"}}, {"board", "treasurer"}),
    ({"function": {"organisation": "club", "role": "board member"}}, set()),
    ({"function": {"organisation": "club", "active": None}}, {"future"}),
    ({"account": "none"}, ACTIVE),
    ({"account": "active"}, set()),
    ({"or": [{"tag": "journalist"}, {"function": {"role": "treasurer"}}]}, {"oma", "treasurer"}),
    ({"and": [{"dossier_action": "newsletter"}, {"not": age("gte", 65)}]}, {"jong"}),
    ({"not": {"not": {"or": [{"and": [{"tag": "journalist"}]}, {"function": {}}]}}},
     {"oma", "board", "treasurer"}),
    ({"and": [{"field": "type", "op": "eq", "value": "person"},
              {"not": {"or": [age("not_empty"), {"function": {"active": None}}]}}]}, set()),
]


@pytest.mark.parametrize("filter_node, expected", CASES,
                         ids=lambda case: str(case)[:60] if isinstance(case, dict) else "")
def test_a_node_finds_what_it_says(seeded, filter_node, expected):
    _selections, ids = seeded
    # Organisations are named by id; the cases name them by who they are.
    if "function" in filter_node and "organisation" in filter_node["function"]:
        organisation = ids[filter_node["function"]["organisation"]]
        filter_node = {"function": {**filter_node["function"], "organisation": organisation}}
    assert found(seeded, filter_node) == expected


@pytest.mark.parametrize("today, born, sixty_five", [
    (date(2026, 2, 28), "1961-02-28", True),
    (date(2026, 2, 28), "1961-03-01", False),
    (date(2025, 2, 28), "1960-02-29", False),  # a leap-day birthday comes on 1 March
    (date(2025, 3, 1), "1960-02-29", True),
    (date(2024, 2, 29), "1959-02-28", True),
    (date(2024, 2, 29), "1959-03-01", False),
])
def test_age_counts_whole_years_around_leap_days(selections, today, born, sixty_five):
    relation = selections.add(birth_date=born)
    with selections.runtime.unit_of_work() as uow:
        condition = compile_filter({"age": {"op": "gte", "value": 65}},
                                   FilterCatalog(uow.read_model, today))
        matched = uow.session.scalars(select(RelationView.id).where(condition)).all()
    assert (matched == [relation["id"]]) is sixty_five
