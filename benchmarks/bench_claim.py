"""The claim loop on PostgreSQL: the real DispatchRunner in 1 and 4 worker processes.

A provider that accepts every message at once (no network) leaves the database work:
claim with SKIP LOCKED, re-check, render, record. Each configuration starts from the same
N due messages; the baseline is the same code with a batch of one row per transaction.
Every process writes the ids its provider was handed; afterwards no id may appear twice
and every row must be sent (zero double claims). Target: normal batch >= 10x batch 1.

The batch-1 runs stop after --baseline-seconds (they would take many minutes to drain);
messages/s is what they sent in that time, and the rows they did not reach must still be
pending and unclaimed.

    python -m benchmarks.bench_claim [--messages 20000] [--workers 1 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

from sqlalchemy import text

from benchmarks.common import figure, header, postgres_version, ratio
from benchmarks.seed import TEMPLATES, benchmark_protocol, seed_due_sms
from followup.channels.base import ChannelName, Envelope, Receipt
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.settings import load_settings
from followup.testing.postgres import TemporaryPostgres
from followup.worker import build_runner


@dataclass
class NoopChannel:
    """Accepts every message at once and remembers which it was handed."""

    name: ChannelName
    provider: str = "noop"
    sent: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, envelope: Envelope) -> Receipt:
        with self._lock:
            self.sent.append(envelope.message_id)
        return Receipt(provider_id=f"NOOP{envelope.message_id}")


def worker(
    url: str, batch: int, ready: Queue[int], go: Event, seconds: float | None, out: str
) -> None:
    """One worker process: wait for the start, drain (or run out the time), write the ids."""
    engine = make_engine(url)
    settings = load_settings(
        database_url=url,
        templates_dir=TEMPLATES,
        dispatch_batch_size=batch,
        sms_rate_per_second=1_000_000,
        email_rate_per_second=1_000_000,
    )
    runner = build_runner(engine, settings, benchmark_protocol())
    sms, email = NoopChannel("sms"), NoopChannel("email")
    runner.dispatcher.channels = {"sms": sms, "email": email}
    timed_out = threading.Event()
    with engine.connect() as connection:  # connected before the start, as a running worker is
        connection.execute(text("SELECT 1"))
    ready.put(1)
    go.wait()
    started = time.perf_counter()
    if seconds is not None:

        def time_up() -> None:
            timed_out.set()
            runner.stop()

        timer = threading.Timer(seconds, time_up)
        timer.daemon = True
        timer.start()
    while not timed_out.is_set() and runner.run_until_idle().claimed:
        pass
    elapsed = time.perf_counter() - started
    runner.close()
    engine.dispose()
    ids = sms.sent + email.sent
    Path(out).write_text(f"{elapsed}\n" + "\n".join(map(str, ids)), encoding="utf-8")


def run(
    server: TemporaryPostgres,
    directory: Path,
    messages: int,
    workers: int,
    batch: int,
    seconds: float | None,
) -> float:
    """Messages per second for one configuration, after checking nothing went twice."""
    name = f"claim_{workers}_{batch}"
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
    ctx = multiprocessing.get_context("spawn")
    go, ready = ctx.Event(), ctx.Queue()
    outs = [directory / f"{name}_{n}.txt" for n in range(workers)]
    processes = [
        ctx.Process(target=worker, args=(url, batch, ready, go, seconds, str(out))) for out in outs
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()  # imports and connecting are not what is measured
    wall = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a worker exited with {process.exitcode}")
    wall = time.perf_counter() - wall
    ids: list[int] = []
    elapsed = 0.0
    for out in outs:
        first, *rest = out.read_text(encoding="utf-8").splitlines()
        elapsed = max(elapsed, float(first))
        ids.extend(int(line) for line in rest if line)
    with engine.connect() as connection:
        statuses: dict[str, int] = dict(
            connection.execute(
                text("SELECT status, count(*) FROM scheduled_message GROUP BY status")
            ).all()
        )
    engine.dispose()
    twice = [i for i, n in Counter(ids).items() if n > 1]
    expected = {"sent": len(ids)}
    if len(ids) < messages:
        expected["pending"] = messages - len(ids)
    ok = not twice and statuses == expected and (seconds is not None or len(ids) == messages)
    label = f"{workers} worker{'s' if workers > 1 else ''}, batch {batch}"
    print(
        f"  {label}: {len(ids):,} sent in {elapsed:.1f} s (wall {wall:.1f} s), "
        f"double claims {len(twice)}, rows {statuses} {'OK' if ok else 'WRONG'}"
    )
    if not ok:
        raise SystemExit(f"{label}: double claims {twice[:10]} or rows {statuses}")
    return len(ids) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--batch", type=int, default=None, help="default: the setting's default")
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    args = parser.parse_args()
    batch = args.batch or load_settings().dispatch_batch_size
    with TemporaryPostgres() as server, tempfile.TemporaryDirectory(prefix="bench-claim-") as tmp:
        header("claim loop: PostgreSQL, no-op provider, worker processes")
        print(f"  {postgres_version(str(server.bin))}; {args.messages:,} due messages")
        results = {}
        for workers in args.workers:
            ours = run(server, Path(tmp), args.messages, workers, batch, None)
            one = run(server, Path(tmp), args.messages, workers, 1, args.baseline_seconds)
            results[workers] = (ours, one)
        for workers, (ours, one) in results.items():
            figure(f"{workers} worker(s), batch {batch}", ours, "messages/s")
            figure(f"{workers} worker(s), batch 1 (baseline)", one, "messages/s")
        for workers, (ours, one) in results.items():
            ratio(f"{workers} worker(s): batch {batch} / batch 1", ours, one, 10.0)


if __name__ == "__main__":
    main()
