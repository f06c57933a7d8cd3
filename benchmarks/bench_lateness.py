"""Lateness from due to sent, with 10k and with 1M pending rows, on SQLite.

The real worker loop: `followup.worker.build_scheduler` runs the dispatch job every
second (FOLLOWUP_DISPATCH_INTERVAL_SECONDS=1) on APScheduler, and the job is the real
`DispatchRunner` with the real `Dispatcher` (checks, the shipped templates, records),
built as `followup.worker.build_runner` builds it, except that the channel is a provider
that accepts every message at once and notes the instant it was handed over.

Before the scheduler starts, the database holds N pending rows planned for the coming
weeks (not due during the run), plus a stream of SMS whose due times are spread evenly over
the next `--window` seconds. Lateness is the instant the provider got a message minus its
due time. Target: p99 <= dispatch interval + 1 s, with 10k and with 1M pending rows.

Each case dispatches in a fresh subprocess (the database is seeded before it starts), and
its peak resident memory while dispatching (VmHWM, reset when the scheduler starts) is
compared: the growth from 10k to 1M pending rows is the cost of the queue's size to a
worker. Target: < 50 MiB.

    python -m benchmarks.bench_lateness [--pending 10000 1000000] [--stream 1200] [--window 40]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from benchmarks.common import figure, header, percentile, reset_peak_rss, rss_mib, stopwatch
from benchmarks.seed import FIRST_NAMES, ROOT, TEMPLATES, benchmark_protocol, phone
from followup.channels.base import ChannelName, Envelope, Receipt
from followup.core import clock
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.protocol import Protocol
from followup.settings import load_settings
from followup.worker import build_runner, build_scheduler

# How SQLAlchemy's SQLite dialect stores a DateTime: seeding with sqlite3 writes the same.
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
STEPS_PER_APPOINTMENT = 10
# The stream's patients come after the pending rows' patients.
STREAM_FIRST_ID = 10_000_000
LEAD = timedelta(seconds=3)  # the first streamed message falls due this long after start


class NoopChannel:
    """A provider that accepts every message at once; `sent` maps message id -> epoch."""

    provider = "noop"

    def __init__(self, name: ChannelName) -> None:
        self.name: ChannelName = name
        self.sent: dict[int, float] = {}

    def send(self, envelope: Envelope) -> Receipt:
        self.sent[envelope.message_id] = time.time()
        return Receipt(provider_id=f"NOOP{envelope.message_id}")


def seed_pending(path: Path, pending: int, now: datetime) -> None:
    """`pending` rows planned over the next eight weeks, written with sqlite3 in chunks."""
    appointments = -(-pending // STEPS_PER_APPOINTMENT)
    patients = max(1, appointments // 10)
    stamp = now.astimezone(UTC).replace(tzinfo=None).strftime(SQLITE_TIME)

    def at(seconds: float) -> str:
        return (now + timedelta(seconds=seconds)).replace(tzinfo=None).strftime(SQLITE_TIME)

    def patient_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(patients):
            yield (n + 1, f"Q{n:08d}", "Pat", "Ient", phone(n), "America/Chicago", stamp)

    def appointment_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(appointments):
            start = at(86_400 * 3 + (n * 4_817) % (86_400 * 56))
            yield (n + 1, "bench.ics", f"q-{n}", n % patients + 1, start, start, stamp)

    def message_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(pending):
            appt = n // STEPS_PER_APPOINTMENT + 1
            due = 86_400 + (n * 7_919) % (86_400 * 56)  # one day to eight weeks ahead
            yield (
                appt,
                (appt - 1) % patients + 1,
                f"step{n % STEPS_PER_APPOINTMENT}",
                at(due),
                at(due + 8 * 3_600),
                stamp,
            )

    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO patient (id, external_id, first_name, last_name, phone, language,"
            " timezone, sms_consent, email_consent, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'en', ?, 1, 0, ?7, ?7)",
            patient_rows(),
        )
        connection.executemany(
            "INSERT INTO appointment (id, source, source_uid, patient_id, start_at, end_at,"
            " status, treatment, source_sequence, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'booked', 'depression', 0, ?7, ?7)",
            appointment_rows(),
        )
        connection.executemany(
            "INSERT INTO scheduled_message (appointment_id, patient_id, step, kind, template,"
            " channel, due_at, expires_at, quiet_hours_exempt, status, attempts,"
            " created_at, updated_at)"
            " VALUES (?, ?, ?3, 'reminder', 'reminder', 'sms', ?, ?, 0, 'pending', 0, ?6, ?6)",
            message_rows(),
        )
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("ANALYZE")
    connection.close()


def seed_stream(
    engine: Engine, protocol: Protocol, count: int, start: datetime, window: float
) -> None:
    """`count` SMS reminders for as many patients, falling due evenly across the window."""
    now = clock.now()
    infusion = now + timedelta(days=3)
    reminder = next(s for s in protocol.steps if s.key == "reminder")
    P = Patient.__table__  # type: ignore[attr-defined]
    A = Appointment.__table__  # type: ignore[attr-defined]
    M = ScheduledMessage.__table__  # type: ignore[attr-defined]
    ids = range(STREAM_FIRST_ID, STREAM_FIRST_ID + count)
    with engine.begin() as connection:
        connection.execute(
            insert(P),
            [
                {
                    "id": n,
                    "external_id": f"S{n}",
                    "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
                    "last_name": "Stream",
                    "phone": phone(2_000_000 + n - STREAM_FIRST_ID),
                    "timezone": "America/Chicago",
                    "sms_consent": True,
                    "email_consent": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in ids
            ],
        )
        connection.execute(
            insert(A),
            [
                {
                    "id": n,
                    "source": "stream.ics",
                    "source_uid": f"s-{n}",
                    "patient_id": n,
                    "start_at": infusion,
                    "end_at": infusion + timedelta(minutes=90),
                    "status": "booked",
                    "treatment": protocol.default_treatment,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in ids
            ],
        )
        connection.execute(
            insert(M),
            [
                {
                    "appointment_id": n,
                    "patient_id": n,
                    "step": reminder.key,
                    "kind": reminder.kind,
                    "template": reminder.template,
                    "channel": "sms",
                    "due_at": start + timedelta(seconds=window * i / count),
                    "expires_at": infusion,
                    "quiet_hours_exempt": False,
                    "status": MessageStatus.PENDING,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, n in enumerate(ids)
            ],
        )


def child(url: str, stream: int, window: float, interval: float) -> None:
    """Dispatch the stream under the worker's scheduler; print the figures as JSON."""
    engine = make_engine(url)
    protocol = benchmark_protocol()
    settings = load_settings(
        database_url=url,
        templates_dir=TEMPLATES,
        calendar_sources=[],
        roster_file=None,
        dispatch_interval_seconds=interval,
        # The provider's own limit (Twilio: about 1 SMS/s per long code) is not what this
        # measures; the stream must not queue behind a token bucket.
        sms_rate_per_second=10_000,
    )
    start = clock.now() + LEAD
    seed_stream(engine, protocol, stream, start, window)
    sms = NoopChannel("sms")
    runner = build_runner(engine, settings, protocol)
    # The worker's own runner, with the no-op provider in place of Twilio and SMTP.
    runner.dispatcher.channels = {"sms": sms, "email": NoopChannel("email")}
    scheduler = build_scheduler(engine, settings, protocol, runner)
    reset_peak_rss()
    rss_before = rss_mib("VmRSS")
    scheduler.start()
    deadline = time.monotonic() + LEAD.total_seconds() + window + 60
    while len(sms.sent) < stream and time.monotonic() < deadline:
        threading.Event().wait(0.5)
    scheduler.shutdown(wait=True)
    runner.close()
    with engine.connect() as connection:
        due = dict(
            connection.execute(
                text("SELECT id, due_at FROM scheduled_message WHERE patient_id >= :first"),
                {"first": STREAM_FIRST_ID},
            ).all()
        )
        statuses = dict(
            connection.execute(
                text("SELECT status, count(*) FROM scheduled_message GROUP BY status")
            ).all()
        )
    engine.dispose()
    lateness = []
    for message_id, sent in sms.sent.items():
        due_at = datetime.fromisoformat(str(due[message_id])).replace(tzinfo=UTC)
        lateness.append(sent - due_at.timestamp())
    print(
        json.dumps(
            {
                "sent": len(sms.sent),
                "statuses": statuses,
                "lateness": lateness,
                "rss_before": rss_before,
                "rss_peak": rss_mib("VmHWM"),
            }
        )
    )


