"""What a group must be: the fields its kind takes, the sub-groups of a composite one, and the
portal flags. Every problem is collected and answered at once, by field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.selections.models import COMPOSITE, DYNAMIC, STATIC, Group
from shared.errors import ValidationFailed

# Which fields each kind takes, and what to say of one it does not.
TAKES = {"filter": DYNAMIC, "combine": COMPOSITE, "groups": COMPOSITE}
# The fewest sub-groups each combination takes.
FEWEST = {"union": 1, "intersection": 2, "difference": 2}


def check_group(session: Session, group: Group, data: dict[str, Any], *,
                creating: bool) -> None:
    """Refuse (422 by field) a request that does not fit the group it would make."""
    errors: dict[str, list[str]] = {}
    if not creating and "kind" in data and data["kind"] != group.kind:
        errors["kind"] = [f"a group's kind does not change (this one is {group.kind}); "
                          "create a new group instead"]
    for name, kind in TAKES.items():
        if name in data and group.kind != kind:
            errors[name] = [f"only a {kind} group has {name}; this one is {group.kind}"]
    if creating:
        for name, kind in TAKES.items():
            if group.kind == kind and data.get(name) is None:
                errors[name] = [f"a {kind} group needs {name}"]
    if group.kind == COMPOSITE and not errors.keys() & {"groups", "combine"}:
        errors.update(_sub_group_problems(session, group, data))
    errors.update(_portal_problems(group, data))
    if errors:
        raise ValidationFailed("the group is not valid: " + "; ".join(
            f"{name}: {messages[0]}" for name, messages in errors.items()), errors=errors)


def _sub_group_problems(session: Session, group: Group,
                        data: dict[str, Any]) -> dict[str, list[str]]:
    combine = data.get("combine", group.combine)
    sub_groups = data.get("groups", group.member_groups) or []
    errors: dict[str, list[str]] = {}
    if len(sub_groups) < FEWEST[combine]:
        errors["groups"] = [f"a {combine} takes at least {FEWEST[combine]} group"
                            + ("s" if FEWEST[combine] > 1 else "")]
    if "groups" not in data:
        return errors
    known = set(session.scalars(select(Group.id).where(Group.id.in_(sub_groups))))
    seen: set[str] = set()
    for index, group_id in enumerate(sub_groups):
        if group_id in seen:
            errors[f"groups[{index}]"] = [f"group {group_id!r} is named twice"]
        elif group_id not in known:
            errors[f"groups[{index}]"] = [f"no group has the id {group_id!r}"]
        seen.add(group_id)
    return errors


def _portal_problems(group: Group, data: dict[str, Any]) -> dict[str, list[str]]:
    """Changeable on portal is for static groups only, and implies visible."""
    visible = data.get("visible_on_portal", group.visible_on_portal)
    changeable = data.get("changeable_on_portal", group.changeable_on_portal)
    if not changeable:
        return {}
    if group.kind != STATIC:
        return {"changeable_on_portal": [
            f"only a static group can be changeable on portal; this one is {group.kind} "
            "(its members follow from its definition)"]}
    if not visible:
        # Name the field this request set, so the message points at what the caller did.
        field = ("visible_on_portal" if "visible_on_portal" in data
                 and "changeable_on_portal" not in data else "changeable_on_portal")
        return {field: ["a group changeable on portal must be visible on portal too"]}
    return {}
