"""`followup compliance kit | check | consent` as a clinic runs them: real processes."""

from __future__ import annotations

import csv
import io
import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from followup.testing.processes import FollowupProcess, wait_for
from tests.conftest import ROOT, SAMPLE
from tests.integration import test_cli
from tests.integration.test_cli import run_followup
from tests.unit.test_compliance import broken_copy

env = test_cli.env  # the fixture: settings on an empty SQLite or PostgreSQL database


def test_the_kit_is_written_from_the_sample_clinic_and_passes_its_check(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "FOLLOWUP_PUBLIC_URL": "https://followup.lakeside.example.org",
           "FOLLOWUP_TWILIO_FROM_NUMBER": "+14025550100"}  # fmt: skip
    kit = tmp_path / "kit.md"
    result = run_followup(env, tmp_path, "compliance", "kit", "--out", str(kit))
    assert result.returncode == 0, result.stderr
    text = kit.read_text()
    assert text.startswith("# Twilio registration kit: Lakeside Infusion Clinic")
    assert "https://followup.lakeside.example.org/optin" in text
    assert (
        len(re.findall(r"^Sample \d \(", text, re.M)) == 5 and "Every rule checked passes." in text
    )
    checked = run_followup(env, tmp_path, "compliance", "check")
    assert checked.returncode == 0 and "pass every carrier rule" in checked.stdout


def test_the_check_fails_naming_the_file_and_the_rule(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "FOLLOWUP_TEMPLATES_DIR": str(broken_copy(tmp_path))}
    result = run_followup(env, tmp_path, "compliance", "check")
    assert result.returncode == 1
    assert "en/reminder/sms.txt.j2: names a drug ('ketamin')" in result.stdout
    assert "es/booster/sms.txt.j2: uses a link shortener (bit.ly)" in result.stdout
    kit = run_followup(env, tmp_path, "compliance", "kit")
    assert kit.returncode == 1 and "not ready: " in kit.stderr
    assert "FOLLOWUP_PUBLIC_URL is not set" in kit.stderr


def test_consent_records_export_as_csv(env: dict[str, str], tmp_path: Path) -> None:
    roster = tmp_path / "patients.csv"
    shutil.copy(SAMPLE / "patients.csv", roster)
    run_followup(env, tmp_path, "db", "upgrade", check=True)
    run_followup(env, tmp_path, "import", "--patients", str(roster), check=True)
    result = run_followup(env, tmp_path, "compliance", "consent", "--patient", "P002", check=True)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["patient_id"], r["channel"], r["consent"], r["how"]) for r in rows] == [
        ("P002", "sms", "given", "roster import"),
        ("P002", "email", "revoked", "roster import"),
    ]
    assert rows[0]["detail"] == "roster:patients.csv: sms_consent column said yes"
    assert (ROOT / "templates").is_dir()


def test_the_service_starts_with_broken_texts_says_why_and_keeps_the_sign_up_closed(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A clinic whose wording would fail review must still answer its patients."""
    env = {**env, "FOLLOWUP_TEMPLATES_DIR": str(broken_copy(tmp_path))}
    run_followup(env, tmp_path, "db", "upgrade", check=True)
    web = FollowupProcess(["web", "--port", "0"], env, tmp_path, tmp_path / "web.log")
    try:
        wait_for(lambda: "staff pages: " in web.log(), what="the staff address in the log")
        log = web.log()
        assert "not ready for US carriers: " in log and "names a drug ('ketamin')" in log
        found = re.search(r"staff pages: (http://127\.0\.0\.1:\d+)/staff/", log)
        assert found, log
        with urllib.request.urlopen(found.group(1) + "/healthz", timeout=10) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as closed:
            urllib.request.urlopen(found.group(1) + "/optin", timeout=10)
        assert closed.value.code == 503
        closed.value.close()
    finally:
        web.stop()
