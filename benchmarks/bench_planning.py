"""Planning 100,000 appointments: the bulk path against ORM `add_all`, in the same run.

10,000 patients with 10 weekly infusions each, planned with the shipped protocol
(config/protocol.toml) into an empty `scheduled_message` table:

- ours: `followup.planning.scheduling.replan_patients` (Core reads, the pure planner, executemany
  inserts, one transaction);
- baseline: the same reads and planner, written the way an ORM does it: one
  `ScheduledMessage` object per message, `session.add_all`, a commit per 500 patients.
  Its cost per message is flat, so it plans only the first `--baseline-patients` (500)
  of the same data: all 100,000 appointments would take it most of an hour here.

Each path runs in a fresh subprocess on its own copy of the seeded database, so the peak
resident memory of one does not hide the other's. SQLite always; PostgreSQL too when
Debian's binaries are installed (`--no-postgres` skips it).

Both the wall-clock and the CPU-time ratio are printed. On SQLite all the work is in the
planning process, so its CPU time is the cost, and the CPU ratio (what a quiet machine's
wall clock shows) is held to the target: on a shared machine the wall-clock ratio swings
with whatever else runs during each path. On PostgreSQL the server does part of the work
in another process, so the wall-clock ratio is held to the target there.

    python -m benchmarks.bench_planning [--patients 10000] [--infusions 10] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session, col, select

from benchmarks.common import (
    figure,
    header,
    postgres_version,
    ratio,
    reset_peak_rss,
    rss_mib,
    stopwatch,
)
from benchmarks.seed import FIRST_NAMES, ROOT, phone
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.db.models import REPLANNABLE, Appointment, Patient, ScheduledMessage
from followup.planning.plan import Infusion, plan_patient
from followup.planning.planner import ExistingMessage, reconcile, target_state
from followup.planning.scheduling import ACTIVE, PATIENT_CHUNK, patient_facts, replan_patients
from followup.protocol import Protocol, load_protocol
from followup.testing.postgres import TemporaryPostgres, find_binaries

# Planning happens before the first infusion, so every message is planned as pending.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
ZONES = ["America/Chicago", "America/New_York", "America/Denver", None]


def seed(engine: Engine, patients: int, infusions: int) -> None:
    """Patients (phone, email, consent) and their weekly infusions, inserted in bulk."""
    P = Patient.__table__  # type: ignore[attr-defined]
    A = Appointment.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            insert(P),
            [
                {
                    "id": n + 1,
                    "external_id": f"B{n:07d}",
                    "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
                    "last_name": "Bench",
                    "phone": phone(n),
                    "email": f"b{n}@example.org",
                    "timezone": ZONES[n % len(ZONES)],
                    "sms_consent": True,
                    "email_consent": n % 3 != 0,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(patients)
            ],
        )
        for first in range(0, patients, 1000):
            connection.execute(
                insert(A),
                [
                    {
                        "source": "bench.ics",
                        "source_uid": f"bench-{n}-{k}",
                        "patient_id": n + 1,
                        # Spread over the day, so quiet hours move some messages.
                        "start_at": FIRST + timedelta(weeks=k, minutes=(n * 7) % 600),
                        "end_at": FIRST + timedelta(weeks=k, minutes=(n * 7) % 600 + 90),
                        "status": "booked",
                        "treatment": "pain" if n % 4 == 0 else "depression",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in range(first, min(first + 1000, patients))
                    for k in range(infusions)
                ],
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                text("SELECT setval('patient_id_seq', (SELECT max(id) FROM patient))")
            )
            connection.execute(text("ANALYZE"))


def plan_bulk(engine: Engine, protocol: Protocol, ids: list[int]) -> int:
    """Ours: the product's planning path, one transaction."""
    with Session(engine) as session:
        counts = replan_patients(session, ids, protocol, NOW)
        session.commit()
    return counts.planned


def plan_orm(engine: Engine, protocol: Protocol, ids: list[int]) -> int:
    """Baseline: the same reads, planner and reconciliation; ORM objects, add_all, commit."""
    planned = 0
    for first in range(0, len(ids), PATIENT_CHUNK):
        chunk = ids[first : first + PATIENT_CHUNK]
        with Session(engine) as session:
            patients = {
                p.id: p for p in session.exec(select(Patient).where(col(Patient.id).in_(chunk)))
            }
            series: dict[int, list[Appointment]] = defaultdict(list)
            for appt in session.exec(
                select(Appointment)
                .where(col(Appointment.patient_id).in_(chunk))
                .order_by(col(Appointment.start_at))
            ):
                series[appt.patient_id].append(appt)
            stored: dict[int, list[ScheduledMessage]] = defaultdict(list)
            for row in session.exec(
                select(ScheduledMessage)
                .join(Appointment)
                .where(col(Appointment.patient_id).in_(chunk))
            ):
                stored[row.appointment_id].append(row)
            rows = []
            for pid in chunk:
                who = patient_facts(patients[pid], protocol.clinic.tz)
                # The same pure planner as the bulk path: the patient's infusions together.
                plan = plan_patient(
                    [
                        Infusion(
                            a.id or 0,
                            a.start_at,
                            a.discharged_at or a.end_at,
                            a.treatment,
                            a.status in ACTIVE,
                        )
                        for a in series[pid]
                    ],
                    who,
                    protocol,
                    NOW,
                )
                for appt in series[pid]:
                    existing = [
                        ExistingMessage(
                            r.id or 0,
                            r.step,
                            r.channel,
                            r.status,
                            r.due_at,
                            r.expires_at,
                            r.status_reason,
                        )
                        for r in stored[appt.id or 0]
                    ]
                    changes = reconcile(
                        existing,
                        plan.messages.get(appt.id or 0, []),
                        NOW,
                        frozenset(REPLANNABLE),
                        "no longer in the protocol",
                    )
                    for message in changes.insert:
                        status, reason = target_state(message, NOW)
                        rows.append(
                            ScheduledMessage(
                                appointment_id=appt.id or 0,
                                patient_id=pid,
                                step=message.step,
                                kind=message.kind,
                                template=message.template,
                                channel=message.channel,
                                due_at=message.due_at,
                                expires_at=message.expires_at,
                                quiet_hours_exempt=message.quiet_hours_exempt,
                                status=status,
                                status_reason=reason,
                                created_at=NOW,
                                updated_at=NOW,
                            )
                        )
            session.add_all(rows)
            session.commit()
            planned += len(rows)
    return planned


