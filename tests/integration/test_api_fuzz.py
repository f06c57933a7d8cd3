"""Schemathesis against the running API, from its own OpenAPI description.

Every operation, with a valid bearer token, examples generated from the description
(coverage, fuzzing and stateful phases, a fixed seed so a run is repeatable): no server
error, and every answer is what the description says (status, content type, schema).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.alerts import CRITICAL, raise_alert
from followup.calendar.importing import ImportWindow, import_files
from followup.db.models import Patient
from followup.protocol import Protocol
from followup.settings import Settings
from followup.staff import add_staff
from followup.staff.tokens import create_token
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow
ST = Path(sys.executable).with_name("st")


@pytest.fixture
def api(engine: Engine, protocol: Protocol, tmp_path: Path) -> Iterator[tuple[str, str]]:
    now = datetime.now(UTC)
    window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
    import_files(engine, protocol, window, SAMPLE / "patients.csv", [SAMPLE / "infusions.ics"])
    with Session(engine) as session:
        patient = session.exec(select(Patient)).first()
        raise_alert(
            session,
            protocol,
            patient=patient,
            inbound_message_id=None,
            severity=CRITICAL,
            reason="crisis: fuzzing",
            now=now,
        )
        session.commit()
    add_staff(engine, "admin@example.org", "admin", "correct horse battery", now)
    token = create_token(engine, "fuzz", "admin@example.org", now)
    settings = Settings(
        database_url=str(engine.url), templates_dir=ROOT / "templates", spool_dir=tmp_path
    )  # type: ignore[call-arg]
    with serving(create_app(settings, engine, protocol)) as base:
        yield base, token


def test_the_api_answers_as_its_description_says_and_never_with_a_server_error(
    api: tuple[str, str], tmp_path: Path
) -> None:
    base, token = api
    run = subprocess.run(
        [
            str(ST),
            "run",
            f"{base}/openapi.json",
            "--url",
            base,
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # its own state folder (.schemathesis) goes there
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "No issues found" in report or " passed" in report, report[-3000:]
