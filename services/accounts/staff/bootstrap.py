"""The first superuser of a fresh installation, made right after the accounts migration."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.accounts import passwords
from services.accounts.staff.models import StaffUser, fold
from shared.config import ConfigError

log = logging.getLogger(__name__)
DEFAULT_ADMIN_EMAIL = "admin@localhost"


def first_superuser(runtime: Any, *, stderr: TextIO | None = None) -> None:
    """When no staff user exists: a superuser from CARDBOX_ADMIN_EMAIL/_PASSWORD, or else with
    a one-time password printed once to stderr (to be changed at first login)."""
    settings = runtime.settings
    uow = runtime.unit_of_work()
    with uow:
        if uow.session.scalar(select(func.count()).select_from(StaffUser)):
            return
    email = settings.admin_email or DEFAULT_ADMIN_EMAIL
    password, one_time = settings.admin_password, not settings.admin_password
    if one_time:
        password = passwords.one_time_password()
    elif problems := passwords.policy_problems(password, email):
        raise ConfigError("CARDBOX_ADMIN_PASSWORD " + " and ".join(problems))
    user = StaffUser(email=email, email_folded=fold(email), name="Administrator",
                     role="superuser",
                     password_hash=passwords.hash_password(password, settings),
                     must_change_password=one_time)
    try:
        with uow:
            uow.session.add(user)
            uow.commit()
    except IntegrityError:
        return  # another process made the first superuser at the same moment
    log.info("created the first superuser %s", email)
    if one_time:
        # Deliberately not logged: the password is shown once, to whoever started Cardbox.
        print(f"Cardbox: the first superuser is {email} with the one-time password "
              f"{password} (change it at first login)", file=stderr or sys.stderr, flush=True)
