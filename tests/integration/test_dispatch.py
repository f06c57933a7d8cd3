"""The dispatcher end to end: planned rows in a real database, sent through real channels.

Rows are planned by `import_files` from a roster and a calendar, exactly as in production;
templates are the shipped ones; SMS goes through the real twilio SDK to FakeTwilio on
127.0.0.1 and email to the outbox. Time is a `Clock` handed to the Dispatcher, never slept.

Simulated times lie in the past on purpose: FakeTwilio stamps `date_created` with the real
clock while the dispatcher records `in_flight_since` with the simulated one, so a lookup
after an uncertain send only finds a message when simulated time is not ahead of real time.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, col, select

from followup.alerts import acknowledge
from followup.calendar.importing import ImportWindow, import_files
from followup.channels.base import Channel, ChannelName, Envelope, Receipt
from followup.channels.outbox import OutboxChannel
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.db.models import (
    Alert,
    AlertNotification,
    Appointment,
    AppointmentStatus,
    MessageStatus,
    Patient,
    ScheduledMessage,
)
from followup.dispatch.batch import Outcome
from followup.dispatch.claim import claim_due
from followup.dispatch.retry import RetryPolicy
from followup.dispatch.runner import DispatchRunner, Lane
from followup.dispatch.send import Dispatcher
from followup.messages.render import Renderer
from followup.protocol import Protocol, reveals_treatment
from followup.replies.status import record_status
from followup.testing import FakeTwilio
from tests.conftest import ROOT

ACCOUNT_SID = "AC" + "5a1e" * 8
AUTH_TOKEN = "dispatch-test-token-7d1e"
FROM_NUMBER = "+15005550006"
PHONE = "+14025550134"  # the roster writes it "(402) 555-0134"
EMAIL = "ana.rivera@example.org"
CLINIC = "Lakeside Infusion Clinic"

ROSTER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
    f"P1,Ana,Rivera,(402) 555-0134,{EMAIL},en,America/New_York,yes,yes\n"
)

# Planned a fortnight ahead. The infusion is Wednesday 15 April 2026, 14:00-15:30 in New
# York (EDT, UTC-4), so the plan, in UTC, is:
PLANNED_AT = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
PREPARATION_DUE = datetime(2026, 4, 13, 18, 0, tzinfo=UTC)  # 48h before, 14:00 local
REMINDER_DUE = datetime(2026, 4, 15, 16, 0, tzinfo=UTC)  # 2h before, 12:00 local
INFUSION_START = datetime(2026, 4, 15, 18, 0, tzinfo=UTC)
DISCHARGE_DUE = datetime(2026, 4, 15, 19, 30, tzinfo=UTC)  # at the end, 15:30 local
CHECKIN_DAY1_DUE = datetime(2026, 4, 16, 14, 0, tzinfo=UTC)  # 10:00 local the next day


class Event(NamedTuple):
    uid: str
    start: str
    end: str
    extra: str = ""  # more ICS lines, e.g. "STATUS:CANCELLED\r\nSEQUENCE:1\r\n"


INFUSION = Event("a1", "20260415T180000Z", "20260415T193000Z")

LEASE = timedelta(minutes=5)
RETRY = RetryPolicy(max_attempts=3, base=timedelta(seconds=10), cap=timedelta(minutes=2))
# A phrase of the rendered preparation SMS that no log line may quote.
PREPARATION_PHRASE = "Arrange a ride home"


@dataclass(slots=True)
class Clock:
    """The dispatcher's `now`: moved by the test, never by the wall clock."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


class WorkerDied(BaseException):
    """The worker process died: nothing after this point of `process` ran."""


@dataclass(slots=True)
class DyingSMS:
    """The real Twilio channel in a worker that dies during the send.

    With `after_twilio_took_it`, the request reached Twilio and the process died before
    the answer was recorded; without it, the process died before the request left.
    """

    inner: TwilioSMSChannel
    after_twilio_took_it: bool
    name: ChannelName = "sms"
    provider: str = "twilio"
    receipts: list[Receipt] = field(default_factory=list)

    def send(self, envelope: Envelope) -> Receipt:
        if self.after_twilio_took_it:
            self.receipts.append(self.inner.send(envelope))
        raise WorkerDied


