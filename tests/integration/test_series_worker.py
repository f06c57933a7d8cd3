"""A clinic's series through the worker's own path, on SQLite and PostgreSQL.

Four patients in three zones (a Mon/Wed/Fri series of six, a Tue/Thu series of six,
five daily infusions, a single booster) are imported as the worker syncs a calendar,
sent by the real dispatcher on a virtual clock, then the calendar changes in the middle
of the series (an infusion cancelled, two moved) and is imported again. What actually
went out is checked against the issue's rules, with the appointments as they ended up.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.channels.outbox import OutboxChannel
from followup.core import clock
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.dispatch.retry import RetryPolicy
from followup.dispatch.send import Dispatcher
from followup.messages.render import Renderer
from followup.ops.reports import list_messages
from followup.planning.simulate import VirtualClock, run_until
from followup.protocol import Protocol
from followup.staff import add_staff
from tests.conftest import ROOT, url_of
from tests.integration.test_cli import run_followup
from tests.integration.test_staff_web import PASSWORD, serve

ROSTER = """patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent
MWF,Ana,Rivera,(402) 555-0134,ana@example.org,en,America/Chicago,yes,yes
TT,Luis,Garcia,(212) 555-0147,luis@example.org,es,America/New_York,yes,yes
DAILY,Grace,Okafor,+61 2 9374 4000,,en,Australia/Sydney,yes,no
BOOST,Tom,Becker,(402) 555-0181,,en,America/Chicago,yes,no
"""
ZONES = {
    "MWF": ZoneInfo("America/Chicago"),
    "TT": ZoneInfo("America/New_York"),
    "DAILY": ZoneInfo("Australia/Sydney"),
    "BOOST": ZoneInfo("America/Chicago"),
}
# (patient, infusion number) -> local date and time; 90 minutes each. Chicago and New
# York spring forward on 8 March, Sydney falls back on 5 April.
BOOKED = {
    **{("MWF", n): (date(2026, 3, d), time(9)) for n, d in enumerate((2, 4, 6, 9, 11, 13), 1)},
    **{
        ("TT", n): (date(2026, 3, d), time(13, 30)) for n, d in enumerate((3, 5, 10, 12, 17, 19), 1)
    },
    **{("DAILY", n): (date(2026, 3, d), time(10)) for n, d in enumerate((2, 3, 4, 5, 6), 1)},
    ("BOOST", 1): (date(2026, 3, 4), time(11)),
}
START = datetime(2026, 2, 27, 12, tzinfo=UTC)
CHANGED_AT = datetime(2026, 3, 7, 18, tzinfo=UTC)  # Saturday, after three Mon/Wed/Fri
END = datetime(2026, 4, 20, tzinfo=UTC)
MARGIN = timedelta(hours=12)


def calendar(moves: dict[tuple[str, int], date], cancelled: set[tuple[str, int]]) -> str:
    events = []
    for (patient, number), (day, at) in BOOKED.items():
        day = moves.get((patient, number), day)
        changed = (patient, number) in moves or (patient, number) in cancelled
        start = datetime.combine(day, at)
        events.append(
            "BEGIN:VEVENT\r\n"
            f"UID:{patient}-{number}@series\r\n"
            "DTSTAMP:20260101T000000Z\r\n"
            f"SEQUENCE:{1 if changed else 0}\r\n"
            f"DTSTART;TZID={ZONES[patient].key}:{start:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID={ZONES[patient].key}:{start + timedelta(minutes=90):%Y%m%dT%H%M%S}\r\n"
            f"X-PATIENT-ID:{patient}\r\n"
            + ("STATUS:CANCELLED\r\n" if (patient, number) in cancelled else "")
            + "END:VEVENT\r\n"
        )
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def sync(engine: Engine, protocol: Protocol, roster: Path, ics: Path, now: datetime) -> None:
    """What the worker's calendar sync does, at `now`."""
    window = ImportWindow(now, timedelta(days=8), timedelta(days=120))
    reports = import_files(engine, protocol, window, roster, [ics])
    assert all(r.error is None and not r.counts.rejected for r in reports), reports


@dataclass(frozen=True)
class Went:
    patient: str
    number: int  # the infusion's place in its series, as stored at the end
    uid: str
    step: str
    kind: str
    channel: str
    at: datetime


