"""Consent records on SQLite and PostgreSQL: what the migration keeps from the yes/no
columns, what a roster import writes (and when it writes nothing), and staff recording a
patient's word on the patient page, with the history and its CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.consent.records import Source, record, record_number
from followup.db.engine import make_engine
from followup.db.migrate import alembic_config, upgrade
from followup.db.models import AuditEvent, ConsentRecord, MessageStatus, Patient, ScheduledMessage
from followup.protocol import Protocol
from followup.staff import add_staff
from tests.conftest import SAMPLE
from tests.integration.test_staff_web import PASSWORD, Site, serve

ADMIN = "admin@example.org"
HEADER = "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"


def records(engine: Engine, external_id: str) -> list[ConsentRecord]:
    with Session(engine) as session:
        patient = session.exec(select(Patient).where(Patient.external_id == external_id)).one()
        return list(
            session.exec(
                select(ConsentRecord)
                .where(ConsentRecord.patient_id == patient.id)
                .order_by(ConsentRecord.id)  # type: ignore[arg-type]
            )
        )


def summary(rows: list[ConsentRecord]) -> list[tuple[str, bool, str]]:
    return [(r.channel, r.given, r.source) for r in rows]


# --- the migration --------------------------------------------------------------------------


def test_the_migration_keeps_every_yes_no_and_opt_out_as_records(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    t0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0015")
    with engine.begin() as connection:
        rows = [
            ("P1", "+14025550134", True, True, None),
            ("P2", "+14025550147", True, False, t0 + timedelta(days=3)),
            ("P3", None, False, True, None),
        ]
        for external_id, phone, sms, email, opted in rows:
            connection.execute(
                text(
                    "INSERT INTO patient (external_id, first_name, last_name, phone, language,"
                    " sms_consent, email_consent, opted_out_at, created_at, updated_at)"
                    " VALUES (:e, '', '', :p, 'en', :s, :m, :o, :t, :t)"
                ),
                {"e": external_id, "p": phone, "s": sms, "m": email, "o": opted, "t": t0},
            )
        connection.execute(
            text("INSERT INTO opted_out_number (phone, opted_out_at) VALUES (:p, :t)"),
            [{"p": "+14025550147", "t": t0}, {"p": "+12125550199", "t": t0}],
        )
    upgrade(engine)
    assert summary(records(engine, "P1")) == [
        ("sms", True, "migration"),
        ("email", True, "migration"),
    ]
    assert summary(records(engine, "P2")) == [
        ("sms", True, "migration"),
        ("email", False, "migration"),
        ("sms", False, "migration"),  # the STOP comes last: it is what is in force
    ]
    assert summary(records(engine, "P3")) == [
        ("sms", False, "migration"),
        ("email", True, "migration"),
    ]
    with Session(engine) as session:
        stranger = session.exec(
            select(ConsentRecord).where(ConsentRecord.phone == "+12125550199")
        ).one()
        luis = session.exec(select(Patient).where(Patient.external_id == "P2")).one()
    assert (stranger.patient_id, stranger.given) == (None, False)
    assert luis.sms_consent is False  # the copy says what the newest record says
    engine.dispose()


# --- roster imports -------------------------------------------------------------------------


def import_roster(engine: Engine, protocol: Protocol, path: Path, rows: str) -> None:
    path.write_text(HEADER + rows)
    now = datetime.now(UTC)
    [report] = import_files(engine, protocol, ImportWindow(now, timedelta(days=8), timedelta(days=60)), path, [])  # fmt: skip
    assert report.error is None


def test_a_roster_writes_a_record_when_it_says_something_new_and_never_twice(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = tmp_path / "clinic-roster.csv"
    import_roster(engine, protocol, roster, "P1,Ana,Rivera,4025550134,ana@example.org,en,,yes,no\n")
    first = records(engine, "P1")
    assert summary(first) == [("sms", True, "roster"), ("email", False, "roster")]
    assert first[0].detail == "roster:clinic-roster.csv: sms_consent column said yes"
    # The worker re-reads the file every few minutes: nothing new, nothing written.
    import_roster(engine, protocol, roster, "P1,Ana,Rivera,4025550134,ana@example.org,en,,yes,no\n")
    assert len(records(engine, "P1")) == 2
    # The clinic changes its file: one record per change.
    import_roster(engine, protocol, roster, "P1,Ana,Rivera,4025550134,ana@example.org,en,,no,yes\n")
    assert summary(records(engine, "P1"))[2:] == [
        ("sms", False, "roster"),
        ("email", True, "roster"),
    ]


def test_a_roster_never_overrides_the_patients_own_word(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    import_roster(engine, protocol, roster, "P1,Ana,Rivera,4025550134,,en,,yes,no\n")
    with Session(engine) as session:
        pid = session.exec(select(Patient)).one().id or 0
        record(session, [pid], ("sms",), given=False, source=Source.SMS_KEYWORD,
               at=datetime.now(UTC), detail="texted 'STOP'")  # fmt: skip
        session.commit()
    # Still "yes" in the file, or "no" then "yes" again: the STOP stands.
    for sms in ("yes", "no", "yes"):
        import_roster(engine, protocol, roster, f"P1,Ana,Rivera,4025550134,,en,,{sms},no\n")
        assert records(engine, "P1")[-1].given is False
    # A web sign-up is not undone by a roster that still says no.
    with Session(engine) as session:
        record(session, [pid], ("email",), given=True, source=Source.WEB_FORM, at=datetime.now(UTC))
        session.commit()
    import_roster(engine, protocol, roster, "P1,Ana,Rivera,4025550134,,en,,yes,no\n")
    assert records(engine, "P1")[-1].source == "web_form"


def test_a_recent_web_sign_up_goes_to_the_patient_the_roster_brings_in_on_that_number(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        record_number(session, "+14025550134", given=True, source=Source.WEB_FORM,
                      at=now - timedelta(days=1), detail="ticked the box")  # fmt: skip
        # Two months and more: the number may have changed hands since.
        record_number(session, "+14025550147", given=True, source=Source.WEB_FORM,
                      at=now - timedelta(days=90), detail="ticked the box")  # fmt: skip
        session.commit()
    import_roster(engine, protocol, tmp_path / "roster.csv",
                  "P1,Ana,Rivera,4025550134,,en,,no,no\nP2,Luis,García,4025550147,,es,,no,no\n")  # fmt: skip
    ana, luis = records(engine, "P1"), records(engine, "P2")
    assert summary(ana)[-1] == ("sms", True, "web_form")
    assert "before the roster listed the patient" in (ana[-1].detail or "")
    assert summary(luis) == [("sms", False, "roster"), ("email", False, "roster")]
    with Session(engine) as session:
        consent = dict(session.exec(select(Patient.external_id, Patient.sms_consent)).all())
    assert consent == {"P1": True, "P2": False}


# --- staff on the patient page --------------------------------------------------------------


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    now = datetime.now(UTC)
    window = ImportWindow(now, timedelta(days=8), timedelta(days=30))
    import_files(engine, protocol, window, SAMPLE / "patients.csv", [SAMPLE / "infusions.ics"])
    add_staff(engine, ADMIN, "admin", PASSWORD, now)
    yield from serve(engine, protocol, "http://127.0.0.1")


def pending_sms(engine: Engine, external_id: str) -> list[ScheduledMessage]:
    with Session(engine) as session:
        pid = session.exec(select(Patient).where(Patient.external_id == external_id)).one().id
        return list(
            session.exec(
                select(ScheduledMessage).where(
                    ScheduledMessage.patient_id == pid,
                    ScheduledMessage.channel == "sms",
                    ScheduledMessage.status == MessageStatus.PENDING,
                )
            )
        )


def test_staff_record_what_a_patient_said_on_the_phone_and_see_the_history(
    site: Site, engine: Engine
) -> None:
    browser = site.browser()
    assert browser.sign_in(ADMIN, PASSWORD)[0] == 303
    page = browser.request("GET", "/staff/patients/P001")[2]
    assert 'id="consent"' in page and "roster import" in page and "patients.csv" in page
    assert pending_sms(engine, "P001")
    token = browser.csrf("/staff/patients/P001")
    form = {"csrf_token": token, "channel": "sms", "given": "no", "note": "called, wants no texts"}
    status, headers, _ = browser.request("POST", "/staff/patients/P001/consent", form)
    assert status == 303 and headers["location"].endswith("/staff/patients/P001#consent")
    page = browser.request("GET", "/staff/patients/P001")[2]
    assert "Recorded: P001 revoked consent to texts." in page
    newest = records(engine, "P001")[-1]
    assert (newest.channel, newest.given, newest.source) == ("sms", False, "staff")
    assert (
        newest.detail
        == f"{ADMIN}: the patient revoked consent on the phone (called, wants no texts)"
    )
    assert pending_sms(engine, "P001") == []  # re-planned at once: skipped, no SMS consent
    with Session(engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "consent.revoked")).one()
    # Given again: what was skipped for want of consent comes back.
    form["given"], form["note"] = "yes", ""
    assert browser.request("POST", "/staff/patients/P001/consent", form)[0] == 303
    assert pending_sms(engine, "P001")

    status, headers, body = browser.request("GET", "/staff/patients/P001/consent.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["channel"], r["consent"], r["how"]) for r in rows] == [
        ("sms", "given", "roster import"),
        ("email", "given", "roster import"),
        ("sms", "revoked", "staff"),
        ("sms", "given", "staff"),
    ]
    assert rows[0]["phone"] == "+14025550134" and rows[0]["patient_id"] == "P001"


def test_recording_consent_needs_the_forms_csrf_token_and_a_signed_in_person(
    site: Site, engine: Engine
) -> None:
    before = len(records(engine, "P001"))
    form = {"channel": "sms", "given": "no", "csrf_token": "forged"}
    anonymous = site.browser()
    status, headers, _ = anonymous.request("POST", "/staff/patients/P001/consent", form)
    assert status == 303 and "/staff/sign-in" in headers["location"]
    browser = site.browser()
    browser.sign_in(ADMIN, PASSWORD)
    assert browser.request("POST", "/staff/patients/P001/consent", form)[0] == 403
    assert len(records(engine, "P001")) == before
    assert re.search(r"consent\.csv", browser.request("GET", "/staff/patients/P001")[2])
