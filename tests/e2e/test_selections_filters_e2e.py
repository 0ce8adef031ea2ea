"""Filters through the gateway in both modes (issue 4, points 1 and 2): relations, custom fields,
tags, functions and dossiers written to the relations service reach the selections read model
over the bus, and complex filters compile to one query on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.testing import wait_until
from tests.e2e.relations_support import (
    READ_MODEL_TIMEOUT,
    RELATIONS,
    body,
    organisation,
    person,
    problem,
    put,
)
from tests.e2e.running import Gateway, unique

API = "/api/relations"
COUNT, QUERY = "/api/selections/filters/count", "/api/selections/filters/query"
BIO = ("Beekeeper. " + "Kept bees on the roof of the town hall for years. " * 6
       + "Señor Miel, 100% honey.")


def count(gateway: Gateway, node: dict[str, Any]) -> int:
    return body(gateway.post(COUNT, json={"filter": node}))["count"]


def found(gateway: Gateway, node: dict[str, Any], limit: int = 2) -> set[str]:
    """Every id a filter finds, page by page, checked against its count."""
    ids, cursor = [], None
    while True:
        page = body(gateway.post(QUERY, json={"filter": node, "limit": limit, "cursor": cursor}))
        ids += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(ids) == len(set(ids)) == count(gateway, node)
    return set(ids)


@pytest.fixture
def world(stack: Gateway) -> dict[str, Any]:
    """A small membership organisation of our own (unique keys and names), absorbed by the
    read model: answers the ids by name and the keys of its fields, tag and action."""
    keys = {name: unique(f"{name}_") for name in ("interests", "bio", "journalist", "mailing")}
    family = unique("Fam")
    body(stack.post(f"{API}/fields", json={
        "key": keys["interests"], "label": "Interests", "type": "multi_choice",
        "options": ["Sport", "Music", "Chess"]}), 201)
    body(stack.post(f"{API}/fields", json={
        "key": keys["bio"], "label": "Bio", "type": "long_text"}), 201)
    body(stack.post(f"{API}/tags", json={"key": keys["journalist"], "label": "Press"}), 201)
    body(stack.post(f"{API}/dossier-actions", json={"key": keys["mailing"],
                                                          "label": "Mailing"}), 201)
    senior = (date.today().replace(year=date.today().year - 70)).isoformat()
    ids = {
        "anna": person(stack, first_name="Änna", last_name=f"{family} Ôsterberg",
                       birth_date=senior, address={"city": "'s-Hertogenbosch"},
                       fields={keys["interests"]: ["sport", "music"], keys["bio"]: BIO})["id"],
        "bert": person(stack, first_name="Bert", last_name=f"{family} Smit",
                       birth_date="2000-01-01", address={"city": "Utrecht"},
                       fields={keys["interests"]: ["music"]})["id"],
        "cees": person(stack, first_name="Cees", last_name=f"{family} de Vries",
                       address={"city": "Utrecht"})["id"],
        "acme": organisation(stack, organisation_name=f"{family} Acme B.V.")["id"],
    }
    body(put(stack, f"{RELATIONS}/{ids['cees']}/tags/{keys['journalist']}"))
    for holder, role, end in (("anna", "Board Member", None), ("bert", "board member",
                                                               "2021-12-31")):
        body(stack.post(f"{RELATIONS}/{ids[holder]}/functions", json={
            "organisation_id": ids["acme"], "role": role, "start_date": "2020-01-01",
            "end_date": end}), 201)
    body(stack.post(f"{API}/dossiers", json={
        "name": family, "kind": "household", "member_ids": [ids["bert"], ids["cees"]],
        "actions": [keys["mailing"]]}), 201)
    family_filter = {"field": "name", "op": "contains", "value": family}
    wait_until(lambda: found(stack, {"and": [family_filter, {"or": [
        {"tag": keys["journalist"]}, {"dossier_action": keys["mailing"]},
        {"function": {"role": "board member", "active": None}}]}]}) == set(ids.values()) - {
        ids["acme"]}, timeout=READ_MODEL_TIMEOUT, message="the read model to hold the family")
    return {**ids, "keys": keys, "family": family_filter}


def test_complex_filters_find_what_they_say(stack: Gateway, world: dict[str, Any]):
    keys, family = world["keys"], world["family"]

    def names(node: dict[str, Any]) -> set[str]:
        ids = found(stack, {"and": [family, node]})
        return {name for name in ("anna", "bert", "cees", "acme") if world[name] in ids}

    assert names({"function": {"role": "BOARD MEMBER", "organisation": world["acme"]}}) == {
        "anna"}
    assert names({"function": {"role": "board member", "active": False}}) == {"bert"}
    assert names({"or": [
        {"and": [{"age": {"op": "gte", "value": 65}},
                 {"field": keys["interests"], "op": "contains", "value": "sport"}]},
        {"and": [{"dossier_action": keys["mailing"]},
                 {"not": {"tag": keys["journalist"]}}]}]}) == {"anna", "bert"}
    assert names({"and": [{"field": "city", "op": "in", "value": ["utrecht", "'S-HERTOGENBOSCH"]},
                          {"not": {"field": "city", "op": "eq", "value": "Utrecht"}}]}) == {
        "anna"}
    assert names({"and": [{"field": "last_name", "op": "contains", "value": "osterberg"},
                          {"field": "first_name", "op": "starts_with", "value": "an"}]}) == {
        "anna"}
    assert names({"field": keys["bio"], "op": "contains", "value": "senor miel"}) == {"anna"}
    assert names({"field": keys["bio"], "op": "eq", "value": BIO.lower()}) == {"anna"}
    assert names({"not": {"field": keys["interests"], "op": "not_empty"}}) == {"cees", "acme"}
    assert names({"and": [{"field": "type", "op": "eq", "value": "person"},
                          {"field": "birth_date", "op": "empty"},
                          {"account": "none"}]}) == {"cees"}
    # LIKE's wildcards are plain characters in a value: % finds only a real %.
    assert names({"field": keys["bio"], "op": "contains", "value": "100% honey"}) == {"anna"}
    assert names({"field": "city", "op": "contains", "value": "%"}) == set()


def test_archived_relations_only_when_the_filter_says_so(stack: Gateway, world: dict[str, Any]):
    url = f"{RELATIONS}/{world['cees']}/archive"
    body(stack.post(url, json={"reason": "moved away"}))
    archived = {"and": [world["family"], {"archived": True}]}
    wait_until(lambda: found(stack, archived) == {world["cees"]}, timeout=READ_MODEL_TIMEOUT,
               message="the archive in the read model")
    assert world["cees"] not in found(stack, world["family"])
    assert world["cees"] in found(stack, {"and": [world["family"], {"field": "status",
                                                                    "op": "ne",
                                                                    "value": "active"}]})


def test_a_bad_filter_points_at_the_node(stack: Gateway):
    answer = problem(stack.post(COUNT, json={"filter": {"and": [
        {"field": "city", "op": "eq", "value": "Utrecht"},
        {"or": [{"in_group": "no-such-group"}, {"age": {"op": "gte", "value": "old"}}]}]}}),
        422)
    assert set(answer["errors"]) == {"filter.and[1].or[0].in_group",
                                     "filter.and[1].or[1].age.value"}


def test_a_saved_list_is_dynamic_and_usable_in_filters(stack: Gateway):
    town = unique("Lijststad")
    saved = body(stack.post("/api/selections/lists", json={
        "name": unique("Lijst "), "filter": {"field": "city", "op": "eq", "value": town}}), 201)
    for name in ("Eerste", "Tweede"):
        body(stack.post("/api/relations/relations", json={
            "type": "person", "last_name": name, "address": {"city": town}}), 201)
    wait_until(lambda: body(stack.get(f"/api/selections/lists/{saved['id']}/members"))[
        "count"] == 2, timeout=20, message="the list's members")
    assert count(stack, {"and": [{"in_list": saved["id"]},
                                 {"field": "last_name", "op": "eq", "value": "Eerste"}]}) == 1
