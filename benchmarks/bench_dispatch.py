"""Dispatch throughput: due SMS on SQLite, sent through the real twilio SDK to a fake Twilio.

Designs that send the same messages to the same loopback FakeTwilio (in its own process,
so the server does not share our GIL), with the same concurrency:

- ours: `followup.worker.build_runner` draining the queue (claim a batch, re-check,
  render the shipped templates, record before and after the provider call);
- naive: one APScheduler job per message in APScheduler's SQLAlchemyJobStore on a SQLite
  file, each job doing the same work for its one message: claim it, then the same
  `Dispatcher.process` (check, render, mark in flight, send, record) (target: ours >= 3x);
- naive, pre-rendered (context, no target): the same jobs, each only sending a
  pre-rendered body and recording it with one UPDATE, no checks at send time;
- bare: a ThreadPoolExecutor loop of SDK sends, no database (target: ours >= 0.8x).

Ours and bare alternate for `--rounds` rounds and each round gives a ratio; the median
ratio is the claim, since a shared machine swings either figure by a third between runs.

    python -m benchmarks.bench_dispatch [--messages 10000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text, update

from benchmarks.common import figure, header, ratio, stopwatch
from benchmarks.fake import FakeProcess
from benchmarks.seed import TEMPLATES, benchmark_protocol, seed_due_sms
from followup.channels.base import Envelope
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.dispatch.claim import T
from followup.dispatch.send import Dispatcher
from followup.settings import Settings, load_settings
from followup.worker import build_runner

SID = "AC" + "b3" * 16
TOKEN = "bench-auth-token-4f1c"
FROM = "+14025550100"


def fresh_database(directory: Path, name: str, messages: int, now: datetime) -> Engine:
    engine = make_engine(f"sqlite:///{directory / name}")
    upgrade(engine)
    seed_due_sms(engine, benchmark_protocol(), messages, now)
    return engine


def worker_settings(
    engine: Engine, fake: FakeProcess, concurrency: int, batch: int | None
) -> Settings:
    """A worker's settings for this run: the fake's URL, a rate limit that never binds."""
    overrides: dict[str, Any] = {"dispatch_batch_size": batch} if batch else {}
    return load_settings(
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


def run_ours(
    directory: Path, fake: FakeProcess, messages: int, concurrency: int, batch: int | None
) -> tuple[float, list[tuple[int, str, str]]]:
    """Seconds to drain the queue with the real runner; and what was sent, for the baselines."""
    engine = fresh_database(directory, "ours.db", messages, datetime.now(UTC))
    settings = worker_settings(engine, fake, concurrency, batch)
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
    (directory / "ours.db").unlink()
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


# The naive designs' jobs: module level, so APScheduler can pickle a reference to them.
_naive: dict[str, Any] = {}


def naive_process(message_id: int) -> None:
    """One APScheduler job doing ours's work for one message: claim it, then process it."""
    dispatcher: Dispatcher = _naive["dispatcher"]
    now = datetime.now(UTC)
    with dispatcher.engine.begin() as connection:
        connection.execute(
            update(T)
            .where(T.c.id == message_id, T.c.status == "pending")
            .values(
                status="claimed",
                lease_owner=dispatcher.owner,
                lease_expires_at=now + dispatcher.lease,
                updated_at=now,
            )
        )
    if dispatcher.process(message_id) != "sent":
        raise RuntimeError(f"message {message_id} was not sent")


def naive_send(message_id: int, to: str, body: str) -> None:
    """One APScheduler job: send one pre-rendered message and record it, nothing else."""
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
    directory: Path,
    fake: FakeProcess,
    sent: list[tuple[int, str, str]],
    concurrency: int,
    same_work: bool,
) -> float:
    """Seconds for APScheduler to run one stored job per message, all due at once."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
    from apscheduler.executors.pool import ThreadPoolExecutor as JobPool
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    for name in ("naive.db", "jobs.db"):
        (directory / name).unlink(missing_ok=True)
    engine = fresh_database(directory, "naive.db", len(sent), datetime.now(UTC))
    settings = worker_settings(engine, fake, concurrency, None)
    dispatcher = build_runner(engine, settings, benchmark_protocol()).dispatcher
    _naive.update(channel=channel(fake), engine=engine, dispatcher=dispatcher)
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
            naive_process if same_work else naive_send,
            "date",
            run_date=due,
            args=(message_id,) if same_work else (message_id, to, body),
            id=str(message_id),
            misfire_grace_time=None,
        )
    before = fake.count()
    with stopwatch() as elapsed:
        scheduler.resume()
        done.wait()
    scheduler.shutdown()
    _naive["channel"].close()
    for sms in dispatcher.channels.values():
        sms.close()
    engine.dispose()
    if finished["error"] or fake.count() - before != len(sent):
        raise SystemExit(f"naive: {finished} jobs, fake {fake.count() - before}")
    return elapsed[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="ours and bare, alternating")
    parser.add_argument("--batch", type=int, default=None, help="default: the setting's default")
    args = parser.parse_args()
    header("dispatch: SQLite, real twilio SDK, loopback fake Twilio")
    batch = args.batch or load_settings().dispatch_batch_size
    n = args.messages
    print(f"  {n:,} due SMS, concurrency {args.concurrency}, batch {batch}, {args.rounds} rounds")
    ours: list[float] = []
    bare: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp,
        FakeProcess(SID, TOKEN) as fake,
    ):
        directory = Path(tmp)
        for round_ in range(1, args.rounds + 1):
            seconds, sent = run_ours(directory, fake, n, args.concurrency, args.batch)
            ours.append(n / seconds)
            bare.append(n / run_bare(fake, sent, args.concurrency))
            print(
                f"  round {round_}: ours {ours[-1]:,.1f}, bare {bare[-1]:,.1f} messages/s, "
                f"ratio {ours[-1] / bare[-1]:.2f}x"
            )
        naive = n / run_naive(directory, fake, sent, args.concurrency, same_work=True)
        pre_rendered = n / run_naive(directory, fake, sent, args.concurrency, same_work=False)
    figure("ours (followup worker), median", statistics.median(ours), "messages/s")
    figure("baseline: bare SDK loop, no database, median", statistics.median(bare), "messages/s")
    figure("baseline: APScheduler job per message, same work", naive, "messages/s")
    figure(
        "context: APScheduler job per message, pre-rendered, no checks", pre_rendered, "messages/s"
    )
    ratio("ours / APScheduler job per message (same work)", statistics.median(ours), naive, 3.0)
    print(
        f"  ours / APScheduler pre-rendered, no checks: {statistics.median(ours) / pre_rendered:.2f}x"
    )
    rounds = [o / b for o, b in zip(ours, bare, strict=True)]
    ratio("ours / bare SDK loop (median of rounds)", statistics.median(rounds), 1.0, 0.8)


if __name__ == "__main__":
    main()
