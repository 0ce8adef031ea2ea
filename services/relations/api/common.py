"""What every relations view needs from the running service."""

from flask import current_app, request

from services.relations.handlers import RelationsUnitOfWork
from shared.errors import PreconditionFailed, PreconditionRequired


def uow() -> RelationsUnitOfWork:
    return current_app.extensions["cardbox.runtime"].unit_of_work()


def region() -> str:
    """The country phone numbers are dialled in when a relation has no country of its own."""
    return current_app.extensions["cardbox.runtime"].settings.default_country


def expected_version(relation_id: str) -> int:
    """The version the client last saw, from If-Match (required: no blind overwrites)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired("send If-Match with the ETag of the relation you edited",
                                   errors={"If-Match": ["required"]})
    tag = header.strip().removeprefix("W/").strip('"')
    rid, _, version = tag.rpartition(".")
    if rid != relation_id or not version.isdigit():
        raise PreconditionFailed("If-Match does not hold an ETag of this relation",
                                 errors={"If-Match": ["not an ETag of this relation"]})
    return int(version)