PATHS: dict[str, Callable[[Engine, Protocol, list[int]], int]] = {
    "bulk": plan_bulk,
    "orm": plan_orm,
}


def child(path: str, url: str, patients: int) -> None:
    """Plan the first `patients` patients of a seeded database; print the figures as JSON."""
    protocol = load_protocol(ROOT / "config" / "protocol.toml")
    engine = make_engine(url)
    with engine.connect() as connection:
        ids = list(connection.execute(text("SELECT id FROM patient ORDER BY id")).scalars())
    ids = ids[:patients]
    reset_peak_rss()
    start_rss = rss_mib("VmRSS")
    cpu = time.process_time()
    with stopwatch() as elapsed:
        planned = PATHS[path](engine, protocol, ids)
    cpu = time.process_time() - cpu
    engine.dispose()
    result = {
        "seconds": elapsed[0],
        "cpu_seconds": cpu,
        "planned": planned,
        "rss_start": start_rss,
        "rss_peak": rss_mib("VmHWM"),
    }
    print(json.dumps(result))


def run_child(path: str, url: str, patients: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_planning", "--child", path, url, str(patients)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{path} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def report(backend: str, results: dict[str, dict[str, Any]], judge: str) -> bool:
    """Print both paths' figures; `judge` ("wall" or "cpu") is the ratio held to the target."""
    print(f"### {backend}")
    wall, cpu = {}, {}
    for path, r in results.items():
        wall[path] = r["planned"] / r["seconds"]
        cpu[path] = r["planned"] / r["cpu_seconds"]
        figure(f"{path}: planned messages", r["planned"], "rows")
        figure(f"{path}: wall time", r["seconds"], "s")
        figure(f"{path}: rate", wall[path], "messages/s")
        figure(f"{path}: rate per CPU second of the planning process", cpu[path], "messages/s")
        figure(f"{path}: peak RSS growth while planning", r["rss_peak"] - r["rss_start"], "MiB")
    met = {
        "wall": ratio("bulk / ORM add_all, wall clock", wall["bulk"], wall["orm"], 5.0),
        "cpu": ratio("bulk / ORM add_all, CPU time", cpu["bulk"], cpu["orm"], 5.0),
    }
    print(f"  (held to the target: the {judge} ratio)")
    return met[judge]


def bench_sqlite(directory: Path, patients: int, infusions: int, sample: int) -> bool:
    template = directory / "seeded.db"
    engine = make_engine(f"sqlite:///{template}")
    upgrade(engine)
    seed(engine, patients, infusions)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    results = {}
    for path, limit in (("bulk", patients), ("orm", sample)):
        copy = directory / f"{path}.db"
        shutil.copyfile(template, copy)
        results[path] = run_child(path, f"sqlite:///{copy}", limit)
    return report("SQLite (file, WAL)", results, "cpu")


def bench_postgres(patients: int, infusions: int, sample: int) -> bool:
    with TemporaryPostgres() as server:
        print(f"postgres: {postgres_version(str(server.bin))}")
        admin = make_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE seeded"))
        engine = make_engine(server.url("seeded"))
        upgrade(engine)
        seed(engine, patients, infusions)
        engine.dispose()
        results = {}
        for path, limit in (("bulk", patients), ("orm", sample)):
            name = f"{path}_{uuid.uuid4().hex[:6]}"
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name} TEMPLATE seeded"))
            results[path] = run_child(path, server.url(name), limit)
        admin.dispose()
    return report("PostgreSQL (loopback, fsync off)", results, "wall")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--infusions", type=int, default=10)
    parser.add_argument(
        "--baseline-patients",
        type=int,
        default=500,
        help="patients the ORM baseline plans (its cost per message is flat)",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--child", nargs=3, metavar=("PATH", "URL", "PATIENTS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    sample = min(args.baseline_patients, args.patients)
    header("planning: bulk path vs ORM add_all")
    print(
        f"ours plans {args.patients * args.infusions:,} appointments "
        f"({args.patients:,} patients x {args.infusions} infusions); the ORM baseline plans "
        f"the first {sample:,} patients of the same data"
    )
    with tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp:
        met = bench_sqlite(Path(tmp), args.patients, args.infusions, sample)
    if args.no_postgres:
        pass
    elif find_binaries() is None:
        print("### PostgreSQL: skipped, binaries not found (apt-get install postgresql)")
    else:
        met = bench_postgres(args.patients, args.infusions, sample) and met
    print(f"targets: {'all met' if met else 'MISSED (see above)'}")
    return 0  # a missed target is a figure to report, not a failure to run


if __name__ == "__main__":
    sys.exit(main())
