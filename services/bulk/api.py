"""The bulk HTTP API (mounted under /api/bulk by the gateway)."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.bulk import handlers
from services.bulk.jobs import confirm, create, reads, steer, stepping
from services.bulk.schemas import (
    ConfirmSchema,
    ItemArgs,
    ItemPageSchema,
    JobCreateSchema,
    JobListArgs,
    JobPageSchema,
    JobPreviewSchema,
    JobSchema,
    OperationSchema,
    RetrySchema,
    StepSchema,
    StepValuesSchema,
    UndoSchema,
)
from shared.http import unit_of_work
from shared.idempotency import idempotent

operations = Blueprint("operations", __name__, url_prefix="/api/bulk/operations",
                       description="The bulk operations installed, with their parameters.")
jobs = Blueprint("jobs", __name__, url_prefix="/api/bulk/jobs",
                 description="Bulk jobs: previewed, confirmed, run in chunks by the bulk "
                             "workers, cancelled, retried and undone.")


def _runtime():
    """The bulk runtime: its bus client and settings, for the views that need more than a unit
    of work."""
    return current_app.extensions["cardbox.runtime"]


@operations.get("")
@operations.response(200, OperationSchema(many=True))
def list_operations():
    """The bulk operations this installation offers: each one's name, what it does, the
    service that applies it, the permission it needs, whether and how it can be undone, and
    its parameters as JSON Schema. A package adds one by registering a
    `cardbox.bulk_operations` entry point."""
    return handlers.installed_operations()


@jobs.route("")
class Jobs(MethodView):
    @jobs.arguments(JobListArgs, location="query")
    @jobs.response(200, JobPageSchema)
    def get(self, args):
        """Bulk jobs, newest first, a page at a time (optionally of one status)."""
        return reads.list_jobs(unit_of_work(), limit=args["limit"],
                               cursor=args.get("cursor"), status=args.get("status"))

    @jobs.arguments(JobCreateSchema)
    @jobs.response(201, JobPreviewSchema)
    @idempotent
    def post(self, body):
        """Create a job and answer its preview: the target is frozen now (its member ids),
        and the answer tells how many relations, the first page of them with the diff each
        would get, and the impacts with the confirmations they need. Nothing changes until
        POST /jobs/{id}/confirm. Needs bulk:run and the operation's permission; honours
        Idempotency-Key."""
        runtime = _runtime()
        return create.create_job(runtime.unit_of_work(), runtime.rpc, body,
                                 chunk_size=runtime.settings.bulk_chunk_size), 201


@jobs.get("/<job_id>")
@jobs.response(200, JobSchema)
def get_job(job_id):
    """A job: status, counts per outcome, progress (done, total, relations per second,
    seconds left) and timings."""
    return reads.get_job(unit_of_work(), job_id)


@jobs.get("/<job_id>/items")
@jobs.arguments(ItemArgs, location="query")
@jobs.response(200, ItemPageSchema)
def job_items(args, job_id):
    """The job's relations in target order, a page at a time: while a draft, the preview
    (diff and would-be outcome, asked now); afterwards the outcome of each (filter with
    `outcome`)."""
    return _items_page(args, job_id)


def _items_page(args, job_id):
    runtime = _runtime()
    return reads.items(runtime.unit_of_work(), runtime.rpc, job_id, limit=args["limit"],
                       cursor=args.get("cursor"), outcome=args.get("outcome"))


@jobs.route("/<job_id>/items/<relation_id>")
class JobItem(MethodView):
    @jobs.response(200, StepSchema)
    def get(self, job_id, relation_id):
        """One relation of the job, to walk a draft one form at a time: the relation now,
        its own values (edit_each), its position and the previous and next relation."""
        runtime = _runtime()
        return stepping.step(runtime.unit_of_work(), runtime.rpc, job_id, relation_id)

    @jobs.arguments(StepValuesSchema)
    @jobs.response(200, StepSchema)
    def put(self, body, job_id, relation_id):
        """Set this relation's own values while the job is a draft; the operation checks
        them (422 naming the field); 409 once the job is confirmed."""
        runtime = _runtime()
        return stepping.set_values(runtime.unit_of_work(), runtime.rpc, job_id, relation_id,
                                   body["values"])


@jobs.get("/<job_id>/results")
@jobs.arguments(ItemArgs, location="query")
@jobs.response(200, ItemPageSchema)
def job_results(args, job_id):
    """The outcome per relation of a confirmed job (as /items), filterable by outcome."""
    return _items_page(args, job_id)


@jobs.post("/<job_id>/confirm")
@jobs.arguments(ConfirmSchema)
@jobs.response(202, JobSchema)
def confirm_job(body, job_id):
    """Start a draft job with the confirmations its impacts ask for: it is cut into chunks
    the bulk workers run. 409 when it is not a draft (confirmed twice); 422 naming
    `confirmations` when one is missing."""
    return confirm.confirm_job(unit_of_work(), job_id, body), 202


@jobs.post("/<job_id>/cancel")
@jobs.response(200, JobSchema)
def cancel_job(job_id):
    """Cancel a job: chunks being applied finish, the rest are not started (their relations
    end up cancelled). A draft is simply cancelled."""
    return steer.cancel_job(unit_of_work(), job_id)


@jobs.post("/<job_id>/retry")
@jobs.arguments(RetrySchema)
@jobs.response(202, JobSchema)
def retry_job(body, job_id):
    """Run the failed relations of a finished job again; 409 when none failed. What
    retrying them would also do is assessed anew (the job's impacts): 422 naming
    `confirmations` when one of those needs a confirmation not given now or at confirm."""
    runtime = _runtime()
    return steer.retry_job(runtime.unit_of_work(), runtime.rpc, job_id, body), 202


@jobs.post("/<job_id>/undo")
@jobs.arguments(UndoSchema)
@jobs.response(201, JobPreviewSchema)
def undo_job(body, job_id):
    """Make a new draft job that puts back what this one changed, with its preview: each
    relation someone else changed since is listed (outcome changed_since); confirm it with
    mode skip or overwrite. 409 with the operation's reason when it cannot be undone."""
    runtime = _runtime()
    return steer.undo_job(runtime.unit_of_work(), runtime.rpc, job_id, body), 201
