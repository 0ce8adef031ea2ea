"""De-duplication: the matching rules, the duplicate candidates of a relation, the pairs of the
whole database, "not a duplicate", and what a new relation that looks like an existing one does
(on_duplicate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.relations.duplicates import refresh_match_keys
from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.matching import (
    ON_DUPLICATE_CHOICES,
    REJECT_MIN_SCORE,
    SIMILAR_NAME,
    Evidence,
    Rule,
    matched_rules,
)
from services.relations.messages import (
    DuplicateDismissalWithdrawn,
    DuplicateRulesChanged,
    DuplicatesDismissed,
)
from services.relations.models import DuplicateDismissal, DuplicatePair, Relation
from services.relations.models.base import now
from shared import context
from shared.errors import Conflict, Gone, NotFound, ValidationFailed
from shared.permissions import DEFINITIONS_MANAGE, RELATIONS_MERGE, require


def list_rules(uow: RelationsUnitOfWork) -> dict[str, Any]:
    """Every matching rule as tuned, and the settings."""
    with uow:
        return _rules_state(uow)


def change_rule(uow: RelationsUnitOfWork, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Tune one rule (administrators); every stored pair is scored again at once."""
    require(DEFINITIONS_MANAGE)
    with uow:
        rules = uow.duplicates.rules()
        if name not in rules:
            raise NotFound(f"there is no matching rule {name!r}; rules: {', '.join(rules)}")
        rule = Rule(name, data["enabled"], data["score"], _threshold(name, data))
        if rule != rules[name]:
            rules[name] = rule
            uow.duplicates.save_rule(rule, now())
            uow.duplicates.rescore(rules)
            uow.emit(DuplicateRulesChanged, _rules_state(uow), aggregate_id="duplicate-rules")
        uow.commit()
    return rule.to_dict()


def _threshold(name: str, data: dict[str, Any]) -> int | None:
    threshold = data.get("threshold")
    if name == SIMILAR_NAME and threshold is None:
        raise ValidationFailed("the similar-name rule needs a threshold",
                               errors={"threshold": ["required for this rule"]})
    if name != SIMILAR_NAME and threshold is not None:
        raise ValidationFailed(f"{name} matches exactly and has no threshold",
                               errors={"threshold": ["only the similar-name rule has one"]})
    return threshold


