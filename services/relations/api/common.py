"""What every relations view needs from the running service."""

from flask import current_app

from services.relations.handlers import RelationsUnitOfWork


def uow() -> RelationsUnitOfWork:
    return current_app.extensions["cardbox.runtime"].unit_of_work()


def region() -> str:
    """The country phone numbers are dialled in when a relation has no country of its own."""
    return current_app.extensions["cardbox.runtime"].settings.default_country
