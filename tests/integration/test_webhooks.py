"""Twilio's webhooks over real HTTP on 127.0.0.1, signed the way Twilio signs them."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from followup.calendar.importing import ImportWindow, import_files
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.db.engine import make_engine
from followup.db.models import (
    Alert,
    Appointment,
    Conversation,
    InboundMessage,
    MessageStatus,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
)
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies import recovery
from followup.replies.alarms import alarm_fallback
from followup.replies.handle import Inbound, handle, process, store
from followup.replies.outcome import Processed
from followup.replies.triage import Level, triage
from followup.replies.triage.check import parse
from followup.settings import Settings
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.web import serving
from followup.web.app import create_app
from followup.web.sections.inbox import ReplyRefused, send_reply
from followup.web.twilio import signed_url, webhook_threads
from tests.conftest import ROOT

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "webhook-test-token"
PUBLIC = "https://followup.example-clinic.org"
CLINIC = "+14025550100"
ANA = "+14025550134"
ROSTER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
    f"P1,Ana,Rivera,{ANA},ana@example.org,en,America/Chicago,yes,yes\n"
)
FIXTURES = ROOT / "tests" / "fixtures"


def test_twilios_published_example_signature_validates_against_our_url_rule() -> None:
    # From Twilio's own request-validator tests: token 12345, this URL, these params.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = signed_url("https://mycompany.com/", "/myapp.php", "foo=1&bar=2")
    assert url == "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert RequestValidator("12345").validate(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


@dataclass
class Server:
    base: str
    engine: Engine
    fake: FakeTwilio

    def post(
        self, path: str, params: dict[str, str], signature: str | None = "compute"
    ) -> tuple[int, str]:
        data = urllib.parse.urlencode(params).encode()
        if signature == "compute":
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode()

    def sms(self, body: str, sid: str, sender: str = ANA) -> tuple[int, str]:
        return self.post(
            "/twilio/sms",
            {"MessageSid": sid, "From": sender, "To": CLINIC, "Body": body, "AccountSid": SID},
        )

    def inbound(self) -> list[InboundMessage]:
        with Session(self.engine) as session:
            return list(session.exec(select(InboundMessage).order_by(InboundMessage.id)))  # type: ignore[arg-type]

    def patient(self) -> Patient:
        with Session(self.engine) as session:
            return session.exec(select(Patient)).one()


@pytest.fixture
def server(engine: Engine, protocol: Protocol, tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "roster.csv").write_text(ROSTER)
    now = datetime.now(UTC)
    start = (now + timedelta(hours=30)).strftime("%Y%m%dT%H%M%SZ")
    end = (now + timedelta(hours=31, minutes=30)).strftime("%Y%m%dT%H%M%SZ")
    (tmp_path / "room.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nX-PATIENT-ID:P1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
    import_files(engine, protocol, window, tmp_path / "roster.csv", [tmp_path / "room.ics"])
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
        with serving(create_app(settings, engine, protocol)) as base:
            yield Server(base, engine, fake)


def test_missing_or_wrong_signature_is_refused_and_nothing_is_stored(server: Server) -> None:
    params = {"MessageSid": "SM1", "From": ANA, "To": CLINIC, "Body": "hello"}
    assert server.post("/twilio/sms", params, signature=None)[0] == 403
    assert server.post("/twilio/sms", params, signature="bm90IGEgc2lnbmF0dXJl")[0] == 403
    assert server.post("/twilio/sms", params, signature="sïgnätüre=")[0] == 403  # not ASCII
    signed_for_other_body = RequestValidator(TOKEN).compute_signature(
        PUBLIC + "/twilio/sms", {**params, "Body": "hi"}
    )
    assert server.post("/twilio/sms", params, signature=signed_for_other_body)[0] == 403
    assert server.inbound() == []


def test_a_body_too_large_for_twilio_is_refused_unread_and_nothing_is_stored(
    server: Server,
) -> None:
    # The form is read before its signature can be checked: anyone can send one.
    params = {"MessageSid": "SMbig", "From": ANA, "To": CLINIC, "Body": "x" * 70_000}
    status, text = server.post("/twilio/sms", params)
    assert (status, text) == (413, "a Twilio webhook is under 64 KiB")
    # Sent in chunks, with no length announced: refused once past the limit.
    host, port = urllib.parse.urlsplit(server.base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=15)
    body = urllib.parse.urlencode(params).encode()
    chunks = (body[at : at + 8192] for at in range(0, len(body), 8192))
    connection.request("POST", "/twilio/sms", body=chunks, encode_chunked=True)
    assert connection.getresponse().status == 413
    connection.close()
    assert server.inbound() == []
    # The longest real SMS, with room to spare, still goes through.
    assert server.sms("y" * 1600, "SMlong")[0] == 200


def test_help_is_answered_in_twiml_with_the_clinics_phone(server: Server) -> None:
    status, body = server.sms("HELP", "SMhelp")
    assert status == 200 and body.startswith("<?xml") and "<Message" in body
    assert "Lakeside Infusion Clinic" in body and "(402) 555-0100" in body
    [stored] = server.inbound()
    assert (stored.kind, stored.body, stored.from_number) == ("help", "HELP", ANA)


def test_the_webhooks_take_only_post_and_other_pages_still_answer(server: Server) -> None:
    # The webhooks are answered in front of the app: the rest of it must be untouched.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server.base + "/twilio/sms", timeout=5)
    refused.value.close()
    assert refused.value.code == 405 and refused.value.headers["Allow"] == "POST"
    with urllib.request.urlopen(server.base + "/healthz", timeout=5) as response:
        assert response.status == 200
    assert server.inbound() == []


def test_twilio_retrying_a_message_stores_it_once_and_answers_the_same(server: Server) -> None:
    first = server.sms("HELP", "SMdup")
    second = server.sms("HELP", "SMdup")
    assert first == second
    assert len(server.inbound()) == 1


def test_unknown_sender_is_stored_for_staff_and_told_nothing_about_patients(server: Server) -> None:
    status, body = server.sms("Hi, is this Ana's clinic?", "SMunknown", sender="+12125550199")
    assert status == 200
    assert "Ana" not in body and "Rivera" not in body and "appointment" not in body.lower()
    [stored] = server.inbound()
    assert stored.kind == "unknown_sender" and stored.needs_attention and stored.patient_id is None


def test_stop_from_a_number_not_in_the_roster_is_honoured_by_the_staff_reply_box(
    server: Server,
) -> None:
    """A relative's phone, a wrong number, a patient not yet imported: STOP is STOP."""
    stranger = "+12125550199"
    channel = TwilioSMSChannel(SID, TOKEN, from_number=CLINIC, base_url=server.fake.base_url)
    status, body = server.sms("STOP", "SMstranger-stop", sender=stranger)
    assert status == 200 and "START" in body  # the opt-out answer, not "call us"
    [stopped] = server.inbound()
    assert stopped.kind == "opt_out" and stopped.patient_id is None
    now = datetime.now(UTC)
    with pytest.raises(ReplyRefused, match="opted out of SMS"):
        send_reply(server.engine, channel, stopped.id or 0, "Who is this?", "nurse", now)
    assert server.fake.deliveries_to(stranger) == []

    # START lifts it: the reply box may answer the number again.
    assert server.sms("START", "SMstranger-start", sender=stranger)[0] == 200
    send_reply(server.engine, channel, stopped.id or 0, "Hello, this is the clinic.", "nurse", now)
    assert [m["body"] for m in server.fake.deliveries_to(stranger)] == [
        "Hello, this is the clinic."
    ]


