"""A relation's life through the gateway, in both modes (issue 3, points 7 to 9): its history
and the feed, archive with the built-in impact and restore, permanent delete (refused to anyone but
a superuser), merge and undo."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.relations_support import (
    RELATIONS,
    Staff,
    body,
    card,
    delete,
    every_id,
    follows,
    history,
    organisation,
    person,
    problem,
    put,
    read_model,
)
from tests.e2e.running import Gateway, unique

# --- 7. history and the feed -----------------------------------------------------------------


def test_every_change_is_in_the_history_and_the_feed(stack: Gateway):
    created = stack.post(RELATIONS, json={"type": "person", "first_name": "Piet",
                                          "last_name": unique("Bos-")})
    url, tag = created.headers["Location"], created.headers["ETag"]
    correlations = [unique("e2e-request-") for _ in range(3)]
    for name, correlation in zip(("Pieter", "P.", "Peter"), correlations, strict=True):
        changed = stack.patch(url, json={"first_name": name}, headers={
            "If-Match": tag, "X-Correlation-ID": correlation})
        tag = changed.headers["ETag"]
        assert body(changed)["first_name"] == name
    relation_id = body(created, 201)["id"]

    entries = history(stack, relation_id)
    assert [(e["before"], e["after"], e["via_ref"]) for e in entries[:3]] == [
        ("P.", "Peter", correlations[2]), ("Pieter", "P.", correlations[1]),
        ("Piet", "Pieter", correlations[0])]
    assert {(e["principal"], e["via"]) for e in entries} == {(stack.label, "api")}
    assert entries[-1]["field"] == "created"
    first = body(stack.get(f"{url}/history", params={"limit": 2}))
    rest = body(stack.get(f"{url}/history", params={"limit": 2,
                                                   "cursor": first["next_cursor"]}))
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in entries[:4]]

    mine = body(stack.get("/api/relations/feed", params={"include_mine": "true",
                                                         "limit": 3}))["items"]
    assert [e["id"] for e in mine] == [e["id"] for e in entries[:3]]
    others = body(stack.get("/api/relations/feed", params={"limit": 100}))["items"]
    assert all(e["principal"] != stack.label for e in others)  # the caller's own are hidden


def test_the_feed_shows_a_change_by_someone_else(distributed: Gateway, tmp_path_factory):
    staff = Staff(distributed, Path(tmp_path_factory.getbasetemp()), user="h.editor",
                  roles=("editor",))
    relation = person(distributed, first_name="Els")
    changed = staff.request("PATCH", f"{RELATIONS}/{relation['id']}",
                            json={"first_name": "Elske"},
                            headers={"If-Match": f'"{relation["id"]}.1"'})
    assert body(changed)["version"] == 2
    (latest,) = body(distributed.get("/api/relations/feed", params={"limit": 1}))["items"]
    assert (latest["relation_id"], latest["principal"], latest["field"]) == (
        relation["id"], "staff:h.editor", "first_name")
    assert (latest["before"], latest["after"]) == ("Els", "Elske")


# --- 8. archive, restore, delete -------------------------------------------------------------


def test_archiving_ends_open_functions_once_confirmed_and_restore_brings_it_back(
        stack: Gateway):
    name = unique("Bestuur-")
    member = person(stack, last_name=name)
    club = organisation(stack)
    url = f"{RELATIONS}/{member['id']}"
    function = body(stack.post(f"{url}/functions", json={
        "organisation_id": club["id"], "role": "board member", "start_date": "2020-01-01"}),
        201)
    impacts = body(stack.get(f"{url}/archive-impacts"))["impacts"]
    assert [(i["key"], i["count"], i["requires_confirmation"]) for i in impacts] == [
        ("end_functions", 1, True)]
    assert impacts[0]["details"][0]["function_id"] == function["id"]

    assert "reason" in problem(stack.post(f"{url}/archive", json={}), 422)["errors"]
    refused = problem(stack.post(f"{url}/archive", json={"reason": "resigned"}), 409)
    assert refused["missing_confirmations"] == ["end_functions"]
    assert card(stack, member["id"])["status"] == "active"  # nothing half done
    archived = body(stack.post(f"{url}/archive", json={"reason": "resigned",
                                                       "confirm": ["end_functions"]}))
    assert (archived["status"], archived["archived_reason"]) == ("archived", "resigned")
    ended = body(stack.get(f"/api/relations/functions/{function['id']}"))
    assert ended["end_date"] == datetime.now(UTC).date().isoformat()
    assert body(stack.get(f"{url}/archive-impacts"))["impacts"] == []
    assert member["id"] not in every_id(stack, RELATIONS)
    assert member["id"] in every_id(stack, RELATIONS, status="archived")
    assert card(stack, member["id"])["status"] == "archived"  # still retrievable
    follows(stack, "last_name", name, lambda found: found.get(member["id"], {}).get(
        "status") == "archived", "the archived status")

    restored = body(stack.post(f"{url}/restore"))
    assert (restored["status"], restored["archived_reason"]) == ("active", None)
    assert {"status", "archived_reason", "archived_at"} <= {
        e["field"] for e in history(stack, member["id"])}
    assert member["id"] in every_id(stack, RELATIONS)
    follows(stack, "last_name", name, lambda found: found.get(member["id"], {}).get(
        "status") == "active", "the restored status")
    problem(stack.post(f"{RELATIONS}/{unique('nobody-')}/archive", json={"reason": "x"}), 404)


def test_permanent_delete_is_refused_to_all_but_a_superuser(stack: Gateway):
    relation = person(stack)
    url = f"{RELATIONS}/{relation['id']}"
    problem(delete(stack.anonymous(), url), 401)
    refused = problem(delete(stack.new_staff("administrator"), url), 403)
    assert refused["permission"] == "relations:delete"
    assert card(stack, relation["id"]) == relation
    assert body(delete(stack, url), 204) is None  # the bootstrap superuser, logged in
    assert body(stack.get(url), 410)["tombstone"] == "deleted"


def test_a_superuser_deletes_for_good_and_leaves_a_tombstone(distributed: Gateway,
                                                             tmp_path_factory):
    root = Staff(distributed, Path(tmp_path_factory.getbasetemp()))
    name = unique("Weg-")
    relation = person(distributed, last_name=name, first_name="Jan",
                      emails=[{"address": f"{name.lower()}@example.org"}])
    club = organisation(distributed)
    body(distributed.post(f"{RELATIONS}/{club['id']}/functions", json={
        "relation_id": relation["id"], "role": "chair", "start_date": "2020-01-01"}), 201)
    household = body(distributed.post("/api/relations/dossiers", json={
        "name": unique("Household "), "kind": "household",
        "member_ids": [relation["id"], club["id"]]}), 201)
    follows(distributed, "last_name", name, lambda found: relation["id"] in found,
            "the new relation")
    url = f"{RELATIONS}/{relation['id']}"
    assert body(root.request("DELETE", url), 204) is None

    gone = body(distributed.get(url), 410)
    assert (gone["id"], gone["tombstone"], gone["status"]) == (relation["id"], "deleted", 410)
    entries = history(distributed, relation["id"])
    assert entries[0]["field"] == "deleted" and entries[0]["principal"] == "staff:root"
    assert all(e["before"] is None and e["after"] is None for e in entries)  # data erased
    body(distributed.patch(url, json={"first_name": "X"},
                           headers={"If-Match": f'"{relation["id"]}.2"'}), 410)
    follows(distributed, "last_name", name, lambda found: not found, "the relation forgotten")
    assert read_model(distributed, "email", f"{name.lower()}@example.org") == []
    (held,) = body(distributed.get(f"{RELATIONS}/{club['id']}/functions"))["items"]
    assert held["other"] == {"id": relation["id"], "type": "person",
                             "display_name": "deleted relation"}
    left = body(distributed.get(f"/api/relations/dossiers/{household['id']}"))
    assert left["member_ids"] == [club["id"]]
    assert body(root.request("DELETE", url), 204) is None  # deleting it again changes nothing


def test_a_deleted_relations_contact_moments_keep_no_personal_data(distributed: Gateway,
                                                                    tmp_path_factory):
    root = Staff(distributed, Path(tmp_path_factory.getbasetemp()))
    relation = person(distributed, first_name="Jan")
    secret = unique("Diagnosed with ")
    moment = body(distributed.post(f"{RELATIONS}/{relation['id']}/contact-moments", json={
        "kind": "visit", "subject": "Home visit", "note": secret}), 201)
    body(root.request("DELETE", f"{RELATIONS}/{relation['id']}"), 204)
    for path in (f"{RELATIONS}/{relation['id']}/contact-moments",
                 f"/api/relations/contact-moments/{moment['id']}"):
        assert secret not in distributed.get(path).text, path


# --- 9. merge and undo -----------------------------------------------------------------------


def test_a_merge_unites_two_persons_and_undo_puts_everything_back(stack: Gateway):
    newsletter, volunteer, donor = unique("nl_"), unique("volunteer_"), unique("donor_")
    body(stack.post("/api/relations/fields", json={"key": newsletter, "label": "N",
                                                   "type": "checkbox"}), 201)
    for tag in (volunteer, donor):
        body(stack.post("/api/relations/tags", json={"key": tag, "label": tag}), 201)
    kept_name, other_name = unique("Jansen-"), unique("Janssen-")
    mail = f"{kept_name.lower()}@example.org"
    keep = person(stack, first_name="Jan", last_name=kept_name, emails=[{"address": mail}])
    other = person(stack, initials="J.", first_name="Jo", last_name=other_name,
                   emails=[{"address": mail.upper()}, {"address": f"j.{kept_name}@work.nl"}],
                   phones=[{"number": "0612345678"}], fields={newsletter: True})
    keep = body(put(stack, f"{RELATIONS}/{keep['id']}/tags/{volunteer}"))
    other = body(put(stack, f"{RELATIONS}/{other['id']}/tags/{donor}"))
    club = organisation(stack)
    body(stack.post(f"{RELATIONS}/{other['id']}/functions", json={
        "organisation_id": club["id"], "role": "treasurer", "start_date": "2021-01-01"}), 201)
    body(stack.post(f"{RELATIONS}/{other['id']}/contact-moments", json={
        "kind": "phone", "subject": "Called about dues"}), 201)
    own, shared = (body(stack.post("/api/relations/dossiers", json={
        "name": unique("Dossier "), "kind": "household", "member_ids": members}), 201)["id"]
        for members in ([other["id"]], [keep["id"], other["id"]]))

    merged = body(stack.post("/api/relations/merges", json={
        "keep": keep["id"], "others": [other["id"]], "choices": {"last_name": other["id"]}}),
        201)
    kept = merged["keep"]
    assert (kept["initials"], kept["first_name"], kept["last_name"]) == (
        "J.", "Jan", other_name)  # the keeper had no initials; the chosen last name
    assert [e["address"] for e in kept["emails"]] == [mail, f"j.{kept_name}@work.nl"]
    assert kept["phones"][0]["number"] == "+31612345678"
    assert kept["fields"] == {newsletter: True} and sorted(kept["tags"]) == sorted(
        [volunteer, donor])
    assert body(stack.get(f"{RELATIONS}/{other['id']}")) == {"id": other["id"],
                                                            "merged_into": keep["id"]}
    keep_url = f"{RELATIONS}/{keep['id']}"
    assert [f["role"] for f in body(stack.get(f"{keep_url}/functions"))["items"]] == [
        "treasurer"]
    assert [m["subject"] for m in body(stack.get(f"{keep_url}/contact-moments"))["items"]] == [
        "Called about dues"]
    assert {"merged", "created"} <= {e["field"] for e in history(stack, keep["id"])}
    assert sorted(d["id"] for d in body(stack.get(f"{keep_url}/dossiers"))["items"]) == sorted(
        [own, shared])
    assert body(stack.get(f"/api/relations/dossiers/{shared}"))["member_ids"] == [keep["id"]]
    moved = stack.patch(f"{RELATIONS}/{other['id']}", json={"first_name": "X"},
                        headers={"If-Match": f'"{other["id"]}.{other["version"]}"'})
    assert problem(moved, 409)["merged_into"] == keep["id"]
    follows(stack, "last_name", other_name, lambda found: list(found) == [keep["id"]],
            "only the keeper under the chosen name")

    undo = f"/api/relations/merges/{merged['merge']['id']}/undo"
    body(stack.post(undo))
    for before in (keep, other):
        now = card(stack, before["id"])
        for field in ("initials", "first_name", "last_name", "emails", "phones", "fields",
                      "tags", "status"):
            assert now[field] == before[field], field
    other_url = f"{RELATIONS}/{other['id']}"
    assert len(body(stack.get(f"{other_url}/functions"))["items"]) == 1
    assert len(body(stack.get(f"{other_url}/contact-moments"))["items"]) == 1
    assert body(stack.get(f"{keep_url}/functions"))["items"] == []
    assert body(stack.get(f"/api/relations/dossiers/{own}"))["member_ids"] == [other["id"]]
    assert sorted(body(stack.get(f"/api/relations/dossiers/{shared}"))["member_ids"]) == sorted(
        [keep["id"], other["id"]])
    problem(stack.post(undo), 409)
    follows(stack, "last_name", other_name, lambda found: list(found) == [other["id"]],
            "the other back under its own name")
    follows(stack, "last_name", kept_name, lambda found: list(found) == [keep["id"]],
            "the keeper back under its own name")
