"""`followup staff list`, `reset-password` and `disable` as an admin runs them: real
processes on a real database; sessions end and every change is audited."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.db.engine import make_engine
from followup.db.models import AuditEvent, StaffUser
from followup.staff import add_staff, session_user, start_session
from followup.staff.passwords import verify
from tests.conftest import ROOT
from tests.integration.test_cli import run_followup

PASSWORD = "correct horse battery"
IDLE = timedelta(minutes=30)


@dataclass
class Clinic:
    """A migrated database with an admin and a nurse, and `followup` to run on it."""

    env: dict[str, str]
    cwd: Path
    engine: Engine

    def followup(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return run_followup(self.env, self.cwd, *args, check=check)


@pytest.fixture
def clinic(database_url: str, tmp_path: Path) -> Iterator[Clinic]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=database_url,
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    run_followup(env, tmp_path, "db", "upgrade", check=True)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    add_staff(engine, "boss@example.org", "admin", PASSWORD, now)
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, now)
    yield Clinic(env, tmp_path, engine)
    engine.dispose()


def person(engine: Engine, email: str) -> StaffUser:
    with Session(engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.email == email)).one()


def actions(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(a.actor, a.action) for a in session.exec(select(AuditEvent)).all()]


def test_list_shows_every_account_with_its_state(clinic: Clinic) -> None:
    followup = clinic.followup
    table = followup("staff", "list", check=True).stdout
    assert "2 staff accounts" in table
    assert re.search(r"boss@example\.org\s.*admin\s.*active\s.*never", table)
    rows = [
        json.loads(line)
        for line in followup("staff", "list", "--format", "json").stdout.splitlines()
    ]
    assert [(r["email"], r["role"], r["state"]) for r in rows] == [
        ("boss@example.org", "admin", "active"),
        ("nurse@example.org", "clinician", "active"),
    ]


def test_reset_password_prints_a_new_one_once_and_ends_sessions(clinic: Clinic) -> None:
    engine, followup = clinic.engine, clinic.followup
    nurse = person(engine, "nurse@example.org")
    assert nurse.id is not None
    token = start_session(engine, nurse.id, datetime.now(UTC), IDLE)
    result = followup("staff", "reset-password", "Nurse@Example.org", check=True)
    match = re.search(r"new password for nurse@example\.org: (\S+)", result.stdout)
    assert match, result.stdout
    after = person(engine, "nurse@example.org")
    assert verify(after.password_hash, match.group(1))
    assert not verify(after.password_hash, PASSWORD)
    assert session_user(engine, token, datetime.now(UTC), IDLE) is None
    assert ("cli", "staff.set_password") in actions(engine)
    assert match.group(1) not in json.dumps(actions(engine))  # the audit never holds it


def test_disable_ends_sessions_and_never_takes_the_last_admin(clinic: Clinic) -> None:
    engine, followup = clinic.engine, clinic.followup
    nurse = person(engine, "nurse@example.org")
    assert nurse.id is not None
    token = start_session(engine, nurse.id, datetime.now(UTC), IDLE)
    result = followup("staff", "disable", "nurse@example.org", check=True)
    assert "nurse@example.org is disabled" in result.stdout
    assert session_user(engine, token, datetime.now(UTC), IDLE) is None
    assert person(engine, "nurse@example.org").disabled_at is not None
    assert ("cli", "staff.disable") in actions(engine)
    assert re.search(r"nurse@example\.org\s.*disabled", followup("staff", "list").stdout)
    refused = followup("staff", "disable", "boss@example.org")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: boss@example.org is the only enabled admin: make another person an admin first."
    )
    unknown = followup("staff", "reset-password", "nobody@example.org")
    assert unknown.returncode == 2
    assert "no staff account has email nobody@example.org" in unknown.stderr