def run_the_series(engine: Engine, protocol: Protocol, tmp_path: Path) -> list[Went]:
    roster, ics = tmp_path / "roster.csv", tmp_path / "room.ics"
    roster.write_text(ROSTER)
    ics.write_text(calendar({}, set()))
    clock = VirtualClock(START)
    dispatcher = Dispatcher(
        engine=engine,
        protocol=protocol,
        renderer=Renderer(ROOT / "templates"),
        channels={"sms": OutboxChannel("sms"), "email": OutboxChannel("email")},
        retry=RetryPolicy(max_attempts=1, base=timedelta(minutes=1), cap=timedelta(minutes=1)),
        owner="series-test",
        now=clock,
    )
    sync(engine, protocol, roster, ics, START)
    run_until(dispatcher, clock, CHANGED_AT)
    # Monday's infusion 4 is cancelled, Wednesday's moves to Thursday; Luis's Thursday
    # infusion moves to Friday.
    ics.write_text(
        calendar(
            {("MWF", 5): date(2026, 3, 12), ("TT", 4): date(2026, 3, 13)},
            {("MWF", 4)},
        )
    )
    clock.at = CHANGED_AT
    sync(engine, protocol, roster, ics, CHANGED_AT)
    run_until(dispatcher, clock, END)
    with Session(engine) as session:
        rows = session.exec(
            select(ScheduledMessage, Appointment, Patient)
            .join(Appointment, ScheduledMessage.appointment_id == Appointment.id)  # type: ignore[arg-type]
            .join(Patient, ScheduledMessage.patient_id == Patient.id)  # type: ignore[arg-type]
            .where(ScheduledMessage.status == MessageStatus.SENT)
        ).all()
    return [
        Went(
            p.external_id, a.series_number or 0, a.source_uid, m.step, m.kind, m.channel, m.sent_at
        )
        for m, a, p in rows
        if m.sent_at is not None
    ]


def appointments(engine: Engine) -> dict[str, list[Appointment]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Appointment, Patient).join(Patient).order_by(Appointment.start_at)  # type: ignore[arg-type]
        ).all()
    found: dict[str, list[Appointment]] = defaultdict(list)
    for appointment, patient in rows:
        found[patient.external_id].append(appointment)
    return found


@pytest.fixture
def went(engine: Engine, protocol: Protocol, tmp_path: Path) -> list[Went]:
    return run_the_series(engine, protocol, tmp_path)


def test_what_the_worker_sends_across_a_cancel_and_two_moves_keeps_every_rule(
    engine: Engine, went: list[Went]
) -> None:
    booked = appointments(engine)
    problems = []
    for patient, tz in ZONES.items():
        mine = [w for w in went if w.patient == patient]
        active = [a for a in booked[patient] if a.status == "booked"]
        checkins: dict[date, set[tuple[str, str]]] = defaultdict(set)
        texts: dict[date, int] = defaultdict(int)
        for w in mine:
            day = w.at.astimezone(tz).date()
            if w.kind == "checkin":
                checkins[day].add((w.uid, w.step))
            if w.channel == "sms" and w.kind != "discharge":
                texts[day] += 1
            for a in active:
                end = a.discharged_at or a.end_at
                if w.kind != "discharge" and a.start_at <= w.at < end:
                    problems.append(f"{patient} {w.step} in the chair of {a.source_uid}")
                if w.kind == "checkin" and a.start_at - MARGIN <= w.at < a.start_at:
                    problems.append(f"{patient} {w.step} {w.at} in the 12 h before {a.source_uid}")
        problems += [
            f"{patient} {d}: {len(c)} check-ins" for d, c in checkins.items() if len(c) > 1
        ]
        problems += [f"{patient} {d}: {n} SMS" for d, n in texts.items() if n > 3]
        for a in active:
            steps = {(w.step, w.channel) for w in mine if w.uid == a.source_uid}
            for wanted in (("reminder", "sms"), ("discharge", "sms")):
                if wanted not in steps:
                    problems.append(f"{patient} {a.source_uid}: no {wanted[0]}")
            if a.series_number == a.series_size:
                for day in (1, 3, 7):
                    if (f"checkin_day{day}", "sms") not in steps:
                        problems.append(f"{patient} {a.source_uid}: no day-{day} check-in")
    assert problems == []


