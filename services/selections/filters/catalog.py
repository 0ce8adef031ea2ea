"""What a filter is checked against: the fields, tags and dossier actions the read model knows,
the relations it holds, the sets (groups, lists, selections) a filter can name, and today."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from sqlalchemy import ColumnElement, Select, select

from services.selections.filters.fields import CUSTOM_PREFIX, STANDARD, FieldSpec, custom_spec
from services.selections.models import (
    DOSSIER_ACTION,
    TAG,
    Group,
    GroupMember,
    RelationList,
    RelationView,
    Selection,
    SelectionMember,
)
from services.selections.repository import ReadModel
from services.selections.text import fold


class FilterCatalog:
    """Looked up once per filter, lazily: a filter that names no tag reads no tags."""

    def __init__(self, read_model: ReadModel, today: date):
        self.read_model = read_model
        self.today = today

    @cached_property
    def custom_fields(self) -> dict[str, FieldSpec]:
        return {d.key: custom_spec(d) for d in self.read_model.field_definitions()}

    def field(self, name: str) -> FieldSpec | None:
        """A standard field by name, a custom field by key (or as `fields.<key>`, for a key
        that is also the name of a standard field)."""
        if name in STANDARD:
            return STANDARD[name]
        return self.custom_fields.get(name.removeprefix(CUSTOM_PREFIX))

    def field_names(self) -> list[str]:
        custom = [key if key not in STANDARD else CUSTOM_PREFIX + key
                  for key in self.custom_fields]
        return [*STANDARD, *custom]

    @cached_property
    def tags(self) -> dict[str, str]:
        """Folded key -> key of every defined tag."""
        return {fold(key): key for key in self.read_model.definition_keys(TAG)}

    @cached_property
    def dossier_actions(self) -> dict[str, str]:
        return {fold(key): key for key in self.read_model.definition_keys(DOSSIER_ACTION)}

    def relation_exists(self, relation_id: str) -> bool:
        return self.read_model.exists(relation_id)

    def members_of(self, kind: str, set_id: str) -> Select | None:
        """The relation ids of a group, list or selection (`kind`), None for an unknown id.
        Groups and selections read their kept members; a list's members are whoever its own
        filter matches, compiled into this query (saved sets never form a cycle: see
        services.selections.dependencies)."""
        if kind == "list":
            condition = self.list_condition(set_id)
            return None if condition is None else select(RelationView.id).where(condition)
        model, member, key = {"group": (Group, GroupMember, GroupMember.group_id),
                              "selection": (Selection, SelectionMember,
                                            SelectionMember.selection_id)}[kind]
        if self.read_model.session.get(model, set_id) is None:
            return None
        return select(member.relation_id).where(key == set_id)

    def list_condition(self, list_id: str) -> ColumnElement[bool] | None:
        """Whom a list's filter matches, as a condition to put in place of `in_list`."""
        relation_list = self.read_model.session.get(RelationList, list_id)
        if relation_list is None:
            return None
        # Imported here: the compiler imports this catalog.
        from services.selections.filters.compiler import compile_filter

        return compile_filter(relation_list.filter, self)
