"""The Compose example cannot run here (no Docker engine), so it is held to the code by reading:
every command is a real `followup` command, every setting a real one, every service checked."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from typer.main import get_command

from followup.cli import app
from followup.settings import Settings
from tests.conftest import ROOT

COMPOSE = ROOT / "compose.yaml"


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    services: dict[str, Any] = loaded["services"]
    return services


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in service.get("environment", {}).items()}


def test_postgres_two_workers_and_a_web_process_each_with_a_health_check(
    services: dict[str, Any],
) -> None:
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["web"]["command"][:2] == ["followup", "web"]
    for name in ("postgres", "worker", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert services["postgres"]["image"].startswith("postgres:")
    # Migrations run once, before the processes that need them.
    assert services["migrate"]["command"] == ["followup", "db", "upgrade"]
    for name in ("worker", "web"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_every_command_is_a_real_followup_command(services: dict[str, Any]) -> None:
    cli = get_command(app)
    for name, service in services.items():
        command = service.get("command")
        if not command or command[0] != "followup":
            continue
        group: Any = cli
        for word in command[1:]:
            if word.startswith("-"):
                break
            assert word in group.commands, f"{name}: no `{word}` command"
            group = group.commands[word]


def test_every_setting_is_one_followup_reads(services: dict[str, Any]) -> None:
    known = {f"FOLLOWUP_{field.upper()}" for field in Settings.model_fields}
    for name, service in services.items():
        for key in _env(service):
            if key.startswith("FOLLOWUP_"):
                assert key in known, f"{name}: {key} is not a setting"
    assert _env(services["worker"])["FOLLOWUP_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_health_checks_ask_the_ports_the_processes_listen_on(services: dict[str, Any]) -> None:
    worker_port = _env(services["worker"])["FOLLOWUP_METRICS_PORT"]
    assert f"127.0.0.1:{worker_port}/healthz" in " ".join(services["worker"]["healthcheck"]["test"])
    web = services["web"]["command"]
    web_port = web[web.index("--port") + 1]
    assert f"127.0.0.1:{web_port}/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["ports"] == [f"{web_port}:{web_port}"]


def test_secrets_must_be_given_not_defaulted() -> None:
    text = COMPOSE.read_text()
    for secret in ("POSTGRES_PASSWORD", "FOLLOWUP_SECRET_KEY"):
        assert re.search(rf"\${{{secret}:\?", text), secret
