"""Email has no lookup: SMTP cannot say whether a message went out before. Four workers
send a backlog of SMS and email to FakeTwilio and a real SMTP server, and the database
goes away for a minute in the middle of it (longer than the 15 s lease), or one worker
is killed while it sends email, or stalls through the database's return. What patients
would notice is asserted: each message
arrives once (an email by its Message-ID, which is the same for every send of a row).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from followup.core import clock
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.postgres import TemporaryPostgres
from followup.testing.processes import FollowupProcess, wait_for
from tests.faults.conftest import (
    Fleet,
    Mailbox,
    count_by_status,
    count_sent,
    fleet_on,
    seed_due_discharges,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SMS, EMAILS = 2000, 200
DOWN_SECONDS = 60


@pytest.fixture
def email_fleet(
    restartable_postgres: TemporaryPostgres,
    tmp_path: Path,
    fake: FakeTwilio,
    mailbox: Mailbox,
    fault_protocol: tuple[Path, Protocol],
) -> Iterator[Fleet]:
    """Workers sending SMS at 100/s and email at 10/s (each rate shared by the fleet): the
    backlog takes some 20 s, so a fault lands mid-batch on both channels."""
    fleet = fleet_on(
        restartable_postgres.url(),
        tmp_path,
        fake,
        fault_protocol[0],
        FOLLOWUP_SMS_RATE_PER_SECOND="100",
        FOLLOWUP_EMAIL_RATE_PER_SECOND="10",
        FOLLOWUP_EMAIL_CONCURRENCY="2",
        FOLLOWUP_SPOOL_DIR=str(tmp_path / "spool"),
        **mailbox.settings(),
    )
    try:
        yield fleet
    finally:
        for worker in fleet.workers:
            if worker.returncode is None:
                worker.kill()
        fleet.engine.dispose()


def expected_sms(fleet: Fleet) -> Counter[tuple[str, str]]:
    """Each SMS once, keyed as FakeTwilio counts them: (patient's phone, body sent)."""
    with fleet.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT p.phone, m.body FROM scheduled_message AS m"
                " JOIN patient AS p ON p.id = m.patient_id WHERE m.channel = 'sms'"
            )
        ).all()
    return Counter({(row.phone, row.body): 1 for row in rows})


def email_ids(fleet: Fleet) -> list[int]:
    with fleet.engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT id FROM scheduled_message WHERE channel = 'email' ORDER BY id")
            ).scalars()
        )


def duplicates(counts: Counter[str] | Counter[tuple[str, str]]) -> int:
    """How many deliveries were one too many."""
    return sum(n - 1 for n in counts.values() if n > 1)


def check_emails(fleet: Fleet, mailbox: Mailbox) -> int:
    """Every email row went to its patient, with its own Message-ID; the copies too many."""
    mails = mailbox.mails()
    by_id = Counter(mail.message_id for mail in mails)
    by_content = Counter((mail.to[0], mail.subject + mail.text) for mail in mails)
    ids = email_ids(fleet)
    assert len(by_id) == len(ids) == EMAILS
    # The Message-ID names the row: <followup.message.ROW.digest@domain>.
    assert sorted(int(key.split(".")[2]) for key in by_id) == ids
    assert len({mail.to for mail in mails}) == EMAILS  # one patient each
    assert duplicates(by_id) == duplicates(by_content)  # a copy is the same email again
    return duplicates(by_id)


def sent_file(fleet: Fleet, worker: FollowupProcess) -> Path | None:
    """A worker's held-sends file, if it has one (named by its process id)."""
    found = list((fleet.root / "spool").glob(f"sent-*-{worker.pid}-*.sqlite"))
    return found[0] if found else None


def held_rows(path: Path | None) -> list[int]:
    """The message ids a worker's held-sends file holds (read as the other workers do)."""
    if path is None:
        return []
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return [row[0] for row in connection.execute("SELECT message_id FROM sent")]
    except sqlite3.Error:
        return []
    finally:
        connection.close()


def copied_rows(mailbox: Mailbox) -> list[int]:
    """The message rows whose email arrived more than once."""
    counts = Counter(mail.message_id for mail in mailbox.mails())
    return sorted(int(key.split(".")[2]) for key, n in counts.items() if n > 1)


def story_of(rows: list[int], log: str) -> str:
    """What the workers logged about some messages: why a copy went, when one did."""
    named = re.compile(rf"message ({'|'.join(map(str, rows))})\b") if rows else None
    lines = [line for line in log.splitlines() if named and named.search(line)]
    return f"rows sent twice: {rows}; what the workers said of them:\n" + "\n".join(lines[:60])


def found_in_held(log: str) -> set[int]:
    """The messages a worker found sent (held on this host, or at Twilio) before resending."""
    pattern = r"message (\d+) sent: \S+ \S+ via \S+ \(found at the provider"
    return {int(n) for n in re.findall(pattern, log)}