def run_case(directory: Path, pending: int, args: argparse.Namespace) -> dict[str, Any]:
    path = directory / f"pending-{pending}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with stopwatch() as seeding:
        seed_pending(path, pending, clock.now())
    print(f"  seeded {pending:,} pending rows in {seeding[0]:.0f} s (not measured)")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_lateness",
            "--child",
            f"sqlite:///{path}",
            str(args.stream),
            str(args.window),
            str(args.interval),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"the dispatching process failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--stream", type=int, default=1200, help="messages falling due")
    parser.add_argument("--window", type=float, default=40, help="seconds they fall due over")
    parser.add_argument("--interval", type=float, default=1.0, help="dispatch interval, s")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, stream, window, interval = args.child
        child(url, int(stream), float(window), float(interval))
        return 0
    header("lateness: due -> handed to the provider, SQLite, the worker's scheduler")
    print(
        f"{args.stream:,} SMS falling due over {args.window:.0f} s, dispatch interval "
        f"{args.interval:g} s, no-op provider"
    )
    met = correct = True
    peaks: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp:
        for pending in args.pending:
            print(f"### {pending:,} pending rows")
            result = run_case(Path(tmp), pending, args)
            lateness = result["lateness"]
            if result["sent"] != args.stream or result["statuses"].get("sent") != args.stream:
                print(f"  FAILED: {result['sent']} of {args.stream} sent; {result['statuses']}")
                correct = False
            if result["statuses"].get("pending") != pending:
                print(f"  FAILED: pending rows touched: {result['statuses']}")
                correct = False
            p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
            figure("lateness p50", p50 * 1000, "ms")
            figure("lateness p99", p99 * 1000, "ms")
            figure("lateness max", max(lateness, default=float("nan")) * 1000, "ms")
            figure("RSS when the scheduler started", result["rss_before"], "MiB")
            figure("peak RSS while dispatching", result["rss_peak"], "MiB")
            limit = args.interval + 1
            ok = p99 <= limit
            print(f"  p99 <= interval + 1 s ({limit:g} s): {'OK' if ok else 'MISSED'}")
            met = met and ok
            peaks[pending] = result["rss_peak"]
    if len(peaks) >= 2:
        low, high = min(peaks), max(peaks)
        growth = peaks[high] - peaks[low]
        print(f"### memory from {low:,} to {high:,} pending rows")
        figure("peak RSS growth", growth, "MiB")
        ok = growth < 50
        print(f"  growth < 50 MiB: {'OK' if ok else 'MISSED'}")
        met = met and ok
    print(f"targets: {'all met' if met else 'MISSED (see above)'}")
    # A missed target is a figure to report; a message not sent (or a pending row sent) is
    # a failure.
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
