"""Relations for the duplicates benchmark: households of persons sharing a family name and a
postcode, some organisations, and a share of duplicates of each kind the rules look for."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

RELATION_COLUMNS = ("id", "type", "first_name", "infix", "last_name", "organisation_name",
                    "birth_date", "emails", "phones", "address", "status", "fields", "tags",
                    "version", "created_at", "updated_at")
FIRST = ("Jan", "Piet", "Kees", "Anna", "Maria", "Sanne", "Lisa", "Tom", "Daan", "Emma", "Sophie",
         "Julia", "Lucas", "Noah", "Milan", "Fleur", "Eva", "Sem", "Levi", "Tess", "Bram", "Ruben",
         "Anouk", "Iris", "Johan", "Willem", "Hendrik", "Cornelis", "Gerrit", "Margriet",
         "Johanna", "Wilhelmina", "Klaas", "Joost", "Femke", "Lotte", "Roos", "Thijs", "Luuk",
         "Jesse", "Mees", "Saar", "Noor", "Lieke", "Maarten", "Pieter", "Dirk", "Ans", "Joke")
INFIX = ("", "", "", "", "de", "van", "van der", "van den", "ter", "van de")
LAST = ("Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Boer", "Dekker", "Brouwer",
        "Dijkstra", "Hoekstra", "Vries", "Berg", "Dijk", "Bos", "Vos", "Peters", "Hendriks",
        "Leeuwen", "Wit", "Graaf", "Kok", "Jacobs", "Koster", "Prins", "Huisman", "Kuipers",
        "Veenstra", "Postma", "Schouten", "Willems", "Vermeulen", "Janssen", "Sanders", "Bosch",
        "Lambregts", "Groot", "Haan", "Maas", "Verhoeven", "Kramer", "Timmermans", "Wouters",
        "Gerritsen", "Evers", "Kaya", "Yilmaz", "Nguyen", "Pinas", "Zwart", "Hoek", "Ruiter")
ORG_WORDS = ("Bakkerij", "Stichting", "Vereniging", "Garage", "Kapsalon", "Bouwbedrijf",
             "Installatie", "Advies", "Zorg", "Sport", "Muziek", "Tuin", "Schilders")
ORG_SUFFIX = ("BV", "VOF", "", "NV")
KINDS = ("email", "phone", "name_birth", "typo_same_postcode")


@dataclass
class Seeded:
    rows: list[tuple] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    # Every seeded duplicate and the relation it copies.
    duplicated: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def sample(self, n: int) -> list[str]:
        """Half relations with a duplicate, half any relation, shuffled."""
        half = min(n // 2, len(self.duplicated))
        chosen = self.rng.sample(self.duplicated, half) + self.rng.sample(self.ids, n - half)
        self.rng.shuffle(chosen)
        return chosen


def generate(count: int, *, seed: int, duplicate_share: float = 0.03) -> Seeded:
    rng = random.Random(seed)
    data = Seeded(rng=rng)
    postcodes = [f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
                 f"{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}" for _ in range(max(1, count // 8))]
    persons: list[dict] = []
    duplicates = int(count * duplicate_share)
    while len(data.ids) < count - duplicates:
        if rng.random() < 0.1:
            _add(data, _organisation(rng, len(data.ids), rng.choice(postcodes)))
            continue
        postcode, infix, last = rng.choice(postcodes), rng.choice(INFIX), rng.choice(LAST)
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            person = _person(rng, len(data.ids), postcode, infix, last)
            persons.append(person)
            _add(data, person)
    while len(data.ids) < count:
        original = rng.choice(persons)
        copy = _duplicate(rng, original, len(data.ids), rng.choice(KINDS), rng.choice(postcodes))
        _add(data, copy)
        data.duplicated += [original["id"], copy["id"]]
    return data


def _person(rng: random.Random, n: int, postcode: str, infix: str, last: str) -> dict:
    first = rng.choice(FIRST)
    born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 65 * 365))
    phones = [f"+316{n:08d}"] if rng.random() < 0.7 else []
    return {"type": "person", "first_name": first, "infix": infix or None, "last_name": last,
            "organisation_name": None, "birth_date": born if rng.random() < 0.8 else None,
            "emails": [f"{first.lower()}.{last.lower()}.{n}@example.org"], "phones": phones,
            "postcode": postcode, "id": str(uuid.UUID(int=rng.getrandbits(128)))}


def _organisation(rng: random.Random, n: int, postcode: str) -> dict:
    name = f"{rng.choice(ORG_WORDS)} {rng.choice(LAST)} {rng.choice(ORG_SUFFIX)}".strip()
    return {"type": "organisation", "first_name": None, "infix": None, "last_name": None,
            "organisation_name": name, "birth_date": None, "emails": [f"info{n}@example.com"],
            "phones": [f"+3120{n:07d}"], "postcode": postcode,
            "id": str(uuid.UUID(int=rng.getrandbits(128)))}


def _duplicate(rng: random.Random, original: dict, n: int, kind: str, elsewhere: str) -> dict:
    """A second card of the same person, sharing what `kind` says."""
    copy = dict(original, id=str(uuid.UUID(int=rng.getrandbits(128))),
                emails=[f"other.{n}@example.net"], phones=[f"+316{n:08d}"], postcode=elsewhere)
    if kind == "email":
        copy.update(emails=original["emails"], last_name=_typo(rng, original["last_name"]))
    elif kind == "phone" and original["phones"]:
        copy.update(phones=original["phones"], first_name=rng.choice(FIRST))
    elif kind == "name_birth" and original["birth_date"]:
        copy.update(first_name=original["first_name"].upper())
    else:
        copy.update(postcode=original["postcode"], birth_date=None,
                    last_name=_typo(rng, original["last_name"]))
    return copy


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word))
    return word[:at] + rng.choice("aeiou") + word[at + 1:]


def _add(data: Seeded, relation: dict) -> None:
    created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=len(data.ids))
    emails = [{"address": a, "label": None, "primary": i == 0}
              for i, a in enumerate(relation["emails"])]
    phones = [{"number": p, "label": None, "primary": i == 0}
              for i, p in enumerate(relation["phones"])]
    data.rows.append((relation["id"], relation["type"], relation["first_name"], relation["infix"],
                      relation["last_name"], relation["organisation_name"],
                      relation["birth_date"], json.dumps(emails), json.dumps(phones),
                      json.dumps({"postcode": relation["postcode"], "city": "Utrecht"}),
                      "active", "{}", "[]", 1, created, created))
    data.ids.append(relation["id"])
