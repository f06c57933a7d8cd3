"""Typed settings from `FOLLOWUP_*` environment variables and an optional `.env` file.

Nothing here runs at import time: `load_settings()` builds a `Settings` and every part
receives it as an argument.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from followup.calendar.addresses import check_feed_url, check_source
from followup.core.errors import ConfigError
from followup.core.spool import default_spool_dir

ENV_PREFIX = "FOLLOWUP_"
# What makes a folder the project's: the protocol file at its default place.
PROJECT_MARKER = Path("config") / "protocol.toml"
# The password in "scheme://user:password@host", hidden when a bad URL is echoed back.
_URL_PASSWORD = re.compile(r"(://[^/:@]*:)[^@/]*@")
# A key file shorter than this was not made by `secrets` (make run writes 64 characters).
MIN_SECRET_KEY = 32
_PLACEHOLDER_SECRETS = {"changeme", "change-me", "change_me", "secret", "xxx", "todo"}


class Settings(BaseSettings):
    """Every setting followup reads. Documented one by one in `config/example.env`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    database_url: str = "sqlite:///followup.db"
    protocol_file: Path = Path("config/protocol.toml")
    templates_dir: Path = Path("templates")
    public_url: str | None = None
    # The base address of the fallback web instance (`followup web --fallback`), which
    # Twilio signs when it calls the number's fallback URL.
    fallback_url: str | None = None
    # Where each process journals what the database has not taken yet; by default
    # ~/.local/state/followup/<database digest>. Local disk, kept across restarts.
    spool_dir: Path | None = None
    secret_key: SecretStr | None = None
    # A file holding the key, read when FOLLOWUP_SECRET_KEY is unset: `make run` makes one
    # (var/secret_key, mode 0600) so that restarts keep everyone signed in.
    secret_key_file: Path | None = None
    # A staff session that sees no request for this long ends (it ends after 12 h anyway).
    session_idle_minutes: int = Field(default=30, ge=1, le=720)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_token: SecretStr | None = None
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    readiness_cache_seconds: float = Field(default=15, ge=0, le=600)

    roster_file: Path | None = None
    calendar_sources: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sync_interval_seconds: int = Field(default=300, ge=10)
    calendar_lookback_days: int = Field(default=8, ge=0, le=60)
    calendar_horizon_days: int = Field(default=120, ge=1, le=730)
    calendar_absent_reads: int = Field(default=3, ge=1, le=100)
    calendar_feed_connect_timeout_seconds: float = Field(default=10, gt=0, le=120)
    calendar_feed_read_timeout_seconds: float = Field(default=30, gt=0, le=600)
    calendar_feed_max_bytes: int = Field(default=20_000_000, ge=1024)
    calendar_feed_backoff_max_seconds: int = Field(default=3600, ge=10)
    calendar_feed_ca_bundle: Path | None = None
    # An EHR's FHIR R4 server: Patients and Appointments read as a calendar is (README,
    # "EHR calendars over FHIR"). A fixed bearer token, or OAuth 2.0 client credentials.
    fhir_base_url: str | None = None
    fhir_token: SecretStr | None = None
    fhir_token_url: str | None = None
    fhir_client_id: str | None = None
    fhir_client_secret: SecretStr | None = None
    fhir_scope: str | None = None
    fhir_appointment_search: str = ""
    fhir_consent_extension: str | None = None
    fhir_page_size: int = Field(default=100, ge=1, le=1000)
    fhir_full_read_minutes: int = Field(default=60, ge=1, le=1440)

    dispatch_interval_seconds: float = Field(default=5, gt=0, le=300)
    dispatch_batch_size: int = Field(default=200, ge=1, le=5000)
    dispatch_lease_seconds: int = Field(default=300, ge=5)
    dispatch_max_attempts: int = Field(default=8, ge=1, le=50)
    dispatch_retry_base_seconds: float = Field(default=30, gt=0)
    dispatch_retry_max_seconds: float = Field(default=3600, gt=0)
    sms_rate_per_second: float = Field(default=1.0, gt=0)
    sms_concurrency: int = Field(default=4, ge=1, le=64)
    email_rate_per_second: float = Field(default=5.0, gt=0)
    email_concurrency: int = Field(default=2, ge=1, le=64)
    # Opt-in confirmations the public sign-up page may text in any hour, for every web
    # process together: a bound on what a script submitting numbers can cost.
    optin_confirmations_per_hour: int = Field(default=60, ge=1, le=10_000)

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    # Calls to on-call per second for the whole Twilio account (Twilio's default CPS is 1).
    voice_calls_per_second: float = Field(default=1.0, gt=0, le=100)

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    email_from: str | None = None

    @field_validator("calendar_sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("calendar_sources")
    @classmethod
    def _safe_feeds(cls, value: list[str]) -> list[str]:
        for number, entry in enumerate(value, start=1):
            problem = check_source(entry)
            if problem:
                # Never echo the entry: a feed address usually embeds a secret token.
                raise ValueError(f"entry {number}: {problem}")
        return value

    @field_validator("fhir_base_url", "fhir_token_url")
    @classmethod
    def _fhir_address(cls, value: str | None) -> str | None:
        problem = check_feed_url(value.strip()) if value else None
        if problem:
            raise ValueError(problem)
        return value.strip() if value else value

    @field_validator("fhir_appointment_search")
    @classmethod
    def _search_parameters(cls, value: str) -> str:
        value = value.strip().lstrip("?")
        if any("=" not in part for part in value.split("&") if part):
            raise ValueError("must be search parameters such as 'actor=Location/infusion-suite'")
        return value

    @model_validator(mode="after")
    def _fhir_complete(self) -> Settings:
        if self.fhir_base_url is None:
            others = self.fhir_token or self.fhir_token_url or self.fhir_client_id
            if others:
                raise ValueError("FOLLOWUP_FHIR_BASE_URL is required with FHIR credentials")
            return self
        if self.fhir_token is not None and self.fhir_token_url is not None:
            raise ValueError(
                "FOLLOWUP_FHIR_TOKEN and FOLLOWUP_FHIR_TOKEN_URL: set one way to sign in"
            )
        if self.fhir_token_url is not None and not (
            self.fhir_client_id and self.fhir_client_secret
        ):
            raise ValueError(
                "FOLLOWUP_FHIR_CLIENT_ID and FOLLOWUP_FHIR_CLIENT_SECRET are required with "
                "FOLLOWUP_FHIR_TOKEN_URL"
            )
        return self

    @field_validator("calendar_feed_ca_bundle")
    @classmethod
    def _ca_bundle_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("is not a file (a PEM bundle of CA certificates)")
        return value

    def spool_directory(self) -> Path:
        """The spool directory: the setting, or one per user and database on local disk."""
        return self.spool_dir or default_spool_dir(self.database_url)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @field_validator("public_url", "fallback_url", "twilio_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator(
        "secret_key",
        "twilio_auth_token",
        "smtp_password",
        "metrics_token",
        "fhir_token",
        "fhir_client_secret",
    )
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDER_SECRETS:
            raise ValueError("is a placeholder; set a real value or leave it unset")
        return value

    @field_validator("twilio_account_sid")
    @classmethod
    def _account_sid(cls, value: str | None) -> str | None:
        if value and not (value.startswith("AC") and len(value) == 34):
            raise ValueError("must be a Twilio Account SID: 'AC' and 32 hex characters")
        return value

    @field_validator("twilio_messaging_service_sid")
    @classmethod
    def _service_sid(cls, value: str | None) -> str | None:
        if value and not (value.startswith("MG") and len(value) == 34):
            raise ValueError("must be a Messaging Service SID: 'MG' and 32 hex characters")
        return value

    @field_validator("twilio_from_number")
    @classmethod
    def _from_number(cls, value: str | None) -> str | None:
        if value and not (value.startswith("+") and value[1:].isdigit()):
            raise ValueError("must be an E.164 number such as +14155550100")
        return value

    @model_validator(mode="after")
    def _project_defaults(self) -> Settings:
        # Run inside a subfolder of the project (docs/, tests/), the defaults mean the
        # project's files, as git finds its repository; set ones are used as given.
        cwd = Path.cwd()
        if (cwd / PROJECT_MARKER).is_file():
            return self
        found = project_folder(cwd.parent)
        if found is None:
            return self
        unset = set(type(self).model_fields) - self.model_fields_set
        if "protocol_file" in unset:
            self.protocol_file = found / PROJECT_MARKER
        if "templates_dir" in unset:
            self.templates_dir = found / "templates"
        if "database_url" in unset:
            self.database_url = f"sqlite:///{found / 'followup.db'}"
        return self

    @model_validator(mode="after")
    def _key_from_file(self) -> Settings:
        if self.secret_key is None and self.secret_key_file is not None:
            try:
                self.secret_key = SecretStr(read_secret_key(self.secret_key_file))
            except ValueError as exc:
                raise ValueError(f"{ENV_PREFIX}SECRET_KEY_FILE: {exc}") from None
        return self

    @model_validator(mode="after")
    def _twilio_complete(self) -> Settings:
        if self.twilio_account_sid:
            if self.twilio_auth_token is None:
                raise ValueError("FOLLOWUP_TWILIO_AUTH_TOKEN is required with the account SID")
            if not (self.twilio_from_number or self.twilio_messaging_service_sid):
                raise ValueError(
                    "FOLLOWUP_TWILIO_FROM_NUMBER or FOLLOWUP_TWILIO_MESSAGING_SERVICE_SID "
                    "is required with the account SID"
                )
        return self


def read_secret_key(path: Path) -> str:
    """The key in `path`, one line; a missing, unreadable or short one is refused by name."""
    where = path.expanduser().resolve()
    try:
        key = where.read_text(encoding="utf-8").strip()
    except OSError as exc:
        # `make run` writes this file; elsewhere set FOLLOWUP_SECRET_KEY, or create it.
        raise ValueError(f"cannot read {where} ({exc.strerror})") from None
    if len(key) < MIN_SECRET_KEY:
        raise ValueError(f"{where} holds fewer than {MIN_SECRET_KEY} characters")
    return key


def project_folder(start: Path) -> Path | None:
    """The nearest folder from `start` upward that holds `config/protocol.toml`."""
    for folder in (start, *start.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    return None


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from the environment; a bad value raises ConfigError in one line.

    Inside a subfolder of the project, the project's `.env` is read as in its folder."""
    cwd = Path.cwd()
    found = None if (cwd / ".env").is_file() else project_folder(cwd)
    if found is not None and (found / ".env").is_file():
        overrides.setdefault("_env_file", found / ".env")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, naming the environment variable, never echoing a secret."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        # Calendar feed addresses usually embed a secret token (Google's "private address").
        secret = (
            field.endswith(("token", "password", "key", "secret")) or field == "calendar_sources"
        )
        value = error.get("input")
        if field == "database_url" and isinstance(value, str):
            value = _URL_PASSWORD.sub(r"\1***@", value)
        shown = "" if secret or "input" not in error else f" (got {value!r})"
        problems.append(f"{name}: {message}{shown}" if field else message)
    return "; ".join(problems)
