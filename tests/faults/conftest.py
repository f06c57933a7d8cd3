"""Fault tests: real `followup worker` processes on a real PostgreSQL, the real twilio SDK
against FakeTwilio on 127.0.0.1, and a fault injected while they work.

What every fault test ends with is what a patient would notice: each due message arrived
exactly once (FakeTwilio counts deliveries per (To, Body)), and none was given up on.
"""

from __future__ import annotations

import email
import email.policy
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, Row, text

from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.planning.planner import AppointmentFacts, PatientFacts, plan_appointment
from followup.protocol import Protocol, parse_protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.postgres import TemporaryPostgres
from followup.testing.processes import FollowupProcess, clean_environment, wait_for
from followup.testing.web import free_port
from tests.conftest import ROOT, TEMPLATE, create_database, drop_database, require_postgres_binaries

SID = "AC" + "fa017e57" * 4
TOKEN = "fault-tests-auth-token"
CLINIC_NUMBER = "+14025550100"
ZONE = "America/Chicago"


def protocol_text() -> str:
    """The shipped protocol without quiet hours, so the time of day of a run does not matter."""
    shipped = (ROOT / "config" / "protocol.toml").read_text(encoding="utf-8")
    return shipped.replace('start = "21:00"\nend = "08:00"', 'start = "00:00"\nend = "00:00"')


def phone(n: int) -> str:
    """A distinct E.164 number per patient: the delivery key is (To, Body)."""
    return f"+1402{6_000_000 + n:07d}"


def seed_due_discharges(
    engine: Engine, protocol: Protocol, count: int, now: datetime, emails: int = 0
) -> None:
    """`count` patients, each with an infusion that just ended and its discharge SMS due;
    the first `emails` of them also have an email address, consent and the discharge email.

    Rows are what planning leaves (the planner decides step, template and expiry), written
    with a few INSERT … SELECT statements: seeding is not what these tests are about.
    """
    start, end = now - timedelta(minutes=100), now - timedelta(minutes=10)
    facts = AppointmentFacts(start=start, end=end, treatment=None)
    who = PatientFacts(
        timezone=ZoneInfo(ZONE),
        has_phone=True,
        has_email=True,
        sms_consent=True,
        email_consent=True,
    )
    planned = plan_appointment(facts, who, protocol)
    [discharge] = [p for p in planned if p.channel == "sms" and p.kind == "discharge"]
    [by_email] = [p for p in planned if p.channel == "email" and p.kind == "discharge"]
    values = {
        "count": count,
        "emails": emails,
        "email_step": by_email.step,
        "email_template": by_email.template,
        "email_due": by_email.due_at,
        "email_expires": by_email.expires_at,
        "email_exempt": by_email.quiet_hours_exempt,
        "now": now,
        "start": start,
        "end": end,
        "zone": ZONE,
        "treatment": protocol.default_treatment,
        "step": discharge.step,
        "kind": discharge.kind,
        "template": discharge.template,
        "due": discharge.due_at,
        "expires": discharge.expires_at,
        "exempt": discharge.quiet_hours_exempt,
    }
    every = max(1, count // emails) if emails else 1
    with engine.begin() as connection:
        # Email for every n-th patient, spread over the roster, so every batch holds some.
        connection.execute(
            text(
                "INSERT INTO patient (external_id, first_name, last_name, phone, email, language,"
                " timezone, sms_consent, email_consent, created_at, updated_at)"
                " SELECT 'F' || g, 'Pat', 'Fault' || g, '+1402' || (6000000 + g), e.email, 'en',"
                " :zone, true, e.email IS NOT NULL, :now, :now"
                " FROM generate_series(0, :count - 1) AS g CROSS JOIN LATERAL (SELECT CASE"
                " WHEN g % :every = 0 AND g / :every < :emails THEN 'pat' || g || '@example.org'"
                " END AS email) AS e"
            ),
            {**values, "every": every},
        )
        connection.execute(
            text(
                "INSERT INTO appointment (source, source_uid, patient_id, start_at, end_at, status,"
                " treatment, source_sequence, created_at, updated_at)"
                " SELECT 'faults.ics', 'fault-' || p.external_id, p.id, :start, :end, 'booked',"
                " :treatment, 0, :now, :now FROM patient AS p ORDER BY p.id"
            ),
            values,
        )
        # One statement, in (appointment, channel) order: ids, and so the claim order, take
        # each patient's SMS and email together.
        connection.execute(
            text(
                "INSERT INTO scheduled_message (appointment_id, patient_id, step, kind, template,"
                " channel, due_at, expires_at, quiet_hours_exempt, status, attempts, created_at,"
                " updated_at)"
                " SELECT a.id, a.patient_id, :step, :kind, :template, 'sms', :due, :expires,"
                " :exempt, 'pending', 0, :now, :now FROM appointment AS a"
                " UNION ALL"
                " SELECT a.id, a.patient_id, :email_step, :kind, :email_template, 'email',"
                " :email_due, :email_expires, :email_exempt, 'pending', 0, :now, :now"
                " FROM appointment AS a JOIN patient AS p ON p.id = a.patient_id"
                " WHERE p.email IS NOT NULL"
                " ORDER BY 1, 6 DESC"
            ),
            values,
        )
        connection.execute(text("ANALYZE"))


def expected_deliveries(engine: Engine) -> Counter[tuple[str, str]]:
    """Each message once, keyed as FakeTwilio counts them: (patient's phone, body sent)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT p.phone, m.body FROM scheduled_message AS m"
                " JOIN patient AS p ON p.id = m.patient_id"
            )
        ).all()
    return Counter({(row.phone, row.body): 1 for row in rows})


def count_by_status(engine: Engine) -> dict[str, int]:
    """How many messages are in each status."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT status, count(*) FROM scheduled_message GROUP BY status")
        ).all()
    return {str(status): int(n) for status, n in rows}


