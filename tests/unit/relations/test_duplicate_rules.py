"""Duplicate matching rules (tuned by administrators) and pairs marked "not a duplicate",
through the gateway."""

import pytest

RELATIONS = "/api/relations/relations"
RULES = "/api/relations/duplicate-rules"
PAIRS = "/api/relations/duplicates"
DISMISSALS = "/api/relations/duplicates/dismissals"


def create(api, **body):
    response = api.post(RELATIONS, json={"type": "person", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def pair_scores(api):
    response = api.get(PAIRS)
    assert response.status_code == 200, response.get_json()
    return [(pair["score"], [r["rule"] for r in pair["rules"]])
            for pair in response.get_json()["items"]]


def candidate_ids(api, relation_id):
    response = api.get(f"{RELATIONS}/{relation_id}/duplicates")
    return [c["relation"]["id"] for c in response.get_json()["items"]]


@pytest.fixture
def admin(as_superuser):
    return as_superuser("relations")


def test_the_built_in_rules_and_their_defaults(api):
    body = api.get(RULES).get_json()
    assert {r["rule"]: (r["enabled"], r["score"], r["threshold"]) for r in body["rules"]} == {
        "same_email": (True, 90, None), "same_phone": (True, 80, None),
        "same_name_and_birth_date": (True, 85, None),
        "similar_name_same_postcode": (True, 80, 85)}
    assert body["reject_min_score"] == 80
    assert all(rule["description"] for rule in body["rules"])


def test_only_administrators_change_rules(staff_api):
    editor = staff_api("editor")
    response = editor.put(f"{RULES}/same_email", json={"enabled": False, "score": 90})
    assert response.status_code == 403
    assert response.get_json()["permission"] == "definitions:manage"
    assert editor.patch(RULES, json={"reject_min_score": 90}).status_code == 403
    assert editor.get(RULES).get_json()["reject_min_score"] != 90
    administrator = staff_api("administrator")
    assert administrator.patch(RULES, json={"reject_min_score": 90}).status_code == 200


def test_changing_a_rule_rescores_every_known_pair(api, admin):
    create(api, last_name="Een", emails=[{"address": "e@x.nl"}], phones=[{"number": "0201111111"}])
    create(api, last_name="Twee", emails=[{"address": "e@x.nl"}],
           phones=[{"number": "0201111111"}])
    create(api, last_name="Drie", emails=[{"address": "d@x.nl"}])
    create(api, last_name="Vier", emails=[{"address": "d@x.nl"}])
    assert sorted(pair_scores(api)) == [(90, ["same_email"]), (90, ["same_email", "same_phone"])]

    off = admin.put(f"{RULES}/same_email", json={"enabled": False, "score": 90})
    assert off.status_code == 200 and off.get_json()["enabled"] is False
    assert pair_scores(api) == [(80, ["same_phone"])]

    admin.put(f"{RULES}/same_email", json={"enabled": True, "score": 70})
    assert pair_scores(api) == [(80, ["same_phone", "same_email"]), (70, ["same_email"])]


def test_the_similarity_threshold_can_be_lowered_to_the_floor(api, admin):
    one = create(api, first_name="Kees", infix="van", last_name="Dijk",
                 address={"postcode": "1234 AB"})
    create(api, first_name="Kees", last_name="Dijk", address={"postcode": "1234AB"})
    assert pair_scores(api) == []  # similarity 82, under the threshold of 85
    changed = admin.put(f"{RULES}/similar_name_same_postcode",
                        json={"enabled": True, "score": 100, "threshold": 80})
    assert changed.status_code == 200 and changed.get_json()["threshold"] == 80
    assert pair_scores(api) == [(82, ["similar_name_same_postcode"])]
    assert len(candidate_ids(api, one["id"])) == 1


@pytest.mark.parametrize("rule, body, field", [
    ("similar_name_same_postcode", {"enabled": True, "score": 80}, "threshold"),
    ("similar_name_same_postcode", {"enabled": True, "score": 80, "threshold": 50}, "threshold"),
    ("same_email", {"enabled": True, "score": 90, "threshold": 85}, "threshold"),
    ("same_email", {"enabled": True, "score": 0}, "score"),
    ("same_email", {"score": 90}, "enabled"),
    ("same_email", {"enabled": True, "score": 90, "colour": "red"}, "colour"),
])
def test_bad_rule_changes_name_the_field(admin, rule, body, field):
    response = admin.put(f"{RULES}/{rule}", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"] or field in str(response.get_json()["errors"])


def test_unknown_rules_and_bad_settings(admin):
    assert admin.put(f"{RULES}/same_shoe_size",
                     json={"enabled": True, "score": 50}).status_code == 404
    response = admin.patch(RULES, json={"reject_min_score": 101})
    assert response.status_code == 422 and "reject_min_score" in str(response.get_json())


def test_a_dismissed_pair_is_not_proposed_again_even_after_edits(api):
    one = create(api, last_name="Lijkt", emails=[{"address": "l@x.nl"}])
    other = create(api, last_name="Niet", emails=[{"address": "l@x.nl"}])
    dismissed = api.post(DISMISSALS, json={"a": other["id"], "b": one["id"]})
    assert dismissed.status_code == 201
    assert dismissed.get_json()["a"] == min(one["id"], other["id"])
    assert api.post(DISMISSALS, json={"a": one["id"], "b": other["id"]}).status_code == 200
    assert pair_scores(api) == []
    assert candidate_ids(api, one["id"]) == []

    edited = api.patch(f"{RELATIONS}/{other['id']}",
                       json={"phones": [{"number": "0612345678"}], "last_name": "Lijkt"},
                       headers={"If-Match": f'"{other["id"]}.{other["version"]}"'})
    assert edited.status_code == 200
    api.patch(f"{RELATIONS}/{one['id']}", json={"phones": [{"number": "0612345678"}]},
              headers={"If-Match": f'"{one["id"]}.{one["version"]}"'})
    assert pair_scores(api) == []
    assert candidate_ids(api, other["id"]) == []
    listed = api.get(DISMISSALS).get_json()
    assert [(d["a"], d["b"]) for d in listed["items"]] == [tuple(sorted((one["id"],
                                                                          other["id"])))]
    assert listed["next_cursor"] is None

    assert api.delete(f"{DISMISSALS}/{one['id']}/{other['id']}").status_code == 204
    assert pair_scores(api) == [(90, ["same_email", "same_phone"])]
    assert api.delete(f"{DISMISSALS}/{one['id']}/{other['id']}").status_code == 404
    assert api.get(DISMISSALS).get_json()["items"] == []


def test_dismissals_page_newest_first(api):
    ids = [create(api, last_name=f"R{n}")["id"] for n in range(4)]
    for b in ids[1:]:
        assert api.post(DISMISSALS, json={"a": ids[0], "b": b}).status_code == 201
    first = api.get(DISMISSALS, query_string={"limit": 2}).get_json()
    rest = api.get(DISMISSALS, query_string={"limit": 2,
                                              "cursor": first["next_cursor"]}).get_json()
    pairs = [(d["a"], d["b"]) for d in first["items"] + rest["items"]]
    assert pairs == [tuple(sorted((ids[0], b))) for b in reversed(ids[1:])]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("body, field", [
    ({"a": "same", "b": "same"}, "b"), ({"a": "nobody", "b": "other"}, "a"),
    ({"a": "x"}, "b"), ({"a": "x", "b": "y", "c": "z"}, "c"),
])
def test_bad_dismissals_name_the_field(api, body, field):
    response = api.post(DISMISSALS, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
