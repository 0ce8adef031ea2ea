"""Bulk work on portal accounts, chunk by chunk, for the bulk service."""