def test_stop_opts_out_at_once_and_no_planned_sms_leaves_afterwards(
    server: Server, protocol: Protocol
) -> None:
    status, body = server.sms("Stop. Thank you", "SMstop")
    assert status == 200 and "START" in body
    patient = server.patient()
    assert patient.opted_out_at is not None
    with Session(server.engine) as session:
        sms = session.exec(select(ScheduledMessage).where(ScheduledMessage.channel == "sms")).all()
    assert sms and {m.status for m in sms} <= {MessageStatus.SKIPPED, MessageStatus.CANCELLED}
    # Even if a row were still pending, the dispatcher checks again at send time.
    from followup.channels.registry import build_channels
    from followup.dispatch.claim import claim_due
    from followup.dispatch.retry import RetryPolicy
    from followup.dispatch.send import Dispatcher
    from followup.messages.render import Renderer

    settings = Settings(
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=CLINIC,
        twilio_base_url=server.fake.base_url,
    )  # type: ignore[arg-type]
    dispatcher = Dispatcher(
        server.engine,
        protocol,
        Renderer(ROOT / "templates"),
        build_channels(settings),
        RetryPolicy(3, timedelta(seconds=1), timedelta(seconds=1)),
        "t",
    )
    later = datetime.now(UTC) + timedelta(days=10)
    dispatcher.now = lambda: later
    for claimed in claim_due(server.engine, "t", later, timedelta(minutes=5), 100):
        dispatcher.process(claimed.id)
    assert server.fake.messages == []


