"""Relations: the card of every person and organisation, and the events of every change."""

from services.relations.plugin import plugin

__all__ = ["plugin"]
