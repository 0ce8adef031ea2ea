"""The queries of tags: their definitions, and the relations that carry them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from services.relations.messages import STATUSES
from services.relations.models import Relation, TagDefinition
from services.relations.repository.definitions import DefinitionRepository, json_list_holds


class TagRepository(DefinitionRepository):
    model = TagDefinition
    noun = "tag"

    def holders(self, key: str) -> Select[tuple[Relation]]:
        """A query for the live relations whose tags hold `key` (once or more); tombstones
        keep what they had."""
        return select(Relation).where(Relation.status.in_(STATUSES),
                                      json_list_holds(self.session, "relations.tags", key))

    def count_holders(self, key: str) -> int:
        return self.session.scalar(select(func.count()).select_from(
            self.holders(key).subquery()))

    def move_tags(self, source: Relation, target: Relation) -> dict[str, dict[str, list[Any]]]:
        """Give `target` the union of both relations' tags (its own first, each once) and
        leave `source` none; answers {relation id: {"tags": [before, after]}} for each one
        that changed, for the caller's history and events."""
        united = list(dict.fromkeys([*(target.tags or []), *(source.tags or [])]))
        changes = {}
        for relation, tags in ((target, united), (source, [])):
            changed = relation.apply({"tags": tags})
            if changed:
                changes[relation.id] = changed
        return changes
