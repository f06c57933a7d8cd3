"""A clinic network: each location's patients get its name, numbers, local times and
sender, and its crises page its own on-call list."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.db.models import Appointment, Patient, SymptomReport
from followup.protocol import Protocol, parse_protocol
from followup.settings import Settings
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT, url_of
from tests.integration.test_cli import run_followup
from tests.integration.test_webhooks import CLINIC, PUBLIC, SID, TOKEN, Server, wait_for_pages

NETWORK = ROOT / "tests" / "fixtures" / "network"


def network_protocol_text() -> str:
    shipped = (ROOT / "config" / "protocol.toml").read_text()
    return shipped + "\n" + (NETWORK / "locations.toml").read_text()


@pytest.fixture
def network(tmp_path: Path) -> Protocol:
    for name in ("roster.csv", "omaha.ics", "london.ics"):
        shutil.copy(NETWORK / name, tmp_path / name)
    (tmp_path / "protocol.toml").write_text(network_protocol_text())
    return parse_protocol(network_protocol_text())


def templates_with_londons_own(folder: Path) -> Path:
    """The shipped templates, plus the reminder London sends in place of the usual one."""
    templates = folder / "templates"
    shutil.copytree(ROOT / "templates", templates)
    for language in ("en", "es"):
        own = templates / language / "reminder_london"
        shutil.copytree(templates / language / "reminder", own)
        (own / "sms.txt.j2").write_text(
            "{{ clinic_name }}: see you today at {{ appointment_time }}, mind the gap. "
            "{{ reply_hint }}\n"
        )
    return templates


def import_network(engine: Engine, network: Protocol, folder: Path) -> None:
    """The roster and both calendars, as a sync on 27 February 2026 reads them."""
    window = ImportWindow(datetime(2026, 2, 27, tzinfo=UTC), timedelta(days=8), timedelta(days=60))
    calendars = [folder / "omaha.ics", folder / "london.ics"]
    import_files(engine, network, window, folder / "roster.csv", calendars)


def simulate(tmp_path: Path, database_url: str) -> list[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=database_url,
        FOLLOWUP_PROTOCOL_FILE=str(tmp_path / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(templates_with_londons_own(tmp_path)),
    )
    check = run_followup(env, tmp_path, "templates", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    result = run_followup(
        env,
        tmp_path,
        "simulate",
        "--patients",
        "roster.csv",
        "--start",
        "2026-02-27T00:00:00Z",
        "--days",
        "4",
        "--format",
        "json",
        "omaha.ics",
        "london.ics",
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_simulate_shows_each_locations_times_names_numbers_and_sender(
    network: Protocol, tmp_path: Path, database_url: str
) -> None:
    messages = simulate(tmp_path, database_url)
    by_patient: dict[str, list[dict[str, str]]] = {}
    for m in messages:
        by_patient.setdefault(m["patient_id"], []).append(m)
    # Floating 09:00 is read in each calendar's location: Omaha's 09:00 CST, London's GMT.
    starts = {p: ms[0]["appointment_start"] for p, ms in by_patient.items()}
    assert starts == {
        "P1": "2026-03-02T15:00:00Z",
        "P2": "2026-03-02T15:00:00Z",
        "P3": "2026-03-02T09:00:00Z",
    }
    reminders = {m["patient_id"]: m for m in messages if m["step"] == "reminder"}
    # 2 h before, 07:00 local, moved to 08:00 by quiet hours in each location's zone.
    assert reminders["P1"]["due_at"] == "2026-03-02T14:00:00Z"
    assert reminders["P3"]["due_at"] == "2026-03-02T08:00:00Z"
    assert "Lakeside Omaha" in reminders["P1"]["body"]
    # London sends its own reminder; Omaha the shipped one.
    assert (
        "mind the gap" in reminders["P3"]["body"] and "Lakeside London" in reminders["P3"]["body"]
    )
    assert "mind the gap" not in reminders["P1"]["body"]
    preparation = next(m for m in by_patient["P1"] if m["step"] == "preparation")
    assert "at 1200 Farnam St, Omaha." in preparation["body"]
    # The event's LOCATION "KC Plaza" puts P2's infusion in Kansas City, from its number.
    assert "Lakeside Kansas City" in reminders["P2"]["body"]
    assert reminders["P2"]["location"] == "kansas_city"
    assert reminders["P2"]["from"] == "+18165550101"
    assert reminders["P1"]["from"] is None  # Omaha sends from the service's number
    london = [m for m in messages if m["patient_id"] == "P3"]
    assert all(m["location"] == "london" and m["from"] == "+442079460101" for m in london)
    discharge = next(m for m in london if m["step"] == "discharge")
    assert "Lakeside London" in discharge["body"] and "116 123" in discharge["body"]
    assert "020 7946 0199" in discharge["body"] or "+44 20 7946 0199" in discharge["body"]
    assert "Omaha" not in discharge["body"] and "988" not in discharge["body"]


def test_importing_assigns_each_patient_and_appointment_its_location(
    network: Protocol, tmp_path: Path, engine: Engine
) -> None:
    import_network(engine, network, tmp_path)
    with Session(engine) as session:
        patients = {p.external_id: p.location for p in session.exec(select(Patient))}
        appointments = {a.source_uid: a.location for a in session.exec(select(Appointment))}
    assert patients == {"P1": "omaha", "P2": "kansas_city", "P3": "london"}
    assert appointments == {"omaha-1": "omaha", "kc-1": "kansas_city", "london-1": "london"}


def test_a_single_clinic_protocol_is_one_location_and_changes_nothing(
    protocol: Protocol,
) -> None:
    assert protocol.location_keys == ("main",)
    assert protocol.clinic_at(None) == protocol.clinic
    assert protocol.clinic_at("anything") == protocol.clinic
    assert protocol.on_call_at("main") == protocol.on_call
    assert protocol.sender_at(None) is None


@pytest.fixture
def network_server(network: Protocol, tmp_path: Path, engine: Engine) -> Iterator[Server]:
    now = datetime.now(UTC)
    window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
    import_files(engine, network, window, tmp_path / "roster.csv", [])
    with Session(engine) as session:
        # Each patient seen at their location, as a sync of its calendar would say.
        for patient in session.exec(select(Patient)):
            patient.location = {"P1": "omaha", "P2": "kansas_city", "P3": "london"}[
                patient.external_id
            ]
            session.add(patient)
        session.commit()
    with FakeTwilio(SID, TOKEN) as fake:
        settings = Settings(
            database_url=str(engine.url),
            public_url=PUBLIC,
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,  # type: ignore[arg-type]
            twilio_from_number=CLINIC,
            twilio_base_url=fake.base_url,
            templates_dir=ROOT / "templates",
        )
        with serving(create_app(settings, engine, network)) as base:
            yield Server(base, engine, fake)


def test_a_crisis_at_london_pages_londons_on_call_and_answers_with_londons_lines(
    network_server: Server, network: Protocol
) -> None:
    status, body = network_server.sms(
        "i want to end it all tonight", "SMlondon", sender="+447911123134"
    )
    assert status == 200 and "116 123" in body and "999" in body and "988" not in body
    london = network.on_call_at("london")[0].phone or ""
    omaha = network.on_call_at("omaha")[0].phone or ""
    [page] = wait_for_pages(network_server, london, 1)
    assert "Lakeside London" in page["body"] and "CRITICAL" in page["body"]
    assert network_server.fake.deliveries_to(omaha) == []
    assert network_server.fake.deliveries_to(network.on_call[0].phone or "") == []
    # Reports per location: the metrics say whose crisis is open.
    with urllib.request.urlopen(network_server.base + "/metrics", timeout=15) as response:
        metrics = response.read().decode()
    assert 'followup_alerts_open{location="london",severity="critical"} 1.0' in metrics
    assert 'location="omaha",severity="critical"' not in metrics


def test_a_stranger_texting_kansas_citys_number_in_crisis_pages_kansas_city(
    network_server: Server, network: Protocol
) -> None:
    status, body = network_server.post(
        "/twilio/sms",
        {
            "MessageSid": "SMstranger",
            "From": "+13125550188",
            "To": "+18165550101",
            "Body": "I am going to kill myself",
            "AccountSid": SID,
        },
    )
    assert status == 200 and "988" in body
    [page] = wait_for_pages(network_server, network.on_call_at("kansas_city")[0].phone or "", 1)
    assert "Lakeside Kansas City" in page["body"]


def test_the_export_of_one_location_holds_only_its_patients(
    network: Protocol, tmp_path: Path, engine: Engine
) -> None:
    import_network(engine, network, tmp_path)
    with Session(engine) as session:
        for patient in session.exec(select(Patient)):
            session.add(
                SymptomReport(
                    patient_id=patient.id or 0,
                    survey="post_infusion",
                    question="mood",
                    value=5.0,
                    text="5",
                    reported_at=datetime(2026, 3, 3, 16, tzinfo=UTC),
                )
            )
        session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=url_of(engine),
        FOLLOWUP_PROTOCOL_FILE=str(tmp_path / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    london = run_followup(env, tmp_path, "reports", "export", "--location", "london", check=True)
    lines = london.stdout.splitlines()
    assert lines[0].endswith(",location") and len(lines) == 2
    assert lines[1].startswith("P3,") and lines[1].endswith(",london")
    everyone = run_followup(env, tmp_path, "reports", "export", "--format", "json", check=True)
    assert sorted(json.loads(line)["location"] for line in everyone.stdout.splitlines()) == [
        "kansas_city",
        "london",
        "omaha",
    ]
    wrong = run_followup(env, tmp_path, "reports", "export", "--location", "paris")
    assert (
        wrong.returncode != 0 and "'paris': use one of omaha, kansas_city, london" in wrong.stderr
    )
