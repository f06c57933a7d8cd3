"""The staff sections (inbox, alerts, today, upcoming) over real HTTP on 127.0.0.1.

The clinic is seeded through the real pipeline (`handle` for replies, `replan_patients`
for the plan); the SMS channel is the real Twilio channel talking to a fake Twilio.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.alerts import CRITICAL, EMERGENCY, HIGH, acknowledge, raise_alert
from followup.db.models import (
    Alert,
    Appointment,
    AuditEvent,
    InboundMessage,
    MessageStatus,
    Patient,
    ScheduledMessage,
    SymptomReport,
)
from followup.messages.render import Renderer
from followup.planning.scheduling import replan_patients
from followup.protocol import Protocol
from followup.replies.handle import Inbound, handle
from followup.settings import Settings
from followup.staff import add_staff, create_token
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.web import serving
from followup.web.app import create_app
from followup.web.sections.common import ClinicClock
from tests.conftest import ROOT
from tests.integration.test_staff_web import PASSWORD, Browser

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "sections-test-token"
CLINIC_NUMBER = "+14025550100"
ANA, OMAR, GRACE, BEA = "+14025550134", "+14025550161", "+14025550181", "+14025550172"
STRANGER = "+12125550199"
NURSE = "nurse@example.org"
HTML = "<script>alert(1)</script><b>x</b>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"


@dataclass
class Clinic:
    """A running app over a seeded database, and the ids the tests act on."""

    base: str
    engine: Engine
    protocol: Protocol
    fake: FakeTwilio
    now: datetime
    ids: dict[str, int]

    def nurse(self) -> Browser:
        browser = Browser(self.base)
        status, _, _ = browser.sign_in(NURSE, PASSWORD)
        assert status == 303
        return browser

    def get(self, browser: Browser, path: str) -> str:
        status, _, page = browser.request("GET", path)
        assert status == 200, (path, status)
        return page

    def post(
        self, browser: Browser, path: str, form: dict[str, str] | None = None, page: str = "/staff/"
    ) -> tuple[int, dict[str, str], str]:
        """A form post with this session's CSRF token, as the page would send it."""
        return browser.request("POST", path, {"csrf_token": browser.csrf(page), **(form or {})})

    def audit(self, action: str) -> list[AuditEvent]:
        with Session(self.engine) as session:
            return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))

    def message(self, message_id: int) -> ScheduledMessage:
        with Session(self.engine) as session:
            row = session.get(ScheduledMessage, message_id)
            assert row is not None
            return row

    def row(self, appointment: str, step: str, channel: str = "sms") -> ScheduledMessage:
        with Session(self.engine) as session:
            return session.exec(
                select(ScheduledMessage).where(
                    ScheduledMessage.appointment_id == self.ids[appointment],
                    ScheduledMessage.step == step,
                    ScheduledMessage.channel == channel,
                )
            ).one()


def _patient(external_id: str, first: str, last: str, phone: str, now: datetime) -> Patient:
    return Patient(
        external_id=external_id,
        first_name=first,
        last_name=last,
        phone=phone,
        email=f"{first.lower()}@example.org",
        timezone="America/Chicago",
        sms_consent=True,
        email_consent=True,
        created_at=now,
        updated_at=now,
    )


def _appointment(patient: Patient, uid: str, start: datetime, end: datetime) -> Appointment:
    return Appointment(
        source="test-room",
        source_uid=uid,
        patient_id=patient.id or 0,
        start_at=start,
        end_at=end,
        treatment="depression",
        created_at=start,
        updated_at=start,
    )


