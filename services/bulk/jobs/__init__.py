"""Bulk jobs: created as a previewed draft, confirmed into chunks on bulk.tasks, run by the
workers, steered (cancel, retry, undo) and read (progress, items) through the API."""
