"""Password hashing and policy, and the settings of log-in read from the environment."""

import pytest

from services.accounts import passwords
from shared.config import ConfigError, Settings
from shared.errors import ValidationFailed

CHEAP = Settings(password_hash_time_cost=1, password_hash_memory_kib=1024)


def test_a_password_is_kept_as_an_argon2id_hash_and_verified():
    hashed = passwords.hash_password("correct horse battery", CHEAP)
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert passwords.hash_password("correct horse battery", CHEAP) != hashed  # salted
    assert passwords.verify_password("correct horse battery", hashed, CHEAP)
    assert not passwords.verify_password("correct horse battery!", hashed, CHEAP)
    assert not passwords.verify_password("anything", None, CHEAP)
    assert not passwords.verify_password("anything", "not a hash", CHEAP)


def test_a_stronger_setting_asks_for_a_rehash():
    hashed = passwords.hash_password("correct horse battery", CHEAP)
    assert not passwords.needs_rehash(hashed, CHEAP)
    stronger = Settings(password_hash_time_cost=2, password_hash_memory_kib=1024)
    assert passwords.needs_rehash(hashed, stronger)


def test_the_policy_names_what_is_wrong():
    assert passwords.policy_problems("long enough!", "a@b.org") == []
    assert passwords.policy_problems("short") == ["must hold at least 10 characters"]
    assert passwords.policy_problems(" Piet@Example.org", "piet@example.org") == [
        "must not be the e-mail address"]
    with pytest.raises(ValidationFailed) as refused:
        passwords.require_policy("short", field="new_password")
    assert list(refused.value.errors) == ["new_password"]


def test_log_in_settings_come_from_the_environment():
    settings = Settings.from_env({"CARDBOX_ADMIN_EMAIL": "root@example.org",
                                  "CARDBOX_ADMIN_PASSWORD": " spaces kept ",
                                  "CARDBOX_AUTH_REQUIRED": "true",
                                  "CARDBOX_STAFF_TOKEN_TTL": "600",
                                  "CARDBOX_LOGIN_FAILURES_PER_EMAIL": "3"})
    assert (settings.admin_email, settings.admin_password) == ("root@example.org",
                                                               " spaces kept ")
    assert settings.auth_required and settings.staff_token_ttl == 600
    assert settings.login_failures_per_email == 3
    assert Settings.from_env({}).auth_required  # the default
    assert not Settings.from_env({"CARDBOX_AUTH_REQUIRED": "False"}).auth_required
    with pytest.raises(ConfigError, match="CARDBOX_AUTH_REQUIRED"):
        Settings.from_env({"CARDBOX_AUTH_REQUIRED": "maybe"})
    with pytest.raises(ConfigError, match="CARDBOX_PORTAL_TOKEN_TTL"):
        Settings.from_env({"CARDBOX_PORTAL_TOKEN_TTL": "a month"})
