from __future__ import annotations

import re

import pytest

from followup.core.errors import ConfigError
from followup.settings import Settings, load_settings
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_need_no_accounts() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.twilio_account_sid is None and settings.smtp_host is None


def test_bad_value_names_the_variable_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("FOLLOWUP_SMTP_PORT: ") and "\n" not in message
    assert "'twenty-five'" in message


def test_secret_values_are_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="FOLLOWUP_SECRET_KEY: is a placeholder") as caught:
        load_settings()
    assert "changeme" not in str(caught.value)


def test_a_bad_database_url_is_echoed_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", "postgres://followup:hunter2@db.internal/followup")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "FOLLOWUP_DATABASE_URL: must start with sqlite:// or postgresql+psycopg:// "
        "(got 'postgres://followup:***@db.internal/followup')"
    )


def test_twilio_needs_token_and_a_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
    monkeypatch.setenv("FOLLOWUP_TWILIO_AUTH_TOKEN", "t0ken-value")
    with pytest.raises(
        ConfigError, match="FOLLOWUP_TWILIO_FROM_NUMBER or FOLLOWUP_TWILIO_MESSAGING_SERVICE_SID"
    ):
        load_settings()
    monkeypatch.setenv("FOLLOWUP_TWILIO_FROM_NUMBER", "+14025550100")
    assert load_settings().twilio_from_number == "+14025550100"


def test_env_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text(
        "FOLLOWUP_CALENDAR_SOURCES=a.ics, b.csv\nFOLLOWUP_SYNC_INTERVAL_SECONDS=60\n"
    )
    settings = load_settings()
    assert settings.calendar_sources == ["a.ics", "b.csv"]
    assert settings.sync_interval_seconds == 60


def test_every_setting_is_documented_in_example_env() -> None:
    documented = set(
        re.findall(
            r"^#?\s*FOLLOWUP_([A-Z_]+)=", (ROOT / "config" / "example.env").read_text(), re.M
        )
    )
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set()
    assert documented - fields == set()


def test_the_key_file_is_read_when_no_key_is_set(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "key").write_text("k" * 64 + "\n")
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY_FILE", str(tmp_path / "key"))
    secret = load_settings().secret_key
    assert secret is not None and secret.get_secret_value() == "k" * 64
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY", "an-explicit-key-wins-0123456789abcdef")
    secret = load_settings().secret_key
    assert secret is not None and secret.get_secret_value().startswith("an-explicit")


def test_a_missing_or_short_key_file_is_named_without_its_content(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match=r"FOLLOWUP_SECRET_KEY_FILE: cannot read .*absent"):
        load_settings()
    (tmp_path / "short").write_text("tiny-key-value")
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY_FILE", str(tmp_path / "short"))
    with pytest.raises(ConfigError, match="fewer than 32 characters") as caught:
        load_settings()
    assert "tiny-key-value" not in str(caught.value)


def test_a_fhir_server_is_https_and_signs_in_one_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_FHIR_BASE_URL", "http://ehr.example.org/fhir")
    with pytest.raises(ConfigError, match="FOLLOWUP_FHIR_BASE_URL: plain http:// is refused"):
        load_settings()
    monkeypatch.setenv("FOLLOWUP_FHIR_BASE_URL", "https://ehr.example.org/fhir")
    monkeypatch.setenv("FOLLOWUP_FHIR_TOKEN", "t0k3n-value")
    monkeypatch.setenv("FOLLOWUP_FHIR_TOKEN_URL", "https://ehr.example.org/token")
    with pytest.raises(ConfigError, match="set one way to sign in"):
        load_settings()
    monkeypatch.delenv("FOLLOWUP_FHIR_TOKEN")
    with pytest.raises(
        ConfigError, match="FOLLOWUP_FHIR_CLIENT_ID and FOLLOWUP_FHIR_CLIENT_SECRET"
    ):
        load_settings()
    monkeypatch.setenv("FOLLOWUP_FHIR_CLIENT_ID", "followup")
    monkeypatch.setenv("FOLLOWUP_FHIR_CLIENT_SECRET", "cl13nt-s3cr3t")
    settings = load_settings()
    assert "cl13nt-s3cr3t" not in repr(settings)


def test_a_fhir_client_secret_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_FHIR_CLIENT_SECRET", "changeme")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "FOLLOWUP_FHIR_CLIENT_SECRET: is a placeholder" in str(caught.value)
    assert "changeme" not in str(caught.value).split("placeholder", 1)[1]
