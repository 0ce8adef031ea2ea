"""The queries of the relations service, a module a resource."""

from services.relations.repository.contact_moments import ContactMomentRepository
from services.relations.repository.dossiers import DossierActionRepository, DossierRepository
from services.relations.repository.duplicates import DuplicateRepository
from services.relations.repository.fields import FieldRepository
from services.relations.repository.functions import FunctionRepository
from services.relations.repository.history import HistoryRepository
from services.relations.repository.relations import RelationRepository
from services.relations.repository.search import SearchRepository
from services.relations.repository.tags import TagRepository

__all__ = ["ContactMomentRepository", "FieldRepository", "FunctionRepository", "HistoryRepository",
           "RelationRepository"]
__all__ += ["DossierActionRepository", "DossierRepository", "TagRepository"]
__all__ += ["SearchRepository"]
__all__ += ["DuplicateRepository"]