def claims_held_by(engine: Engine, worker: FollowupProcess) -> list[Row[Any]]:
    """The messages a worker holds claimed right now: (id, in_flight)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT id, in_flight_since IS NOT NULL AS in_flight FROM scheduled_message"
                    " WHERE status = 'claimed' AND lease_owner LIKE :owner"
                ),
                {"owner": f"%:{worker.pid}:%"},
            )
        )


def count_settled(engine: Engine, sids: list[str], ids: list[int]) -> tuple[int, int]:
    """Of a killed worker's messages: how many Twilio SIDs it never heard back about are
    recorded as sent and let go, and how many of the ids it held are sent."""
    with engine.connect() as connection:
        settled = connection.execute(
            text(
                "SELECT count(*) FROM scheduled_message"
                " WHERE status = 'sent' AND provider_id = ANY(:sids) AND lease_owner IS NULL"
            ),
            {"sids": sids},
        ).scalar_one()
        taken_over = connection.execute(
            text("SELECT count(*) FROM scheduled_message WHERE id = ANY(:ids) AND status = 'sent'"),
            {"ids": ids},
        ).scalar_one()
    return int(settled), int(taken_over)


def token_statements(engine: Engine) -> int:
    """How many times workers took tokens from a sender's bucket: PostgreSQL's own count of
    rows inserted and updated in `sender_bucket`, read once the workers' connections are
    gone (a backend reports its counts as it exits)."""
    engine.dispose()  # this test's own idle connections are not the workers'
    wait_for(
        lambda: (
            not scalar(
                engine,
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
        ),
        30,
        "the workers' connections to close",
    )
    return scalar(
        engine,
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_user_tables"
        " WHERE relname = 'sender_bucket'",
    )


def scalar(engine: Engine, sql: str) -> int:
    """One number, read in a transaction of its own (PostgreSQL keeps its activity and
    statistics views still for the length of a transaction)."""
    with engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def count_sent(engine: Engine) -> int:
    """How many messages are recorded as sent."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM scheduled_message WHERE status = 'sent'")
            ).scalar_one()
        )


@dataclass
class Fleet:
    """Worker processes of one clinic, all on the same database and the same FakeTwilio."""

    root: Path
    engine: Engine
    fake: FakeTwilio
    settings: dict[str, str]
    workers: list[FollowupProcess] = field(default_factory=list)

    def start(self, tag: str | None = None, **overrides: str) -> FollowupProcess:
        """Start one worker; with `tag`, its Twilio requests go through `base_url/tag`."""
        base = self.fake.base_url + (f"/{tag}" if tag else "")
        env = clean_environment(**{**self.settings, "FOLLOWUP_TWILIO_BASE_URL": base, **overrides})
        log = self.root / f"worker-{len(self.workers) + 1}{'-' + tag if tag else ''}.log"
        worker = FollowupProcess(["worker"], env, self.root, log)
        self.workers.append(worker)
        return worker

    def stop_all(self) -> str:
        """SIGTERM every worker still running; their logs, joined."""
        logs = []
        for worker in self.workers:
            if worker.returncode is None:
                logs.append(worker.stop())
                assert worker.returncode == 0, logs[-1][-3000:]
            else:
                logs.append(worker.log())
        return "\n".join(logs)