def test_the_series_is_renumbered_and_the_superseded_check_in_came_back(
    engine: Engine, went: list[Went]
) -> None:
    booked = appointments(engine)
    ana = [(a.source_uid, a.status, a.series_number, a.series_size) for a in booked["MWF"]]
    assert ana == [
        ("MWF-1@series", "booked", 1, 5),
        ("MWF-2@series", "booked", 2, 5),
        ("MWF-3@series", "booked", 3, 5),
        ("MWF-4@series", "cancelled", None, None),
        ("MWF-5@series", "booked", 4, 5),
        ("MWF-6@series", "booked", 5, 5),
    ]
    chicago = ZONES["MWF"]
    ana_went = {(w.uid, w.step, w.channel): w.at.astimezone(chicago) for w in went}
    # Friday's day-3 check-in (Monday 10:00) was superseded by Monday's infusion; with it
    # cancelled and the next one on Thursday, it went.
    assert ana_went[("MWF-3@series", "checkin_day3", "sms")] == datetime(
        2026, 3, 9, 10, tzinfo=chicago
    )
    # The moved infusion's reminder went on its new day; one preparation for the series.
    assert ana_went[("MWF-5@series", "reminder", "sms")].date() == date(2026, 3, 12)
    preparations = [w for w in went if w.patient == "MWF" and w.step == "preparation"]
    assert {(w.uid, w.channel) for w in preparations} == {
        ("MWF-1@series", "sms"),
        ("MWF-1@series", "email"),
    }
    # The day-28 booster reminder after the last infusion (Friday 13 March).
    assert ana_went[("MWF-6@series", "booster_reminder", "sms")] == datetime(
        2026, 4, 10, 10, tzinfo=chicago
    )
    sms = [w for w in went if w.patient == "MWF" and w.channel == "sms"]
    # 1 preparation, 5 reminders, 5 discharges, 1 booster, the rating scales the day before
    # the first infusion (Sun 1), and 7 check-ins: Tue 3, Thu 5, Sat 7, Mon 9 (came back),
    # then Sat 14, Mon 16 and Fri 20 after the last infusion.
    assert len(sms) == 20
    checkins = sorted(w.at.astimezone(chicago).date().day for w in sms if w.kind == "checkin")
    assert checkins == [1, 3, 5, 7, 9, 14, 16, 20]


def test_what_a_rule_held_back_is_listed_with_its_reason(engine: Engine, went: list[Went]) -> None:
    assert went
    rows = list_messages(engine, status="skipped", patient="MWF", limit=500)
    reasons = {row.detail.split(":")[0] for row in rows}
    assert {"superseded", "one preparation a series"} <= reasons
    assert all(row.detail for row in rows)
    cancelled = list_messages(engine, status="cancelled", patient="MWF", limit=500)
    assert cancelled and all(row.detail == "appointment cancelled" for row in cancelled)


def test_followup_replan_brings_stored_plans_up_to_the_protocol(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    """Plans stored under another protocol (or before this version) follow the one in
    force after `followup replan`, for every patient with a current infusion."""
    today = clock.now().astimezone(ZONES["MWF"]).date()
    roster, ics = tmp_path / "roster.csv", tmp_path / "room.ics"
    roster.write_text(ROSTER)
    # A Mon/Wed/Fri-like series of six from three days on, each two days apart.
    ahead = {("MWF", n): today + timedelta(days=3 + 2 * (n - 1)) for n in range(1, 7)}
    ics.write_text(calendar(ahead, set()))
    older = protocol.model_copy(
        update={
            "planning": protocol.planning.model_copy(
                update={"series_gap": timedelta(0), "supersede_checkins": False}
            )
        }
    )
    sync(engine, older, roster, ics, clock.now())
    before = list_messages(engine, status="pending", patient="MWF", limit=500)
    assert len([r for r in before if r.step == "preparation"]) == 12  # six, SMS and email
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=url_of(engine),
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    result = run_followup(env, tmp_path, "replan", check=True)
    assert result.stdout.startswith("re-planned: ")
    after = list_messages(engine, status="pending", patient="MWF", limit=500)
    assert len([r for r in after if r.step == "preparation"]) == 2  # the first one's only
    with Session(engine) as session:
        places = session.exec(
            select(Appointment.series_number, Appointment.series_size).where(
                Appointment.source_uid.startswith("MWF")  # type: ignore[attr-defined]
            )
        ).all()
    assert sorted(places) == [(n, 6) for n in range(1, 7)]


def test_the_patient_page_shows_the_series_the_rules_and_the_surveys(
    engine: Engine, protocol: Protocol, went: list[Went]
) -> None:
    assert went
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, END)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        browser = site.browser()
        assert browser.sign_in("nurse@example.org", PASSWORD)[0] == 303
        status, _, page = browser.request("GET", "/staff/patients/MWF")
    assert status == 200
    places = re.findall(r'<td class="series">(.*?)</td>', page)
    assert places == ["1 of 5", "2 of 5", "3 of 5", "", "4 of 5", "5 of 5, last"]
    assert "superseded: the infusion of" in page and "one preparation a series: " in page
    # Every check-in started a survey; the ones nobody answered say why they ended.
    assert "Check-in surveys" in page and "unanswered in time: it expired" in page