def seed(engine: Engine, protocol: Protocol, now: datetime) -> dict[str, int]:
    """Four patients, an infusion in the chair now, one tomorrow, replies through `handle`."""
    day_start = ClinicClock(protocol.clinic.tz).day(now)[0]
    ids: dict[str, int] = {}
    with Session(engine) as session:
        ana = _patient("P1", "Ana", "Rivera", ANA, now)
        omar = _patient("P2", "Omar", "Haddad", OMAR, now)
        grace = _patient("P3", "Grace", "Okafor", GRACE, now)
        bea = _patient("P4", "Bea", "Lindqvist", BEA, now)
        session.add_all([ana, omar, grace, bea])
        session.flush()
        # In the chair now: started within today (clinic time), ends in half an hour.
        chair_start = max(now - timedelta(hours=1), day_start)
        chair = _appointment(ana, "chair", chair_start, now + timedelta(minutes=30))
        tomorrow = _appointment(
            grace, "tomorrow", now + timedelta(hours=20), now + timedelta(hours=21, minutes=30)
        )
        session.add_all([chair, tomorrow])
        session.flush()
        replan_patients(session, [p.id or 0 for p in (ana, omar, grace, bea)], protocol, now)
        for n, value in enumerate([2, 3, 4, 5, 6, 7]):
            session.add(
                SymptomReport(
                    patient_id=bea.id or 0,
                    survey="post_infusion",
                    question=f"mood-{'abcdef'[n]}",
                    value=value,
                    reported_at=now - timedelta(days=6 - n),
                )
            )
        # An older, high alert about Ana and an acknowledged one: the crisis must go on top.
        high = raise_alert(
            session,
            protocol,
            patient=ana,
            inbound_message_id=None,
            severity=HIGH,
            reason="mood score 2 of 10",
            now=now - timedelta(hours=2),
        )
        done = raise_alert(
            session,
            protocol,
            patient=grace,
            inbound_message_id=None,
            severity=CRITICAL,
            reason="old crisis, dealt with",
            now=now - timedelta(days=1),
        )
        session.commit()
        ids.update(
            bea=bea.id or 0,
            ana=ana.id or 0,
            omar=omar.id or 0,
            chair=chair.id or 0,
            tomorrow=tomorrow.id or 0,
            high=high.id or 0,
            done=done.id or 0,
        )
    acknowledge(
        engine, ids["done"], "doctor@example.org", "called, safe", now - timedelta(hours=20)
    )
    renderer = Renderer(ROOT / "templates")
    # The replies come within the hour before `now`, all after the infusion in the chair
    # began (it starts no earlier than midnight): Ana's CALL is about her next infusion,
    # not this one, whatever the hour the suite runs.
    span = min(timedelta(hours=1), now - chair_start) / 60
    for key, sender, body, minutes in [
        ("crisis", BEA, f"I want to kill myself {HTML}", 50),
        ("emergency", GRACE, "Chest pain since I got home and my heart won't slow down", 55),
        ("call", ANA, "CALL", 40),
        ("stranger", STRANGER, "Hi, is this the clinic?", 30),
        ("stop", OMAR, "STOP", 20),
        ("free", ANA, f"Feeling odd today {HTML}", 10),
        ("review", GRACE, "No thoughts of hurting myself this week, much better", 5),
    ]:
        handle(
            engine,
            protocol,
            renderer,
            Inbound(f"SM{key}", sender, CLINIC_NUMBER, body),
            now - span * minutes,
        )
    with Session(engine) as session:
        for message in session.exec(select(InboundMessage)):
            ids[f"in_{message.provider_sid[2:]}"] = message.id or 0
        crisis = session.exec(select(Alert).where(Alert.patient_id == ids["bea"])).one()
        ids["crisis"] = crisis.id or 0
        emergency = session.exec(select(Alert).where(Alert.severity == EMERGENCY)).one()
        ids["emergency"] = emergency.id or 0
    return ids


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    now = datetime.now(UTC)
    add_staff(engine, NURSE, "clinician", PASSWORD, now)
    ids = seed(engine, protocol, now)
    with FakeTwilio(SID, TOKEN) as fake:
        settings = Settings(
            database_url=str(engine.url),
            public_url="http://127.0.0.1",
            secret_key="a-real-secret-for-tests-0123456789",
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,
            twilio_from_number=CLINIC_NUMBER,
            twilio_base_url=fake.base_url,
            templates_dir=ROOT / "templates",
        )
        with serving(create_app(settings, engine, protocol)) as base:
            yield Clinic(base, engine, protocol, fake, now, ids)


# -- inbox -----------------------------------------------------------------------------


def rows(page: str) -> list[str]:
    """The inbox table's rows, in page order."""
    return re.findall(r'<tr id="message-(\d+)"', page)