@pytest.fixture(scope="session")
def fault_protocol(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Protocol]:
    """The protocol file the workers read, and the same protocol parsed for seeding."""
    path = tmp_path_factory.mktemp("faults") / "protocol.toml"
    path.write_text(protocol_text(), encoding="utf-8")
    return path, parse_protocol(path.read_text(encoding="utf-8"))


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


def fleet_on(url: str, root: Path, fake: FakeTwilio, protocol_file: Path, **settings: str) -> Fleet:
    """Settings tuned so a backlog moves fast: high rate, 8 in flight, batches of 200."""
    engine = make_engine(url, pool_size=2)
    base = {
        "FOLLOWUP_DATABASE_URL": url,
        "FOLLOWUP_PROTOCOL_FILE": str(protocol_file),
        "FOLLOWUP_TEMPLATES_DIR": str(ROOT / "templates"),
        "FOLLOWUP_TWILIO_ACCOUNT_SID": SID,
        "FOLLOWUP_TWILIO_AUTH_TOKEN": TOKEN,
        "FOLLOWUP_TWILIO_FROM_NUMBER": CLINIC_NUMBER,
        "FOLLOWUP_PUBLIC_URL": "https://followup.example-clinic.org",
        "FOLLOWUP_SMS_RATE_PER_SECOND": "100000",
        "FOLLOWUP_SMS_CONCURRENCY": "8",
        "FOLLOWUP_DISPATCH_BATCH_SIZE": "200",
        "FOLLOWUP_DISPATCH_INTERVAL_SECONDS": "0.2",
        "FOLLOWUP_DISPATCH_LEASE_SECONDS": "15",
        "FOLLOWUP_LOG_LEVEL": "INFO",
    }
    return Fleet(root, engine, fake, {**base, **settings})


@pytest.fixture
def fleet(
    postgres: TemporaryPostgres,
    tmp_path: Path,
    fake: FakeTwilio,
    fault_protocol: tuple[Path, Protocol],
) -> Iterator[Fleet]:
    """Workers on a fresh database of the session's PostgreSQL, stopped after the test."""
    name = f"faults_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres, name, template=TEMPLATE)
    crew = fleet_on(url, tmp_path, fake, fault_protocol[0])
    try:
        yield crew
    finally:
        for worker in crew.workers:
            if worker.returncode is None:
                worker.kill()
        crew.engine.dispose()
        drop_database(postgres, name)


@pytest.fixture
def restartable_postgres() -> Iterator[TemporaryPostgres]:
    """A migrated PostgreSQL server of the test's own, to stop and start: stopping the
    session's would break the other tests."""
    require_postgres_binaries()
    with TemporaryPostgres() as server:
        engine = make_engine(server.url())
        upgrade(engine)
        engine.dispose()
        yield server


@dataclass(frozen=True)
class Mail:
    """One email the SMTP server accepted."""

    to: tuple[str, ...]
    message_id: str
    subject: str
    text: str


@dataclass
class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every email it accepts."""

    port: int = field(default_factory=free_port)
    _mails: list[Mail] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        mail = Mail(
            to=tuple(envelope.rcpt_tos),
            message_id=str(parsed["Message-ID"]),
            subject=str(parsed["Subject"] or ""),
            text=body.get_content() if body is not None else "",
        )
        with self._lock:
            self._mails.append(mail)
        return "250 OK"

    def mails(self) -> list[Mail]:
        """Every email accepted so far, oldest first."""
        with self._lock:
            return list(self._mails)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._mails)

    def to(self, address: str) -> list[Mail]:
        """The emails accepted for `address`, oldest first."""
        return [mail for mail in self.mails() if address in mail.to]

    def settings(self) -> dict[str, str]:
        """What a `followup` process needs to send email here."""
        return {
            "FOLLOWUP_SMTP_HOST": "127.0.0.1",
            "FOLLOWUP_SMTP_PORT": str(self.port),
            "FOLLOWUP_SMTP_SECURITY": "none",
            "FOLLOWUP_EMAIL_FROM": "Lakeside Infusion Clinic <care@example-clinic.org>",
        }


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def seed_patients(engine: Engine, count: int, now: datetime) -> None:
    """`count` patients on the roster, patient n with the number `phone(n)` and SMS consent."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO patient (external_id, first_name, last_name, phone, language,"
                " timezone, sms_consent, email_consent, created_at, updated_at)"
                " SELECT 'F' || g, 'Pat', 'Fault' || g, '+1402' || (6000000 + g), 'en', :zone,"
                " true, false, :now, :now FROM generate_series(0, :count - 1) AS g"
            ),
            {"count": count, "now": now, "zone": ZONE},
        )
