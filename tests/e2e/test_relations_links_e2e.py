"""What hangs off a relation, through the gateway in both modes (issue 3, points 4 to 6):
functions read from both ends, contact moments newest first, tags and dossier actions with
"remove from everyone" (a JSONB containment query on PostgreSQL) and their guarded deletion."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.relations_support import (
    RELATIONS,
    Staff,
    body,
    card,
    delete,
    etag,
    follows,
    history,
    organisation,
    person,
    problem,
    put,
)
from tests.e2e.running import Gateway, unique

TAGS = "/api/relations/tags"
ACTIONS = "/api/relations/dossier-actions"
DOSSIERS = "/api/relations/dossiers"


def functions_of(gateway: Gateway, relation_id: str, **query) -> list[dict]:
    return body(gateway.get(f"{RELATIONS}/{relation_id}/functions", params=query))["items"]


# --- 4. functions ----------------------------------------------------------------------------


def test_functions_are_listed_from_both_ends(stack: Gateway):
    jan = person(stack, first_name="Jan", infix="van der", last_name=unique("Berg-"))
    piet = person(stack, initials="P.", last_name=unique("Smit-"))
    acme = organisation(stack)
    jan_name = f"Jan van der {jan['last_name']}"

    added = stack.post(f"{RELATIONS}/{jan['id']}/functions", json={
        "organisation_id": acme["id"], "role": "  Director\n", "start_date": "2020-01-01"})
    director = body(added, 201)
    assert (director["direction"], director["role"], director["active"]) == (
        "holds", "Director", True)
    assert director["other"] == {"id": acme["id"], "type": "organisation",
                                 "display_name": acme["organisation_name"]}
    board = body(stack.post(f"{RELATIONS}/{acme['id']}/functions", json={
        "relation_id": piet["id"], "role": "board member", "start_date": "2021-03-01"}), 201)
    assert board["direction"] == "held_by"
    body(stack.post(f"{RELATIONS}/{jan['id']}/functions", json={
        "organisation_id": acme["id"], "role": "employee", "start_date": "2010-01-01",
        "end_date": "2015-12-31"}), 201)
    twin = stack.post(f"{RELATIONS}/{jan['id']}/functions", json={
        "organisation_id": acme["id"], "role": "DIRECTOR", "start_date": "2022-01-01"})
    assert problem(twin, 409)["existing"] == director["id"]

    held = functions_of(stack, acme["id"])  # latest start first
    assert [(f["role"], f["direction"], f["other"]["display_name"]) for f in held] == [
        ("board member", "held_by", f"P. {piet['last_name']}"),
        ("Director", "held_by", jan_name), ("employee", "held_by", jan_name)]
    (holds,) = functions_of(stack, piet["id"])
    assert (holds["direction"], holds["other"]["id"]) == ("holds", acme["id"])
    assert [f["role"] for f in functions_of(stack, jan["id"], active="true")] == ["Director"]
    assert [f["role"] for f in functions_of(stack, jan["id"], active="false")] == ["employee"]
    assert [f["id"] for f in functions_of(stack, acme["id"], role="DIRECTOR")] == [
        director["id"]]
    one = body(stack.get(added.headers["Location"]))
    assert (one["relation"]["id"], one["organisation"]["id"]) == (jan["id"], acme["id"])

    ended = body(stack.patch(added.headers["Location"], json={"end_date": "2024-06-30"}))
    assert ended["end_date"] == "2024-06-30" and not ended["active"]
    assert [f["role"] for f in functions_of(stack, acme["id"], active="true")] == [
        "board member"]
    for side in (jan, acme):
        entry = next(h for h in history(stack, side["id"]) if h["field"] == "functions")
        assert entry["after"]["end_date"] == "2024-06-30"
        assert card(stack, side["id"])["version"] == 1  # a function is not a card change


# --- 5. contact moments ----------------------------------------------------------------------


def test_contact_moments_are_listed_newest_first(stack: Gateway):
    anna = person(stack, first_name="Anna")
    url = f"{RELATIONS}/{anna['id']}/contact-moments"
    for at, kind in [("2024-05-01T14:30:00+02:00", "phone"),   # 12:30 UTC
                     ("2024-05-01T13:00:00+00:00", "email"),   # later, though it reads earlier
                     ("2024-04-01T09:00:00+00:00", "letter"),
                     ("2024-06-01T09:00:00-04:00", "phone")]:
        moment = body(stack.post(url, json={"kind": kind, "subject": f"About {kind}",
                                            "note": "Line one.\nLine two.", "at": at}), 201)
        assert moment["by"] == stack.label and moment["relation_id"] == anna["id"]
    items = body(stack.get(url))["items"]
    assert [item["at"] for item in items] == [
        "2024-06-01T13:00:00+00:00", "2024-05-01T13:00:00+00:00", "2024-05-01T12:30:00+00:00",
        "2024-04-01T09:00:00+00:00"]
    assert items[0]["note"] == "Line one.\nLine two."
    phones = body(stack.get(url, params={"kind": "phone"}))["items"]
    assert [item["at"][:10] for item in phones] == ["2024-06-01", "2024-05-01"]
    first = body(stack.get(url, params={"limit": 3}))
    rest = body(stack.get(url, params={"limit": 3, "cursor": first["next_cursor"]}))
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in items]
    assert rest["next_cursor"] is None
    assert "kind" in problem(stack.post(url, json={"kind": "fax", "subject": "x"}), 422)[
        "errors"]
    assert card(stack, anna["id"])["version"] == 1


def test_a_contact_moment_recorded_by_staff_says_who(distributed: Gateway, tmp_path_factory):
    staff = Staff(distributed, Path(tmp_path_factory.getbasetemp()), user="e.visser",
                  roles=("editor",))
    anna = person(distributed)
    recorded = staff.request("POST", f"{RELATIONS}/{anna['id']}/contact-moments",
                             json={"kind": "visit", "subject": "Home visit"})
    assert body(recorded, 201)["by"] == "staff:e.visser"
    (listed,) = body(distributed.get(f"{RELATIONS}/{anna['id']}/contact-moments"))["items"]
    assert listed["by"] == "staff:e.visser"


# --- 6. tags and dossiers --------------------------------------------------------------------


def test_a_tag_in_use_is_removed_from_everyone_before_it_can_go(stack: Gateway):
    key, other_key = unique("vip_"), unique("donor_")
    for tag in (key, other_key):
        body(stack.post(TAGS, json={"key": tag, "label": tag.title(), "category": "e2e"}), 201)
    name = unique("Visser-")
    holders = [person(stack, last_name=name) for _ in range(2)]
    bystander = person(stack, last_name=name)
    for relation in holders:
        tagged = put(stack, f"{RELATIONS}/{relation['id']}/tags/{key}")
        assert body(tagged)["tags"] == [key] and tagged.headers["ETag"] == etag(tagged.json())
    again = put(stack, f"{RELATIONS}/{holders[0]['id']}/tags/{key}")
    assert body(again)["version"] == 2  # having it already changes nothing
    both = put(stack, f"{RELATIONS}/{holders[0]['id']}/tags/{other_key}",
               headers={"If-Match": etag(again.json())})
    assert body(both)["tags"] == [key, other_key]
    stale = put(stack, f"{RELATIONS}/{bystander['id']}/tags/{key}",
                headers={"If-Match": f'"{bystander["id"]}.7"'})
    assert problem(stale, 412)["current_version"] == 1
    assert "tag" in problem(put(stack, f"{RELATIONS}/{bystander['id']}/tags/ghost"), 422)[
        "errors"]
    listed = body(stack.get(f"{RELATIONS}/{holders[0]['id']}/tags"))["items"]
    assert [item["label"] for item in listed] == [key.title(), other_key.title()]
    follows(stack, "last_name", name, lambda found: [found.get(r["id"], {}).get("tags")
                                                     for r in holders] == [
        [key, other_key], [key]], "the tags")

    refused = problem(delete(stack, f"{TAGS}/{key}"), 409)
    assert refused["holders"] == 2 and "remove-from-everyone" in refused["detail"]
    removed = stack.post(f"{TAGS}/{key}/remove-from-everyone")
    assert body(removed) == {"changed": 2}
    assert [card(stack, r["id"])["tags"] for r in holders] == [[other_key], []]
    assert card(stack, bystander["id"])["version"] == 1
    entry = next(h for h in history(stack, holders[0]["id"]) if h["field"] == "tags")
    assert (entry["before"], entry["after"]) == ([key, other_key], [other_key])
    body(delete(stack, f"{TAGS}/{key}"), 204)
    problem(stack.get(f"{TAGS}/{key}"), 404)
    follows(stack, "last_name", name, lambda found: [found.get(r["id"], {}).get("tags")
                                                     for r in holders] == [[other_key], []],
            "the tag removed from everyone")


def test_a_dossier_action_in_use_is_removed_from_everyone_before_it_can_go(stack: Gateway):
    action, kept = unique("newsletter_"), unique("christmas_")
    for key in (action, kept):
        body(stack.post(ACTIONS, json={"key": key, "label": key.title()}), 201)
    anna, piet = person(stack), person(stack)
    home = body(stack.post(DOSSIERS, json={"name": unique("Household "), "kind": "household",
                                           "member_ids": [anna["id"], piet["id"]],
                                           "actions": [action, kept]}), 201)
    case = body(stack.post(DOSSIERS, json={"name": unique("Case "), "kind": "case"}), 201)
    assert home["member_ids"] == [anna["id"], piet["id"]]
    joined = body(put(stack, f"{DOSSIERS}/{case['id']}/members/{anna['id']}"))
    assert joined["member_ids"] == [anna["id"]]
    body(put(stack, f"{DOSSIERS}/{case['id']}/actions/{action}"))
    mine = body(stack.get(f"{RELATIONS}/{anna['id']}/dossiers"))["items"]
    assert sorted(d["id"] for d in mine) == sorted([home["id"], case["id"]])
    assert all(action in d["actions"] for d in mine)

    refused = problem(delete(stack, f"{ACTIONS}/{action}"), 409)
    assert refused["holders"] == 2
    assert body(stack.post(f"{ACTIONS}/{action}/remove-from-everyone")) == {"changed": 2}
    assert body(stack.get(f"{DOSSIERS}/{home['id']}"))["actions"] == [kept]
    assert body(stack.get(f"{DOSSIERS}/{case['id']}"))["actions"] == []
    dossier_changes = [h for h in history(stack, piet["id"]) if h["field"] == "dossiers"]
    assert dossier_changes[0]["before"]["actions"] == [action, kept]
    assert dossier_changes[0]["after"]["actions"] == [kept]
    body(delete(stack, f"{ACTIONS}/{action}"), 204)
    problem(delete(stack, f"{ACTIONS}/{kept}"), 409)
    left = body(delete(stack, f"{DOSSIERS}/{case['id']}/members/{anna['id']}"))
    assert left["member_ids"] == []
