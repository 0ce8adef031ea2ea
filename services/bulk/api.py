"""The bulk HTTP API (mounted under /api/bulk by the gateway)."""

from flask_smorest import Blueprint

from services.bulk import handlers
from services.bulk.schemas import OperationSchema

operations = Blueprint("operations", __name__, url_prefix="/api/bulk/operations",
                       description="The bulk operations installed, with their parameters.")


@operations.get("")
@operations.response(200, OperationSchema(many=True))
def list_operations():
    """The bulk operations this installation offers: each one's name, what it does, the
    service that applies it, the permission it needs and its parameters as JSON Schema. A
    package adds one by registering a `cardbox.bulk_operations` entry point."""
    return handlers.installed_operations()
