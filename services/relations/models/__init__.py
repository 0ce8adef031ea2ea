"""The relations service's tables and their small behaviours."""

from services.relations.models.base import Base
from services.relations.models.bulk import BulkApplication
from services.relations.models.contact_moments import ContactMoment
from services.relations.models.dossiers import Dossier, DossierActionDefinition, DossierMember
from services.relations.models.duplicates import (
    DuplicateDismissal,
    DuplicatePair,
    DuplicateRule,
    DuplicateSetting,
    MatchKey,
)
from services.relations.models.fields import FieldDefinition
from services.relations.models.functions import Function
from services.relations.models.history import HistoryEntry
from services.relations.models.merges import Merge
from services.relations.models.portal_accounts import PortalAccountView
from services.relations.models.relation import EDITABLE_FIELDS, Relation, etag_of
from services.relations.models.search import SearchTerm
from services.relations.models.tags import TagDefinition

__all__ = ["EDITABLE_FIELDS", "Base", "ContactMoment", "FieldDefinition", "Function",
           "HistoryEntry", "Relation", "etag_of"]
__all__ += ["Dossier", "DossierActionDefinition", "DossierMember", "TagDefinition"]
__all__ += ["BulkApplication"]
__all__ += ["SearchTerm"]
__all__ += ["Merge"]
__all__ += ["DuplicateDismissal", "DuplicatePair", "DuplicateRule", "DuplicateSetting", "MatchKey"]
__all__ += ["PortalAccountView"]
