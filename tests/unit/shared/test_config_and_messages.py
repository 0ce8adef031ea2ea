import pytest

from shared.auth import Principal, PrincipalSigner
from shared.config import ConfigError, Settings
from shared.errors import Unauthenticated, ValidationFailed
from shared.messages import Envelope
from tests.support import ledger


def test_embedded_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings.mode == "embedded"
    assert settings.broker_url.startswith("memory://")
    assert settings.database_url_for("relations").endswith("/var/relations.db")


def test_distributed_mode_names_every_missing_setting():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"CARDBOX_MODE": "distributed", "CARDBOX_PREFETCH": "many"})
    message = str(error.value)
    for name in ("CARDBOX_BROKER_URL", "CARDBOX_DATABASE_URL", "CARDBOX_PRINCIPAL_SECRET",
                 "CARDBOX_PREFETCH"):
        assert name in message


def test_a_database_url_without_service_placeholder_is_refused():
    with pytest.raises(ConfigError, match=r"\{service\}"):
        Settings.from_env({"CARDBOX_DATABASE_URL": "postgresql+psycopg://h/db"})


def test_service_urls_are_parsed_and_checked():
    settings = Settings.from_env({"CARDBOX_SERVICE_URLS": "relations=http://127.0.0.1:8101/"})
    assert settings.service_urls == {"relations": "http://127.0.0.1:8101"}
    with pytest.raises(ConfigError, match="name=http"):
        Settings.from_env({"CARDBOX_SERVICE_URLS": "relations"})


def test_an_envelope_round_trips_and_a_bad_payload_is_refused():
    envelope = ledger.NoteTaken.envelope({"aggregate": "a", "note": "n"}, source="ledger")
    assert Envelope.from_dict(envelope.to_dict()) == envelope
    with pytest.raises(ValidationFailed) as refused:
        ledger.NoteTaken.envelope({"aggregate": "a"}, source="ledger")
    assert "note" in refused.value.errors
    with pytest.raises(ValidationFailed):
        Envelope.from_dict({**envelope.to_dict(), "id": "not-a-uuid"})


def test_a_signed_principal_verifies_and_a_tampered_one_does_not():
    signer = PrincipalSigner("s" * 32)
    principal = Principal(kind="staff", id="u1", roles=("editor",))
    header = signer.sign(principal)
    assert signer.verify(header) == principal
    with pytest.raises(Unauthenticated):
        signer.verify(header[:-2] + ("AA" if not header.endswith("AA") else "BB"))
    with pytest.raises(Unauthenticated):
        PrincipalSigner("t" * 32).verify(header)
    with pytest.raises(Unauthenticated):
        signer.verify(None)


def test_an_unknown_log_level_is_a_config_error_not_a_crash_later():
    with pytest.raises(ConfigError, match="CARDBOX_LOG_LEVEL"):
        Settings.from_env({"CARDBOX_LOG_LEVEL": "nope"})
    assert Settings.from_env({"CARDBOX_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_a_bulk_chunk_is_at_most_what_an_owner_takes_in_one_command():
    assert Settings.from_env({}).bulk_chunk_size == 2000
    assert Settings.from_env({"CARDBOX_BULK_CHUNK_SIZE": "5000"}).bulk_chunk_size == 5000
    with pytest.raises(ConfigError, match="CARDBOX_BULK_CHUNK_SIZE must be at most 5000"):
        Settings.from_env({"CARDBOX_BULK_CHUNK_SIZE": "5001"})