def change_settings(uow: RelationsUnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    """Change de-duplication settings (administrators)."""
    require(DEFINITIONS_MANAGE)
    with uow:
        current = uow.duplicates.settings()
        changed = {name: value for name, value in data.items() if current.get(name) != value}
        for name, value in changed.items():
            uow.duplicates.save_setting(name, value, now())
        state = _rules_state(uow)
        if changed:
            uow.emit(DuplicateRulesChanged, state, aggregate_id="duplicate-rules")
        uow.commit()
    return state


def relation_duplicates(uow: RelationsUnitOfWork, relation_id: str,
                        min_score: int) -> dict[str, Any]:
    """The candidates of one relation, best first; a merged one has none and says where it
    went, a deleted one is gone (410)."""
    with uow:
        relation = uow.relations.get(relation_id)
        if relation.status == "deleted":
            raise Gone(f"relation {relation_id} was deleted", id=relation_id, status="deleted")
        if relation.status == "merged":
            return {"items": [], "merged_into": relation.merged_into}
        return {"items": candidates(uow, relation_id, min_score)}


def candidates(uow: RelationsUnitOfWork, relation_id: str,
               min_score: int) -> list[dict[str, Any]]:
    """{"relation": compact view, "score", "rules"} per candidate of a relation, best first."""
    pairs = uow.duplicates.pairs_of(relation_id, min_score)
    rules = uow.duplicates.rules()
    other_ids = [pair.b if pair.a == relation_id else pair.a for pair in pairs]
    views = uow.duplicates.summaries(set(other_ids))
    return [{"relation": views[other], "score": pair.score,
             "rules": matched_rules(_evidence(pair), rules)}
            for pair, other in zip(pairs, other_ids, strict=True)]


def list_pairs(uow: RelationsUnitOfWork, *, min_score: int, limit: int,
               cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of duplicate pairs over the whole database, highest score first."""
    with uow:
        pairs, next_cursor = uow.duplicates.page(min_score=min_score, limit=limit,
                                                 cursor=cursor)
        rules = uow.duplicates.rules()
        views = uow.duplicates.summaries({rid for pair in pairs for rid in (pair.a, pair.b)})
        items = [{"a": views[pair.a], "b": views[pair.b], "score": pair.score,
                  "rules": matched_rules(_evidence(pair), rules)} for pair in pairs]
    return items, next_cursor


def best_pairs(uow: RelationsUnitOfWork, min_score: int, limit: int) -> list[tuple[str, str]]:
    """The ids of the best stored pairs from `min_score`, for a batch merge."""
    with uow:
        pairs, _next = uow.duplicates.page(min_score=min_score, limit=limit, cursor=None)
        return [(pair.a, pair.b) for pair in pairs]


def dismiss_pair(uow: RelationsUnitOfWork, one: str, other: str) -> tuple[dict[str, Any], bool]:
    """Mark two relations as not duplicates of each other; answers the dismissal and whether
    it is new (dismissing twice changes nothing)."""
    if one == other:
        raise ValidationFailed("a relation is not a duplicate of itself",
                               errors={"b": ["the same relation as a"]})
    a, b = sorted((one, other))
    with uow:
        for field, rid in (("a", one), ("b", other)):
            _require_live(uow, field, rid)
        existing = uow.duplicates.dismissal(a, b)
        if existing is not None:
            return existing.to_dict(), False
        dismissal = DuplicateDismissal(a=a, b=b, by=_who(), dismissed_at=now())
        uow.duplicates.dismiss(dismissal)
        state = dismissal.to_dict()
        uow.emit(DuplicatesDismissed, {"dismissal": state}, aggregate_id=a)
        uow.commit()
    return state, True


def withdraw_dismissal(uow: RelationsUnitOfWork, one: str, other: str) -> None:
    """Take a "not a duplicate" mark back: the pair is looked for again at once."""
    a, b = sorted((one, other))
    with uow:
        dismissal = uow.duplicates.dismissal(a, b)
        if dismissal is None:
            raise NotFound(f"the pair {a} / {b} was not dismissed")
        state = dismissal.to_dict()
        uow.duplicates.undismiss(dismissal)
        refresh_match_keys(uow.session, [uow.relations.get(a)], force=True)
        uow.emit(DuplicateDismissalWithdrawn, {"dismissal": state}, aggregate_id=a)
        uow.commit()


def list_dismissals(uow: RelationsUnitOfWork, *, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Pairs marked "not a duplicate", newest first."""
    with uow:
        rows, next_cursor = uow.duplicates.dismissals(limit=limit, cursor=cursor)
        return [row.to_dict() for row in rows], next_cursor


def _reject(uow: RelationsUnitOfWork, relation: Relation, found: list[dict[str, Any]]) -> None:
    if found:
        raise Conflict(
            f"{len(found)} existing relations look like this one (best score "
            f"{found[0]['score']}); nothing was created",
            candidates=[{"id": c["relation"]["id"], "score": c["score"], "rules": c["rules"]}
                        for c in found])


def _merge(uow: RelationsUnitOfWork, relation: Relation,
           found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Fold the new relation into its best candidate: the existing values win, the new ones
    fill gaps, multi-values are united; an ordinary merge, so it can be undone."""
    if not found:
        return None
    # Imported here: merges builds on the card handlers, which settle duplicates through us.
    from services.relations.handlers.merges import merge_relations

    return merge_relations(uow, found[0]["relation"]["id"], [relation.id], {})["keep"]


# What a new relation that scores at least the reject_min_score setting against existing ones
# does, beyond "allow": (uow, the new relation, its candidates) -> the state that stands for
# it instead, or None; in the creating transaction, where raising undoes the creation.
ON_DUPLICATE: dict[str, Callable[[RelationsUnitOfWork, Relation, list[dict[str, Any]]],
                                 dict[str, Any] | None]] = {"reject": _reject, "merge": _merge}


def settle_duplicates(uow: RelationsUnitOfWork, relation: Relation,
                      on_duplicate: str) -> dict[str, Any] | None:
    """Apply the on_duplicate choice to a relation being created (its keys refreshed);
    answers the existing relation's state when the new one was merged into it."""
    if on_duplicate == "allow":
        return None
    if on_duplicate == "merge":
        require(RELATIONS_MERGE)
    if on_duplicate not in ON_DUPLICATE_CHOICES:
        choices = ", ".join(ON_DUPLICATE_CHOICES)
        raise ValidationFailed(f"on_duplicate {on_duplicate!r} is unknown",
                               errors={"on_duplicate": [f"one of {choices}"]})
    threshold = uow.duplicates.settings()[REJECT_MIN_SCORE]
    return ON_DUPLICATE[on_duplicate](uow, relation, candidates(uow, relation.id, threshold))


def _evidence(pair: DuplicatePair) -> Evidence:
    return Evidence(same_email=pair.same_email, same_phone=pair.same_phone,
                    same_name_and_birth_date=pair.same_name_and_birth_date,
                    name_similarity=pair.name_similarity)


def _rules_state(uow: RelationsUnitOfWork) -> dict[str, Any]:
    return {"rules": [rule.to_dict() for rule in uow.duplicates.rules().values()],
            **uow.duplicates.settings()}


def _require_live(uow: RelationsUnitOfWork, field: str, relation_id: str) -> None:
    relation = uow.session.get(Relation, relation_id)
    if relation is None:
        raise ValidationFailed(f"relation {relation_id} does not exist",
                               errors={field: ["no such relation"]})
    if relation.status in ("deleted", "merged"):
        raise ValidationFailed(f"relation {relation_id} was {relation.status}",
                               errors={field: [f"the relation was {relation.status}"]})


def _who() -> str:
    principal = context.principal()
    return principal.label if principal is not None else "system"
