"""The relations HTTP API (mounted under /api/relations by the gateway), a module a resource."""

from services.relations.api.feed import feed
from services.relations.api.fields import custom_fields
from services.relations.api.lifecycle import lifecycle_api
from services.relations.api.relations import relations

BLUEPRINTS = (relations, lifecycle_api, custom_fields, feed)
