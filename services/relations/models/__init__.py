"""The relations service's tables and their small behaviours."""

from services.relations.models.base import Base
from services.relations.models.fields import FieldDefinition
from services.relations.models.history import HistoryEntry
from services.relations.models.relation import EDITABLE_FIELDS, Relation, etag_of

__all__ = ["EDITABLE_FIELDS", "Base", "FieldDefinition", "HistoryEntry", "Relation", "etag_of"]
