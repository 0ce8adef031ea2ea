"""The sender of portal e-mail over HTTP (mounted under /api/accounts/sender)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.accounts.mail import sender as mail_sender
from services.accounts.mail.schemas import SenderChangeSchema, SenderSchema
from shared.http import unit_of_work

sender = Blueprint("mail_sender", __name__, url_prefix="/api/accounts/sender",
                   description="Who portal e-mail comes from, and where the portal lives.")



@sender.route("")
class Sender(MethodView):
    @sender.response(200, SenderSchema)
    def get(self):
        """The sender of portal e-mail (`configured` is false until it is set)."""
        return mail_sender.get_sender(unit_of_work())

    @sender.arguments(SenderChangeSchema)
    @sender.response(200, SenderSchema)
    def put(self, data):
        """Set the sender's name and address and the portal's URL (its links point there)."""
        return mail_sender.set_sender(unit_of_work(), data)
