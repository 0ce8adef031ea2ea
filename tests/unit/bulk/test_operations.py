"""The bulk service lists the operations installed, with their parameters."""

from services.bulk.registry import installed

GREET = '''
    from marshmallow import Schema
    from shared.plugins import BulkOperation

    class Greet(BulkOperation):
        """Say hello to every relation."""
        name = "greet"
        params = Schema
        permission = "relations:write"
        owner = "relations"

        def preview(self, ctx, params, relation_ids):
            return []

        def command(self, ctx, chunk, params):
            return None, self.chunk_payload(ctx, chunk)
    '''


def test_an_installed_operation_is_listed_with_its_parameter_schema(api, installed_package):
    assert "greet" not in {o["name"] for o in api.get("/api/bulk/operations").get_json()}
    installed_package('''
        from marshmallow import Schema, fields
        from shared.plugins import BulkOperation

        class Params(Schema):
            greeting = fields.String(required=True)

        class Greet(BulkOperation):
            """Say hello to every relation."""
            name = "greet"
            params = Params
            permission = "relations:write"
            owner = "relations"
            undo_refusal = "a greeting cannot be taken back"

            def preview(self, ctx, params, relation_ids):
                return []

            def command(self, ctx, chunk, params):
                return None, self.chunk_payload(ctx, chunk)
        ''', "[cardbox.bulk_operations]\ngreet = cardbox_extra_ops:Greet\n")
    listed = {o["name"]: o for o in api.get("/api/bulk/operations").get_json()}
    operation = listed["greet"]
    assert (operation["name"], operation["owner"], operation["permission"]) == (
        "greet", "relations", "relations:write")
    assert (operation["undo"], operation["undo_refusal"]) == (
        None, "a greeting cannot be taken back")
    assert operation["description"] == "Say hello to every relation."
    params = operation["params"]["$defs"]["Params"]
    assert params["required"] == ["greeting"] and params["properties"]["greeting"]["type"] == \
        "string"


def test_the_built_in_operations_are_listed_with_how_they_are_undone(api):
    listed = {o["name"]: o for o in api.get("/api/bulk/operations").get_json()}
    assert {"set_fields", "add_tag", "remove_tag", "archive", "delete"} <= set(listed)
    assert listed["set_fields"]["undo"] == "before_images"
    assert listed["delete"]["permission"] == "relations:delete"
    assert listed["delete"]["undo"] is None and "erased" in listed["delete"]["undo_refusal"]
    changes = listed["set_fields"]["params"]["$defs"]["Params"]["properties"]["changes"]
    assert changes["type"] == "object"


def test_values_per_relation_stay_with_their_items_and_are_stepped_through(
        api, installed_package, people):
    installed_package('''
        from marshmallow import Schema, fields
        from services.relations.messages import ApplyFieldChanges
        from shared.errors import ValidationFailed
        from shared.plugins import BulkOperation

        class Params(Schema):
            per_relation = fields.Dict(required=True)

        class Echo(BulkOperation):
            """Show each relation its own value."""
            name = "echo"
            params = Params
            permission = "relations:write"
            owner = "relations"

            def validate(self, ctx, params):
                for rid, values in params["per_relation"].items():
                    if not isinstance(values.get("value"), str):
                        raise ValidationFailed("a value is text", errors={
                            f"params.per_relation.{rid}.value": ["not text"]})

            def preview(self, ctx, params, relation_ids):
                own = params.get("per_relation", {})
                return [{"relation_id": rid, "outcome": "would_change", "diff": {
                    "value": [None, own.get(rid, {}).get("value")]}} for rid in relation_ids]

            def command(self, ctx, chunk, params):
                return ApplyFieldChanges, self.chunk_payload(ctx, chunk, changes={})
        ''', "[cardbox.bulk_operations]\necho = cardbox_extra_ops:Echo\n")
    job = api.post("/api/bulk/jobs", json={
        "target": {"relation_ids": people[:3]}, "operation": "echo",
        "params": {"per_relation": {people[0]: {"value": "a"}, people[2]: {"value": "c"}}}}
    ).get_json()
    assert job["params"] == {}
    assert [i["diff"]["value"][1] for i in job["items"]] == ["a", None, "c"]
    page = api.get(f"/api/bulk/jobs/{job['id']}/items?limit=1&cursor="
                   + api.get(f"/api/bulk/jobs/{job['id']}/items?limit=2")
                   .get_json()["next_cursor"]).get_json()
    assert page["items"][0]["diff"]["value"][1] == "c"

    second = api.get(f"/api/bulk/jobs/{job['id']}/items/{people[1]}").get_json()
    assert (second["previous"], second["next"], second["position"], second["total"]) == (
        people[0], people[2], 2, 3)
    assert second["values"] is None and second["relation"]["id"] == people[1]
    refused = api.put(f"/api/bulk/jobs/{job['id']}/items/{people[1]}", json={
        "values": {"value": 2}})
    assert refused.status_code == 422
    assert f"params.per_relation.{people[1]}.value" in refused.get_json()["errors"]
    put = api.put(f"/api/bulk/jobs/{job['id']}/items/{people[1]}", json={
        "values": {"value": "b"}})
    assert put.status_code == 200 and put.get_json()["values"] == {"value": "b"}
    items = api.get(f"/api/bulk/jobs/{job['id']}/items").get_json()["items"]
    assert [i["diff"]["value"][1] for i in items] == ["a", "b", "c"]
    assert api.get(f"/api/bulk/jobs/{job['id']}/items/nobody").status_code == 404
    api.post(f"/api/bulk/jobs/{job['id']}/confirm", json={})
    late = api.put(f"/api/bulk/jobs/{job['id']}/items/{people[1]}", json={
        "values": {"value": "z"}})
    assert late.status_code == 409


def test_installed_operations_are_read_once_until_what_is_installed_changes(
        installed_package):
    first = installed()
    # The same objects: every package's entry points were not read again.
    assert installed() is first and installed()["set_fields"] is first["set_fields"]
    installed_package(GREET, "[cardbox.bulk_operations]\ngreet = cardbox_extra_ops:Greet\n")
    now = installed()
    assert "greet" in now and "greet" not in first
    assert installed() is now
