"""An EHR's schedule over FHIR R4, read from a real FHIR server on loopback (Medplum's router,
see conftest.py): paging, reads of changes, sign-in, errors, and the same plan as ICS.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.calendar.feeds import Feed, FeedOptions
from followup.calendar.fhir_client import FhirServer
from followup.calendar.fhir_sync import FhirReport, FhirSync, sync_fhir
from followup.calendar.importing import ImportWindow, import_files
from followup.core import clock
from followup.db.migrate import temporary_database
from followup.db.models import Appointment, FeedState, Patient, ScheduledMessage, SyncRun
from followup.protocol import Protocol
from followup.settings import Settings
from followup.web.sections.sync import source_health
from followup.worker import sync_sources
from tests.conftest import ROOT
from tests.integration.conftest import StartFhirServer
from tests.integration.test_cli import run_followup, scalar
from tests.integration.test_fhir_server import call
from tests.integration.test_import import write

pytestmark = pytest.mark.slow
CHICAGO = ZoneInfo("America/Chicago")
CONSENT = "https://clinic.example.org/fhir/StructureDefinition/messaging-consent"
TOKEN = "s3cr3t-b34r3r-t0k3n-do-not-log"
SECRET = "cl13nt-s3cr3t-do-not-log"
HOW = FhirSync(FeedOptions(read_timeout=20), absent_reads=2, consent_extension=CONSENT)


def window() -> ImportWindow:
    return ImportWindow(clock.now(), timedelta(days=8), timedelta(days=120))


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Chicago `days` from today."""
    day = clock.now().astimezone(CHICAGO).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO)


def put(base: str, resource: dict[str, Any], token: str | None = None) -> None:
    path = f"/{resource['resourceType']}/{resource['id']}"
    status, answer = call(base, "PUT", path, json.dumps(resource), token)
    assert status in (200, 201), answer


def fhir_patient(pid: str, first: str, phone: str, language: str, **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "name": [{"use": "official", "given": [first], "family": "Tester"}],
        "telecom": [{"system": "sms", "value": phone, "rank": 1}],
        "communication": [{"language": {"coding": [{"code": language}]}, "preferred": True}],
        "extension": [{"url": CONSENT, "valueBoolean": True}],
        **more,
    }


def fhir_appointment(aid: str, pid: str, start: datetime, **more: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Appointment",
        "id": aid,
        "status": "booked",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=90)).isoformat(),
        "participant": [{"actor": {"reference": f"Patient/{pid}"}, "status": "accepted"}],
    }
    resource.update(more)
    return {k: v for k, v in resource.items() if v is not None}


def server_at(base: str, **more: Any) -> FhirServer:
    return FhirServer(feed=Feed.parse(base), **more)


def sync(engine: Engine, protocol: Protocol, server: FhirServer, how: FhirSync = HOW) -> FhirReport:
    return sync_fhir(engine, protocol, window(), server, how)


def statuses(engine: Engine) -> dict[str, tuple[str, int]]:
    with Session(engine) as session:
        return {a.source_uid: (a.status, a.absent_reads) for a in session.exec(select(Appointment))}


def runs(engine: Engine) -> list[SyncRun]:
    with Session(engine) as session:
        return list(session.exec(select(SyncRun).order_by(col(SyncRun.id))))


def seed(base: str, token: str | None = None, appointments: int = 2) -> None:
    for n in range(1, appointments + 1):
        put(base, fhir_patient(f"p{n}", f"Pat{n}", f"402 555 01{n:02d}", "en"), token)
        put(base, fhir_appointment(f"a{n}", f"p{n}", at(3 + n, 10)), token)


# -- Paging and reads of changes -------------------------------------------------------------


def test_every_page_is_read_through_next_links(
    engine: Engine, protocol: Protocol, fhir_server: str
) -> None:
    seed(fhir_server, appointments=5)
    report = sync(engine, protocol, server_at(fhir_server, page_size=2))
    assert (report.status, report.complete, report.counts.created) == ("ok", True, 5)
    assert report.patients.created == 5 and report.plan.planned > 0
    with Session(engine) as session:
        ana = session.exec(select(Patient).where(Patient.external_id == "p3")).one()
    assert (ana.first_name, ana.phone, ana.sms_consent) == ("Pat3", "+14025550103", True)


