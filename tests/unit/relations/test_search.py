"""Search by name, e-mail or phone through the gateway: normalised, ranked, paginated."""

import pytest

SEARCH = "/api/relations/search"


def create(api, **body):
    response = api.post("/api/relations/relations", json={"type": "person", **body})
    assert response.status_code == 201, response.get_json()
    return response


def search(api, q, **params):
    response = api.get(SEARCH, query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(page):
    return [item["last_name"] or item["organisation_name"] for item in page["items"]]


@pytest.mark.parametrize("q", ["jose", "JOSÉ", "alvar", "José Álvarez", "jose alv"])
def test_names_are_found_whatever_the_case_and_accents(api, q):
    create(api, first_name="José", last_name="Álvarez")
    create(api, first_name="Jan", last_name="Bos")
    page = search(api, q)
    assert names(page) == ["Álvarez"]
    assert page["items"][0]["match"]["field"] == "name"
    assert page["items"][0]["match"]["value"] == "José Álvarez"


@pytest.mark.parametrize("q, kind", [
    ("+31612345678", "exact"), ("0612345678", "exact"), ("06 12", "prefix"),
    ("+31 6 12", "prefix"), ("0612", "prefix"), ("+3161", "prefix"), ("06-1234", "prefix"),
    ("+31 (0)6 1234", "prefix"), ("612345", "contains"), ("(06) 123", "prefix"),
    ("06", "prefix"),
])
def test_phone_numbers_are_found_as_dialled_at_home_or_abroad(api, q, kind):
    create(api, last_name="Bel", phones=[{"number": "06 12345678"}])
    create(api, last_name="Ander", phones=[{"number": "+32 470 12 34 56"}])
    page = search(api, q)
    assert names(page) == ["Bel"]
    assert page["items"][0]["match"] == {"field": "phone", "kind": kind,
                                         "value": "+31612345678"}


def test_e_mail_addresses_are_found_by_prefix_or_fragment(api):
    create(api, last_name="Mail", emails=[{"address": "Anna.Vries@Example.org"}])
    create(api, last_name="Ander", emails=[{"address": "piet@elders.nl"}])
    assert names(search(api, "anna.vr")) == ["Mail"]
    hit = search(api, "example.ORG")["items"][0]
    assert hit["match"] == {"field": "email", "kind": "contains",
                            "value": "Anna.Vries@example.org"}


def test_exact_before_prefix_before_contains_and_names_before_e_mail(api):
    create(api, first_name="Marjan", last_name="Zwart")                          # contains
    create(api, last_name="Dijk", emails=[{"address": "jan@example.org"}])       # e-mail prefix
    create(api, last_name="Jansen")                                              # name prefix
    create(api, first_name="Jan", last_name="Bakker")                            # exact word
    create(api, last_name="Smit", emails=[{"address": "dejan@example.org"}])     # e-mail contains
    page = search(api, "jan")
    assert names(page) == ["Bakker", "Jansen", "Dijk", "Zwart", "Smit"]
    assert [(i["match"]["kind"], i["match"]["field"]) for i in page["items"]] == [
        ("exact", "name"), ("prefix", "name"), ("prefix", "email"), ("contains", "name"),
        ("contains", "email")]
    # Two characters: exact and prefix matches only (no trigram to search "contains" with).
    assert names(search(api, "ja")) == ["Bakker", "Jansen", "Dijk"]


def test_equal_matches_list_by_family_name_and_each_relation_once(api):
    for last in ("Visser", "Bakker", "Mulder"):
        create(api, first_name="Jan", last_name=last, emails=[{"address": f"jan@{last}.nl"}])
    create(api, first_name="Jan", infix="de", last_name="Jan")
    page = search(api, "jan")
    assert names(page) == ["Bakker", "Jan", "Mulder", "Visser"]


def test_a_search_pages_with_a_cursor_without_repeats(api):
    for n in range(7):
        create(api, first_name="Kees", last_name=f"Klaas{n}",
               emails=[{"address": f"kees{n}@example.org"}])
    everything = search(api, "kees", limit=50)["items"]
    seen, cursor = [], None
    while True:
        page = search(api, "kees", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [item["id"] for item in seen] == [item["id"] for item in everything]
    assert len(seen) == 7
    first = search(api, "kees", limit=3)
    other = api.get(SEARCH, query_string={"q": "klaas", "cursor": first["next_cursor"]})
    assert other.status_code == 422 and "cursor" in other.get_json()["errors"]


def test_the_index_follows_changes_to_the_card(api):
    created = create(api, first_name="Piet", last_name="Post",
                     emails=[{"address": "piet@post.nl"}])
    assert names(search(api, "piet")) == ["Post"]
    api.patch(created.headers["Location"], headers={"If-Match": created.headers["ETag"]},
              json={"first_name": "Karel", "emails": [{"address": "karel@post.nl"}]})
    assert search(api, "piet")["items"] == []
    assert search(api, "karel")["items"][0]["match"]["kind"] == "exact"


def test_organisations_are_found_by_their_name(api):
    api.post("/api/relations/relations", json={"type": "organisation",
                                               "organisation_name": "Café De Zwaan B.V."})
    page = search(api, "cafe de zw")
    assert names(page) == ["Café De Zwaan B.V."]
    assert page["items"][0]["match"]["kind"] == "prefix"


def test_archived_relations_are_found_only_when_asked_for(api):
    created = create(api, first_name="Greet", last_name="Oud")
    url = created.headers["Location"]
    response = api.post(f"{url}/archive", json={"reason": "moved abroad"})
    assert response.status_code == 200, response.get_json()
    assert search(api, "greet")["items"] == []
    page = search(api, "greet", include_archived="true")
    assert [item["status"] for item in page["items"]] == ["archived"]


@pytest.mark.parametrize("params, field", [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "j"}, "q"), ({"q": "  é "}, "q"), ({"q": "x" * 201}, "q"),
    ({"q": "jan", "cursor": "not-a-cursor"}, "cursor"), ({"q": "jan", "limit": 0}, "limit"),
])
def test_a_bad_search_is_a_problem_naming_the_parameter(api, params, field):
    response = api.get(SEARCH, query_string=params)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_contains_matches_page_once_per_relation(api):
    for last in ("Marjansen", "Ranjan", "Tarjan", "Manjaro", "Dejan"):
        create(api, first_name="Kajan", last_name=last)  # two matching words each
    create(api, last_name="Bos", emails=[{"address": "janjaap@example.org"}])
    seen, cursor = [], None
    while True:
        page = search(api, "aja", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [(item["last_name"], item["match"]["kind"]) for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted((last, "contains") for last in (
        "Marjansen", "Ranjan", "Tarjan", "Manjaro", "Dejan"))
    assert search(api, "ajax")["items"] == []
