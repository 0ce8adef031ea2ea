"""Selections: static snapshots of a filter, a list or a group, refreshed on demand or on a
schedule, with hand edits that later refreshes honour."""