def test_database_down_a_minute_mid_sending_nothing_goes_twice(
    email_fleet: Fleet,
    restartable_postgres: TemporaryPostgres,
    fake: FakeTwilio,
    mailbox: Mailbox,
    fault_protocol: tuple[Path, Protocol],
) -> None:
    fleet = email_fleet
    seed_due_discharges(fleet.engine, fault_protocol[1], SMS, clock.now(), emails=EMAILS)
    by_email = set(email_ids(fleet))
    workers = [fleet.start() for _ in range(4)]

    def holding_email() -> bool:
        return any(by_email & set(held_rows(sent_file(fleet, w))) for w in workers)

    # Every worker up first: on a loaded machine one still starting when the database
    # goes would stop at its start-up check, which is not what this test is about.
    wait_for(
        lambda: all("worker started" in w.log() for w in workers),
        120,
        "the four workers to start",
    )
    wait_for(
        lambda: mailbox.count >= 40 and fake.accepted >= 400 and holding_email(),
        120,
        "sending to be under way",
        every=0.02,
    )
    fleet.engine.dispose()
    at_down = (fake.accepted, mailbox.count)
    restartable_postgres.stop_server()
    time.sleep(10)
    stopped = (fake.accepted, mailbox.count)  # by now every batch has been cut off
    # Then the worker holding the most email stalls (SIGSTOP: a paused VM, a swap storm),
    # with nothing in flight (sending stopped with the database), until the others have
    # sent everything. They take its messages over after the lease and must find its
    # sends in its file (it is alive, so not adopted) rather than send them again.
    held = {w.pid: held_rows(sent_file(fleet, w)) for w in workers}
    stalled = max(workers, key=lambda w: (len(by_email & set(held[w.pid])), len(held[w.pid])))
    stalled_held = held[stalled.pid]
    assert stalled_held, held
    os.kill(stalled.pid, signal.SIGSTOP)
    try:
        time.sleep(DOWN_SECONDS - 10)
        during = (fake.accepted, mailbox.count)
        assert during[0] < SMS and during[1] < EMAILS  # the outage hit mid-backlog
        restartable_postgres.start_server()
        up = time.monotonic()
        wait_for(
            lambda: count_sent(fleet.engine) == SMS + EMAILS,
            180,
            "every message recorded as sent after the outage",
            every=1,
        )
        finished = time.monotonic()
    finally:
        os.kill(stalled.pid, signal.SIGCONT)
    log = fleet.stop_all()

    assert count_by_status(fleet.engine) == {"sent": SMS + EMAILS}
    assert fake.deliveries() == expected_sms(fleet)  # each SMS exactly once
    email_copies = check_emails(fleet, mailbox)
    assert email_copies == 0, story_of(copied_rows(mailbox), log)
    # Nothing was sent while the database was away but what was under way when it went.
    assert stopped == during
    # Held sends were recorded first when the database came back, by the workers that
    # held them; the stalled worker's were found in its file by those that took over.
    assert "held while the database was away" in log
    assert set(stalled_held) <= found_in_held(log)
    assert "Traceback" not in log, log[-5000:]
    assert not list((fleet.root / "spool").glob("sent-*.sqlite"))  # all released
    for worker in fleet.workers:
        # One line when it went away and one when it came back: a job that did not reach
        # the database (the inbound sweep waits after an outage) does not say it is back.
        # The stalled worker may be stopped before any job of its reaches the database.
        back = worker.log().count("database available again")
        assert worker.log().count("database unavailable") == 1, worker.log()[-3000:]
        assert back == 1 or (worker is stalled and back == 0)
    (fleet.root / "figures.txt").write_text(
        f"down {DOWN_SECONDS} s: at the outage {at_down[0]} SMS and {at_down[1]} emails sent,"
        f" {stopped[0] - at_down[0]} SMS and {stopped[1] - at_down[1]} emails in its first"
        f" 10 s (under way), 0 later; held sends per worker {sorted(map(len, held.values()))},"
        f" the stalled worker's {len(stalled_held)} (of them"
        f" {len(by_email & set(stalled_held))} emails) found in its file by the others;"
        f" {log.count('held while the database was away')} held-send recordings; all"
        f" {SMS + EMAILS} sent {finished - up:.1f} s after the database came back;"
        f" duplicates: SMS {duplicates(fake.deliveries())}, email {email_copies}\n"
    )


def test_worker_killed_while_sending_email_at_most_one_goes_twice(
    email_fleet: Fleet, fake: FakeTwilio, mailbox: Mailbox, fault_protocol: tuple[Path, Protocol]
) -> None:
    fleet = email_fleet
    sms = SMS // 2
    seed_due_discharges(fleet.engine, fault_protocol[1], sms, clock.now(), emails=EMAILS)
    survivors = [fleet.start() for _ in range(3)]
    victim = fleet.start()
    seen: list[int] = []

    def holding(n: int) -> bool:
        seen[:] = held_rows(sent_file(fleet, victim))
        return len(seen) >= n

    # Killed mid-batch, with emails the SMTP server took that its database does not know
    # of yet (each is held on disk the moment the server accepts it).
    wait_for(lambda: holding(2), 120, "the victim to hold emails it has not recorded", 0.02)
    path = sent_file(fleet, victim)
    victim.kill()
    assert path is not None
    # What it held when it died (another worker may have adopted the file already).
    unrecorded = sorted(set(seen) | set(held_rows(path)))
    wait_for(
        lambda: count_sent(fleet.engine) == sms + EMAILS,
        180,
        "every message recorded as sent",
        every=1,
    )
    log = fleet.stop_all()

    assert count_by_status(fleet.engine) == {"sent": sms + EMAILS}
    assert fake.deliveries() == expected_sms(fleet)
    email_copies = check_emails(fleet, mailbox)
    # At most the one email the victim had handed to the server and not yet held.
    assert email_copies <= 1
    mails = Counter(mail.message_id for mail in mailbox.mails())
    held_copies = sum(
        n - 1 for key, n in mails.items() if int(key.split(".")[2]) in set(unrecorded)
    )
    assert held_copies == 0  # what it held was recorded by another worker, never resent
    assert not path.exists()  # its file was adopted and emptied
    assert all(worker.returncode == 0 for worker in survivors)
    assert "Traceback" not in log, log[-5000:]
    (fleet.root / "figures.txt").write_text(
        f"kill: the victim held {len(unrecorded)} sent email(s) it had not recorded; email"
        f" duplicates {email_copies}, SMS duplicates {duplicates(fake.deliveries())}\n"
    )
