"""Bulk jobs: created as a previewed draft, confirmed into chunks on bulk.tasks, run by the
workers, steered (cancel, retry, undo), read (progress, items) through the API, and
reconciled (chunks dead-lettered or lost published again, or given up)."""
