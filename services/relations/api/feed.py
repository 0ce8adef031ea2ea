"""The feed of recent changes, for a dashboard."""

from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import history
from services.relations.schemas.relations import FeedArgs, HistoryPageSchema
from shared import context

feed = Blueprint("feed", __name__, url_prefix="/api/relations/feed",
                 description="Recent changes to relations.")


@feed.get("")
@feed.arguments(FeedArgs, location="query")
@feed.response(200, HistoryPageSchema)
def recent_changes(args):
    """Recent changes by others (add include_mine=true for one's own too), newest first."""
    mine = None if args["include_mine"] else context.principal().label
    items, next_cursor = history.change_feed(uow(), limit=args["limit"],
                                             cursor=args.get("cursor"), exclude_principal=mine)
    return {"items": items, "next_cursor": next_cursor}
