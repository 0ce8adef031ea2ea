"""The published contract of the selections service: the questions it answers over the
bus (no events of its own yet)."""

from marshmallow import Schema, ValidationError, fields, validate

from shared.messages import Command, Query

# --- Targets: the member ids of a set, frozen by whoever works on them (the bulk service) ----

TARGET_KINDS = ("relation_ids", "list", "selection", "group", "filter")


def _one_kind(target: dict) -> None:
    if len(target) != 1 or next(iter(target)) not in TARGET_KINDS:
        raise ValidationError("exactly one of " + ", ".join(TARGET_KINDS))


class ResolveTargetPayload(Schema):
    target = fields.Dict(required=True, validate=_one_kind, metadata={
        "description": '{"relation_ids": [...]} | {"list": id} | {"selection": id} | '
                       '{"group": id} | {"filter": node}'})
    after = fields.String(allow_none=True, load_default=None, metadata={
        "description": "The last id of the previous page; none for the first."})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))


ResolveTarget = Query("selections.resolve_target", ResolveTargetPayload,
                      description="The relation ids of a target as of now, sorted, a page at a "
                                  "time: {relation_ids, next}.")


# --- Static group memberships changed by bulk jobs (request/reply; bulk is the caller) ------

class GroupChunkPayload(Schema):
    """A chunk of relations to add to (or take out of) a static group; `job` is the
    idempotency key with each relation, the principal needs selections:write."""

    job = fields.String(required=True, validate=validate.Length(min=1, max=64))
    relation_ids = fields.List(fields.String(), required=True,
                               validate=validate.Length(min=1, max=5000))
    principal = fields.Dict(allow_none=True, load_default=None)
    suppress_automations = fields.Boolean(load_default=False)
    group = fields.String(required=True, validate=validate.Length(min=1, max=36))


class GroupMembersPayload(Schema):
    group = fields.String(required=True, validate=validate.Length(min=1, max=36))
    relation_ids = fields.List(fields.String(), load_default=list,
                               validate=validate.Length(max=5000))


# Chunk commands answer a redelivery from their (job, relation) records: no inbox copy.
AddToGroupChunk = Command("selections.add_to_group", GroupChunkPayload, inbox=False,
                          description="Add a chunk of relations to a static group.")
RemoveFromGroupChunk = Command("selections.remove_from_group", GroupChunkPayload, inbox=False,
                               description="Take a chunk of relations out of a static group.")
GetGroupMembers = Query("selections.get_group_members", GroupMembersPayload,
                        description="A group ({id, name, kind}) and which of up to 5,000 "
                                    "relations are its members: {group, members}.")
