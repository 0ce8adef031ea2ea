"""Contact moments: the calls, e-mails, visits and letters had with a relation."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import contact_moments as handlers
from services.relations.schemas.contact_moments import (
    ContactMomentChangeSchema,
    ContactMomentCreateSchema,
    ContactMomentListArgs,
    ContactMomentPageSchema,
    ContactMomentSchema,
)

contact_moments = Blueprint("contact_moments", __name__, url_prefix="/api/relations",
                            description="Contact moments with a relation: who had which "
                                        "contact, when, about what.")


@contact_moments.route("/relations/<relation_id>/contact-moments")
class RelationContactMoments(MethodView):
    @contact_moments.arguments(ContactMomentListArgs, location="query")
    @contact_moments.response(200, ContactMomentPageSchema)
    def get(self, args, relation_id):
        """The contact moments of a relation, newest first; filter on kind."""
        items, next_cursor = handlers.list_contact_moments(
            uow(), relation_id, limit=args["limit"], cursor=args.get("cursor"),
            kind=args.get("kind"))
        return {"items": items, "next_cursor": next_cursor}

    @contact_moments.arguments(ContactMomentCreateSchema)
    @contact_moments.response(201, ContactMomentSchema)
    def post(self, data, relation_id):
        """Record a contact moment (phone, email, visit, letter or other); `at` defaults to
        now and `by` is whoever records it."""
        state = handlers.record_contact_moment(uow(), relation_id, data)
        location = url_for("contact_moments.ContactMoment", moment_id=state["id"])
        return state, 201, {"Location": location}


@contact_moments.route("/contact-moments/<moment_id>")
class ContactMoment(MethodView):
    @contact_moments.response(200, ContactMomentSchema)
    def get(self, moment_id):
        """One contact moment."""
        return handlers.get_contact_moment(uow(), moment_id)

    @contact_moments.arguments(ContactMomentChangeSchema)
    @contact_moments.response(200, ContactMomentSchema)
    def patch(self, changes, moment_id):
        """Correct a contact moment's kind, time, subject or note."""
        return handlers.change_contact_moment(uow(), moment_id, changes)

    @contact_moments.response(204)
    def delete(self, moment_id):
        """Remove a contact moment; the relation's history keeps what it said."""
        handlers.delete_contact_moment(uow(), moment_id)