@dataclass(slots=True)
class World:
    """One patient with one infusion planned, a fake Twilio, the outbox and a clock."""

    engine: Engine
    protocol: Protocol
    fake: FakeTwilio
    sms: TwilioSMSChannel
    email: OutboxChannel
    clock: Clock
    renderer: Renderer
    tmp_path: Path

    def dispatcher(
        self,
        owner: str = "worker-1",
        *,
        sms: Channel | None = None,
        renderer: Renderer | None = None,
        retry: RetryPolicy = RETRY,
    ) -> Dispatcher:
        return Dispatcher(
            engine=self.engine,
            protocol=self.protocol,
            renderer=renderer or self.renderer,
            channels={"sms": sms or self.sms, "email": self.email},
            retry=retry,
            owner=owner,
            now=self.clock,
        )

    def runner(self, dispatcher: Dispatcher | None = None) -> DispatchRunner:
        lanes = {"sms": Lane(2, 100.0, "test:sms"), "email": Lane(2, 100.0, "test:email")}
        return DispatchRunner(dispatcher or self.dispatcher(), lanes, LEASE, batch_size=10)

    def claim(self, owner: str = "worker-1") -> list[int]:
        # claim_due returns (id, channel, ...) tuples; only the id matters here.
        return [claimed[0] for claimed in claim_due(self.engine, owner, self.clock(), LEASE, 100)]

    def dispatch(self, dispatcher: Dispatcher | None = None) -> dict[int, Outcome]:
        """Claim everything due now and process it, as one pass of a worker."""
        worker = dispatcher or self.dispatcher()
        return {i: worker.process(i) for i in self.claim(worker.owner)}

    def at(self, moment: datetime) -> dict[int, Outcome]:
        """Move the clock to `moment` and run one pass of the worker."""
        self.clock.at = moment
        return self.dispatch()

    def row(self, step: str, channel: str, uid: str = "a1") -> ScheduledMessage:
        with Session(self.engine) as session:
            return session.exec(
                select(ScheduledMessage)
                .join(Appointment)
                .where(
                    Appointment.source_uid == uid,
                    ScheduledMessage.step == step,
                    ScheduledMessage.channel == channel,
                )
            ).one()

    def rows(self) -> list[ScheduledMessage]:
        with Session(self.engine) as session:
            return list(session.exec(select(ScheduledMessage).order_by(col(ScheduledMessage.id))))

    def patient(self) -> Patient:
        with Session(self.engine) as session:
            return session.exec(select(Patient).where(Patient.external_id == "P1")).one()

    def update_patient(self, **values: object) -> None:
        with Session(self.engine) as session:
            patient = session.exec(select(Patient).where(Patient.external_id == "P1")).one()
            for key, value in values.items():
                setattr(patient, key, value)
            session.add(patient)
            session.commit()

    def plan(self, *events: Event, now: datetime = PLANNED_AT) -> None:
        """Import the roster and a calendar of these events at `now`, as a sync would."""
        roster = self.tmp_path / "roster.csv"
        roster.write_text(ROSTER)
        calendar = self.tmp_path / "room.ics"
        calendar.write_text(ics(*events))
        window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
        reports = import_files(self.engine, self.protocol, window, roster, [calendar])
        assert [r.error for r in reports] == [None, None]
        assert all(not r.counts.rejected for r in reports)


def one_at_a_time(
    dispatcher: Dispatcher,
    batch_size: int,
    *,
    rate: float = 1000.0,
    lease: timedelta = LEASE,
    flush_seconds: float = 1.0,
) -> DispatchRunner:
    """A runner with one sending thread per channel, so what goes when is predictable."""
    lanes = {"sms": Lane(1, rate, "test:sms"), "email": Lane(1, rate, "test:email")}
    return DispatchRunner(dispatcher, lanes, lease, batch_size, flush_seconds=flush_seconds)


def columns(row: ScheduledMessage) -> dict[str, object]:
    return {name: getattr(row, name) for name in ScheduledMessage.model_fields}


