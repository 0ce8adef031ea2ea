"""The bulk service lists the operations installed, with their parameters."""


def test_an_installed_operation_is_listed_with_its_parameter_schema(api, installed_package):
    assert api.get("/api/bulk/operations").get_json() == []
    installed_package('''
        from marshmallow import Schema, fields
        from shared.plugins import BulkOperation

        class Params(Schema):
            greeting = fields.String(required=True)

        class Greet(BulkOperation):
            """Say hello to every relation."""
            name = "greet"
            params = Params
            permission = "bulk.edit"
            owner = "relations"

            def preview(self, params, relations):
                return []

            def command(self, job, chunk, params):
                return None, {}
        ''', "[cardbox.bulk_operations]\ngreet = cardbox_extra_ops:Greet\n")
    [operation] = api.get("/api/bulk/operations").get_json()
    assert (operation["name"], operation["owner"], operation["permission"]) == (
        "greet", "relations", "bulk.edit")
    assert operation["description"] == "Say hello to every relation."
    params = operation["params"]["$defs"]["Params"]
    assert params["required"] == ["greeting"] and params["properties"]["greeting"]["type"] == \
        "string"
