"""Selections: finds relations (filters, lists, selections, groups) in its own read model."""

from services.selections.plugin import plugin

__all__ = ["plugin"]
