"""The `followup` command as a user runs it: real processes, real files, exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text

from followup.db.engine import make_engine
from followup.testing.processes import FollowupProcess, wait_for
from tests.conftest import ROOT, SAMPLE

FOLLOWUP = [sys.executable, "-m", "followup"]
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    """Settings for the commands, on an empty SQLite or PostgreSQL database."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    clean.update(
        FOLLOWUP_DATABASE_URL=database_url,
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    return clean


def run_followup(
    env: dict[str, str], cwd: Path, *args: str, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """One `followup` process; whatever it prints, never a traceback."""
    result = subprocess.run(
        [*FOLLOWUP, *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,  # nothing typed, whatever terminal runs the tests
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def followup(env: dict[str, str], tmp_path: Path) -> Run:
    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return run_followup(env, tmp_path, *args, check=check)

    return run


@pytest.fixture
def no_database(tmp_path: Path) -> dict[str, str]:
    """Settings naming a SQLite file that does not exist, as on a fresh checkout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    clean.update(
        FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'followup.db'}",
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    return clean


def scalar(env: dict[str, str], sql: str) -> Any:
    """One value from the database the commands use."""
    engine = make_engine(env["FOLLOWUP_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_import_prints_a_summary_per_file_and_reimport_changes_nothing(followup: Run) -> None:
    followup("db", "upgrade", check=True)
    first = followup(
        "import",
        "--patients",
        str(SAMPLE / "patients.csv"),
        str(SAMPLE / "infusions.ics"),
        check=True,
    )
    lines = first.stdout.splitlines()
    assert lines[0].startswith(
        "patients.csv (roster): 4 created, 0 updated, 0 unchanged, 0 rejected"
    )
    assert lines[1].startswith("infusions.ics (ics): ")
    assert (
        "sample-staff-meeting@followup.example (" in first.stdout
    )  # a series reported once, by UID
    again = followup(
        "import",
        "--patients",
        str(SAMPLE / "patients.csv"),
        str(SAMPLE / "infusions.ics"),
        check=True,
    )
    assert " 0 created, 0 updated" in again.stdout.splitlines()[1]
    assert "messages: 0 planned, 0 moved, 0 cancelled" in again.stdout.splitlines()[1]


def test_unreadable_file_is_named_others_import_and_exit_is_one(
    followup: Run, tmp_path: Path
) -> None:
    followup("db", "upgrade", check=True)
    garbage = tmp_path / "garbage.ics"
    garbage.write_bytes(os.urandom(2000))
    missing = tmp_path / "missing.ics"
    result = followup(
        "import",
        "--patients",
        str(SAMPLE / "patients.csv"),
        str(garbage),
        str(missing),
        str(SAMPLE / "infusions.ics"),
    )
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert any(line.startswith("garbage.ics (ics): could not be read: ") for line in out)
    assert (
        "missing.ics (ics): could not be read: cannot read the file (No such file or directory)"
        in out
    )
    assert any(line.startswith("infusions.ics (ics): ") and "created" in line for line in out)


def test_dry_run_saves_nothing_and_compares_with_the_current_database(
    followup: Run, env: dict[str, str]
) -> None:
    followup("db", "upgrade", check=True)
    dry_run = ["import", "--dry-run", "--patients", str(SAMPLE / "patients.csv")]
    result = followup(*dry_run, str(SAMPLE / "infusions.ics"), check=True)
    assert "dry run: nothing was saved" in result.stdout
    assert scalar(env, "select count(*) from patient") == 0
    followup("import", "--patients", str(SAMPLE / "patients.csv"), check=True)
    runs = scalar(env, "select count(*) from sync_run")
    result = followup(*dry_run, str(SAMPLE / "infusions.ics"), check=True)
    # Read against the real patients: nothing new in the roster, the calendar all new.
    assert result.stdout.startswith("patients.csv (roster): 0 created, 0 updated, 4 unchanged")
    assert "throwaway" not in result.stderr
    assert scalar(env, "select count(*) from appointment") == 0
    assert scalar(env, "select count(*) from sync_run") == runs


def test_import_before_upgrade_says_what_to_do(followup: Run, env: dict[str, str]) -> None:
    result = followup("import", "--patients", str(SAMPLE / "patients.csv"))
    assert result.returncode == 2
    url = env["FOLLOWUP_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        # Asking must not create it: an empty file would only be "not up to date" next time.
        path = Path(url.removeprefix("sqlite:///"))
        expected = f"the database {path} does not exist yet"
        assert not path.exists()
    else:
        expected = f"the database {make_url(url).render_as_string()} is not up to date"
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {expected}"), line
    assert line.endswith(": run `followup db upgrade` first"), line


def test_dry_run_with_no_database_reads_every_file_and_creates_none(
    no_database: dict[str, str], tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        (SAMPLE / "patients.csv").read_text() + "P005,Al,Wu,+44 7700 900123,,en,,yes,no\n"
    )
    result = run_followup(
        no_database,
        tmp_path,
        "import",
        "--dry-run",
        "--patients",
        str(roster),
        str(SAMPLE / "infusions.ics"),
        str(tmp_path / "missing.ics"),
    )
    assert result.returncode == 1  # the missing file, as without --dry-run
    out = result.stdout.splitlines()
    assert out[0].startswith("roster.csv (roster): 4 created, 0 updated, 0 unchanged, 1 rejected")
    assert out[1] == (
        "  rejected line 6 (P005): phone '+44 7700 900123' is not a valid phone number for "
        "region GB: unassigned (a possible length, but no numbers there start that way)"
    )
    assert any(line.startswith("infusions.ics (ics): ") and " created" in line for line in out)
    assert any("unmatched sample-staff-meeting@followup.example (" in line for line in out)
    assert (
        "missing.ics (ics): could not be read: cannot read the file (No such file or directory)"
        in out
    )
    assert out[-1] == "dry run: nothing was saved"
    assert "does not exist yet" in result.stderr and "throwaway database" in result.stderr
    assert not (tmp_path / "followup.db").exists()


def test_an_unreachable_database_is_named_in_one_line_without_its_password(
    no_database: dict[str, str], tmp_path: Path
) -> None:
    from followup.testing.web import free_port

    port = free_port()
    no_database["FOLLOWUP_DATABASE_URL"] = (
        f"postgresql+psycopg://followup:hunter2@127.0.0.1:{port}/followup"
    )
    shown = f"cannot use the database postgresql+psycopg://followup:***@127.0.0.1:{port}/followup: "
    for command in (["db", "upgrade"], ["messages"], ["import", "a.ics"], ["run"], ["worker"]):
        result = run_followup(no_database, tmp_path, *command)
        assert result.returncode == 2, (command, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {shown}") and "refused" in line, (command, line)
        assert line.endswith("(check FOLLOWUP_DATABASE_URL)") and "hunter2" not in line
    no_database["FOLLOWUP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}"
    result = run_followup(no_database, tmp_path, "db", "upgrade")
    assert result.returncode == 2
    assert f"its folder {tmp_path / 'no' / 'such'} does not exist" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["messages", "--status", "bogus"],
            "--status 'bogus': use one of pending, claimed, sent, delivered, undelivered, "
            "failed, skipped, cancelled, expired, dead",
            id="unknown-status-is-not-an-empty-list",
        ),
        pytest.param(
            ["alerts", "list", "--format", "yaml"],
            "--format 'yaml': use table or json",
            id="unknown-format-is-not-a-table",
        ),
        pytest.param(
            ["triage", "check", "nope.tsv"],
            "nope.tsv: cannot read it (No such file or directory)",
            id="triage-file-missing",
        ),
        pytest.param(
            ["staff", "add", "a@example.org", "--role", "admin"],
            "no password on standard input: pipe one in, or run this at a terminal to be asked",
            id="no-password-piped",
        ),
    ],
)
def test_a_wrong_input_is_refused_in_one_line(
    no_database: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_followup(no_database, tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {message}"


def test_a_protocol_file_not_found_names_the_folder_and_the_setting(
    no_database: dict[str, str], tmp_path: Path
) -> None:
    del no_database["FOLLOWUP_PROTOCOL_FILE"]  # the default, relative to where it runs
    result = run_followup(no_database, tmp_path, "simulate", str(SAMPLE / "infusions.ics"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: config/protocol.toml: cannot read the protocol file in {tmp_path} or any folder "
        "above it (No such file or directory); set FOLLOWUP_PROTOCOL_FILE to its path, or run "
        "followup inside the project's folder"
    )


def test_help_says_where_to_start() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run(
        [*FOLLOWUP, "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "Start with `followup run`" in " ".join(result.stdout.split())


def test_bad_setting_stops_start_up_with_one_line(followup: Run, env: dict[str, str]) -> None:
    env["FOLLOWUP_SYNC_INTERVAL_SECONDS"] = "soon"
    result = followup("worker")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: FOLLOWUP_SYNC_INTERVAL_SECONDS: Input should be a valid integer, unable to parse string as an integer (got 'soon')"
    ]


def test_broken_protocol_stops_start_up_naming_the_key(
    followup: Run, env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "protocol.toml"
    broken.write_text(
        (ROOT / "config" / "protocol.toml")
        .read_text()
        .replace("day_after = 3", 'day_after = "three"')
    )
    env["FOLLOWUP_PROTOCOL_FILE"] = str(broken)
    result = followup("simulate", "--days", "1", str(SAMPLE / "infusions.ics"))
    assert result.returncode == 2
    assert "steps[4].day_after: Input should be a valid integer" in result.stderr


# Two days of the sample clinic, from Monday 23 November 2026 in Chicago, as JSON.
SIMULATE_THREE_DAYS = [
    "simulate",
    "--patients",
    str(SAMPLE / "patients.csv"),
    "--start",
    "2026-11-23T00:00-06:00",
    "--days",
    "3",
    "--format",
    "json",
    str(SAMPLE / "infusions.ics"),
]


def test_simulate_json_prints_every_message_in_the_window(followup: Run) -> None:
    result = followup(*SIMULATE_THREE_DAYS, check=True)
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    assert messages, result.stderr
    start, end = datetime(2026, 11, 23, 6, tzinfo=UTC), datetime(2026, 11, 26, 6, tzinfo=UTC)
    for m in messages:
        assert set(m) >= {
            "due_at",
            "patient_id",
            "appointment_start",
            "step",
            "kind",
            "channel",
            "to",
            "body",
        }
        assert start <= datetime.fromisoformat(m["due_at"]) < end
        assert "ketamine" not in m["body"].lower()
    ana = [
        m
        for m in messages
        if m["patient_id"] == "P001" and m["step"] == "discharge" and m["channel"] == "sms"
    ]
    # Monday 23 and Wednesday 25 Nov 2026, 09:00-10:30 Chicago: discharge at the end, 16:30Z.
    assert [m["due_at"] for m in ana] == ["2026-11-23T16:30:00Z", "2026-11-25T16:30:00Z"]
    assert ana[0]["to"] == "+14025550134" and "Lakeside Infusion Clinic" in ana[0]["body"]
    luis = [m for m in messages if m["patient_id"] == "P002" and m["channel"] == "sms"]
    assert luis and all("STOP" in m["body"] for m in luis)
    # No phone on file. A Wednesday each week is one long series: no preparation before
    # Wednesday's infusion, but the discharge after it, by email.
    assert {(m["step"], m["channel"]) for m in messages if m["patient_id"] == "P004"} == {
        ("discharge", "email")
    }
    assert {m["series_number"] for m in messages if m["patient_id"] == "P004"} == {2}
    assert "unmatched sample-staff-meeting@followup.example" in result.stderr


def stderr_on_a_terminal(env: dict[str, str], cwd: Path, *args: str) -> tuple[str, str]:
    """Run `followup` with stderr on a pseudo-terminal, as a person sees it; (stdout, stderr)."""
    import pty
    import threading

    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [*FOLLOWUP, *args],
        env={**env, "TERM": "xterm", "COLUMNS": "120", "LINES": "40"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=secondary,
    )
    os.close(secondary)
    seen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the process closed its end
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    stdout, _ = process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(primary)
    return stdout.decode(), seen.decode(errors="replace")


def test_progress_goes_to_a_terminal_only_and_never_into_stdout(
    no_database: dict[str, str], tmp_path: Path
) -> None:
    args = SIMULATE_THREE_DAYS
    stdout, terminal = stderr_on_a_terminal(no_database, tmp_path, *args)
    assert "Traceback" not in terminal
    assert re.search(r"infusions\.ics: (reading|saving|planning messages|done)", terminal)
    assert re.search(r"simulating (Mon 2026-11-23|Tue 2026-11-24|Wed 2026-11-25)", terminal)
    assert stdout and all(json.loads(line)["due_at"] for line in stdout.splitlines())
    piped = run_followup(no_database, tmp_path, *args, check=True)
    assert "simulating" not in piped.stderr and "infusions.ics:" not in piped.stderr
    # The import shows the same steps, file by file.
    dry_run = ["import", "--dry-run", "--patients", str(SAMPLE / "patients.csv")]
    stdout, terminal = stderr_on_a_terminal(no_database, tmp_path, *dry_run)
    assert re.search(r"patients\.csv: (reading|saving|planning messages|done)", terminal)
    assert "patients.csv: " not in run_followup(no_database, tmp_path, *dry_run).stderr


def test_simulate_respects_quiet_hours_in_the_patients_zone(followup: Run) -> None:
    result = followup(
        "simulate",
        "--patients",
        str(SAMPLE / "patients.csv"),
        "--start",
        "2026-11-23T00:00Z",
        "--days",
        "7",
        "--format",
        "json",
        str(SAMPLE / "infusions.ics"),
        check=True,
    )
    zones = {
        "P001": "America/Chicago",
        "P002": "America/Chicago",
        "P003": "America/New_York",
        "P004": "America/Chicago",
    }
    from zoneinfo import ZoneInfo

    for m in map(json.loads, result.stdout.splitlines()):
        if m["kind"] == "discharge":
            continue
        local = datetime.fromisoformat(m["due_at"]).astimezone(ZoneInfo(zones[m["patient_id"]]))
        assert 8 <= local.hour < 21, m


def test_simulate_table_is_for_people(followup: Run) -> None:
    result = followup(
        "simulate",
        "--patients",
        str(SAMPLE / "patients.csv"),
        "--start",
        "2026-11-23T00:00Z",
        "--days",
        "1",
        str(SAMPLE / "infusions.ics"),
        check=True,
    )
    assert "messages" in result.stdout and "P001" in result.stdout


def test_worker_syncs_the_calendar_and_stops_cleanly_on_sigterm(
    env: dict[str, str], tmp_path: Path
) -> None:
    subprocess.run(
        [*FOLLOWUP, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    env.update(
        FOLLOWUP_ROSTER_FILE=str(SAMPLE / "patients.csv"),
        FOLLOWUP_CALENDAR_SOURCES=str(SAMPLE / "infusions.ics"),
    )
    worker = subprocess.Popen(
        [*FOLLOWUP, "worker"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        count = 0
        while time.monotonic() < deadline and count == 0:
            time.sleep(0.5)
            count = scalar(env, "select count(*) from scheduled_message where status = 'pending'")
        assert count > 0
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr
    assert "received SIGTERM" in stderr and "Traceback" not in stderr
    assert "+1402" not in stderr  # no phone numbers in logs


def test_templates_check_names_file_and_line_of_a_typo(
    followup: Run, env: dict[str, str], tmp_path: Path
) -> None:
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    sms = templates / "en" / "reminder" / "sms.txt.j2"
    sms.write_text(sms.read_text() + "\n{{ appointment_tiem }}\n")
    env["FOLLOWUP_TEMPLATES_DIR"] = "templates"
    result = followup("templates", "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    line = len(sms.read_text().splitlines())
    assert f"templates/en/reminder/sms.txt.j2:{line}: 'appointment_tiem' is undefined" in lines


def test_templates_check_shows_each_sms_size_when_clean(followup: Run, env: dict[str, str]) -> None:
    result = followup("templates", "check", check=True)
    # No current database: the files alone are checked, and no SQLite file is made.
    assert "checking the files only" in result.stderr
    url = env["FOLLOWUP_DATABASE_URL"]
    assert not (url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).exists())
    assert "render cleanly" in result.stdout
    assert any(
        "en/discharge/sms.txt.j2: " in line and "segment(s), GSM-7" in line
        for line in result.stdout.splitlines()
    )


def test_messages_lists_the_plan_with_reasons(followup: Run) -> None:
    followup("db", "upgrade", check=True)
    followup(
        "import",
        "--patients",
        str(SAMPLE / "patients.csv"),
        str(SAMPLE / "infusions.ics"),
        check=True,
    )
    skipped = followup(
        "messages", "--status", "skipped", "--patient", "P004", "--limit", "5", check=True
    )
    assert "P004" in skipped.stdout and "no phone number" in skipped.stdout


def test_run_serves_health_and_sends_to_the_outbox(env: dict[str, str], tmp_path: Path) -> None:
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(minutes=100)).strftime("%Y%m%dT%H%M%SZ"),
        (now - timedelta(minutes=10)).strftime("%Y%m%dT%H%M%SZ"),
    )
    (tmp_path / "today.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:today-1\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nX-PATIENT-ID:P001\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    env.update(
        FOLLOWUP_ROSTER_FILE=str(SAMPLE / "patients.csv"),
        FOLLOWUP_CALENDAR_SOURCES=str(tmp_path / "today.ics"),
        FOLLOWUP_DISPATCH_INTERVAL_SECONDS="1",
    )
    service = subprocess.Popen(
        [*FOLLOWUP, "run", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def get(path: str) -> tuple[int, bytes]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.status, response.read()

        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                health = get("/healthz")
            except OSError:
                time.sleep(0.3)
        assert health == (200, b'{"status":"ok"}')
        status, body = get("/readyz")
        assert status == 200 and json.loads(body)["migrations"] == "current"
        sent = 0
        while time.monotonic() < deadline and not sent:
            time.sleep(0.5)
            sent = scalar(
                env,
                "select count(*) from scheduled_message where status = 'sent' and step = 'discharge'",
            )
        assert sent, "no discharge message reached the outbox"
    finally:
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=60)
    assert service.returncode == 0, stderr
    assert "outbox: sms message" in stderr and "nothing leaves this machine" in stderr
    # Where a person goes next, after the start-up lines.
    assert f"staff pages: http://127.0.0.1:{port}/staff/" in stderr
    assert "create the first one with `followup staff add EMAIL --role admin`" in stderr


def test_web_says_where_the_staff_pages_are_and_how_to_make_the_first_admin(
    followup: Run, env: dict[str, str], tmp_path: Path
) -> None:
    import urllib.request

    followup("db", "upgrade", check=True)

    def start() -> tuple[FollowupProcess, str]:
        web = FollowupProcess(["web", "--port", "0"], env, tmp_path, tmp_path / "web.log")
        wait_for(lambda: "staff pages: " in web.log(), what="the staff address in the log")
        found = re.search(r"staff pages: (http://127\.0\.0\.1:(\d+)/staff/)", web.log())
        assert found, web.log()
        return web, found.group(1)

    web, staff = start()
    try:
        # The address without /staff/ leads to the sign-in page, which says how to begin.
        with urllib.request.urlopen(staff.removesuffix("staff/"), timeout=10) as response:
            page = response.read().decode()
        assert response.url == f"{staff}sign-in?next=/staff/"
        assert "followup staff add EMAIL --role admin" in page
        assert (
            "no admin account yet: create the first one with "
            "`followup staff add EMAIL --role admin`" in web.log()
        )
        port = staff.split(":")[2].split("/")[0]
        busy = followup("web", "--port", port)
        assert busy.returncode == 2
        assert busy.stderr.strip() == (
            f"error: cannot listen on 127.0.0.1:{port}: the port is in use; is followup "
            "already running? choose another with --port"
        )
    finally:
        log = web.stop()
    assert "Traceback" not in log
    added = subprocess.run(
        [*FOLLOWUP, "staff", "add", "admin@example.org", "--role", "admin"],
        input="a long enough password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    web, _ = start()
    log = web.stop()
    assert "staff pages: " in log and "no admin account yet" not in log


def test_readyz_answers_503_when_the_schema_is_behind_the_code(
    followup: Run, env: dict[str, str], tmp_path: Path
) -> None:
    import socket
    import urllib.error
    import urllib.request

    followup("db", "upgrade", check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = subprocess.Popen(
        [*FOLLOWUP, "web", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    break
            except urllib.error.URLError:
                time.sleep(0.3)
        # New code deployed, database not yet upgraded: the schema is behind the code.
        from alembic import command

        from followup.db.migrate import alembic_config

        # Through our own engine, disposed after: on PostgreSQL a pooled connection left
        # open would outlive the test.
        engine = make_engine(env["FOLLOWUP_DATABASE_URL"])
        config = alembic_config(env["FOLLOWUP_DATABASE_URL"])
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        engine.dispose()
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=5)
        with caught.value as refused:
            assert refused.code == 503
            assert "run `followup db upgrade`" in json.loads(refused.read())["reason"]
    finally:
        web.send_signal(signal.SIGTERM)
        web.communicate(timeout=30)


def test_simulate_reports_a_broken_template_and_sends_nothing_half_rendered(
    followup: Run, env: dict[str, str], tmp_path: Path
) -> None:
    import shutil

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates" / "en" / "discharge" / "sms.txt.j2").write_text(
        "Hi {{ patient_first_name }}\n{{ oops }}\n"
    )
    env["FOLLOWUP_TEMPLATES_DIR"] = "templates"
    result = followup(
        "simulate",
        "--patients",
        str(SAMPLE / "patients.csv"),
        "--start",
        "2026-11-23T00:00-06:00",
        "--days",
        "1",
        "--format",
        "json",
        str(SAMPLE / "infusions.ics"),
    )
    assert result.returncode == 1
    assert (
        "templates/en/discharge/sms.txt.j2:2: 'oops' is undefined" in result.stderr
        or "en/discharge/sms.txt.j2:2: 'oops' is undefined" in result.stderr
    )
    sent = [json.loads(line) for line in result.stdout.splitlines()]
    assert sent and not any(
        m["step"] == "discharge" and m["channel"] == "sms" and m["patient_id"] in ("P001", "P003")
        for m in sent
    )


def test_triage_check_scores_the_projects_corpus_and_fails_on_a_miss(tmp_path: Path) -> None:
    corpus = sorted(str(p) for p in (ROOT / "tests" / "fixtures" / "triage").glob("*.tsv"))
    run = [*FOLLOWUP, "triage", "check"]
    passed = subprocess.run([*run, *corpus], capture_output=True, text=True, timeout=120)
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr
    for label in ("crisis", "medical"):
        assert re.search(rf"^{label}\s+\d+\s+\d+\s+100\.0%", passed.stdout, re.M), passed.stdout
    (tmp_path / "missed.tsv").write_text("crisis\tthe weather is lovely\n", encoding="utf-8")
    missed = subprocess.run([*run, str(tmp_path / "missed.tsv")], capture_output=True, text=True)
    assert missed.returncode == 1
    assert "MISS crisis (got ordinary)" in missed.stdout and "missed.tsv:1" in missed.stdout
    (tmp_path / "typo.tsv").write_text("crisi\tI want to die\n", encoding="utf-8")
    typo = subprocess.run([*run, str(tmp_path / "typo.tsv")], capture_output=True, text=True)
    assert typo.returncode == 2 and "typo.tsv:1: unknown label 'crisi'" in typo.stderr
