"""A portal account's own view of groups: the visible groups its relation is in, the ones it may
join, and joining or leaving those (visible, changeable and static only). Read by every page a
portal front end shows, so each answer is one indexed query."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import and_, select

from services.selections.groups import members
from services.selections.handlers import SelectionsUnitOfWork
from services.selections.models import STATIC, Group, GroupMember, iso
from shared.access import portal_only
from shared.context import principal
from shared.db import READ_ONLY
from shared.errors import Conflict, Forbidden, NotFound
from shared.http import unit_of_work


def own_relation() -> str:
    """The relation of the portal account asking; anyone else is refused (403)."""
    asking = principal()
    if asking is None or asking.kind != "portal" or not asking.relation_id:
        raise Forbidden("only a portal account may use its own view, and it must belong to "
                        "a relation")
    return asking.relation_id


def my_groups(uow: SelectionsUnitOfWork) -> dict[str, list[dict[str, Any]]]:
    """The visible groups the relation is in, and the changeable static ones it may join.
    One query over the visible groups (few), each probing group_members by primary key."""
    relation_id = own_relation()
    query = (select(Group.id, Group.name, Group.description, Group.kind,
                    Group.changeable_on_portal, GroupMember.since)
             .outerjoin(GroupMember, and_(GroupMember.group_id == Group.id,
                                          GroupMember.relation_id == relation_id))
             .where(Group.visible_on_portal.is_(True))
             .order_by(Group.name, Group.id))
    with uow:
        # Read-only: on SQLite many portal reads run side by side instead of one at a time.
        uow.session.connection(execution_options={READ_ONLY: True})
        rows = uow.session.execute(query).all()
    member_of, may_join = [], []
    for row in rows:
        entry = {"id": row.id, "name": row.name, "description": row.description,
                 "changeable": bool(row.changeable_on_portal) and row.kind == STATIC}
        if row.since is not None:
            member_of.append({**entry, "since": iso(row.since)})
        elif entry["changeable"]:
            may_join.append(entry)
    return {"member_of": member_of, "may_join": may_join}


def join(uow: SelectionsUnitOfWork, group_id: str) -> dict[str, Any]:
    """Make the asking relation a member of a changeable group (a member already stays one)."""
    return _change(uow, group_id, members.add_members)


def leave(uow: SelectionsUnitOfWork, group_id: str) -> dict[str, Any]:
    """Take the asking relation out of a changeable group (a non-member stays out)."""
    return _change(uow, group_id, members.remove_members)


def _change(uow: SelectionsUnitOfWork, group_id: str, change) -> dict[str, Any]:
    relation_id = own_relation()
    with uow:
        group = uow.session.get(Group, group_id)
        _check_changeable(group, group_id)
        outcome = change(uow, group_id, [relation_id], via="portal")[relation_id]
        if outcome == "unknown_relation":
            raise Conflict("your relation is not known to the selections service yet; "
                           "try again in a moment", relation_id=relation_id)
        uow.commit()
    return {"group_id": group_id, "member": outcome in ("added", "already_member"),
            "outcome": outcome}


def _check_changeable(group: Group | None, group_id: str) -> None:
    # An invisible group answers as an unknown one: the portal may not learn that it exists.
    if group is None or not group.visible_on_portal:
        raise NotFound(f"no group with the id {group_id!r} is shown on the portal")
    if not group.changeable_on_portal:
        raise Forbidden(f"the group {group.name!r} cannot be joined or left on the portal")
    if group.kind != STATIC:
        raise Forbidden(f"the group {group.name!r} is {group.kind}: its members follow from "
                        "its definition, nobody joins or leaves it by hand")


# --- HTTP -----------------------------------------------------------------------------------

portal = Blueprint("portal_groups", __name__, url_prefix="/api/portal/me/groups",
                   description="A portal account's own groups (portal accounts only).")


class PortalGroupSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    changeable = fields.Boolean(required=True, metadata={
        "description": "Whether the account may join or leave it on the portal."})
    since = fields.String(metadata={"description": "Member since (member_of only)."})


class MyGroupsSchema(Schema):
    member_of = fields.List(fields.Nested(PortalGroupSchema), required=True)
    may_join = fields.List(fields.Nested(PortalGroupSchema), required=True)


class MembershipChangeSchema(Schema):
    group_id = fields.String(required=True)
    member = fields.Boolean(required=True)
    outcome = fields.String(required=True, metadata={
        "description": "added | already_member (join), removed | not_member (leave)"})



@portal.get("")
@portal_only
@portal.response(200, MyGroupsSchema)
def groups():
    """The portal-visible groups the account's relation is in (with whether it may leave
    them), and the ones it may join. Answers an ETag; If-None-Match gets a 304."""
    body = json.dumps(MyGroupsSchema().dump(my_groups(unit_of_work())), separators=(",", ":"))
    response = Response(body, content_type="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32], weak=True)
    # Personal, and may change at any time: a cache keeps it only to revalidate it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@portal.route("/<group_id>")
@portal_only
class MyGroup(MethodView):
    @portal.response(200, MembershipChangeSchema)
    def put(self, group_id):
        """Join a group shown on the portal as changeable (static groups only). 403 for a
        visible group that cannot be changed, 404 for one that is not shown."""
        return join(unit_of_work(), group_id)

    @portal.response(200, MembershipChangeSchema)
    def delete(self, group_id):
        """Leave a group shown on the portal as changeable (static groups only). 403 for a
        visible group that cannot be changed, 404 for one that is not shown."""
        return leave(unit_of_work(), group_id)
