"""One rate limit per sender across worker processes (issue 14), on PostgreSQL.

Worker processes (each the real `build_runner(...).run_until_idle()` loop that
`followup worker` runs, with a 0.2 s pause when idle) send due SMS through the real
twilio SDK to FakeTwilio in a process of its own, all as one Twilio number:

1. the issue's configuration: 4 workers, a limit of 5 a second, 1,000 due messages
   (about 200 s). Printed: the most messages FakeTwilio accepted in any 1 s window
   (target: at most the limit and the burst, 5 + 5) and the achieved rate (messages after
   the first burst over the time they took; target: within 5% of the limit).
2. a high limit: the same 4 workers at 1,000 a second, against the same workers with no
   limit at all (their takes answered in memory, no statement), alternating for
   `--rounds` rounds; the median ratio of achieved rates is the claim (target ≥ 0.9x),
   with the token statements each run made.

Every run checks that each message was sent exactly once (rows and FakeTwilio's count).

    python -m benchmarks.bench_rate_limit [--messages 1000] [--rate 5] [--workers 4]
        [--high-messages 4000] [--high-rate 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

from sqlalchemy import Engine, TextClause, text

from benchmarks.common import figure, header, postgres_version, ratio
from benchmarks.fake import FakeProcess
from benchmarks.seed import TEMPLATES, benchmark_protocol, seed_due_sms
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.dispatch.rate import Grant, capacity_for
from followup.settings import load_settings
from followup.testing.fake_twilio import most_in_window
from followup.testing.postgres import TemporaryPostgres
from followup.worker import build_runner

SID = "AC" + "7a" * 16
TOKEN = "bench-rate-token-51c2"
FROM = "+14025550100"
IDLE_SECONDS = 0.2  # a worker with nothing to claim looks again after this, as in the fault tests
_OTHERS = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
_STATEMENTS = text(
    "SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_user_tables"
    " WHERE relname = 'sender_bucket'"
)


class Unlimited:
    """The baseline's limit: every take gets what it asks for, without the database."""

    def take(self, want: int) -> Grant:
        return Grant(want)


def worker(
    url: str, base_url: str, rate: float | None, ready: Queue[int], go: Event, done: Event
) -> None:
    """One worker process: send as the shared number until the parent says all arrived."""
    engine = make_engine(url)
    settings = load_settings(
        database_url=url,
        templates_dir=TEMPLATES,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        twilio_base_url=base_url,
        sms_rate_per_second=rate or 1_000_000,
    )
    runner = build_runner(engine, settings, benchmark_protocol())
    if rate is None:
        runner.limits = {name: Unlimited() for name in runner.limits}
    with engine.connect() as connection:  # connected before the start, as a running worker is
        connection.execute(text("SELECT 1"))
    ready.put(1)
    go.wait()
    while not done.is_set():
        if not runner.run_until_idle().claimed:
            done.wait(IDLE_SECONDS)
    runner.close()
    engine.dispose()


@dataclass(frozen=True, slots=True)
class Run:
    arrivals: list[float]  # FakeTwilio's, sorted
    statements: int  # takes from the sender's bucket

    @property
    def seconds(self) -> float:
        return self.arrivals[-1] - self.arrivals[0]


def run(
    server: TemporaryPostgres,
    name: str,
    messages: int,
    workers: int,
    rate: float | None,
) -> Run:
    """Drain `messages` due SMS with `workers` processes; check each went exactly once."""
    admin = make_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = server.url(name)
    engine = make_engine(url)
    upgrade(engine)
    seed_due_sms(engine, benchmark_protocol(), messages, datetime.now(UTC))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    with FakeProcess(SID, TOKEN) as fake:  # one per run: it counts duplicates by (To, Body)
        arrivals = drain(url, fake, messages, workers, rate)
        twice = fake.twice()
    statuses, statements = _rows(engine)
    if statuses != {"sent": messages} or len(arrivals) != messages or twice:
        raise SystemExit(f"{name}: not each message once: rows {statuses}, fake {len(arrivals)}")
    return Run(sorted(arrivals), statements)


def drain(
    url: str, fake: FakeProcess, messages: int, workers: int, rate: float | None
) -> list[float]:
    """Start the workers together, stop them once FakeTwilio has every message; its arrivals."""
    ctx = multiprocessing.get_context("spawn")
    go, done, ready = ctx.Event(), ctx.Event(), ctx.Queue()
    processes = [
        ctx.Process(target=worker, args=(url, fake.base_url, rate, ready, go, done))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()  # imports and connecting are not what is measured
    go.set()
    while fake.count() < messages:
        time.sleep(0.1)
    done.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a worker exited with {process.exitcode}")
    return fake.arrivals()


def _rows(engine: Engine) -> tuple[dict[str, int], int]:
    """Messages by status, and the bucket's inserts and updates: read once the workers'
    connections are gone, which is when PostgreSQL has counted what they did. Each read is
    a transaction of its own: PostgreSQL keeps these views still within one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _scalar(engine, _OTHERS):
        time.sleep(0.1)
    with engine.connect() as connection:
        statuses = {
            str(status): int(n)
            for status, n in connection.execute(
                text("SELECT status, count(*) FROM scheduled_message GROUP BY status")
            )
        }
    statements = _scalar(engine, _STATEMENTS)
    engine.dispose()
    return statuses, statements


def _scalar(engine: Engine, query: TextClause) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--high-messages", type=int, default=4000)
    parser.add_argument("--high-rate", type=float, default=1000.0)
    parser.add_argument("--rounds", type=int, default=3, help="high limit and none, alternating")
    args = parser.parse_args()
    header("one rate limit per sender: PostgreSQL, worker processes, real twilio SDK")
    burst = capacity_for(args.rate)
    with TemporaryPostgres() as server:
        print(f"  {postgres_version(str(server.bin))}; {args.workers} workers, one number")
        low = run(server, "rate_low", args.messages, args.workers, args.rate)
        busiest = most_in_window(low.arrivals, 1.0)
        achieved = (args.messages - burst) / low.seconds
        print(
            f"  limit {args.rate:g}/s, burst {burst:g}: {args.messages:,} messages in {low.seconds:.1f} s"
        )
        figure("most messages in any 1 s window", busiest, f"(target ≤ {args.rate + burst:g})")
        figure("achieved rate after the burst", achieved, "messages/s")
        print(f"  token statements: {low.statements:,} for {args.messages:,} messages")
        rounds: list[tuple[float, float]] = []
        for number in range(1, args.rounds + 1):
            high = run(
                server,
                f"rate_high_{number}",
                args.high_messages,
                args.workers,
                args.high_rate,
            )
            free = run(server, f"rate_none_{number}", args.high_messages, args.workers, None)
            rates = (args.high_messages / high.seconds, args.high_messages / free.seconds)
            rounds.append(rates)
            print(
                f"  round {number}: limit {args.high_rate:g}/s {rates[0]:,.1f}, no limit "
                f"{rates[1]:,.1f} messages/s, ratio {rates[0] / rates[1]:.2f}x; "
                f"token statements {high.statements:,} for {args.high_messages:,} messages"
            )
    print(
        f"  busiest 1 s window {busiest} (target ≤ {args.rate + burst:g}) "
        f"{'OK' if busiest <= args.rate + burst else 'MISSED'}"
    )
    ratio("achieved / limit (low limit)", achieved, args.rate, 0.95)
    ratio(
        f"limit {args.high_rate:g}/s / no limit (median of rounds)",
        statistics.median(h / f for h, f in rounds),
        1.0,
        0.9,
    )


if __name__ == "__main__":
    main()
