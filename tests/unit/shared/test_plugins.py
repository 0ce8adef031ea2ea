"""The plugin registry finds services and bulk operations through installed entry points."""

import pytest

from shared.plugins import BulkOperation, bulk_operations, service_plugins


def test_the_installed_services_are_found_by_entry_point():
    names = [plugin.name for plugin in service_plugins()]
    assert {"relations", "selections"} <= set(names)
    with pytest.raises(LookupError, match="nowhere"):
        service_plugins(["nowhere"])


def test_a_bulk_operation_is_added_by_installing_a_package(installed_package):
    installed_package("""
        from marshmallow import Schema, fields
        from shared.plugins import BulkOperation

        class Params(Schema):
            greeting = fields.String(required=True)

        class Greet(BulkOperation):
            name = "greet"
            params = Params
            permission = "bulk.edit"
            owner = "relations"

            def preview(self, params, relations):
                return [{"id": r["id"], "greeting": params["greeting"]} for r in relations]

            def command(self, job, chunk, params):
                return None, {"relation_ids": chunk}
        """, """
        [cardbox.bulk_operations]
        greet = cardbox_extra_ops:Greet
        """)
    operations = bulk_operations()
    assert isinstance(operations["greet"], BulkOperation)
    assert operations["greet"].preview({"greeting": "hi"}, [{"id": "r1"}]) == [
        {"id": "r1", "greeting": "hi"}]


def test_a_plugin_that_is_not_a_bulk_operation_is_refused_by_name(installed_package):
    installed_package("class Stray:\n    pass\n",
                      "[cardbox.bulk_operations]\nstray = cardbox_extra_ops:Stray\n")
    with pytest.raises(TypeError, match="cardbox_extra_ops:Stray"):
        bulk_operations()
