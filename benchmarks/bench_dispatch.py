"""Dispatch throughput: due SMS on SQLite, sent through the real twilio SDK to a fake Twilio.

Three designs send the same messages to the same loopback FakeTwilio (in its own process,
so the server does not share our GIL), with the same concurrency:

- ours: `followup.worker.build_runner` draining the queue (claim a batch, re-check,
  render the shipped templates, record before and after the provider call);
- naive: one APScheduler job per message in APScheduler's SQLAlchemyJobStore on a SQLite
  file, each job sending one pre-rendered message and recording it (target: ours >= 3x);
- bare: a ThreadPoolExecutor loop of SDK sends, no database (target: ours >= 0.8x).

    python -m benchmarks.bench_dispatch [--messages 10000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.common import figure, header, ratio, stopwatch
from benchmarks.seed import TEMPLATES, benchmark_protocol, seed_due_sms
from followup.channels.base import Envelope
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.settings import load_settings
from followup.testing.fake_twilio import FakeTwilio
from followup.worker import build_runner

SID = "AC" + "b3" * 16
TOKEN = "bench-auth-token-4f1c"
FROM = "+14025550100"


def serve_fake(conn: Connection) -> None:
    """Child process: a FakeTwilio until told to stop; answers 'count' with accepted messages."""
    with FakeTwilio(SID, TOKEN) as fake:
        conn.send(fake.base_url)
        while (command := conn.recv()) != "stop":
            if command == "count":
                conn.send(len(fake.messages))
    conn.send("stopped")


class FakeProcess:
    """A FakeTwilio in another process; `count()` is how many messages it accepted."""

    def __enter__(self) -> FakeProcess:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve_fake, args=(child,), daemon=True)
        self.process.start()
        self.base_url: str = self.conn.recv()
        return self

    def count(self) -> int:
        self.conn.send("count")
        return int(self.conn.recv())

    def __exit__(self, *exc: object) -> None:
        self.conn.send("stop")
        self.conn.recv()
        self.process.join(10)


def fresh_database(directory: Path, name: str, messages: int, now: datetime) -> Engine:
    engine = make_engine(f"sqlite:///{directory / name}")
    upgrade(engine)
    seed_due_sms(engine, benchmark_protocol(), messages, now)
    return engine


def run_ours(
    directory: Path, fake: FakeProcess, messages: int, concurrency: int, batch: int | None
) -> tuple[float, list[tuple[int, str, str]]]:
    """Seconds to drain the queue with the real runner; and what was sent, for the baselines."""
    engine = fresh_database(directory, "ours.db", messages, datetime.now(UTC))
    overrides: dict[str, Any] = {"dispatch_batch_size": batch} if batch else {}
    settings = load_settings(
        database_url=str(engine.url),
        templates_dir=TEMPLATES,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        twilio_base_url=fake.base_url,
        sms_rate_per_second=1_000_000,
        sms_concurrency=concurrency,
        **overrides,
    )
    runner = build_runner(engine, settings, benchmark_protocol())
    before = fake.count()
    with stopwatch() as elapsed:
        while runner.run_until_idle().claimed:
            pass
    runner.close()
    with engine.connect() as connection:
        statuses: dict[str, int] = dict(
            connection.execute(
                text("SELECT status, count(*) FROM scheduled_message GROUP BY status")
            ).all()
        )
        sent = connection.execute(
            text(
                "SELECT m.id, p.phone, m.body FROM scheduled_message m "
                "JOIN patient p ON p.id = m.patient_id ORDER BY m.due_at"
            )
        ).all()
    engine.dispose()
    accepted = fake.count() - before
    if statuses != {"sent": messages} or accepted != messages:
        raise SystemExit(f"ours: expected {messages} sent once, got {statuses}, fake {accepted}")
    return elapsed[0], [(row[0], row[1], row[2]) for row in sent]


def channel(fake: FakeProcess) -> TwilioSMSChannel:
    return TwilioSMSChannel(SID, TOKEN, from_number=FROM, base_url=fake.base_url)


def envelope(message_id: int, to: str, body: str) -> Envelope:
    return Envelope(message_id=message_id, channel="sms", to=to, text=body)


def run_bare(fake: FakeProcess, sent: list[tuple[int, str, str]], concurrency: int) -> float:
    """Seconds for the same sends from a thread pool, with no database at all."""
    sms = channel(fake)
    before = fake.count()
    with stopwatch() as elapsed, ThreadPoolExecutor(concurrency) as pool:
        receipts = list(pool.map(lambda row: sms.send(envelope(*row)), sent))
    sms.close()
    if len(receipts) != len(sent) or fake.count() - before != len(sent):
        raise SystemExit("bare: not every message was accepted once")
    return elapsed[0]


# The naive design's job: module level, so APScheduler can pickle a reference to it.
_naive: dict[str, Any] = {}


def naive_send(message_id: int, to: str, body: str) -> None:
    """One APScheduler job: send one message through the SDK and record it."""
    receipt = _naive["channel"].send(envelope(message_id, to, body))
    with _naive["engine"].begin() as connection:
        connection.execute(
            text(
                "UPDATE scheduled_message SET status = 'sent', provider_id = :sid, "
                "sent_at = :now, updated_at = :now WHERE id = :id"
            ),
            {"sid": receipt.provider_id, "now": datetime.now(UTC), "id": message_id},
        )


def run_naive(
    directory: Path, fake: FakeProcess, sent: list[tuple[int, str, str]], concurrency: int
) -> float:
    """Seconds for APScheduler to run one stored job per message, all due at once."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
    from apscheduler.executors.pool import ThreadPoolExecutor as JobPool
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    engine = fresh_database(directory, "naive.db", len(sent), datetime.now(UTC))
    _naive.update(channel=channel(fake), engine=engine)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{directory / 'jobs.db'}")},
        executors={"default": JobPool(concurrency)},
        timezone="UTC",
    )
    done = threading.Event()
    finished = {"ok": 0, "error": 0}

    def on_event(event: JobExecutionEvent) -> None:
        finished["error" if event.exception else "ok"] += 1
        if sum(finished.values()) == len(sent):
            done.set()

    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    # Paused while the plan is stored (one job per message, as planning would add them).
    scheduler.start(paused=True)
    due = datetime.now(UTC) - timedelta(seconds=1)
    for message_id, to, body in sent:
        scheduler.add_job(
            naive_send,
            "date",
            run_date=due,
            args=(message_id, to, body),
            id=str(message_id),
            misfire_grace_time=None,
        )
    before = fake.count()
    with stopwatch() as elapsed:
        scheduler.resume()
        done.wait()
    scheduler.shutdown()
    _naive["channel"].close()
    engine.dispose()
    if finished["error"] or fake.count() - before != len(sent):
        raise SystemExit(f"naive: {finished} jobs, fake {fake.count() - before}")
    return elapsed[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=None, help="default: the setting's default")
    args = parser.parse_args()
    header("dispatch: SQLite, real twilio SDK, loopback fake Twilio")
    batch = args.batch or load_settings().dispatch_batch_size
    print(f"  {args.messages:,} due SMS, concurrency {args.concurrency}, batch {batch}")
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp, FakeProcess() as fake:
        directory = Path(tmp)
        ours, sent = run_ours(directory, fake, args.messages, args.concurrency, args.batch)
        bare = run_bare(fake, sent, args.concurrency)
        naive = run_naive(directory, fake, sent, args.concurrency)
    n = args.messages
    figure("ours (followup worker)", n / ours, "messages/s")
    figure("baseline: bare SDK loop, no database", n / bare, "messages/s")
    figure("baseline: APScheduler job per message, SQLAlchemyJobStore", n / naive, "messages/s")
    ratio("ours / APScheduler job per message", n / ours, n / naive, 3.0)
    ratio("ours / bare SDK loop", n / ours, n / bare, 0.8)


if __name__ == "__main__":
    main()