def test_start_opts_back_in_and_skipped_messages_return(server: Server) -> None:
    server.sms("STOP", "SMs1")
    status, body = server.sms("start", "SMs2")
    assert status == 200 and "STOP" in body
    assert server.patient().opted_out_at is None
    with Session(server.engine) as session:
        statuses = {
            m.status
            for m in session.exec(select(ScheduledMessage).where(ScheduledMessage.channel == "sms"))
        }
    assert MessageStatus.PENDING in statuses


def labelled(label: str, count: int) -> list[str]:
    """`count` messages of a label from the triage corpus, spread across its files."""
    messages = [
        message.text
        for path in sorted((FIXTURES / "triage").glob("*.tsv"))
        for message in parse(path.read_text(encoding="utf-8").splitlines(), path.name)
        if message.label == label
    ]
    step = max(1, len(messages) // count)
    return messages[::step][:count]


# What each label's answer must give, and the alert each raises (None: no alert).
ANSWERS = {
    "crisis": (("988", "(402) 555-0199"), "critical"),
    "medical": (("911", "(402) 555-0199"), "emergency"),
    "urgent": (("(402) 555-0199", "today"), "urgent"),
    "review": ((), None),
    "ordinary": ((), None),
}


@pytest.mark.parametrize("label", list(ANSWERS))
def test_each_kind_of_reply_from_the_corpus_gets_its_answer_and_alert_in_the_same_request(
    server: Server, protocol: Protocol, label: str
) -> None:
    numbers, severity = ANSWERS[label]
    messages = labelled(label, 25)
    assert len(messages) == 25
    on_call = protocol.on_call[0].phone or ""
    for number, text in enumerate(messages):
        status, body = server.sms(text, f"SM{label}{number}")
        assert status == 200, text
        for wanted in numbers:
            assert wanted in body, (text, body)
        if severity is None:
            assert "988" not in body and "911" not in body, text
    with Session(server.engine) as session:
        alerts = session.exec(select(Alert)).all()
        stored = {m.body: m for m in session.exec(select(InboundMessage))}
    if severity is None:
        assert [a.severity for a in alerts if a.severity in ("critical", "emergency")] == []
        assert server.patient().paused_at is None
        # A denial or a recovery is stored at the level triage gives it, with its reasons,
        # and a person reads every one triage puts up for review.
        for text in messages:
            found = triage(text)
            assert stored[text].urgency == found.level.value, text
            if found.level is Level.REVIEW:
                assert stored[text].needs_attention and stored[text].triage, text
        return
    # One alert a message, of the label's severity, paging on-call at once (no worker runs).
    assert len(alerts) == len(messages) and {a.severity for a in alerts} == {severity}
    assert all(stored[text].triage for text in messages)  # the rule and the words, for staff
    assert (server.patient().paused_at is not None) is (severity in ("critical", "emergency"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(server.fake.deliveries_to(on_call)) < len(messages):
        time.sleep(0.1)
    pages = server.fake.deliveries_to(on_call)
    assert len(pages) == len(messages)
    assert all(severity.upper() in page["body"] and "P1" in page["body"] for page in pages)
    # The patient's words stay in the app; one-word messages may equal a rule's name.
    distinctive = [text for text in messages if len(text) > 12]
    assert not any(text in page["body"] for page in pages for text in distinctive)


def test_call_request_lands_on_the_worklist(server: Server, protocol: Protocol) -> None:
    from followup.ops.reports import worklist

    status, body = server.sms("CALL", "SMcall")
    assert status == 200 and "call" in body.lower()
    with Session(server.engine) as session:
        appt = session.exec(select(Appointment)).one()
    assert appt.confirmation == "call_requested"
    kinds = {item.kind for item in worklist(server.engine, protocol, datetime.now(UTC))}
    assert "call_request" in kinds


def test_yes_confirms_the_next_infusion_and_takes_it_off_the_worklist(
    server: Server, protocol: Protocol
) -> None:
    from followup.ops.reports import worklist

    assert {
        i.kind for i in worklist(server.engine, protocol, datetime.now(UTC) + timedelta(hours=10))
    } == {"unconfirmed"}
    assert server.sms("Yes", "SMyes")[0] == 200
    with Session(server.engine) as session:
        assert session.exec(select(Appointment)).one().confirmation == "confirmed"
    assert worklist(server.engine, protocol, datetime.now(UTC) + timedelta(hours=10)) == []


def begin_checkin(server: Server) -> None:
    """What the dispatcher does when the day-1 check-in SMS goes out."""
    from followup.replies.conversations import SurveyStart, start_conversations

    with Session(server.engine) as session:
        appt = session.exec(select(Appointment)).one()
        row = session.exec(
            select(ScheduledMessage).where(ScheduledMessage.step == "checkin_day1")
        ).first()
        assert row is not None
        start = SurveyStart(appt.patient_id, appt.id or 0, row.id or 0, "post_infusion")
        start_conversations(session, [start], datetime.now(UTC), timedelta(hours=24))
        session.commit()


def test_a_whole_checkin_survey_becomes_symptom_reports(server: Server) -> None:
    begin_checkin(server)
    replies = [
        server.sms(text, f"SMsurvey{i}")[1]
        for i, text in enumerate(["about a 6", "nausea, headache", "slept a lot"])
    ]
    assert "Thank" in replies[2]
    with Session(server.engine) as session:
        reports = [(r.question, r.value, r.text) for r in session.exec(select(SymptomReport))]
    assert [q for q, _, _ in reports] == ["mood", "side_effects", "anything_else"]
    assert reports[0][1] == 6.0
    assert "nausea" in (reports[1][2] or "") and "headache" in (reports[1][2] or "")
    assert "slept a lot" in (reports[2][2] or "")


def test_low_mood_score_raises_a_high_alert(server: Server) -> None:
    begin_checkin(server)
    assert server.sms("1", "SMlow")[0] == 200
    with Session(server.engine) as session:
        alerts = session.exec(select(Alert)).all()
    assert [(a.severity, "mood" in a.reason) for a in alerts] == [("high", True)]


def test_an_unreadable_answer_is_kept_asked_again_once_and_reaches_a_person(
    server: Server,
) -> None:
    begin_checkin(server)
    status, body = server.sms("pretty meh honestly", "SMmeh")
    assert status == 200 and "0" in body and "10" in body
    with Session(server.engine) as session:
        [report] = session.exec(select(SymptomReport)).all()
    assert report.value is None and report.text == "pretty meh honestly"
    [stored] = server.inbound()
    assert stored.needs_attention and stored.urgency == "review"


def conversation_ended(server: Server) -> bool:
    with Session(server.engine) as session:
        return session.exec(select(Conversation)).one().ended_at is not None


def wait_for_pages(server: Server, phone: str, count: int) -> list[dict[str, str]]:
    """The on-call pages the fake Twilio received, waiting up to 10 s for `count`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(server.fake.deliveries_to(phone)) < count:
        time.sleep(0.1)
    return server.fake.deliveries_to(phone)


def test_a_crisis_given_as_a_survey_answer_gets_988_pages_and_ends_the_survey(
    server: Server, protocol: Protocol
) -> None:
    begin_checkin(server)
    status, body = server.sms("3. I have my pills saved up for this weekend", "SMsc")
    assert status == 200 and "988" in body and "(402) 555-0199" in body
    assert "scale of 0 to 10" not in body  # not asked the next question
    with Session(server.engine) as session:
        [alert] = session.exec(select(Alert)).all()
        [report] = session.exec(select(SymptomReport)).all()
    assert alert.severity == "critical"
    assert (report.question, report.value) == ("mood", 3.0)  # the answer is kept
    assert conversation_ended(server) and server.patient().paused_at is not None
    [stored] = server.inbound()
    assert stored.kind == "crisis" and stored.urgency == "crisis" and stored.needs_attention
    [page] = wait_for_pages(server, protocol.on_call[0].phone or "", 1)
    assert "CRITICAL" in page["body"]


def test_a_red_flag_in_a_free_text_answer_is_an_emergency_with_911(
    server: Server, protocol: Protocol
) -> None:
    begin_checkin(server)
    server.sms("6", "SMfx1")
    status, body = server.sms("3, and chest pain that won't go away", "SMfx2")
    assert status == 200 and "911" in body and "(402) 555-0199" in body
    with Session(server.engine) as session:
        [alert] = session.exec(select(Alert)).all()
        reports = {r.question: r for r in session.exec(select(SymptomReport))}
    assert alert.severity == "emergency" and "chest pain" in alert.reason
    # Kept as written for the nurse who calls: the words go beyond the numbered options.
    assert reports["side_effects"].text == "3, and chest pain that won't go away"
    assert conversation_ended(server)
    [page] = wait_for_pages(server, protocol.on_call[0].phone or "", 1)
    assert "EMERGENCY" in page["body"]


def test_option_numbers_still_flag_and_a_bladder_complaint_in_words_is_urgent(
    server: Server,
) -> None:
    begin_checkin(server)
    server.sms("6", "SMb1")
    status, body = server.sms("5", "SMb2")  # option 5: bladder or urinary pain
    assert status == 200 and "911" not in body and "988" not in body
    assert not conversation_ended(server)  # the survey goes on to its next question
    with Session(server.engine) as session:
        [flagged] = session.exec(select(Alert)).all()
    assert "bladder" in flagged.reason
    [_, stored] = server.inbound()
    assert stored.urgency == "urgent"  # its alert puts it high in the inbox

    server.sms("fine", "SMb3")
    begin_checkin(server)
    server.sms("7", "SMb4")
    status, body = server.sms("5 and my bladder is killing me, I can barely pee", "SMb5")
    assert status == 200 and "(402) 555-0199" in body and "today" in body
    assert "988" not in body  # "killing me" about a bladder is not a crisis
    with Session(server.engine) as session:
        severities = [a.severity for a in session.exec(select(Alert).order_by(Alert.id))]  # type: ignore[arg-type]
        answers = [
            r.text for r in session.exec(select(SymptomReport)) if r.question == "side_effects"
        ]
    assert severities[-1] == "urgent"
    assert len(answers) == 2 and "bladder" in (answers[-1] or "")
    with Session(server.engine) as session:
        assert all(c.ended_at for c in session.exec(select(Conversation)))


def test_status_callback_records_delivery_and_21610_opts_the_patient_out(server: Server) -> None:
    with Session(server.engine) as session:
        row = session.exec(
            select(ScheduledMessage).where(ScheduledMessage.channel == "sms")
        ).first()
        assert row is not None
        row.status, row.provider_id = MessageStatus.SENT, "SMdelivered"
        session.add(row)
        session.commit()
        row_id = row.id
    assert (
        server.post(
            "/twilio/status",
            {"MessageSid": "SMdelivered", "MessageStatus": "undelivered", "ErrorCode": "21610"},
        )[0]
        == 200
    )
    with Session(server.engine) as session:
        row = session.get(ScheduledMessage, row_id)
        assert (
            row is not None
            and row.status == MessageStatus.UNDELIVERED
            and row.error_code == "21610"
        )
    assert server.patient().opted_out_at is not None
    assert (
        server.post("/twilio/status", {"MessageSid": "SMnobody", "MessageStatus": "delivered"})[0]
        == 200
    )
    assert (
        server.post(
            "/twilio/status",
            {"MessageSid": "SMnobody", "MessageStatus": "delivered"},
            signature=None,
        )[0]
        == 403
    )


def test_a_delivery_report_that_overtakes_the_recording_of_its_send_is_kept(
    server: Server,
) -> None:
    """A worker records a batch's sends about once a second; Twilio may report sooner."""
    with Session(server.engine) as session:
        row = session.exec(
            select(ScheduledMessage).where(ScheduledMessage.channel == "sms")
        ).first()
        assert row is not None
        row.status, row.lease_owner = MessageStatus.CLAIMED, "worker-1"
        session.add(row)
        session.commit()
        row_id = row.id
    callback = f"/twilio/status?message={row_id}"
    form = {"MessageSid": "SMearly", "MessageStatus": "delivered"}
    assert server.post(callback, form)[0] == 200
    with Session(server.engine) as session:
        row = session.get(ScheduledMessage, row_id)
        assert row is not None
        assert row.status == MessageStatus.DELIVERED and row.provider_id == "SMearly"
    # Another message's id cannot be hijacked by a report about a different sid.
    assert server.post(callback, {"MessageSid": "SMother", "MessageStatus": "failed"})[0] == 200
    with Session(server.engine) as session:
        row = session.get(ScheduledMessage, row_id)
        assert row is not None and row.status == MessageStatus.DELIVERED


@pytest.fixture
def broken_templates(tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "templates-broken"
    shutil.copytree(ROOT / "templates", copy)
    (copy / "en" / "reply_help" / "sms.txt.j2").write_text("{{ clinic_nmae }}\n")
    (copy / "en" / "reply_crisis" / "sms.txt.j2").write_text("{% if %}\n")
    return copy


@pytest.fixture
def broken_server(
    engine: Engine, protocol: Protocol, tmp_path: Path, broken_templates: Path
) -> Iterator[Server]:
    (tmp_path / "roster.csv").write_text(ROSTER)
    import_files(
        engine,
        protocol,
        ImportWindow(datetime.now(UTC), timedelta(days=1), timedelta(days=1)),
        tmp_path / "roster.csv",
        [],
    )
    with FakeTwilio(SID, TOKEN) as fake:
        settings = Settings(
            database_url=str(engine.url),
            public_url=PUBLIC,
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,  # type: ignore[arg-type]
            twilio_from_number=CLINIC,
            twilio_base_url=fake.base_url,
            templates_dir=broken_templates,
        )
        with serving(create_app(settings, engine, protocol)) as base:
            yield Server(base, engine, fake)


def test_a_message_that_fails_processing_is_kept_flagged_and_twilio_gets_200(
    broken_server: Server,
) -> None:
    status, body = broken_server.sms("HELP", "SMbroken")
    assert status == 200 and "<Message" not in body
    [stored] = broken_server.inbound()
    assert stored.body == "HELP" and stored.needs_attention and stored.kind == "error"
    assert stored.processing_error and "clinic_nmae" in stored.processing_error


def test_a_broken_crisis_template_still_answers_with_988_and_alerts(broken_server: Server) -> None:
    status, body = broken_server.sms("I want to end my life", "SMbrokencrisis")
    assert (status == 200 and "988" in body and "(402) 555-0199" in body) or "+14025550199" in body
    with Session(broken_server.engine) as session:
        assert [a.severity for a in session.exec(select(Alert))] == ["critical"]


def test_yes_from_an_opted_out_patient_opts_back_in(server: Server) -> None:
    server.sms("STOP", "SMy1")
    assert server.patient().opted_out_at is not None
    assert server.sms("YES", "SMy2")[0] == 200
    assert server.patient().opted_out_at is None


def test_an_undelivered_crisis_answer_is_recorded_on_the_alert(server: Server) -> None:
    status, body = server.sms("i want to die", "SMcr")
    assert status == 200 and "988" in body
    reply_id = body.split("reply=")[1].split('"')[0]
    callback = f"/twilio/status?reply={reply_id}"
    assert (
        server.post(
            callback, {"MessageSid": "SMreply1", "MessageStatus": "failed", "ErrorCode": "21610"}
        )[0]
        == 200
    )
    with Session(server.engine) as session:
        [alert] = session.exec(select(Alert)).all()
    assert alert.reply_error == "crisis reply failed (21610)"
    assert server.patient().opted_out_at is not None


def test_a_crisis_message_that_also_says_stop_gets_988_and_is_honoured_as_an_opt_out(
    server: Server,
) -> None:
    status, body = server.sms("please stop texting me, i want to die", "SMstopcrisis")
    assert status == 200 and "988" in body
    assert server.patient().opted_out_at is not None
    with Session(server.engine) as session:
        assert [a.severity for a in session.exec(select(Alert))] == ["critical"]
        pending = session.exec(
            select(ScheduledMessage).where(
                ScheduledMessage.channel == "sms", ScheduledMessage.status == MessageStatus.PENDING
            )
        ).all()
    assert pending == []


def test_a_shared_phone_credits_the_survey_answer_to_the_family_member_mid_survey(
    server: Server,
) -> None:
    # Ana is first on file; her brother, added later with the same phone, is mid-survey.
    now = datetime.now(UTC)
    with Session(server.engine) as session:
        brother = Patient(
            external_id="P2",
            first_name="Ben",
            last_name="Rivera",
            phone=ANA,
            language="en",
            timezone="America/Chicago",
            sms_consent=True,
            email_consent=False,
            created_at=now,
            updated_at=now,
        )
        session.add(brother)
        session.flush()
        session.add(
            Conversation(
                patient_id=brother.id or 0,
                survey="post_infusion",
                started_at=now,
                expires_at=now + timedelta(hours=24),
            )
        )
        session.commit()
        brother_id = brother.id
    assert server.sms("about a 6", "SMfamily")[0] == 200
    with Session(server.engine) as session:
        [report] = session.exec(select(SymptomReport)).all()
    [stored] = server.inbound()
    assert (report.patient_id, report.question, report.value) == (brother_id, "mood", 6.0)
    assert stored.patient_id == brother_id and stored.kind == "survey_answer"


def test_a_reply_after_the_survey_expired_closes_it_and_goes_to_the_care_team(
    server: Server,
) -> None:
    begin_checkin(server)
    expired = datetime.now(UTC) - timedelta(minutes=1)
    with Session(server.engine) as session:
        conversation = session.exec(select(Conversation)).one()
        conversation.expires_at = expired
        session.add(conversation)
        session.commit()
    status, body = server.sms("about a 6", "SMlate")
    assert status == 200 and "care team" in body
    with Session(server.engine) as session:
        conversation = session.exec(select(Conversation)).one()
        assert session.exec(select(SymptomReport)).all() == []
    assert conversation.ended_at == expired
    [stored] = server.inbound()
    assert stored.kind == "free_text" and stored.needs_attention


def test_a_message_retried_while_its_first_delivery_is_handled_is_stored_once(
    server: Server,
) -> None:
    # Twilio may retry before our first answer reached it: the copies race each other.
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: server.sms("HELP", "SMrace"), range(8)))
    assert {status for status, _ in answers} == {200}
    # Every copy gets the first copy's answer, even one that came while it was at work.
    assert len({body for _, body in answers}) == 1
    assert "(402) 555-0100" in answers[0][1]
    [stored] = server.inbound()
    assert stored.kind == "help"
    with Session(server.engine) as session:
        assert len(session.exec(select(ReplyMessage)).all()) == 1


def test_many_senders_at_once_are_all_stored_processed_and_answered(server: Server) -> None:
    # More than the thread pool and the connection pool hold: none may fail or be dropped.
    bodies = ["HELP", "ok thank you", "What time should I arrive?", "about a 6"]
    with ThreadPoolExecutor(48) as pool:
        answers = list(pool.map(lambda n: server.sms(bodies[n % 4], f"SMmany{n:03d}"), range(96)))
    assert [status for status, _ in answers] == [200] * 96
    assert all("<Message" in body for _, body in answers)
    stored = server.inbound()
    assert len(stored) == 96 and all(message.kind != "received" for message in stored)
    with Session(server.engine) as session:
        assert len(session.exec(select(ReplyMessage)).all()) == 96


def test_webhooks_take_one_thread_on_sqlite_and_one_per_pooled_connection_elsewhere(
    engine: Engine,
) -> None:
    # SQLite has one writer: more threads only sleep in its busy handler. A server database
    # gets as many as the pool holds, so no request queues for a connection and times out.
    expected = 1 if engine.dialect.name == "sqlite" else engine.pool.size()  # type: ignore[attr-defined]
    assert webhook_threads(engine) == expected
    assert webhook_threads(make_engine(str(engine.url), pool_size=3)) == (
        1 if engine.dialect.name == "sqlite" else 3
    )


STRANGER = "+12125550177"


def test_a_retry_that_overtakes_the_first_copy_processes_it_once(
    engine: Engine, protocol: Protocol
) -> None:
    renderer = Renderer(ROOT / "templates")
    inbound = Inbound("SMovertaken", STRANGER, CLINIC, "Hello, who is this?")
    now = datetime.now(UTC)
    [(message_id, new)] = store(engine, [inbound], now)  # the first copy, not yet processed
    assert new

    def first_copy_finishes() -> Processed:
        time.sleep(0.5)  # the retry arrives meanwhile and takes the message
        [handled] = process(engine, protocol, renderer, [(message_id, inbound)], now)
        return handled

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(first_copy_finishes)
        retry = handle(engine, protocol, renderer, inbound, now)

    assert retry.reply is not None and "(402) 555-0100" in retry.reply
    assert first.result() is None  # found it processed: nothing done twice
    with Session(engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1
        assert len(session.exec(select(ReplyMessage)).all()) == 1


@pytest.mark.parametrize("body", ["I want to kill myself", "Hello, who is this?"])
def test_a_retry_whose_first_copy_died_before_processing_is_processed_in_full(
    engine: Engine, protocol: Protocol, body: str
) -> None:
    inbound = Inbound("SMlost", STRANGER, CLINIC, body)
    store(engine, [inbound], datetime.now(UTC))  # the first copy died before processing

    retry = handle(engine, protocol, Renderer(ROOT / "templates"), inbound, datetime.now(UTC))

    assert retry.reply is not None
    with Session(engine) as session:
        [message] = session.exec(select(InboundMessage)).all()
        alerts = session.exec(select(Alert)).all()
    if "kill" in body:
        assert "988" in retry.reply and retry.reply != alarm_fallback(protocol)  # its template
        assert message.kind == "crisis" and [a.severity for a in alerts] == ["critical"]
    else:
        assert message.kind == "unknown_sender" and alerts == []


@pytest.mark.parametrize(
    ("body", "gets_the_crisis_line"),
    [("I want to kill myself", True), ("Hello, who is this?", False)],
)
def test_a_retry_of_a_message_processed_without_an_answer_still_gives_a_crisis_the_line(
    engine: Engine,
    protocol: Protocol,
    monkeypatch: pytest.MonkeyPatch,
    body: str,
    gets_the_crisis_line: bool,
) -> None:
    monkeypatch.setattr(recovery, "RETRY_WAIT_SECONDS", 0.3)
    inbound = Inbound("SMlost", STRANGER, CLINIC, body)
    [(message_id, _)] = store(engine, [inbound], datetime.now(UTC))
    with Session(engine) as session:  # flagged as an error, its answer never stored
        message = session.get(InboundMessage, message_id)
        assert message is not None
        message.kind = "error"
        session.add(message)
        session.commit()

    retry = handle(engine, protocol, Renderer(ROOT / "templates"), inbound, datetime.now(UTC))

    if gets_the_crisis_line:
        assert retry.reply == alarm_fallback(protocol)
        assert "988" in retry.reply
    else:
        assert retry.reply is None
