"""The read model's absorb of a bulk chunk's batch on PostgreSQL, where the narrow path is one
version-guarded UPDATE of its own: states that follow the stored one are advanced in place,
every other state takes the whole path, and the answers are the states the event carried."""

from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import text

from services.relations.messages import (
    FieldDefined,
    RelationsBatchValuesUpdated,
    RelationUpdated,
    TagDefined,
)
from services.selections.repository import ReadModel
from tests.support.postgres import database_url, fresh_databases
from tests.unit.selections.conftest import start_selections


@pytest.fixture
def selections(tmp_path):
    with fresh_databases() as (prefix, create):
        create("selections")
        service, runtime = start_selections(tmp_path, database_url(prefix))
        yield service
        runtime.stop()


def test_following_states_advance_in_place_and_the_others_are_absorbed_whole(selections):
    selections.absorb(FieldDefined, {"field": selections.field("newsletter", "checkbox")})
    selections.absorb(TagDefined, {"definition": selections.definition("press")})
    follows, missed, newer = (
        selections.add(address={"city": "Urk"}, fields={"newsletter": False}) for _ in range(3))
    newest = {**newer, "version": 3, "address": {"city": "Edam"}}
    selections.absorb(RelationUpdated, {"relation": newest, "changes": {}})
    unknown = selections.state(version=2, fields={"newsletter": True})

    def bulk(state, version, **changed):
        return {"relation": {**state, "version": version, "fields": {"newsletter": True},
                             **changed},
                "changes": {"fields.newsletter": [False, True],
                            **({"tags": [[], changed["tags"]]} if "tags" in changed else {})}}

    entries = [bulk(follows, 2, tags=["press"], updated_at="2030-01-02T03:04:05+00:00"),
               bulk(missed, 3, address={"city": "Edam"}),  # version 2 has not come yet
               bulk(newer, 2),                               # older than the stored one
               {"relation": unknown, "changes": {"fields.newsletter": [None, True]}}]
    advanced, advance = [], ReadModel.advance

    def recorded(read_model, views):
        advanced.append(advance(read_model, views))
        return advanced[-1]

    with mock.patch.object(ReadModel, "advance", recorded):
        selections.absorb(RelationsBatchValuesUpdated, {"entries": entries, "job": "job-1"})
    assert advanced == [{follows["id"]}]

    newsletter = {"field": "newsletter", "op": "eq", "value": True}
    assert selections.ids(newsletter) == {follows["id"], missed["id"], unknown["id"]}
    assert selections.ids({"tag": "press"}) == {follows["id"]}
    assert selections.ids({"field": "city", "op": "eq", "value": "Urk"}) == {follows["id"]}
    # Times are kept as fixed-width UTC text (selections.text.moment), compared as text.
    with selections.runtime.database.engine.connect() as connection:
        assert connection.execute(text("SELECT updated_at FROM relation_view WHERE id = :id"),
                                  {"id": follows["id"]}).scalar() == "2030-01-02T03:04:05.000000"
    answered = {item["id"]: item for item in selections.answer(
        {"or": [newsletter, {"field": "city", "op": "eq", "value": "Edam"}]},
        "query").get_json()["items"]}
    assert answered == {follows["id"]: entries[0]["relation"],
                        missed["id"]: entries[1]["relation"],
                        newer["id"]: newest,
                        unknown["id"]: unknown}


def test_view_rows_leave_room_on_their_page_for_a_bulk_change(selections):
    # Without it every bulk-changed row moves and all six indexes get a new entry.
    with selections.runtime.database.engine.connect() as connection:
        options = connection.execute(text(
            "SELECT reloptions FROM pg_class WHERE relname = 'relation_view'")).scalar()
    assert options == ["fillfactor=70"]
