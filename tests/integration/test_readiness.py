"""/readyz over real HTTP: a real database, the real twilio SDK against a fake Twilio, a real
SMTP server, and each of them going away."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.protocol import Protocol
from followup.settings import Settings
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.postgres import TemporaryPostgres
from followup.testing.web import free_port, serving
from followup.web.app import create_app
from tests.conftest import ROOT, require_postgres_binaries

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "readiness-test-token"


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


class Smtp:
    """A real SMTP server on 127.0.0.1 that can be stopped mid-test."""

    def __init__(self, **options: Any) -> None:
        self.port = free_port()
        self.controller = Controller(Sink(), hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    yield server
    server.stop()


def provider_settings(
    engine: Engine, fake: FakeTwilio, smtp: Smtp, token: str = TOKEN, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "database_url": str(engine.url),
        "templates_dir": ROOT / "templates",
        "twilio_account_sid": SID,
        "twilio_auth_token": token,
        "twilio_from_number": "+14025550100",
        "twilio_base_url": fake.base_url,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_security": "none",
        "email_from": "care@example-clinic.org",
        "readiness_cache_seconds": 0,
    }
    return Settings(**{**values, **extra})


def test_ready_when_database_twilio_and_smtp_answer(
    sqlite: Engine, fake: FakeTwilio, smtp: Smtp, protocol: Protocol
) -> None:
    app = create_app(provider_settings(sqlite, fake, smtp), sqlite, protocol)
    with serving(app) as base:
        status, body = get(base + "/readyz")
    assert status == 200
    assert body == {
        "status": "ready",
        "database": "ok",
        "twilio": "ok",
        "smtp": "ok",
        "migrations": "current",
    }


def test_not_ready_when_twilio_stops_answering(
    sqlite: Engine, fake: FakeTwilio, smtp: Smtp, protocol: Protocol
) -> None:
    app = create_app(provider_settings(sqlite, fake, smtp), sqlite, protocol)
    with serving(app) as base:
        assert get(base + "/readyz")[0] == 200
        fake.stop()
        status, body = get(base + "/readyz")
    assert status == 503
    assert body["reason"] == "twilio: unreachable"  # no host, no error text
    assert body["checks"]["smtp"] == "ok" and body["checks"]["database"] == "ok"


def test_not_ready_when_twilio_refuses_our_token(
    sqlite: Engine, fake: FakeTwilio, smtp: Smtp, protocol: Protocol
) -> None:
    settings = provider_settings(sqlite, fake, smtp, token="a-token-twilio-does-not-know")
    with serving(create_app(settings, sqlite, protocol)) as base:
        status, body = get(base + "/readyz")
    assert status == 503
    assert body["reason"] == "twilio: account check refused"  # the detail is in the log
    assert "a-token-twilio-does-not-know" not in json.dumps(body)


def test_not_ready_when_the_smtp_server_is_down(
    sqlite: Engine, fake: FakeTwilio, smtp: Smtp, protocol: Protocol
) -> None:
    app = create_app(provider_settings(sqlite, fake, smtp), sqlite, protocol)
    with serving(app) as base:
        assert get(base + "/readyz")[0] == 200
        smtp.stop()
        status, body = get(base + "/readyz")
    assert status == 503
    assert body["reason"] == "smtp: unreachable"
    assert body["checks"]["twilio"] == "ok"


def test_not_ready_when_the_smtp_server_refuses_our_login(
    sqlite: Engine, fake: FakeTwilio, protocol: Protocol
) -> None:
    def refuse(*_args: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    strict = Smtp(authenticator=refuse, auth_require_tls=False)
    try:
        settings = provider_settings(
            sqlite,
            fake,
            strict,
            smtp_username="followup",
            smtp_password="not-the-password",
        )
        with serving(create_app(settings, sqlite, protocol)) as base:
            status, body = get(base + "/readyz")
    finally:
        strict.stop()
    assert status == 503
    assert body["reason"] == "smtp: login refused"


def test_provider_answers_are_reused_for_the_cache_period(
    sqlite: Engine, fake: FakeTwilio, smtp: Smtp, protocol: Protocol
) -> None:
    settings = provider_settings(sqlite, fake, smtp, readiness_cache_seconds=600)
    with serving(create_app(settings, sqlite, protocol)) as base:
        for _ in range(5):
            assert get(base + "/readyz")[0] == 200
        assert fake.requests == 1, "one account fetch for five probes"
        fake.stop()
        # Within the cache period the last answer stands: a probe does not reach Twilio.
        assert get(base + "/readyz")[0] == 200


def test_outbox_only_installation_is_ready_without_any_provider(
    sqlite: Engine, protocol: Protocol
) -> None:
    settings = Settings(database_url=str(sqlite.url), templates_dir=ROOT / "templates")
    with serving(create_app(settings, sqlite, protocol)) as base:
        status, body = get(base + "/readyz")
    assert status == 200 and set(body) == {"status", "database", "migrations"}


def test_database_down_fails_readiness_and_metrics_still_answer(protocol: Protocol) -> None:
    require_postgres_binaries()
    with TemporaryPostgres() as server:
        engine = make_engine(server.url())
        upgrade(engine)
        settings = Settings(database_url=server.url(), templates_dir=ROOT / "templates")
        with serving(create_app(settings, engine, protocol)) as base:
            assert get(base + "/readyz")[0] == 200
            server.stop()
            status, body = get(base + "/readyz")
            with urllib.request.urlopen(base + "/metrics", timeout=30) as response:
                assert response.status == 200
                text = response.read().decode()
        engine.dispose()
    assert status == 503
    assert body["reason"].startswith("database unreachable")
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families["followup_database_up"].samples[0].value == 0
    assert "followup_messages" not in families
    assert "followup_send_duration_seconds" in families, "process metrics still answer"
