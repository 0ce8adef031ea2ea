"""The groups HTTP API (mounted under /api/selections by the gateway)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.selections.groups import explain as explaining
from services.selections.groups import members as static_members
from services.selections.groups import reads, service
from services.selections.groups.schemas import (
    ExplanationSchema,
    GroupChangeSchema,
    GroupCreateSchema,
    GroupListArgs,
    GroupMemberPageSchema,
    GroupPageSchema,
    GroupSchema,
    HistoryArgs,
    HistoryPageSchema,
    OutcomesSchema,
    RelationGroupsSchema,
)
from services.selections.schemas import RelationIdsSchema
from shared.http import unit_of_work
from shared.pagination import PageArgs

groups = Blueprint("groups", __name__, url_prefix="/api/selections/groups",
                   description="Groups: static, dynamic (a filter) and composite (other groups "
                               "combined), with their portal flags.")
relation_groups = Blueprint("relation_groups", __name__, url_prefix="/api/selections/relations",
                            description="The groups of one relation.")


@groups.route("")
class Groups(MethodView):
    @groups.arguments(GroupListArgs, location="query")
    @groups.response(200, GroupPageSchema)
    def get(self, args):
        """Groups by name, a page at a time, of one kind if asked."""
        items, next_cursor = service.list_groups(unit_of_work(), kind=args.get("kind"),
                                                 limit=args["limit"], cursor=args.get("cursor"))
        return {"items": items, "next_cursor": next_cursor}

    @groups.arguments(GroupCreateSchema)
    @groups.response(201, GroupSchema)
    def post(self, data):
        """Create a group; a dynamic or composite one has its members at once. A cycle through
        groups and lists is refused (422 naming it); names are unique (409)."""
        return service.create_group(unit_of_work(), data), 201


@groups.route("/<group_id>")
class GroupView(MethodView):
    @groups.response(200, GroupSchema)
    def get(self, group_id):
        """One group, with its member count."""
        return service.get_group(unit_of_work(), group_id)

    @groups.arguments(GroupChangeSchema)
    @groups.response(200, GroupSchema)
    def patch(self, data, group_id):
        """Change a group (not its kind); a new filter or new groups evaluate it and the groups
        that use it again."""
        return service.change_group(unit_of_work(), group_id, data)

    @groups.response(204)
    def delete(self, group_id):
        """Delete a group; one that a composite group, a filter or a selection uses is refused
        (409 with `used_by` naming them)."""
        service.delete_group(unit_of_work(), group_id)


@groups.get("/<group_id>/members")
@groups.arguments(PageArgs, location="query")
@groups.response(200, GroupMemberPageSchema)
def members(args, group_id):
    """The group's members (states, with since and via), by relation id, with their count."""
    items, next_cursor, count = reads.members(unit_of_work(), group_id, limit=args["limit"],
                                              cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor, "count": count}


@groups.post("/<group_id>/members")
@groups.arguments(RelationIdsSchema)
@groups.response(200, OutcomesSchema)
def add_members(body, group_id):
    """Add relations to a static group (at most 10,000 a call); the outcome per id is added,
    already_member or unknown_relation. Dynamic and composite groups answer 409."""
    return _changed(static_members.add_members, group_id, body["relation_ids"])


@groups.post("/<group_id>/members/remove")
@groups.arguments(RelationIdsSchema)
@groups.response(200, OutcomesSchema)
def remove_members(body, group_id):
    """Take relations out of a static group; the outcome per id is removed, not_member or
    unknown_relation."""
    return _changed(static_members.remove_members, group_id, body["relation_ids"])


def _changed(change, group_id: str, relation_ids: list[str]) -> dict:
    uow = unit_of_work()
    with uow:
        outcomes = change(uow, group_id, relation_ids, via="manual")
        uow.commit()
    return static_members.tally(outcomes)


@groups.get("/<group_id>/history")
@groups.arguments(HistoryArgs, location="query")
@groups.response(200, HistoryPageSchema)
def history(args, group_id):
    """Who joined and left a static group, when, through what and by whom; newest first."""
    items, next_cursor = static_members.history(
        unit_of_work(), group_id, relation_id=args.get("relation_id"), limit=args["limit"],
        cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}


@groups.get("/<group_id>/explain/<relation_id>")
@groups.response(200, ExplanationSchema)
def explain(group_id, relation_id):
    """Why a relation is or is not a member: each filter node held or not, each sub-group's
    membership, or the history entry; and when the membership was last brought up to date."""
    return explaining.explain(unit_of_work(), group_id, relation_id)


@relation_groups.get("/<relation_id>/groups")
@relation_groups.response(200, RelationGroupsSchema)
def groups_of(relation_id):
    """Every group the relation is in, with since and via and the portal flags."""
    return {"items": reads.groups_of(unit_of_work(), relation_id)}