def test_a_read_of_changes_applies_them_but_never_takes_a_deletion_for_absence(
    engine: Engine, protocol: Protocol, fhir_server: str
) -> None:
    seed(fhir_server, appointments=3)
    how = replace(HOW, overlap=timedelta(0))
    server = server_at(fhir_server, page_size=2)
    # The server's clock (its Date header) counts whole seconds: each step in a second of
    # its own, so that the read of changes asks from after the seeding.
    time.sleep(1.1)
    assert sync(engine, protocol, server, how).counts.created == 3
    time.sleep(1.1)
    put(fhir_server, fhir_appointment("a1", "p1", at(4, 10), status="cancelled"))
    put(fhir_server, fhir_appointment("a4", "p2", at(9, 14)))
    put(fhir_server, fhir_patient("p3", "Pat3", "402 555 0199", "es"))
    assert call(fhir_server, "DELETE", "/Appointment/a2")[0] == 200

    changes = sync(engine, protocol, server, how)
    assert not changes.complete
    # Only what changed was read: a3 is not even counted unchanged.
    c = changes.counts
    assert (c.created, c.cancelled, c.unchanged, c.absent) == (1, 1, 0, [])
    assert changes.patients.updated == 1  # p3's new number, without an appointment change
    assert statuses(engine)["a2"] == ("booked", 0)

    # Complete reads find the deletion, and cancel it after `absent_reads` of them in a row.
    complete = sync(engine, protocol, server, replace(how, full_every=timedelta(0)))
    assert complete.complete and [a.uid for a in complete.counts.absent] == ["a2"]
    assert statuses(engine)["a2"] == ("booked", 1)
    # While it is counted absent, every sync reads whole, however recent the last one.
    again = sync(engine, protocol, server, how)
    assert again.complete and again.counts.cancelled == 1
    assert statuses(engine)["a2"][0] == "cancelled"


def test_an_appointment_put_back_on_the_waitlist_stops_and_a_new_one_there_is_not_made(
    engine: Engine, protocol: Protocol, fhir_server: str
) -> None:
    seed(fhir_server, appointments=1)
    sync(engine, protocol, server_at(fhir_server))
    put(fhir_server, fhir_appointment("a1", "p1", at(4, 10), status="waitlist"))
    put(fhir_server, fhir_appointment("a9", "p1", at(6, 10), status="proposed"))
    report = sync(engine, protocol, server_at(fhir_server), replace(HOW, full_every=timedelta(0)))
    assert report.counts.cancelled == 1
    assert statuses(engine) == {"a1": ("cancelled", 0)}


# -- Sign-in, errors, secrets ------------------------------------------------------------------


def assert_nothing_cancelled(engine: Engine, uids: set[str]) -> None:
    assert statuses(engine) == dict.fromkeys(uids, ("booked", 0))