def test_inbox_lists_the_most_urgent_first_then_newest_with_what_it_was(clinic: Clinic) -> None:
    page = clinic.get(clinic.nurse(), "/staff/inbox?view=all")
    ids = clinic.ids
    # Emergency (the oldest message), crisis, needs review, then the rest newest first:
    # "chest pain" is never buried under "where do I park?".
    assert rows(page) == [
        str(ids[k])
        for k in (
            "in_emergency",
            "in_crisis",
            "in_review",
            "in_free",
            "in_stop",
            "in_stranger",
            "in_call",
        )
    ]
    for label in (
        "medical emergency",
        "needs review",
        "crisis",
        "call request",
        "unknown sender",
        "keyword: opt-out (STOP)",
        "unparsed (free text)",
    ):
        assert label in page
    assert "Ana Rivera" in page and "P1" in page and "Hi, is this the clinic?" in page
    assert "(212) 555-0199" in page  # an unknown sender shows the number to call back
    # Times are in clinic time (Chicago: CST or CDT).
    assert re.search(r"\d\d:\d\d C[SD]T", page)


def test_each_finding_shows_the_words_that_triggered_it_and_handled_ones_sink(
    clinic: Clinic,
) -> None:
    nurse, ids = clinic.nurse(), clinic.ids
    page = clinic.get(nurse, "/staff/inbox?view=all")
    emergency = page[page.index(f'id="message-{ids["in_emergency"]}"') :]
    emergency = emergency[: emergency.index("</tr>")]
    assert "urgency-emergency" in emergency
    assert "chest pain (&#34;chest pain&#34;)" in emergency  # the rule, then their words
    review = page[page.index(f'id="message-{ids["in_review"]}"') :]
    assert "needs review" in review[: review.index("</tr>")]
    clinic.post(nurse, f"/staff/inbox/{ids['in_emergency']}/handled", {}, "/staff/inbox")
    assert rows(clinic.get(nurse, "/staff/inbox?view=all"))[-1] == str(ids["in_emergency"])


def test_html_in_a_reply_is_escaped_on_the_inbox_and_alerts_pages(clinic: Clinic) -> None:
    nurse = clinic.nurse()
    for path in ("/staff/inbox", "/staff/alerts"):
        page = clinic.get(nurse, path)
        assert ESCAPED in page, path
        assert HTML not in page and "<b>x</b>" not in page, path
        assert "<script>alert(1)" not in page, path


def test_inbox_filters_by_kind_attention_and_patient(clinic: Clinic) -> None:
    nurse, ids = clinic.nurse(), clinic.ids
    assert rows(clinic.get(nurse, "/staff/inbox?kind=call_request")) == [str(ids["in_call"])]
    assert rows(clinic.get(nurse, "/staff/inbox?view=all&patient=P1")) == [
        str(ids["in_free"]),
        str(ids["in_call"]),
    ]
    attention = rows(clinic.get(nurse, "/staff/inbox?attention=1"))
    assert str(ids["in_stop"]) not in attention  # STOP is handled by itself
    needing = ("in_emergency", "in_crisis", "in_review", "in_call", "in_stranger", "in_free")
    assert {str(ids[k]) for k in needing} == set(attention)
    page = clinic.get(nurse, "/staff/inbox?kind=crisis&patient=P1")
    assert rows(page) == [] and "No message matches" in page


def test_marking_a_message_handled_records_who_and_when_and_audits(clinic: Clinic) -> None:
    nurse, message_id = clinic.nurse(), clinic.ids["in_free"]
    status, headers, _ = clinic.post(
        nurse,
        f"/staff/inbox/{message_id}/handled",
        {"back": "/staff/inbox?attention=1"},
        "/staff/inbox",
    )
    assert status == 303 and headers["location"] == "/staff/inbox?attention=1"
    with Session(clinic.engine) as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.handled_by == NURSE and message.handled_at
    [event] = clinic.audit("inbox.handled")
    assert (event.actor, event.record_type, event.record_id) == (
        NURSE,
        "inbound_message",
        str(message_id),
    )
    page = clinic.get(nurse, "/staff/inbox?attention=1")
    assert str(message_id) not in rows(page) and "marked handled" in page
    # Pressing again changes nothing and says who did it.
    clinic.post(nurse, f"/staff/inbox/{message_id}/handled", {}, "/staff/inbox")
    assert len(clinic.audit("inbox.handled")) == 1
    assert "already handled by nurse@example.org" in clinic.get(nurse, "/staff/inbox")


