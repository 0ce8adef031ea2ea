"""Duplicates through the gateway: each matching rule, the pair list, updates, on_duplicate,
archived and deleted relations."""

import pytest

RELATIONS = "/api/relations/relations"
PAIRS = "/api/relations/duplicates"


def create(api, query=None, **body):
    response = api.post(RELATIONS, json={"type": "person", **body}, query_string=query or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def candidates(api, relation_id, **params):
    response = api.get(f"{RELATIONS}/{relation_id}/duplicates", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def pair_list(api, **params):
    response = api.get(PAIRS, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def only_match(api, one, other):
    """The one candidate of `one`, which must be `other` (and the same seen from `other`)."""
    found = candidates(api, one["id"])
    assert [c["relation"]["id"] for c in found] == [other["id"]]
    assert [c["relation"]["id"] for c in candidates(api, other["id"])] == [one["id"]]
    return found[0]


def test_same_email_whatever_the_case(api):
    jan = create(api, first_name="Jan", last_name="Bos", emails=[{"address": "jan@bos.nl"}])
    other = create(api, last_name="Anders", emails=[{"address": "Jan@BOS.nl"}])
    create(api, last_name="Derde", emails=[{"address": "derde@bos.nl"}])
    match = only_match(api, jan, other)
    assert match["score"] == 90
    assert match["rules"] == [{"rule": "same_email", "score": 90}]
    assert match["relation"]["name"] == "Anders"
    assert match["relation"]["emails"] == ["Jan@bos.nl"]


def test_same_phone_as_dialled_at_home_or_abroad(api):
    one = create(api, last_name="Bel", phones=[{"number": "06 12345678"}])
    other = create(api, last_name="Anders", phones=[{"number": "+31 6 1234 5678"}])
    match = only_match(api, one, other)
    assert (match["score"], match["rules"]) == (80, [{"rule": "same_phone", "score": 80}])


def test_same_name_and_birth_date_ignores_accents_case_and_spacing(api):
    one = create(api, first_name="José", infix="de", last_name="Vries", birth_date="1980-02-03")
    other = create(api, first_name="jose", infix="De", last_name=" Vries",
                   birth_date="1980-02-03")
    create(api, first_name="José", infix="de", last_name="Vries", birth_date="1980-02-04")
    match = only_match(api, one, other)
    assert match["rules"] == [{"rule": "same_name_and_birth_date", "score": 85}]


def test_similar_names_in_the_same_postcode(api):
    jan = create(api, first_name="Jan", last_name="Jansen", address={"postcode": "3511 AA"})
    typo = create(api, first_name="Jan", last_name="Janssen", address={"postcode": "3511aa"})
    # Family in the same house, and a namesake elsewhere: no match.
    create(api, first_name="Pieter", last_name="Jansen", address={"postcode": "3511AA"})
    create(api, first_name="Jan", last_name="Jansen", address={"postcode": "1011 AB"})
    match = only_match(api, jan, typo)
    # token_sort_ratio("jan jansen", "jan janssen") is 95; the score is 80 x 95 / 100.
    assert match["rules"] == [{"rule": "similar_name_same_postcode", "score": 76,
                               "similarity": 95}]
    assert match["score"] == 76


def test_a_pair_scores_its_best_rule_and_reports_all_that_matched(api):
    one = create(api, last_name="Dubbel", emails=[{"address": "d@x.nl"}],
                 phones=[{"number": "0201234567"}])
    other = create(api, last_name="Dubbel", emails=[{"address": "d@x.nl"}],
                   phones=[{"number": "+31201234567"}])
    match = only_match(api, one, other)
    assert match["score"] == 90
    assert [r["rule"] for r in match["rules"]] == ["same_email", "same_phone"]


def test_persons_and_organisations_are_never_duplicates(api):
    person = create(api, last_name="Bakker", emails=[{"address": "info@bakker.nl"}])
    create(api, type="organisation", organisation_name="Bakker BV",
           emails=[{"address": "info@bakker.nl"}])
    assert candidates(api, person["id"]) == []


def three_pairs(api):
    """Pairs scoring 90 (e-mail), 85 (name and birth date) and 80 (phone)."""
    for body in ({"last_name": "Mail", "emails": [{"address": "a@x.nl"}]},
                 {"last_name": "Puk", "birth_date": "1970-01-01"},
                 {"last_name": "Bel", "phones": [{"number": "0301234567"}]}):
        create(api, first_name="Piet", **body)
        create(api, first_name="Klaas" if "birth_date" not in body else "Piet", **body)


def test_the_pair_list_is_highest_score_first_a_page_at_a_time(api):
    three_pairs(api)
    seen, cursor = [], None
    while True:
        page = pair_list(api, limit=1, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [pair["score"] for pair in seen] == [90, 85, 80]
    assert all(pair["a"]["id"] < pair["b"]["id"] for pair in seen)
    assert [pair["rules"][0]["rule"] for pair in seen] == [
        "same_email", "same_name_and_birth_date", "same_phone"]
    assert [p["score"] for p in pair_list(api, min_score=85)["items"]] == [90, 85]


@pytest.mark.parametrize("params, field", [({"cursor": "nonsense"}, "cursor"),
                                           ({"min_score": 0}, "min_score"),
                                           ({"limit": 0}, "limit")])
def test_bad_pair_list_arguments_are_named(api, params, field):
    response = api.get(PAIRS, query_string=params)
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])


def test_an_update_that_removes_the_shared_email_removes_the_pair(api):
    one = create(api, last_name="Een", emails=[{"address": "samen@x.nl"}])
    other = create(api, last_name="Twee", emails=[{"address": "samen@x.nl"}])
    assert len(pair_list(api)["items"]) == 1
    changed = api.patch(f"{RELATIONS}/{other['id']}", json={"emails": [{"address": "t@x.nl"}]},
                        headers={"If-Match": f'"{other["id"]}.{other["version"]}"'})
    assert changed.status_code == 200
    assert pair_list(api)["items"] == []
    assert candidates(api, one["id"]) == []


def test_on_duplicate_reject_refuses_and_creates_nothing(api):
    existing = create(api, last_name="Vroeg", emails=[{"address": "vroeg@x.nl"}])
    response = api.post(RELATIONS, query_string={"on_duplicate": "reject"}, json={
        "type": "person", "last_name": "Laat", "emails": [{"address": "VROEG@x.nl"}]})
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["candidates"] == [
        {"id": existing["id"], "score": 90, "rules": [{"rule": "same_email", "score": 90}]}]
    listed = api.get(RELATIONS).get_json()["items"]
    assert [r["id"] for r in listed] == [existing["id"]]
    assert candidates(api, existing["id"]) == []
    create(api, query={"on_duplicate": "reject"}, last_name="Anders")
    allowed = create(api, query={"on_duplicate": "allow"}, last_name="Laat",
                     emails=[{"address": "vroeg@x.nl"}])
    assert [c["relation"]["id"] for c in candidates(api, allowed["id"])] == [existing["id"]]


def test_reject_uses_the_reject_min_score_setting(api, as_superuser):
    admin = as_superuser("relations")
    create(api, last_name="Bel", phones=[{"number": "0612345678"}])
    raised = admin.patch("/api/relations/duplicate-rules", json={"reject_min_score": 85})
    assert raised.status_code == 200 and raised.get_json()["reject_min_score"] == 85
    create(api, query={"on_duplicate": "reject"}, last_name="Ander",
           phones=[{"number": "0612345678"}])  # scores 80: let through


def test_an_unknown_on_duplicate_is_refused(api):
    response = api.post(RELATIONS, query_string={"on_duplicate": "sometimes"},
                        json={"type": "person", "last_name": "Nieuw"})
    assert response.status_code == 422
    assert "one of" in str(response.get_json()["errors"]["on_duplicate"])
    assert api.get(RELATIONS).get_json()["items"] == []


def test_on_duplicate_merge_folds_a_registration_into_the_existing_relation(api):
    existing = create(api, first_name="Els", last_name="Visser",
                      emails=[{"address": "els@example.org"}])
    response = api.post(RELATIONS, query_string={"on_duplicate": "merge"}, json={
        "type": "person", "first_name": "Elisabeth", "last_name": "Visser",
        "emails": [{"address": "ELS@example.org"}], "phones": [{"number": "0612345678"}]})
    assert response.status_code == 200
    kept = response.get_json()
    assert kept["id"] == existing["id"]
    assert kept["first_name"] == "Els"                   # the existing value wins
    assert kept["phones"][0]["number"] == "+31612345678"  # the new one fills the gap
    assert len(api.get(RELATIONS).get_json()["items"]) == 1
    history = api.get(f"{RELATIONS}/{existing['id']}/history").get_json()["items"]
    assert history[0]["via"] == "merge"  # an ordinary merge: it can be undone
    fresh = api.post(RELATIONS, query_string={"on_duplicate": "merge"},
                     json={"type": "person", "last_name": "Uniek"})
    assert fresh.status_code == 201  # nothing alike: created as usual


def test_archived_relations_count_deleted_ones_never(api, as_superuser):
    one = create(api, last_name="Blijft", emails=[{"address": "b@x.nl"}])
    other = create(api, last_name="Gaat", emails=[{"address": "b@x.nl"}])
    archived = api.post(f"{RELATIONS}/{other['id']}/archive", json={"reason": "moved"})
    assert archived.status_code == 200
    [match] = candidates(api, one["id"])
    assert match["relation"]["status"] == "archived"
    assert len(pair_list(api)["items"]) == 1

    assert as_superuser("relations").delete(f"{RELATIONS}/{other['id']}").status_code == 204
    assert candidates(api, one["id"]) == []
    assert pair_list(api)["items"] == []
    assert api.get(f"{RELATIONS}/{other['id']}/duplicates").status_code == 410
    assert api.get(f"{RELATIONS}/no-such-id/duplicates").status_code == 404