def assert_secret_kept(engine: Engine, caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    stored = json.dumps([run.model_dump(mode="json") for run in runs(engine)])
    for secret in secrets:
        assert secret not in caplog.text and secret not in stored


def test_a_bearer_token_signs_in_and_a_wrong_one_fails_in_one_line_cancelling_nothing(
    engine: Engine,
    protocol: Protocol,
    start_fhir_server: StartFhirServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    base = start_fhir_server(FHIR_BEARER_TOKEN=TOKEN)
    seed(base, TOKEN)
    assert sync(engine, protocol, server_at(base, token=TOKEN)).counts.created == 2

    wrong = "wrong-" + TOKEN
    how = replace(HOW, full_every=timedelta(0))
    report = sync(engine, protocol, server_at(base, token=wrong), how)
    assert (report.status, report.http_status) == ("failed", 401)
    assert report.error == "Appointment search: HTTP 401 (login: Unauthorized)"
    assert_nothing_cancelled(engine, {"a1", "a2"})
    with Session(engine) as session:
        state = session.get(FeedState, report.server.source)
        assert state is not None and state.failures == 1 and state.next_attempt_at is not None
    assert runs(engine)[-1].error == report.error
    # The staff sync page lists it first, failing, with its run of failures.
    (health,) = source_health(engine)
    assert (health.latest.source, health.failing, health.failures) == (
        report.server.source,
        True,
        1,
    )
    # Backing off: the next round does not call the server at all.
    assert sync(engine, protocol, server_at(base, token=wrong), how).skipped
    assert_secret_kept(engine, caplog, TOKEN, wrong)


def test_client_credentials_get_a_token_and_a_wrong_secret_fails_in_one_line(
    engine: Engine,
    protocol: Protocol,
    start_fhir_server: StartFhirServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    base = start_fhir_server(FHIR_CLIENT_ID="followup", FHIR_CLIENT_SECRET=SECRET)
    form = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": "followup", "client_secret": SECRET}
    ).encode()
    with urllib.request.urlopen(base + "/oauth2/token", form, timeout=10) as answer:
        token = json.loads(answer.read())["access_token"]
    seed(base, token)
    signed_in = {"token_url": base + "/oauth2/token", "client_id": "followup"}
    good = server_at(base, client_secret=SECRET, **signed_in)
    assert sync(engine, protocol, good).counts.created == 2

    bad = server_at(base, client_secret="not-" + SECRET, **signed_in)
    report = sync(engine, protocol, bad, replace(HOW, full_every=timedelta(0)))
    assert report.status == "failed"
    assert report.error == "the token request was refused: HTTP 401 (invalid_client)"
    assert_nothing_cancelled(engine, {"a1", "a2"})
    assert_secret_kept(engine, caplog, SECRET, token)


def test_an_operation_outcome_fails_the_read_in_one_line_and_counts_for_nothing(
    engine: Engine, protocol: Protocol, fhir_server: str
) -> None:
    seed(fhir_server)
    sync(engine, protocol, server_at(fhir_server))
    broken = server_at(fhir_server, appointment_search="date=soon")
    report = sync(engine, protocol, broken, replace(HOW, full_every=timedelta(0)))
    assert (report.status, report.http_status) == ("failed", 400)
    assert report.error is not None and "\n" not in report.error
    assert report.error.startswith("Appointment search: HTTP 400 (invalid: ")
    assert "soon" in report.error
    assert_nothing_cancelled(engine, {"a1", "a2"})


def test_an_empty_complete_read_counts_for_nothing(
    engine: Engine, protocol: Protocol, fhir_server: str
) -> None:
    seed(fhir_server)
    sync(engine, protocol, server_at(fhir_server))
    for uid in ("a1", "a2"):
        call(fhir_server, "DELETE", f"/Appointment/{uid}")
    how = replace(HOW, full_every=timedelta(0), absent_reads=1)
    for _ in range(2):
        assert sync(engine, protocol, server_at(fhir_server), how).status == "empty"
    assert_nothing_cancelled(engine, {"a1", "a2"})


def test_the_worker_syncs_the_configured_server_and_records_the_run(
    engine: Engine, protocol: Protocol, start_fhir_server: StartFhirServer
) -> None:
    base = start_fhir_server(FHIR_BEARER_TOKEN=TOKEN)
    seed(base, TOKEN)
    settings = Settings(
        database_url=str(engine.url),
        fhir_base_url=base,
        fhir_token=TOKEN,
        fhir_consent_extension=CONSENT,
        # Only the FHIR server, whatever roster and calendars the environment names
        # (`make` exports the sample clinic's).
        roster_file=None,
        calendar_sources=[],
    )  # type: ignore[arg-type]
    (report,) = sync_sources(engine, settings, protocol)
    assert isinstance(report, FhirReport) and report.status == "ok"
    (run,) = runs(engine)
    assert (run.source, run.created) == (report.server.source, 2)
    assert run.source.startswith("fhir:127.0.0.1:")


# -- The same plan as ICS ----------------------------------------------------------------------

ROSTER_HEADER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
)


def test_a_fhir_schedule_plans_exactly_the_messages_of_the_same_schedule_in_ics(
    engine: Engine, protocol: Protocol, fhir_server: str, tmp_path: Path
) -> None:
    people = [
        ("p1", "Ana", "402 555 0101", "ana@example.org", "es", (True, True)),
        ("p2", "Ben", "402 555 0102", None, "en", (True, False)),
        ("p3", "Cleo", "402 555 0103", "cleo@example.org", "en", (False, True)),
    ]
    # (id, patient, start, minutes or None for no length, status, treatment text)
    visits = [
        ("a1", "p1", at(3, 9), 90, "booked", "pain"),
        ("a2", "p1", at(10, 9, 30), 60, "booked", "pain"),
        ("a3", "p2", at(4, 13), None, "booked", None),
        ("a4", "p3", at(5, 8, 15), 120, "booked", "Ketamine infusion"),
        ("a5", "p3", at(6, 8, 15), 120, "cancelled", None),
        ("a6", "p2", at(-2, 11), 90, "booked", None),  # in the past: check-ins only
    ]
    roster = ROSTER_HEADER
    for pid, first, phone, email, language, (sms, mail) in people:
        telecom = [{"system": "sms", "value": phone}]
        if email:
            telecom.append({"system": "email", "value": email})
        put(
            fhir_server,
            fhir_patient(
                pid,
                first,
                phone,
                language,
                telecom=telecom,
                extension=[
                    {
                        "url": CONSENT,
                        "extension": [
                            {"url": "sms", "valueBoolean": sms},
                            {"url": "email", "valueBoolean": mail},
                        ],
                    }
                ],
            ),
        )
        flags = ",".join("yes" if f else "no" for f in (sms, mail))
        roster += f"{pid},{first},Tester,{phone},{email or ''},{language},,{flags}\n"
    events = ""
    for aid, pid, start, minutes, status, treatment in visits:
        # FHIR has no start without an end (app-2): one at the start means "no length".
        end = (start + timedelta(minutes=minutes or 0)).isoformat()
        put(
            fhir_server,
            fhir_appointment(
                aid,
                pid,
                start,
                end=end,
                status=status,
                serviceType=[{"text": treatment}] if treatment else None,
            ),
        )
        local = "%Y%m%dT%H%M%S"
        lines = [
            f"UID:{aid}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=America/Chicago:{start.strftime(local)}",
            f"X-PATIENT-ID:{pid}",
        ]
        if minutes is not None:
            end_at = start + timedelta(minutes=minutes)
            lines.append(f"DTEND;TZID=America/Chicago:{end_at.strftime(local)}")
        if status == "cancelled":
            lines.append("STATUS:CANCELLED")
        if treatment:
            lines.append(f"CATEGORIES:{treatment}")
        events += "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"
    ics_text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n"

    fixed = window()
    report = sync_fhir(engine, protocol, fixed, server_at(fhir_server, page_size=2), HOW)
    assert report.status == "ok" and report.counts.created == 5
    with temporary_database() as other:
        roster_path = write(tmp_path, "roster.csv", roster)
        calendar = write(tmp_path, "room.ics", ics_text)
        files = import_files(other, protocol, fixed, roster_path, [calendar])
        assert [f.error for f in files] == [None, None]
        from_ics = plan_of(other)
    from_fhir = plan_of(engine)
    assert len(from_fhir) > 10
    assert from_fhir == from_ics


def plan_of(engine: Engine) -> list[tuple[Any, ...]]:
    """Every planned message, by patient and appointment as the source names them."""
    with Session(engine) as session:
        rows = session.exec(
            select(
                Patient.external_id,
                Appointment.source_uid,
                Appointment.treatment,
                Appointment.status,
                ScheduledMessage.step,
                ScheduledMessage.kind,
                ScheduledMessage.template,
                ScheduledMessage.channel,
                ScheduledMessage.due_at,
                ScheduledMessage.not_before,
                ScheduledMessage.expires_at,
                ScheduledMessage.status,
                ScheduledMessage.status_reason,
            )
            .join(Appointment, col(Appointment.id) == ScheduledMessage.appointment_id)
            .join(Patient, col(Patient.id) == ScheduledMessage.patient_id)
        ).all()
    return sorted((tuple(row) for row in rows), key=repr)


def test_followup_import_fhir_syncs_once_and_a_dry_run_saves_nothing(
    start_fhir_server: StartFhirServer, database_url: str, tmp_path: Path
) -> None:
    base = start_fhir_server(FHIR_BEARER_TOKEN=TOKEN)
    seed(base, TOKEN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=database_url,
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
        FOLLOWUP_FHIR_BASE_URL=base,
        FOLLOWUP_FHIR_TOKEN=TOKEN,
    )
    run_followup(env, tmp_path, "db", "upgrade", check=True)
    dry = run_followup(env, tmp_path, "import", "--fhir", "--dry-run", check=True)
    assert "(FHIR, complete read): ok; patients 2 created" in dry.stdout
    assert "appointments 2 created" in dry.stdout and "dry run: nothing was saved" in dry.stdout
    assert scalar(env, "SELECT count(*) FROM appointment") == 0
    done = run_followup(env, tmp_path, "import", "--fhir", check=True)
    assert "appointments 2 created" in done.stdout
    assert scalar(env, "SELECT count(*) FROM appointment") == 2
    assert TOKEN not in dry.stdout + dry.stderr + done.stdout + done.stderr
