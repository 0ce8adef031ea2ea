"""The published contract of the bulk service: its work-queue command and its events."""

from marshmallow import Schema, fields, validate

from shared.messages import Command, Event

TASKS_QUEUE = "bulk.tasks"


class RunChunkPayload(Schema):
    job_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    chunk_no = fields.Integer(required=True, validate=validate.Range(min=0))


class JobIdPayload(Schema):
    job_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class JobCountsSchema(Schema):
    total = fields.Integer(required=True)
    done = fields.Integer(required=True)
    changed = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)


class JobFinishedPayload(Schema):
    job_id = fields.String(required=True)
    operation = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ("completed", "completed_with_errors", "cancelled", "failed")))
    counts = fields.Nested(JobCountsSchema, required=True)
    undo_of = fields.String(allow_none=True, load_default=None)
    suppress_automations = fields.Boolean(load_default=False)


# Published through the bulk outbox on bulk.tasks only (not bulk.commands): competing
# workers take one at a time.
RunChunk = Command("bulk.run_chunk", RunChunkPayload, inbox=False,
                   description="Have the owner apply one chunk of a confirmed bulk job.")
CountChangedSince = Command(
    "bulk.count_changed_since", JobIdPayload, inbox=False,
    description="Count the relations of a large undo that someone else changed since its job, "
                "for its preview (a worker asks the owner about each, after the undo's answer).")
JobFinished = Event("bulk.jobs.finished", JobFinishedPayload,
                    description="A bulk job ended: completed (with errors), cancelled or "
                                "failed, with its counts.")
