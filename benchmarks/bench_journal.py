"""What the inbound journal costs a webhook batch, against storing the batch itself.

Every batch of inbound SMS is now appended to the process's journal (one commit with
`synchronous=FULL`: an fsync) before it is stored, and removed (a second commit) once it
is processed (not durable: a record back after a power cut is handled again, which is
idempotent). The baseline is the store that was there before: the same batch committed to
a migrated SQLite database (WAL, `synchronous=NORMAL`, as `followup run` uses: no fsync).
Both are timed on the same disk, batch by batch, interleaved. Target, under load (batches
of 16 and 64, what a burst makes): journal ≤ 1x store, so the journal at most doubles what
storing a reply costs (processing, not measured here, costs several times more). A lone
message (a quiet clinic) pays one fsync more: printed, with no target.

    python -m benchmarks.bench_journal [--batches 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import figure, header, ratio
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.replies.handle import store
from followup.replies.journal import InboundJournal
from followup.replies.outcome import Inbound


def batch(tag: str, size: int) -> list[Inbound]:
    now = datetime.now(UTC)
    return [
        Inbound(f"SM{tag}-{i}", "+14025550134", "+14025550100", "ok thanks", received_at=now)
        for i in range(size)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    args = parser.parse_args()
    header("Inbound journal against the store it guards")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        engine = make_engine(f"sqlite:///{root / 'bench.db'}")
        upgrade(engine)
        journal = InboundJournal(root / "spool", "bench")
        met = True
        for size in (1, 16, 64):
            journaled: list[float] = []
            stored: list[float] = []
            for n in range(args.batches):
                messages = batch(f"{size}-{n}", size)
                started = time.perf_counter()
                journal.append(messages)
                journal.done([m.sid for m in messages])
                journaled.append(time.perf_counter() - started)
                started = time.perf_counter()
                store(engine, messages, datetime.now(UTC))
                stored.append(time.perf_counter() - started)
            ours, base = statistics.median(journaled), statistics.median(stored)
            print(f"batches of {size}:")
            figure("journal append + done, median", ours * 1e6, "µs")
            figure("journal, p99", sorted(journaled)[int(len(journaled) * 0.99)] * 1e6, "µs")
            figure("store, median", base * 1e6, "µs")
            if size > 1:
                met &= ratio(f"journal / store, batches of {size}", ours, base, 1.0, False)
            else:
                figure("journal / store, a lone message (no target)", ours / base, "x")
        journal.close()
        engine.dispose()
    print("all targets met" if met else "a target was missed")


if __name__ == "__main__":
    main()
