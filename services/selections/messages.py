"""The published contract of the selections service: the questions it answers over the
bus (no events of its own yet)."""

from marshmallow import Schema, ValidationError, fields, validate

from shared.messages import Query

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
