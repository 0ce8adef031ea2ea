"""Search: find relations by name, e-mail or phone."""

from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers.search import search_relations
from services.relations.schemas.search import SearchArgs, SearchPageSchema

search = Blueprint("search", __name__, url_prefix="/api/relations/search",
                   description="Find relations by name, e-mail address or phone number.")


@search.get("")
@search.arguments(SearchArgs, location="query")
@search.response(200, SearchPageSchema)
def search_relations_view(args):
    """Find relations by (part of) a name, e-mail address or phone number.

    Case and accents do not matter: "jose" finds José; "06 12", "+31 6 12" and "612345" find
    +31612345678 (a query of digits only searches numbers and addresses, not names). Best
    matches first: exact, then prefix (of the whole or of a word), then contains (three
    characters or more); names before e-mail addresses before phone numbers; exact and prefix
    matches alphabetically, contains matches in a fixed order. Each item is the relation with
    `match`: the field, the kind of match and the value that matched. Archived relations only
    with include_archived=true.
    """
    items, next_cursor = search_relations(uow(), args["q"], limit=args["limit"],
                                          cursor=args.get("cursor"),
                                          include_archived=args["include_archived"])
    return {"items": items, "next_cursor": next_cursor}
