"""Bodies of the bulk HTTP API."""

from marshmallow import Schema, fields, validate

from services.bulk.models import OUTCOMES, STATUSES
from shared.pagination import PageArgs

PREVIEW_OUTCOMES = ("would_change", "unchanged", "would_fail", "changed_since")


class OperationSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    owner = fields.String(required=True, metadata={"description": "The service that applies it."})
    permission = fields.String(required=True)
    undo = fields.String(allow_none=True, metadata={
        "description": "before_images, inverse, or null when it cannot be undone."})
    undo_refusal = fields.String(allow_none=True, metadata={
        "description": "Why it cannot be undone, when it cannot."})
    params = fields.Dict(required=True, metadata={
        "description": "The JSON Schema of the operation's parameters."})


class JobCreateSchema(Schema):
    target = fields.Dict(required=True, metadata={
        "description": '{"relation_ids": [...]} | {"list": id} | {"selection": id} | '
                       '{"group": id} | {"filter": node}; frozen when the job is created.'})
    operation = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "An installed operation's name "
                                                       "(GET /api/bulk/operations)."})
    params = fields.Dict(load_default=dict, metadata={
        "description": "The operation's parameters, as its schema says."})
    suppress_automations = fields.Boolean(load_default=False, metadata={
        "description": "Ask downstream automations (welcome mails, workflows) to ignore the "
                       "changes this job makes."})


class ConfirmSchema(Schema):
    confirmations = fields.List(fields.String(), load_default=list, metadata={
        "description": "The keys of the impacts that need confirming "
                       "(confirmations_required)."})
    mode = fields.String(validate=validate.OneOf(("skip", "overwrite")), metadata={
        "description": "Undo jobs only: skip relations someone else changed since the job, "
                       "or overwrite them."})


class RetrySchema(Schema):
    confirmations = fields.List(fields.String(), load_default=list, metadata={
        "description": "Keys of the impacts retrying needs confirmed, besides those given "
                       "when the job was confirmed."})


class UndoSchema(Schema):
    mode = fields.String(validate=validate.OneOf(("skip", "overwrite")), metadata={
        "description": "skip (default) or overwrite relations changed since; may be changed "
                       "at confirmation."})


class ItemArgs(PageArgs):
    outcome = fields.String(validate=validate.OneOf(OUTCOMES), metadata={
        "description": "Only items with this outcome (a running or finished job)."})


class JobListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))


class ItemSchema(Schema):
    relation_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    diff = fields.Dict(metadata={"description": "field -> [before, after]"})
    outcome = fields.String(required=True, metadata={
        "description": "Preview: " + ", ".join(PREVIEW_OUTCOMES) + "; results: "
                       + ", ".join(OUTCOMES)})
    reason = fields.String()
    done_at = fields.String(allow_none=True)


class ItemPageSchema(Schema):
    items = fields.List(fields.Nested(ItemSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ImpactSchema(Schema):
    key = fields.String(required=True)
    description = fields.String(required=True)
    count = fields.Integer(required=True, allow_none=True, metadata={
        "description": "null while it is being counted (a large undo's relations changed "
                       "since its job): read the job again for it."})
    confirmation = fields.String(allow_none=True, metadata={
        "description": "The key to send in confirmations, or null when none is needed."})


class ProgressSchema(Schema):
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    per_second = fields.Float(allow_none=True)
    eta_seconds = fields.Float(allow_none=True)


class CountsSchema(Schema):
    done = fields.Integer()
    changed = fields.Integer()
    unchanged = fields.Integer()
    failed = fields.Integer()
    skipped = fields.Integer()
    cancelled = fields.Integer()


class JobSchema(Schema):
    id = fields.String(required=True)
    operation = fields.String(required=True)
    params = fields.Dict(required=True)
    target = fields.Dict(required=True)
    status = fields.String(required=True, metadata={"description": " | ".join(STATUSES)})
    total = fields.Integer(required=True)
    suppress_automations = fields.Boolean()
    undo_of = fields.String(allow_none=True)
    undo_mode = fields.String(allow_none=True)
    attempt = fields.Integer(metadata={"description": "How often its failures were retried."})
    impacts = fields.List(fields.Nested(ImpactSchema))
    confirmations_required = fields.List(fields.String())
    confirmations = fields.List(fields.String())
    error = fields.String(allow_none=True)
    counts = fields.Nested(CountsSchema)
    progress = fields.Nested(ProgressSchema)
    created_at = fields.String()
    confirmed_at = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)


class JobPreviewSchema(JobSchema):
    items = fields.List(fields.Nested(ItemSchema), required=True, metadata={
        "description": "The first page of the relations, with what would happen to each."})
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "For GET /jobs/{id}/items?cursor=…"})


class JobPageSchema(Schema):
    items = fields.List(fields.Nested(JobSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class StepSchema(Schema):
    relation_id = fields.String(required=True)
    relation = fields.Dict(allow_none=True, required=True, metadata={
        "description": "The relation as it is now (null when it no longer exists)."})
    values = fields.Dict(allow_none=True, required=True, metadata={
        "description": "This relation's own values (edit_each), null while unset."})
    previous = fields.String(allow_none=True, required=True, metadata={
        "description": "The relation before it in the job, null for the first."})
    next = fields.String(allow_none=True, required=True, metadata={
        "description": "The relation after it, null for the last."})
    position = fields.Integer(required=True, metadata={"description": "1 for the first."})
    total = fields.Integer(required=True)


class StepValuesSchema(Schema):
    values = fields.Dict(required=True, metadata={
        "description": "This relation's own values, as the operation's per_relation "
                       "entries (checked by the operation)."})
