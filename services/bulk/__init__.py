"""Bulk: previewed, confirmed, undoable operations on many relations, run by scalable workers."""

# Deliberately empty: the plugin is found through its entry point (services.bulk.plugin).
