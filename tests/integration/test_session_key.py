"""`make run`'s session key: made once with mode 0600, kept, and read again after a
restart, so a restart does not sign anyone out. Over real HTTP and the real Makefile."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from followup.protocol import Protocol
from followup.settings import load_settings
from followup.staff import add_staff
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT
from tests.integration.test_staff_web import PASSWORD, Browser


def make_key(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "-C", str(ROOT), "secret-key", f"SECRET_KEY_FILE={path}"],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_make_writes_the_key_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    key = tmp_path / "var" / "secret_key"
    first = make_key(key)
    assert str(key) in first.stdout and "never commit" in first.stdout
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    value = key.read_text().strip()
    assert len(value) >= 64
    again = make_key(key)
    assert again.stdout == "" and key.read_text().strip() == value  # kept, not remade
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "-q", "var/secret_key"], check=False
    )
    assert ignored.returncode == 0, "var/ must be in .gitignore"


def test_a_session_survives_a_restart_with_the_key_file(
    engine: Engine, protocol: Protocol, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "secret_key"
    make_key(key)
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, datetime.now(UTC))
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("FOLLOWUP_SECRET_KEY", raising=False)
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY_FILE", str(key))

    def app() -> FastAPI:
        url = engine.url.render_as_string(hide_password=False)
        settings = load_settings(database_url=url, templates_dir=ROOT / "templates")
        return create_app(settings, engine, protocol)

    with serving(app()) as base:
        browser = Browser(base)
        assert browser.sign_in("nurse@example.org", PASSWORD)[0] == 303
    # A new process (a new app) reads the same file: the cookie still opens the pages.
    with serving(app()) as base:
        browser.base = base
        status, _, page = browser.request("GET", "/staff/")
    assert status == 200 and "nurse@example.org" in page
