"""The matching rules of de-duplication: the keys a relation is matched on, how alike two names
are, and what score the rules as configured give the evidence found for a pair."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from services.relations.models.duplicates import KEY_LENGTH
from services.relations.search import normalise

EMAIL, PHONE, NAME_BIRTH, POSTCODE, NAME = "email", "phone", "name_birth", "postcode", "name"
# Keys looked up to find candidates; NAME is kept so a name change is seen as a change of keys.
LOOKUP_KINDS = (EMAIL, PHONE, NAME_BIRTH, POSTCODE)

SAME_EMAIL, SAME_PHONE = "same_email", "same_phone"
SAME_NAME_BIRTH, SIMILAR_NAME = "same_name_and_birth_date", "similar_name_same_postcode"
RULES = (SAME_EMAIL, SAME_PHONE, SAME_NAME_BIRTH, SIMILAR_NAME)
DESCRIPTIONS = {
    SAME_EMAIL: "Both have an e-mail address in common (case does not matter).",
    SAME_PHONE: "Both have a phone number in common (compared in E.164).",
    SAME_NAME_BIRTH: "Two persons with the same name (accents, case and spacing aside) and the "
                     "same birth date.",
    SIMILAR_NAME: "Names alike (rapidfuzz token_sort_ratio of the normalised names at or above "
                  "the threshold) in the same postcode; the score scales with the similarity: "
                  "score x similarity / 100.",
}
# Name similarities are stored from this floor up, so lowering the threshold to it needs no
# recomputation; it is also the lowest threshold allowed.
SIMILARITY_FLOOR = 70

_PUNCTUATION = re.compile(r"[^\w\s]")
_POSTCODE_NOISE = re.compile(r"[\s\-.]")


@dataclass(frozen=True)
class Rule:
    """One built-in rule as administrators tuned it."""

    rule: str
    enabled: bool
    score: int
    threshold: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "enabled": self.enabled, "score": self.score,
                "threshold": self.threshold, "description": DESCRIPTIONS[self.rule]}


DEFAULT_RULES = {
    SAME_EMAIL: Rule(SAME_EMAIL, True, 90),
    SAME_PHONE: Rule(SAME_PHONE, True, 80),
    SAME_NAME_BIRTH: Rule(SAME_NAME_BIRTH, True, 85),
    SIMILAR_NAME: Rule(SIMILAR_NAME, True, 80, threshold=85),
}
REJECT_MIN_SCORE = "reject_min_score"
# What POST /relations does with a new relation that looks like an existing one.
ON_DUPLICATE_CHOICES = ("allow", "reject", "merge")
DEFAULT_SETTINGS = {REJECT_MIN_SCORE: 80}


@dataclass(frozen=True)
class Evidence:
    """What two relations were found to share."""

    same_email: bool = False
    same_phone: bool = False
    same_name_and_birth_date: bool = False
    name_similarity: int | None = None

    def __bool__(self) -> bool:
        return (self.same_email or self.same_phone or self.same_name_and_birth_date
                or self.name_similarity is not None)


def fuzzy_score(rule: Rule, similarity: int) -> int:
    """The similar-name rule's score for a similarity: score x similarity / 100, rounded."""
    return (rule.score * similarity + 50) // 100


def matched_rules(evidence: Evidence, rules: dict[str, Rule]) -> list[dict[str, Any]]:
    """Every enabled rule the evidence satisfies, with the score it gives, best first."""
    found = []
    for name, holds in ((SAME_EMAIL, evidence.same_email), (SAME_PHONE, evidence.same_phone),
                        (SAME_NAME_BIRTH, evidence.same_name_and_birth_date)):
        if holds and rules[name].enabled:
            found.append({"rule": name, "score": rules[name].score})
    fuzzy, similarity = rules[SIMILAR_NAME], evidence.name_similarity
    if fuzzy.enabled and similarity is not None and similarity >= fuzzy.threshold:
        found.append({"rule": SIMILAR_NAME, "score": fuzzy_score(fuzzy, similarity),
                      "similarity": similarity})
    return sorted(found, key=lambda match: -match["score"])


def score_of(evidence: Evidence, rules: dict[str, Rule]) -> int | None:
    """The pair's score: the highest of its matching rules' scores, None when none matches."""
    matches = matched_rules(evidence, rules)
    return matches[0]["score"] if matches else None


def match_name(relation: Any) -> str:
    """The name compared by the name rules: lower case, no accents, no punctuation."""
    if relation.type == "organisation":
        raw = relation.organisation_name
    else:
        given = relation.first_name or relation.initials
        raw = " ".join(part for part in (given, relation.infix, relation.last_name) if part)
    return " ".join(_PUNCTUATION.sub(" ", normalise(raw)).split())


def name_similarity(one: str, other: str) -> int:
    """0-100: how alike two match names are, word order aside."""
    return round(fuzz.token_sort_ratio(one, other, processor=None))


def normal_postcode(postcode: str | None) -> str:
    """"3511 aa" -> "3511AA": upper case, without spaces, dashes and dots."""
    return _POSTCODE_NOISE.sub("", postcode or "").upper()


def match_keys(relation: Any) -> set[tuple[str, str]]:
    """The (kind, value) keys of a relation as it is now; none for a tombstone."""
    if relation.status not in ("active", "archived"):
        return set()
    keys = {(EMAIL, entry["address"].strip().casefold()) for entry in relation.emails or []}
    keys |= {(PHONE, entry["number"]) for entry in relation.phones or []}
    name = match_name(relation)
    if name:
        keys.add((NAME, name))
        if relation.type == "person" and relation.birth_date is not None:
            keys.add((NAME_BIRTH, f"{name}|{relation.birth_date.isoformat()}"))
        postcode = normal_postcode((relation.address or {}).get("postcode"))
        if postcode:
            keys.add((POSTCODE, postcode))
    return {(kind, value[:KEY_LENGTH]) for kind, value in keys if value}
