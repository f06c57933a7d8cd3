"""Triage of one SMS: today's rules against the rules they replaced, in the same run.

Every message of the project's labelled corpus (tests/fixtures/triage, about 4,700 lines,
English and Spanish, crisis to ordinary) is triaged one call at a time, timed with
`perf_counter_ns`:

- ours: `followup.replies.triage.triage` (crisis, medical, urgent and review rules, the
  framing of denials and recovery, the literal prefilter);
- baseline: the crisis-only rules this package replaced, loaded from git at the commit
  before it (`BASELINE_COMMIT`), so nothing of the old code ships.

Ours and the baseline alternate message by message for `--rounds` rounds, so a slow
moment of a shared machine falls on both. Printed: each side's median and p99 per
message, the messages per second of one core, and the ratio ours/baseline of the
medians. Target: a median of at most 100 µs a message (the ratio is context: the new
rules do several times the work, and their cost is what the target bounds).

    python -m benchmarks.bench_triage [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable

from benchmarks.common import figure, header, percentile
from benchmarks.seed import ROOT
from followup.replies.triage import triage
from followup.replies.triage.check import parse

BASELINE_COMMIT = "b4f6c07"  # the last commit with followup/replies/triage.py
TARGET_MEDIAN_US = 100.0


def corpus() -> list[str]:
    """Every message of the labelled corpus, in file order."""
    return [
        message.text
        for path in sorted((ROOT / "tests" / "fixtures" / "triage").glob("*.tsv"))
        for message in parse(path.read_text(encoding="utf-8").splitlines(), path.name)
    ]


def baseline() -> Callable[[str], object] | None:
    """The replaced rules' `detect_crisis`, compiled from git; None outside a git checkout."""
    shown = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:followup/replies/triage.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if shown.returncode != 0:
        print(f"  baseline: not available ({shown.stderr.strip()[:120]})")
        return None
    module = types.ModuleType("baseline_triage")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(shown.stdout, "baseline_triage.py", "exec"), module.__dict__)
    found: Callable[[str], object] = module.detect_crisis
    return found


def timed(function: Callable[[str], object], text: str) -> int:
    start = time.perf_counter_ns()
    function(text)
    return time.perf_counter_ns() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    header("triage of one SMS, ours against the replaced rules")
    messages = corpus()
    old = baseline()
    for text in messages:  # warm the caches both sides keep (compiled patterns)
        triage(text)
        if old is not None:
            old(text)
    ours: list[float] = []
    theirs: list[float] = []
    gc.disable()  # a collection in the middle of one call is not the call's cost
    try:
        for _ in range(args.rounds):
            for text in messages:
                ours.append(timed(triage, text) / 1000)
                if old is not None:
                    theirs.append(timed(old, text) / 1000)
            gc.collect()
    finally:
        gc.enable()
    print(f"  messages: {len(messages)} x {args.rounds} rounds")
    median = statistics.median(ours)
    figure("ours, median", median, "µs/message")
    figure("ours, p99", percentile(ours, 99), "µs/message")
    figure("ours, one core", 1e6 / statistics.mean(ours), "messages/s")
    if theirs:
        figure("replaced rules, median", statistics.median(theirs), "µs/message")
        figure("replaced rules, p99", percentile(theirs, 99), "µs/message")
        # Context, not a target: the replaced rules looked for crisis words only.
        figure("ratio ours/replaced rules, medians", median / statistics.median(theirs), "x")
    met = median <= TARGET_MEDIAN_US
    verdict = "OK" if met else "MISSED"
    print(f"  median {median:.1f} µs (target ≤ {TARGET_MEDIAN_US:.0f} µs) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