def ics(*events: Event) -> str:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{e.uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{e.start}\r\n"
        f"DTEND:{e.end}\r\nX-PATIENT-ID:P1\r\n{e.extra}END:VEVENT\r\n"
        for e in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def twilio_channel(fake: FakeTwilio, timeout: float = 2.0) -> TwilioSMSChannel:
    return TwilioSMSChannel(
        ACCOUNT_SID, AUTH_TOKEN, from_number=FROM_NUMBER, base_url=fake.base_url, timeout=timeout
    )


@pytest.fixture
def world(engine: Engine, protocol: Protocol, tmp_path: Path) -> Iterator[World]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        sms = twilio_channel(fake)
        email = OutboxChannel("email")
        try:
            planned = World(
                engine=engine,
                protocol=protocol,
                fake=fake,
                sms=sms,
                email=email,
                clock=Clock(PLANNED_AT),
                renderer=Renderer(ROOT / "templates"),
                tmp_path=tmp_path,
            )
            planned.plan(INFUSION)
            yield planned
        finally:
            sms.close()
            email.close()


# -- a due message goes out once -------------------------------------------------------------


def test_a_due_sms_reaches_twilio_once_with_the_patients_number_and_the_rendered_body(
    world: World,
) -> None:
    world.clock.at = PREPARATION_DUE
    prep = world.row("preparation", "sms")

    outcomes = world.dispatch()

    assert outcomes[prep.id or 0] == "sent"
    [form] = world.fake.forms
    assert form["To"] == PHONE and form["From"] == FROM_NUMBER
    assert form["ValidityPeriod"] == "36000"  # Twilio's longest; it expires in 48h
    body = form["Body"]
    assert body.startswith(f"Hi Ana, this is {CLINIC}.")
    assert "Wednesday, April 15 at 2:00 PM" in body  # the infusion in the patient's zone
    assert "no food for 6 hours" in body
    assert not reveals_treatment(body)  # the clinic is named, the drug never
    [message] = world.fake.messages
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.SENT
    assert row.provider_id == message["sid"]
    assert row.sent_at == PREPARATION_DUE
    assert row.in_flight_since is None
    assert row.body == body
    assert row.attempts == 1
    assert row.lease_owner is None and row.lease_expires_at is None
    assert row.error_code is None and row.error_text is None


def test_the_email_of_the_same_step_goes_to_the_outbox_not_to_twilio(world: World) -> None:
    world.at(PREPARATION_DUE)

    row = world.row("preparation", "email")
    assert row.status == MessageStatus.SENT
    assert row.provider_id is not None and row.provider_id.startswith("outbox-")
    assert row.body is not None and f"Your infusion at {CLINIC}" in row.body
    assert [m["to"] for m in world.fake.messages] == [PHONE]  # only the SMS went to Twilio


def test_running_the_runner_again_and_again_sends_each_message_exactly_once(
    world: World,
) -> None:
    runner = world.runner()
    try:
        first = runner.run_until_idle()
        for moment in (PREPARATION_DUE, REMINDER_DUE, DISCHARGE_DUE, CHECKIN_DAY1_DUE):
            world.clock.at = moment
            runner.run_until_idle()
            runner.run_until_idle()  # the same moment again: nothing left to send
            world.clock.advance(timedelta(minutes=1))
            assert runner.run_once().claimed == 0
    finally:
        runner.close()

    assert first.claimed == 0  # nothing was due when the plan was made
    sent = [r for r in world.rows() if r.status == MessageStatus.SENT]
    assert {(r.step, r.channel) for r in sent} == {
        ("preparation", "sms"),
        ("preparation", "email"),
        ("reminder", "sms"),
        ("discharge", "sms"),
        ("discharge", "email"),
        ("checkin_day1", "sms"),
    }
    sms_bodies = [r.body for r in sent if r.channel == "sms"]
    assert world.fake.count_by_body() == dict.fromkeys(sms_bodies, 1)
    assert len(world.fake.forms) == 4
    assert {m["sid"] for m in world.fake.messages} == {
        r.provider_id for r in sent if r.channel == "sms"
    }


# -- the provider says "not now" or "never" ------------------------------------------------


def test_a_rate_limited_sms_waits_at_least_retry_after_and_then_goes_once(world: World) -> None:
    world.fake.fail_next(1, status=429, retry_after=90)
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0

    assert world.dispatch()[prep_id] == "retry"

    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.PENDING
    assert row.attempts == 1
    assert row.not_before is not None and row.not_before >= PREPARATION_DUE + timedelta(seconds=90)
    assert row.error_code == "20429"
    assert row.error_text is not None and "too many requests" in row.error_text
    assert row.in_flight_since is None  # Twilio answered: nothing went out
    assert row.lease_owner is None
    assert world.fake.messages == []

    world.clock.at = row.not_before - timedelta(seconds=1)
    assert world.claim() == []  # not before its time

    world.clock.at = row.not_before
    assert world.dispatch() == {prep_id: "sent"}
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.SENT
    assert row.attempts == 2
    assert row.error_code is None and row.error_text is None
    [message] = world.fake.messages
    assert row.provider_id == message["sid"]


def test_server_errors_until_max_attempts_leave_the_message_dead_with_the_last_error(
    world: World,
) -> None:
    world.fake.fail_next(10, status=500)
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0

    outcomes: list[Outcome | None] = []
    for _ in range(RETRY.max_attempts):
        outcomes.append(world.dispatch().get(prep_id))
        not_before = world.row("preparation", "sms").not_before
        if not_before is not None:
            world.clock.at = max(world.clock.at, not_before)  # exactly when it may go again

    assert outcomes == ["retry", "retry", "dead"]
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.DEAD
    assert row.status_reason == "retries used up"
    assert row.attempts == RETRY.max_attempts
    assert row.error_code == "20500"
    assert row.error_text == "twilio: server error (HTTP 500, error 20500)"
    assert row.in_flight_since is None and row.lease_owner is None and row.sent_at is None
    assert world.fake.messages == []
    assert world.fake.requests == RETRY.max_attempts

    world.clock.advance(timedelta(days=1))
    world.dispatch()
    # A dead message is never tried again (the day's other messages go as usual).
    row = world.row("preparation", "sms")
    assert (row.status, row.attempts) == (MessageStatus.DEAD, RETRY.max_attempts)


def test_an_unsubscribed_number_fails_once_opts_the_patient_out_and_email_still_goes(
    world: World,
) -> None:
    world.fake.fail_for(PHONE, status=400, code=21610)  # the patient replied STOP
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0

    assert world.dispatch()[prep_id] == "failed"

    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.FAILED
    assert row.error_code == "21610"
    assert row.attempts == 1 and row.not_before is None
    assert world.patient().opted_out_at == PREPARATION_DUE
    assert world.patient().sms_unreachable_at is None
    assert world.row("preparation", "email").status == MessageStatus.SENT

    world.at(REMINDER_DUE)
    world.at(DISCHARGE_DUE)

    assert world.row("preparation", "sms").status == MessageStatus.FAILED  # not retried
    for step in ("reminder", "discharge"):
        skipped = world.row(step, "sms")
        assert skipped.status == MessageStatus.SKIPPED
        assert skipped.status_reason == "opted out of SMS"
        assert skipped.attempts == 0
    discharge_email = world.row("discharge", "email")
    assert discharge_email.status == MessageStatus.SENT
    assert discharge_email.provider_id is not None
    assert discharge_email.provider_id.startswith("outbox-")
    assert world.fake.requests == 1 and world.fake.messages == []


def test_an_invalid_number_fails_marks_the_phone_unreachable_and_later_sms_are_skipped(
    world: World,
) -> None:
    world.fake.fail_for(PHONE, status=400, code=21211)
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0

    assert world.dispatch()[prep_id] == "failed"

    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.FAILED
    assert row.error_code == "21211"
    patient = world.patient()
    assert patient.sms_unreachable_at == PREPARATION_DUE
    assert patient.sms_unreachable_reason is not None
    assert patient.sms_unreachable_reason.startswith("21211: ")
    assert PHONE not in patient.sms_unreachable_reason
    assert patient.opted_out_at is None

    world.at(REMINDER_DUE)

    reminder = world.row("reminder", "sms")
    assert reminder.status == MessageStatus.SKIPPED
    assert reminder.status_reason == "the phone number cannot receive SMS"
    assert world.fake.requests == 1


# -- uncertain sends: never twice -------------------------------------------------------------


def test_a_timeout_after_twilio_took_the_message_is_recorded_sent_without_a_second_post(
    world: World,
) -> None:
    slow = twilio_channel(world.fake, timeout=0.3)
    world.fake.accept_then_hang(1, seconds=5)
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0
    try:
        outcomes = world.dispatch(world.dispatcher(sms=slow))
    finally:
        slow.close()

    assert outcomes[prep_id] == "sent"
    [form] = world.fake.forms  # one POST: the lookup found it, nothing was sent again
    [message] = world.fake.messages
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.SENT
    assert row.provider_id == message["sid"]
    assert row.body == form["Body"]
    assert row.in_flight_since is None
    assert row.attempts == 1


def _crash_while_sending(world: World, *, after_twilio_took_it: bool) -> tuple[int, DyingSMS]:
    """Worker 1 claims the due preparation SMS and dies in the middle of sending it."""
    world.clock.at = PREPARATION_DUE
    dying = DyingSMS(world.sms, after_twilio_took_it=after_twilio_took_it)
    prep_id = world.row("preparation", "sms").id or 0
    assert prep_id in world.claim("worker-1")
    with pytest.raises(WorkerDied):
        world.dispatcher("worker-1", sms=dying).process(prep_id)
    # What the dead worker left behind: claimed, in flight, body stored.
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.CLAIMED and row.lease_owner == "worker-1"
    assert row.in_flight_since == PREPARATION_DUE
    assert row.attempts == 1
    assert row.body is not None and PREPARATION_PHRASE in row.body
    assert row.provider_id is None and row.sent_at is None
    return prep_id, dying


def test_a_message_twilio_took_before_the_worker_died_is_found_and_not_sent_again(
    world: World,
) -> None:
    prep_id, dying = _crash_while_sending(world, after_twilio_took_it=True)
    [receipt] = dying.receipts
    assert len(world.fake.messages) == 1

    world.clock.at = PREPARATION_DUE + timedelta(minutes=1)
    assert prep_id not in world.claim("worker-2")  # the dead worker's lease still holds

    world.clock.at = PREPARATION_DUE + LEASE + timedelta(seconds=1)
    outcomes = world.dispatch(world.dispatcher("worker-2"))

    assert outcomes[prep_id] == "sent"
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.SENT
    assert row.provider_id == receipt.provider_id
    assert row.in_flight_since is None and row.lease_owner is None
    assert len(world.fake.forms) == 1
    assert world.fake.count_by_body() == {row.body: 1}


def test_a_message_that_never_left_before_the_worker_died_is_sent_exactly_once(
    world: World,
) -> None:
    prep_id, _ = _crash_while_sending(world, after_twilio_took_it=False)
    assert world.fake.messages == []

    world.clock.at = PREPARATION_DUE + LEASE + timedelta(seconds=1)
    outcomes = world.dispatch(world.dispatcher("worker-2"))

    assert outcomes[prep_id] == "sent"
    [form] = world.fake.forms
    [message] = world.fake.messages
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.SENT
    assert row.provider_id == message["sid"]
    assert row.body == form["Body"]
    assert row.attempts == 2
    assert row.in_flight_since is None


def test_a_message_twilio_took_before_the_worker_died_stays_sent_when_retaken_after_expiry(
    world: World,
) -> None:
    # The same crash, but the lease runs out after the infusion started (the preparation
    # message's expiry): the patient has the text, so the record must say so.
    _, dying = _crash_while_sending(world, after_twilio_took_it=True)
    [receipt] = dying.receipts

    world.clock.at = INFUSION_START + timedelta(minutes=1)
    world.dispatch(world.dispatcher("worker-2"))

    row = world.row("preparation", "sms")
    assert len(world.fake.forms) == 1
    assert (row.status, row.provider_id) == (MessageStatus.SENT, receipt.provider_id)
    assert row.in_flight_since is None and row.lease_owner is None
    assert row.status_reason is None


# -- send-time checks ----------------------------------------------------------------------


def test_in_quiet_hours_a_late_message_waits_for_morning_while_the_discharge_goes_at_once(
    world: World,
) -> None:
    # A late infusion (21:00-22:30 New York) and another on Friday afternoon. The worker
    # was down all evening and comes back at 22:30 local, when the discharge is due and
    # Friday's preparation (due 15:31) is still waiting. Friday's is for another
    # treatment: a series of its own, so it has a preparation message of its own.
    world.plan(
        INFUSION,
        Event("late", "20260416T010000Z", "20260416T023000Z"),
        Event("friday", "20260417T180000Z", "20260417T193000Z", "X-TREATMENT:pain\r\n"),
    )
    back_at = datetime(2026, 4, 16, 2, 30, tzinfo=UTC)  # 22:30 EDT on Wednesday
    friday_prep = world.row("preparation", "sms", uid="friday")
    # 48 h before is 14:00, in the chair of the afternoon's infusion: after its discharge.
    assert friday_prep.due_at == datetime(2026, 4, 15, 19, 31, tzinfo=UTC)

    outcomes = world.at(back_at)

    assert outcomes[friday_prep.id or 0] == "deferred"
    deferred = world.row("preparation", "sms", uid="friday")
    assert deferred.status == MessageStatus.PENDING
    assert deferred.not_before == datetime(2026, 4, 16, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert deferred.attempts == 0 and deferred.lease_owner is None
    assert world.row("preparation", "email", uid="friday").status == MessageStatus.PENDING
    discharge = world.row("discharge", "sms", uid="late")
    assert outcomes[discharge.id or 0] == "sent"
    assert world.row("discharge", "sms", uid="late").status == MessageStatus.SENT
    assert world.row("discharge", "email", uid="late").status == MessageStatus.SENT
    [message] = world.fake.messages  # everything else due tonight had expired
    assert message["body"] == world.row("discharge", "sms", uid="late").body
    assert "Your next infusion: Friday, April 17 at 2:00 PM." in message["body"]

    sent_before_morning = len(world.fake.messages)
    world.clock.at = datetime(2026, 4, 16, 11, 59, tzinfo=UTC)
    assert friday_prep.id not in world.claim()
    world.at(datetime(2026, 4, 16, 12, 0, tzinfo=UTC))
    assert world.row("preparation", "sms", uid="friday").status == MessageStatus.SENT
    assert len(world.fake.messages) == sent_before_morning + 1


def test_a_preparation_message_picked_up_after_the_infusion_started_expires_unsent(
    world: World,
) -> None:
    world.clock.at = INFUSION_START + timedelta(minutes=1)  # the worker was down until now
    prep_id = world.row("preparation", "sms").id or 0

    outcomes = world.dispatch()

    assert outcomes[prep_id] == "expired"
    for step, channel in (("preparation", "sms"), ("preparation", "email"), ("reminder", "sms")):
        row = world.row(step, channel)
        assert row.status == MessageStatus.EXPIRED
        assert row.status_reason == "it was no longer useful by the time it could be sent"
        assert row.body is None and row.attempts == 0 and row.sent_at is None
    assert world.fake.requests == 0


def test_a_template_that_fails_at_send_time_fails_the_row_naming_file_and_line(
    world: World,
) -> None:
    templates = world.tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    broken = templates / "en" / "preparation" / "sms.txt.j2"
    lines = broken.read_text().splitlines()
    assert lines[2].startswith("Before you come:")
    lines[2] += " Bring {{ insurance_card }}."  # line 3: a variable nobody provides
    broken.write_text("\n".join(lines) + "\n")
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0

    outcomes = world.dispatch(world.dispatcher(renderer=Renderer(templates)))

    assert outcomes[prep_id] == "failed"
    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.FAILED
    assert row.error_code == "render"
    assert row.error_text is not None
    assert row.error_text.startswith("en/preparation/sms.txt.j2:3: ")
    assert "insurance_card" in row.error_text
    assert row.body is None and row.in_flight_since is None and row.provider_id is None
    assert world.fake.requests == 0  # nothing, not even the part that rendered, was sent
    assert world.row("preparation", "email").status == MessageStatus.SENT  # its own templates


def test_a_template_failing_at_send_time_alerts_staff_once_while_the_alert_is_open(
    world: World,
) -> None:
    templates = world.tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    broken = templates / "en" / "preparation" / "sms.txt.j2"
    # A Python error for one patient, past the editor's checks (a hand-edited file).
    broken.write_text(broken.read_text() + "{% if first_name %}{{ 1 // 0 }}{% endif %}\n")
    renderer = Renderer(templates)

    def fail_again() -> None:
        with Session(world.engine) as session:
            row = session.exec(
                select(ScheduledMessage).where(
                    ScheduledMessage.step == "preparation", ScheduledMessage.channel == "sms"
                )
            ).one()
            row.status, row.error_code, row.attempts = MessageStatus.PENDING, None, 0
            session.add(row)
            session.commit()
        assert "failed" in world.dispatch(world.dispatcher(renderer=renderer)).values()

    def alerts() -> list[Alert]:
        with Session(world.engine) as session:
            return list(session.exec(select(Alert).order_by(col(Alert.id))))

    world.clock.at = PREPARATION_DUE
    world.dispatch(world.dispatcher(renderer=renderer))
    assert world.row("preparation", "sms").status == MessageStatus.FAILED
    assert world.row("preparation", "email").status == MessageStatus.SENT  # the rest goes
    [alert] = alerts()
    assert alert.severity == "urgent" and alert.patient_id is None
    assert alert.reason.startswith("the preparation sms template fails when sending")
    assert "(en/preparation/sms.txt.j2:" in alert.reason and "Division" not in alert.reason
    with Session(world.engine) as session:  # on-call hears of it, as of any alert
        assert session.exec(
            select(AlertNotification).where(AlertNotification.alert_id == alert.id)
        ).all()

    fail_again()  # the next patient's, the next batch's: the open alert says it already
    assert len(alerts()) == 1
    acknowledge(world.engine, alert.id or 0, "nurse@example.org", None, world.clock())
    fail_again()  # acknowledged but still broken: staff hear of it again
    assert len(alerts()) == 2


def test_sms_consent_withdrawn_after_planning_skips_the_sms_at_send_time(world: World) -> None:
    assert world.row("preparation", "sms").status == MessageStatus.PENDING
    world.update_patient(sms_consent=False)

    world.at(PREPARATION_DUE)

    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.SKIPPED
    assert row.status_reason == "no SMS consent"
    assert row.attempts == 0 and row.body is None
    assert world.row("preparation", "email").status == MessageStatus.SENT
    assert world.fake.requests == 0


def test_a_claim_taken_over_after_the_appointment_was_cancelled_sends_nothing(
    world: World,
) -> None:
    world.clock.at = PREPARATION_DUE
    claimed = world.claim("worker-1")  # worker 1 dies before it processes its batch
    assert world.row("preparation", "sms").id in claimed
    cancelled = INFUSION._replace(extra="STATUS:CANCELLED\r\nSEQUENCE:1\r\n")
    world.plan(cancelled, now=PREPARATION_DUE + timedelta(minutes=1))  # the next sync

    world.clock.at = PREPARATION_DUE + LEASE + timedelta(seconds=1)
    world.dispatch(world.dispatcher("worker-2"))

    assert world.fake.messages == []
    assert world.row("preparation", "sms").status != MessageStatus.SENT


# -- leases and shutdown ---------------------------------------------------------------------


def test_a_worker_whose_lease_was_taken_over_gets_lost_and_changes_nothing(
    world: World,
) -> None:
    world.clock.at = PREPARATION_DUE
    prep_id = world.row("preparation", "sms").id or 0
    assert prep_id in world.claim("worker-1")
    world.clock.at = PREPARATION_DUE + LEASE + timedelta(seconds=1)  # worker 1 stalled
    assert prep_id in world.claim("worker-2")
    before = world.row("preparation", "sms")

    assert world.dispatcher("worker-1").process(prep_id) == "lost"

    after = world.row("preparation", "sms")
    assert columns(after) == columns(before)
    assert after.lease_owner == "worker-2" and after.status == MessageStatus.CLAIMED
    assert world.fake.requests == 0
    assert world.dispatcher("worker-2").process(prep_id) == "sent"
    assert len(world.fake.messages) == 1


def test_a_stopped_runner_claims_nothing_so_another_worker_sends_at_once(world: World) -> None:
    world.clock.at = PREPARATION_DUE
    runner = world.runner(world.dispatcher("worker-1"))
    try:
        runner.stop()
        result = runner.run_once()
    finally:
        runner.close()

    assert result.claimed == 0 and sum(result.outcomes.values()) == 0
    for channel in ("sms", "email"):
        row = world.row("preparation", channel)
        assert row.status == MessageStatus.PENDING
        assert row.lease_owner is None and row.lease_expires_at is None
        assert row.attempts == 0 and row.body is None
    assert world.fake.requests == 0

    # Not held under a lease: another worker sends them at once.
    assert set(world.dispatch(world.dispatcher("worker-2")).values()) == {"sent"}
    assert len(world.fake.messages) == 1


# -- what the logs may say ------------------------------------------------------------------


def test_logs_of_a_send_and_a_failure_carry_no_phone_number_and_no_body(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    world.at(PREPARATION_DUE)
    world.fake.fail_for(PHONE, status=400, code=21211)
    world.at(REMINDER_DUE)

    assert world.row("preparation", "sms").status == MessageStatus.SENT
    assert world.row("reminder", "sms").status == MessageStatus.FAILED
    sent_body = world.row("preparation", "sms").body
    assert sent_body is not None and PREPARATION_PHRASE in sent_body
    lines = [record.getMessage() for record in caplog.records]
    assert any("message" in line and "sent" in line for line in lines)
    assert any("failed" in line for line in lines)
    for line in lines:
        assert PHONE not in line and PHONE[1:] not in line
        assert PREPARATION_PHRASE not in line and EMAIL not in line
    assert PHONE[1:] not in caplog.text and PREPARATION_PHRASE not in caplog.text


# -- batches ----------------------------------------------------------------------------------

DAILY = [
    Event(f"d{day}", f"202604{day:02d}T180000Z", f"202604{day:02d}T193000Z")
    for day in range(16, 28)
]


def _all_sms_due_now(world: World) -> list[int]:
    """Make every pending SMS of the plan due at the clock's time (08:00 in New York)."""
    with Session(world.engine) as session:
        rows = session.exec(
            select(ScheduledMessage).where(
                ScheduledMessage.channel == "sms", ScheduledMessage.status == MessageStatus.PENDING
            )
        ).all()
        for row in rows:
            row.due_at = world.clock.at - timedelta(minutes=1)
            session.add(row)
        session.commit()
        return [row.id or 0 for row in rows]


@dataclass(slots=True)
class Hook:
    """The real Twilio channel, with something happening during its first send."""

    inner: TwilioSMSChannel
    during_first_send: Callable[[], None]
    name: ChannelName = "sms"
    provider: str = "twilio"
    calls: int = 0

    def send(self, envelope: Envelope) -> Receipt:
        self.calls += 1
        if self.calls == 1:
            self.during_first_send()
        return self.inner.send(envelope)


def test_a_batch_takes_a_few_transactions_not_one_per_message(world: World) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    assert len(due) >= 30
    commits: list[int] = []
    event.listen(world.engine, "commit", lambda _conn: commits.append(1))
    runner = DispatchRunner(
        world.dispatcher(),
        {"sms": Lane(4, 1000.0, "test:sms"), "email": Lane(2, 1000.0, "test:email")},
        LEASE,
        100,
    )
    try:
        result = runner.run_once()
    finally:
        runner.close()

    assert result.outcomes["sent"] == len(due)
    assert len(world.fake.messages) == len(due)
    # Claim, prepare, a recording about once a second, release: never one per message.
    assert len(commits) < len(due) / 3


def test_an_appointment_cancelled_while_its_batch_is_out_is_not_sent(world: World) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    _all_sms_due_now(world)
    cancelled_uid = DAILY[-1].uid

    def cancel_the_last_infusion() -> None:
        with Session(world.engine) as session:
            appt = session.exec(
                select(Appointment).where(Appointment.source_uid == cancelled_uid)
            ).one()
            appt.status = AppointmentStatus.CANCELLED
            session.add(appt)
            session.commit()
        time.sleep(0.5)  # the runner renews its leases and looks again meanwhile

    hooked = Hook(world.sms, cancel_the_last_infusion)
    runner = one_at_a_time(world.dispatcher(sms=hooked), 100, flush_seconds=0.1)
    try:
        first = runner.run_once()
        assert first.released >= 1
        for row in world.rows():
            if row.channel == "sms" and row.status == MessageStatus.PENDING:
                # Given back unsent: no in-flight mark, the attempt not counted.
                assert row.in_flight_since is None and row.attempts == 0
        runner.run_until_idle()
    finally:
        runner.close()

    for step in ("reminder", "discharge"):
        row = world.row(step, "sms", uid=cancelled_uid)
        assert row.status == MessageStatus.CANCELLED, step
        assert row.provider_id is None
    # A later infusion of the daily series: its preparation was never to go.
    preparation = world.row("preparation", "sms", uid=cancelled_uid)
    assert preparation.status == MessageStatus.SKIPPED and preparation.provider_id is None
    sent = [r for r in world.rows() if r.status == MessageStatus.SENT and r.channel == "sms"]
    assert len(world.fake.messages) == len(sent)
    assert {m["sid"] for m in world.fake.messages} == {r.provider_id for r in sent}


def test_a_runner_stopped_mid_batch_gives_the_rest_back_for_another_worker(
    world: World,
) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    runner: DispatchRunner | None = None

    def stop() -> None:
        assert runner is not None
        runner.stop()

    runner = one_at_a_time(world.dispatcher(sms=Hook(world.sms, stop)), 100)
    try:
        result = runner.run_once()
    finally:
        runner.close()

    assert result.outcomes["sent"] == 1
    assert result.released == len(due) - 1
    world.dispatch(world.dispatcher("worker-2"))
    sent = [r for r in world.rows() if r.status == MessageStatus.SENT and r.channel == "sms"]
    assert len(sent) == len(due)
    assert {m["sid"] for m in world.fake.messages} == {r.provider_id for r in sent}
    # Given back as never sent: the second worker had nothing to look up first.
    assert world.fake.requests == len(due)


def test_a_number_refused_in_one_batch_gets_nothing_from_the_batch_prepared_meanwhile(
    world: World,
) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    world.fake.fail_for(PHONE, status=400, code=21211)
    # Batches of 3: the second is claimed and prepared while the first is with Twilio,
    # before anyone knows the number is dead.
    runner = one_at_a_time(world.dispatcher(), 3)
    try:
        result = runner.run_until_idle()
    finally:
        runner.close()

    assert world.fake.requests == 1
    assert result.outcomes["failed"] == 1 and result.outcomes["sent"] == 0
    rows = [r for r in world.rows() if r.id in due]
    assert sorted(r.status for r in rows) == [MessageStatus.FAILED] + [MessageStatus.SKIPPED] * (
        len(due) - 1
    )
    assert all(r.in_flight_since is None for r in rows)


def test_a_runner_stopped_while_the_next_batch_waits_gives_that_batch_back_untouched(
    world: World,
) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    runner: DispatchRunner | None = None

    def stop_once_the_next_batch_is_prepared() -> None:
        assert runner is not None
        deadline = time.monotonic() + 10
        while sum(r.in_flight_since is not None for r in world.rows()) < 10:
            assert time.monotonic() < deadline, "the next batch was never prepared"
            time.sleep(0.02)
        runner.stop()

    runner = one_at_a_time(
        world.dispatcher(sms=Hook(world.sms, stop_once_the_next_batch_is_prepared)), 5
    )
    try:
        result = runner.run_until_idle()
    finally:
        runner.close()

    assert result.outcomes["sent"] == 1
    assert result.claimed == 10  # this batch and the one prepared while it was out
    assert result.released == 9
    unsent = [r for r in world.rows() if r.id in due and r.status != MessageStatus.SENT]
    assert len(unsent) == len(due) - 1
    for row in unsent:
        assert row.status == MessageStatus.PENDING and row.lease_owner is None
        assert row.in_flight_since is None and row.attempts == 0
    assert world.fake.requests == 1


def test_a_message_still_waiting_its_turn_when_quiet_hours_begin_is_held_until_morning(
    world: World,
) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = datetime(2026, 4, 16, 0, 59, 30, tzinfo=UTC)  # 20:59:30 in New York
    due = _all_sms_due_now(world)

    def quiet_hours_begin() -> None:
        world.clock.at = datetime(2026, 4, 16, 1, 0, 30, tzinfo=UTC)  # 21:00:30

    runner = one_at_a_time(world.dispatcher(sms=Hook(world.sms, quiet_hours_begin)), 100)
    try:
        runner.run_until_idle()
        runner.run_until_idle()  # the worker's next tick looks at what was given back
    finally:
        runner.close()

    rows = {r.id: r for r in world.rows() if r.id in due}
    by_sid = {r.provider_id: r for r in rows.values() if r.provider_id}
    # The first went before 21:00; after it, only what quiet hours do not hold back.
    first, *after_nine = [by_sid[m["sid"]] for m in world.fake.messages]
    assert all(r.quiet_hours_exempt for r in after_nine)
    held = [r for r in rows.values() if not r.quiet_hours_exempt and r.id != first.id]
    assert held
    for row in held:
        assert row.status in (MessageStatus.PENDING, MessageStatus.EXPIRED), row.step
        if row.status == MessageStatus.PENDING:
            assert row.not_before == datetime(2026, 4, 16, 12, 0, tzinfo=UTC)  # 08:00
            assert row.attempts == 0 and row.in_flight_since is None


def test_a_worker_under_a_low_rate_limit_leaves_the_rest_of_the_backlog_to_others(
    world: World,
) -> None:
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    assert len(due) > 30
    runner: DispatchRunner | None = None
    taken_by_another: list[int] = []

    def another_worker_looks() -> None:
        assert runner is not None
        taken_by_another.extend(world.claim("worker-2"))
        runner.stop()

    # One SMS and one email a second: about 10 messages in 5 s, whatever the batch size.
    runner = one_at_a_time(
        world.dispatcher(sms=Hook(world.sms, another_worker_looks)), 500, rate=1.0
    )
    try:
        result = runner.run_until_idle()
    finally:
        runner.close()

    assert result.claimed <= 20  # this batch of 10, and perhaps the next one prepared
    assert len(taken_by_another) >= len(due) - 20
    assert world.fake.requests == 1


def test_a_delivery_report_before_the_send_is_recorded_is_not_downgraded(world: World) -> None:
    world.clock.at = PREPARATION_DUE
    dispatcher = world.dispatcher()
    prep_id = world.row("preparation", "sms").id or 0
    assert prep_id in world.claim()
    [ready] = dispatcher.prepare([prep_id]).ready
    attempt = dispatcher.attempt(ready)
    assert attempt.receipt is not None
    record_status(
        world.engine,
        sid=attempt.receipt.provider_id,
        status="delivered",
        error_code=None,
        reply_id=None,
        message_id=prep_id,
        now=PREPARATION_DUE,
    )

    assert dispatcher.record([attempt]) == {"sent": 1}

    row = world.row("preparation", "sms")
    assert row.status == MessageStatus.DELIVERED
    assert row.provider_id == attempt.receipt.provider_id
    assert row.sent_at == PREPARATION_DUE and row.lease_owner is None
    assert row.in_flight_since is None


@dataclass(slots=True)
class Slow:
    """The real Twilio channel, taking `seconds` longer for every message."""

    inner: TwilioSMSChannel
    seconds: float
    name: ChannelName = "sms"
    provider: str = "twilio"

    def send(self, envelope: Envelope) -> Receipt:
        time.sleep(self.seconds)
        return self.inner.send(envelope)


def test_a_runner_that_cannot_renew_its_lease_stops_sending_and_gives_the_rest_back(
    world: World,
) -> None:
    """Half a lease without a renewal: another worker may soon take these over."""
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    lease = timedelta(seconds=2)
    runner = one_at_a_time(
        world.dispatcher(sms=Slow(world.sms, 0.4)),
        100,
        lease=lease,
        flush_seconds=60,  # no renewal during the batch
    )
    try:
        result = runner.run_once()
    finally:
        runner.close()

    assert 1 <= result.outcomes["sent"] < len(due)
    assert result.released == len(due) - result.outcomes["sent"]
    assert len(world.fake.messages) == result.outcomes["sent"]


def test_two_workers_sending_as_one_number_keep_to_its_rate_between_them(
    world: World,
) -> None:
    """Each runner alone would send as fast as Twilio answers; the sender's bucket is shared."""
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)
    rate = 10.0
    runners = [
        one_at_a_time(world.dispatcher(owner), 5, rate=rate) for owner in ("worker-1", "worker-2")
    ]

    def drain(runner: DispatchRunner) -> None:
        while runner.run_until_idle().claimed:
            pass

    threads = [threading.Thread(target=drain, args=(runner,)) for runner in runners]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for runner in runners:
            runner.close()

    sent = [r for r in world.rows() if r.status == MessageStatus.SENT and r.channel == "sms"]
    assert len(sent) == len(due) == len(world.fake.messages)  # each exactly once
    assert {m["sid"] for m in world.fake.messages} == {r.provider_id for r in sent}
    assert world.fake.most_in_any(1.0) <= rate + rate  # the rate, and one second's burst


def test_a_runner_that_cannot_reach_its_senders_bucket_gives_the_rest_of_the_batch_back(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The limit lives in the database: without it nothing more goes, as without leases."""
    world.plan(INFUSION, *DAILY)
    world.clock.at = PLANNED_AT
    due = _all_sms_due_now(world)

    def lose_the_bucket() -> None:
        with world.engine.begin() as connection:
            connection.execute(text("DROP TABLE sender_bucket"))

    # One a second: the first message has the full bucket's one token, the next must ask.
    runner = one_at_a_time(world.dispatcher(sms=Hook(world.sms, lose_the_bucket)), 100, rate=1.0)
    try:
        with caplog.at_level(logging.WARNING, logger="followup.dispatch.runner"):
            result = runner.run_once()
    finally:
        runner.close()

    assert result.outcomes["sent"] == 1
    assert result.released == result.claimed - 1  # released at once: the rest is reachable
    assert "sms: could not take tokens" in caplog.text
    unsent = [r for r in world.rows() if r.id in due and r.status != MessageStatus.SENT]
    assert all(r.status == MessageStatus.PENDING and r.in_flight_since is None for r in unsent)
