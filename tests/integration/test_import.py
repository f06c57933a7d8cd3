"""Importing rosters and calendars into a real database, and what re-imports change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.protocol import Protocol
from tests.conftest import SAMPLE

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = ImportWindow(NOW, timedelta(days=8), timedelta(days=60))
ROSTER = """patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent
P1,Ana,Rivera,(402) 555-0134,ana@example.org,en,America/New_York,yes,yes
P2,Luis,Garcia,402 555 0147,luis@example.org,es,,yes,no
"""


def ics(*events: str) -> str:
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def event(uid: str, start: str, end: str, patient: str = "P1", extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"X-PATIENT-ID:{patient}\r\n{extra}END:VEVENT\r\n"
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(
    engine: Engine,
    protocol: Protocol,
    roster: Path | None,
    *calendars: Path,
    now: datetime = NOW,
    dry_run: bool = False,
):  # type: ignore[no-untyped-def]
    window = ImportWindow(now, WINDOW.lookback, WINDOW.horizon)
    return import_files(engine, protocol, window, roster, list(calendars), dry_run=dry_run)


def messages(engine: Engine, appointment_uid: str) -> dict[tuple[str, str], ScheduledMessage]:
    with Session(engine) as session:
        rows = session.exec(
            select(ScheduledMessage)
            .join(Appointment)
            .where(Appointment.source_uid == appointment_uid)
        ).all()
        return {(m.step, m.channel): m for m in rows}


def test_roster_phones_in_any_format_become_e164(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    run(engine, protocol, write(tmp_path, "roster.csv", ROSTER))
    with Session(engine) as session:
        phones = dict(session.exec(select(Patient.external_id, Patient.phone)).all())
    assert phones == {"P1": "+14025550134", "P2": "+14025550147"}


def test_roster_row_with_a_bad_phone_is_named_and_the_rest_import(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        ROSTER + "P3,Bo,Li,555,,en,,yes,no\nP4,Al,Wu,+44 7700 900123,,en,,yes,no\n",
    )
    [report] = run(engine, protocol, roster)
    assert report.counts.created == 2
    # The clinic's region for a number without a country code, the number's own otherwise.
    assert [(r.ref, r.reason) for r in report.counts.rejected] == [
        (
            "line 4 (P3)",
            "phone '555' is not a valid phone number for region US (the clinic's: no "
            "country code given): impossible, too short",
        ),
        (
            "line 5 (P4)",
            "phone '+44 7700 900123' is not a valid phone number for region GB: unassigned "
            "(a possible length, but no numbers there start that way)",
        ),
    ]


def test_import_plans_messages_with_aware_utc_times(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    cal = write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z")))
    run(engine, protocol, write(tmp_path, "roster.csv", ROSTER), cal)
    plan = messages(engine, "a1")
    assert plan[("preparation", "sms")].due_at == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert plan[("discharge", "email")].status == MessageStatus.PENDING
    assert all(m.due_at.tzinfo is not None for m in plan.values())


def test_reimporting_the_same_files_changes_nothing(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    cal = write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z")))
    run(engine, protocol, roster, cal)
    before = {
        k: (m.id, m.due_at, m.status, m.updated_at) for k, m in messages(engine, "a1").items()
    }
    reports = run(engine, protocol, roster, cal, now=NOW + timedelta(hours=1))
    assert [(r.counts.created, r.counts.updated, r.counts.cancelled) for r in reports] == [
        (0, 0, 0),
        (0, 0, 0),
    ]
    assert all((r.plan.planned, r.plan.moved, r.plan.cancelled) == (0, 0, 0) for r in reports)
    assert {
        k: (m.id, m.due_at, m.status, m.updated_at) for k, m in messages(engine, "a1").items()
    } == before


def test_moved_event_moves_pending_messages_and_keeps_sent_ones(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z"))),
    )
    with Session(engine) as session:
        sent = session.get(ScheduledMessage, messages(engine, "a1")[("preparation", "sms")].id)
        assert sent is not None
        sent.status, sent.sent_at = MessageStatus.SENT, NOW
        session.add(sent)
        session.commit()
    moved = ics(event("a1", "20260312T140000Z", "20260312T153000Z", extra="SEQUENCE:1\r\n"))
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", moved))
    assert report.counts.updated == 1
    plan = messages(engine, "a1")
    assert plan[("preparation", "sms")].status == MessageStatus.SENT
    assert plan[("preparation", "sms")].due_at == datetime(
        2026, 3, 8, 14, 0, tzinfo=UTC
    )  # history untouched
    assert plan[("preparation", "email")].due_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert plan[("checkin_day1", "sms")].due_at.date() == date(2026, 3, 13)


def test_an_older_sequence_does_not_undo_a_newer_move(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(
            tmp_path,
            "room.ics",
            ics(event("a1", "20260312T140000Z", "20260312T153000Z", extra="SEQUENCE:2\r\n")),
        ),
    )
    [report] = run(
        engine,
        protocol,
        None,
        write(
            tmp_path,
            "room.ics",
            ics(event("a1", "20260310T140000Z", "20260310T153000Z", extra="SEQUENCE:1\r\n")),
        ),
    )
    assert report.counts.updated == 0
    with Session(engine) as session:
        appt = session.exec(select(Appointment)).one()
    assert appt.start_at == datetime(2026, 3, 12, 14, 0, tzinfo=UTC)


def test_cancelled_event_cancels_its_waiting_messages(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z"))),
    )
    cancelled = ics(
        event(
            "a1", "20260310T140000Z", "20260310T153000Z", extra="STATUS:CANCELLED\r\nSEQUENCE:1\r\n"
        )
    )
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", cancelled))
    assert report.counts.cancelled == 1
    plan = messages(engine, "a1")
    assert {m.status for m in plan.values()} == {MessageStatus.CANCELLED}
    assert {m.status_reason for m in plan.values()} == {"appointment cancelled"}


def test_event_that_vanished_from_its_calendar_is_cancelled_on_the_third_read(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    both = ics(
        event("a1", "20260310T140000Z", "20260310T153000Z"),
        event("a2", "20260311T140000Z", "20260311T153000Z"),
    )
    run(engine, protocol, roster, write(tmp_path, "room.ics", both))
    only_a2 = write(tmp_path, "room.ics", ics(event("a2", "20260311T140000Z", "20260311T153000Z")))
    for missing in (1, 2):
        [report] = run(engine, protocol, None, only_a2)
        assert report.counts.cancelled == 0
        assert [(a.uid, a.missing, a.reads_left) for a in report.counts.absent] == [
            ("a1", missing, 3 - missing)
        ]
        assert MessageStatus.PENDING in {m.status for m in messages(engine, "a1").values()}
    [report] = run(engine, protocol, None, only_a2)
    assert report.counts.cancelled == 1 and report.counts.absent == []
    assert {m.status for m in messages(engine, "a1").values()} == {MessageStatus.CANCELLED}
    assert MessageStatus.PENDING in {m.status for m in messages(engine, "a2").values()}


def test_event_that_stops_matching_a_patient_is_not_cancelled(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z"))),
    )
    typo = ics(event("a1", "20260310T140000Z", "20260310T153000Z", patient="P9"))
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", typo))
    assert [(r.ref, r.reason) for r in report.counts.rejected] == [
        ("a1", "patient id 'P9' is not in the roster")
    ]
    assert report.counts.cancelled == 0
    assert MessageStatus.PENDING in {m.status for m in messages(engine, "a1").values()}


def test_past_vanished_appointment_stays_as_history(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(tmp_path, "room.ics", ics(event("a1", "20260301T140000Z", "20260301T153000Z"))),
    )
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", ics()))
    assert report.counts.cancelled == 0


def test_attendee_email_and_phone_find_the_patient(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    by_mail = "BEGIN:VEVENT\r\nUID:m1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T140000Z\r\nDTEND:20260310T153000Z\r\nATTENDEE:MAILTO:Ana@Example.org\r\nEND:VEVENT\r\n"
    by_tel = "BEGIN:VEVENT\r\nUID:t1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260311T140000Z\r\nDTEND:20260311T153000Z\r\nATTENDEE:tel:+1-402-555-0147\r\nEND:VEVENT\r\n"
    [_, report] = run(
        engine,
        protocol,
        write(tmp_path, "roster.csv", ROSTER),
        write(tmp_path, "room.ics", ics(by_mail, by_tel)),
    )
    assert report.counts.created == 2 and report.counts.rejected == []
    with Session(engine) as session:
        owners = dict(
            session.exec(select(Appointment.source_uid, Patient.external_id).join(Patient)).all()
        )
    assert owners == {"m1": "P1", "t1": "P2"}


def test_broken_file_is_reported_and_the_others_still_import(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    broken = write(tmp_path, "broken.ics", "BEGIN:VCALENDAR\r\nthis is not a calendar\r\n")
    good = write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z")))
    reports = run(engine, protocol, roster, broken, good)
    assert reports[1].error and "\n" not in reports[1].error
    assert reports[2].error is None and reports[2].counts.created == 1


def test_dry_run_saves_nothing_but_reports_everything(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    cal = write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z")))
    reports = run(engine, protocol, roster, cal, dry_run=True)
    assert reports[1].counts.created == 1 and reports[1].plan.planned > 0
    with Session(engine) as session:
        assert session.exec(select(Patient)).all() == []
        assert session.exec(select(ScheduledMessage)).all() == []


def test_appointment_csv_imports_like_a_calendar(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    csv_text = "appointment_id,patient_id,start,end,treatment,status\nc1,P1,2026-03-10T09:00,2026-03-10T10:30,pain,\nc2,P2,2026-03-11 13:00-06:00,,,cancelled\n"
    [_, report] = run(
        engine,
        protocol,
        write(tmp_path, "roster.csv", ROSTER),
        write(tmp_path, "book.csv", csv_text),
    )
    assert (report.counts.created, report.counts.cancelled) == (1, 1)
    assert ("checkin_day14", "sms") in messages(engine, "c1")  # the pain protocol's extra check-in
    assert messages(engine, "c2") == {}


def test_an_appointment_csv_row_nobody_matches_is_named_by_its_line(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    csv_text = (
        "appointment_id,patient_id,start,end,treatment,status\n"
        "c1,P1,2026-03-10T09:00,,,\nc2,P9,2026-03-11T09:00,,,\n"
    )
    [_, report] = run(
        engine,
        protocol,
        write(tmp_path, "roster.csv", ROSTER),
        write(tmp_path, "book.csv", csv_text),
    )
    # The same "id (line N)" as a row that could not be read, and the CSV's own words.
    assert [(r.ref, r.reason) for r in report.counts.rejected] == [
        ("c2 (line 3)", "patient id 'P9' is not in the roster")
    ]


def test_consent_withdrawn_in_the_roster_skips_waiting_sms(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    cal = write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z")))
    run(engine, protocol, write(tmp_path, "roster.csv", ROSTER), cal)
    run(
        engine,
        protocol,
        write(
            tmp_path,
            "roster.csv",
            ROSTER.replace("America/New_York,yes,yes", "America/New_York,no,yes"),
        ),
    )
    plan = messages(engine, "a1")
    assert plan[("reminder", "sms")].status == MessageStatus.SKIPPED
    assert plan[("reminder", "sms")].status_reason == "no SMS consent"
    assert plan[("preparation", "email")].status == MessageStatus.PENDING


def test_sample_calendar_imports_with_every_odd_event_reported(
    engine: Engine, protocol: Protocol
) -> None:
    reports = run(
        engine,
        protocol,
        SAMPLE / "patients.csv",
        SAMPLE / "infusions.ics",
        now=datetime(2026, 11, 20, tzinfo=UTC),
    )
    calendar = reports[1]
    assert calendar.error is None and calendar.counts.created > 20
    reasons = {r.reason for r in calendar.counts.rejected}
    assert "not an infusion: all-day event" in reasons
    assert "names no patient (no X-PATIENT-ID or ATTENDEE)" in reasons


def test_event_moved_beyond_the_window_moves_instead_of_vanishing(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z"))),
    )
    far = ics(event("a1", "20261210T150000Z", "20261210T163000Z", extra="SEQUENCE:1\r\n"))
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", far))
    assert (report.counts.updated, report.counts.cancelled) == (1, 0)
    prep = messages(engine, "a1")[("preparation", "sms")]
    assert prep.status == MessageStatus.PENDING
    assert prep.due_at == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


def test_series_rejected_as_a_whole_keeps_its_stored_occurrences(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    series = "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
    roster = write(tmp_path, "roster.csv", ROSTER)
    run(
        engine,
        protocol,
        roster,
        write(
            tmp_path,
            "room.ics",
            ics(event("s1", "20260303T140000Z", "20260303T153000Z", extra=series)),
        ),
    )
    broken = ics(
        event(
            "s1",
            "20260303T140000Z",
            "20260303T153000Z",
            extra=series + "DTSTART:20260304T140000Z\r\n",
        )
    )
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", broken))
    assert report.counts.rejected and report.counts.cancelled == 0
    with Session(engine) as session:
        statuses = session.exec(select(Appointment.status)).all()
    assert len(statuses) == 4 and set(statuses) == {"booked"}


def test_a_message_a_person_cancelled_stays_cancelled_through_re_planning(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    from followup.planning.scheduling import staff_cancel_reason

    cal = write(tmp_path, "room.ics", ics(event("a1", "20260310T140000Z", "20260310T153000Z")))
    run(engine, protocol, write(tmp_path, "roster.csv", ROSTER), cal)
    with Session(engine) as session:
        row = session.get(ScheduledMessage, messages(engine, "a1")[("reminder", "sms")].id)
        assert row is not None
        row.status, row.status_reason = (
            MessageStatus.CANCELLED,
            staff_cancel_reason("nurse@example.org"),
        )
        session.add(row)
        session.commit()
    moved = ics(event("a1", "20260311T140000Z", "20260311T153000Z", extra="SEQUENCE:1\r\n"))
    [report] = run(engine, protocol, None, write(tmp_path, "room.ics", moved))
    assert report.counts.updated == 1
    reminder = messages(engine, "a1")[("reminder", "sms")]
    assert (reminder.status, reminder.status_reason) == (
        MessageStatus.CANCELLED,
        "cancelled by nurse@example.org",
    )
    assert messages(engine, "a1")[("checkin_day1", "sms")].due_at.day == 12  # the rest moved
