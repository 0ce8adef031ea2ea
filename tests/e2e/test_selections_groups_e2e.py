"""Groups through the gateway in both modes (issue 4, points 5, 6, 8 and 9): relations written to
the relations service move dynamic and composite memberships over the bus, static groups keep
their history and follow merges and deletions, a used group cannot be deleted, and a group's
members download as CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.e2e.relations_support import RELATIONS, body, delete, person, problem
from tests.e2e.running import REPO_ROOT, Gateway, unique
from tests.e2e.selections_support import (
    GROUPS,
    absorbed,
    add_known,
    changed,
    group,
    groups_of,
    history,
    members,
    members_become,
    remove,
)


def test_dynamic_and_composite_groups_follow_relation_changes(stack: Gateway):
    town, elsewhere = unique("Groepstad-"), unique("Elders-")
    dynamic = group(stack, "dynamic", filter={"and": [
        {"field": "city", "op": "eq", "value": town},
        {"field": "first_name", "op": "starts_with", "value": "A"}]})
    anna = person(stack, first_name="Anna", address={"city": town})
    bert = person(stack, first_name="Bert", address={"city": town})
    members_become(stack, dynamic["id"], {anna["id"]}, "the dynamic group on create")

    static = group(stack, "static")
    add_known(stack, static["id"], [bert["id"]])
    both = group(stack, "composite", combine="intersection",
                 groups=[dynamic["id"], static["id"]])
    only_dynamic = group(stack, "composite", combine="difference",
                         groups=[dynamic["id"], static["id"]])
    assert (both["member_count"], only_dynamic["member_count"]) == (0, 1)

    bert = changed(stack, bert, first_name="Albert")
    members_become(stack, dynamic["id"], {anna["id"], bert["id"]}, "the group after a rename")
    members_become(stack, both["id"], {bert["id"]}, "the intersection after a rename")
    assert members(stack, only_dynamic["id"]) == {anna["id"]}

    add_known(stack, static["id"], [anna["id"]])
    assert members(stack, both["id"]) == {anna["id"], bert["id"]}  # the same commit
    assert members(stack, only_dynamic["id"]) == set()

    anna = changed(stack, anna, address={"city": elsewhere})
    members_become(stack, dynamic["id"], {bert["id"]}, "the group after a move away")
    assert members(stack, both["id"]) == {bert["id"]}
    assert body(stack.get(f"{GROUPS}/{both['id']}"))["member_count"] == 1

    body(stack.post(f"{RELATIONS}/{bert['id']}/archive", json={"reason": "moved abroad"}))
    members_become(stack, dynamic["id"], set(), "the group after an archive")
    assert members(stack, both["id"]) == set()
    assert set(groups_of(stack, bert["id"])) == {static["id"]}


def test_groups_made_while_their_relations_arrive_miss_none(stack: Gateway):
    """Groups evaluated in full while the read model absorbs matching relations (another
    process, another transaction) end up with every one of them all the same."""
    writer = stack.anonymous()
    writer.session.headers.update(stack.credentials)
    town = unique("Tegelijk-")

    def arrive() -> set[str]:
        return {person(writer, address={"city": town})["id"] for _ in range(8)}

    with ThreadPoolExecutor(2) as pool:
        arriving = [pool.submit(arrive) for _ in range(2)]
        made = [group(stack, "dynamic", filter={"field": "city", "op": "eq", "value": town})
                for _ in range(6)]
        relation_ids = set().union(*(future.result() for future in arriving))
    for dynamic in made:
        members_become(stack, dynamic["id"], relation_ids, "a group made as they arrive")


def test_groups_of_a_relation_and_explain(stack: Gateway):
    town = unique("Uitlegstad-")
    node = {"and": [{"field": "city", "op": "eq", "value": town},
                    {"not": {"field": "last_name", "op": "starts_with", "value": "Zz"}}]}
    dynamic = group(stack, "dynamic", filter=node)
    static = group(stack, "static", visible_on_portal=True)
    union = group(stack, "composite", combine="union", groups=[dynamic["id"], static["id"]])
    inside = person(stack, last_name=unique("Binnen-"), address={"city": town})
    outside = person(stack, last_name=unique("Zz-"), address={"city": town})
    absorbed(stack, town, 2)
    members_become(stack, union["id"], {inside["id"]}, "the union")
    add_known(stack, static["id"], [inside["id"]])

    found = groups_of(stack, inside["id"])
    assert {gid: (g["kind"], g["via"]) for gid, g in found.items()} == {
        dynamic["id"]: ("dynamic", "filter"), static["id"]: ("static", "manual"),
        union["id"]: ("composite", "composite")}
    assert found[static["id"]]["visible_on_portal"] is True
    assert groups_of(stack, outside["id"]) == {}

    why = body(stack.get(f"{GROUPS}/{dynamic['id']}/explain/{inside['id']}"))
    assert (why["member"], why["via"]) == (True, "filter")
    assert why["since"] and why["checked_at"] and why["evaluated_at"]
    assert why["checked_at"] >= why["since"]
    tree = why["reason"]["filter"]
    assert (tree["held"], [child["held"] for child in tree["and"]]) == (True, [True, True])
    assert why["reason"]["matches_now"] is True

    why_not = body(stack.get(f"{GROUPS}/{dynamic['id']}/explain/{outside['id']}"))
    assert (why_not["member"], why_not["checked_at"]) == (False, None)
    tree = why_not["reason"]["filter"]
    assert [tree["held"], tree["and"][0]["held"], tree["and"][1]["held"],
            tree["and"][1]["not"]["held"]] == [False, True, False, True]
    assert tree["and"][1]["path"] == "filter.and[1]"

    composite = body(stack.get(f"{GROUPS}/{union['id']}/explain/{inside['id']}"))
    assert composite["member"] is True and composite["reason"]["combine"] == "union"
    assert [(sub["group"]["id"], sub["member"]) for sub in composite["reason"]["groups"]] == [
        (dynamic["id"], True), (static["id"], True)]
    by_hand = body(stack.get(f"{GROUPS}/{static['id']}/explain/{inside['id']}"))
    assert by_hand["reason"]["history"]["change"] == "joined"
    assert by_hand["reason"]["history"]["actor"] == stack.label


def test_static_membership_history_merge_and_delete(stack: Gateway):
    town = unique("Historie-")
    first, second, keeper = (person(stack, address={"city": town}) for _ in range(3))
    absorbed(stack, town, 3)
    static = group(stack, "static")
    url = f"{GROUPS}/{static['id']}"
    tally = body(stack.post(f"{url}/members", json={"relation_ids": [first["id"],
                                                                      second["id"]]}))
    assert (tally["outcomes"], tally["added"]) == (
        {first["id"]: "added", second["id"]: "added"}, 2)
    again = body(stack.post(f"{url}/members", json={"relation_ids": [first["id"], "nobody"]}))
    assert again["outcomes"] == {first["id"]: "already_member", "nobody": "unknown_relation"}
    assert remove(stack, static["id"], [second["id"], keeper["id"]])["outcomes"] == {
        second["id"]: "removed", keeper["id"]: "not_member"}
    assert members(stack, static["id"]) == {first["id"]}

    entries = history(stack, static["id"])
    assert [(e["relation_id"], e["change"], e["via"], e["actor"]) for e in entries[:1]] == [
        (second["id"], "left", "manual", stack.label)]
    assert sorted((e["relation_id"], e["change"]) for e in entries[1:]) == sorted(
        [(first["id"], "joined"), (second["id"], "joined")])
    assert [e["change"] for e in history(stack, static["id"], relation_id=second["id"])] == [
        "left", "joined"]

    merged = body(stack.post("/api/relations/merges", json={
        "keep": keeper["id"], "others": [first["id"]]}), 201)
    members_become(stack, static["id"], {keeper["id"]}, "the static group after a merge")
    merge_id = merged["merge"]["id"]
    moves = {(e["relation_id"], e["change"]): (e["via"], e["reference"])
             for e in history(stack, static["id"])[:2]}
    assert moves == {(first["id"], "left"): ("merge", merge_id),
                     (keeper["id"], "joined"): ("merge", merge_id)}

    add_known(stack, static["id"], [second["id"]])
    body(delete(stack, f"{RELATIONS}/{second['id']}"), 204)
    members_become(stack, static["id"], {keeper["id"]}, "the static group after a delete")
    latest = history(stack, static["id"], relation_id=second["id"])[0]
    assert (latest["change"], latest["via"]) == ("left", "delete")


def test_a_group_in_use_cannot_be_deleted(stack: Gateway):
    dynamic = group(stack, "dynamic", filter={"field": "city", "op": "eq",
                                              "value": unique("Nergens-")})
    static = group(stack, "static")
    user = group(stack, "composite", combine="union", groups=[dynamic["id"], static["id"]])
    refused = problem(delete(stack, f"{GROUPS}/{dynamic['id']}"), 409)
    assert refused["used_by"] == [{"kind": "group", "id": user["id"], "name": user["name"]}]
    assert user["name"] in refused["detail"]
    assert body(stack.get(f"{GROUPS}/{dynamic['id']}"))["id"] == dynamic["id"]

    body(delete(stack, f"{GROUPS}/{user['id']}"), 204)
    body(delete(stack, f"{GROUPS}/{dynamic['id']}"), 204)
    problem(stack.get(f"{GROUPS}/{dynamic['id']}"), 404)


def test_a_group_exports_as_csv(stack: Gateway):
    town = unique("Exportstad-")
    made = [person(stack, first_name=first, last_name=last, address={"city": town})
            for first, last in (("Anna", 'de Vries, "Jr."'), ("Émile", unique("Zola-")),
                                ("Bo", "=1+1"))]
    absorbed(stack, town, len(made))
    dynamic = group(stack, "dynamic", filter={"field": "city", "op": "eq", "value": town})
    assert members(stack, dynamic["id"]) == {r["id"] for r in made}

    response = stack.get(f"/api/selections/exports/groups/{dynamic['id']}.csv",
                         params={"columns": "id,first_name,last_name,city"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    # A cell a spreadsheet would run as a formula gets a leading apostrophe.
    shown = {"=1+1": "'=1+1"}
    assert rows == [["id", "first_name", "last_name", "city"], *sorted(
        [r["id"], r["first_name"], shown.get(r["last_name"], r["last_name"]), town]
        for r in made)]

    wrong = problem(stack.get(f"/api/selections/exports/groups/{dynamic['id']}.csv",
                              params={"columns": "id,shoe_size"}), 422)
    assert "columns" in wrong["errors"]
    problem(stack.get("/api/selections/exports/groups/no-such-group.csv"), 404)


def _snapshot(stack: Gateway, group_ids: list[str], filters: list[dict[str, Any]]) -> dict:
    return {"members": {gid: members(stack, gid) for gid in group_ids},
            "counts": [body(stack.post("/api/selections/filters/count",
                                       json={"filter": node}))["count"] for node in filters]}


def _rebuild(stack: Gateway, base_temp: Path) -> subprocess.CompletedProcess:
    """The rebuild command, run as ops would: with the environment the stack's processes
    have (its broker, databases and secret; deploy/local/stack.py recorded them)."""
    (run_file,) = {path.resolve() for path in base_temp.glob("*/run/stack.json")
                   if json.loads(path.read_text())["url"] == stack.url}
    record = json.loads(run_file.read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDBOX_")}
    env.update(CARDBOX_MODE="distributed", CARDBOX_BROKER_URL=record["broker_url"],
               CARDBOX_DATABASE_URL=record["database_url"],
               CARDBOX_PRINCIPAL_SECRET=record["secret"],
               CARDBOX_VAR_DIR=str(run_file.parent.parent))
    return subprocess.run([sys.executable, "-m", "services.selections.rebuild"], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=180, check=False)


def test_rebuild_changes_no_memberships(distributed: Gateway, tmp_path_factory):
    """`python -m services.selections.rebuild` against the running distributed stack (its own
    process, as ops run it) exits 0 and leaves every membership and count as it was."""
    stack = distributed
    town = unique("Herbouw-")
    made = [person(stack, first_name=name, address={"city": town}) for name in ("Ab", "Cor")]
    in_town = {"field": "city", "op": "eq", "value": town}
    absorbed(stack, town, len(made))
    dynamic = group(stack, "dynamic", filter=in_town)
    static = group(stack, "static")
    add_known(stack, static["id"], [made[0]["id"]])
    union = group(stack, "composite", combine="union", groups=[dynamic["id"], static["id"]])
    members_become(stack, union["id"], {r["id"] for r in made}, "the union before")
    sets = [dynamic["id"], static["id"], union["id"]]
    filters = [in_town, {"in_group": static["id"]}, {"in_group": union["id"]}]
    before = _snapshot(stack, sets, filters)
    assert before["counts"] == [2, 1, 2]

    done = _rebuild(stack, tmp_path_factory.getbasetemp())
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert _snapshot(stack, sets, filters) == before
