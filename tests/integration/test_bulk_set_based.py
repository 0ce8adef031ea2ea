"""The set-based chunk apply against the per-relation one: the same chunk on two copies of the
same relations must answer the same outcomes and leave the same states, history, (job,
relation) keys and batch event. The set-based path is PostgreSQL's: these tests need one
(POSTGRES_PORT, default 5433, as deploy/local/postgres.sh starts it), like the rest of the
integration tier."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from datetime import UTC, datetime
from unittest import mock

import pytest
from sqlalchemy import insert, text

from services.relations.field_changes import FieldChange
from services.relations.handlers import bulk_set_based
from services.relations.messages import ApplyFieldChanges, RestoreBeforeImages
from services.relations.models import FieldDefinition, Relation
from services.relations.plugin import plugin
from shared.config import Settings
from shared.permissions import permissions_for_roles
from shared.runtime import bootstrap
from tests.support.postgres import database_url, fresh_databases

PRINCIPAL = {"kind": "staff", "id": "admin", "roles": ["superuser"],
             "permissions": sorted(permissions_for_roles(["superuser"]))}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _options(*keys):
    return [{"key": key, "label": key.title()} for key in keys]


FIELDS = [
    ("newsletter", "checkbox", [], False, ["person", "organisation"]),
    ("interests", "multi_choice", _options("sport", "music", "art"), False,
     ["person", "organisation"]),
    ("level", "choice", _options("gold", "silver"), True, ["person"]),
    ("nickname", "text", [], False, ["person"]),
    ("shares", "number", [], False, ["person"]),
    ("joined", "date", [], False, ["person", "organisation"]),
]
# id, type, status, names, fields
RELATIONS = [
    ("p-music", "person", "active", {"last_name": "A"}, {"interests": ["music"], "level": "gold"}),
    ("p-both", "person", "active", {"first_name": "B"},
     {"interests": ["sport", "music"], "newsletter": True, "nickname": "Bee", "shares": 2}),
    ("p-empty", "person", "active", {"last_name": "C"}, {}),
    ("p-null", "person", "archived", {"last_name": "D"}, {"interests": None, "newsletter": None}),
    ("p-stale", "person", "active", {"last_name": "E"}, {"interests": ["chess", "music"]}),
    ("p-nameless", "person", "active", {}, {"interests": ["music"]}),
    ("p-deleted", "person", "deleted", {"last_name": "F"}, {}),
    ("p-primaries", "person", "active", {"last_name": "G"}, {"newsletter": False}),
    ("o-club", "organisation", "active", {"organisation_name": "Club"},
     {"interests": ["art"], "joined": "2020-02-02"}),
]
NAMES = ("first_name", "last_name", "organisation_name")
EMAILS = {"p-both": [{"address": "b@example.org", "label": None, "primary": True},
                     {"address": "b2@example.org", "label": "work", "primary": False}],
          "p-primaries": [{"address": f"g{n}@example.org", "label": None, "primary": True}
                          for n in range(2)]}
CHUNK = [r[0] for r in RELATIONS] + ["missing", "p-music"]
CHANGES = [
    {"newsletter": {"set": True}, "interests": {"add": ["sport"], "remove": ["music"]}},
    {"interests": {"remove": ["music", "sport"]}},
    {"interests": {"set": ["art", "sport", "art"]}, "joined": {"set": "2024-05-01"}},
    {"shares": {"set": 3}, "nickname": {"overwrite": "Bee"}},
    {"level": {"clear": True}},
    {"level": {"set": "silver"}, "newsletter": {"clear": True}, "nickname": {"clear": True}},
]


@pytest.fixture
def copies():
    """Two relations services, each on a database of its own holding the same relations."""
    with ExitStack() as stack:
        runtimes = []
        for _copy in "ab":
            prefix, create = stack.enter_context(fresh_databases())
            create("relations")
            runtime = bootstrap(plugin, Settings(database_url=database_url(prefix),
                                                 principal_secret="x" * 40))
            stack.callback(runtime.stop)
            runtimes.append(runtime)
        for runtime in runtimes:
            _seed(runtime)
        yield runtimes


def _seed(runtime) -> None:
    with runtime.database.engine.begin() as connection:
        connection.execute(insert(FieldDefinition.__table__), [
            {"key": key, "label": key.title(), "type": kind, "options": options,
             "required": required, "applies_to": applies_to, "created_at": T0,
             "updated_at": T0} for key, kind, options, required, applies_to in FIELDS])
        connection.execute(insert(Relation.__table__), [
            {"id": rid, "type": kind, "status": status, **dict.fromkeys(NAMES), **names,
             "fields": values,
             "emails": EMAILS.get(rid, []), "phones": [], "tags": [], "version": 1,
             # Times with and without a fraction: states carry them as isoformat() writes.
             "created_at": T0.replace(microsecond=120000) if rid == "p-stale" else T0,
             "updated_at": T0,
             "archived_at": T0 if status == "archived" else None}
            for rid, kind, status, names, values in RELATIONS])


def _dispatch(runtime, changes, job="job-1"):
    return runtime.dispatch(ApplyFieldChanges.envelope(
        {"job": job, "relation_ids": CHUNK, "changes": changes, "principal": PRINCIPAL},
        source="test"))


def _apply(runtime, changes, job="job-1", *, set_based: bool):
    """The chunk applied through the path named (and asserted to be the one taken)."""
    spy = mock.patch.object(bulk_set_based, "apply_chunk", wraps=bulk_set_based.apply_chunk)
    off = mock.patch.object(bulk_set_based, "fits", lambda _session, _plan: False)
    with spy as used, (nullcontext() if set_based else off):
        outcomes = _dispatch(runtime, changes, job)
    assert used.called is set_based
    return outcomes


def _written(runtime) -> dict:
    """Everything the chunk leaves behind, times aside (each path takes its own)."""
    with runtime.database.engine.connect() as connection:
        def rows(sql):
            return [dict(row._mapping) for row in connection.execute(text(sql))]
        events = rows("SELECT routing_key, aggregate_id, body FROM outbox ORDER BY id")
        for event in events:
            event["body"] = json.loads(event["body"])["payload"]
            for entry in event["body"]["entries"]:
                entry["relation"].pop("updated_at")
        return {
            "relations": rows("SELECT id, status, fields, version, first_name, last_name "
                              "FROM relations ORDER BY id"),
            "history": rows("SELECT relation_id, principal, via, via_ref, field, before, after "
                            "FROM history ORDER BY id"),
            "applications": rows("SELECT job_id, relation_id, outcome FROM bulk_applications "
                                 "ORDER BY job_id, relation_id"),
            "events": events,
        }


@pytest.mark.parametrize("changes", CHANGES)
def test_both_paths_answer_and_write_the_same(copies, changes):
    per_relation, set_based = copies
    expected = _apply(per_relation, changes, set_based=False)
    outcomes = _apply(set_based, changes, set_based=True)
    assert outcomes == expected
    assert _written(set_based) == _written(per_relation)
    assert "failed" in {o["outcome"] for o in outcomes}


def _restore(runtime, images, mode, *, set_based: bool):
    """An undo's chunk put back through the path named (asserted to be the one taken)."""
    spy = mock.patch.object(bulk_set_based, "apply_chunk", wraps=bulk_set_based.apply_chunk)
    off = mock.patch.object(bulk_set_based, "fits_images", lambda _session, _images: False)
    with spy as used, (nullcontext() if set_based else off):
        outcomes = runtime.dispatch(RestoreBeforeImages.envelope(
            {"job": "undo-1", "relation_ids": CHUNK, "images": images, "mode": mode,
             "principal": PRINCIPAL}, source="test"))
    assert used.called is set_based
    return outcomes


