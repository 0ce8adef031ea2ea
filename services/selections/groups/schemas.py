"""Bodies of the groups HTTP API."""

from marshmallow import Schema, fields, validate

from services.relations.messages import RelationStateSchema
from services.selections.models import COMBINES, GROUP_KINDS
from services.selections.schemas import FILTER_DESCRIPTION, MemberPageSchema
from shared.pagination import PageArgs


class GroupChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=1000))
    kind = fields.String(validate=validate.OneOf(GROUP_KINDS), metadata={
        "description": "static (members by hand), dynamic (a filter) or composite (other "
                       "groups combined); it does not change once made."})
    filter = fields.Dict(allow_none=True, metadata={
        "description": "A dynamic group's filter: " + FILTER_DESCRIPTION})
    combine = fields.String(validate=validate.OneOf(COMBINES), metadata={
        "description": "How a composite group combines its groups: union, intersection, "
                       "or difference (the first minus the rest)."})
    groups = fields.List(fields.String(), metadata={
        "description": "A composite group's groups by id, in order (at least 1 for a union, "
                       "2 for an intersection or difference); nested to any depth, no cycles."})
    visible_on_portal = fields.Boolean(metadata={
        "description": "Members see this group on the member portal."})
    changeable_on_portal = fields.Boolean(metadata={
        "description": "Members may join and leave on the portal: static groups only, and "
                       "only when visible on portal."})


class GroupCreateSchema(GroupChangeSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(GROUP_KINDS))


class GroupSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    kind = fields.String(required=True)
    filter = fields.Dict(allow_none=True)
    combine = fields.String(allow_none=True)
    groups = fields.List(fields.String(), allow_none=True)
    visible_on_portal = fields.Boolean(required=True)
    changeable_on_portal = fields.Boolean(required=True)
    member_count = fields.Integer(required=True)
    evaluated_at = fields.String(allow_none=True, metadata={
        "description": "When a dynamic or composite group's members were last evaluated in "
                       "full (touched relations are brought up to date as events come)."})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class GroupListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(GROUP_KINDS))


class GroupPageSchema(Schema):
    items = fields.List(fields.Nested(GroupSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class OutcomesSchema(Schema):
    outcomes = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                           metadata={"description": "Per relation id: added, already_member, "
                                                    "removed, not_member or unknown_relation."})
    added = fields.Integer(required=True)
    already_member = fields.Integer(required=True)
    removed = fields.Integer(required=True)
    not_member = fields.Integer(required=True)
    unknown_relation = fields.Integer(required=True)


class MembershipSchema(Schema):
    since = fields.String(required=True)
    via = fields.String(required=True, metadata={
        "description": "manual, bulk, portal, merge, merge_undone (static), filter or "
                       "composite (derived)"})


class MemberStateSchema(RelationStateSchema):
    membership = fields.Nested(MembershipSchema, required=True)


class GroupMemberPageSchema(MemberPageSchema):
    items = fields.List(fields.Nested(MemberStateSchema), required=True)


class HistoryArgs(PageArgs):
    relation_id = fields.String()


class ChangeSchema(Schema):
    relation_id = fields.String(required=True)
    change = fields.String(required=True, metadata={"description": "joined or left"})
    at = fields.String(required=True)
    via = fields.String(required=True)
    reference = fields.String(allow_none=True, metadata={
        "description": "The bulk job or merge that made the change."})
    actor = fields.String(allow_none=True)


class HistoryPageSchema(Schema):
    items = fields.List(fields.Nested(ChangeSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class ExplanationSchema(Schema):
    group = fields.Dict(required=True)
    member = fields.Boolean(required=True)
    since = fields.String(allow_none=True)
    via = fields.String(allow_none=True)
    checked_at = fields.String(allow_none=True, metadata={
        "description": "When this membership was last brought up to date for this relation."})
    evaluated_at = fields.String(allow_none=True, metadata={
        "description": "When the whole group was last evaluated."})
    reason = fields.Dict(required=True, metadata={
        "description": "dynamic: {filter (each node with path and held), matches_now, "
                       "implicit}; composite: {combine, groups: [explanation, ...]}; static: "
                       "{history: the change that made it a member or took it out}."})


class RelationGroupSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    since = fields.String(required=True)
    via = fields.String(required=True)
    visible_on_portal = fields.Boolean(required=True)
    changeable_on_portal = fields.Boolean(required=True)


class RelationGroupsSchema(Schema):
    items = fields.List(fields.Nested(RelationGroupSchema), required=True)
