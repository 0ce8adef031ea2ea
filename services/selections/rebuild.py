"""Rebuild the read model from the relations service's current states.

    python -m services.selections.rebuild [--from-scratch]

Pages through `relations.export_states` over the bus and replays definitions, gone (merged and
deleted) relations, relation states, functions and dossiers through the same functions the
event handlers use; whatever the read model holds that relations no longer has goes. Version
guards keep what events bring meanwhile: the consumers may run during a rebuild.
`--from-scratch` empties the read model first (never lists, groups or selections).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from services.relations.messages import ExportStates, GetRelationStates
from services.selections import handlers
from services.selections.groups.materialise import evaluate_all
from services.selections.handlers import SelectionsUnitOfWork
from services.selections.models import (
    DOSSIER_ACTION,
    TAG,
    Definition,
    DossierAction,
    DossierMember,
    DossierView,
    FieldDefinition,
    FunctionView,
    GoneRelation,
    MergeRecord,
    RelationValue,
    RelationView,
)
from services.selections.projection import definitions, links, relations
from services.selections.repository import ReadModel
from services.selections.text import moment
from shared.config import Settings
from shared.context import configure_logging
from shared.plugins import service_plugins
from shared.runtime import ServiceRuntime, bootstrap

PAGE = 1000
READ_MODEL = (RelationValue, RelationView, GoneRelation, MergeRecord, FunctionView,
              DossierMember, DossierAction, DossierView, FieldDefinition, Definition)


def rebuild(runtime: ServiceRuntime, *, from_scratch: bool = False,
            progress: Callable[[str, int], None] = lambda part, count: None) -> dict[str, Any]:
    """Bring the read model in line with relations; answers how many of each part were read."""
    rebuild = _Rebuild(runtime, progress)
    if from_scratch:
        rebuild.empty()
    rebuild.definitions()
    rebuild.gone()
    rebuild.relations()
    rebuild.functions()
    rebuild.dossiers()
    rebuild.evaluate_groups()
    return rebuild.counts


class _Rebuild:
    def __init__(self, runtime: ServiceRuntime, progress: Callable[[str, int], None]):
        self.runtime = runtime
        self.progress = progress
        self.counts: dict[str, Any] = defaultdict(int)

    def uow(self) -> SelectionsUnitOfWork:
        return self.runtime.unit_of_work()

    def pages(self, part: str) -> Iterator[tuple[list[dict[str, Any]], str | None, str | None,
                                                 datetime]]:
        """(items, after, last: the page's id range, None at the end, when it was read)."""
        after = None
        while True:
            read_at = datetime.now(UTC)
            page = self.runtime.rpc.call(ExportStates, {"part": part, "after": after,
                                                        "limit": PAGE})
            self.counts[part] += len(page["items"])
            self.progress(part, self.counts[part])
            yield page["items"], after, page["next"], read_at
            if page["next"] is None:
                return
            after = page["next"]

    def empty(self) -> None:
        with self.uow() as uow:
            for model in READ_MODEL:
                uow.session.execute(delete(model))
            uow.commit()

    # --- definitions ------------------------------------------------------------------------

    def definitions(self) -> None:
        """Every definition offered; one relations no longer has is buried as of now."""
        for part, kind in (("fields", None), ("tags", TAG), ("dossier_actions", DOSSIER_ACTION)):
            seen: set[str] = set()
            started = datetime.now(UTC).isoformat()
            for items, *_ in self.pages(part):
                with self.uow() as uow:
                    for item in items:
                        if kind is None:
                            definitions.absorb_field(uow.read_model, item)
                        else:
                            definitions.absorb_definition(uow.read_model, kind, item)
                    uow.commit()
                seen.update(item["key"] for item in items)
            self._bury_definitions(kind, seen, started)

    def _bury_definitions(self, kind: str | None, seen: set[str], started: str) -> None:
        with self.uow() as uow:
            model = FieldDefinition if kind is None else Definition
            query = select(model.key).where(model.deleted.is_(False))
            if kind is not None:
                query = query.where(Definition.kind == kind)
            for key in set(uow.session.scalars(query)) - seen:
                if kind is None:
                    definitions.bury_field(uow.read_model, key, started)
                else:
                    definitions.bury_definition(uow.read_model, kind, key, started)
            uow.commit()

    # --- relations --------------------------------------------------------------------------

    def gone(self) -> None:
        """Merged and deleted relations leave the read model, as their events would have."""
        for items, *_ in self.pages("gone"):
            # Asked before the transaction opens: no lock held while relations answers.
            keepers = self._states({item["merged_into"] for item in items
                                    if item["reason"] == "merged"})
            with self.uow() as uow:
                known = uow.read_model.gone(item["id"] for item in items)
                present = uow.read_model.views(item["id"] for item in items)
                missed = [item for item in items if item["id"] in present
                          or (tombstone := known.get(item["id"])) is None
                          or (tombstone.reason, tombstone.merge_id)
                          != (item["reason"], item["merge_id"])]
                at = datetime.now(UTC)
                deleted = [item["id"] for item in missed if item["reason"] == "deleted"]
                if deleted:
                    handlers.forget(uow, deleted, at)
                self._merged(uow, [item for item in missed if item["reason"] == "merged"],
                             keepers, at)
                uow.commit()
            self.counts["gone_applied"] += len(missed)

    def _merged(self, uow: SelectionsUnitOfWork, items: list[dict[str, Any]],
                keepers: dict[str, dict[str, Any]], at: datetime) -> None:
        by_merge: dict[tuple[str | None, str], list[str]] = defaultdict(list)
        for item in items:
            by_merge[(item["merge_id"], item["merged_into"])].append(item["id"])
        for (merge_id, keep_id), merged_ids in by_merge.items():
            if (merge_id is not None and keep_id in keepers
                    and uow.read_model.merge(merge_id) is None):
                handlers.merge(uow, merge_id, keepers[keep_id], merged_ids, at)
            else:
                # Known merge, or one whose keeper went in turn: only the tombstones to keep.
                relations.bury(uow.read_model, merged_ids, "merged", merge_id, at)

    def _states(self, relation_ids: set[str]) -> dict[str, dict[str, Any]]:
        if not relation_ids:
            return {}
        answer = self.runtime.rpc.call(GetRelationStates, {"relation_ids": sorted(relation_ids)})
        return {state["id"]: state for state in answer["states"]}

    def relations(self) -> None:
        """Every live state offered; a relation the read model holds that relations does not
        (and that no event brought since the page was read) is forgotten."""
        for states, after, last, read_at in self.pages("relations"):
            with self.uow() as uow:
                at = datetime.now(UTC)
                self._merges_undone(uow, states, at)
                self.counts["relations_applied"] += relations.absorb_states(
                    uow.read_model, states, at)
                unknown = _unknown(uow.read_model, RelationView, RelationView.id, states,
                                   after, last, RelationView.absorbed_at < read_at)
                if unknown:
                    handlers.forget(uow, unknown, at)
                    self.counts["relations_forgotten"] += len(unknown)
                uow.commit()

    def _merges_undone(self, uow: SelectionsUnitOfWork, states: list[dict[str, Any]],
                       at: datetime) -> None:
        """Live relations the read model holds as merged: their merge was undone since."""
        read_model = uow.read_model
        tombstones = read_model.gone(state["id"] for state in states)
        restored: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for state in states:
            tombstone = tombstones.get(state["id"])
            if tombstone is not None and tombstone.reason == "merged" and tombstone.merge_id:
                restored[tombstone.merge_id].append(state)
        for merge_id, merged in restored.items():
            record = read_model.merge(merge_id)
            keep = record and read_model.views([record.keep_id]).get(record.keep_id)
            handlers.undo_merge(uow, merge_id, keep.state if keep else merged[0], merged, at)

    # --- functions and dossiers -------------------------------------------------------------

    def functions(self) -> None:
        for states, after, last, read_at in self.pages("functions"):
            with self.uow() as uow:
                for state in states:
                    links.absorb_function(uow.read_model, state)
                unknown = _unknown(uow.read_model, FunctionView, FunctionView.id, states, after,
                                   last, FunctionView.deleted.is_(False),
                                   FunctionView.updated_at < moment(read_at.isoformat()))
                if unknown:
                    # Removed upstream as if never held (relations keeps no tombstone of them).
                    uow.session.execute(update(FunctionView).where(FunctionView.id.in_(unknown))
                                        .values(deleted=True))
                uow.commit()

    def dossiers(self) -> None:
        for states, after, last, _read_at in self.pages("dossiers"):
            with self.uow() as uow:
                for state in states:
                    links.absorb_dossier(uow.read_model, state)
                for dossier_id in _unknown(uow.read_model, DossierView, DossierView.id, states,
                                           after, last, DossierView.deleted.is_(False)):
                    links.bury_dossier(uow.read_model, dossier_id)
                uow.commit()

    def evaluate_groups(self) -> None:
        """Every dynamic and composite group evaluated in full against the rebuilt model."""
        with self.uow() as uow:
            evaluate_all(uow)
            uow.commit()
        self.counts["groups_evaluated"] = True


def _unknown(read_model: ReadModel, model: type, key: Any, items: list[dict[str, Any]],
             after: str | None, last: str | None, *conditions: Any) -> list[str]:
    """Ids the read model holds in the page's range (after, last] that the page did not offer."""
    query = select(key).where(*conditions)
    if after is not None:
        query = query.where(key > after)
    if last is not None:
        query = query.where(key <= last)
    offered = {item["id"] for item in items}
    return [rid for rid in read_model.session.scalars(query) if rid not in offered]


def main(argv: list[str] | None = None) -> None:
    """The command line: rebuild with the settings the services run with."""
    parser = argparse.ArgumentParser(prog="python -m services.selections.rebuild",
                                     description=__doc__.strip().splitlines()[0])
    parser.add_argument("--from-scratch", action="store_true",
                        help="empty the read model first (lists, groups, selections stay)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings.log_level, "selections-rebuild")
    selections, relations_plugin = service_plugins(["selections", "relations"])
    runtime = bootstrap(selections, settings, declare=False)
    answering = []
    if settings.broker_url.startswith("memory://"):
        # Embedded: no other process shares an in-memory bus, so relations answers from here
        # (its own database file; the running product's relay still publishes its events).
        answering.append(bootstrap(relations_plugin, settings, bus=runtime.bus))
        answering[0].start_background(relay=False)
    try:
        counts = rebuild(runtime, from_scratch=args.from_scratch, progress=_Progress())
    finally:
        for other in answering:
            other.stop()
        runtime.stop()
    print("\n" + ", ".join(f"{part}: {count}" for part, count in counts.items()))


class _Progress:
    """Pages read so far, on one line per part."""

    def __init__(self) -> None:
        self.part: str | None = None

    def __call__(self, part: str, count: int) -> None:
        if self.part not in (None, part):
            print(flush=True)
        self.part = part
        print(f"\r{part}: {count:,} read", end="", flush=True)


if __name__ == "__main__":
    main()