def test_a_staff_reply_reaches_twilio_and_is_audited_but_never_logged(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    nurse, message_id = clinic.nurse(), clinic.ids["in_free"]
    body = "Hi Ana, this is Sam from the clinic. I will call you at 3pm."
    status, _, _ = clinic.post(
        nurse, f"/staff/inbox/{message_id}/reply", {"body": body}, "/staff/inbox"
    )
    assert status == 303
    [sent] = clinic.fake.deliveries_to(ANA)
    assert sent["body"] == body and sent["from"] == CLINIC_NUMBER
    [event] = clinic.audit("reply.sent")
    after = json.loads(event.after or "{}")
    assert after == {"to": "**********34", "provider_id": sent["sid"], "body": body}
    assert event.actor == NURSE and event.record_id == str(message_id)
    assert "sent" in clinic.get(nurse, "/staff/inbox")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert body not in logged and ANA not in logged


def test_a_reply_to_an_opted_out_number_is_refused_and_nothing_leaves(clinic: Clinic) -> None:
    nurse, message_id = clinic.nurse(), clinic.ids["in_stop"]
    page = clinic.get(nurse, "/staff/inbox?view=all&patient=P2")
    assert "opted out of SMS" in page and f"/staff/inbox/{message_id}/reply" not in page
    status, _, _ = clinic.post(
        nurse, f"/staff/inbox/{message_id}/reply", {"body": "Please call us"}, "/staff/inbox"
    )
    assert status == 303
    page = clinic.get(nurse, "/staff/inbox")
    assert "this number has opted out of SMS" in page and 'role="alert"' in page
    assert clinic.fake.messages == [] and clinic.audit("reply.sent") == []


def test_a_reply_naming_the_treatment_is_refused(clinic: Clinic) -> None:
    nurse = clinic.nurse()
    clinic.post(
        nurse,
        f"/staff/inbox/{clinic.ids['in_free']}/reply",
        {"body": "About your ketamine infusion tomorrow"},
        "/staff/inbox",
    )
    assert "names a drug or a diagnosis" in clinic.get(nurse, "/staff/inbox")
    assert clinic.fake.messages == []


# -- alerts ----------------------------------------------------------------------------


def card(page: str, alert_id: int) -> str:
    """The patient card that holds an alert."""
    at = page.index(f'id="alert-{alert_id}"')
    return page[page.rindex("<article", 0, at) : page.index("</article>", at)]


def test_alerts_open_most_severe_first_with_message_answers_phone_and_escalation(
    clinic: Clinic,
) -> None:
    page = clinic.get(clinic.nurse(), "/staff/alerts")
    order = re.findall(r'<section id="alert-(\d+)"', page)
    ids = clinic.ids
    # The medical emergency is older than the crisis and still goes on top.
    assert order == [str(ids[k]) for k in ("emergency", "crisis", "high", "done")]
    # One card per patient: the number to call heads it, the alerts are inside.
    emergency, crisis = card(page, ids["emergency"]), card(page, ids["crisis"])
    assert "severity-emergency" in emergency and "chest pain" in emergency
    assert 'href="tel:+14025550181"' in emergency  # Grace, to call back
    assert "Bea Lindqvist" in crisis or "Bea L." in crisis
    assert "kill myself" in crisis and ESCAPED in crisis
    assert 'href="tel:+14025550172"' in crisis and "(402) 555-0172" in crisis
    assert "Escalation level 0" in crisis and "Dr. Jordan Rivera" in crisis
    # The five latest answers, newest first; the sixth (oldest) is left out.
    assert re.findall(r'<span class="question">(mood-\w)</span>', crisis) == [
        "mood-f",
        "mood-e",
        "mood-d",
        "mood-c",
        "mood-b",
    ]
    done = page[page.index(f'id="alert-{ids["done"]}"') :]
    assert "doctor@example.org" in done and "called, safe" in done and "<textarea" not in done


def test_an_alert_whose_answer_failed_says_so(clinic: Clinic) -> None:
    with Session(clinic.engine) as session:
        alert = session.get(Alert, clinic.ids["crisis"])
        assert alert is not None
        alert.reply_error = "crisis reply undelivered (30003)"
        session.add(alert)
        session.commit()
    page = clinic.get(clinic.nurse(), "/staff/alerts")
    assert "Our answer did not reach them: crisis reply undelivered (30003)" in page


def test_acknowledging_with_a_note_stops_escalation_moves_it_down_and_audits(
    clinic: Clinic,
) -> None:
    nurse, alert_id = clinic.nurse(), clinic.ids["crisis"]
    _, _, before = nurse.request("GET", "/staff/alerts/poll")
    status, headers, _ = clinic.post(
        nurse,
        f"/staff/alerts/{alert_id}/acknowledge",
        {"note": "Called Bea, with her sister, safe plan"},
        "/staff/alerts",
    )
    assert status == 303 and headers["location"] == "/staff/alerts"
    with Session(clinic.engine) as session:
        alert = session.get(Alert, alert_id)
        patient = session.exec(select(Patient).where(Patient.external_id == "P4")).one()
    assert alert is not None and alert.acknowledged_by == NURSE
    assert alert.acknowledgement_note == "Called Bea, with her sister, safe plan"
    assert alert.next_escalation_at is None and patient.paused_at is None
    [event] = [e for e in clinic.audit("alert.acknowledged") if e.record_id == str(alert_id)]
    assert event.actor == NURSE and "safe plan" in (event.after or "")
    page = clinic.get(nurse, "/staff/alerts")
    order = re.findall(r'<section id="alert-(\d+)"', page)
    assert order.index(str(alert_id)) > order.index(str(clinic.ids["high"]))
    assert "escalation stopped" in page
    _, _, after = nurse.request("GET", "/staff/alerts/poll")
    assert json.loads(before)["stamp"] != json.loads(after)["stamp"]
    # A second press is refused politely and not audited twice.
    clinic.post(nurse, f"/staff/alerts/{alert_id}/acknowledge", {}, "/staff/alerts")
    assert len([e for e in clinic.audit("alert.acknowledged") if e.record_id == str(alert_id)]) == 1
    assert "already acknowledged by nurse@example.org" in clinic.get(nurse, "/staff/alerts")


def test_the_alerts_page_polls_every_15_seconds_and_keeps_a_typed_note(clinic: Clinic) -> None:
    page = clinic.get(clinic.nurse(), "/staff/alerts")
    assert 'data-poll-seconds="15"' in page
    assert '<script src="/static/alerts.js"' in page and "<script>" not in page
    script = (ROOT / "followup" / "web" / "static" / "alerts.js").read_text()
    assert "/staff/alerts/poll" in script
    assert "busy()" in script  # reloads only when nobody is typing


# -- today -----------------------------------------------------------------------------


def test_today_lists_the_days_infusions_and_the_worklist(clinic: Clinic) -> None:
    page = clinic.get(clinic.nurse(), "/staff/today")
    chair = clinic.ids["chair"]
    row = page[page.index(f'id="appointment-{chair}"') :]
    row = row[: row.index("</tr>")]
    assert "Ana Rivera" in row and "booked" in row and "not confirmed" in row
    assert f"/staff/appointments/{chair}/discharged" in row
    # The worklist: Ana asked for a call, Grace's infusion tomorrow is not confirmed.
    worklist = page[page.index("<h2>Worklist</h2>") :]
    assert "Call back" in worklist and "Ana Rivera" in worklist
    assert "preparation not confirmed" in worklist and "Grace Okafor" in worklist
    assert f"/staff/inbox/{clinic.ids['in_call']}/handled" in worklist


def test_a_call_request_is_marked_handled_from_today(clinic: Clinic) -> None:
    nurse = clinic.nurse()
    status, headers, _ = clinic.post(
        nurse,
        f"/staff/inbox/{clinic.ids['in_call']}/handled",
        {"back": "/staff/today"},
        "/staff/today",
    )
    assert status == 303 and headers["location"] == "/staff/today"
    worklist = clinic.get(nurse, "/staff/today").split("<h2>Worklist</h2>")[1]
    assert "Call back" not in worklist and "Grace Okafor" in worklist


def test_discharged_sends_the_discharge_message_a_minute_later_and_check_ins_keep_their_days(
    clinic: Clinic,
) -> None:
    nurse, chair = clinic.nurse(), clinic.ids["chair"]
    planned = clinic.row("chair", "discharge")
    checkin = clinic.row("chair", "checkin_day1")
    assert planned.due_at > clinic.now + timedelta(minutes=29)  # the booked end
    pressed = datetime.now(UTC)
    status, headers, _ = clinic.post(
        nurse, f"/staff/appointments/{chair}/discharged", {"back": "/staff/today"}, "/staff/today"
    )
    assert status == 303 and headers["location"] == "/staff/today"
    with Session(clinic.engine) as session:
        appt = session.get(Appointment, chair)
        assert appt is not None and appt.discharged_at is not None
        discharged_at = appt.discharged_at
    assert pressed <= discharged_at <= datetime.now(UTC)
    # From the page the message waits out the Undo minute (tests/integration/test_today.py).
    for channel in ("sms", "email"):
        row = clinic.row("chair", "discharge", channel)
        assert row.status == MessageStatus.PENDING
        assert row.due_at == discharged_at + timedelta(seconds=60)
        assert row.quiet_hours_exempt and row.not_before is None
    assert clinic.row("chair", "checkin_day1").due_at == checkin.due_at
    [event] = clinic.audit("appointment.discharged")
    assert event.actor == NURSE and event.record_id == str(chair)
    page = clinic.get(nurse, "/staff/today")
    assert re.search(
        r"the discharge message goes at \d\d:\d\d by (sms and email|email and sms)", page
    )
    assert f"/staff/appointments/{chair}/discharged" not in page and "discharged " in page
    # Once: a second press keeps the first time.
    clinic.post(nurse, f"/staff/appointments/{chair}/discharged", {}, "/staff/today")
    with Session(clinic.engine) as session:
        again = session.get(Appointment, chair)
        assert again is not None and again.discharged_at == discharged_at
    assert len(clinic.audit("appointment.discharged")) == 1


def test_nobody_pressing_discharged_leaves_the_booked_end(clinic: Clinic) -> None:
    clinic.get(clinic.nurse(), "/staff/today")
    with Session(clinic.engine) as session:
        appt = session.get(Appointment, clinic.ids["chair"])
        assert appt is not None and appt.discharged_at is None
    assert clinic.row("chair", "discharge").due_at == appt.end_at


def test_an_infusion_that_has_not_started_cannot_be_discharged(clinic: Clinic) -> None:
    nurse, tomorrow = clinic.nurse(), clinic.ids["tomorrow"]
    clinic.post(nurse, f"/staff/appointments/{tomorrow}/discharged", {}, "/staff/today")
    assert "has not started yet" in clinic.get(nurse, "/staff/today")
    with Session(clinic.engine) as session:
        appt = session.get(Appointment, tomorrow)
        assert appt is not None and appt.discharged_at is None


def api(
    clinic: Clinic,
    path: str,
    *,
    token: str | None = None,
    browser: Browser | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, object]]:
    """POST to the JSON API with a bearer token, or with a browser's session cookie."""
    request = urllib.request.Request(clinic.base + path, data=b"", method="POST")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    opener = browser.opener if browser else urllib.request.build_opener()
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_the_discharged_api_takes_a_bearer_token_and_404s_an_unknown_id(clinic: Clinic) -> None:
    token = create_token(clinic.engine, "room-tablet", NURSE, clinic.now)  # an enabled account
    chair = clinic.ids["chair"]
    status, body = api(clinic, f"/api/appointments/{chair}/discharged", token=token)
    assert status == 200 and body["already_discharged"] is False
    messages = body["messages"]
    assert isinstance(messages, list)
    assert {(m["channel"], m["status"]) for m in messages} == {
        ("sms", "pending"),
        ("email", "pending"),
    }
    [event] = clinic.audit("appointment.discharged")
    assert event.actor == "token:room-tablet"
    status, again = api(clinic, f"/api/appointments/{chair}/discharged", token=token)
    assert status == 200 and again["already_discharged"] is True
    assert again["discharged_at"] == body["discharged_at"]
    assert api(clinic, "/api/appointments/999999/discharged", token=token)[0] == 404
    assert api(clinic, f"/api/appointments/{chair}/discharged", token="fu_wrong")[0] == 401
    status, refused = api(
        clinic, f"/api/appointments/{clinic.ids['tomorrow']}/discharged", token=token
    )
    assert status == 409 and "not started" in str(refused["detail"])


