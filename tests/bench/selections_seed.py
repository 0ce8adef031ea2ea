"""Seeding the selections read model for its benchmark: N relation states turned into rows by
the projection's own functions (so rows are as events would leave them), written by COPY."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from services.selections.models import RelationValue, RelationView
from services.selections.projection.rows import value_rows, view_columns

CITIES = ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg",
          "Almere", "Breda", "Nijmegen", "Apeldoorn", "Haarlem", "Arnhem", "Enschede",
          "Amersfoort", "Zaanstad", "Den Bosch", "Zwolle", "Leiden", "Maastricht"]
FIRST = ["Anna", "Bram", "Chris", "Daan", "Emma", "Fleur", "Gijs", "Hanna", "Ivo", "Julia",
         "Kees", "Lotte", "Mila", "Noah", "Olaf", "Pien", "Quinten", "Roos", "Sem", "Tess"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
        "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
        "Hendriks", "van Leeuwen", "Dekker", "Brouwer"]
INTERESTS = ["sport", "music", "art", "nature", "politics"]
TAGS = ["volunteer", "press", "donor", "board"]
BATCH = 20_000


def state(rng: random.Random, now: str) -> dict[str, Any]:
    """One person as relations events carry it."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    infix, _, surname = last.rpartition(" ")
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(80 * 365))
    fields: dict[str, Any] = {"newsletter": rng.random() < 0.4}
    if rng.random() < 0.7:
        fields["interests"] = rng.sample(INTERESTS, rng.randint(1, 2))
    return {"id": str(uuid.UUID(int=rng.getrandbits(128))), "type": "person",
            "initials": first[0] + ".", "first_name": first, "infix": infix or None,
            "last_name": surname, "organisation_name": None, "birth_date": born.isoformat(),
            "emails": [{"address": f"{first.lower()}{rng.randrange(10**6)}@example.org",
                        "label": None, "primary": True}],
            "phones": [], "address": {"street": "Dorpsstraat", "number": str(rng.randint(1, 300)),
                                      "postcode": f"{rng.randint(1000, 9999)} AB",
                                      "city": rng.choice(CITIES), "country": "NL"},
            "status": "archived" if rng.random() < 0.05 else "active", "archived_reason": None,
            "archived_at": None, "fields": fields,
            "tags": [tag for tag in TAGS if rng.random() < 0.1], "version": 1,
            "created_at": now, "updated_at": now}


def states(count: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    for start in range(0, count, BATCH):
        yield [state(rng, now) for _ in range(min(BATCH, count - start))]


def seed(engine: Engine, count: int, seed: int = 20261123) -> None:
    """Definitions, then N relations' view and value rows by COPY; those tables analysed."""
    at = datetime.now(UTC)
    view_names = [column.name for column in RelationView.__table__.columns
                  if column.name != "account"]
    value_names = [column.name for column in RelationValue.__table__.columns]
    with engine.begin() as connection:
        _definitions(connection)
        cursor_owner = connection.connection.driver_connection
        for batch in states(count, seed):
            with cursor_owner.cursor() as cursor:
                with cursor.copy(f"COPY relation_view ({', '.join(view_names)}) "
                                 "FROM STDIN") as copy:
                    for item in batch:
                        row = view_columns(item, at)
                        row["state"] = json.dumps(row["state"])
                        copy.write_row([row[name] for name in view_names])
                with cursor.copy(f"COPY relation_values ({', '.join(value_names)}) "
                                 "FROM STDIN") as copy:
                    for item in batch:
                        for row in value_rows(item):
                            copy.write_row([row[name] for name in value_names])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Only what was seeded: the other tables stay as a fresh installation has them.
        connection.execute(text("ANALYZE relation_view, relation_values, field_definitions, "
                                "definitions"))


def _definitions(connection) -> None:
    moment = "2026-01-01T00:00:00.000000"
    connection.execute(text(
        "INSERT INTO field_definitions (key, label, type, options, updated_at, deleted) VALUES "
        "('newsletter', 'Newsletter', 'checkbox', '[]', :at, false), "
        "('interests', 'Interests', 'multi_choice', :options, :at, false)"),
        {"at": moment, "options": json.dumps(INTERESTS)})
    for tag in TAGS:
        connection.execute(text(
            "INSERT INTO definitions (kind, key, label, updated_at, deleted) "
            "VALUES ('tag', :key, :key, :at, false)"), {"key": tag, "at": moment})
