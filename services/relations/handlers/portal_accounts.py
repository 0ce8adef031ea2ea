"""Keep the view of portal accounts up to date from the accounts service's events."""

from __future__ import annotations

from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.models import PortalAccountView
from shared.messages import Envelope


def absorb_portal_account(event: Envelope, uow: RelationsUnitOfWork) -> None:
    """The newest state of a relation's portal account; older or repeated events do nothing."""
    account = event.payload["account"]
    with uow:
        view = uow.session.get(PortalAccountView, account["relation_id"])
        if view is None:
            uow.session.add(PortalAccountView(relation_id=account["relation_id"],
                                              status=account["status"],
                                              version=account["version"]))
        elif view.version < account["version"]:
            view.status, view.version = account["status"], account["version"]
        uow.commit()