def test_the_discharged_api_with_a_session_needs_the_csrf_header(clinic: Clinic) -> None:
    nurse, chair = clinic.nurse(), clinic.ids["chair"]
    assert api(clinic, f"/api/appointments/{chair}/discharged", browser=nurse)[0] == 403
    status, _ = api(
        clinic,
        f"/api/appointments/{chair}/discharged",
        browser=nurse,
        headers={"X-CSRF-Token": nurse.csrf("/staff/today")},
    )
    assert status == 200


def test_the_openapi_document_describes_the_discharged_apis_answer(clinic: Clinic) -> None:
    token = create_token(clinic.engine, "room-tablet", NURSE, clinic.now)  # an enabled account
    with urllib.request.urlopen(clinic.base + "/openapi.json", timeout=15) as response:
        document = json.loads(response.read())
    operation = document["paths"]["/api/appointments/{appointment_id}/discharged"]["post"]
    schemas = document["components"]["schemas"]

    def resolve(response: dict[str, Any]) -> dict[str, Any]:
        ref = response["content"]["application/json"]["schema"]["$ref"]
        schema: dict[str, Any] = schemas[ref.rsplit("/", 1)[1]]
        return schema

    answer = resolve(operation["responses"]["200"])
    assert set(answer["required"]) == {
        "appointment_id",
        "discharged_at",
        "already_discharged",
        "messages",
    }
    assert answer["properties"]["discharged_at"]["format"] == "date-time"
    message = schemas[answer["properties"]["messages"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(message["properties"]) == {"id", "step", "channel", "status", "due_at", "reason"}
    for code in ("404", "409"):
        assert set(resolve(operation["responses"][code])["properties"]) == {"detail"}
    # What the API answers is what the document says.
    status, body = api(clinic, f"/api/appointments/{clinic.ids['chair']}/discharged", token=token)
    assert status == 200 and set(body) == set(answer["properties"])
    messages = body["messages"]
    assert isinstance(messages, list) and messages
    assert all(set(m) == set(message["properties"]) for m in messages)


def test_discharging_keeps_a_message_staff_cancelled_cancelled(clinic: Clinic) -> None:
    nurse = clinic.nurse()
    checkin = clinic.row("chair", "checkin_day3")
    clinic.post(nurse, f"/staff/messages/{checkin.id}/cancel", {}, "/staff/upcoming")
    clinic.post(nurse, f"/staff/appointments/{clinic.ids['chair']}/discharged", {}, "/staff/today")
    after = clinic.message(checkin.id or 0)
    assert (
        after.status == MessageStatus.CANCELLED and after.status_reason == f"cancelled by {NURSE}"
    )


# -- upcoming --------------------------------------------------------------------------


def upcoming_ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="message-(\d+)"', page)}


def test_upcoming_lists_the_next_days_with_patient_step_channel_and_reason(
    clinic: Clinic,
) -> None:
    nurse = clinic.nurse()
    page = clinic.get(nurse, "/staff/upcoming")
    with Session(clinic.engine) as session:
        week = session.exec(
            select(ScheduledMessage).where(
                col(ScheduledMessage.due_at) >= clinic.now,
                col(ScheduledMessage.due_at) < clinic.now + timedelta(days=7),
            )
        ).all()
        later = session.exec(
            select(ScheduledMessage).where(
                col(ScheduledMessage.due_at) > clinic.now + timedelta(days=7, hours=1)
            )
        ).all()
    assert {m.id for m in week} <= upcoming_ids(page)
    assert not {m.id for m in later} & upcoming_ids(page)
    assert "checkin_day1" in page and "Ana Rivera" in page and "discharge" in page
    # Omar opted out: his SMS are skipped, and the page says why.
    assert "opted out of SMS" in page or not any(m.patient_id == clinic.ids["omar"] for m in week)
    assert later and {m.id for m in later} <= upcoming_ids(
        clinic.get(nurse, "/staff/upcoming?days=30")
    )


def test_upcoming_filters_by_channel_and_status(clinic: Clinic) -> None:
    nurse = clinic.nurse()
    with Session(clinic.engine) as session:
        channel = {m.id: m.channel for m in session.exec(select(ScheduledMessage))}
        status = {m.id: m.status for m in session.exec(select(ScheduledMessage))}
    emails = upcoming_ids(clinic.get(nurse, "/staff/upcoming?channel=email&days=30"))
    assert emails and {channel[i] for i in emails} == {"email"}
    pending = upcoming_ids(clinic.get(nurse, "/staff/upcoming?status=pending&days=30"))
    assert pending and {status[i] for i in pending} == {"pending"}
    # Nonsense filters are ignored rather than failing the page.
    assert clinic.get(nurse, "/staff/upcoming?days=lots&channel=fax&status=nope")


def test_cancel_marks_the_message_cancelled_by_the_person_and_audits(clinic: Clinic) -> None:
    nurse, row = clinic.nurse(), clinic.row("chair", "checkin_day1")
    status, headers, _ = clinic.post(
        nurse,
        f"/staff/messages/{row.id}/cancel",
        {"back": "/staff/upcoming?days=3"},
        "/staff/upcoming",
    )
    assert status == 303 and headers["location"] == "/staff/upcoming?days=3"
    after = clinic.message(row.id or 0)
    assert (
        after.status == MessageStatus.CANCELLED and after.status_reason == f"cancelled by {NURSE}"
    )
    [event] = clinic.audit("message.cancelled")
    assert json.loads(event.before or "{}")["status"] == "pending"
    page = clinic.get(nurse, "/staff/upcoming?days=3")
    assert f"cancelled by {NURSE}" in page
    # Cancelled is final here: neither cancel nor send-now applies any more.
    clinic.post(nurse, f"/staff/messages/{row.id}/send-now", {}, "/staff/upcoming")
    assert clinic.message(row.id or 0).status == MessageStatus.CANCELLED
    assert "only a pending message can be sent now" in clinic.get(nurse, "/staff/upcoming")


def test_a_sent_message_cannot_be_cancelled(clinic: Clinic) -> None:
    row = clinic.row("chair", "checkin_day1")
    with Session(clinic.engine) as session:
        stored = session.get(ScheduledMessage, row.id)
        assert stored is not None
        stored.status = MessageStatus.SENT
        session.add(stored)
        session.commit()
    nurse = clinic.nurse()
    clinic.post(nurse, f"/staff/messages/{row.id}/cancel", {}, "/staff/upcoming")
    assert clinic.message(row.id or 0).status == MessageStatus.SENT
    assert clinic.audit("message.cancelled") == []


def test_send_now_makes_a_pending_message_due_now_for_the_worker(clinic: Clinic) -> None:
    nurse, row = clinic.nurse(), clinic.row("chair", "checkin_day1")
    assert row.due_at > clinic.now + timedelta(hours=1)
    pressed = datetime.now(UTC)
    status, _, _ = clinic.post(nurse, f"/staff/messages/{row.id}/send-now", {}, "/staff/upcoming")
    assert status == 303
    after = clinic.message(row.id or 0)
    assert after.status == MessageStatus.PENDING
    assert after.not_before is not None and pressed <= after.due_at == after.not_before
    assert after.due_at <= datetime.now(UTC)
    [event] = clinic.audit("message.send_now")
    assert event.actor == NURSE and json.loads(event.before or "{}")["due_at"]


# -- CSRF ------------------------------------------------------------------------------


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(clinic: Clinic) -> None:
    nurse, ids = clinic.nurse(), clinic.ids
    message = clinic.row("chair", "checkin_day1").id
    posts = [
        f"/staff/inbox/{ids['in_free']}/handled",
        f"/staff/inbox/{ids['in_free']}/reply",
        f"/staff/alerts/{ids['crisis']}/acknowledge",
        f"/staff/appointments/{ids['chair']}/discharged",
        f"/api/appointments/{ids['chair']}/discharged",
        f"/staff/messages/{message}/cancel",
        f"/staff/messages/{message}/send-now",
    ]
    for path in posts:
        status, _, _ = nurse.request("POST", path, {"body": "hello", "note": "x"})
        assert status == 403, path
        status, _, _ = nurse.request("POST", path, {"csrf_token": "forged", "body": "hello"})
        assert status == 403, path
    with Session(clinic.engine) as session:
        # The seed's acknowledgement (by the doctor, a day ago) is the only other row.
        others = session.exec(select(AuditEvent).where(AuditEvent.action != "staff.add")).all()
        assert [e.actor for e in others] == ["doctor@example.org"]
        appt = session.get(Appointment, ids["chair"])
        assert appt is not None and appt.discharged_at is None
    assert clinic.fake.messages == []
