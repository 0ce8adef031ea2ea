"""Who a staff user or API client is now, for work done later on their behalf (bulk jobs)."""

from __future__ import annotations

from typing import Any

from services.accounts.api_clients.models import ApiClient
from services.accounts.login import principal_dict, staff_principal
from services.accounts.staff.models import StaffUser
from shared.db import UnitOfWork
from shared.messages import Envelope


def get_principal(query: Envelope, uow: UnitOfWork) -> dict[str, Any]:
    """{principal: the current principal dict}, or None when it no longer exists."""
    kind, principal_id = query.payload["kind"], query.payload["id"]
    with uow:
        if kind == "staff":
            user = uow.session.get(StaffUser, principal_id)
            found = principal_dict(staff_principal(user), user.must_change_password) \
                if user else None
        else:
            client = uow.session.get(ApiClient, principal_id)
            found = None if client is None or client.revoked_at is not None \
                else principal_dict(client.principal())
    return {"principal": found}
