"""Patients' replies keep coming while the database goes away under a real `followup web`.

200 signed webhooks arrive from 12 client threads, paced over several seconds, and the
database restarts (or stays down 10 s) in the middle of them. What a patient and the
person on call would notice is asserted: every webhook answered 200, a crisis answered
with 988 at once, and, once the database is back, each message stored and processed
exactly once, each crisis or emergency alerted once and on-call paged about it exactly
once by SMS and once by email (directly while the database was away, or by the alert's
notification, never both), STOP honoured.
"""

from __future__ import annotations

import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from twilio.request_validator import RequestValidator

from followup.core import clock
from followup.db.engine import make_engine
from followup.messages.context import display_phone
from followup.protocol import Protocol
from followup.replies.alarms import alarm
from followup.replies.triage import triage
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.postgres import TemporaryPostgres
from followup.testing.processes import FollowupProcess, answers, clean_environment, wait_for
from followup.testing.web import free_port
from tests.conftest import ROOT
from tests.faults.conftest import (
    CLINIC_NUMBER,
    SID,
    TOKEN,
    Mailbox,
    phone,
    seed_patients,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

PUBLIC = "https://followup.example-clinic.org"
PATIENTS = 200
CLIENTS = 12
CRISES = [
    "I want to kill myself tonight",
    "I want to end it all",
    "i cant go on anymore",
    "I am going to end my life",
    "thinking about suicide",
    "I have pills and I am going to take them all",
    "I wish I was dead",
    "I do not want to live anymore",
    "I plan to hurt myself tonight",
    "honestly i cant go on, i want to end it all",
]
EMERGENCIES = [
    "chest pain and I can't breathe",
    "my chest hurts and my heart is racing",
    "I can't breathe",
    "having a seizure",
    "he passed out and won't wake up",
]
ORDINARY = [
    "feeling good today thanks",
    "a little tired but ok",
    "headache a bit",
    "I feel great, no side effects",
    "thanks, see you next week",
    "what time is my next appointment?",
]


# What the web and the worker may say above INFO here: once per process, per alert, per
# failed batch, or per outage (each process's guard says when the database went and came).
EXPECTED_WARNINGS = (
    "FOLLOWUP_SECRET_KEY is not set",
    "emails go without a one-click unsubscribe",  # the start-up note of a test setup
    "no calendar sources configured",
    "raised: critical",
    "raised: emergency",
    "inbound messages wait in the journal for the database",
    "without the database",  # the direct page, one line per message
    "paging on-call waits for the database",
    "database unavailable",
)


@dataclass(frozen=True)
class Reply:
    """One patient's SMS, as Twilio would post it, and what it is."""

    sid: str
    sender: str
    body: str
    kind: str  # crisis, emergency, stop, ordinary


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (the connection failed)
    body: str
    at: float  # time.monotonic() when the answer came


def burst() -> list[Reply]:
    """20 crises, 10 emergencies, 10 STOPs and 160 ordinary replies, one per patient,
    in a fixed shuffled order."""
    kinds = ["crisis"] * 20 + ["emergency"] * 10 + ["stop"] * 10 + ["ordinary"] * 160
    random.Random(21).shuffle(kinds)
    texts = {"crisis": CRISES, "emergency": EMERGENCIES, "stop": ["STOP"], "ordinary": ORDINARY}
    replies = [
        Reply(f"SM{n:032x}", phone(n), texts[kind][n % len(texts[kind])], kind)
        for n, kind in enumerate(kinds)
    ]
    for reply in replies:  # the wordings are what triage catches, or nothing it catches
        raised = alarm(triage(reply.body))
        severity = raised.severity if raised is not None else None
        assert severity == {"crisis": "critical", "emergency": "emergency"}.get(reply.kind), reply
    return replies


@dataclass
class Clinic:
    """A web process on its own PostgreSQL, paging through FakeTwilio and a real SMTP server."""

    root: Path
    env: dict[str, str]
    engine: Engine
    port: int = field(default_factory=free_port)
    webs: list[FollowupProcess] = field(default_factory=list)  # and the worker
    _resumed: threading.Event = field(default_factory=threading.Event)
    _resumed_at: float = 0.0

    def start_worker(self) -> FollowupProcess:
        """The clinic's worker: it pages what the web could not (its alert job) and sweeps."""
        worker = FollowupProcess(["worker"], self.env, self.root, self.root / "worker.log")
        self.webs.append(worker)
        return worker

    def start_web(self) -> FollowupProcess:
        log = self.root / f"web-{len(self.webs) + 1}.log"
        web = FollowupProcess(["web", "--port", str(self.port)], self.env, self.root, log)
        self.webs.append(web)
        wait_for(lambda: answers(f"{self.base}/healthz"), 60, "the web process to answer")
        return web

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, reply: Reply) -> Answer:
        params = {
            "MessageSid": reply.sid,
            "AccountSid": SID,
            "From": reply.sender,
            "To": CLINIC_NUMBER,
            "Body": reply.body,
        }
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/sms", params)
        request = urllib.request.Request(
            f"{self.base}/twilio/sms",
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read().decode(), time.monotonic())
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, exc.read().decode(errors="replace"), time.monotonic())
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            return Answer(0, repr(exc), time.monotonic())

    def send(
        self,
        replies: list[Reply],
        every: float,
        fault: Callable[[dict[str, Answer]], None],
        resume_at: int | None = None,
    ) -> dict[str, Answer]:
        """Post the replies from CLIENTS threads, one each `every` seconds (Twilio passes a
        burst on as it comes), and run `fault` meanwhile; each reply's answer, by SID.

        With `resume_at`, the replies from that one on wait for `resume()` (the fault's
        end), then go on at the same pace."""
        got: dict[str, Answer] = {}
        start = time.monotonic()

        def post_at(position: int, reply: Reply) -> None:
            due = start + position * every
            if resume_at is not None and position >= resume_at:
                assert self._resumed.wait(120)
                due = self._resumed_at + (position - resume_at) * every
            time.sleep(max(0.0, due - time.monotonic()))
            got[reply.sid] = self.post(reply)

        with ThreadPoolExecutor(CLIENTS, thread_name_prefix="twilio") as clients:
            futures = [clients.submit(post_at, n, reply) for n, reply in enumerate(replies)]
            try:
                fault(got)
            finally:
                self.resume()
            for future in futures:
                future.result()
        return got

    def resume(self) -> None:
        """Let the replies held back by `send(resume_at=...)` go."""
        if not self._resumed.is_set():
            self._resumed_at = time.monotonic()
            self._resumed.set()

    def scalar(self, sql: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    def stop_all(self) -> str:
        logs = []
        for web in self.webs:
            if web.returncode is None:
                logs.append(web.stop())
                # uvicorn hands SIGTERM back to the default handler once it has shut down.
                assert web.returncode in (0, -15), logs[-1][-3000:]
            else:
                logs.append(web.log())
        return "\n".join(logs)


@pytest.fixture
def clinic(
    restartable_postgres: TemporaryPostgres,
    tmp_path: Path,
    fake: FakeTwilio,
    mailbox: Mailbox,
    fault_protocol: tuple[Path, Protocol],
) -> Iterator[Clinic]:
    url = restartable_postgres.url()
    engine = make_engine(url, pool_size=2)
    seed_patients(engine, PATIENTS, clock.now())
    env = clean_environment(
        FOLLOWUP_DATABASE_URL=url,
        FOLLOWUP_PROTOCOL_FILE=str(fault_protocol[0]),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
        FOLLOWUP_TWILIO_ACCOUNT_SID=SID,
        FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
        FOLLOWUP_TWILIO_FROM_NUMBER=CLINIC_NUMBER,
        FOLLOWUP_TWILIO_BASE_URL=fake.base_url,
        FOLLOWUP_PUBLIC_URL=PUBLIC,
        FOLLOWUP_SPOOL_DIR=str(tmp_path / "spool"),  # the same for a web started again
        FOLLOWUP_LOG_LEVEL="INFO",
        **mailbox.settings(),
    )
    crew = Clinic(tmp_path, env, engine)
    try:
        yield crew
    finally:
        for web in crew.webs:
            if web.returncode is None:
                web.kill()
        engine.dispose()


def report(root: Path, figures: str) -> None:
    """The run's figures, beside its logs (figures.txt in the test's directory)."""
    with (root / "figures.txt").open("a") as out:
        out.write(figures + "\n")


def on_call(protocol: Protocol) -> tuple[str, str]:
    """The first on-call person's number as Twilio is given it, and their email."""
    person = protocol.on_call[0]
    assert person.phone and person.email
    return person.phone, person.email


def pages_by_sender(texts: list[str], replies: list[Reply]) -> Counter[str]:
    """How many pages name each sender: a direct page shows the number as people write
    it, an alert's notification as stored (E.164)."""
    senders = {}
    for reply in replies:
        senders[reply.sender] = reply.sid
        senders[display_phone(reply.sender, "US")] = reply.sid
    pattern = re.compile("|".join(re.escape(number) for number in senders))
    found: Counter[str] = Counter()
    for page in texts:
        named = {senders[match] for match in pattern.findall(page)}
        assert len(named) == 1, page  # each page is about one message
        found.update(named)
    return found


def check_pages(
    clinic: Clinic, fake: FakeTwilio, mailbox: Mailbox, protocol: Protocol, replies: list[Reply]
) -> tuple[int, int]:
    """On-call paged exactly once per crisis or emergency by SMS and by email; how many
    of those pages were direct (sent without the database)."""
    number, address = on_call(protocol)
    alarming = [r for r in replies if r.kind in ("crisis", "emergency")]
    wanted = Counter({r.sid: 1 for r in alarming})
    texts = [m["body"] for m in fake.messages if m["to"] == number]
    mails = [f"{m.subject}\n{m.text}" for m in mailbox.to(address)]
    assert pages_by_sender(texts, alarming) == wanted
    assert pages_by_sender(mails, alarming) == wanted
    # ...and nobody else was paged (the second person on call only after 10 minutes).
    assert {m["to"] for m in fake.messages} == {number}
    assert {m.to for m in mailbox.mails()} == {(address,)}
    direct = sum("database is unreachable" in page for page in texts)
    assert direct == sum("database is unreachable" in page for page in mails)
    return direct, len(texts)


def state(clinic: Clinic, fake: FakeTwilio, mailbox: Mailbox) -> dict[str, object]:
    """What "recovered" is measured by: messages processed, pages recorded and received."""
    notifications = clinic.rows("SELECT status, count(*) FROM alert_notification GROUP BY status")
    return {
        "processed": clinic.scalar("SELECT count(*) FROM inbound_message WHERE kind <> 'received'"),
        "notifications": dict(notifications),
        "sms pages": fake.accepted,
        "email pages": mailbox.count,
    }


def wait_until_settled(
    clinic: Clinic, fake: FakeTwilio, mailbox: Mailbox, wanted: dict[str, object]
) -> None:
    try:
        wait_for(lambda: state(clinic, fake, mailbox) == wanted, 120, "recovery", every=0.5)
    except AssertionError:
        assert state(clinic, fake, mailbox) == wanted  # says what is missing
        raise


@pytest.mark.parametrize("outage", ["restart", "down_10s"])
def test_a_burst_of_replies_through_a_database_outage(
    outage: str,
    clinic: Clinic,
    restartable_postgres: TemporaryPostgres,
    fake: FakeTwilio,
    mailbox: Mailbox,
    fault_protocol: tuple[Path, Protocol],
) -> None:
    replies = burst()
    protocol = fault_protocol[1]
    clinic.start_worker()
    clinic.start_web()
    outage_at: list[float] = []

    def fault(got: dict[str, Answer]) -> None:
        wait_for(lambda: len(got) >= 60, 60, "the burst to be under way")
        outage_at.append(time.monotonic())
        restartable_postgres.stop_server()
        if outage == "down_10s":
            time.sleep(10)
        restartable_postgres.start_server()
        outage_at.append(time.monotonic())

    started = time.monotonic()
    # 200 over ~16 s: the restart lands in the middle, the 10 s outage takes the middle half.
    got = clinic.send(replies, every=0.08, fault=fault)
    answered = time.monotonic() - started

    statuses = Counter(answer.status for answer in got.values())
    assert statuses == {200: PATIENTS}, statuses
    down, up = outage_at
    during = [r for r in replies if down <= got[r.sid].at <= up]
    if outage == "down_10s":
        # Mid-burst, and crises, emergencies and STOPs among what came meanwhile: each is
        # answered from memory (a STOP with its usual text: the staff's edits as last read).
        assert len(during) < PATIENTS - 60
        assert {r.kind for r in during} == {"crisis", "emergency", "stop", "ordinary"}
    for reply in replies:
        body = got[reply.sid].body
        if reply.kind == "crisis":
            assert "988" in body, body
        elif reply.kind == "emergency":
            assert "911" in body, body
        elif reply.kind == "stop":
            # The opt-out confirmed, with or without a database (the template's words, or
            # the built-in answer's).
            assert "you will get no more texts" in body.lower(), body

    alarming = sum(r.kind in ("crisis", "emergency") for r in replies)
    wait_until_settled(
        clinic,
        fake,
        mailbox,
        {
            "processed": PATIENTS,
            "notifications": {"sent": 2 * alarming},
            "sms pages": alarming,
            "email pages": alarming,
        },
    )
    recovered = time.monotonic() - up
    log = clinic.stop_all()

    stored = clinic.rows(
        "SELECT provider_sid, count(*), min(kind) FROM inbound_message GROUP BY provider_sid"
    )
    assert sorted(sid for sid, _, _ in stored) == sorted(r.sid for r in replies)
    assert all(n == 1 and kind != "received" for _, n, kind in stored), stored
    alerts = clinic.rows(
        "SELECT m.provider_sid, a.severity FROM alert AS a"
        " JOIN inbound_message AS m ON m.id = a.inbound_message_id"
    )
    assert sorted(alerts) == sorted(
        (r.sid, {"crisis": "critical", "emergency": "emergency"}[r.kind])
        for r in replies
        if r.kind in ("crisis", "emergency")
    )
    opted_out = clinic.rows("SELECT phone FROM patient WHERE opted_out_at IS NOT NULL")
    assert sorted(p for (p,) in opted_out) == sorted(r.sender for r in replies if r.kind == "stop")
    # An answer given with the database there is recorded as sent in the TwiML, not as one
    # the replay kept unsent (a webhook's message is not taken by another thread's catch-up).
    kept = dict(
        clinic.rows(
            "SELECT m.provider_sid, r.status FROM reply_message AS r"
            " JOIN inbound_message AS m ON m.id = r.inbound_message_id"
        )
    )
    live = [r.sid for r in replies if not down - 0.5 <= got[r.sid].at <= up + 2]
    assert {kept[sid] for sid in live} == {"queued"}
    direct, pages = check_pages(clinic, fake, mailbox, protocol, replies)
    assert "Traceback" not in log, log[-5000:]
    # One line per batch the database could not take, not one per message, and nothing
    # else worse than INFO but what is said once per alert or once per outage.
    failed = [
        int(n) for n in re.findall(r"ERROR \S+ (\d+) inbound messages wait in the journal", log)
    ]
    late = [r for r in replies if down <= got[r.sid].at <= up + 2]
    assert len(failed) <= len(late), log[-5000:]
    unexpected = [
        line
        for line in log.splitlines()
        if re.match(r"\S+ \S+ (WARNING|ERROR|CRITICAL) ", line)
        and not any(known in line for known in EXPECTED_WARNINGS)
    ]
    assert not unexpected, unexpected
    report(
        clinic.root,
        f"{outage}: {len(during)} answered during the outage, {sum(failed)} from memory in"
        f" {len(failed)} batches, {direct} paged directly, {pages - direct} by the alert;"
        f" burst {answered:.1f} s, settled {recovered:.1f} s after the database came back",
    )


def test_web_killed_mid_burst_and_started_again(
    clinic: Clinic, fake: FakeTwilio, mailbox: Mailbox, fault_protocol: tuple[Path, Protocol]
) -> None:
    replies = burst()
    clinic.start_worker()
    first = clinic.start_web()
    killed: list[float] = []

    def fault(got: dict[str, Answer]) -> None:
        wait_for(lambda: len(got) >= 80, 60, "the burst to be under way")
        # The database is slow for a moment (a lock on the inbound table): the webhooks that
        # come meanwhile are journaled and wait on it, and the web process dies under them.
        with clinic.engine.connect() as connection:
            connection.execute(text("LOCK TABLE inbound_message IN ACCESS EXCLUSIVE MODE"))
            time.sleep(0.5)
            first.kill()
            killed.append(time.monotonic())
            connection.rollback()
        clinic.start_web()  # the same spool directory: it adopts the dead one's journal
        killed.append(time.monotonic())

    # The first 120 at 25 a second; the web dies after the 80th answer. The replies sent
    # until a new one answers get no connection (Twilio would try the fallback URL); the
    # last 80 come once it is up, while it works through the dead one's journal.
    got = clinic.send(replies, every=0.04, fault=fault, resume_at=120)
    kill, restarted = killed

    statuses = Counter(answer.status for answer in got.values())
    assert set(statuses) <= {200, 0}, statuses  # an answer, or no connection at all
    answered = {sid for sid, answer in got.items() if answer.status == 200}
    before_kill = {sid for sid in answered if got[sid].at < kill}
    refused = {sid for sid, answer in got.items() if answer.status == 0}
    assert len(before_kill) >= 80 and refused
    after_restart = {sid for sid in answered if got[sid].at > restarted}
    assert len(after_restart) >= PATIENTS - 120

    def caught_up() -> bool:
        journals = list((clinic.root / "spool").glob("inbound-*.sqlite"))
        return (
            len(journals) <= 1  # the dead process's journal was adopted and removed
            and not clinic.scalar("SELECT count(*) FROM inbound_message WHERE kind = 'received'")
            and answered
            <= {sid for (sid,) in clinic.rows("SELECT provider_sid FROM inbound_message")}
            and not clinic.scalar(
                "SELECT count(*) FROM alert_notification WHERE status = 'pending'"
            )
        )

    wait_for(caught_up, 90, "the new web process to catch up", every=0.5)
    log = clinic.stop_all()

    stored = dict(clinic.rows("SELECT provider_sid, count(*) FROM inbound_message GROUP BY 1"))
    assert set(stored.values()) == {1}  # once each
    assert answered <= set(stored)  # every message answered 200 is kept...
    kept_from_journal = refused & set(stored)  # ...and what the dead process had journaled
    replies_kept = clinic.rows(
        "SELECT m.provider_sid, r.status FROM reply_message AS r"
        " JOIN inbound_message AS m ON m.id = r.inbound_message_id"
    )
    # Each answer is recorded as it went: in the webhook's TwiML ("queued"), or kept unsent
    # for a message the new process found in the dead one's journal (its webhook got none).
    assert dict(replies_kept) == {
        sid: "queued" if sid in answered else "not_sent" for sid in stored
    }
    alarming = {r.sid: r for r in replies if r.kind in ("crisis", "emergency") and r.sid in stored}
    alerts = clinic.rows(
        "SELECT m.provider_sid FROM alert AS a JOIN inbound_message AS m ON m.id = a.inbound_message_id"
    )
    assert sorted(sid for (sid,) in alerts) == sorted(alarming)  # one alert per crisis kept
    opted_out = {
        p for (p,) in clinic.rows("SELECT phone FROM patient WHERE opted_out_at IS NOT NULL")
    }
    assert opted_out == {r.sender for r in replies if r.kind == "stop" and r.sid in stored}
    number, address = on_call(fault_protocol[1])
    texts = [m["body"] for m in fake.messages if m["to"] == number]
    mails = [f"{m.subject}\n{m.text}" for m in mailbox.to(address)]
    by_sms = pages_by_sender(texts, list(alarming.values()))
    by_email = pages_by_sender(mails, list(alarming.values()))
    assert max(by_sms.values()) == max(by_email.values()) == 1  # nobody paged twice
    assert "Traceback" not in log, log[-5000:]
    report(
        clinic.root,
        f"kill: {len(before_kill)} answered before the kill, {len(answered)} in all;"
        f" {len(refused)} got no answer (connection failed), {len(kept_from_journal)} of them"
        f" kept by the dead process's journal and processed after the restart;"
        f" {len(after_restart)} answered by the new process;"
        f" {len(alarming)} alerts, paged {len(by_sms)} by SMS and {len(by_email)} by email;"
        f" new web answering {restarted - kill:.1f} s after the kill",
    )
