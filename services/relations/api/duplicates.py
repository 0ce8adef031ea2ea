"""Duplicates: matching rules, the candidates of a relation, the pairs of the whole database,
and pairs marked "not a duplicate"."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import duplicates as handlers
from services.relations.schemas.duplicates import (
    CandidatesSchema,
    DismissalCreateSchema,
    DismissalPageSchema,
    DismissalSchema,
    MinScoreArgs,
    PairArgs,
    PairPageSchema,
    RuleChangeSchema,
    RuleSchema,
    RulesSchema,
    SettingsChangeSchema,
)
from shared.access import requires
from shared.pagination import PageArgs
from shared.permissions import DEFINITIONS_MANAGE

duplicates_api = Blueprint("duplicates", __name__, url_prefix="/api/relations",
                           description="Duplicate relations: matching rules, candidates, "
                                       "pairs, and pairs marked \"not a duplicate\".")


@duplicates_api.route("/duplicate-rules")
class DuplicateRules(MethodView):
    @duplicates_api.response(200, RulesSchema)
    def get(self):
        """The matching rules (same e-mail, same phone, same name and birth date, similar name
        in the same postcode) with their scores, and the de-duplication settings."""
        return handlers.list_rules(uow())

    @requires(DEFINITIONS_MANAGE)
    @duplicates_api.arguments(SettingsChangeSchema)
    @duplicates_api.response(200, RulesSchema)
    def patch(self, data):
        """Change de-duplication settings, such as the score from which on_duplicate=reject
        refuses a new relation (administrators only)."""
        return handlers.change_settings(uow(), data)


@duplicates_api.put("/duplicate-rules/<rule>")
@requires(DEFINITIONS_MANAGE)
@duplicates_api.arguments(RuleChangeSchema)
@duplicates_api.response(200, RuleSchema)
def change_rule(data, rule):
    """Switch a matching rule on or off, set its score and (similar-name rule only) its
    similarity threshold (administrators only). Every known pair is scored again at once."""
    return handlers.change_rule(uow(), rule, data)


@duplicates_api.get("/relations/<relation_id>/duplicates")
@duplicates_api.arguments(MinScoreArgs, location="query")
@duplicates_api.response(200, CandidatesSchema)
def relation_duplicates(args, relation_id):
    """The relations that look like this one, highest score first, each with the rules that
    matched and a compact view of it. Pairs marked "not a duplicate" are left out; archived
    relations count, merged and deleted ones never do."""
    return handlers.relation_duplicates(uow(), relation_id, args["min_score"])


@duplicates_api.get("/duplicates")
@duplicates_api.arguments(PairArgs, location="query")
@duplicates_api.response(200, PairPageSchema)
def duplicate_pairs(args):
    """Duplicate pairs over the whole database, highest score first, a page at a time; each
    pair once, with the rules that matched and a compact view of both relations."""
    items, next_cursor = handlers.list_pairs(uow(), min_score=args["min_score"],
                                             limit=args["limit"], cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}


@duplicates_api.route("/duplicates/dismissals")
class Dismissals(MethodView):
    @duplicates_api.arguments(PageArgs, location="query")
    @duplicates_api.response(200, DismissalPageSchema)
    def get(self, args):
        """Pairs marked "not a duplicate", newest first."""
        items, next_cursor = handlers.list_dismissals(uow(), limit=args["limit"],
                                                      cursor=args.get("cursor"))
        return {"items": items, "next_cursor": next_cursor}

    @duplicates_api.arguments(DismissalCreateSchema)
    @duplicates_api.response(201, DismissalSchema)
    def post(self, data):
        """Mark two relations as not duplicates of each other: the pair is not proposed again,
        whatever later edits make them share. 200 if the pair was dismissed already."""
        state, created = handlers.dismiss_pair(uow(), data["a"], data["b"])
        return state, 201 if created else 200


@duplicates_api.delete("/duplicates/dismissals/<a>/<b>")
@duplicates_api.response(204)
def withdraw_dismissal(a, b):
    """Take a "not a duplicate" mark back (the two ids in either order); the pair is looked
    for again at once."""
    handlers.withdraw_dismissal(uow(), a, b)
