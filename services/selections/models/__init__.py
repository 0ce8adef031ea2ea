"""The selections service's tables: the read model of relations (read_model) and what staff
save (saved)."""

from services.selections.models.group_bulk import GroupBulkApplication
from services.selections.models.group_moves import GroupMergeMove
from services.selections.models.membership_checks import MembershipCheck
from services.selections.models.read_model import (
    DOSSIER_ACTION,
    PATTERN_OPS,
    TAG,
    AccountState,
    Base,
    Definition,
    DossierAction,
    DossierMember,
    DossierView,
    FieldDefinition,
    FunctionView,
    GoneRelation,
    MergeRecord,
    RelationValue,
    RelationView,
)
from services.selections.models.saved import (
    COMBINES,
    COMPOSITE,
    DYNAMIC,
    GROUP_KINDS,
    STATIC,
    Group,
    GroupMember,
    GroupMembershipChange,
    RelationList,
    Selection,
    SelectionEdit,
    SelectionMember,
    SelectionRefresh,
    iso,
)
from services.selections.models.selection_moves import SelectionMergeMove
from shared.tables import include_platform_tables

include_platform_tables(Base.metadata)

__all__ = [
    "COMBINES", "COMPOSITE", "DOSSIER_ACTION", "DYNAMIC", "GROUP_KINDS", "PATTERN_OPS", "STATIC",
    "TAG", "AccountState", "Base", "Definition", "DossierAction", "DossierMember", "DossierView",
    "FieldDefinition", "FunctionView", "GoneRelation", "Group", "GroupBulkApplication",
    "GroupMember", "GroupMergeMove",
    "GroupMembershipChange", "MembershipCheck", "MergeRecord", "RelationList", "RelationValue",
    "RelationView",
    "Selection", "SelectionEdit", "SelectionMember", "SelectionMergeMove", "SelectionRefresh",
    "iso",
]
