"""Fixtures of the portal account tests: an administrator's client, a real SMTP server."""

import pytest

from tests.support.portal import SENDER, start_smtp


@pytest.fixture
def admin(staff_api):
    """A gateway client of an administrator, logged in (accounts:read and accounts:manage)."""
    return staff_api("administrator")


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) and what it received."""
    controller, inbox = start_smtp()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def portal(admin):
    """An administrator's client with the sender configured and a `member` account type."""
    assert admin.put("/api/accounts/sender", json=SENDER).status_code == 200
    assert admin.post("/api/accounts/account-types",
                      json={"key": "member", "label": "Member"}).status_code == 201
    return admin
