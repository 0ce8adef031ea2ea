"""The relations HTTP API (mounted under /api/relations by the gateway), a module a resource."""

from services.relations.api.contact_moments import contact_moments
from services.relations.api.dossier_actions import dossier_actions_api
from services.relations.api.dossiers import dossiers_api
from services.relations.api.duplicates import duplicates_api
from services.relations.api.feed import feed
from services.relations.api.fields import custom_fields
from services.relations.api.functions import functions
from services.relations.api.lifecycle import lifecycle_api
from services.relations.api.merges import merges
from services.relations.api.relations import relations
from services.relations.api.search import search
from services.relations.api.tags import tags_api

BLUEPRINTS = (relations, lifecycle_api, custom_fields, feed, functions, contact_moments)
BLUEPRINTS += (search,)
BLUEPRINTS += (tags_api, dossier_actions_api, dossiers_api)
BLUEPRINTS += (merges,)
BLUEPRINTS += (duplicates_api,)