@pytest.mark.parametrize("mode", ["skip", "overwrite"])
def test_both_paths_put_back_before_images_alike(copies, mode):
    for runtime in copies:
        applied = _apply(runtime, CHANGES[0], set_based=True)
    images = {o["relation_id"]: {"before": o["before"], "version": o["version"]}
              for o in applied if o["outcome"] == "changed"}
    # Someone else changed p-both since the job; the job left nothing to put back on p-empty.
    images.pop("p-empty")
    for runtime in copies:
        with runtime.database.engine.begin() as connection:
            connection.execute(text("UPDATE relations SET version = version + 1 "
                                    "WHERE id = 'p-both'"))
    expected = _restore(copies[0], images, mode, set_based=False)
    outcomes = _restore(copies[1], images, mode, set_based=True)
    assert outcomes == expected
    assert _written(copies[1]) == _written(copies[0])
    by_id = {o["relation_id"]: o for o in outcomes}
    assert by_id["p-music"]["outcome"] == "changed"
    assert by_id["p-empty"]["reason"] == "the job left no before-image for this relation"
    assert by_id["p-both"]["outcome"] == ("changed" if mode == "overwrite" else "failed")
    with copies[1].database.engine.connect() as connection:
        music = connection.execute(text(
            "SELECT fields FROM relations WHERE id = 'p-music'")).scalar()
    assert music["interests"] == ["music"] and "newsletter" not in music


def test_a_redelivered_chunk_answers_the_same_and_writes_nothing(copies):
    _per_relation, runtime = copies
    first = _apply(runtime, CHANGES[0], set_based=True)
    written = _written(runtime)
    assert _apply(runtime, CHANGES[0], set_based=True) == first
    assert _written(runtime) == written
    # Another job is applied again, to what the first one left.
    again = _apply(runtime, CHANGES[0], job="job-2", set_based=True)
    assert {o["outcome"] for o in again} == {"unchanged", "failed"}


def test_the_same_chunk_delivered_twice_at_once_is_applied_once(copies):
    _per_relation, runtime = copies
    with runtime.database.engine.connect() as blocker:
        # Both deliveries queue behind this lock, then on each other's.
        blocker.execute(text("SELECT id FROM relations WHERE id = 'p-music' FOR UPDATE"))
        with ThreadPoolExecutor(2) as pool:
            answers = [pool.submit(_dispatch, runtime, CHANGES[0]) for _ in range(2)]
            time.sleep(0.3)
            blocker.rollback()
            first, second = (answer.result(timeout=30) for answer in answers)
    assert first == second
    history = _written(runtime)["history"]
    assert len(history) == len({(h["relation_id"], h["field"]) for h in history}) > 0


def test_the_set_based_path_leaves_derived_fields_to_the_per_relation_one():
    custom = FieldChange("newsletter", "checkbox", "set", True)
    standard = FieldChange("last_name", "standard", "overwrite", "Jansen")
    session = mock.Mock()
    session.get_bind.return_value.dialect.name = "postgresql"
    assert bulk_set_based.fits(session, [custom])
    assert not bulk_set_based.fits(session, [custom, standard])
    session.get_bind.return_value.dialect.name = "sqlite"
    assert not bulk_set_based.fits(session, [custom])


def test_batch_events_are_stored_with_lz4(copies):
    # pglz took three times as long to store a chunk's 700 KB event.
    with copies[0].database.engine.connect() as connection:
        assert connection.execute(text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'outbox'::regclass "
            "AND attname = 'body'")).scalar() == "l"
