"""What the bulk service answers."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.bulk.registry import installed
from shared.plugins import BulkOperation


def installed_operations() -> list[dict[str, Any]]:
    """Every bulk operation installed in this process, with its parameters as JSON Schema."""
    return [_described(operation) for _name, operation in sorted(installed().items())]


def _described(operation: BulkOperation) -> dict[str, Any]:
    spec = APISpec("params", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Params", schema=operation.params)
    schemas = spec.to_dict()["components"]["schemas"]
    return {"name": operation.name, "description": (operation.__doc__ or "").strip(),
            "owner": operation.owner, "permission": operation.permission,
            "undo": operation.undo, "undo_refusal": operation.undo_refusal,
            "params": {"$ref": "#/$defs/Params", "$defs": schemas}}
