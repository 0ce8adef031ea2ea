"""The queries of the relations service, a module a resource."""

from services.relations.repository.fields import FieldRepository
from services.relations.repository.history import HistoryRepository
from services.relations.repository.relations import RelationRepository

__all__ = ["FieldRepository", "HistoryRepository", "RelationRepository"]
