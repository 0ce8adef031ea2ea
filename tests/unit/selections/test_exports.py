"""CSV export of a list, selection or group: the right rows and columns, streamed in chunks,
formula cells defused, and refusals before the first byte."""

import csv
import io
import math

from services.relations.messages import FieldDefined, RelationsBatchUpdated
from services.selections.exports import BATCH

EXPORTS = "/api/selections/exports"
IN_UTRECHT = {"field": "city", "op": "eq", "value": "Utrecht"}


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_json()
    assert response.content_type == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8"))))


def as_dicts(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def seed(selections):
    selections.absorb(FieldDefined, {"field": selections.field(
        "interests", "multi_choice", ("sport", "music"))})
    selections.absorb(FieldDefined, {"field": selections.field("city", "text")})
    anna = selections.add(
        first_name="Anna", infix="van den", last_name="Berg", birth_date="1950-06-15",
        address={"street": "Oudegracht", "number": "12a", "postcode": "3511 AB",
                 "city": "Utrecht", "country": "NL"},
        emails=[{"address": "work@corp.nl", "label": "work", "primary": False},
                {"address": "anna@example.org", "label": None, "primary": True}],
        phones=[{"number": "+31 6 1234 5678", "label": None, "primary": True}],
        tags=["journalist", "volunteer"],
        fields={"interests": ["sport", "music"], "city": "Birthplace"})
    evil = selections.add(last_name="=HYPERLINK(\"http://x\")", first_name="@SUM(A1)",
                          infix="-2+3", address={"city": "Utrecht", "street": "\tTab"},
                          fields={"interests": []})
    other = selections.add(last_name="Elders", address={"city": "Gouda"})
    return anna, evil, other


def test_a_list_exports_its_members_with_the_default_columns(selections):
    anna, evil, _ = seed(selections)
    saved = selections.api.post("/api/selections/lists",
                                json={"name": "Leden Utrecht!", "filter": IN_UTRECHT})
    response = selections.api.get(f"{EXPORTS}/lists/{saved.get_json()['id']}.csv")
    rows = rows_of(response)
    assert rows[0][:8] == ["id", "type", "initials", "first_name", "infix", "last_name",
                           "organisation_name", "email"]
    assert rows[0][-2:] == ["fields.city", "interests"]  # custom fields by key
    assert "created_at" not in rows[0]
    by_id = as_dicts(rows)
    assert set(by_id) == {anna["id"], evil["id"]}
    expected = {"type": "person", "first_name": "Anna", "infix": "van den",
                "organisation_name": "", "email": "anna@example.org",
                "phone": "'+31 6 1234 5678", "street": "Oudegracht", "house_number": "12a",
                "postcode": "3511 AB", "city": "Utrecht", "country": "NL",
                "birth_date": "1950-06-15", "status": "active",
                "tags": "journalist; volunteer", "interests": "sport; music",
                "fields.city": "Birthplace"}
    assert {name: by_id[anna["id"]][name] for name in expected} == expected
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="leden-utrecht-')
    assert disposition.endswith('.csv"')


def test_cells_a_spreadsheet_would_run_are_defused(selections):
    _, evil, _ = seed(selections)
    saved = selections.api.post("/api/selections/lists",
                                json={"name": "U", "filter": IN_UTRECHT}).get_json()
    row = as_dicts(rows_of(selections.api.get(f"{EXPORTS}/lists/{saved['id']}.csv")))[
        evil["id"]]
    assert row["last_name"] == "'=HYPERLINK(\"http://x\")"
    assert row["first_name"] == "'@SUM(A1)"
    assert row["infix"] == "'-2+3"
    assert row["street"] == "'\tTab"
    assert row["interests"] == ""


def test_columns_pick_and_order_and_unknown_ones_are_refused(selections):
    anna, _, _ = seed(selections)
    saved = selections.api.post("/api/selections/lists",
                                json={"name": "U", "filter": IN_UTRECHT}).get_json()
    url = f"{EXPORTS}/lists/{saved['id']}.csv"
    rows = rows_of(selections.api.get(url, query_string={
        "columns": "last_name,interests,id,created_at"}))
    assert rows[0] == ["last_name", "interests", "id", "created_at"]
    assert ["Berg", "sport; music", anna["id"], anna["created_at"]] in rows
    for bad in ("last_name,shoe_size", "id,id", ""):
        refused = selections.api.get(url, query_string={"columns": bad})
        assert refused.status_code == 422, bad
        assert refused.content_type == "application/problem+json"
        problem = refused.get_json()
        assert "columns" in problem["errors"]
        assert "interests" in problem["known_columns"] and "email" in problem["detail"]


def test_an_unknown_set_is_a_404_problem(selections):
    for kind in ("lists", "selections", "groups"):
        response = selections.api.get(f"{EXPORTS}/{kind}/nope.csv")
        assert response.status_code == 404, kind
        assert response.content_type == "application/problem+json"
    assert selections.api.get(f"{EXPORTS}/teams/nope.csv").status_code == 404


def test_a_group_exports_its_members(selections):
    anna, _, other = seed(selections)
    group = selections.api.post("/api/selections/groups", json={
        "name": "Bestuur", "kind": "static"}).get_json()
    added = selections.api.post(f"/api/selections/groups/{group['id']}/members",
                                json={"relation_ids": [anna["id"], other["id"]]})
    assert added.status_code == 200, added.get_json()
    rows = rows_of(selections.api.get(f"{EXPORTS}/groups/{group['id']}.csv",
                                      query_string={"columns": "id,last_name"}))
    assert sorted(rows[1:]) == sorted([[anna["id"], "Berg"], [other["id"], "Elders"]])


def test_a_selection_exports_its_kept_members(selections):
    anna, evil, other = seed(selections)
    created = selections.api.post("/api/selections/selections", json={
        "name": "Utrecht", "source": {"filter": IN_UTRECHT}})
    assert created.status_code == 201, created.get_json()
    selection = created.get_json()
    selections.api.post(f"/api/selections/selections/{selection['id']}/members/remove",
                        json={"relation_ids": [evil["id"]]})
    selections.api.post(f"/api/selections/selections/{selection['id']}/members",
                        json={"relation_ids": [other["id"]]})
    rows = rows_of(selections.api.get(f"{EXPORTS}/selections/{selection['id']}.csv",
                                      query_string={"columns": "id"}))
    assert sorted(rows[1:]) == sorted([[anna["id"]], [other["id"]]])


def test_a_large_export_arrives_in_several_chunks(selections):
    states = [selections.state(last_name=f"Lid {n:04}", address={"city": "Utrecht"})
              for n in range(3000)]
    selections.absorb(RelationsBatchUpdated, {"entries": [
        {"relation": state, "changes": {}} for state in states]})
    saved = selections.api.post("/api/selections/lists",
                                json={"name": "Veel", "filter": IN_UTRECHT}).get_json()
    response = selections.api.get(f"{EXPORTS}/lists/{saved['id']}.csv",
                                  query_string={"columns": "id,last_name"}, buffered=False)
    chunks = list(response.response)
    response.close()
    # The header, then the rows a batch at a time: neither all at once nor one by one.
    assert len(chunks) == 1 + math.ceil(3000 / BATCH) > 2
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"))))
    assert len(rows) == 3001
    assert sorted(row[1] for row in rows[1:]) == sorted(s["last_name"] for s in states)
    assert [row[0] for row in rows[1:]] == sorted(s["id"] for s in states)
