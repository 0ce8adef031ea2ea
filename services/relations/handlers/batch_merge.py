"""Merge many duplicate pairs at once: in safe mode pairs whose values conflict are skipped
and listed; with per-field rules every pair is merged (keeper wins, or newest wins)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.relations.handlers.merges import SCALARS, merge_relations
from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.models import Relation
from shared.errors import PlatformError, ValidationFailed

MAX_PAIRS = 500


def merge_pairs(new_uow: Callable[[], RelationsUnitOfWork], pairs: list[tuple[str, str]], *,
                mode: str, keeper: str, rule: str) -> dict[str, Any]:
    """Each pair in a transaction of its own, so one refusal stops nothing else. `keeper`:
    "oldest" or "newest" relation stays; `rule` (mode "rules"): "keeper" or "newest" value
    wins where both have one; multi-values are always united."""
    if not 1 <= len(pairs) <= MAX_PAIRS:
        raise ValidationFailed(f"merge 1 to {MAX_PAIRS} pairs at a time",
                               errors={"pairs": [f"1 to {MAX_PAIRS} pairs"]})
    merged, skipped = [], []
    for a, b in pairs:
        try:
            outcome = _merge_pair(new_uow(), a, b, mode=mode, keeper=keeper, rule=rule)
        except PlatformError as exc:
            skipped.append({"a": a, "b": b, "reason": exc.detail})
            continue
        (merged if "merge_id" in outcome else skipped).append(outcome)
    return {"merged": merged, "skipped": skipped}


def _merge_pair(uow: RelationsUnitOfWork, a: str, b: str, *, mode: str, keeper: str,
                rule: str) -> dict[str, Any]:
    with uow:
        one, two = uow.relations.live(a), uow.relations.live(b)
        keep, other = sorted((one, two), key=lambda r: r.created_at,
                             reverse=keeper == "newest")
        conflicts = _conflicts(keep, other)
        if conflicts and mode == "safe":
            return {"a": a, "b": b, "reason": "their values differ", "conflicts": conflicts}
        newer = max((keep, other), key=lambda r: r.updated_at)
        choices = {field: newer.id for field in conflicts} if rule == "newest" else {}
        result = merge_relations(uow, keep.id, [other.id], choices)
        uow.commit()
    return {"a": a, "b": b, "keep": keep.id, "other": other.id,
            "merge_id": result["merge"]["id"]}


def _conflicts(one: Relation, two: Relation) -> list[str]:
    """The single-value fields (standard and custom) where both hold a different value."""
    fields = [f for f in SCALARS if _differ(getattr(one, f), getattr(two, f))]
    mine, theirs = one.custom_fields or {}, two.custom_fields or {}
    fields += [f"fields.{key}" for key in sorted(set(mine) & set(theirs))
               if _differ(mine[key], theirs[key])]
    return fields


def _differ(one: Any, two: Any) -> bool:
    if one in (None, "", [], {}) or two in (None, "", [], {}):
        return False
    if isinstance(one, str) and isinstance(two, str):
        return one.strip().casefold() != two.strip().casefold()
    return one != two
