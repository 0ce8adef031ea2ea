"""Bodies of the selections (snapshots) HTTP API."""

from marshmallow import Schema, fields, validate

from services.relations.messages import RelationStateSchema
from services.selections.schemas import FILTER_DESCRIPTION, MemberPageSchema

SOURCE_DESCRIPTION = (
    'What the selection is a snapshot of: exactly one of {"filter": node}, {"list": id} or '
    '{"group": id}. Filter: ' + FILTER_DESCRIPTION)
SCHEDULE_DESCRIPTION = (
    'Refresh on a schedule: {"cron": "0 6 * * *", "timezone": "Europe/Amsterdam"} (five cron '
    "fields: minute hour day-of-month month day-of-week; an IANA time zone, UTC if left "
    "out), or null for refreshes on demand only.")


class SelectionChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=1000))
    # Raw: source and schedule check their own shape, naming the bad part by its path.
    source = fields.Raw(metadata={"description": SOURCE_DESCRIPTION, "type": "object"})
    schedule = fields.Raw(allow_none=True, metadata={"description": SCHEDULE_DESCRIPTION,
                                                     "type": "object"})


class SelectionCreateSchema(SelectionChangeSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.Raw(required=True, metadata={"description": SOURCE_DESCRIPTION,
                                                 "type": "object"})


class SelectionSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    source = fields.Dict(required=True)
    schedule = fields.Dict(allow_none=True)
    member_count = fields.Integer(required=True)
    refreshed_at = fields.String(allow_none=True)
    next_refresh_at = fields.String(allow_none=True, metadata={
        "description": "When the schedule refreshes it next (UTC); null without a schedule."})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class SelectionPageSchema(Schema):
    items = fields.List(fields.Nested(SelectionSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class RefreshArgs(Schema):
    keep_edits = fields.Boolean(load_default=True, metadata={
        "description": "Honour the hand edits (default); false forgets them first."})


class RefreshSchema(Schema):
    at = fields.String(required=True)
    trigger = fields.String(required=True, metadata={
        "description": "created, manual or schedule"})
    actor = fields.String(allow_none=True)
    joined = fields.Integer(required=True)
    left = fields.Integer(required=True)
    total = fields.Integer(required=True)


class RefreshPageSchema(Schema):
    items = fields.List(fields.Nested(RefreshSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class SelectionMembershipSchema(Schema):
    added_at = fields.String(required=True)
    via = fields.String(required=True, metadata={"description": "refresh, manual or merge"})


class SelectionMemberSchema(RelationStateSchema):
    membership = fields.Nested(SelectionMembershipSchema, required=True)


class SelectionMemberPageSchema(MemberPageSchema):
    items = fields.List(fields.Nested(SelectionMemberSchema), required=True)


class EditOutcomesSchema(Schema):
    outcomes = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                           metadata={"description": "Per relation id: added, already_member, "
                                                    "removed, not_member or unknown_relation."})
    added = fields.Integer()
    already_member = fields.Integer()
    removed = fields.Integer()
    not_member = fields.Integer()
    unknown_relation = fields.Integer()


class EditSchema(Schema):
    relation_id = fields.String(required=True)
    included = fields.Boolean(required=True, metadata={
        "description": "true: added by hand; false: removed by hand."})
    at = fields.String(required=True)
    actor = fields.String(allow_none=True)


class EditPageSchema(Schema):
    items = fields.List(fields.Nested(EditSchema), required=True)
    next_cursor = fields.String(allow_none=True)
